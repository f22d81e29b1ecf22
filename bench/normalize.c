/*  bench/normalize.c — events/s per core for each JSON source, next to the
    raw limit: jansson parsing and dumping the very same bytes.

      build/bench/bench_normalize [--mappings DIR] [--fixtures DIR] [--shared DIR] [--mb N]

    For each source the sample file is repeated until the input holds about
    N MiB (default 8), then, single-threaded, best of 3 runs:
      raw  = json_loadb (one value at a time) + json_dumps of each value;
      ours = normalizer_run (framing, mapping, observables, unmapped) +
             json_dumps of each OCSF event (what an adapter does before
             storing it).
    It prints MiB/s and events/s for both and ours/raw (target >= 80 %).
    Then, to show where the difference goes: parse-only time, parse+map time
    (no output dump) and their ratio, the time json_dumps needs for the
    finished OCSF events alone ("dump"), the best ratio any mapping engine
    could reach with that output ("ceil" = raw / (parse + dump): mapping in
    zero time), and output bytes / input bytes (the OCSF event carries typed
    objects, observables and captions, so dumping it costs more than dumping
    the input). */
#include "normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct sample {
    const char *source;
    const char *where; /* "repo" (tests/fixtures/vendors) or "shared" */
    const char *file;
} sample_t;

static const sample_t samples[] = {
    {"crowdstrike.alert", "repo", "crowdstrike.alert/epp_c2_attacker_ip.json"},
    {"crowdstrike.detection_summary", "shared",
     "crowdstrike_falcon/detection_summary_event_streaming_sample.json"},
    {"microsoft.graph_alert", "repo", "microsoft.graph_alert/alert_ip_evidence.json"},
    {"microsoft.mde_alert", "repo", "microsoft.mde_alert/alerts_value.json"},
    {"microsoft.sentinel_incident", "repo", "microsoft.sentinel_incident/incident.json"},
    {"microsoft.entra_signin", "repo", "microsoft.entra_signin/signins_value.json"},
    {"microsoft.entra_audit", "shared", "microsoft_entra_id/tenzir-library/directory-audits.ndjson"},
    {"okta.system_log", "shared", "okta_systemlog/tenzir-library/system-log.ndjson"},
    {"splunk.notable", "shared", "splunk_es_notable/test_notable_event.json"},
    {"sentinelone.threat", "shared", "sentinelone_singularity/get_threats_2_1_raw_response.json"},
    {"suricata.eve", "shared", "suricata_eve/tenzir-library/alert.json"},
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct sink {
    size_t events, bytes;
} sink_t;

static void on_emit(void *arg, json_t *ev, size_t record_no)
{
    sink_t *s = arg;
    (void)record_no;
    char *out = json_dumps(ev, JSON_COMPACT);
    if (out) {
        s->bytes += strlen(out);
        free(out);
    }
    s->events++;
}

static void on_keep(void *arg, json_t *ev, size_t record_no)
{
    (void)record_no;
    json_array_append((json_t *)arg, ev);
}

/* Dumps events already built: the serialisation share of "ours". */
static double dump_all(json_t *events)
{
    double t0 = now_s();
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        char *out = json_dumps(ev, JSON_COMPACT);
        free(out);
    }
    return now_s() - t0;
}

static void on_count(void *arg, json_t *ev, size_t record_no)
{
    (void)ev, (void)record_no;
    ((sink_t *)arg)->events++;
}

static void on_reject(void *arg, size_t record_no, size_t off, const char *reason,
                      const char *raw, size_t raw_len)
{
    (void)arg, (void)record_no, (void)off, (void)raw, (void)raw_len;
    fprintf(stderr, "bench: rejected: %s\n", reason);
}

/* Parses every top-level value and dumps it (dump=false: parse only). */
static size_t raw_pass(const char *buf, size_t len, bool dump)
{
    size_t pos = 0, values = 0;
    while (pos < len) {
        while (pos < len && (buf[pos] == ' ' || buf[pos] == '\n' || buf[pos] == '\r' ||
                             buf[pos] == '\t'))
            pos++;
        if (pos >= len)
            break;
        json_error_t je;
        json_t *v = json_loadb(buf + pos, len - pos,
                               JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &je);
        if (!v)
            break;
        if (dump) {
            char *out = json_dumps(v, JSON_COMPACT);
            free(out);
        }
        json_decref(v);
        values++;
        pos += je.position > 0 ? (size_t)je.position : len - pos;
    }
    return values;
}

int main(int argc, char **argv)
{
    const char *mappings = getenv("FEDSOAR_MAPPINGS");
    const char *shared = getenv("FEDSOAR_SHARED");
    const char *fixtures = NULL;
    size_t mb = 8;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--mappings"))
            mappings = argv[i + 1];
        else if (!strcmp(argv[i], "--fixtures"))
            fixtures = argv[i + 1];
        else if (!strcmp(argv[i], "--shared"))
            shared = argv[i + 1];
        else if (!strcmp(argv[i], "--mb")) {
            uint64_t v;
            if (fs_parse_u64(argv[i + 1], &v) == 0 && v > 0 && v < 1024)
                mb = (size_t)v;
        }
    }
    if (!mappings)
        mappings = FEDSOAR_MAPPINGS_DIR;
    char fixdir[1024], shdir[1024];
    snprintf(fixdir, sizeof fixdir, "%s", fixtures ? fixtures : FEDSOAR_MAPPINGS_DIR "/../../tests/fixtures/vendors");
    snprintf(shdir, sizeof shdir, "%s", shared ? shared : FEDSOAR_MAPPINGS_DIR "/../../../shared");
    fs_err_t e;
    normalizer_t *n = normalizer_new(mappings, &e);
    if (!n) {
        fprintf(stderr, "bench: %s\n", e.text);
        return 2;
    }
    printf("%-30s %7s %9s %9s %9s %9s %6s | %7s %7s %6s %7s %6s %7s\n", "source", "events",
           "raw MiB/s", "raw ev/s", "ours MiB/s", "ours ev/s", "ratio", "parse", "+map", "ratio",
           "dump", "ceil", "out/in");
    double sum_ratio = 0, sum_ceil = 0;
    int counted = 0;
    const char *only = getenv("BENCH_NORMALIZE_ONLY"); /* one source id, for profiling */
    for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++) {
        if (only && strcmp(only, samples[s].source) != 0)
            continue;
        char path[2048];
        if (!strcmp(samples[s].where, "repo"))
            snprintf(path, sizeof path, "%s/%s", fixdir, samples[s].file);
        else
            snprintf(path, sizeof path, "%s/fixtures/vendors/%s", shdir, samples[s].file);
        size_t flen;
        char *one = fs_file_read(path, 16u << 20, &flen, &e);
        if (!one) {
            printf("%-30s (skipped: %s)\n", samples[s].source, e.text);
            continue;
        }
        size_t target = mb << 20, reps = target / (flen + 1) + 1, len = 0;
        char *buf = malloc(reps * (flen + 1) + 1);
        if (!buf) {
            free(one);
            break;
        }
        for (size_t r = 0; r < reps; r++) {
            memcpy(buf + len, one, flen);
            len += flen;
            buf[len++] = '\n';
        }
        free(one);
        double best_raw = 1e9, best_ours = 1e9, best_parse = 1e9, best_map = 1e9, best_dump = 1e9;
        size_t events = 0, out_bytes = 0;
        normalize_opts_t opts = {.site = "bench", .keep_raw = false};
        for (int round = 0; round < 3; round++) {
            double t0 = now_s();
            raw_pass(buf, len, true);
            double t1 = now_s();
            sink_t sink = {0};
            normalizer_run(n, samples[s].source, &opts, buf, len, on_emit, on_reject, &sink, &e);
            double t2 = now_s();
            events = sink.events;
            out_bytes = sink.bytes;
            raw_pass(buf, len, false);
            double t3 = now_s();
            sink_t count = {0};
            normalizer_run(n, samples[s].source, &opts, buf, len, on_count, on_reject, &count, &e);
            double t4 = now_s();
            json_t *kept = json_array();
            normalizer_run(n, samples[s].source, &opts, buf, len, on_keep, on_reject, kept, &e);
            double td = dump_all(kept);
            json_decref(kept);
            if (td < best_dump)
                best_dump = td;
            if (t3 - t2 < best_parse)
                best_parse = t3 - t2;
            if (t4 - t3 < best_map)
                best_map = t4 - t3;
            if (t1 - t0 < best_raw)
                best_raw = t1 - t0;
            if (t2 - t1 < best_ours)
                best_ours = t2 - t1;
        }
        double mib = (double)len / (1024.0 * 1024.0);
        double ratio = best_raw / best_ours;
        printf("%-30s %7zu %9.1f %9.0f %9.1f %9.0f %5.0f%% | %5.0fms %5.0fms %5.0f%% %5.0fms "
               "%5.0f%% %6.2f\n",
               samples[s].source, events, mib / best_raw, (double)events / best_raw,
               mib / best_ours, (double)events / best_ours, ratio * 100.0, best_parse * 1e3,
               best_map * 1e3, 100.0 * best_parse / best_map, best_dump * 1e3,
               100.0 * best_raw / (best_parse + best_dump), (double)out_bytes / (double)len);
        sum_ceil += best_raw / (best_parse + best_dump);
        sum_ratio += ratio;
        counted++;
        free(buf);
    }
    if (counted)
        printf("mean ratio ours/raw: %.0f%% over %d sources (target >= 80%%); mean ceiling with "
               "this output and json_dumps: %.0f%%\n",
               100.0 * sum_ratio / counted, counted, 100.0 * sum_ceil / counted);
    normalizer_destroy(&n);
    return 0;
}
