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
#include <strings.h>
#include <time.h>

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

/* The time a year-less timestamp is placed near (thread-local: set per
   record by mapping_apply.c from the receipt time; 0 = the wall clock). */
static _Thread_local int64_t time_reference_ms;

void nz_fn_set_time_reference(int64_t ms)
{
    time_reference_ms = ms;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
   days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int64_t year_of_ms(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

/* Time-zone suffixes the CEF date formats' "zzz" takes in practice: UTC /
   GMT / Z, numeric offsets (+hh, +hhmm, +hh:mm, also after GMT/UTC) and the
   North American and Central European abbreviations.  Others (IST, BST, CST
   of China ...) are ambiguous: refused, so the value is a conversion error
   rather than a wrong time.  Sets *off_min; false when unknown. */
static bool zone_offset(const char *z, int *off_min)
{
    static const struct {
        const char *name;
        int minutes;
    } names[] = {{"UTC", 0},    {"GMT", 0},    {"Z", 0},       {"UT", 0},      {"EST", -300},
                 {"EDT", -240}, {"CST", -360}, {"CDT", -300},  {"MST", -420},  {"MDT", -360},
                 {"PST", -480}, {"PDT", -420}, {"AKST", -540}, {"AKDT", -480}, {"HST", -600},
                 {"CET", 60},   {"CEST", 120}, {"WET", 0},     {"WEST", 60},   {"EET", 120},
                 {"EEST", 180}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcasecmp(z, names[i].name) == 0) {
            *off_min = names[i].minutes;
            return true;
        }
    if (!strncasecmp(z, "GMT", 3) || !strncasecmp(z, "UTC", 3))
        z += 3;
    if (*z != '+' && *z != '-')
        return false;
    int sign = *z == '-' ? -1 : 1;
    z++;
    int hh, mm = 0;
    if (!isdigit((unsigned char)z[0]) || !isdigit((unsigned char)z[1]))
        return false;
    hh = (z[0] - '0') * 10 + (z[1] - '0');
    z += 2;
    if (*z == ':')
        z++;
    if (*z) {
        if (!isdigit((unsigned char)z[0]) || !isdigit((unsigned char)z[1]) || z[2])
            return false;
        mm = (z[0] - '0') * 10 + (z[1] - '0');
    }
    if (hh > 14 || mm > 59)
        return false;
    *off_min = sign * (hh * 60 + mm);
    return true;
}

static bool digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

/* The date formats of the CEF specification (Implementing ArcSight CEF,
   "Date Formats"; also RFC 3164 syslog headers):
     MMM dd HH:mm:ss[.SSS] [zzz]        (no year)
     MMM dd yyyy HH:mm:ss[.SSS] [zzz]
   (epoch milliseconds are numbers, handled by the caller).  Without a zone
   the time is UTC; without a year it is the reference time's year, or the
   year before when that would put it more than a day after the reference
   (a December record received in January). */
static bool cef_date(const char *s, int64_t *ms_out)
{
    static const char *const mon[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                      "jul", "aug", "sep", "oct", "nov", "dec"};
    size_t n = strlen(s);
    if (n < 14 || n > 48 || s[3] != ' ')
        return false;
    int m = -1;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(s, mon[i], 3) == 0)
            m = i + 1;
    if (m < 0)
        return false;
    const char *p = s + 4;
    if (*p == ' ') /* syslog pads a one-digit day: "Jan  1" */
        p++;
    int day = 0;
    if (!isdigit((unsigned char)*p))
        return false;
    day = *p++ - '0';
    if (isdigit((unsigned char)*p))
        day = day * 10 + (*p++ - '0');
    if (*p++ != ' ' || day < 1 || day > 31)
        return false;
    int year = -1;
    if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] != ':') {
        if (!digits(p, 4, &year) || p[4] != ' ')
            return false;
        p += 5;
    }
    int hh, mi, ss, frac = 0;
    if (!digits(p, 2, &hh) || p[2] != ':' || !digits(p + 3, 2, &mi) || p[5] != ':' ||
        !digits(p + 6, 2, &ss))
        return false;
    p += 8;
    if (*p == '.') {
        p++;
        int nd = 0;
        while (isdigit((unsigned char)*p)) {
            if (nd < 3)
                frac = frac * 10 + (*p - '0');
            nd++;
            p++;
        }
        if (nd == 0 || nd > 9)
            return false;
        for (; nd < 3; nd++)
            frac *= 10;
    }
    if (hh > 23 || mi > 59 || ss > 60)
        return false;
    int off = 0;
    if (*p == ' ') {
        if (!zone_offset(p + 1, &off))
            return false;
    } else if (*p) {
        return false;
    }
    int64_t ref = time_reference_ms > 0 ? time_reference_ms : fs_now_ms();
    bool guess_year = year < 0;
    if (guess_year)
        year = (int)year_of_ms(ref);
    for (int attempt = 0; attempt < 2; attempt++) {
        static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        if (day > mdays[m - 1] || (m == 2 && day == 29 && !leap)) {
            if (guess_year && attempt == 0) { /* Feb 29 of the year before */
                year--;
                continue;
            }
            return false;
        }
        int64_t days = days_from_civil(year, (unsigned)m, (unsigned)day);
        int64_t ms = ((days * 24 + hh) * 60 + mi) * 60000LL + ss * 1000LL + frac - off * 60000LL;
        if (guess_year && attempt == 0 && ms > ref + 86400000LL) {
            year--;
            continue;
        }
        if (ms < 0)
            return false;
        *ms_out = ms;
        return true;
    }
    return false;
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
    if (cef_date(s, &ms))
        return json_integer(ms);
    /* all digits (possibly with a fraction): an epoch number sent as a string */
    char *end = NULL;
    errno = 0;
    double x = strtod(s, &end);
    if (end != s && end && *end == '\0' && errno == 0 && isdigit((unsigned char)s[0]))
        return epoch_ms(x, r->unit, e);
    char q[96];
    fs_err_set(e, "time: cannot parse %s (expected RFC 3339, epoch or a CEF date)",
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
