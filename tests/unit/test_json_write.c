/*  test_json_write.c — fs_json_write (common/json_write.c) against
    json_dumps, byte for byte, sorted (the canonical form the audit chain
    hashes) and in insertion order (case and timeline rows): a corpus of
    unicode, escapes, big and negative integers, reals, nested and empty
    containers, keys that sort by byte and by length; values built with the
    _nocheck functions and a cycle, where json_dumps gives NULL or broken
    text and fs_json_write must give the same. */
#include "check.h"
#include "common.h"

#include <jansson.h>
#include <stdint.h>

static const char *const corpus[] = {
    "{}",
    "[]",
    "null",
    "true",
    "false",
    "0",
    "-0",
    "9223372036854775807",
    "-9223372036854775808",
    "-1234567890",
    "0.1",
    "-0.0",
    "1e300",
    "5e-324",
    "123456.0",
    "1.5e-7",
    "\"\"",
    "\"plain\"",
    "\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\"",
    "\"ctl \\u0001 \\u001f \\u007f del\"",
    "\"nul \\u0000 inside\"",
    "\"caf\\u00e9 \\u65e5\\u672c \\ud83d\\ude00 \\u2028\"",
    "\"h\\u00e9ll\\u00f6 w\\u00f6rld\"",
    "{\"b\":1,\"a\":2,\"c\":{\"z\":[],\"y\":{},\"x\":[1,2,{\"q\":null,\"p\":true}]}}",
    "{\"ab\":1,\"a\":2,\"abc\":3,\"\":4,\"B\":5,\"_\":6,\"\\u00e9\":7,\"e\":8}",
    "{\"k\\\"ey\":\"v\",\"k\\\\ey\":\"w\",\"k\\ney\":[\"\\u0002\"]}",
    "[[[[[[[[[[[]]]]]]]]]]]",
    "[{},[],{\"a\":{}},[[]],\"\",0,-1,1.25,false,null]",
    "{\"time\":1733500000000,\"kind\":\"updated\",\"fields\":{\"status\":\"analysis\"},"
    "\"by\":\"playbook:bench-ten-steps\"}",
    "{\"actor\":\"broker\",\"details\":{\"upto_seq\":1000,\"upto_hash\":\"ab\"},\"kind\":"
    "\"audit.checkpoint\",\"prev\":\"00\",\"seq\":1001,\"subject\":{},\"time\":-5}",
};

static void check_same(const json_t *v, const char *what)
{
    for (int sorted = 0; sorted <= 1; sorted++) {
        size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | (sorted ? JSON_SORT_KEYS : 0);
        char *want = json_dumps(v, flags);
        fs_text_t t = {0};
        fs_text_append(&t, "prefix", 6); /* appends after what is there */
        int rc = fs_json_write(&t, v, sorted);
        if (want) {
            CHECK_INT(rc, 0);
            CHECK_INT(t.len, 6 + strlen(want));
            CHECK(t.data && memcmp(t.data, "prefix", 6) == 0 && strcmp(t.data + 6, want) == 0);
            if (!t.data || strcmp(t.data + 6, want) != 0)
                fprintf(stderr, "  %s (sorted %d): got %s want %s\n", what, sorted,
                        t.data ? t.data + 6 : "(null)", want);
        } else {
            CHECK_INT(rc, -1);
            CHECK(t.len == 6 && strcmp(t.data, "prefix") == 0); /* unchanged */
        }
        char *alone = fs_json_text(v, sorted);
        CHECK((alone == NULL) == (want == NULL));
        CHECK(!alone || strcmp(alone, want) == 0);
        if (sorted) {
            char *canon = fs_json_canonical(v);
            CHECK((canon == NULL) == (want == NULL));
            CHECK(!canon || strcmp(canon, want) == 0);
            free(canon);
        }
        free(alone);
        free(want);
        fs_text_release(&t);
    }
}

int main(void)
{
    for (size_t i = 0; i < sizeof corpus / sizeof *corpus; i++) {
        json_error_t je;
        json_t *v = json_loads(corpus[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        CHECK(v != NULL);
        if (!v) {
            fprintf(stderr, "  corpus %zu does not parse: %s\n", i, je.text);
            continue;
        }
        check_same(v, corpus[i]);
        json_decref(v);
    }

    /* Keys inserted in reverse and in shuffled order; a key with a NUL in
       it sorts by its bytes, and a prefix before the longer key. */
    json_t *o = json_object();
    const char *keys[] = {"zeta", "alpha", "alph", "Alpha", "al", "a", "beta", "b\xc3\xa9ta"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        json_object_set_new(o, keys[i], json_integer((json_int_t)i));
    json_object_setn_new(o, "a\0b", 3, json_string("nul key"));
    json_object_setn_new(o, "a\0", 2, json_string("nul key short"));
    check_same(o, "shuffled keys");
    /* More keys than the writer sorts on its stack (32). */
    json_t *big = json_object();
    for (int i = 99; i >= 0; i--) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i * 7919 % 100);
        json_object_set_new(big, k, json_pack("{s:i, s:[i, s:f]}", "n", i, "l", -i, "r", i / 3.0));
    }
    json_object_set(o, "big", big);
    check_same(big, "100 keys");
    check_same(o, "nested 100 keys");

    /* Long strings: a run of plain bytes, then escapes and UTF-8 at the end. */
    char longs[5000];
    for (size_t i = 0; i < sizeof longs - 1; i++)
        longs[i] = (char)('a' + i % 26);
    memcpy(longs + sizeof longs - 8, "\"\\\n\xc3\xa9\x01", 7);
    longs[sizeof longs - 1] = '\0';
    json_t *ls = json_string(longs);
    CHECK(ls != NULL);
    check_same(ls, "long string");
    json_decref(ls);

    /* Not valid UTF-8 (only the _nocheck functions make these): a string,
       which json_dumps refuses (NULL), and a key, for which it writes
       whatever it writes — fs_json_write must agree either way. */
    json_t *bad = json_stringn_nocheck("ab\xff", 3);
    check_same(bad, "invalid UTF-8 string");
    json_t *in_obj = json_pack("{s:O}", "x", bad);
    check_same(in_obj, "invalid UTF-8 string in an object");
    json_decref(in_obj);
    json_decref(bad);
    json_t *bad_key = json_object();
    json_object_set_new_nocheck(bad_key, "k\xc0\x80", json_true());
    json_object_set_new(bad_key, "a", json_false());
    check_same(bad_key, "invalid UTF-8 key");
    json_decref(bad_key);
    json_t *surrogate = json_stringn_nocheck("\xed\xa0\x80", 3); /* U+D800 */
    check_same(surrogate, "a surrogate in UTF-8");
    json_decref(surrogate);

    /* Deeper than the writer goes itself (2048): handed to json_dumps. */
    json_t *deep = json_array();
    for (int i = 0; i < 3000; i++) {
        json_t *up = json_array();
        json_array_append_new(up, deep);
        deep = up;
    }
    check_same(deep, "3000 levels");
    json_decref(deep);

    /* A cycle: json_dumps refuses it, and so must fs_json_write. */
    json_t *cyc = json_object();
    json_t *arr = json_array();
    json_object_set(cyc, "a", arr);
    json_array_append(arr, cyc);
    check_same(cyc, "cycle");
    json_array_clear(arr); /* break it so both are freed */
    json_decref(arr);
    json_decref(cyc);

    /* The pieces audit.c writes an entry with: a string and an integer,
       as json_dumps writes them; a string that is not UTF-8 fails and
       leaves the buffer as it was. */
    const char *strs[] = {"", "plain", "q\"b\\n\n\x01\x1f", "caf\xc3\xa9 \xf0\x9f\x98\x80"};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
        json_t *js = json_string(strs[i]);
        char *want = json_dumps(js, JSON_ENCODE_ANY);
        fs_text_t t = {0};
        CHECK_INT(fs_json_write_string(&t, strs[i], strlen(strs[i])), 0);
        CHECK(want && t.data && strcmp(t.data, want) == 0);
        free(want), fs_text_release(&t), json_decref(js);
    }
    const json_int_t ints[] = {0, -1, 7, 1733500000000LL, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        json_t *ji = json_integer(ints[i]);
        char *want = json_dumps(ji, JSON_ENCODE_ANY);
        fs_text_t t = {0};
        fs_json_write_integer(&t, ints[i]);
        CHECK(want && t.data && strcmp(t.data, want) == 0);
        free(want), fs_text_release(&t), json_decref(ji);
    }
    fs_text_t kept = {0};
    fs_text_append(&kept, "{\"a\":", 5);
    CHECK_INT(fs_json_write_string(&kept, "ok\xff", 3), -1);
    CHECK(kept.len == 5 && strcmp(kept.data, "{\"a\":") == 0);
    fs_text_release(&kept);

    /* Non-finite reals cannot be made; NULL is no value. */
    CHECK(fs_json_text(NULL, true) == NULL);

    json_decref(big);
    json_decref(o);
    return check_summary();
}
