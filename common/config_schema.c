/*  config_schema.c — the table-driven config checker (config_schema.h). */
#include "config_schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 400 /* a longer path is cut (the message must fit fs_err_t) */
#define LIST_MAX 300     /* "one of: …" lists are cut with ", …" */

/* ---- paths ------------------------------------------------------------------ */

static bool is_ident(const char *k)
{
    if (!*k)
        return false;
    for (const char *p = k; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            return false;
    return true;
}

const char *fs_schema_path_key(char *buf, size_t size, const char *path, const char *key)
{
    if (is_ident(key)) {
        snprintf(buf, size, "%s.%s", path, key);
        return buf;
    }
    /* $.x["key with \"quotes\""]: escape quotes and backslashes, drop controls. */
    size_t n = (size_t)snprintf(buf, size, "%s[\"", path);
    for (const char *p = key; *p && n + 4 < size; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch < 0x20)
            continue;
        if (ch == '"' || ch == '\\')
            buf[n++] = '\\';
        buf[n++] = (char)ch;
    }
    if (n + 3 <= size)
        snprintf(buf + n, size - n, "\"]");
    return buf;
}

static void path_index(char *buf, size_t size, const char *path, size_t i)
{
    snprintf(buf, size, "%s[%zu]", path, i);
}

/* ---- "expected …" and "found …" ------------------------------------------------ */

static void append(char *buf, size_t size, const char *s)
{
    size_t n = strlen(buf);
    if (n + 1 < size)
        snprintf(buf + n, size - n, "%s", s);
}

/* "a, b, c" into buf, cut with ", …" when it gets long. */
static void join(char *buf, size_t size, const char *const *names)
{
    buf[0] = '\0';
    for (size_t i = 0; names[i]; i++) {
        if (strlen(buf) + strlen(names[i]) + 2 > (size < LIST_MAX ? size : LIST_MAX) - 6) {
            append(buf, size, ", …");
            return;
        }
        if (i)
            append(buf, size, ", ");
        append(buf, size, names[i]);
    }
}

static void bounds(char *buf, size_t size, const char *noun, long long lo, long long hi)
{
    if (hi > 0 && lo == 0)
        snprintf(buf, size, " of at most %lld %s", hi, noun);
    else if (hi > 0)
        snprintf(buf, size, " of %lld..%lld %s", lo, hi, noun);
    else if (lo > 0)
        snprintf(buf, size, " of at least %lld %s", lo, noun);
    else
        buf[0] = '\0';
}

static void describe(const fs_schema_t *s, char *buf, size_t size)
{
    char extra[LIST_MAX + 32];
    if (s->what && !s->enums) {
        snprintf(buf, size, "%s", s->what);
        return;
    }
    switch (s->type) {
    case FS_SCHEMA_ANY:
        snprintf(buf, size, "any JSON value");
        break;
    case FS_SCHEMA_BOOL:
        snprintf(buf, size, "a boolean (true or false)");
        break;
    case FS_SCHEMA_INT:
        if (s->min || s->max)
            snprintf(buf, size, "an integer %lld..%lld", s->min, s->max);
        else
            snprintf(buf, size, "an integer");
        break;
    case FS_SCHEMA_NUMBER:
        if (s->min || s->max)
            snprintf(buf, size, "a number %lld..%lld", s->min, s->max);
        else
            snprintf(buf, size, "a number");
        break;
    case FS_SCHEMA_STRING:
        if (s->enums) {
            join(extra, sizeof extra, s->enums);
            if (s->what)
                snprintf(buf, size, "%s (one of: %s)", s->what, extra);
            else
                snprintf(buf, size, "one of: %s", extra);
        } else if (s->min == 1 && s->max == 0) {
            snprintf(buf, size, "a non-empty string");
        } else {
            bounds(extra, sizeof extra, "characters", s->min, s->max);
            snprintf(buf, size, "a string%s", extra);
        }
        break;
    case FS_SCHEMA_ARRAY:
        bounds(extra, sizeof extra, "items", s->min, s->max);
        snprintf(buf, size, "an array%s", extra);
        break;
    case FS_SCHEMA_OBJECT:
        snprintf(buf, size, "an object");
        break;
    case FS_SCHEMA_MAP:
        bounds(extra, sizeof extra, "entries", s->min, s->max);
        snprintf(buf, size, "an object {NAME: …}%s", extra);
        break;
    }
}

static void found(const json_t *v, char *buf, size_t size)
{
    switch (json_typeof(v)) {
    case JSON_STRING: {
        /* Quote at most 40 bytes, controls as '?', so the message stays one line. */
        char q[48];
        size_t n = 0;
        const char *s = json_string_value(v);
        for (; *s && n < 40; s++)
            q[n++] = (unsigned char)*s < 0x20 ? '?' : *s;
        q[n] = '\0';
        snprintf(buf, size, "string \"%s\"%s", q, *s ? "…" : "");
        break;
    }
    case JSON_INTEGER:
        snprintf(buf, size, "integer %lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        snprintf(buf, size, "number %g", json_real_value(v));
        break;
    case JSON_TRUE:
        snprintf(buf, size, "true");
        break;
    case JSON_FALSE:
        snprintf(buf, size, "false");
        break;
    case JSON_NULL:
        snprintf(buf, size, "null");
        break;
    case JSON_OBJECT:
        snprintf(buf, size, "an object");
        break;
    case JSON_ARRAY:
        snprintf(buf, size, "an array");
        break;
    }
}

static int mismatch(const fs_schema_t *s, const json_t *v, const char *path, fs_err_t *e)
{
    char want[LIST_MAX + 96], got[64];
    describe(s, want, sizeof want);
    if (v && s->secret)
        snprintf(got, sizeof got, "a value (not shown: it may be a secret)");
    else if (v)
        found(v, got, sizeof got);
    else
        snprintf(got, sizeof got, "nothing (the key is required)");
    return fs_err_set(e, "%s: expected %s, found %s", path, want, got);
}

/* ---- objects ------------------------------------------------------------------ */

static const fs_schema_field_t *find_in(const fs_schema_t *s, const char *key)
{
    if (!s || s->type != FS_SCHEMA_OBJECT)
        return NULL;
    for (size_t t = 0; t < FS_SCHEMA_TABLES; t++)
        for (const fs_schema_field_t *f = s->fields[t]; f && f->key; f++)
            if (strcmp(f->key, key) == 0)
                return f;
    return NULL;
}

const fs_schema_field_t *fs_schema_field(const fs_schema_t *s, const char *key)
{
    return key ? find_in(s, key) : NULL;
}

static void key_list(const fs_schema_t *s, const fs_schema_t *variant, char *buf, size_t size)
{
    const char *names[128];
    size_t n = 0;
    if (s->tag)
        names[n++] = s->tag;
    for (int pass = 0; pass < 2; pass++) {
        const fs_schema_t *o = pass ? variant : s;
        for (size_t t = 0; o && t < FS_SCHEMA_TABLES; t++)
            for (const fs_schema_field_t *f = o->fields[t]; f && f->key && n < 127; f++) {
                bool dup = false;
                for (size_t i = 0; i < n && !dup; i++)
                    dup = strcmp(names[i], f->key) == 0;
                if (!dup)
                    names[n++] = f->key;
            }
    }
    names[n] = NULL;
    join(buf, size, names);
}

static int check(const fs_schema_t *s, const json_t *v, const char *path, int depth, fs_err_t *e);

static int check_object(const fs_schema_t *s, const json_t *v, const char *path, int depth,
                        fs_err_t *e)
{
    char sub[PATH_MAX_LEN + 64];
    const fs_schema_t *variant = NULL;
    if (s->tag) {
        const json_t *tv = json_object_get(v, s->tag);
        const char *tag = json_string_value(tv);
        for (const fs_schema_variant_t *x = s->variants; tag && x && x->tag; x++)
            if (strcmp(x->tag, tag) == 0)
                variant = x->schema;
        if (!variant) {
            const char *names[128];
            size_t n = 0;
            for (const fs_schema_variant_t *x = s->variants; x && x->tag && n < 127; x++)
                names[n++] = x->tag;
            names[n] = NULL;
            fs_schema_t want = {.type = FS_SCHEMA_STRING, .what = "a type", .enums = names};
            return mismatch(&want, tv, fs_schema_path_key(sub, sizeof sub, path, s->tag), e);
        }
    }
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val)
    {
        if (s->tag && strcmp(key, s->tag) == 0)
            continue;
        const fs_schema_field_t *f = find_in(s, key);
        if (!f)
            f = find_in(variant, key);
        fs_schema_path_key(sub, sizeof sub, path, key);
        if (!f) {
            char list[LIST_MAX + 8];
            key_list(s, variant, list, sizeof list);
            return fs_err_set(e, "%s: unknown key (expected one of: %s)", sub, list);
        }
        if (check(f->schema, val, sub, depth + 1, e) != 0)
            return -1;
    }
    for (int pass = 0; pass < 2; pass++) {
        const fs_schema_t *o = pass ? variant : s;
        for (size_t t = 0; o && t < FS_SCHEMA_TABLES; t++)
            for (const fs_schema_field_t *f = o->fields[t]; f && f->key; f++)
                if (f->required && !json_object_get(v, f->key))
                    return mismatch(f->schema, NULL,
                                    fs_schema_path_key(sub, sizeof sub, path, f->key), e);
    }
    return 0;
}

static bool in_enums(const char *const *enums, const char *s)
{
    for (; *enums; enums++)
        if (strcmp(*enums, s) == 0)
            return true;
    return false;
}

static int check(const fs_schema_t *s, const json_t *v, const char *path, int depth, fs_err_t *e)
{
    char sub[PATH_MAX_LEN + 64];
    if (!s || (s->type == FS_SCHEMA_ANY && !s->check))
        return 0;
    if (depth > FS_SCHEMA_MAX_DEPTH)
        return fs_err_set(e, "%s: nested deeper than %d levels", path, FS_SCHEMA_MAX_DEPTH);
    switch (s->type) {
    case FS_SCHEMA_ANY:
        break;
    case FS_SCHEMA_BOOL:
        if (!json_is_boolean(v))
            return mismatch(s, v, path, e);
        break;
    case FS_SCHEMA_INT:
        if (!json_is_integer(v) || ((s->min || s->max) && (json_integer_value(v) < s->min ||
                                                           json_integer_value(v) > s->max)))
            return mismatch(s, v, path, e);
        break;
    case FS_SCHEMA_NUMBER:
        if (!json_is_number(v) || ((s->min || s->max) && (json_number_value(v) < (double)s->min ||
                                                          json_number_value(v) > (double)s->max)))
            return mismatch(s, v, path, e);
        break;
    case FS_SCHEMA_STRING: {
        if (!json_is_string(v))
            return mismatch(s, v, path, e);
        size_t n = json_string_length(v);
        if ((long long)n < s->min || (s->max > 0 && (long long)n > s->max) ||
            strlen(json_string_value(v)) != n)
            return mismatch(s, v, path, e);
        if (s->enums && !in_enums(s->enums, json_string_value(v)))
            return mismatch(s, v, path, e);
        break;
    }
    case FS_SCHEMA_ARRAY: {
        if (!json_is_array(v))
            return mismatch(s, v, path, e);
        size_t n = json_array_size(v);
        if ((long long)n < s->min || (s->max > 0 && (long long)n > s->max))
            return mismatch(s, v, path, e);
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            path_index(sub, sizeof sub, path, i);
            if (check(s->items, item, sub, depth + 1, e) != 0)
                return -1;
        }
        break;
    }
    case FS_SCHEMA_OBJECT:
        if (!json_is_object(v))
            return mismatch(s, v, path, e);
        if (check_object(s, v, path, depth, e) != 0)
            return -1;
        break;
    case FS_SCHEMA_MAP: {
        if (!json_is_object(v))
            return mismatch(s, v, path, e);
        size_t n = json_object_size(v);
        if ((long long)n < s->min || (s->max > 0 && (long long)n > s->max))
            return mismatch(s, v, path, e);
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val)
        {
            fs_schema_path_key(sub, sizeof sub, path, key);
            if (s->keys) {
                json_t *k = json_string(key);
                fs_err_t ke = {0};
                int rc = k ? check(s->keys, k, sub, depth + 1, &ke) : -1;
                json_decref(k);
                if (rc != 0) {
                    char want[LIST_MAX + 96];
                    describe(s->keys, want, sizeof want);
                    return fs_err_set(e, "%s: expected %s as the key, found key \"%.40s\"", sub,
                                      want, key);
                }
            }
            if (check(s->items, val, sub, depth + 1, e) != 0)
                return -1;
        }
        break;
    }
    }
    const char *why = s->check ? s->check(v) : NULL;
    if (why) {
        fs_schema_t said = *s;
        said.what = s->what ? s->what : why;
        said.enums = NULL;
        return mismatch(&said, v, path, e);
    }
    return 0;
}

const char *fs_schema_refuse(const json_t *v)
{
    (void)v;
    return "nothing here";
}

int fs_schema_check(const fs_schema_t *s, const json_t *v, const char *path, fs_err_t *e)
{
    char root[PATH_MAX_LEN + 1];
    snprintf(root, sizeof root, "%s", path && *path ? path : "$");
    return check(s, v, root, 0, e);
}

/* ---- common value schemas ---------------------------------------------------------- */

static bool host_ok(const char *h, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    if (h[0] == '[') /* [IPv6] */
        return n > 2 && h[n - 1] == ']' && strspn(h + 1, "0123456789abcdefABCDEF:.%") >= n - 2;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)h[i]) && !strchr(".-_*", h[i]))
            return false;
    return true;
}

bool fs_schema_endpoint_ok(const char *s)
{
    if (!s)
        return false;
    if (strncmp(s, "ipc://", 6) == 0)
        return s[6] != '\0' && strlen(s) < 1024;
    if (strncmp(s, "inproc://", 9) == 0)
        return s[9] != '\0' && strlen(s) < 1024;
    if (strncmp(s, "tcp://", 6) != 0)
        return false;
    const char *host = s + 6, *colon = strrchr(host, ':');
    if (!colon || !host_ok(host, (size_t)(colon - host)))
        return false;
    const char *port = colon + 1;
    if (strcmp(port, "*") == 0)
        return true;
    uint64_t p;
    return fs_parse_u64(port, &p) == 0 && p >= 1 && p <= 65535 && port[0] != '0';
}

static const char *endpoint_check(const json_t *v)
{
    return fs_schema_endpoint_ok(json_string_value(v))
               ? NULL
               : "an endpoint tcp://HOST:PORT, ipc://PATH or inproc://NAME";
}

const fs_schema_t fs_schema_endpoint = {
    .type = FS_SCHEMA_STRING,
    .what = "an endpoint tcp://HOST:PORT, ipc://PATH or inproc://NAME",
    .check = endpoint_check,
};

const fs_schema_t fs_schema_log_level = {
    .type = FS_SCHEMA_STRING,
    .what = "a log level",
    .enums = (const char *const[]){"debug", "info", "warn", "error", NULL},
};

static const char *name_check(const json_t *v)
{
    return fs_is_name(json_string_value(v), 64) ? NULL : "a name (1..64 of a-z, 0-9, '_', '-')";
}

const fs_schema_t fs_schema_name = {
    .type = FS_SCHEMA_STRING,
    .what = "a name (1..64 of a-z, 0-9, '_', '-')",
    .check = name_check,
};
