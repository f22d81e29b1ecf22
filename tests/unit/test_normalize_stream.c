/*  test_normalize_stream.c — the streaming record splitter (framing.c):
    every framing fed in chunks of many sizes gives the same log as the
    whole input (the property the fuzz target fuzz_normalize_stream checks
    on random input), exact record numbers and byte offsets, resuming from
    a position, oversized records, and truncated input. */
#include "../fuzz/normalize_stream_diff.h"
#include "check.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static const char *source_dir(void)
{
    const char *s = getenv("FEDSOAR_SOURCE_DIR");
    return s && *s ? s : FEDSOAR_MAPPINGS_DIR "/../..";
}

static const size_t chunks[] = {1, 2, 3, 5, 7, 16, 64, 4096};

/* chunked == whole for every chunk size, with the default and a tiny limit */
static void same_in_chunks(normalizer_t *nz, const char *src, const char *in, size_t len)
{
    for (int m = 0; m < 2; m++) {
        size_t max = m ? 96 : 0;
        char *whole = diff_run(nz, src, in, len, 0, max, NULL, NULL, 0, 0);
        CHECK(whole != NULL);
        for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
            char *parts = diff_run(nz, src, in, len, chunks[c], max, NULL, NULL, 0, 0);
            if (!parts || strcmp(whole, parts) != 0)
                fprintf(stderr, "%s chunk %zu max %zu:\n--- whole\n%s--- chunked\n%s", src,
                        chunks[c], max, whole, parts ? parts : "(null)");
            CHECK(parts && strcmp(whole, parts) == 0);
            /* and resuming from where a run stopped gives the rest */
            for (size_t stop = 1; stop < len; stop += len / 5 + 1) {
                char pos[96];
                free(diff_run(nz, src, in, len, chunks[c], max, NULL, pos, sizeof pos, stop));
                if (!pos[0])
                    continue; /* inside a skipped span: no position */
                size_t off = strtoull(strchr(pos + 3, ' ') + 1, NULL, 10);
                CHECK(off <= len);
                char *rest =
                    diff_run(nz, src, in + off, len - off, chunks[c], max, pos, NULL, 0, 0);
                if (!rest || !diff_same_tail(whole, rest))
                    fprintf(stderr, "%s resume at %s:\n--- whole\n%s--- resumed\n%s", src, pos,
                            whole, rest ? rest : "(null)");
                CHECK(rest && diff_same_tail(whole, rest));
                free(rest);
            }
            free(parts);
        }
        free(whole);
    }
}

static const struct {
    const char *src, *text;
} cases[] = {
    {"suricata.eve",
     "{\"timestamp\":\"2026-11-20T10:00:00+0000\",\"event_type\":\"flow\",\"flow_id\":1}\n"
     "{\"timestamp\":\"2026-11-20T10:00:01+0000\",\"event_type\":\"flow\",\"flow_id\":2,\"x\":"
     "\"a\\\"}\"}\n"
     "{\"b\":\"trunc\n{\"timestamp\":\"2026-11-20T10:00:02+0000\",\"event_type\":\"flow\",\"flow_"
     "id\":3}\n"
     "garbage here\n  [ {\"timestamp\":\"2026-11-20T10:00:03+0000\",\"event_type\":\"flow\"}, 5 ]\n"
     "\"str\" 12 nul {\"a\":1,\"a\":2} {\"a\":[}\n{\"ok\":{\"nested\":[1,2,{\"c\":\"d\"}]}}"},
    {"crowdstrike.alert",
     "\xEF\xBB\xBF{\"meta\":{\"query_time\":0.1,\"pagination\":{\"offset\":0}},\"resources\":["
     "{\"composite_id\":\"a\",\"name\":\"x\",\"timestamp\":\"2025-01-01T00:00:00Z\"},\n"
     "{\"composite_id\":\"b\",\"name\":\"y\",\"timestamp\":\"2025-01-01T00:00:01Z\"}, [1], \"s\"],"
     "\"errors\":[{\"x\":\"]}\"}]}\n{\"resources\":[{\"composite_id\":\"c\",\"name\":\"z\","
     "\"timestamp\":\"2025-01-01T00:00:02Z\"}]}"},
    {"splunk.notable",
     "{\"sid\":\"1\",\"result\":{\"_time\":\"2025-01-01T00:00:00Z\",\"rule_name\":\"r\","
     "\"src_ip\":\"1.2.3.4\"},\"tail\":[1,{\"q\":\"}\"}]}\n{\"result\":{\"_time\":\"2025-01-01T00:"
     "00:01Z\"}"},
    {"microsoft.graph_alert",
     "{\"@odata.context\":\"x\",\"value\":[]}{\"value\":[{\"id\":\"1\"},{\"id\":\"2\","
     "\"createdDateTime\":\"2025-01-01T00:00:00Z\"}]"},
    {"cef", "CEF:0|Vendor|Product|1.0|100|Port scan|5|src=10.0.0.1 dst=10.0.0.2\r\n\n   \n"
            "<134>Jan  1 00:00:00 host CEF:0|V|P|1|101|n|3|src=1.1.1.1\nnot cef at "
            "all\nCEF:0|V|P|1|102|n3|3|"},
    {"windows.security",
     "<?xml version=\"1.0\"?>\n<Events><Event xmlns=\"x\"><System><EventID>4624</EventID>"
     "<TimeCreated SystemTime=\"2025-01-01T00:00:00.000Z\"/></System><EventData/></Event>\n"
     "<EventData/><Event>\n<System><EventID>4625</EventID></System></Event><Event>cut"},
    {"windows.security",
     "  {\"EventID\":4624,\"TimeCreated\":\"2025-01-01T00:00:00Z\"}\n[{\"EventID\":4625}]"},
    {"email.rfc822",
     "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\nDate: Mon, 1 Jan 2024 00:00:00 "
     "+0000\r\n\r\nbody http://example.com/x\r\n"},
};

/* Exact offsets: an array element's own offset, the record number counts
   every element. */
static void exact_positions(normalizer_t *nz)
{
    const char *in =
        "[\n {\"composite_id\":\"a\",\"name\":\"x\",\"timestamp\":\"2025-01-01T00:00:00Z\"},\n "
        "42,\n"
        " {\"composite_id\":\"b\",\"name\":\"y\",\"timestamp\":\"2025-01-01T00:00:01Z\"}\n]\n";
    char *log = diff_run(nz, "crowdstrike.alert", in, strlen(in), 3, 0, NULL, NULL, 0, 0);
    char want[64];
    snprintf(want, sizeof want, "R 2 @%zu array element", (size_t)(strstr(in, "42") - in));
    CHECK(strstr(log, want) != NULL);
    CHECK(strstr(log, "E 1 ") != NULL && strstr(log, "E 3 ") != NULL);
    CHECK(strstr(log, "= records 3 rejected 1 ") != NULL);
    free(log);
    /* truncated at the end: rejected, flagged; a position before it */
    const char *tr =
        "{\"composite_id\":\"a\",\"name\":\"x\",\"timestamp\":\"2025-01-01T00:00:00Z\"}\n{\"compo";
    log = diff_run(nz, "crowdstrike.alert", tr, strlen(tr), 5, 0, NULL, NULL, 0, 0);
    CHECK(strstr(log, "end of input inside the record") != NULL);
    CHECK(strstr(log, "truncated 1") != NULL);
    free(log);
    /* an oversized record is rejected and skipped; the next one is taken */
    char big[600];
    int n = snprintf(
        big, sizeof big,
        "{\"composite_id\":\"a\",\"name\":\"%0300d\",\"timestamp\":\"2025-01-01T00:00:00Z\"}\n"
        "{\"composite_id\":\"b\",\"name\":\"y\",\"timestamp\":\"2025-01-01T00:00:01Z\"}\n",
        7);
    log = diff_run(nz, "crowdstrike.alert", big, (size_t)n, 7, 128, NULL, NULL, 0, 0);
    CHECK(strstr(log, "R 1 @0 record of more than 128 bytes") != NULL);
    CHECK(strstr(log, "E 2 ") != NULL);
    free(log);
    /* a position of another framing is refused */
    fs_err_t e;
    normalize_opts_t o = {.site = "x"};
    normalize_stream_t *s =
        normalize_stream_new(nz, "cef", &o, "v1 arr 10 2", NULL, NULL, NULL, &e);
    CHECK(s == NULL);
    s = normalize_stream_new(nz, "cef", &o, "v1 lines 10 2", NULL, NULL, NULL, &e);
    CHECK(s != NULL && normalize_stream_offset(s) == 10 && normalize_stream_records(s) == 2);
    normalize_stream_destroy(&s);
    normalize_stream_destroy(&s); /* idempotent */
}

/* Every shipped fixture: byte by byte and in 7-byte chunks == whole. */
static void fixtures(normalizer_t *nz)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/vendors", source_dir());
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *de;
    size_t files = 0;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' || !normalizer_has_source(nz, de->d_name))
            continue;
        char sub[1400];
        snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
        DIR *fd = opendir(sub);
        struct dirent *fe;
        while (fd && (fe = readdir(fd))) {
            if (fe->d_name[0] == '.')
                continue;
            char path[1800];
            snprintf(path, sizeof path, "%s/%s", sub, fe->d_name);
            fs_err_t e;
            size_t len;
            char *buf = fs_file_read(path, 64u << 20, &len, &e);
            if (!buf)
                continue;
            char *whole = diff_run(nz, de->d_name, buf, len, 0, 0, NULL, NULL, 0, 0);
            char *one = diff_run(nz, de->d_name, buf, len, 1, 0, NULL, NULL, 0, 0);
            char *seven = diff_run(nz, de->d_name, buf, len, 7, 0, NULL, NULL, 0, 0);
            if (strcmp(whole, one) != 0 || strcmp(whole, seven) != 0)
                fprintf(stderr, "fixture %s differs in chunks\n", path);
            CHECK(strcmp(whole, one) == 0 && strcmp(whole, seven) == 0);
            free(whole);
            free(one);
            free(seven);
            free(buf);
            files++;
        }
        if (fd)
            closedir(fd);
    }
    if (d)
        closedir(d);
    CHECK(files > 10);
}

int main(void)
{
    fs_err_t e;
    const char *dir = getenv("FEDSOAR_MAPPINGS");
    normalizer_t *nz = normalizer_new(dir && *dir ? dir : FEDSOAR_MAPPINGS_DIR, &e);
    CHECK(nz != NULL);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        same_in_chunks(nz, cases[i].src, cases[i].text, strlen(cases[i].text));
    exact_positions(nz);
    fixtures(nz);
    normalizer_destroy(&nz);
    return check_summary();
}
