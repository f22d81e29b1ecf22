/*  test_config_schema.c — the table-driven config checker (common/config_schema.h,
    issue 11.4 "every config fails closed"): each kind of mismatch names the
    full JSON path and says what was expected and what was found. */
#include "check.h"
#include "common.h"
#include "config_schema.h"

#include <unistd.h>

static const fs_schema_field_t inner_fields[] = {
    FS_FIELD("size_mb", FS_S_INT(1, 1048576)),
    FS_FIELDS_END,
};

static const fs_schema_field_t exec_fields[] = {
    FS_REQUIRED("command", FS_S_ARRAY(FS_S_STRING, 1, 4)),
    FS_FIELDS_END,
};
static const fs_schema_field_t http_fields[] = {
    FS_REQUIRED("url", FS_S_STRING),
    FS_FIELD("token", FS_S_INLINE_SECRET("no inline secret (use token_file)")),
    FS_FIELDS_END,
};
static const fs_schema_t exec_schema = {.type = FS_SCHEMA_OBJECT, .fields = {exec_fields}};
static const fs_schema_t http_schema = {.type = FS_SCHEMA_OBJECT, .fields = {http_fields}};
static const fs_schema_variant_t variants[] = {
    {"exec", &exec_schema}, {"http", &http_schema}, FS_VARIANTS_END};
static const fs_schema_field_t item_fields[] = {
    FS_REQUIRED("name", FS_S_STRING_LEN(1, 8)),
    FS_FIELDS_END,
};
static const fs_schema_t item = {
    .type = FS_SCHEMA_OBJECT, .fields = {item_fields}, .tag = "type", .variants = variants};

static const fs_schema_field_t site_fields[] = {
    FS_FIELD("scopes", FS_S_ARRAY(FS_S_STRING, 0, 0)),
    FS_FIELDS_END,
};

static const fs_schema_field_t top_fields[] = {
    FS_FIELD("listen", &fs_schema_endpoint),
    FS_FIELD("insecure", FS_S_BOOL),
    FS_FIELD("level", &fs_schema_log_level),
    FS_FIELD("ratio", FS_S_NUMBER(0, 1)),
    FS_FIELD("store", FS_S_OBJECT(inner_fields)),
    FS_FIELD("items", FS_S_ARRAY(&item, 0, 3)),
    FS_FIELD("sites", FS_S_MAP(&fs_schema_name, FS_S_OBJECT(site_fields), 2)),
    FS_FIELD("free", FS_S_ANY),
    FS_FIELD("mode", FS_S_ENUM("fast", "safe")),
    FS_FIELDS_END,
};
static const fs_schema_t top = {.type = FS_SCHEMA_OBJECT, .fields = {top_fields}};

/* Checks text against top; returns the message ("" when it passed). */
static const char *run(const char *text)
{
    static fs_err_t e;
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j) {
        fprintf(stderr, "bad test JSON %s: %s\n", text, je.text);
        exit(2);
    }
    e.text[0] = '\0';
    int rc = fs_schema_check(&top, j, "$", &e);
    json_decref(j);
    if (rc == 0 && e.text[0])
        return "(rc 0 with a message)";
    if (rc != 0 && !e.text[0])
        return "(rc -1 without a message)";
    return e.text;
}

static void test_good(void)
{
    CHECK_STR(run("{}"), "");
    CHECK_STR(run("{\"listen\": \"tcp://127.0.0.1:7700\", \"insecure\": false, \"level\": "
                  "\"warn\", \"ratio\": 0.5, "
                  "\"store\": {\"size_mb\": 1024}, \"items\": [{\"name\": \"a\", \"type\": "
                  "\"exec\", \"command\": "
                  "[\"/bin/true\"]}, {\"name\": \"b\", \"type\": \"http\", \"url\": \"/x\"}], "
                  "\"sites\": {\"alpha\": "
                  "{\"scopes\": []}}, \"free\": {\"anything\": [1, \"x\"]}, \"mode\": \"safe\"}"),
              "");
}

static void test_types_and_ranges(void)
{
    CHECK_STR(run("{\"store\": {\"size_mb\": \"lots\"}}"),
              "$.store.size_mb: expected an integer 1..1048576, found string \"lots\"");
    CHECK_STR(run("{\"store\": {\"size_mb\": 0}}"),
              "$.store.size_mb: expected an integer 1..1048576, found integer 0");
    CHECK_STR(run("{\"store\": {\"size_mb\": 1.5}}"),
              "$.store.size_mb: expected an integer 1..1048576, found number 1.5");
    CHECK_STR(run("{\"insecure\": \"yes\"}"),
              "$.insecure: expected a boolean (true or false), found string \"yes\"");
    CHECK_STR(run("{\"listen\": 5}"), "$.listen: expected an endpoint tcp://HOST:PORT, ipc://PATH "
                                      "or inproc://NAME, found integer 5");
    CHECK_STR(run("{\"ratio\": 2}"), "$.ratio: expected a number 0..1, found integer 2");
    CHECK_STR(run("{\"store\": null}"), "$.store: expected an object, found null");
    CHECK_STR(run("{\"items\": [{}, {}, {}, {}]}"),
              "$.items: expected an array of at most 3 items, found an array");
}

static void test_unknown_keys_and_enums(void)
{
    CHECK_STR(run("{\"lisen\": \"tcp://127.0.0.1:1\"}"),
              "$.lisen: unknown key (expected one of: listen, insecure, level, ratio, store, "
              "items, sites, free, mode)");
    CHECK_STR(run("{\"store\": {\"size\": 1}}"),
              "$.store.size: unknown key (expected one of: size_mb)");
    CHECK_STR(run("{\"mode\": \"quick\"}"),
              "$.mode: expected one of: fast, safe, found string \"quick\"");
    CHECK_STR(run("{\"level\": \"verbose\"}"), "$.level: expected a log level (one of: debug, "
                                               "info, warn, error), found string \"verbose\"");
}

static void test_arrays_maps_variants(void)
{
    CHECK_STR(run("{\"items\": [{\"name\": \"a\", \"type\": \"exec\", \"command\": [\"/x\"]}, "
                  "{\"name\": \"b\", "
                  "\"type\": \"exec\", \"command\": [1]}]}"),
              "$.items[1].command[0]: expected a non-empty string, found integer 1");
    CHECK_STR(run("{\"items\": [{\"name\": \"a\", \"type\": \"ftp\"}]}"),
              "$.items[0].type: expected a type (one of: exec, http), found string \"ftp\"");
    CHECK_STR(run("{\"items\": [{\"name\": \"a\"}]}"),
              "$.items[0].type: expected a type (one of: exec, http), found nothing (the key is "
              "required)");
    CHECK_STR(
        run("{\"items\": [{\"name\": \"a\", \"type\": \"exec\"}]}"),
        "$.items[0].command: expected an array of 1..4 items, found nothing (the key is required)");
    /* a variant's keys are its own: exec has no "url" */
    CHECK_STR(run("{\"items\": [{\"name\": \"a\", \"type\": \"exec\", \"command\": [\"/x\"], "
                  "\"url\": \"/\"}]}"),
              "$.items[0].url: unknown key (expected one of: type, name, command)");
    CHECK_STR(run("{\"sites\": {\"alpha\": {\"scopes\": [\"x\", 2]}}}"),
              "$.sites.alpha.scopes[1]: expected a non-empty string, found integer 2");
    CHECK_STR(run("{\"sites\": {\"Bad Name\": {}}}"),
              "$.sites[\"Bad Name\"]: expected a name (1..64 of a-z, 0-9, '_', '-') as the key, "
              "found key \"Bad Name\"");
    CHECK_STR(run("{\"sites\": {\"a\": {}, \"b\": {}, \"c\": {}}}"),
              "$.sites: expected an object {NAME: …} of at most 2 entries, found an object");
}

static void test_secret_never_shown(void)
{
    const char *m = run("{\"items\": [{\"name\": \"a\", \"type\": \"http\", \"url\": \"/\", "
                        "\"token\": \"hunter2\"}]}");
    CHECK(strstr(m, "$.items[0].token: expected no inline secret (use token_file)") == m);
    CHECK(strstr(m, "hunter2") == NULL);
}

static void test_endpoints(void)
{
    static const char *const good[] = {
        "tcp://127.0.0.1:7700", "tcp://*:7700",      "tcp://broker.example:1", "tcp://[::1]:7700",
        "tcp://127.0.0.1:*",    "ipc:///tmp/x.sock", "inproc://broker",        NULL};
    static const char *const bad[] = {"bogus",
                                      "",
                                      "tcp://127.0.0.1",
                                      "tcp://:7700",
                                      "tcp://h:0",
                                      "tcp://h:65536",
                                      "tcp://h:07700",
                                      "tcp://h:77x",
                                      "ipc://",
                                      "inproc://",
                                      "udp://h:1",
                                      "tcp://a b:1",
                                      NULL};
    for (size_t i = 0; good[i]; i++)
        CHECK(fs_schema_endpoint_ok(good[i]));
    for (size_t i = 0; bad[i]; i++)
        if (fs_schema_endpoint_ok(bad[i])) {
            fprintf(stderr, "accepted bad endpoint %s\n", bad[i]);
            CHECK(0);
        }
    CHECK(!fs_schema_endpoint_ok(NULL));
}

static void test_paths(void)
{
    char buf[128];
    CHECK_STR(fs_schema_path_key(buf, sizeof buf, "$", "listen"), "$.listen");
    CHECK_STR(fs_schema_path_key(buf, sizeof buf, "$.a", "b-c_1"), "$.a.b-c_1");
    CHECK_STR(fs_schema_path_key(buf, sizeof buf, "$", "a \"b\""), "$[\"a \\\"b\\\"\"]");
    CHECK_STR(fs_schema_path_key(buf, sizeof buf, "$", ""), "$[\"\"]");
    CHECK(fs_schema_field(&top, "store") != NULL && fs_schema_field(&top, "nope") == NULL);
}

static void test_config_size_limit(void)
{
    char path[] = "/tmp/fedsoar-config-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"x\": \"", f);
    for (size_t i = 0; i < FS_CONFIG_MAX_BYTES; i++)
        fputc('a', f);
    fputs("\"}", f);
    fclose(f);
    fs_err_t e = {0};
    json_t *j = fs_config_load(path, &e);
    CHECK(j == NULL);
    CHECK(strstr(e.text, "larger than the 1048576-byte limit") != NULL);
    json_decref(j);
    f = fopen(path, "w");
    fputs("{\"listen\": \"tcp://127.0.0.1:1\"}", f);
    fclose(f);
    CHECK((j = fs_config_load(path, &e)) != NULL);
    json_decref(j);
    unlink(path);
}

int main(void)
{
    test_good();
    test_types_and_ranges();
    test_unknown_keys_and_enums();
    test_arrays_maps_variants();
    test_secret_never_shown();
    test_endpoints();
    test_paths();
    test_config_size_limit();
    return check_summary();
}
