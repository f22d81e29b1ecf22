/*  cacao_util.c — small pieces the CACAO import and export share: JSON
    paths, CACAO identifiers and e-mail addresses, base64, timestamps,
    UUID v5 and the RFC 8785 (JCS) canonical form. */
#include "cacao_internal.h"
#include "playbook_cacao.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *cacao_path(char *out, size_t size, const char *base, const char *key)
{
    bool plain = key[0] && !(key[0] >= '0' && key[0] <= '9');
    for (const char *p = key; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p == '_';
    if (plain)
        snprintf(out, size, "%s.%.120s", base, key);
    else
        snprintf(out, size, "%s[\"%.120s\"]", base, key);
    return out;
}

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return true;
}

bool cacao_is_identifier(const char *s, size_t *type_len)
{
    if (!s)
        return false;
    const char *sep = strstr(s, "--");
    /* the TYPE may not hold "--": the first "--" ends it */
    if (!sep || sep - s < 3 || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (const char *p = s; p < sep; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    if (sep[-1] == '-')
        return false;
    const char *u = sep + 2;
    if (strlen(u) != 36 || u[8] != '-' || u[13] != '-' || u[18] != '-' || u[23] != '-')
        return false;
    if (!is_hex(u, 8) || !is_hex(u + 9, 4) || !is_hex(u + 14, 4) || !is_hex(u + 19, 4) ||
        !is_hex(u + 24, 12))
        return false;
    if (u[14] < '1' || u[14] > '5' || !strchr("89abAB", u[19]))
        return false;
    if (type_len)
        *type_len = (size_t)(sep - s);
    return true;
}

bool cacao_is_email(const char *s)
{
    const char *at = s ? strchr(s, '@') : NULL;
    if (!at || at == s || strchr(at + 1, '@') || at - s > 64 || strlen(at + 1) > 253)
        return false;
    for (const char *p = s; p < at; p++) {
        if (*p == '.' && (p == s || p + 1 == at || p[1] == '.'))
            return false;
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr(".!#$%&'*+/=?^_`{|}~-", *p)))
            return false;
    }
    const char *d = at + 1;
    int labels = 0;
    while (*d) {
        size_t n = strcspn(d, ".");
        if (n == 0 || n > 63 || d[0] == '-' || d[n - 1] == '-')
            return false;
        for (size_t i = 0; i < n; i++)
            if (!((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= 'A' && d[i] <= 'Z') ||
                  (d[i] >= '0' && d[i] <= '9') || d[i] == '-'))
                return false;
        labels++;
        d += n;
        if (*d == '.' && !*++d)
            return false;
    }
    return labels >= 2;
}

char *cacao_base64_encode(const void *data, size_t len)
{
    char *out = fs_xmalloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

unsigned char *cacao_base64_decode(const char *s, size_t *len)
{
    size_t n = strlen(s);
    if (n % 4 != 0 || n > 64u * 1024 * 1024)
        return NULL;
    unsigned char *out = fs_xmalloc(n / 4 * 3 + 1);
    int got = n ? EVP_DecodeBlock(out, (const unsigned char *)s, (int)n) : 0;
    if (got < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes */
    if (n >= 1 && s[n - 1] == '=')
        got--;
    if (n >= 2 && s[n - 2] == '=')
        got--;
    out[got] = '\0';
    *len = (size_t)got;
    return out;
}

void cacao_timestamp(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char day[24];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", day, (int)(ms % 1000));
}

void playbook_cacao_uuid5(const char *name, char out[37])
{
    /* the fedsoar namespace: the UUID v5 of "fedsoar" in the URL namespace's
       place, fixed here once (any fixed 16 bytes would do) */
    static const unsigned char ns[16] = {0x5b, 0x3e, 0x2a, 0x52, 0x5f, 0x1c, 0x5b, 0xb8,
                                         0x9a, 0x43, 0xfe, 0xdc, 0x0a, 0x0c, 0x00, 0x00};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        fs_oom(sizeof(void *));
    EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
    EVP_DigestUpdate(ctx, ns, sizeof ns);
    EVP_DigestUpdate(ctx, name, strlen(name));
    EVP_DigestFinal_ex(ctx, md, &n);
    EVP_MD_CTX_free(ctx);
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0],
             md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12],
             md[13], md[14], md[15]);
}

/* ---- RFC 8785 ------------------------------------------------------------------ */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf_t;

static void put(buf_t *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = fs_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void put_string(buf_t *b, const char *s, size_t n)
{
    put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        const char *r = NULL;
        switch (c) {
        case '"':
            r = "\\\"";
            break;
        case '\\':
            r = "\\\\";
            break;
        case '\b':
            r = "\\b";
            break;
        case '\f':
            r = "\\f";
            break;
        case '\n':
            r = "\\n";
            break;
        case '\r':
            r = "\\r";
            break;
        case '\t':
            r = "\\t";
            break;
        default:
            if (c < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                r = esc;
            }
        }
        if (r)
            put(b, r, strlen(r));
        else
            put(b, s + i, 1);
    }
    put(b, "\"", 1);
}

/* Key order of RFC 8785: UTF-16 code units. UTF-8 byte order equals code
   point order, which differs from UTF-16 order only above U+FFFF against
   U+E000..U+FFFF: compare through UTF-16 when either key has a 4-byte
   sequence. */
static int utf16_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x != y) {
            /* a lead byte 0xF0.. (surrogate pair) sorts before 0xEE..0xEF (U+E000..) */
            bool xs = x >= 0xF0, ys = y >= 0xF0;
            if (xs && y >= 0xEE && y <= 0xEF)
                return -1;
            if (ys && x >= 0xEE && x <= 0xEF)
                return 1;
            return x < y ? -1 : 1;
        }
        if (!x)
            return 0;
    }
}

static int key_cmp(const void *a, const void *b)
{
    return utf16_cmp(*(const char *const *)a, *(const char *const *)b);
}

static void put_number(buf_t *b, double d)
{
    char t[40];
    if (!isfinite(d)) {
        put(b, "null", 4);
        return;
    }
    if (d == 0) {
        put(b, "0", 1);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(t, sizeof t, "%.*g", prec, d);
        if (strtod(t, NULL) == d)
            break;
    }
    put(b, t, strlen(t));
}

static void put_value(buf_t *b, const json_t *v)
{
    char t[32];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char **keys = fs_xcalloc(n ? n : 1, sizeof *keys);
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) keys[i++] = k;
        qsort(keys, n, sizeof *keys, key_cmp);
        put(b, "{", 1);
        for (i = 0; i < n; i++) {
            if (i)
                put(b, ",", 1);
            put_string(b, keys[i], strlen(keys[i]));
            put(b, ":", 1);
            put_value(b, json_object_get(v, keys[i]));
        }
        put(b, "}", 1);
        free(keys);
        break;
    }
    case JSON_ARRAY:
        put(b, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                put(b, ",", 1);
            put_value(b, json_array_get(v, i));
        }
        put(b, "]", 1);
        break;
    case JSON_STRING:
        put_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        snprintf(t, sizeof t, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        put(b, t, strlen(t));
        break;
    case JSON_REAL:
        put_number(b, json_real_value(v));
        break;
    case JSON_TRUE:
        put(b, "true", 4);
        break;
    case JSON_FALSE:
        put(b, "false", 5);
        break;
    default:
        put(b, "null", 4);
    }
}

char *playbook_cacao_jcs(const json_t *v)
{
    buf_t b = {0};
    put(&b, "", 0);
    put_value(&b, v);
    return b.p;
}
