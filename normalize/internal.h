/*  internal.h — private to libfedsoar_normalize: the compiled form of a
    mapping file and the helpers the engine's files share.  Nothing here is
    part of the public face (normalize.h).

    A mapping file is compiled once into a `mapping_t`: every path is split
    into segments, every value map is a jansson object keyed by the
    (optionally lower-cased) vendor value, every jq program is compiled.  The
    per-record path (mapping_apply.c) only walks these structures.
*/
#ifndef FEDSOAR_NORMALIZE_INTERNAL_H
#define FEDSOAR_NORMALIZE_INTERNAL_H

#include "jq_program.h"
#include "normalize.h"

#include <stdatomic.h>
#include <stdint.h>

/* Limits: every input has a bound (STYLE.md §6). */
#define NZ_MAX_RECORD_BYTES (8u * 1024u * 1024u) /* one record */
#define NZ_MAX_PATH_SEGMENTS 16
#define NZ_MAX_NESTING 8        /* nested rules[] */
#define NZ_MAX_RULES 1024       /* per mapping file */
#define NZ_MAX_OBSERVABLES 512  /* per event */
#define NZ_MAX_STRING_OUT 65535 /* OCSF string_t max_len */

/* ---- paths ------------------------------------------------------------- */

/* A pre-split path.  Segment "[]" means "every element of an array";
   segment "." alone (n == 0) means "the current value itself". */
typedef struct nz_path {
    char **seg;
    size_t n;
    bool append; /* output paths only: last segment was "x[]" => append */
    bool wild;   /* has a "[]" segment (computed at compile) */
    char *text;  /* as written, for messages */
} nz_path_t;

/* Parses "a.b[].c" (use "\." for a literal dot, e.g. "@odata\.type").
   Returns 0 or -1 with e set. */
int nz_path_compile(nz_path_t *p, const char *text, bool output, fs_err_t *e);
void nz_path_free(nz_path_t *p);
/* Borrowed value at a path without wildcards, or NULL. */
json_t *nz_path_get(json_t *root, const nz_path_t *p);
/* Collects every value at a path (wildcards expand; arrays at the end are
   not flattened). Appends borrowed refs into out (a json array, incref'd). */
void nz_path_collect(json_t *root, const nz_path_t *p, json_t *out);
/* Sets (steals v) at p under root, creating objects on the way; appends when
   p->append. Returns 0, or -1 when an intermediate value is not an object. */
int nz_path_set(json_t *root, const nz_path_t *p, json_t *v);
bool nz_path_has_wildcard(const nz_path_t *p);

/* ---- line map: JSON path -> line, for load-time error messages --------- */

typedef struct nz_linemap nz_linemap_t;
nz_linemap_t *nz_linemap_build(const char *text, size_t len);
/* "rules[3].map" style path; returns the line or 0 when unknown. */
int nz_linemap_line(const nz_linemap_t *lm, const char *path);
void nz_linemap_destroy(nz_linemap_t **lm);

/* ---- conditions -------------------------------------------------------- */

typedef enum {
    NZ_COND_EXISTS,
    NZ_COND_EQ,
    NZ_COND_IN,
    NZ_COND_PREFIX,
    NZ_COND_CONTAINS,
    NZ_COND_NOT,
    NZ_COND_ALL,
    NZ_COND_ANY
} nz_cond_kind_t;

typedef struct nz_cond {
    nz_cond_kind_t kind;
    nz_path_t path;
    json_t *value;       /* eq: scalar; in: object used as a set (string keys) */
    bool ci;             /* case-insensitive string compare */
    struct nz_cond *sub; /* not/all/any */
    size_t nsub;
} nz_cond_t;

/* ---- rules ------------------------------------------------------------- */

typedef enum {
    NZ_FN_NONE,
    NZ_FN_TIME, /* RFC 3339 string or epoch number -> epoch ms */
    NZ_FN_INT,  /* number or decimal string -> integer */
    NZ_FN_FLOAT,
    NZ_FN_BOOL,   /* true/false/"true"/"false"/"yes"/"no"/0/1 */
    NZ_FN_STRING, /* scalar -> string */
    NZ_FN_LOWER,
    NZ_FN_UPPER,
    NZ_FN_TRIM,
    NZ_FN_BASENAME, /* last component of a / or \ path */
    NZ_FN_DIRNAME,
    NZ_FN_SPLIT,    /* string -> array of strings by `sep` */
    NZ_FN_JOIN,     /* array of scalars -> string joined by `sep` */
    NZ_FN_FIRST,    /* first element of an array (or the value) */
    NZ_FN_IP,       /* a valid IPv4/IPv6 literal (port/brackets stripped) */
    NZ_FN_DOMAIN,   /* "DOMAIN\user" -> DOMAIN, "user@dom" -> dom */
    NZ_FN_USER,     /* "DOMAIN\user" -> user, "user@dom" -> user */
    NZ_FN_NONEMPTY, /* drops "", "-", null, [] and {} */
    NZ_FN__COUNT
} nz_fn_t;

typedef enum { NZ_TIME_AUTO, NZ_TIME_S, NZ_TIME_MS, NZ_TIME_US, NZ_TIME_NS } nz_time_unit_t;

typedef struct nz_range {
    double lo, hi;
    json_t *value;
} nz_range_t;

typedef struct nz_rule {
    uint32_t id;     /* index into the mapping's fired-bitset */
    nz_path_t *from; /* alternatives: the first present one wins */
    size_t nfrom;
    bool has_to;
    nz_path_t to;  /* relative to the current output object */
    json_t *value; /* constant (owned) */
    nz_fn_t fn[4]; /* applied in order */
    size_t nfn;
    char *sep;
    nz_time_unit_t unit;
    json_t *map; /* value map (owned), keys lower-cased when map_ci */
    bool map_ci;
    json_t *dflt; /* map/range default (owned) or NULL */
    nz_range_t *ranges;
    size_t nranges;
    bool required;
    bool fallback;     /* only when `to` is not set yet */
    bool consume_only; /* "drop": the field is deliberately not kept */
    bool keep;         /* "keep": read from, but leave the source in unmapped */
    nz_path_t qualify; /* "qualify": the domain beside a short user name (qualify.n == 0: none) */
    bool has_qualify;
    bool try_only;          /* "try": a value that does not convert is expected, not a warning */
    bool is_time;           /* writes the event's top-level `time` (receipt-time fallback) */
    atomic_ulong *warnings; /* per `from` alternative: values that did not convert */
    nz_cond_t *when;
    nz_cond_t *pick;     /* with rules + from array: the first element where it holds */
    struct nz_rule *sub; /* nested rules: build an object (per element) */
    size_t nsub;
    struct nz_case *cases; /* "switch": first case whose `when` holds */
    size_t ncases;
    fs_jq_t *jq; /* a rule's "jq" (common's jq_program.h), or NULL */
    char *where; /* "rules[3]" for messages */
} nz_rule_t;

typedef struct nz_case {
    nz_cond_t *when; /* NULL: always */
    nz_rule_t *rules;
    size_t nrules;
} nz_case_t;

/* Explicit observable rule (auto-extraction covers typed OCSF fields). */
typedef struct nz_obs_rule {
    nz_path_t from;   /* source record path (wildcards allowed) */
    char *qualify;    /* key beside the leaf holding the domain (DOMAIN\\name), or NULL */
    nz_cond_t *where; /* condition on the object holding the leaf, or NULL */
    int type_id;
    char *name; /* observable.name */
    nz_cond_t *when;
} nz_obs_rule_t;

/* Consumption trie: which record paths a rule placed, for `unmapped`. */
typedef struct nz_trie {
    char *key;
    struct nz_trie *child; /* sorted by key */
    size_t nchild;
    uint32_t *rules; /* rules that consume this whole subtree */
    size_t nrules;
} nz_trie_t;

/* A record shape (shapes.c): the same product delivered another way (Azure
   Monitor diagnostic settings, a Log Analytics table, a log stream).  The
   first shape whose `when` holds rewrites the record into the shape the
   rules read: `lift` moves the keys of an object up (absent keys only),
   `rename` moves a field to another path (only when that path is empty). */
typedef struct nz_rename {
    nz_path_t from, to;
} nz_rename_t;

typedef struct nz_shape {
    char *name;
    nz_cond_t *when; /* NULL: always */
    nz_path_t lift;
    bool has_lift;
    nz_rename_t *renames;
    size_t nrenames;
    atomic_ulong seen; /* records of this shape */
} nz_shape_t;

typedef enum { NZ_FRAME_JSON, NZ_FRAME_LINES, NZ_FRAME_WHOLE, NZ_FRAME_AUTO_XML_JSON } nz_framing_t;

typedef enum { NZ_DEC_NONE, NZ_DEC_CEF, NZ_DEC_WINXML, NZ_DEC_RFC822 } nz_decoder_t;

typedef struct mapping {
    char *source_id;
    json_t *source_json; /* source_id as a shared JSON string (owned) */
    char *file;
    nz_framing_t framing;
    char **envelopes; /* keys whose array (or object) value holds the records */
    size_t nenvelopes;
    nz_decoder_t decoder;
    json_t *product; /* metadata.product (owned) */
    nz_rule_t *rules;
    size_t nrules;
    nz_obs_rule_t *obs;
    size_t nobs;
    bool auto_observables;
    nz_path_t uid_from; /* for metadata.uid: original_event_uid path in output */
    nz_shape_t *shapes; /* tried in order per record */
    size_t nshapes;
    nz_path_t *record_arrays; /* a record holding an array here is its elements (Okta hooks) */
    size_t nrecord_arrays;
    atomic_ulong *time_from_receipt; /* events whose time is the receipt time (one counter) */
    uint32_t nrule_ids;
    nz_trie_t trie;
} mapping_t;

/* mapping_load.c */
mapping_t *nz_mapping_load(const char *path, fs_err_t *e);
mapping_t *nz_mapping_load_text(const char *name, const char *text, size_t len, fs_err_t *e);
void nz_mapping_free(mapping_t *m);

/* shapes.c: compiles the mapping's "shapes" and "record_arrays" keys
   (load_t is mapping_load.c's compile state); applies the first matching
   shape to a record (rec is modified), returning its name or NULL. */
struct nz_load;
int nz_shapes_compile(struct nz_load *L, json_t *doc);
void nz_shapes_free(mapping_t *m);
const char *nz_shape_apply(const mapping_t *m, json_t *rec);
/* The array a record holds at one of m->record_arrays (borrowed), or NULL. */
json_t *nz_record_array(const mapping_t *m, json_t *rec);

/* conditions (mapping_load.c compiles, mapping_apply.c evaluates) */
bool nz_cond_eval(const nz_cond_t *c, json_t *rec);
void nz_cond_free(nz_cond_t *c);

/* mapping_apply.c: maps one record.  `rec` is owned by the caller and is
   MODIFIED: placed fields are deleted from it, so that what remains is the
   `unmapped` object.  Returns a new event (caller owns) or NULL with e. */
json_t *nz_mapping_apply(const mapping_t *m, const normalize_opts_t *opts, json_t *rec,
                         const char *raw, size_t raw_len, fs_err_t *e);

/* value functions (functions.c) */
/* Applies fn to v (borrowed); returns a new reference or NULL (no value). */
json_t *nz_fn_apply(const nz_rule_t *r, nz_fn_t fn, json_t *v, fs_err_t *e);
nz_fn_t nz_fn_by_name(const char *name);
/* The reference time for year-less dates on this thread (epoch ms; 0: the
   wall clock).  mapping_apply.c sets it per record from the receipt time. */
void nz_fn_set_time_reference(int64_t ms);
const char *nz_fn_name(nz_fn_t fn);
bool nz_ip_valid(const char *s);

/* observables.c: adds observables[] to ev (auto + explicit rules). */
void nz_observables_build(const mapping_t *m, json_t *ev, json_t *rec);
const char *ocsf_observable_type_name(int type_id);

/* ocsf.c: captions and derived fields */
void ocsf_finish(json_t *ev); /* type_uid, *_name siblings, severity caption */
const char *ocsf_class_name(int class_uid);
const char *ocsf_category_name(int category_uid);
const char *ocsf_severity_name(int severity_id);
/* Shared immutable values (new references to process-wide constants):
   integers 0..127 (others are allocated), the OCSF version string. */
json_t *ocsf_shared_int(json_int_t v);
json_t *ocsf_shared_version(void);

/* normalizer.c: one run's sinks; framing.c hands it every record. */
typedef struct nz_run {
    const mapping_t *m;
    const normalize_opts_t *opts;
    normalize_emit_fn *emit;
    normalize_emit_at_fn *emit_at; /* instead of emit, when set (normalizer_run_at) */
    normalize_reject_fn *reject;
    void *arg;
    long rejected;
} nz_run_t;
/* rec (owned, taken) is the parsed record, or NULL: decode raw first. raw
   is the record's bytes as received. */
void nz_run_record(nz_run_t *r, json_t *rec, size_t record_no, size_t offset, const char *raw,
                   size_t raw_len);
void nz_run_bad(nz_run_t *r, size_t record_no, size_t offset, const char *reason, const char *raw,
                size_t raw_len);

/* framing.c: the record splitter (normalize_stream_* in normalize.h). run
   is copied; position NULL = the start of the input. */
normalize_stream_t *nz_stream_new(const mapping_t *m, const nz_run_t *run, const char *position,
                                  fs_err_t *e);

/* decoders: turn one raw record into a JSON object (caller owns) or NULL+e */
json_t *nz_decode_cef(const char *line, size_t len, fs_err_t *e);
json_t *nz_decode_winxml(const char *xml, size_t len, fs_err_t *e);
json_t *nz_decode_rfc822(const char *msg, size_t len, fs_err_t *e);

/* ---- email (decode_rfc822.c, email_urls.c, email_auth.c) -------------- */

#define NZ_EMAIL_MAX_BYTES (32u * 1024u * 1024u) /* one .eml; also total decoded attachments */
#define NZ_EMAIL_MAX_PARTS 256                   /* MIME parts per message */
#define NZ_EMAIL_MAX_DEPTH 8                     /* multipart / message nesting */
#define NZ_EMAIL_MAX_URLS 200                    /* distinct URLs kept per message */
#define NZ_EMAIL_MAX_URL_LEN 2048
#define NZ_EMAIL_MAX_ATTACHMENTS 64
#define NZ_EMAIL_MAX_TEXT_SCAN (4u * 1024u * 1024u) /* bytes of one body part scanned */

/* URLs found so far: list (array of url objects, owned), seen (set keyed by
   URL text, owned), skipped (over a bound). */
typedef struct nz_email_urls {
    json_t *list;
    json_t *seen;
    size_t skipped;
} nz_email_urls_t;

/* found_in: "text" or "html" (a static string). */
void nz_email_urls_add(nz_email_urls_t *u, const char *url, size_t n, const char *found_in);
void nz_email_urls_scan_text(nz_email_urls_t *u, const char *text, size_t len,
                             const char *found_in);
void nz_email_urls_scan_html(nz_email_urls_t *u, const char *html, size_t len);
/* Adds the verdicts of one Authentication-Results value into auth (an
   object, borrowed); keys already set are kept. */
void nz_email_auth_parse(json_t *auth, const char *header_value);

/* ---- mapping_load.c / mapping_cond.c: the loader's shared state ---------- */
typedef struct nz_load {
    mapping_t *m;
    char field[256]; /* JSON path of the value being checked */
    fs_err_t err;
    fs_jq_group_t *jq_group; /* the file's "jq" rules, compiled together at the end */
} load_t;
/* snprintf for messages and JSON paths: truncation is acceptable there. */
void nz_load_fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));
/* Records a load error at field (a JSON path). Returns -1. */
int nz_load_fail(load_t *L, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* mapping_cond.c: a rule's "when" condition compiled; NULL after
   nz_load_fail. */
nz_cond_t *nz_cond_new(load_t *L, json_t *j, const char *where);

#endif
