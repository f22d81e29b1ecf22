/*  test_normalize_dump.c — ocsf_dump (normalize/fast_dump.c): the same bytes
    as json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) for edge cases, the bounds
    (size, depth), invalid UTF-8, and every event of the vendor fixtures. */
#include "check.h"
#include "normalize.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>

/* ocsf_dump(v) == json_dumps(v), byte for byte, and loads back equal. */
static void same_as_jansson(const json_t *v, const char *what)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    ocsf_buf_t b;
    ocsf_buf_init(&b, 0);
    fs_err_t e;
    int rc = ocsf_dump(v, &b, &e);
    CHECK(want != NULL);
    CHECK_INT(rc, 0);
    if (want && rc == 0 && (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0)) {
        check_failed++;
        fprintf(stderr, "%s: ocsf_dump \"%s\" != json_dumps \"%s\"\n", what, b.data, want);
    } else {
        check_passed++;
    }
    /* round trip, except where jansson cannot read its own text back (a
       NUL in an object key) */
    if (rc == 0 && !strstr(what, "NUL key")) {
        json_error_t je;
        json_t *back = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        CHECK(back && json_equal(back, v));
        json_decref(back);
    }
    free(want);
    ocsf_buf_release(&b);
}

static void text_case(const char *json, const char *expect)
{
    json_error_t je;
    json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    CHECK(v != NULL);
    if (!v) {
        fprintf(stderr, "cannot parse %s: %s\n", json, je.text);
        return;
    }
    same_as_jansson(v, json);
    if (expect) {
        ocsf_buf_t b;
        ocsf_buf_init(&b, 0);
        fs_err_t e;
        CHECK_INT(ocsf_dump(v, &b, &e), 0);
        CHECK_STR(b.data, expect);
        ocsf_buf_release(&b);
    }
    json_decref(v);
}

static void test_edge_cases(void)
{
    text_case("{}", "{}");
    text_case("[]", "[]");
    text_case("{\"a\":{},\"b\":[],\"c\":[{}],\"\":\"\"}",
              "{\"a\":{},\"b\":[],\"c\":[{}],\"\":\"\"}");
    text_case("\"\"", "\"\"");
    text_case("null", "null");
    text_case("[true,false,null]", "[true,false,null]");
    /* integers: zero, signs, every length, the extremes */
    text_case("[0,-0,1,-1,9,10,99,100,-100,12345,1234567890123]",
              "[0,0,1,-1,9,10,99,100,-100,12345,1234567890123]");
    text_case("[9223372036854775807,-9223372036854775808]",
              "[9223372036854775807,-9223372036854775808]");
    /* reals as jansson writes them (%.17g, ".0" added, short exponent) */
    text_case("[0.1,1e300,-0.0,1.5,100.0,1e22,1e-5,5e-324,1.7976931348623157e308,-2.5e-300]", NULL);
    {
        json_t *r = json_real(0.1);
        ocsf_buf_t b;
        ocsf_buf_init(&b, 0);
        fs_err_t e;
        CHECK_INT(ocsf_dump(r, &b, &e), 0);
        CHECK_STR(b.data, "0.10000000000000001");
        json_decref(r);
        r = json_real(-0.0);
        b.len = 0;
        CHECK_INT(ocsf_dump(r, &b, &e), 0);
        CHECK_STR(b.data, "-0.0");
        json_decref(r);
        ocsf_buf_release(&b);
    }
    /* escapes: the short ones, the other control characters as \u00XX
       (upper case), DEL and '/' and non-ASCII as they are */
    text_case(
        "\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0001\\u001f\\u007f / \\u00e9 \\u20ac \\ud83d\\ude00\"",
        "\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0001\\u001F\x7f / \xc3\xa9 \xe2\x82\xac "
        "\xf0\x9f\x98\x80\"");
    /* escapes at every position of the 8-byte scan */
    for (int pos = 0; pos < 20; pos++) {
        char s[32];
        memset(s, 'a', sizeof s);
        s[pos] = '"';
        json_t *v = json_stringn(s, 24);
        same_as_jansson(v, "quote at pos");
        json_decref(v);
        s[pos] = '\n';
        v = json_stringn(s, 24);
        same_as_jansson(v, "newline at pos");
        json_decref(v);
        s[pos] = '\\';
        v = json_stringn(s, 24);
        same_as_jansson(v, "backslash at pos");
        json_decref(v);
    }
    /* random strings over an alphabet heavy in what needs care (escapes,
       UTF-8 of 2-4 bytes), every length up to 70: all scan paths (short,
       8-byte blocks, overlapping tail) and their joins */
    {
        static const char *const atoms[] = {"a",
                                            "b",
                                            "\"",
                                            "\\",
                                            "\n",
                                            "\x01",
                                            "\x1f",
                                            "\x7f",
                                            "\xc3\xa9",
                                            "\xe2\x82\xac",
                                            "\xf0\x9f\x98\x80",
                                            "/",
                                            "abcdefgh",
                                            "0123"};
        uint32_t seed = 12345;
        for (int round = 0; round < 20000; round++) {
            char s[128];
            size_t n = 0;
            seed = seed * 1103515245u + 12345u;
            size_t want = (seed >> 16) % 71;
            while (n < want) {
                seed = seed * 1103515245u + 12345u;
                const char *a = atoms[(seed >> 16) % (sizeof atoms / sizeof atoms[0])];
                size_t al = strlen(a);
                if (n + al > sizeof s)
                    break;
                memcpy(s + n, a, al);
                n += al;
            }
            json_t *v = json_stringn(s, n);
            CHECK(v != NULL);
            if (v) {
                same_as_jansson(v, "random string");
                json_decref(v);
            }
        }
    }
    /* NUL inside a string and a key (json_stringn / json_object_setn) */
    {
        json_t *o = json_object();
        json_object_setn_new(o, "k\0ey", 4, json_stringn("a\0b", 3));
        same_as_jansson(o, "NUL key");
        ocsf_buf_t b;
        ocsf_buf_init(&b, 0);
        fs_err_t e;
        CHECK_INT(ocsf_dump(o, &b, &e), 0);
        CHECK_STR(b.data, "{\"k\\u0000ey\":\"a\\u0000b\"}");
        ocsf_buf_release(&b);
        json_decref(o);
    }
    /* key order: insertion order, as json_dumps (no JSON_SORT_KEYS) */
    {
        json_t *o = json_object();
        const char *keys[] = {"zeta", "alpha", "mid", "beta", "a", "z"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            json_object_set_new(o, keys[i], json_integer((json_int_t)i));
        json_object_del(o, "mid");
        json_object_set_new(o, "mid", json_true());
        same_as_jansson(o, "key order");
        json_decref(o);
    }
    /* a long string (several scan blocks, growth of the buffer) */
    {
        size_t n = 100000;
        char *s = malloc(n);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(i % 97 == 0 ? '\t' : 'a' + (char)(i % 26));
        json_t *v = json_stringn(s, n);
        same_as_jansson(v, "long string");
        json_decref(v);
        free(s);
    }
}

static void test_bounds_and_errors(void)
{
    fs_err_t e;
    ocsf_buf_t b;
    /* size bound: fails past max, leaves what was there */
    json_t *v = json_pack("{s:s}", "key", "0123456789");
    ocsf_buf_init(&b, 20);
    CHECK_INT(ocsf_buf_append(&b, "ab", 2, &e), 0);
    CHECK_INT(ocsf_dump(v, &b, &e), -1);
    CHECK(strstr(e.text, "bound of 20 bytes") != NULL);
    CHECK_INT(b.len, 2);
    CHECK_STR(b.data, "ab");
    b.len = 0;
    CHECK_INT(ocsf_dump(v, &b, &e), 0); /* 18 bytes fit */
    CHECK_STR(b.data, "{\"key\":\"0123456789\"}");
    CHECK_INT(ocsf_buf_append(&b, "xyz", 3, &e), -1);
    ocsf_buf_release(&b);
    ocsf_buf_release(&b); /* idempotent */
    json_decref(v);

    /* the bound is exact: text of length max fits, max - 1 fails, whatever
       escapes, UTF-8 or numbers the text holds */
    {
        static const char *const texts[] = {
            "{\"a\\\"b\":[\"x\\n\\u0001y\",12345,-7,0.5,true,null]}",
            "[\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\"]",
            "{\"k\":\"0123456789abcdef\\t0123456789\\u001f\\u00e9\\u20ac\"}",
            "[\"\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\"]"};
        for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
            json_error_t je;
            json_t *x = json_loads(texts[t], JSON_ALLOW_NUL, &je);
            CHECK(x != NULL);
            char *want = x ? json_dumps(x, JSON_COMPACT) : NULL;
            if (!want) {
                json_decref(x);
                continue;
            }
            size_t wl = strlen(want);
            ocsf_buf_init(&b, wl);
            CHECK_INT(ocsf_dump(x, &b, &e), 0);
            CHECK_STR(b.data, want);
            ocsf_buf_release(&b);
            ocsf_buf_init(&b, wl - 1);
            CHECK_INT(ocsf_dump(x, &b, &e), -1);
            CHECK_INT(b.len, 0);
            ocsf_buf_release(&b);
            free(want);
            json_decref(x);
        }
    }

    /* depth bound: OCSF_DUMP_MAX_DEPTH levels pass, one more fails */
    json_t *deep = json_array(), *inner = deep;
    for (int i = 1; i < OCSF_DUMP_MAX_DEPTH; i++) {
        json_t *a = json_array();
        json_array_append_new(inner, a);
        inner = a;
    }
    ocsf_buf_init(&b, 0);
    CHECK_INT(ocsf_dump(deep, &b, &e), 0);
    CHECK_INT(b.len, 2 * OCSF_DUMP_MAX_DEPTH);
    json_array_append_new(inner, json_object());
    b.len = 0;
    CHECK_INT(ocsf_dump(deep, &b, &e), -1);
    CHECK(strstr(e.text, "nested deeper") != NULL);
    json_decref(deep);

    /* a cycle ends at the depth bound (json_dumps refuses it too) */
    json_t *a1 = json_array(), *a2 = json_array();
    json_array_append(a1, a2);
    json_array_append(a2, a1);
    b.len = 0;
    CHECK_INT(ocsf_dump(a1, &b, &e), -1);
    json_array_clear(a2);
    json_decref(a1);
    json_decref(a2);

    /* invalid UTF-8 (only _nocheck makes it): fails, as json_dumps does */
    const char *bad[] = {"\xff",     "a\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                         "\xe2\x82", "ok\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *s = json_string_nocheck(bad[i]);
        char *j = json_dumps(s, JSON_ENCODE_ANY);
        CHECK(j == NULL);
        free(j);
        b.len = 0;
        CHECK_INT(ocsf_dump(s, &b, &e), -1);
        CHECK(strstr(e.text, "UTF-8") != NULL);
        json_t *o = json_object();
        json_object_set_new_nocheck(o, bad[i], json_true());
        CHECK_INT(ocsf_dump(o, &b, &e), -1);
        json_decref(o);
        json_decref(s);
    }
    CHECK_INT(ocsf_dump(NULL, &b, &e), -1);

    /* trim: keeps a small buffer, frees a big one */
    b.len = 0;
    CHECK_INT(ocsf_buf_append(&b, "hello", 5, &e), 0);
    ocsf_buf_trim(&b, 1 << 20);
    CHECK(b.data != NULL && b.len == 0);
    ocsf_buf_trim(&b, 1);
    CHECK(b.data == NULL && b.cap == 0);
    ocsf_buf_release(&b);
}

typedef struct fixture_sink {
    size_t events;
} fixture_sink_t;

static void on_event(void *arg, json_t *event, size_t record_no)
{
    (void)record_no;
    ((fixture_sink_t *)arg)->events++;
    same_as_jansson(event, "fixture event");
}

static void on_reject(void *arg, size_t record_no, size_t off, const char *reason, const char *raw,
                      size_t raw_len)
{
    (void)arg, (void)record_no, (void)off, (void)reason, (void)raw, (void)raw_len;
}

/* Every event every repo fixture makes: the output of the real mappings. */
static void test_fixture_events(void)
{
    fs_err_t e;
    normalizer_t *n = normalizer_new(FEDSOAR_MAPPINGS_DIR, &e);
    CHECK(n != NULL);
    if (!n)
        return;
    fixture_sink_t sink = {0};
    const char *root = FEDSOAR_MAPPINGS_DIR "/../../tests/fixtures/vendors";
    for (size_t s = 0; s < normalizer_source_count(n); s++) {
        const char *src = normalizer_source_id(n, s);
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", root, src);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            size_t len;
            char *buf = fs_file_read(path, 32u << 20, &len, &e);
            if (!buf)
                continue;
            normalize_opts_t opts = {.site = "test", .keep_raw = true};
            normalizer_run(n, src, &opts, buf, len, on_event, on_reject, &sink, &e);
            free(buf);
        }
        closedir(d);
    }
    CHECK(sink.events > 50);
    normalizer_destroy(&n);
}

int main(void)
{
    test_edge_cases();
    test_bounds_and_errors();
    test_fixture_events();
    return check_summary();
}
