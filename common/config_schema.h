/*  config_schema.h — every config fails closed (DESIGN.md §8, issue 11.4).

    A schema is a C table that says what one JSON value may be: its type,
    its range (integers, numbers), its length (strings, arrays, maps), the
    names it may take (enums), the keys of an object with their own schemas
    (unknown keys are errors), the item schema of an array, and "a map of
    NAME -> value" for objects keyed by names the operator chooses (`sites`,
    `actuator_config`). An object may pick extra keys by a tag key
    ("type": "exec" -> the exec connector's keys).

    fs_schema_check reports the first mismatch as

        $.json.path: expected WHAT, found WHAT
        $.json.path: unknown key (expected one of: a, b, c)

    and the caller puts the file name in front. A table reads like this:

        static const fs_schema_field_t store_keys[] = {
            FS_FIELD("map_size_mb", FS_S_INT(1, 1048576)),
            FS_FIELDS_END,
        };
        static const fs_schema_field_t broker_keys[] = {
            FS_FIELD("listen", &fs_schema_endpoint),
            FS_FIELD("store", FS_S_OBJECT(store_keys)),
            FS_FIELDS_END,
        };

    The FS_S_* shorthands are compound literals: at file scope they have
    static storage, so the tables are plain constant data. */
#ifndef FEDSOAR_CONFIG_SCHEMA_H
#define FEDSOAR_CONFIG_SCHEMA_H

#include "common.h"

#define FS_SCHEMA_TABLES 4 /* field tables one object schema may join */
#define FS_SCHEMA_MAX_DEPTH 32

typedef enum {
    FS_SCHEMA_ANY = 0, /* any JSON value (opaque, e.g. exec's "config") */
    FS_SCHEMA_BOOL,
    FS_SCHEMA_INT,    /* an integer in [min, max] (both 0: any integer) */
    FS_SCHEMA_NUMBER, /* an integer or a real in [min, max] (both 0: any) */
    FS_SCHEMA_STRING, /* length in [min, max] (max 0: no upper bound); in enums when set */
    FS_SCHEMA_ARRAY,  /* items, count in [min, max] (max 0: no upper bound) */
    FS_SCHEMA_OBJECT, /* exactly the keys of `fields` (and of the variant `tag` picks) */
    FS_SCHEMA_MAP,    /* an object NAME -> `items`; NAME checked by `keys` (a STRING schema) */
} fs_schema_type_t;

typedef struct fs_schema fs_schema_t;

typedef struct fs_schema_field {
    const char *key; /* NULL ends a table */
    const fs_schema_t *schema;
    bool required;
} fs_schema_field_t;

typedef struct fs_schema_variant {
    const char *tag;           /* the tag's value, e.g. "exec"; NULL ends the table */
    const fs_schema_t *schema; /* an OBJECT schema: its keys are allowed besides the object's own */
} fs_schema_variant_t;

/* An extra check of a value that already has the schema's type: NULL when
   it is fine, else what was expected ("an endpoint tcp://HOST:PORT, …"),
   a static string. */
typedef const char *fs_schema_check_fn(const json_t *v);

struct fs_schema {
    fs_schema_type_t type;
    const char *what;         /* "expected WHAT"; NULL: said from the type and bounds */
    long long min, max;       /* see fs_schema_type_t */
    const char *const *enums; /* STRING: the allowed values, NULL-terminated */
    fs_schema_check_fn *check;
    const fs_schema_t *items;                          /* ARRAY: each item; MAP: each value */
    const fs_schema_t *keys;                           /* MAP: each name (NULL: any name) */
    const fs_schema_field_t *fields[FS_SCHEMA_TABLES]; /* OBJECT: its keys, from these tables */
    const char *tag;                     /* OBJECT: the key whose value picks a variant */
    const fs_schema_variant_t *variants; /* OBJECT: the variants; the tag is required */
    bool secret; /* never quote the value in a message ("found a value (not shown)") */
};

/* Checks v (borrowed) against s. path is v's JSON path ("$",
   "$.connectors[2]"). 0, or -1 with e = "PATH: expected …, found …" (the
   first mismatch, in document order). s NULL: anything goes. */
int fs_schema_check(const fs_schema_t *s, const json_t *v, const char *path, fs_err_t *e);

/* The field of key in an object schema's tables (not its variants), or NULL. */
const fs_schema_field_t *fs_schema_field(const fs_schema_t *s, const char *key);

/* Appends to buf (size bytes, always NUL-terminated) the JSON path of
   `key` below `path`: "$.a" + "b" -> "$.a.b"; a key that is not an
   identifier is quoted: $.sites["x y"]. Returns buf. */
const char *fs_schema_path_key(char *buf, size_t size, const char *path, const char *key);

/* ---- common value schemas ---------------------------------------------- */

/* A ZeroMQ endpoint fedsoar accepts: tcp://HOST:PORT (PORT 1..65535 or *),
   ipc://PATH or inproc://NAME. */
extern const fs_schema_t fs_schema_endpoint;
/* Whether s is such an endpoint. */
bool fs_schema_endpoint_ok(const char *s);
/* "debug", "info", "warn" or "error". */
extern const fs_schema_t fs_schema_log_level;
/* A name fedsoar uses (fs_is_name, 1..64 of [a-z0-9_-]). */
extern const fs_schema_t fs_schema_name;

/* A check that refuses every value: for keys that must not be there, such
   as inline credentials (see FS_S_INLINE_SECRET). */
const char *fs_schema_refuse(const json_t *v);

/* ---- table shorthands ---------------------------------------------------- */

#define FS_FIELD(k, s)                                                                             \
    {                                                                                              \
        (k), (s), false                                                                            \
    }
#define FS_REQUIRED(k, s)                                                                          \
    {                                                                                              \
        (k), (s), true                                                                             \
    }
#define FS_FIELDS_END                                                                              \
    {                                                                                              \
        NULL, NULL, false                                                                          \
    }
#define FS_VARIANTS_END                                                                            \
    {                                                                                              \
        NULL, NULL                                                                                 \
    }

#define FS_S_ANY (&(const fs_schema_t){.type = FS_SCHEMA_ANY})
#define FS_S_BOOL (&(const fs_schema_t){.type = FS_SCHEMA_BOOL})
#define FS_S_INT(lo, hi) (&(const fs_schema_t){.type = FS_SCHEMA_INT, .min = (lo), .max = (hi)})
#define FS_S_NUMBER(lo, hi)                                                                        \
    (&(const fs_schema_t){.type = FS_SCHEMA_NUMBER, .min = (lo), .max = (hi)})
/* A non-empty string (any string: FS_S_STRING_LEN(0, 0)). */
#define FS_S_STRING (&(const fs_schema_t){.type = FS_SCHEMA_STRING, .min = 1})
#define FS_S_STRING_LEN(lo, hi)                                                                    \
    (&(const fs_schema_t){.type = FS_SCHEMA_STRING, .min = (lo), .max = (hi)})
#define FS_S_ENUM(...)                                                                             \
    (&(const fs_schema_t){.type = FS_SCHEMA_STRING,                                                \
                          .enums = (const char *const[]){__VA_ARGS__, NULL}})
/* A string with an extra check; what says what it must be. */
#define FS_S_STRING_CHECK(fn, w)                                                                   \
    (&(const fs_schema_t){.type = FS_SCHEMA_STRING, .check = (fn), .what = (w)})
/* A key that must not hold a credential inline; w says where it goes
   instead. The value is never quoted in the message. */
#define FS_S_INLINE_SECRET(w)                                                                      \
    (&(const fs_schema_t){                                                                         \
        .type = FS_SCHEMA_ANY, .check = fs_schema_refuse, .what = (w), .secret = true})
#define FS_S_ARRAY(item, lo, hi)                                                                   \
    (&(const fs_schema_t){.type = FS_SCHEMA_ARRAY, .items = (item), .min = (lo), .max = (hi)})
/* An object with the keys of one or more field tables. */
#define FS_S_OBJECT(...) (&(const fs_schema_t){.type = FS_SCHEMA_OBJECT, .fields = {__VA_ARGS__}})
/* An object NAME -> value; keyschema checks each NAME (NULL: any). */
#define FS_S_MAP(keyschema, value, maxn)                                                           \
    (&(const fs_schema_t){                                                                         \
        .type = FS_SCHEMA_MAP, .keys = (keyschema), .items = (value), .max = (maxn)})

#endif
