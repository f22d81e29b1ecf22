/*  test_common.c — time parsing/formatting, strict JSON, files, hashing,
    error codes, the LMDB helper. */
#include "check.h"
#include "common.h"
#include "jq_program.h"
#include "lmdb_env.h"

#include <stdlib.h>
#include <unistd.h>

static void test_time(void)
{
    int64_t ms = 0;
    CHECK_INT(fs_time_parse("1970-01-01T00:00:00Z", &ms), 0);
    CHECK_INT(ms, 0);
    CHECK_INT(fs_time_parse("2024-02-29T12:34:56.789Z", &ms), 0);
    CHECK_INT(ms, 1709210096789LL);
    CHECK_INT(fs_time_parse("2024-02-29T14:34:56.789+02:00", &ms), 0);
    CHECK_INT(ms, 1709210096789LL);
    CHECK_INT(fs_time_parse("2024-02-29 12:34:56", &ms), 0);
    CHECK_INT(ms, 1709210096000LL);
    CHECK_INT(fs_time_parse("2024-02-29T12:34:56.1234567Z", &ms), 0); /* .NET 7 digits */
    CHECK_INT(ms, 1709210096123LL);
    CHECK_INT(fs_time_parse("2024-13-01T00:00:00Z", &ms), -1);
    CHECK_INT(fs_time_parse("2024-01-01T00:00:00Zjunk", &ms), -1);
    CHECK_INT(fs_time_parse("", &ms), -1);
    CHECK_INT(fs_time_parse(NULL, &ms), -1);
    char buf[32];
    CHECK_STR(fs_time_format(1709210096789LL, buf, sizeof buf), "2024-02-29T12:34:56.789Z");
}

static void test_json(void)
{
    fs_err_t e = {0};
    json_t *v = fs_json_parse("{\"a\":1,\"a\":2}", 13, &e);
    CHECK(v == NULL);
    CHECK(strstr(e.text, "duplicate") != NULL);
    v = fs_json_parse("{\"b\":[1,2],\"a\":\"x\"}", 19, &e);
    CHECK(v != NULL);
    char *canon = fs_json_canonical(v);
    CHECK_STR(canon, "{\"a\":\"x\",\"b\":[1,2]}");
    free(canon);
    json_decref(v);
    CHECK(fs_json_parse("\"\xff\"", 3, &e) == NULL); /* invalid UTF-8 */
}

/* Programs that end inside a string are refused before libjq 1.6 reads
   them (its parser leaks the literal); every other program is libjq's to
   judge. */
static void test_jq_strings(void)
{
    static const char *const closed[] = {
        "\"a\" + .b",
        "\"x\\\"y\"",                         /* escaped quote */
        "\"\\(.a + \"(\") done\"",            /* interpolation holding a string */
        "\"\\(\"\\(.a)\")\"",                 /* nested interpolation */
        "\"\\((.a))\"",                       /* parentheses inside one */
        ".a # a comment with \" in it\n| .b", /* a quote in a comment */
        "\"#not a comment\"",
    };
    for (size_t i = 0; i < sizeof closed / sizeof *closed; i++) {
        fs_err_t e = {0};
        fs_jq_t *jq = fs_jq_compile(closed[i], &e);
        CHECK(jq != NULL);
        if (!jq)
            fprintf(stderr, "  %s: %s\n", closed[i], e.text);
        fs_jq_destroy(&jq);
    }
    static const struct {
        const char *program;
        const char *where;
    } open[] = {
        {"\"", "byte 0 "},
        {"\"\" and \"", "byte 7 "},
        {".a | \"x\\\"", "byte 5 "},     /* the quote is escaped */
        {"\"\\(.a + \"b)\"", "byte 0 "}, /* \"b)\" closes, the interpolation does not */
        {"\"\\(.a\"", "byte 5 "},        /* interpolation never closes */
        {"# \"\n\"x", "byte 4 "},        /* only the comment ends at the newline */
    };
    for (size_t i = 0; i < sizeof open / sizeof *open; i++) {
        fs_err_t e = {0};
        CHECK(fs_jq_compile(open[i].program, &e) == NULL);
        CHECK(strstr(e.text, open[i].where) != NULL);
        if (!strstr(e.text, open[i].where))
            fprintf(stderr, "  %s: %s\n", open[i].program, e.text);
    }
    fs_err_t e = {0};
    CHECK(fs_jq_compile(".a b", &e) == NULL); /* other syntax errors: libjq's message */
    CHECK(strstr(e.text, "does not compile") != NULL);
}

static void test_files(void)
{
    char dir[] = "/tmp/fedsoar-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    fs_err_t e = {0};
    CHECK_INT(fs_mkdir_p(path, 0700, &e), 0);
    CHECK(fs_is_dir(path));
    snprintf(path, sizeof path, "%s/a/file", dir);
    CHECK_INT(fs_file_write_atomic(path, "hello", 5, 0600, &e), 0);
    size_t len = 0;
    char *got = fs_file_read(path, 1024, &len, &e);
    CHECK_STR(got, "hello");
    CHECK_INT(len, 5);
    free(got);
    CHECK(fs_file_read(path, 2, &len, &e) == NULL); /* over the limit */
    CHECK(strstr(e.text, "limit") != NULL);
    CHECK(fs_file_read("/nonexistent/x", 10, &len, &e) == NULL);
    CHECK(strstr(e.text, "/nonexistent/x") != NULL);
    check_remove_dir(dir);
}

static void test_misc(void)
{
    char hex[65];
    fs_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    uint64_t v;
    CHECK_INT(fs_parse_u64("18446744073709551615", &v), 0);
    CHECK(v == UINT64_MAX);
    CHECK_INT(fs_parse_u64("18446744073709551616", &v), -1);
    CHECK_INT(fs_parse_u64("12a", &v), -1);
    unsigned char be[8];
    fs_u64_to_be(0x0102030405060708ULL, be);
    CHECK_INT(be[0], 1);
    CHECK(fs_u64_from_be(be) == 0x0102030405060708ULL);
    char q[32];
    CHECK_STR(fs_log_quote(q, sizeof q, "a \"b\"\n"), "\"a \\\"b\\\" \"");
}

static void test_errors(void)
{
    fs_err_t e = {0};
    CHECK_INT(fs_err_code(&e), 0);
    CHECK_INT(fs_err_set(&e, "x %d", 1), -1);
    CHECK_INT(fs_err_code(&e), FS_E_GENERIC);
    CHECK_STR(e.text, "x 1");
    CHECK_INT(fs_err_setc(&e, FS_E_FULL, "full"), -1);
    CHECK_INT(fs_err_code(&e), FS_E_FULL);
    CHECK_STR(fs_strerror(FS_E_FULL), "full");
    CHECK_STR(fs_strerror(FS_ERR_BASE_FSP + 1), "unknown");
    CHECK_INT(fs_err_setc(NULL, FS_E_IO, "ignored"), -1);
    CHECK_INT(fs_err_code(NULL), 0);
}

enum { T_ITEMS, T_META, T_COUNT };
static const char *const t_dbs[T_COUNT] = {"items", "meta"};

static int collect(void *arg, const MDB_val *k, const MDB_val *v)
{
    (void)v;
    json_array_append_new(arg, json_integer((json_int_t)fs_u64_from_be(k->mv_data)));
    return FS_LMDB_NEXT;
}

static int drop_upto_3(void *arg, const MDB_val *k, const MDB_val *v)
{
    (void)arg;
    (void)v;
    return fs_u64_from_be(k->mv_data) <= 3 ? FS_LMDB_DELETE : FS_LMDB_STOP;
}

static void test_lmdb(void)
{
    char dir[] = "/tmp/fedsoar-lmdb-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_err_t e = {0};
    fs_lmdb_opts_t opts = {.what = "test",
                           .dbs = t_dbs,
                           .ndbs = T_COUNT,
                           .map_mb = 1,
                           .map_full_hint = "raise test.map"};
    fs_lmdb_t *db = fs_lmdb_open(dir, &opts, &e);
    CHECK(db != NULL);
    MDB_txn *txn = NULL;
    CHECK_INT(fs_lmdb_begin(db, true, &txn, &e), 0);
    char id[17], again[17];
    CHECK_INT(fs_lmdb_identity(db, txn, T_META, "epoch", 8, id, sizeof id, &e), 0);
    CHECK_INT(strlen(id), 16);
    for (uint64_t i = 1; i <= 5; i++) {
        unsigned char key[8];
        fs_u64_to_be(i, key);
        CHECK_INT(fs_lmdb_put(db, txn, T_ITEMS, key, 8, "v", 1, MDB_APPEND, &e), 0);
    }
    CHECK_INT(fs_lmdb_put_u64(db, txn, T_META, "last", 5, &e), 0);
    CHECK_INT(fs_lmdb_commit(db, &txn, &e), 0);
    CHECK(txn == NULL);

    CHECK_INT(fs_lmdb_begin(db, false, &txn, &e), 0);
    CHECK_INT(fs_lmdb_get_u64(db, txn, T_META, "last"), 5);
    CHECK_INT(fs_lmdb_count(db, txn, T_ITEMS), 5);
    MDB_val v;
    CHECK_INT(fs_lmdb_get(db, txn, T_META, "absent", 6, &v, &e), 1);
    json_t *seen = json_array();
    unsigned char from[8];
    fs_u64_to_be(4, from);
    CHECK_INT(fs_lmdb_foreach(db, txn, T_ITEMS, from, 8, true, collect, seen, &e), 0);
    CHECK_INT(json_array_size(seen), 4); /* 4 3 2 1 */
    CHECK_INT(json_integer_value(json_array_get(seen, 0)), 4);
    json_array_clear(seen);
    CHECK_INT(fs_lmdb_foreach(db, txn, T_ITEMS, from, 8, false, collect, seen, &e), 0);
    CHECK_INT(json_array_size(seen), 2); /* 4 5 */
    fs_lmdb_abort(&txn);

    CHECK_INT(fs_lmdb_begin(db, true, &txn, &e), 0);
    CHECK_INT(fs_lmdb_identity(db, txn, T_META, "epoch", 8, again, sizeof again, &e), 0);
    CHECK_STR(again, id); /* kept, not renewed */
    CHECK_INT(fs_lmdb_foreach(db, txn, T_ITEMS, NULL, 0, false, drop_upto_3, NULL, &e), 0);
    CHECK_INT(fs_lmdb_count(db, txn, T_ITEMS), 2);
    CHECK_INT(fs_lmdb_del(db, txn, T_ITEMS, "nope", 4, &e), 0);
    /* A 1 MiB map fills up: the error says which knob to raise. */
    static char big[64 * 1024];
    int rc = 0;
    for (uint64_t i = 100; i < 200 && rc == 0; i++) {
        unsigned char key[8];
        fs_u64_to_be(i, key);
        rc = fs_lmdb_put(db, txn, T_ITEMS, key, 8, big, sizeof big, 0, &e);
    }
    CHECK_INT(rc, -1);
    CHECK_INT(fs_err_code(&e), FS_E_FULL);
    CHECK(strstr(e.text, "raise test.map") != NULL);
    CHECK(strstr(e.text, dir) != NULL);
    fs_lmdb_abort(&txn);
    fs_lmdb_close(&db);
    CHECK(db == NULL);
    fs_lmdb_close(&db); /* idempotent */

    opts.readonly = true;
    db = fs_lmdb_open(dir, &opts, &e);
    CHECK(db != NULL);
    CHECK(fs_lmdb_has(db, T_ITEMS));
    fs_lmdb_close(&db);
    CHECK(fs_lmdb_open("/nonexistent/lmdb", &opts, &e) == NULL);
    CHECK_INT(fs_err_code(&e), FS_E_NOT_FOUND);
    json_decref(seen);
    check_remove_dir(dir);
}

int main(void)
{
    test_time();
    test_json();
    test_jq_strings();
    test_files();
    test_misc();
    test_errors();
    test_lmdb();
    return check_summary();
}
