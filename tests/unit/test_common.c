/*  test_common.c — time parsing/formatting, strict JSON, files, hashing. */
#include "check.h"
#include "common.h"

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
    fs_err_t e = {{0}};
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

static void test_files(void)
{
    char dir[] = "/tmp/fedsoar-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    fs_err_t e = {{0}};
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
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
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

int main(void)
{
    test_time();
    test_json();
    test_files();
    test_misc();
    return check_summary();
}
