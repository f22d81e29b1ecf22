/*  json_write.c — fs_json_write: a jansson value to compact JSON text, the
    very bytes json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY [| JSON_SORT_KEYS])
    gives, into a growable buffer.

    Why: every durable playbook step writes a case row, a timeline row and
    an audit entry whose hash covers its canonical (sorted) text; jansson
    2.14's json_dumps pays per container (a "%p" snprintf and a hash-table
    insert for loop detection, with sorting a malloc'd key array and a hash
    lookup per key), per string piece (a callback) and per integer
    (snprintf), and was a quarter of the broker's CPU in bench/playbooks
    (issue 19, bench/README.md).

    The contract, checked byte for byte against json_dumps by
    tests/unit/test_json_write.c and tests/fuzz/fuzz_json_write.c:
      - strings and keys: `"` `\` and the control characters below 0x20 are
        escaped as jansson does (\b \f \n \r \t, else \u00XX upper-case hex);
        everything else, UTF-8 included, is copied;
      - integers "%lld"; reals are jansson's own text (json_dumpb of the
        real: reals are rare in what the store writes);
      - keys in insertion order, or sorted as jansson sorts them (bytes
        compared with memcmp, a shorter key that is a prefix first);
      - anything unusual — a string or key that is not valid UTF-8 (only the
        _nocheck functions make one), nesting deeper than
        FS_JSON_WRITE_MAX_DEPTH (a cycle ends there) — is handed whole to
        json_dumps, so the output is jansson's even then (NULL included). */
#include "common.h"

#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

#define FS_JSON_WRITE_MAX_DEPTH 2048
#define SORT_ON_STACK 32 /* keys of an object sorted without malloc */

void fs_text_reserve(fs_text_t *t, size_t n)
{
    if (t->cap - t->len > n)
        return;
    size_t need = t->len + n + 1, cap = t->cap ? t->cap : 256;
    while (cap < need)
        cap *= 2;
    t->data = fs_xrealloc(t->data, cap);
    t->cap = cap;
}

void fs_text_append(fs_text_t *t, const void *bytes, size_t n)
{
    fs_text_reserve(t, n);
    memcpy(t->data + t->len, bytes, n);
    t->len += n;
    t->data[t->len] = '\0';
}

void fs_text_printf(fs_text_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = fs_xvasprintf(fmt, ap);
    va_end(ap);
    fs_text_append(t, text, strlen(text));
    free(text);
}

void fs_text_release(fs_text_t *t)
{
    if (!t)
        return;
    free(t->data);
    *t = (fs_text_t){0};
}

/* Room for n more bytes and a NUL; the call only when the buffer must grow. */
static inline void room(fs_text_t *t, size_t n)
{
    if (t->cap - t->len <= n)
        fs_text_reserve(t, n);
}

static inline void put(fs_text_t *t, const char *s, size_t n)
{
    room(t, n);
    memcpy(t->data + t->len, s, n);
    t->len += n;
}

static inline void put1(fs_text_t *t, char c)
{
    room(t, 1);
    t->data[t->len++] = c;
}

/* common.h says what each value asks of a string writer. */
const unsigned char fs_json_string_byte[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};

/* Appends the quoted, escaped string; false (nothing usable written) when
   it is not valid UTF-8. Runs of plain bytes are copied with one memcpy. */
static bool put_string(fs_text_t *t, const char *str, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str;
    room(t, len + 2);
    put1(t, '"');
    size_t run = 0, i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (!fs_json_string_byte[c]) {
            i++;
            continue;
        }
        if (fs_json_string_byte[c] == 2) {
            size_t n = fs_utf8_seq(s + i, len - i);
            if (!n)
                return false;
            i += n;
            continue;
        }
        put(t, str + run, i - run);
        char esc[6] = {'\\', 0, '0', '0', hex[c >> 4], hex[c & 15]};
        size_t en = 2;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            en = 6;
        }
        put(t, esc, en);
        run = ++i;
    }
    put(t, str + run, len - run);
    put1(t, '"');
    return true;
}

static void put_integer(fs_text_t *t, json_int_t v)
{
    char tmp[24], *end = tmp + sizeof tmp, *p = end;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    put(t, p, (size_t)(end - p));
}

static bool put_real(fs_text_t *t, const json_t *v)
{
    char buf[64];
    size_t n = json_dumpb(v, buf, sizeof buf, JSON_COMPACT | JSON_ENCODE_ANY);
    if (n == 0 || n > sizeof buf)
        return false;
    put(t, buf, n);
    return true;
}

typedef struct {
    const char *key;
    size_t len;
    json_t *value;
} member_t;

/* jansson 2.14's compare_keys: memcmp over the shorter key, then length. */
static int member_cmp(const void *a, const void *b)
{
    const member_t *x = a, *y = b;
    int r = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    if (r)
        return r;
    return x->len < y->len ? -1 : x->len > y->len;
}

static bool write_value(fs_text_t *t, const json_t *v, bool sorted, int depth);

static bool write_member(fs_text_t *t, const member_t *m, bool first, bool sorted, int depth)
{
    if (!first)
        put1(t, ',');
    if (!put_string(t, m->key, m->len))
        return false;
    put1(t, ':');
    return write_value(t, m->value, sorted, depth + 1);
}

static bool write_object(fs_text_t *t, const json_t *v, bool sorted, int depth)
{
    size_t n = json_object_size(v);
    put1(t, '{');
    if (!sorted || n < 2) {
        bool first = true;
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            member_t m = {json_object_iter_key(it), json_object_iter_key_len(it),
                          json_object_iter_value(it)};
            if (!write_member(t, &m, first, sorted, depth))
                return false;
            first = false;
        }
        put1(t, '}');
        return true;
    }
    member_t stack[SORT_ON_STACK];
    member_t *m = n <= SORT_ON_STACK ? stack : fs_xmalloc(n * sizeof *m);
    size_t k = 0;
    for (void *it = json_object_iter((json_t *)v); it && k < n;
         it = json_object_iter_next((json_t *)v, it))
        m[k++] = (member_t){json_object_iter_key(it), json_object_iter_key_len(it),
                            json_object_iter_value(it)};
    if (k <= SORT_ON_STACK) { /* insertion sort: objects here are small */
        for (size_t i = 1; i < k; i++)
            for (size_t j = i; j > 0 && member_cmp(&m[j - 1], &m[j]) > 0; j--) {
                member_t x = m[j - 1];
                m[j - 1] = m[j];
                m[j] = x;
            }
    } else {
        qsort(m, k, sizeof *m, member_cmp);
    }
    bool ok = true;
    for (size_t i = 0; i < k && ok; i++)
        ok = write_member(t, &m[i], i == 0, sorted, depth);
    if (m != stack)
        free(m);
    if (ok)
        put1(t, '}');
    return ok;
}

static bool write_value(fs_text_t *t, const json_t *v, bool sorted, int depth)
{
    if (!v || depth >= FS_JSON_WRITE_MAX_DEPTH)
        return false;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return write_object(t, v, sorted, depth);
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        put1(t, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                put1(t, ',');
            if (!write_value(t, json_array_get(v, i), sorted, depth + 1))
                return false;
        }
        put1(t, ']');
        return true;
    }
    case JSON_STRING:
        return put_string(t, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        put_integer(t, json_integer_value(v));
        return true;
    case JSON_REAL:
        return put_real(t, v);
    case JSON_TRUE:
        put(t, "true", 4);
        return true;
    case JSON_FALSE:
        put(t, "false", 5);
        return true;
    case JSON_NULL:
        put(t, "null", 4);
        return true;
    }
    return false;
}

int fs_json_write(fs_text_t *t, const json_t *v, bool sorted)
{
    size_t start = t->len;
    if (write_value(t, v, sorted, 0)) {
        fs_text_reserve(t, 0);
        t->data[t->len] = '\0';
        return 0;
    }
    /* The unusual case: jansson's own text, whatever it makes of it. */
    t->len = start;
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | (sorted ? JSON_SORT_KEYS : 0));
    if (!text) {
        if (t->data)
            t->data[start] = '\0';
        return -1;
    }
    fs_text_append(t, text, strlen(text));
    free(text);
    return 0;
}

int fs_json_write_string(fs_text_t *t, const char *s, size_t len)
{
    size_t start = t->len;
    if (!put_string(t, s, len)) {
        t->len = start;
        if (t->data)
            t->data[start] = '\0';
        return -1;
    }
    fs_text_reserve(t, 0);
    t->data[t->len] = '\0';
    return 0;
}

void fs_json_write_integer(fs_text_t *t, json_int_t v)
{
    put_integer(t, v);
    fs_text_reserve(t, 0);
    t->data[t->len] = '\0';
}

char *fs_json_text(const json_t *v, bool sorted)
{
    fs_text_t t = {0};
    if (fs_json_write(&t, v, sorted) != 0) {
        fs_text_release(&t);
        return NULL;
    }
    return t.data;
}
