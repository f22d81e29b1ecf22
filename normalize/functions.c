/*  functions.c — the small value functions a rule may apply ("fn"): time
    parsing, type conversion, string helpers.  Each takes a borrowed value
    and returns a new reference, or NULL when the value does not fit (with
    e saying why, so a required field can name the problem). */
#include "internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fn_names[NZ_FN__COUNT] = {
    [NZ_FN_NONE] = "none",         [NZ_FN_TIME] = "time",       [NZ_FN_INT] = "int",
    [NZ_FN_FLOAT] = "float",       [NZ_FN_BOOL] = "bool",       [NZ_FN_STRING] = "string",
    [NZ_FN_LOWER] = "lower",       [NZ_FN_UPPER] = "upper",     [NZ_FN_TRIM] = "trim",
    [NZ_FN_BASENAME] = "basename", [NZ_FN_DIRNAME] = "dirname", [NZ_FN_SPLIT] = "split",
    [NZ_FN_JOIN] = "join",         [NZ_FN_FIRST] = "first",     [NZ_FN_IP] = "ip",
    [NZ_FN_DOMAIN] = "domain",     [NZ_FN_USER] = "user",       [NZ_FN_NONEMPTY] = "nonempty",
};

nz_fn_t nz_fn_by_name(const char *name)
{
    for (int i = 1; i < NZ_FN__COUNT; i++)
        if (strcmp(fn_names[i], name) == 0)
            return (nz_fn_t)i;
    return NZ_FN_NONE;
}

const char *nz_fn_name(nz_fn_t fn)
{
    return fn < NZ_FN__COUNT ? fn_names[fn] : "?";
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

static json_t *wrong(fs_err_t *e, nz_fn_t fn, const json_t *v, const char *want)
{
    fs_err_set(e, "%s: expected %s, got %s", fn_names[fn], want, type_name(v));
    return NULL;
}

/* Epoch number in a given unit (auto: guess by magnitude) -> ms. */
static json_t *epoch_ms(double x, nz_time_unit_t unit, fs_err_t *e)
{
    if (!isfinite(x) || x < 0)
        return fs_err_set(e, "time: %g is not a valid epoch value", x), NULL;
    if (unit == NZ_TIME_AUTO) {
        if (x < 1e11)
            unit = NZ_TIME_S; /* until year 5138 */
        else if (x < 1e14)
            unit = NZ_TIME_MS;
        else if (x < 1e17)
            unit = NZ_TIME_US;
        else
            unit = NZ_TIME_NS;
    }
    double ms = unit == NZ_TIME_S    ? x * 1000.0
                : unit == NZ_TIME_MS ? x
                : unit == NZ_TIME_US ? x / 1000.0
                                     : x / 1e6;
    if (ms > 253402300799999.0) /* 9999-12-31 */
        return fs_err_set(e, "time: %g is out of range", x), NULL;
    return json_integer((json_int_t)ms);
}

/* "Mar 11 2025 09:14:05[.123]" (CEF rt/end, ArcSight) -> RFC 3339 UTC. */
static bool month_day_year(const char *s, char *out, size_t size)
{
    static const char *const mon[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                      "jul", "aug", "sep", "oct", "nov", "dec"};
    size_t n = strlen(s);
    if (n < 20 || n > 40 || s[3] != ' ')
        return false;
    int m = -1;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(s, mon[i], 3) == 0)
            m = i + 1;
    const char *p = s + 4;
    if (m < 0 || !isdigit((unsigned char)p[0]))
        return false;
    int day = p[0] - '0';
    p++;
    if (isdigit((unsigned char)*p))
        day = day * 10 + (*p++ - '0');
    if (*p++ != ' ')
        return false;
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)p[i]))
            return false;
    if (p[4] != ' ')
        return false;
    /* p: "YYYY HH:MM:SS[.fff]" */
    snprintf(out, size, "%.4s-%02d-%02dT%sZ", p, m, day, p + 5);
    return true;
}

static json_t *fn_time(const nz_rule_t *r, json_t *v, fs_err_t *e)
{
    if (json_is_number(v))
        return epoch_ms(json_number_value(v), r->unit, e);
    if (!json_is_string(v))
        return wrong(e, NZ_FN_TIME, v, "an RFC 3339 string or an epoch number");
    const char *s = json_string_value(v);
    int64_t ms;
    if (fs_time_parse(s, &ms) == 0)
        return json_integer(ms);
    char iso[64];
    if (month_day_year(s, iso, sizeof iso) && fs_time_parse(iso, &ms) == 0)
        return json_integer(ms);
    /* all digits (possibly with a fraction): an epoch number sent as a string */
    char *end = NULL;
    errno = 0;
    double x = strtod(s, &end);
    if (end != s && end && *end == '\0' && errno == 0 && isdigit((unsigned char)s[0]))
        return epoch_ms(x, r->unit, e);
    char q[96];
    fs_err_set(e, "time: cannot parse %s (expected RFC 3339 or epoch)",
               fs_log_quote(q, sizeof q, s));
    return NULL;
}

static json_t *fn_int(json_t *v, fs_err_t *e)
{
    if (json_is_integer(v))
        return json_incref(v);
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || d > 9.2e18 || d < -9.2e18)
            return fs_err_set(e, "int: %g is out of range", d), NULL;
        return json_integer((json_int_t)d);
    }
    if (json_is_boolean(v))
        return json_integer(json_is_true(v));
    if (!json_is_string(v))
        return wrong(e, NZ_FN_INT, v, "a number or a decimal string");
    const char *s = json_string_value(v);
    char *end = NULL;
    errno = 0;
    long long x = strtoll(s, &end, 0);
    if (end == s || *end != '\0' || errno != 0) {
        char q[96];
        fs_err_set(e, "int: %s is not an integer", fs_log_quote(q, sizeof q, s));
        return NULL;
    }
    return json_integer(x);
}

static json_t *fn_float(json_t *v, fs_err_t *e)
{
    if (json_is_number(v))
        return json_real(json_number_value(v));
    if (!json_is_string(v))
        return wrong(e, NZ_FN_FLOAT, v, "a number or a numeric string");
    const char *s = json_string_value(v);
    char *end = NULL;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !isfinite(x))
        return fs_err_set(e, "float: not a number"), NULL;
    return json_real(x);
}

static json_t *fn_bool(json_t *v, fs_err_t *e)
{
    if (json_is_boolean(v))
        return json_incref(v);
    if (json_is_integer(v))
        return json_boolean(json_integer_value(v) != 0);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1"))
            return json_true();
        if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcmp(s, "0"))
            return json_false();
    }
    return wrong(e, NZ_FN_BOOL, v, "true/false, yes/no or 0/1");
}

static json_t *fn_string(json_t *v, fs_err_t *e)
{
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_incref(v);
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return json_string(buf);
    case JSON_REAL:
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        return json_string(buf);
    case JSON_TRUE:
        return json_string("true");
    case JSON_FALSE:
        return json_string("false");
    default:
        return wrong(e, NZ_FN_STRING, v, "a scalar");
    }
}

static json_t *fn_case(json_t *v, bool upper, fs_err_t *e)
{
    if (!json_is_string(v))
        return wrong(e, upper ? NZ_FN_UPPER : NZ_FN_LOWER, v, "a string");
    size_t n = json_string_length(v);
    char *s = fs_xmalloc(n + 1);
    const char *in = json_string_value(v);
    for (size_t i = 0; i < n; i++) /* ASCII only: multi-byte UTF-8 passes unchanged */
        s[i] = (char)(upper ? toupper((unsigned char)in[i]) : tolower((unsigned char)in[i]));
    json_t *r = json_stringn_nocheck(s, n);
    free(s);
    return r;
}

static json_t *fn_trim(json_t *v, fs_err_t *e)
{
    if (!json_is_string(v))
        return wrong(e, NZ_FN_TRIM, v, "a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return json_stringn_nocheck(s, n);
}

static json_t *fn_pathpart(json_t *v, bool base, fs_err_t *e)
{
    if (!json_is_string(v))
        return wrong(e, base ? NZ_FN_BASENAME : NZ_FN_DIRNAME, v, "a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    size_t cut = n;
    while (cut > 0 && s[cut - 1] != '/' && s[cut - 1] != '\\')
        cut--;
    if (base)
        return json_stringn_nocheck(s + cut, n - cut);
    if (cut == 0)
        return NULL;
    return json_stringn_nocheck(s, cut - 1);
}

static json_t *fn_split(const nz_rule_t *r, json_t *v, fs_err_t *e)
{
    if (json_is_array(v))
        return json_incref(v);
    if (!json_is_string(v))
        return wrong(e, NZ_FN_SPLIT, v, "a string");
    json_t *arr = json_array();
    const char *s = json_string_value(v), *end = s + json_string_length(v);
    size_t sl = strlen(r->sep);
    while (s <= end && json_array_size(arr) < 4096) {
        const char *hit = memmem(s, (size_t)(end - s), r->sep, sl);
        const char *stop = hit ? hit : end;
        const char *a = s, *b = stop;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (b > a)
            json_array_append_new(arr, json_stringn_nocheck(a, (size_t)(b - a)));
        if (!hit)
            break;
        s = hit + sl;
    }
    return arr;
}

static json_t *fn_join(const nz_rule_t *r, json_t *v, fs_err_t *e)
{
    if (json_is_string(v))
        return json_incref(v);
    if (!json_is_array(v))
        return wrong(e, NZ_FN_JOIN, v, "an array of scalars");
    size_t cap = 256, n = 0, sl = strlen(r->sep);
    char *buf = fs_xmalloc(cap);
    size_t i;
    json_t *el;
    json_array_foreach(v, i, el)
    {
        json_t *s = fn_string(el, NULL);
        if (!s)
            continue;
        size_t need = n + json_string_length(s) + sl + 1;
        if (need > NZ_MAX_STRING_OUT) {
            json_decref(s);
            break;
        }
        if (need > cap) {
            cap = need * 2;
            buf = fs_xrealloc(buf, cap);
        }
        if (n) {
            memcpy(buf + n, r->sep, sl);
            n += sl;
        }
        memcpy(buf + n, json_string_value(s), json_string_length(s));
        n += json_string_length(s);
        json_decref(s);
    }
    json_t *out = json_stringn_nocheck(buf, n);
    free(buf);
    return out;
}

bool nz_ip_valid(const char *s)
{
    unsigned char b[16];
    return s && (inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1);
}

static json_t *fn_ip(json_t *v, fs_err_t *e)
{
    if (!json_is_string(v))
        return wrong(e, NZ_FN_IP, v, "a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return fs_err_set(e, "ip: not an IP address"), NULL;
    memcpy(buf, s, n + 1);
    if (nz_ip_valid(buf))
        return json_incref(v);
    /* "[v6]:port" or "v4:port" */
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (close) {
            *close = '\0';
            if (nz_ip_valid(buf + 1))
                return json_string(buf + 1);
        }
    } else {
        char *colon = strchr(buf, ':');
        if (colon && !strchr(colon + 1, ':')) {
            *colon = '\0';
            if (nz_ip_valid(buf))
                return json_string(buf);
        }
    }
    char q[96];
    fs_err_set(e, "ip: %s is not an IP address", fs_log_quote(q, sizeof q, s));
    return NULL;
}

static json_t *fn_account(json_t *v, bool want_domain, fs_err_t *e)
{
    if (!json_is_string(v))
        return wrong(e, want_domain ? NZ_FN_DOMAIN : NZ_FN_USER, v, "a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    const char *bs = memchr(s, '\\', n);
    if (bs)
        return want_domain ? json_stringn_nocheck(s, (size_t)(bs - s))
                           : json_stringn_nocheck(bs + 1, n - (size_t)(bs - s) - 1);
    const char *at = memchr(s, '@', n);
    if (at)
        return want_domain ? json_stringn_nocheck(at + 1, n - (size_t)(at - s) - 1)
                           : json_stringn_nocheck(s, (size_t)(at - s));
    return want_domain ? NULL : json_incref(v);
}

json_t *nz_fn_apply(const nz_rule_t *r, nz_fn_t fn, json_t *v, fs_err_t *e)
{
    switch (fn) {
    case NZ_FN_NONE:
        return json_incref(v);
    case NZ_FN_TIME:
        return fn_time(r, v, e);
    case NZ_FN_INT:
        return fn_int(v, e);
    case NZ_FN_FLOAT:
        return fn_float(v, e);
    case NZ_FN_BOOL:
        return fn_bool(v, e);
    case NZ_FN_STRING:
        return fn_string(v, e);
    case NZ_FN_LOWER:
        return fn_case(v, false, e);
    case NZ_FN_UPPER:
        return fn_case(v, true, e);
    case NZ_FN_TRIM:
        return fn_trim(v, e);
    case NZ_FN_BASENAME:
        return fn_pathpart(v, true, e);
    case NZ_FN_DIRNAME:
        return fn_pathpart(v, false, e);
    case NZ_FN_SPLIT:
        return fn_split(r, v, e);
    case NZ_FN_JOIN:
        return fn_join(r, v, e);
    case NZ_FN_FIRST:
        if (json_is_array(v)) {
            json_t *f = json_array_get(v, 0);
            return f ? json_incref(f) : NULL;
        }
        return json_incref(v);
    case NZ_FN_IP:
        return fn_ip(v, e);
    case NZ_FN_DOMAIN:
        return fn_account(v, true, e);
    case NZ_FN_USER:
        return fn_account(v, false, e);
    case NZ_FN_NONEMPTY:
        if (json_is_null(v) ||
            (json_is_string(v) &&
             (json_string_length(v) == 0 || strcmp(json_string_value(v), "-") == 0)) ||
            (json_is_array(v) && json_array_size(v) == 0) ||
            (json_is_object(v) && json_object_size(v) == 0))
            return NULL;
        return json_incref(v);
    default:
        fs_err_set(e, "unknown function");
        return NULL;
    }
}
