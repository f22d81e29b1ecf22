/*  template.c — the values of a case file: "{{path|filter:arg}}" against the
    request's variables, and four special forms ($map, $merge, $if, $repeat).
    Filters: or:LITERAL (when null or ""), int, str, add:N, pad:N (zero-padded
    width), url (percent-encode all but unreserved characters). */
#include "common.h"
#include "standin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *var_get(json_t *vars, const char *path)
{
    json_t *v = vars;
    char seg[256];
    for (const char *p = path; v && *p;) {
        size_t n = strcspn(p, ".");
        if (n >= sizeof seg)
            return NULL;
        memcpy(seg, p, n);
        seg[n] = '\0';
        if (json_is_array(v)) {
            char *end;
            long i = strtol(seg, &end, 10);
            v = *end || n == 0 ? NULL : json_array_get(v, (size_t)i);
        } else {
            v = json_object_get(v, seg);
        }
        p += n;
        if (*p == '.')
            p++;
    }
    return v;
}

bool tpl_int(const json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    const char *s = json_string_value(v);
    char *end;
    if (!s || !*s)
        return false;
    *out = strtoll(s, &end, 10);
    return *end == '\0';
}

static bool empty(const json_t *v)
{
    return !v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0);
}

static json_t *literal(const char *text)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    return j ? j : json_string(text);
}

static json_t *url_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s), o = 0;
    char *out = fs_xmalloc(3 * n + 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    json_t *j = json_string(out);
    free(out);
    return j;
}

/* Applies one filter to v (stolen); returns a new reference. */
static json_t *apply_filter(json_t *v, const char *name, const char *arg)
{
    long long n;
    json_t *out = NULL;
    if (strcmp(name, "or") == 0)
        out = empty(v) ? literal(arg ? arg : "") : json_incref(v);
    else if (strcmp(name, "int") == 0)
        out = tpl_int(v, &n) ? json_integer(n) : json_null();
    else if (strcmp(name, "str") == 0 && json_is_integer(v)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        out = json_string(buf);
    } else if (strcmp(name, "str") == 0)
        out = json_incref(v);
    else if (strcmp(name, "add") == 0)
        out = tpl_int(v, &n) ? json_integer(n + strtoll(arg ? arg : "0", NULL, 10)) : json_null();
    else if (strcmp(name, "pad") == 0 && tpl_int(v, &n)) {
        char buf[64];
        snprintf(buf, sizeof buf, "%0*lld", arg ? (int)strtol(arg, NULL, 10) : 0, n);
        out = json_string(buf);
    } else if (strcmp(name, "url") == 0)
        out = url_encode(json_is_string(v) ? json_string_value(v) : "");
    else {
        fprintf(stderr, "standin: template filter %s does not apply here\n", name);
        out = json_null();
    }
    json_decref(v);
    return out;
}

/* Copies text[0..len) without surrounding blanks into out (size > len). */
static void trimmed(const char *text, size_t len, char *out)
{
    while (len && *text == ' ')
        text++, len--;
    while (len && text[len - 1] == ' ')
        len--;
    memcpy(out, text, len);
    out[len] = '\0';
}

/* The value of one "{{ path|filter:arg|... }}" expression. New reference. */
static json_t *expr_eval(const char *expr, size_t len, json_t *vars)
{
    char part[512];
    size_t n = strcspn(expr, "|");
    if (n > len)
        n = len;
    if (n >= sizeof part)
        return json_null();
    trimmed(expr, n, part);
    json_t *v = var_get(vars, part);
    v = v ? json_incref(v) : json_null();
    for (size_t at = n; at < len;) {
        at++; /* the '|' */
        n = strcspn(expr + at, "|");
        if (at + n > len)
            n = len - at;
        if (n >= sizeof part)
            break;
        trimmed(expr + at, n, part);
        char *colon = strchr(part, ':');
        if (colon)
            *colon++ = '\0';
        v = apply_filter(v, part, colon);
        at += n;
    }
    return v;
}

static void append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = fs_xrealloc(*buf, *cap);
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

static void append_value(char **buf, size_t *len, size_t *cap, const json_t *v)
{
    if (json_is_string(v)) {
        append(buf, len, cap, json_string_value(v), json_string_length(v));
    } else if (v && !json_is_null(v)) {
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        append(buf, len, cap, t, strlen(t));
        free(t);
    }
}

static json_t *string_eval(const char *s, json_t *vars)
{
    const char *open = strstr(s, "{{");
    if (!open)
        return json_string(s);
    const char *close = strstr(open, "}}");
    if (open == s && close && close[2] == '\0')
        return expr_eval(s + 2, (size_t)(close - s - 2), vars);
    size_t len = 0, cap = strlen(s) + 64;
    char *buf = fs_xmalloc(cap);
    buf[0] = '\0';
    for (const char *p = s; *p;) {
        open = strstr(p, "{{");
        close = open ? strstr(open, "}}") : NULL;
        if (!open || !close) {
            append(&buf, &len, &cap, p, strlen(p));
            break;
        }
        append(&buf, &len, &cap, p, (size_t)(open - p));
        json_t *v = expr_eval(open + 2, (size_t)(close - open - 2), vars);
        append_value(&buf, &len, &cap, v);
        json_decref(v);
        p = close + 2;
    }
    json_t *j = json_string(buf);
    free(buf);
    return j;
}

/* Sets vars[name] = value (stolen) and returns the previous value (new ref or NULL). */
static json_t *bind(json_t *vars, const char *name, json_t *value)
{
    json_t *old = json_object_get(vars, name);
    if (old)
        json_incref(old);
    json_object_set_new(vars, name, value);
    return old;
}

static void unbind(json_t *vars, const char *name, json_t *old)
{
    if (old)
        json_object_set_new(vars, name, old);
    else
        json_object_del(vars, name);
}

/* {"$map": LIST, "to": TEMPLATE}: item and index bound for each element. */
static json_t *map_eval(standin_t *s, const json_t *tpl, json_t *vars)
{
    json_t *list = tpl_eval(s, json_object_get(tpl, "$map"), vars), *out = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        json_t *old_item = bind(vars, "item", json_incref(item));
        json_t *old_index = bind(vars, "index", json_integer((json_int_t)i));
        json_array_append_new(out, tpl_eval(s, json_object_get(tpl, "to"), vars));
        unbind(vars, "index", old_index);
        unbind(vars, "item", old_item);
    }
    json_decref(list);
    return out;
}

/* {"$merge": [OBJ, OBJ, ...]}: later keys win. */
static json_t *merge_eval(standin_t *s, const json_t *tpl, json_t *vars)
{
    json_t *out = json_object(), *part;
    size_t i;
    json_array_foreach(json_object_get(tpl, "$merge"), i, part)
    {
        json_t *v = tpl_eval(s, part, vars);
        if (json_is_object(v))
            json_object_update(out, v);
        json_decref(v);
    }
    return out;
}

json_t *tpl_eval(standin_t *s, const json_t *tpl, json_t *vars)
{
    if (!tpl)
        return json_null();
    if (json_is_string(tpl))
        return string_eval(json_string_value(tpl), vars);
    if (json_is_array(tpl)) {
        json_t *out = json_array(), *v;
        size_t i;
        json_array_foreach(tpl, i, v) json_array_append_new(out, tpl_eval(s, v, vars));
        return out;
    }
    if (!json_is_object(tpl))
        return json_incref((json_t *)tpl);
    if (json_object_get(tpl, "$map"))
        return map_eval(s, tpl, vars);
    if (json_object_get(tpl, "$merge"))
        return merge_eval(s, tpl, vars);
    if (json_object_get(tpl, "$if"))
        return tpl_eval(
            s,
            json_object_get(tpl, cond_eval(s, json_object_get(tpl, "$if"), vars) ? "then" : "else"),
            vars);
    if (json_object_get(tpl, "$repeat")) {
        json_t *out = json_array(), *value = tpl_eval(s, json_object_get(tpl, "value"), vars);
        for (json_int_t i = 0; i < json_integer_value(json_object_get(tpl, "$repeat")); i++)
            json_array_append(out, value);
        json_decref(value);
        return out;
    }
    json_t *out = json_object(), *v;
    const char *k;
    json_object_foreach((json_t *)tpl, k, v) json_object_set_new(out, k, tpl_eval(s, v, vars));
    return out;
}

char *tpl_text(standin_t *s, const json_t *tpl, json_t *vars)
{
    json_t *v = tpl_eval(s, tpl, vars);
    size_t len = 0, cap = 64;
    char *buf = fs_xmalloc(cap);
    buf[0] = '\0';
    append_value(&buf, &len, &cap, v);
    json_decref(v);
    return buf;
}
