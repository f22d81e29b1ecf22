/*  fast_dump.c — ocsf_dump: a jansson value to compact JSON text, the same
    bytes json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) writes, at a fraction
    of the cost.

    Why: an OCSF event is bigger than the vendor record (typed objects,
    observables, captions) and jansson 2.14's json_dumps pays per container
    (a "%p" snprintf and a hash-table insert/delete for loop detection), per
    string (a function-pointer call per piece and a UTF-8 decode per code
    point) and per integer (snprintf).  Here: one growable buffer, a
    nesting bound instead of loop detection, strings scanned 8 bytes at a
    time (SWAR) and copied with memcpy, integers formatted two digits at a
    time.

    The contract (tests/unit/test_normalize_dump.c, tests/fuzz/fuzz_fast_dump.c
    check it byte for byte against json_dumps):
      - strings and keys: `"` `\` and the control characters below 0x20 are
        escaped as jansson does (\b \f \n \r \t, else \u00XX upper-case hex);
        everything else, non-ASCII UTF-8 included, is copied.  A string or
        key that is not valid UTF-8 (only the _nocheck functions make one)
        fails, as a string does in jansson (for such a key json_dumps
        ignores the error and writes broken JSON);
      - integers: decimal, like "%lld";
      - reals: jansson's own text (%.17g, then ".0" when the text has neither
        '.' nor 'e', exponent without '+' and leading zeros).  If the linked
        jansson formats differently (a build with dtoa), reals are handed to
        json_dumpb instead, so the output still matches;
      - object keys in the object's order (insertion order, as json_dumps
        without JSON_SORT_KEYS);
      - no loop detection: a value nested deeper than OCSF_DUMP_MAX_DEPTH
        (which a cycle is) fails. */
#include "normalize.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ocsf_buf_init(ocsf_buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : OCSF_DUMP_MAX_DEFAULT;
}

void ocsf_buf_release(ocsf_buf_t *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void ocsf_buf_trim(ocsf_buf_t *b, size_t keep)
{
    if (b->cap > keep)
        ocsf_buf_release(b);
    else
        b->len = 0;
}

/* ---- the writer ------------------------------------------------------- */

typedef enum { DUMP_OK, DUMP_TOO_BIG, DUMP_DEEP, DUMP_UTF8, DUMP_BAD } dump_rc_t;

typedef struct writer {
    ocsf_buf_t *b;
    dump_rc_t rc;
} writer_t;

/* Makes room for n more bytes plus the terminating NUL. */
static bool grow(writer_t *w, size_t n)
{
    ocsf_buf_t *b = w->b;
    if (n > b->max || b->len > b->max - n) {
        w->rc = DUMP_TOO_BIG;
        return false;
    }
    size_t need = b->len + n + 1, cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    b->data = fs_xrealloc(b->data, cap);
    b->cap = cap;
    return true;
}

static inline bool room(writer_t *w, size_t n)
{
    ocsf_buf_t *b = w->b;
    return b->cap - b->len > n || grow(w, n);
}

static inline bool put(writer_t *w, const char *s, size_t n)
{
    if (!room(w, n))
        return false;
    memcpy(w->b->data + w->b->len, s, n);
    w->b->len += n;
    return true;
}

static inline bool put1(writer_t *w, char c)
{
    if (!room(w, 1))
        return false;
    w->b->data[w->b->len++] = c;
    return true;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* For 8 bytes of text: a word whose lowest set high bit marks the first
   byte that needs attention ('"', '\\', < 0x20 or >= 0x80), 0 when none.
   Exact "has a zero byte" / "has a byte < n" tests (Bit Twiddling Hacks):
   a borrow can only mark a byte above a real hit, so the lowest mark is
   exact on a little-endian load. */
static inline uint64_t attention(uint64_t x)
{
    uint64_t q = x ^ (ONES * '"'), bs = x ^ (ONES * '\\');
    return (((q - ONES) & ~q) | ((bs - ONES) & ~bs) | ((x - ONES * 0x20) & ~x) | x) & HIGHS;
}

static const char hexdig[] = "0123456789ABCDEF";

/* Invariant while copying: the buffer has room for the rest of the string
   (len - i bytes), the closing quote and the NUL after position o.  Every
   room request is for bytes that will be written, so the size bound fails
   only when the text would really exceed it. */
static bool put_string(writer_t *w, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    if (!room(w, len + 2))
        return false;
    char *d = w->b->data;
    size_t o = w->b->len;
    d[o++] = '"';
    size_t i = 0, clean_from = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (len >= 4 && len < 8) {
        /* short strings (most keys): two overlapping 4-byte loads */
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + len - 4, 4);
        if (!attention((uint64_t)lo | (uint64_t)hi << 32)) {
            memcpy(d + o, &lo, 4);
            memcpy(d + o + len - 4, &hi, 4);
            d[o + len] = '"';
            w->b->len = o + len + 1;
            return true;
        }
    }
#endif
    for (;;) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        while (i + 8 <= len) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            memcpy(d + o, &x, 8); /* fits: i + 8 <= len */
            uint64_t t = attention(x);
            if (t) {
                size_t k = (size_t)__builtin_ctzll(t) >> 3;
                o += k;
                i += k;
                goto special;
            }
            o += 8;
            i += 8;
        }
        if (i < len && len >= 8 && len - 8 >= clean_from) {
            /* the tail: the last 8 bytes, overlapping `back` (1..7) bytes
               already copied as they are (none since an escape or UTF-8
               sequence: clean_from), so rewriting them changes nothing */
            size_t back = i - (len - 8);
            uint64_t x;
            memcpy(&x, s + len - 8, 8);
            memcpy(d + o - back, &x, 8);
            uint64_t t = attention(x) & (~0ULL << (8 * back));
            if (t) {
                size_t k = ((size_t)__builtin_ctzll(t) >> 3) - back;
                o += k;
                i += k;
                goto special;
            }
            o += len - i;
            i = len;
        }
#endif
        while (i < len) {
            if (fs_json_string_byte[s[i]])
                goto special;
            d[o++] = (char)s[i++];
        }
        break;
    special:;
        unsigned char c = s[i];
        if (fs_json_string_byte[c] == 2) {
            size_t n = fs_utf8_seq(s + i, len - i);
            if (!n) {
                w->rc = DUMP_UTF8;
                return false;
            }
            memcpy(d + o, s + i, n);
            o += n;
            i += n;
            clean_from = i;
            continue;
        }
        /* an escape: 2 or 6 bytes for 1, so make room again for it, the
           rest and the quote (exact, so the bound fails only when the text
           is really too long) */
        w->b->len = o;
        size_t esc =
            c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t'
                ? 2
                : 6;
        if (!room(w, esc + (len - i)))
            return false;
        d = w->b->data;
        d[o++] = '\\';
        switch (c) {
        case '"':
            d[o++] = '"';
            break;
        case '\\':
            d[o++] = '\\';
            break;
        case '\b':
            d[o++] = 'b';
            break;
        case '\f':
            d[o++] = 'f';
            break;
        case '\n':
            d[o++] = 'n';
            break;
        case '\r':
            d[o++] = 'r';
            break;
        case '\t':
            d[o++] = 't';
            break;
        default:
            d[o++] = 'u';
            d[o++] = '0';
            d[o++] = '0';
            d[o++] = hexdig[c >> 4];
            d[o++] = hexdig[c & 15];
            break;
        }
        clean_from = ++i;
    }
    d[o++] = '"';
    w->b->len = o;
    return true;
}

static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

static bool put_integer(writer_t *w, json_int_t v)
{
    char tmp[24];
    char *end = tmp + sizeof tmp, *p = end;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        p -= 2;
        memcpy(p, digit_pairs + 2 * r, 2);
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, digit_pairs + 2 * u, 2);
    } else {
        *--p = (char)('0' + u);
    }
    if (v < 0)
        *--p = '-';
    return put(w, p, (size_t)(end - p));
}

/* jansson's jsonp_dtostr without dtoa (Debian 12's jansson 2.14): %.17g,
   the locale's decimal point back to '.', ".0" when neither '.' nor 'e',
   exponent without '+' and leading zeros. */
static int real_text(double value, char *buf, size_t size)
{
    int ret = snprintf(buf, size, "%.17g", value);
    if (ret < 0 || (size_t)ret >= size)
        return -1;
    size_t length = (size_t)ret;
    for (size_t i = 0; i < length; i++) /* a locale's decimal separator */
        if (!(buf[i] >= '0' && buf[i] <= '9') && buf[i] != '-' && buf[i] != '+' && buf[i] != 'e' &&
            buf[i] != 'i' && buf[i] != 'n' && buf[i] != 'f' && buf[i] != 'a')
            buf[i] = '.';
    if (!memchr(buf, '.', length) && !memchr(buf, 'e', length)) {
        if (length + 3 >= size)
            return -1;
        memcpy(buf + length, ".0", 3);
        length += 2;
    }
    char *start = memchr(buf, 'e', length);
    if (start) {
        start++;
        char *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, length - (size_t)(end - buf) + 1);
            length -= (size_t)(end - start);
        }
    }
    return (int)length;
}

/* Does the linked jansson format reals as real_text does?  Checked once. */
static bool reals_native = true;
static pthread_once_t reals_once = PTHREAD_ONCE_INIT;

static void reals_check(void)
{
    static const double probe[] = {0.1, 1e300, -0.0, 1e16, 1e-5, 123456.0, 5e-324};
    for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        json_t *r = json_real(probe[i]);
        char want[128], got[128];
        size_t n = r ? json_dumpb(r, want, sizeof want - 1, JSON_ENCODE_ANY | JSON_COMPACT) : 0;
        json_decref(r);
        int m = real_text(probe[i], got, sizeof got);
        if (n == 0 || n >= sizeof want || m < 0 || (size_t)m != n || memcmp(want, got, n) != 0) {
            reals_native = false;
            return;
        }
    }
}

static bool put_real(writer_t *w, const json_t *v)
{
    char buf[128];
    int n;
    pthread_once(&reals_once, reals_check);
    if (reals_native) {
        n = real_text(json_real_value(v), buf, sizeof buf);
    } else {
        size_t m = json_dumpb(v, buf, sizeof buf, JSON_ENCODE_ANY | JSON_COMPACT);
        n = m == 0 || m > sizeof buf ? -1 : (int)m;
    }
    if (n < 0) {
        w->rc = DUMP_BAD;
        return false;
    }
    return put(w, buf, (size_t)n);
}

static bool dump_value(writer_t *w, const json_t *v, int depth);

/* A member or element: strings and integers (most of an event) without the
   recursive call. */
static inline bool dump_item(writer_t *w, const json_t *v, int depth)
{
    if (v && json_typeof(v) == JSON_STRING)
        return put_string(w, json_string_value(v), json_string_length(v));
    if (v && json_typeof(v) == JSON_INTEGER)
        return put_integer(w, json_integer_value(v));
    return dump_value(w, v, depth);
}

static bool dump_value(writer_t *w, const json_t *v, int depth)
{
    if (!v) {
        w->rc = DUMP_BAD;
        return false;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (depth >= OCSF_DUMP_MAX_DEPTH) {
            w->rc = DUMP_DEEP;
            return false;
        }
        if (!put1(w, '{'))
            return false;
        void *it = json_object_iter((json_t *)v);
        bool first = true;
        while (it) {
            if (!first && !put1(w, ','))
                return false;
            first = false;
            if (!put_string(w, json_object_iter_key(it), json_object_iter_key_len(it)) ||
                !put1(w, ':') || !dump_item(w, json_object_iter_value(it), depth + 1))
                return false;
            it = json_object_iter_next((json_t *)v, it);
        }
        return put1(w, '}');
    }
    case JSON_ARRAY: {
        if (depth >= OCSF_DUMP_MAX_DEPTH) {
            w->rc = DUMP_DEEP;
            return false;
        }
        size_t n = json_array_size(v);
        if (!put1(w, '['))
            return false;
        for (size_t i = 0; i < n; i++) {
            if (i && !put1(w, ','))
                return false;
            if (!dump_item(w, json_array_get(v, i), depth + 1))
                return false;
        }
        return put1(w, ']');
    }
    case JSON_STRING:
        return put_string(w, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return put_integer(w, json_integer_value(v));
    case JSON_REAL:
        return put_real(w, v);
    case JSON_TRUE:
        return put(w, "true", 4);
    case JSON_FALSE:
        return put(w, "false", 5);
    case JSON_NULL:
        return put(w, "null", 4);
    }
    w->rc = DUMP_BAD;
    return false;
}

int ocsf_buf_append(ocsf_buf_t *b, const void *bytes, size_t n, fs_err_t *e)
{
    writer_t w = {b, DUMP_OK};
    if (put(&w, bytes, n)) {
        b->data[b->len] = '\0';
        return 0;
    }
    return fs_err_set(e, "ocsf_buf: would exceed its bound of %zu bytes", b->max);
}

int ocsf_dump(const json_t *value, ocsf_buf_t *out, fs_err_t *e)
{
    writer_t w = {out, DUMP_OK};
    size_t start = out->len;
    if (dump_value(&w, value, 0) && room(&w, 0)) {
        out->data[out->len] = '\0';
        return 0;
    }
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    switch (w.rc) {
    case DUMP_TOO_BIG:
        return fs_err_set(e, "ocsf_dump: the JSON text would exceed its bound of %zu bytes",
                          out->max);
    case DUMP_DEEP:
        return fs_err_set(e, "ocsf_dump: nested deeper than %d levels (or a cycle)",
                          OCSF_DUMP_MAX_DEPTH);
    case DUMP_UTF8:
        return fs_err_set(e, "ocsf_dump: a string or key is not valid UTF-8");
    default:
        return fs_err_set(e, "ocsf_dump: a NULL or unknown value");
    }
}
