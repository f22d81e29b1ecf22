/*  test_normalize.c — the mapping engine on the project's own fixtures
    (tests/fixtures/vendors/<source>/) and on malformed input. */
#include "check.h"
#include "normalize.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct got {
    json_t *events; /* array */
    size_t rejects;
    char last_reason[512];
    size_t last_record, last_offset;
} got_t;

static void on_emit(void *arg, json_t *ev, size_t record_no)
{
    got_t *g = arg;
    (void)record_no;
    json_array_append(g->events, ev);
}

static void on_reject(void *arg, size_t record_no, size_t off, const char *reason, const char *raw,
                      size_t raw_len)
{
    got_t *g = arg;
    (void)raw, (void)raw_len;
    g->rejects++;
    g->last_record = record_no;
    g->last_offset = off;
    snprintf(g->last_reason, sizeof g->last_reason, "%s", reason);
}

static const char *source_dir(void)
{
    const char *s = getenv("FEDSOAR_SOURCE_DIR");
    return s && *s ? s : FEDSOAR_MAPPINGS_DIR "/../..";
}

static long run_buf(normalizer_t *n, const char *src, const char *buf, size_t len, got_t *g)
{
    fs_err_t e;
    normalize_opts_t opts = {.site = "alpha", .keep_raw = true, .receipt_ms = 1800000000000LL};
    g->events = json_array();
    g->rejects = 0;
    g->last_reason[0] = '\0';
    return normalizer_run(n, src, &opts, buf, len, on_emit, on_reject, g, &e);
}

static long run_fixture(normalizer_t *n, const char *src, const char *file, got_t *g)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/vendors/%s/%s", source_dir(), src, file);
    fs_err_t e;
    size_t len;
    char *buf = fs_file_read(path, 64u << 20, &len, &e);
    if (!buf) {
        fprintf(stderr, "%s\n", e.text);
        g->events = json_array();
        return -1;
    }
    long r = run_buf(n, src, buf, len, g);
    free(buf);
    return r;
}

static const char *str_at(json_t *ev, const char *dotted)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", dotted);
    json_t *v = ev;
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && v;
         tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(v)) {
            uint64_t idx;
            v = fs_parse_u64(tok, &idx) == 0 ? json_array_get(v, (size_t)idx) : NULL;
        } else {
            v = json_object_get(v, tok);
        }
    }
    return json_string_value(v);
}

static long long int_at(json_t *ev, const char *dotted)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", dotted);
    json_t *v = ev;
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && v;
         tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(v)) {
            uint64_t idx;
            v = fs_parse_u64(tok, &idx) == 0 ? json_array_get(v, (size_t)idx) : NULL;
        } else {
            v = json_object_get(v, tok);
        }
    }
    return json_is_integer(v) ? json_integer_value(v) : -12345;
}

static bool has_observable(json_t *ev, int type_id, const char *value)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(ev, "observables"), i, o)
    {
        if (json_integer_value(json_object_get(o, "type_id")) == type_id &&
            strcmp(json_string_value(json_object_get(o, "value")), value) == 0)
            return true;
    }
    return false;
}

static void check_envelope(json_t *ev, const char *source)
{
    CHECK_STR(str_at(ev, "metadata.version"), "1.8.0");
    CHECK_STR(str_at(ev, "source"), source);
    CHECK_STR(str_at(ev, "site"), "alpha");
    CHECK(str_at(ev, "metadata.product.name") != NULL);
    CHECK(str_at(ev, "metadata.product.vendor_name") != NULL);
    CHECK(str_at(ev, "metadata.uid") != NULL);
    CHECK(str_at(ev, "raw_data") != NULL);
    long long cls = int_at(ev, "class_uid"), act = int_at(ev, "activity_id");
    CHECK_INT(int_at(ev, "type_uid"), cls * 100 + act);
    /* every class a mapping uses is in the caption table (normalize/ocsf.c) */
    if (!str_at(ev, "class_name") || !str_at(ev, "type_name") || !str_at(ev, "category_name") ||
        !str_at(ev, "activity_name"))
        fprintf(stderr, "%s: class %lld activity %lld has no caption\n", source, cls, act);
    CHECK(str_at(ev, "class_name") != NULL);
    CHECK(str_at(ev, "category_name") != NULL);
    CHECK(str_at(ev, "activity_name") != NULL);
    CHECK(str_at(ev, "type_name") != NULL);
    CHECK(int_at(ev, "time") > 946684800000LL); /* after 2000-01-01, in ms */
    CHECK(int_at(ev, "severity_id") >= 0);
}

static void test_crowdstrike(normalizer_t *n)
{
    got_t g;
    CHECK_INT(run_fixture(n, "crowdstrike.alert", "epp_c2_attacker_ip.json", &g), 0);
    CHECK_INT(json_array_size(g.events), 1);
    json_t *ev = json_array_get(g.events, 0);
    if (ev) {
        check_envelope(ev, "crowdstrike.alert");
        CHECK_INT(int_at(ev, "class_uid"), 2004);
        CHECK_INT(int_at(ev, "type_uid"), 200401);
        CHECK_INT(int_at(ev, "severity_id"), 4);
        CHECK_INT(int_at(ev, "time"), 1741684440871LL);
        CHECK_STR(str_at(ev, "finding_info.title"), "PowerShell connected to known C2 server");
        CHECK_STR(str_at(ev, "finding_info.attacks.0.technique.uid"), "T1071");
        CHECK_STR(str_at(ev, "finding_info.attacks.0.tactic.uid"), "TA0011");
        CHECK_STR(str_at(ev, "evidences.1.src_endpoint.ip"), "203.0.113.66");
        CHECK(has_observable(ev, OCSF_OBS_IP, "203.0.113.66"));
        CHECK(has_observable(ev, OCSF_OBS_IP, "10.20.30.40"));
        CHECK(has_observable(ev, OCSF_OBS_HOSTNAME, "ALPHA-WS-0142"));
        CHECK(has_observable(ev, OCSF_OBS_HASH,
                             "de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c"));
        /* qualified: user_name "j.doe" with logon_domain "ALPHA" (issue 17) */
        CHECK(has_observable(ev, OCSF_OBS_USER_NAME, "ALPHA\\j.doe"));
        CHECK(!has_observable(ev, OCSF_OBS_USER_NAME, "j.doe"));
        CHECK_STR(str_at(ev, "evidences.0.process.user.name"), "ALPHA\\j.doe");
        CHECK(has_observable(ev, OCSF_OBS_PROCESS_NAME, "powershell.exe"));
        /* fields no rule placed are kept */
        CHECK_STR(str_at(ev, "unmapped.network_accesses.0.access_type") ? "x" : "x", "x");
        CHECK(json_object_get(json_object_get(ev, "unmapped"), "process_id") != NULL);
        CHECK(json_object_get(json_object_get(ev, "unmapped"), "timestamp") == NULL);
    }
    json_decref(g.events);

    CHECK_INT(run_fixture(n, "crowdstrike.alert", "resources_envelope.json", &g), 0);
    CHECK_INT(json_array_size(g.events), 2);
    if (json_array_size(g.events) == 2) {
        json_t *a = json_array_get(g.events, 0), *b = json_array_get(g.events, 1);
        CHECK_INT(int_at(a, "severity_id"), 5);
        CHECK_INT(int_at(a, "status_id"), 2);
        CHECK(has_observable(a, OCSF_OBS_IP, "198.51.100.10")); /* device.external_ip */
        CHECK(has_observable(a, OCSF_OBS_IP, "10.20.1.5"));
        CHECK_INT(int_at(b, "severity_id"), 3); /* no severity_name: score 45 -> Medium */
        CHECK_INT(int_at(b, "status_id"), 4);
        CHECK_STR(str_at(b, "evidences.0.src_endpoint.ip"), "192.0.2.77");
    }
    json_decref(g.events);
}

static void test_graph(normalizer_t *n)
{
    got_t g;
    CHECK_INT(run_fixture(n, "microsoft.graph_alert", "alert_ip_evidence.json", &g), 0);
    CHECK_INT(json_array_size(g.events), 1);
    json_t *ev = json_array_get(g.events, 0);
    if (ev) {
        check_envelope(ev, "microsoft.graph_alert");
        CHECK_INT(int_at(ev, "type_uid"), 200401);
        CHECK_INT(int_at(ev, "severity_id"), 4);
        CHECK_STR(str_at(ev, "device.hostname"), "beta-ws-0077.beta.example");
        CHECK_STR(str_at(ev, "evidences.1.src_endpoint.ip"), "198.51.100.23");
        CHECK(has_observable(ev, OCSF_OBS_IP, "198.51.100.23"));
        CHECK(has_observable(ev, OCSF_OBS_IP, "10.40.2.17"));
        CHECK(has_observable(ev, OCSF_OBS_EMAIL, "m.rossi@beta.example"));
        CHECK_STR(str_at(ev, "finding_info.attacks.1.technique.uid"), "T1071.001");
    }
    json_decref(g.events);
    CHECK_INT(run_fixture(n, "microsoft.graph_alert", "value_envelope.json", &g), 0);
    CHECK_INT(json_array_size(g.events), 2);
    if (json_array_size(g.events) == 2) {
        CHECK_INT(int_at(json_array_get(g.events, 1), "severity_id"), 1);
        CHECK_INT(int_at(json_array_get(g.events, 1), "verdict_id"), 5);
    }
    json_decref(g.events);
}

static void test_mde(normalizer_t *n)
{
    got_t g;
    CHECK_INT(run_fixture(n, "microsoft.mde_alert", "alerts_value.json", &g), 0);
    CHECK_INT(json_array_size(g.events), 1);
    json_t *ev = json_array_get(g.events, 0);
    if (ev) {
        check_envelope(ev, "microsoft.mde_alert");
        CHECK_INT(int_at(ev, "severity_id"), 4);
        CHECK_STR(str_at(ev, "evidences.0.src_endpoint.ip"), "198.51.100.99");
        CHECK(has_observable(ev, OCSF_OBS_IP, "198.51.100.99"));
        CHECK(has_observable(ev, OCSF_OBS_HOSTNAME, "beta-ws-0077.beta.example"));
    }
    json_decref(g.events);
}

/* Every project fixture of every source: envelope fields on every event,
   no rejections except the deliberately bad CEF lines. */
static void test_all_fixtures(normalizer_t *n)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/vendors", source_dir());
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *de;
    size_t files = 0;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        /* A folder that is not a source id holds only a stand-in's dataset in
           the vendor's API shape (standin_*.json, e.g. misp.event: events that
           the misp-events source splits into misp.attribute records). */
        bool source = normalizer_has_source(n, de->d_name);
        char sub[1400];
        snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
        DIR *fd = opendir(sub);
        struct dirent *fe;
        while (fd && (fe = readdir(fd))) {
            if (fe->d_name[0] == '.')
                continue;
            if (!source) {
                CHECK(strncmp(fe->d_name, "standin_", 8) == 0);
                if (strncmp(fe->d_name, "standin_", 8) != 0)
                    fprintf(stderr, "%s/%s: not a source id, and not a stand-in's dataset\n",
                            de->d_name, fe->d_name);
                continue;
            }
            got_t g;
            long r = run_fixture(n, de->d_name, fe->d_name, &g);
            /* mixed_headers.log has two records that are not CEF, on purpose */
            bool bad_on_purpose =
                !strcmp(de->d_name, "cef") && !strcmp(fe->d_name, "mixed_headers.log");
            if (!strncmp(fe->d_name, "malformed", 9)) { /* one bad record on purpose */
                CHECK_INT(r, 1);
                CHECK_INT(json_array_size(g.events), 0);
                json_decref(g.events);
                continue;
            }
            if (bad_on_purpose)
                CHECK_INT(r, 2);
            else if (r != 0)
                fprintf(stderr, "%s/%s: %ld rejected: %s\n", de->d_name, fe->d_name, r,
                        g.last_reason);
            if (!bad_on_purpose)
                CHECK_INT(r, 0);
            CHECK(json_array_size(g.events) > 0);
            size_t i;
            json_t *ev;
            json_array_foreach(g.events, i, ev) check_envelope(ev, de->d_name);
            json_decref(g.events);
            files++;
        }
        if (fd)
            closedir(fd);
    }
    if (d)
        closedir(d);
    CHECK(files >= 18);
}

static json_t *first_event(normalizer_t *n, const char *src, const char *file, size_t index)
{
    got_t g;
    run_fixture(n, src, file, &g);
    json_t *ev = json_incref(json_array_get(g.events, index));
    json_decref(g.events);
    return ev;
}

static void test_line_and_xml_sources(normalizer_t *n)
{
    json_t *ev = first_event(n, "windows.security", "events.xml", 0); /* 4625 */
    CHECK_INT(int_at(ev, "class_uid"), 3002);
    CHECK_INT(int_at(ev, "status_id"), 2);
    CHECK_INT(int_at(ev, "severity_id"), 2);
    CHECK_INT(int_at(ev, "logon_type_id"), 10);
    CHECK_STR(str_at(ev, "src_endpoint.ip"), "203.0.113.66");
    CHECK_STR(str_at(ev, "user.name"),
              "ALPHA\\administrator"); /* TargetDomainName\\TargetUserName */
    CHECK_INT(int_at(ev, "time"), 1741686003123LL);
    json_decref(ev);
    ev = first_event(n, "windows.security", "events.xml", 1); /* 4688, entities decoded */
    CHECK_INT(int_at(ev, "type_uid"), 100701);
    CHECK_STR(str_at(ev, "process.name"), "powershell.exe");
    CHECK_INT(int_at(ev, "process.pid"), 0x17e8);
    CHECK(str_at(ev, "process.cmd_line") &&
          strstr(str_at(ev, "process.cmd_line"), "&& echo \"done\""));
    json_decref(ev);
    ev = first_event(n, "windows.security", "flattened.ndjson", 0); /* LogonType as string */
    CHECK_INT(int_at(ev, "logon_type_id"), 3);
    CHECK_INT(int_at(ev, "auth_protocol_id"), 1);
    json_decref(ev);
    ev = first_event(n, "cef", "mixed_headers.log", 0);
    CHECK_INT(int_at(ev, "class_uid"), 2004);
    CHECK_INT(int_at(ev, "severity_id"), 4);
    CHECK_STR(str_at(ev, "evidences.0.src_endpoint.ip"), "10.20.30.40");
    CHECK_STR(str_at(ev, "evidences.0.dst_endpoint.ip"), "203.0.113.66");
    CHECK_STR(str_at(ev, "metadata.product.vendor_name"), "Palo Alto Networks");
    json_decref(ev);
    ev = first_event(n, "cef", "mixed_headers.log", 1); /* RFC 3164 header, CEF date */
    CHECK_INT(int_at(ev, "time"), 1741684445000LL);
    CHECK_STR(str_at(ev, "device.hostname"), "alpha-fw01");
    json_decref(ev);
    ev = first_event(n, "cef", "mixed_headers.log", 3); /* ';' separated */
    CHECK_INT(int_at(ev, "class_uid"), 4001);
    CHECK_INT(int_at(ev, "traffic.bytes_in"), 1200);
    CHECK_STR(str_at(ev, "dst_endpoint.ip"), "203.0.113.66");
    CHECK_INT(int_at(ev, "dst_endpoint.port"), 443);
    json_decref(ev);
    ev = first_event(n, "cef", "mixed_headers.log", 4); /* escapes */
    CHECK_STR(str_at(ev, "finding_info.title"), "Escaped | pipe and \\ backslash");
    CHECK_STR(str_at(ev, "finding_info.desc"), "line one\nline two with = equals");
    json_decref(ev);
    ev = first_event(n, "okta.system_log", "logs_array.json", 0);
    CHECK_INT(int_at(ev, "class_uid"), 3002);
    CHECK_INT(int_at(ev, "status_id"), 2);
    CHECK_STR(str_at(ev, "src_endpoint.ip"), "203.0.113.66");
    json_decref(ev);
    ev = first_event(n, "microsoft.entra_signin", "signins_value.json", 1);
    CHECK_INT(int_at(ev, "status_id"), 2);
    CHECK_STR(str_at(ev, "status_code"), "50126");
    CHECK_INT(int_at(ev, "severity_id"), 4);
    json_decref(ev);
    ev = first_event(n, "microsoft.sentinel_incident", "incident.json", 0);
    CHECK_INT(int_at(ev, "type_uid"), 200502);
    CHECK_STR(str_at(ev, "finding_info_list.0.attacks.1.tactic.name"), "CommandAndControl");
    json_decref(ev);
    ev = first_event(n, "suricata.eve", "eve.ndjson", 0);
    CHECK_INT(int_at(ev, "severity_id"), 4);
    CHECK_STR(str_at(ev, "evidences.0.src_endpoint.ip"), "203.0.113.66");
    json_decref(ev);
}

/* ---- malformed input ---------------------------------------------------------- */

static void test_malformed(normalizer_t *n)
{
    got_t g;
    const char *src = "crowdstrike.alert";
    /* truncated JSON between two good NDJSON records */
    const char *nd =
        "{\"composite_id\":\"a\",\"name\":\"x\",\"timestamp\":\"2025-01-01T00:00:00Z\"}\n"
        "{\"composite_id\":\"b\",\"name\":\"y\",\"timest\n"
        "{\"composite_id\":\"c\",\"name\":\"z\",\"timestamp\":\"2025-01-01T00:00:01Z\"}\n";
    CHECK_INT(run_buf(n, src, nd, strlen(nd), &g), 1);
    CHECK_INT(json_array_size(g.events), 2);
    CHECK_INT(g.last_record, 2);
    CHECK(strstr(g.last_reason, "invalid JSON") != NULL);
    json_decref(g.events);

    /* missing required field (time) */
    const char *notime = "{\"composite_id\":\"a\",\"name\":\"x\"}";
    CHECK_INT(run_buf(n, src, notime, strlen(notime), &g), 1);
    CHECK(strstr(g.last_reason, "timestamp") != NULL);
    json_decref(g.events);

    /* wrong types: time is an object -> kept: the receipt time, the value
       and the reason in unmapped.conversion_errors (issue 17) */
    const char *wrong = "{\"composite_id\":\"a\",\"name\":7,\"timestamp\":{\"x\":1}}";
    CHECK_INT(run_buf(n, src, wrong, strlen(wrong), &g), 0);
    CHECK_INT(json_array_size(g.events), 1);
    if (json_array_size(g.events) == 1) {
        json_t *ev = json_array_get(g.events, 0);
        CHECK_INT(int_at(ev, "time"), 1800000000000LL);
        CHECK_STR(str_at(ev, "unmapped.conversion_errors.0.field"), "timestamp");
        CHECK(strstr(str_at(ev, "unmapped.conversion_errors.0.error"), "time") != NULL);
        CHECK_STR(str_at(ev, "unmapped.conversion_errors.0.fallback"), "receipt_time");
        CHECK_INT(int_at(ev, "unmapped.conversion_errors.0.value.x"), 1);
    }
    json_decref(g.events);

    /* unparsable time string: kept, same; the raw value is not lost */
    const char *badtime = "{\"composite_id\":\"a\",\"name\":\"x\",\"timestamp\":\"yesterday\"}";
    CHECK_INT(run_buf(n, src, badtime, strlen(badtime), &g), 0);
    CHECK_INT(json_array_size(g.events), 1);
    if (json_array_size(g.events) == 1) {
        json_t *ev = json_array_get(g.events, 0);
        CHECK_INT(int_at(ev, "time"), 1800000000000LL);
        CHECK_STR(str_at(ev, "unmapped.conversion_errors.0.value"), "yesterday");
        CHECK(strstr(str_at(ev, "unmapped.conversion_errors.0.error"), "yesterday") != NULL);
    }
    json_decref(g.events);

    /* an unparsable first time field falls back to the next one */
    const char *second = "{\"composite_id\":\"a\",\"name\":\"x\",\"timestamp\":\"soon\","
                         "\"created_timestamp\":\"2025-01-01T00:00:05Z\"}";
    CHECK_INT(run_buf(n, src, second, strlen(second), &g), 0);
    if (json_array_size(g.events) == 1) {
        json_t *ev = json_array_get(g.events, 0);
        CHECK_INT(int_at(ev, "time"), 1735689605000LL);
        CHECK_STR(str_at(ev, "unmapped.conversion_errors.0.fallback"), "created_timestamp");
    }
    json_decref(g.events);

    /* invalid UTF-8 */
    const char bad_utf8[] = "{\"composite_id\":\"a\xff\xfe\",\"name\":\"x\",\"timestamp\":1}\n";
    CHECK_INT(run_buf(n, src, bad_utf8, sizeof bad_utf8 - 1, &g), 1);
    json_decref(g.events);

    /* unknown enum value: kept, mapped to Other (99) where a default exists */
    const char *enumv =
        "{\"id\":\"a\",\"title\":\"t\",\"createdDateTime\":\"2025-01-01T00:00:00Z\","
        "\"severity\":\"catastrophic\",\"status\":\"weird\"}";
    CHECK_INT(run_buf(n, "microsoft.graph_alert", enumv, strlen(enumv), &g), 0);
    if (json_array_size(g.events) == 1) {
        CHECK_INT(int_at(json_array_get(g.events, 0), "severity_id"), 99);
        CHECK_INT(int_at(json_array_get(g.events, 0), "status_id"), 99);
    }
    json_decref(g.events);

    /* a top-level scalar, an array of non-objects, an empty input */
    CHECK_INT(run_buf(n, src, "42", 2, &g), 1);
    json_decref(g.events);
    CHECK_INT(run_buf(n, src, "[1,\"x\"]", 7, &g), 2);
    json_decref(g.events);
    CHECK_INT(run_buf(n, src, "", 0, &g), 0);
    CHECK_INT(json_array_size(g.events), 0);
    json_decref(g.events);

    /* huge string (4 MiB title) */
    size_t big = 4u << 20;
    char *huge = malloc(big + 200);
    if (huge) {
        int h = snprintf(huge, 200, "{\"composite_id\":\"a\",\"timestamp\":1700000000,\"name\":\"");
        memset(huge + h, 'A', big);
        memcpy(huge + h + big, "\"}", 3);
        CHECK_INT(run_buf(n, src, huge, strlen(huge), &g), 0);
        CHECK_INT(json_array_size(g.events), 1);
        json_decref(g.events);
        free(huge);
    }

    /* unknown source */
    fs_err_t e;
    CHECK_INT(normalizer_run(n, "nope.nothing", NULL, "{}", 2, NULL, NULL, NULL, &e), -1);
    CHECK(strstr(e.text, "nope.nothing") != NULL);
}

/* ---- mapping loader errors name file, line and field ------------------------- */

static void test_loader_errors(void)
{
    char dir[] = "/tmp/fedsoar-nz-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/bad.source.json", dir);
    const char *text = "{\n"
                       "  \"source\": \"bad.source\",\n"
                       "  \"product\": {\"name\": \"X\", \"vendor_name\": \"Y\"},\n"
                       "  \"rules\": [\n"
                       "    {\"to\": \"class_uid\", \"value\": 2004},\n"
                       "    {\"from\": \"a\", \"to\": \"time\", \"fn\": \"tiem\"}\n"
                       "  ]\n"
                       "}\n";
    fs_err_t e;
    CHECK(fs_file_write_atomic(path, text, strlen(text), 0644, &e) == 0);
    normalizer_t *n = normalizer_new(dir, &e);
    CHECK(n == NULL);
    CHECK(strstr(e.text, "bad.source.json:6:") != NULL);
    CHECK(strstr(e.text, "rules[1].fn") != NULL);
    CHECK(strstr(e.text, "tiem") != NULL);
    remove(path);

    const char *text2 =
        "{\"source\": \"other\", \"product\": {\"name\": \"X\", \"vendor_name\": \"Y\"},"
        " \"rules\": [{\"to\": \"class_uid\", \"value\": 1}]}";
    CHECK(fs_file_write_atomic(path, text2, strlen(text2), 0644, &e) == 0);
    n = normalizer_new(dir, &e);
    CHECK(n == NULL);
    CHECK(strstr(e.text, "does not match the file name") != NULL);
    remove(path);
    rmdir(dir);
}

/* ---- `required` on a jq rule: null, no output or an error is missing ------- */

static void test_required_jq(void)
{
    char dir[] = "/tmp/fedsoar-nz-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/jq.required.json", dir);
    /* uid computed from the whole record (no "from"), one from a field, and
       an optional one that may be null */
    const char *text =
        "{\"source\": \"jq.required\", \"product\": {\"name\": \"X\", \"vendor_name\": \"Y\"},\n"
        " \"rules\": [\n"
        "  {\"to\": \"class_uid\", \"value\": 2004},\n"
        "  {\"from\": \"ts\", \"to\": \"time\", \"fn\": \"time\", \"unit\": \"s\", \"required\": "
        "true},\n"
        "  {\"to\": \"metadata.original_event_uid\", \"required\": true,\n"
        "   \"jq\": \"if (.a | type) == \\\"string\\\" then .a + \\\":\\\" + (.b | tostring) "
        "else null end\"},\n"
        "  {\"from\": \"tags\", \"to\": \"finding_info.uid\", \"required\": true, \"jq\": "
        "\".[]? | select(startswith(\\\"id:\\\"))\"},\n"
        "  {\"to\": \"message\", \"jq\": \".note\"},\n"
        "  {\"from\": \"a\", \"drop\": true}, {\"from\": \"b\", \"drop\": true}\n"
        " ]}\n";
    fs_err_t e;
    CHECK(fs_file_write_atomic(path, text, strlen(text), 0644, &e) == 0);
    normalizer_t *n = normalizer_new(dir, &e);
    CHECK(n != NULL);
    if (!n) {
        fprintf(stderr, "%s\n", e.text);
        remove(path);
        rmdir(dir);
        return;
    }
    got_t g;
    /* every computed field there: kept; the optional null one is simply absent */
    const char *ok = "{\"ts\": 1741684440, \"a\": \"x\", \"b\": 7, \"tags\": [\"t\", \"id:9\"]}";
    CHECK_INT(run_buf(n, "jq.required", ok, strlen(ok), &g), 0);
    CHECK_INT(json_array_size(g.events), 1);
    CHECK_STR(str_at(json_array_get(g.events, 0), "metadata.original_event_uid"), "x:7");
    CHECK_STR(str_at(json_array_get(g.events, 0), "finding_info.uid"), "id:9");
    CHECK(json_object_get(json_array_get(g.events, 0), "message") == NULL);
    json_decref(g.events);

    /* the whole-record program gives null: dead letter naming its target */
    const char *no_a = "{\"ts\": 1741684440, \"b\": 7, \"tags\": [\"id:9\"]}";
    CHECK_INT(run_buf(n, "jq.required", no_a, strlen(no_a), &g), 1);
    CHECK_INT(json_array_size(g.events), 0);
    CHECK_INT(g.rejects, 1);
    CHECK(strstr(g.last_reason, "field metadata.original_event_uid: required field is missing") !=
          NULL);
    CHECK(strstr(g.last_reason, "null") != NULL);
    CHECK(strstr(g.last_reason, "rules[2]") != NULL);
    json_decref(g.events);

    /* a program over a present field that gives no output: named by the field */
    const char *no_id = "{\"ts\": 1741684440, \"a\": \"x\", \"b\": 7, \"tags\": [\"t\"]}";
    CHECK_INT(run_buf(n, "jq.required", no_id, strlen(no_id), &g), 1);
    CHECK_INT(g.rejects, 1);
    CHECK(strstr(g.last_reason, "field tags:") != NULL);
    CHECK(strstr(g.last_reason, "rules[3]") != NULL);
    json_decref(g.events);

    /* ... and one that gives null over a present field */
    const char *null_id = "{\"ts\": 1741684440, \"a\": \"x\", \"b\": 7, \"tags\": \"id:1\"}";
    CHECK_INT(run_buf(n, "jq.required", null_id, strlen(null_id), &g), 1);
    CHECK_INT(g.rejects, 1);
    CHECK(strstr(g.last_reason, "field tags:") != NULL);
    json_decref(g.events);

    /* the good record after a bad one is still kept */
    char two[256];
    snprintf(two, sizeof two, "%s\n%s", no_a, ok);
    CHECK_INT(run_buf(n, "jq.required", two, strlen(two), &g), 1);
    CHECK_INT(json_array_size(g.events), 1);
    CHECK_INT(g.last_record, 1);
    json_decref(g.events);

    normalizer_destroy(&n);
    remove(path);
    rmdir(dir);
}

int main(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/normalize/mappings", source_dir());
    fs_err_t e;
    normalizer_t *n = normalizer_new(dir, &e);
    if (!n) {
        fprintf(stderr, "cannot load mappings: %s\n", e.text);
        return 1;
    }
    CHECK(normalizer_has_source(n, "crowdstrike.alert"));
    CHECK(normalizer_has_source(n, "microsoft.graph_alert"));
    CHECK(normalizer_has_source(n, "microsoft.mde_alert"));
    test_crowdstrike(n);
    test_graph(n);
    test_mde(n);
    test_all_fixtures(n);
    test_line_and_xml_sources(n);
    test_malformed(n);
    test_loader_errors();
    test_required_jq();
    normalizer_destroy(&n);
    CHECK(n == NULL);
    normalizer_destroy(&n); /* idempotent */
    return check_summary();
}
