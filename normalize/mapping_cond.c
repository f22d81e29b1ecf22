/*  mapping_cond.c — a mapping rule's "when" condition (docs/normalize.md
    "Conditions"), validated and compiled at load (internal.h). */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- conditions ---------------------------------------------------------- */

static int cond_compile(load_t *L, nz_cond_t *c, json_t *j, const char *where, int depth);

static int cond_list(load_t *L, nz_cond_t *c, json_t *arr, const char *where, int depth)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return nz_load_fail(L, where, "expected a non-empty array of conditions");
    c->nsub = json_array_size(arr);
    c->sub = fs_xcalloc(c->nsub, sizeof *c->sub);
    for (size_t i = 0; i < c->nsub; i++) {
        char w[256];
        nz_load_fmt(w, sizeof w, "%s[%zu]", where, i);
        if (cond_compile(L, &c->sub[i], json_array_get(arr, i), w, depth + 1) != 0)
            return -1;
    }
    return 0;
}

static int cond_compile(load_t *L, nz_cond_t *c, json_t *j, const char *where, int depth)
{
    char w[256];
    fs_err_t e;
    if (depth > NZ_MAX_NESTING)
        return nz_load_fail(L, where, "conditions nested too deeply");
    if (!json_is_object(j))
        return nz_load_fail(L, where, "a condition must be an object");
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "exists") && strcmp(key, "path") && strcmp(key, "eq") &&
            strcmp(key, "in") && strcmp(key, "prefix") && strcmp(key, "contains") &&
            strcmp(key, "not") && strcmp(key, "all") && strcmp(key, "any") && strcmp(key, "ci")) {
            nz_load_fmt(w, sizeof w, "%s.%s", where, key);
            return nz_load_fail(
                L, w,
                "unknown condition key (expected exists, path+eq|in|prefix|contains, not, all, "
                "any, ci)");
        }
    }
    c->ci = json_is_true(json_object_get(j, "ci"));
    json_t *x;
    if ((x = json_object_get(j, "not"))) {
        c->kind = NZ_COND_NOT;
        c->nsub = 1;
        c->sub = fs_xcalloc(1, sizeof *c->sub);
        nz_load_fmt(w, sizeof w, "%s.not", where);
        return cond_compile(L, c->sub, x, w, depth + 1);
    }
    if ((x = json_object_get(j, "all"))) {
        c->kind = NZ_COND_ALL;
        nz_load_fmt(w, sizeof w, "%s.all", where);
        return cond_list(L, c, x, w, depth);
    }
    if ((x = json_object_get(j, "any"))) {
        c->kind = NZ_COND_ANY;
        nz_load_fmt(w, sizeof w, "%s.any", where);
        return cond_list(L, c, x, w, depth);
    }
    if ((x = json_object_get(j, "exists"))) {
        c->kind = NZ_COND_EXISTS;
        nz_load_fmt(w, sizeof w, "%s.exists", where);
        if (!json_is_string(x))
            return nz_load_fail(L, w, "expected a path string");
        if (nz_path_compile(&c->path, json_string_value(x), false, &e) != 0)
            return nz_load_fail(L, w, "%s", e.text);
        return 0;
    }
    x = json_object_get(j, "path");
    nz_load_fmt(w, sizeof w, "%s.path", where);
    if (!json_is_string(x))
        return nz_load_fail(L, w, "expected a path string (with eq, in or prefix)");
    if (nz_path_compile(&c->path, json_string_value(x), false, &e) != 0)
        return nz_load_fail(L, w, "%s", e.text);
    if (nz_path_has_wildcard(&c->path))
        return nz_load_fail(L, w, "wildcards are not allowed in conditions");
    if ((x = json_object_get(j, "eq"))) {
        c->kind = NZ_COND_EQ;
        if (json_is_string(x) && c->ci) {
            char buf[512];
            nz_load_fmt(buf, sizeof buf, "%s", json_string_value(x));
            for (char *p = buf; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            c->value = json_string(buf);
        } else {
            c->value = json_incref(x);
        }
        return 0;
    }
    if ((x = json_object_get(j, "in"))) {
        c->kind = NZ_COND_IN;
        nz_load_fmt(w, sizeof w, "%s.in", where);
        if (!json_is_array(x))
            return nz_load_fail(L, w, "expected an array of strings or integers");
        c->value = json_object();
        size_t i;
        json_t *el;
        json_array_foreach(x, i, el)
        {
            char buf[512];
            if (json_is_string(el))
                nz_load_fmt(buf, sizeof buf, "%s", json_string_value(el));
            else if (json_is_integer(el))
                nz_load_fmt(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(el));
            else
                return nz_load_fail(L, w, "element %zu: expected a string or an integer", i);
            if (c->ci)
                for (char *p = buf; *p; p++)
                    *p = (char)tolower((unsigned char)*p);
            json_object_set_new(c->value, buf, json_true());
        }
        return 0;
    }
    if ((x = json_object_get(j, "prefix"))) {
        c->kind = NZ_COND_PREFIX;
        nz_load_fmt(w, sizeof w, "%s.prefix", where);
        if (!json_is_string(x))
            return nz_load_fail(L, w, "expected a string");
        c->value = json_incref(x);
        return 0;
    }
    if ((x = json_object_get(j, "contains"))) {
        c->kind = NZ_COND_CONTAINS;
        nz_load_fmt(w, sizeof w, "%s.contains", where);
        if (!json_is_string(x) || json_string_length(x) == 0)
            return nz_load_fail(L, w, "expected a non-empty string");
        c->value = json_incref(x);
        return 0;
    }
    return nz_load_fail(L, where, "a condition with \"path\" needs eq, in, prefix or contains");
}

void nz_cond_free(nz_cond_t *c)
{
    if (!c)
        return;
    nz_path_free(&c->path);
    json_decref(c->value);
    for (size_t i = 0; i < c->nsub; i++)
        nz_cond_free(&c->sub[i]);
    free(c->sub);
}

nz_cond_t *nz_cond_new(load_t *L, json_t *j, const char *where)
{
    nz_cond_t *c = fs_xcalloc(1, sizeof *c);
    if (cond_compile(L, c, j, where, 0) != 0) {
        nz_cond_free(c);
        free(c);
        return NULL;
    }
    return c;
}
