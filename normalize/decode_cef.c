/*  decode_cef.c — ArcSight Common Event Format, one line -> one JSON record:

      {"syslog": {"pri", "facility", "severity", "version", "timestamp",
                  "host", "app"},                        (when a header is there)
       "cef": {"version", "vendor", "product", "device_version",
               "signature_id", "name", "severity"},
       "ext": {key: value, ...},                          (all strings)
       "custom": {label: value, ...}}                     (csN/cnN/cfpN/... with
                                                           their csNLabel)

    Tolerated: RFC 3164 or RFC 5424 syslog header or none; extensions
    separated by spaces (the spec) or by ';' (some firewalls, e.g. Firepower);
    stray spaces before a separator.  Header fields unescape "\|" and "\\",
    extension values "\=", "\\", "\n", "\r".  Lines that are not UTF-8 or not
    CEF are rejected with the reason. */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CEF_MAX_LINE (256u * 1024u)
#define CEF_MAX_EXT 512

static json_t *str_n(const char *s, size_t n)
{
    return json_stringn(s, n); /* NULL when not UTF-8 */
}

/* Unescapes into a malloc'd buffer. */
static char *unescape(const char *s, size_t n, bool ext, size_t *outn)
{
    char *o = fs_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            char c = s[i + 1];
            if (c == '\\' || c == '|' || c == '=') {
                o[k++] = c;
                i++;
                continue;
            }
            if (ext && (c == 'n' || c == 'r')) {
                o[k++] = c == 'n' ? '\n' : '\r';
                i++;
                continue;
            }
        }
        o[k++] = s[i];
    }
    o[k] = '\0';
    *outn = k;
    return o;
}

static int set_str(json_t *obj, const char *key, const char *s, size_t n, bool ext)
{
    size_t un;
    char *u = unescape(s, n, ext, &un);
    json_t *v = str_n(u, un);
    free(u);
    if (!v)
        return -1;
    return json_object_set_new(obj, key, v);
}

static bool is_key_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-' || c == '[' || c == ']';
}

/* Is there an extension key starting at p, i.e. [keychars]+ '=' ? */
static size_t key_at(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && is_key_char(*q))
        q++;
    return (q > p && q < end && *q == '=') ? (size_t)(q - p) : 0;
}

static void parse_syslog(json_t *sys, const char *h, size_t n)
{
    const char *p = h, *end = h + n;
    if (p < end && *p == '<') {
        const char *q = p + 1;
        unsigned pri = 0;
        while (q < end && isdigit((unsigned char)*q) && pri < 1000)
            pri = pri * 10 + (unsigned)(*q++ - '0');
        if (q < end && *q == '>' && pri < 192) {
            json_object_set_new(sys, "pri", json_integer(pri));
            json_object_set_new(sys, "facility", json_integer(pri / 8));
            json_object_set_new(sys, "severity", json_integer(pri % 8));
            p = q + 1;
        }
    }
    /* tokens separated by spaces */
    const char *tok[8];
    size_t len[8], nt = 0;
    while (p < end && nt < 8) {
        while (p < end && *p == ' ')
            p++;
        if (p >= end)
            break;
        const char *s = p;
        while (p < end && *p != ' ')
            p++;
        tok[nt] = s;
        len[nt++] = (size_t)(p - s);
    }
    if (nt == 0)
        return;
    if (len[0] == 1 && isdigit((unsigned char)tok[0][0])) { /* RFC 5424: VERSION TS HOST APP ... */
        json_object_set_new(sys, "version", json_integer(tok[0][0] - '0'));
        if (nt > 1)
            json_object_set_new(sys, "timestamp", str_n(tok[1], len[1]));
        if (nt > 2)
            json_object_set_new(sys, "host", str_n(tok[2], len[2]));
        if (nt > 3)
            json_object_set_new(sys, "app", str_n(tok[3], len[3]));
        return;
    }
    if (nt >= 3 && len[0] == 3 &&
        isalpha((unsigned char)tok[0][0])) { /* RFC 3164: Mmm dd hh:mm:ss HOST */
        size_t tl = (size_t)(tok[2] + len[2] - tok[0]);
        json_object_set_new(sys, "timestamp", str_n(tok[0], tl));
        if (nt > 3)
            json_object_set_new(sys, "host", str_n(tok[3], len[3]));
        if (nt > 4)
            json_object_set_new(
                sys, "app",
                str_n(tok[4], len[4] && tok[4][len[4] - 1] == ':' ? len[4] - 1 : len[4]));
        return;
    }
    char first[64];
    int64_t ignored;
    snprintf(first, sizeof first, "%.*s", (int)(len[0] < sizeof first ? len[0] : sizeof first - 1),
             tok[0]);
    if (fs_time_parse(first, &ignored) == 0) { /* ISO timestamp then host */
        json_object_set_new(sys, "timestamp", str_n(tok[0], len[0]));
        if (nt > 1)
            json_object_set_new(sys, "host", str_n(tok[1], len[1]));
        return;
    }
    json_object_set_new(sys, "host", str_n(tok[0], len[0]));
}

static void resolve_custom(json_t *ext, json_t *custom)
{
    const char *key;
    json_t *v;
    json_object_foreach(ext, key, v)
    {
        size_t kl = strlen(key);
        if (kl < 6 || strcmp(key + kl - 5, "Label") != 0)
            continue;
        char base[64];
        if (kl - 5 >= sizeof base)
            continue;
        memcpy(base, key, kl - 5);
        base[kl - 5] = '\0';
        json_t *val = json_object_get(ext, base);
        if (val && json_is_string(v) && json_string_length(v) > 0)
            json_object_set(custom, json_string_value(v), val);
    }
}

json_t *nz_decode_cef(const char *line, size_t len, fs_err_t *e)
{
    if (len > CEF_MAX_LINE) {
        fs_err_set(e, "CEF line of %zu bytes exceeds the %u-byte limit", len, CEF_MAX_LINE);
        return NULL;
    }
    const char *cef = memmem(line, len, "CEF:", 4);
    if (!cef) {
        fs_err_set(e, "not a CEF record (no \"CEF:\" prefix)");
        return NULL;
    }
    const char *end = line + len;
    json_t *rec = json_object();
    if (cef > line) {
        json_t *sys = json_object();
        parse_syslog(sys, line, (size_t)(cef - line));
        json_object_set_new(rec, "syslog", sys);
    }
    /* 7 header fields separated by unescaped '|' */
    static const char *const names[7] = {"version",      "vendor", "product", "device_version",
                                         "signature_id", "name",   "severity"};
    json_t *hdr = json_object();
    json_object_set_new(rec, "cef", hdr);
    const char *p = cef + 4;
    for (int f = 0; f < 7; f++) {
        const char *s = p;
        while (p < end && *p != '|') {
            if (*p == '\\' && p + 1 < end)
                p++;
            p++;
        }
        if (p >= end) {
            fs_err_set(e, "CEF header has %d of 7 '|'-separated fields (truncated?)", f);
            json_decref(rec);
            return NULL;
        }
        if (set_str(hdr, names[f], s, (size_t)(p - s), false) != 0) {
            fs_err_set(e, "CEF header field %s is not valid UTF-8", names[f]);
            json_decref(rec);
            return NULL;
        }
        p++; /* '|' */
    }
    /* extension */
    json_t *ext = json_object();
    json_object_set_new(rec, "ext", ext);
    while (p < end && (*p == ' ' || *p == ';'))
        p++;
    size_t count = 0;
    while (p < end && count < CEF_MAX_EXT) {
        size_t kl = key_at(p, end);
        if (kl == 0) {
            fs_err_set(e, "CEF extension: expected key=value at byte %zu", (size_t)(p - line));
            json_decref(rec);
            return NULL;
        }
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(kl < sizeof key ? kl : sizeof key - 1), p);
        const char *v = p + kl + 1, *q = v;
        /* value ends before the next " key=" or ";key=" (unescaped) */
        for (;;) {
            if (q >= end)
                break;
            if (*q == '\\' && q + 1 < end) {
                q += 2;
                continue;
            }
            if ((*q == ' ' || *q == ';') && key_at(q + 1, end) > 0) {
                /* "; key=" (Firepower) or "  key=": skip separators */
                break;
            }
            if (*q == ' ' || *q == ';') {
                const char *r = q;
                while (r < end && (*r == ' ' || *r == ';'))
                    r++;
                if (r > q + 1 && key_at(r, end) > 0 && memchr(q, ';', (size_t)(r - q)))
                    break;
            }
            q++;
        }
        const char *ve = q;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == ';'))
            ve--;
        if (set_str(ext, key, v, (size_t)(ve - v), true) != 0) {
            fs_err_set(e, "CEF extension %s is not valid UTF-8", key);
            json_decref(rec);
            return NULL;
        }
        count++;
        p = q;
        while (p < end && (*p == ' ' || *p == ';'))
            p++;
    }
    json_t *custom = json_object();
    resolve_custom(ext, custom);
    if (json_object_size(custom))
        json_object_set_new(rec, "custom", custom);
    else
        json_decref(custom);
    return rec;
}
