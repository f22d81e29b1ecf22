/*  conditions.c — the conditions of a case file and its patterns.

    A condition is true, false, a template ("{{page.more}}": true when JSON true)
    or an object with one operator; operands are templates:
      {"eq": [A, B]}            JSON-equal          {"in": [A, LIST]}   A is in LIST
      {"has": A}                not null, not ""    {"is": [A, TYPE]} string|object|array|false|true
      {"prefix": [A, B]}  {"suffix": [A, B]}  {"contains": [A, B]}     on strings
      {"between": [A, LO, HI]}  integer (or decimal string) within [LO, HI]
      {"size": [A, LO, HI]}     array of LO..HI elements
      {"since": [TS, SINCE, INCLUSIVE]}  TS after SINCE (or equal when INCLUSIVE); no SINCE: true
      {"match": [A, "pattern"]} A matches; the pattern's {captures} become variables
      {"bearer": A}             A is "Bearer T" for an issued, unexpired token (uses one call)
      {"not": C}  {"all": [C, ...]}  {"any": [C, ...]}
    A pattern is literal text with {name} captures: {name} does not cross '/', {name*}
    does; the shortest capture that lets the rest match wins. */
#include "standin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "2025-04-03T10:00:00.1234567Z" -> "20250403100000123456700" (sortable);
   decimal epoch seconds (Splunk's _time, earliest_time) are read as UTC. */
static void ts_key(const char *ts, char out[32])
{
    char iso[40];
    if (ts[0] && strspn(ts, "0123456789.") == strlen(ts)) {
        time_t t = (time_t)strtoll(ts, NULL, 10);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &tm);
        ts = iso;
    }
    size_t o = 0;
    const char *p = ts;
    for (; *p && *p != '.' && *p != 'Z' && *p != '+' && o < 14; p++)
        if (*p >= '0' && *p <= '9')
            out[o++] = *p;
    while (o < 14)
        out[o++] = '0';
    size_t f = 0;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9' && f < 9; p++, f++)
            out[o++] = *p;
    for (; f < 9; f++)
        out[o++] = '0';
    out[o] = '\0';
}

int ts_cmp(const char *a, const char *b)
{
    char ka[32], kb[32];
    ts_key(a ? a : "", ka);
    ts_key(b ? b : "", kb);
    return strcmp(ka, kb);
}

static bool match_at(const char *p, const char *s, json_t *caps)
{
    if (*p == '{') {
        const char *close = strchr(p, '}');
        if (!close)
            return false;
        char name[64];
        size_t nl = (size_t)(close - p - 1);
        if (nl >= sizeof name)
            return false;
        memcpy(name, p + 1, nl);
        name[nl] = '\0';
        bool span = nl && name[nl - 1] == '*';
        if (span)
            name[nl - 1] = '\0';
        for (size_t n = 0;; n++) {
            if (match_at(close + 1, s + n, caps)) {
                if (name[0])
                    json_object_set_new(caps, name, json_stringn(s, n));
                return true;
            }
            if (!s[n] || (!span && s[n] == '/'))
                return false;
        }
    }
    if (!*p)
        return !*s;
    return *p == *s && match_at(p + 1, s + 1, caps);
}

bool pattern_match(const char *pattern, const char *s, json_t *caps)
{
    return pattern && s && match_at(pattern, s, caps);
}

/* The n-th operand of an operator, evaluated. New reference. */
static json_t *operand(standin_t *s, const json_t *args, size_t n, json_t *vars)
{
    return tpl_eval(s, json_is_array(args) ? json_array_get(args, n) : (n ? NULL : args), vars);
}

static bool strings_op(const char *op, const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t la = strlen(a), lb = strlen(b);
    if (strcmp(op, "prefix") == 0)
        return strncmp(a, b, lb) == 0;
    if (strcmp(op, "suffix") == 0)
        return la >= lb && strcmp(a + la - lb, b) == 0;
    return strstr(a, b) != NULL;
}

static bool range_op(const char *op, const json_t *a, const json_t *lo, const json_t *hi)
{
    long long v, l = json_integer_value(lo), h = json_integer_value(hi);
    if (strcmp(op, "size") == 0)
        return json_is_array(a) && (long long)json_array_size(a) >= l &&
               (long long)json_array_size(a) <= h;
    return tpl_int(a, &v) && v >= l && v <= h;
}

static bool is_type(const json_t *a, const char *type)
{
    if (!type)
        return false;
    if (strcmp(type, "string") == 0)
        return json_is_string(a);
    if (strcmp(type, "object") == 0)
        return json_is_object(a);
    if (strcmp(type, "array") == 0)
        return json_is_array(a);
    if (strcmp(type, "false") == 0)
        return json_is_false(a);
    if (strcmp(type, "true") == 0)
        return json_is_true(a);
    return false;
}

static bool since_op(const json_t *ts, const json_t *since, const json_t *inclusive)
{
    const char *b = json_string_value(since);
    if (!b || !*b)
        return true;
    int cmp = ts_cmp(json_string_value(ts), b);
    return cmp > 0 || (cmp == 0 && json_is_true(inclusive));
}

bool cond_eval(standin_t *s, const json_t *cond, json_t *vars)
{
    if (json_is_boolean(cond))
        return json_is_true(cond);
    if (json_is_string(cond)) { /* a template: true when it is JSON true */
        json_t *v = tpl_eval(s, cond, vars);
        bool r = json_is_true(v);
        json_decref(v);
        return r;
    }
    if (!json_is_object(cond) || json_object_size(cond) != 1) {
        fprintf(stderr, "standin: a condition is an object with one operator\n");
        return false;
    }
    const char *op = json_object_iter_key(json_object_iter((json_t *)cond));
    const json_t *args = json_object_iter_value(json_object_iter((json_t *)cond));
    if (strcmp(op, "not") == 0)
        return !cond_eval(s, args, vars);
    if (strcmp(op, "all") == 0 || strcmp(op, "any") == 0) {
        bool all = op[1] == 'l';
        size_t i;
        json_t *c;
        json_array_foreach(args, i, c) if (cond_eval(s, c, vars) != all) return !all;
        return all;
    }
    json_t *a = operand(s, args, 0, vars), *b = operand(s, args, 1, vars);
    json_t *c = operand(s, args, 2, vars);
    bool r = false;
    if (strcmp(op, "eq") == 0)
        r = json_equal(a, b);
    else if (strcmp(op, "has") == 0)
        r = !json_is_null(a) && !(json_is_string(a) && json_string_length(a) == 0);
    else if (strcmp(op, "in") == 0) {
        size_t i;
        json_t *v;
        json_array_foreach(b, i, v) r = r || json_equal(a, v);
    } else if (strcmp(op, "is") == 0)
        r = is_type(a, json_string_value(b));
    else if (strcmp(op, "prefix") == 0 || strcmp(op, "suffix") == 0 || strcmp(op, "contains") == 0)
        r = strings_op(op, json_string_value(a), json_string_value(b));
    else if (strcmp(op, "between") == 0 || strcmp(op, "size") == 0)
        r = range_op(op, a, b, c);
    else if (strcmp(op, "since") == 0)
        r = since_op(a, b, c);
    else if (strcmp(op, "match") == 0)
        r = pattern_match(json_string_value(b), json_string_value(a), vars);
    else if (strcmp(op, "bearer") == 0)
        r = auth_bearer_ok(s, json_string_value(a));
    else
        fprintf(stderr, "standin: unknown condition %s\n", op);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    return r;
}
