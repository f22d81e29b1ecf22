/*  bench/normalize.c — events/s per core for each JSON source, next to the
    raw limit: jansson parsing and dumping the very same bytes.

      build/bench/bench_normalize [--mappings DIR] [--fixtures DIR] [--shared DIR] [--mb N]
                                  [--rounds N] [--only SOURCE] [--phase all|raw|ours]
                                  [--dumper ocsf|jansson]

    For each source the sample file is repeated until the input holds about
    N MiB (default 8), then, single-threaded, best of 3 runs:
      raw  = json_loadb (one value at a time) + json_dumps of each value;
      ours = normalizer_run (framing, mapping, observables, unmapped) +
             ocsf_dump of each OCSF event into a reused buffer (what the
             adapter's outbox does before storing it; --dumper jansson:
             json_dumps instead, as before ocsf_dump existed).
    It prints MiB/s and events/s for both and ours/raw (target >= 80 %).
    Then, to show where the difference goes: parse-only time, parse+map time
    (no output dump) and their ratio, the time json_dumps needs for the
    finished OCSF events alone ("dump"), the best ratio any mapping engine
    could reach with that output ("ceil" = raw / (parse + dump): mapping in
    zero time), and output bytes / input bytes (the OCSF event carries typed
    objects, observables and captions, so dumping it costs more than dumping
    the input).  "jdump" is json_dumps of the same events, for comparison.

    For instruction counts (stable on a noisy machine), run one phase of one
    source under callgrind, e.g.
      valgrind --tool=callgrind --toggle-collect=phase_raw \
        build/bench/bench_normalize --only crowdstrike.alert --mb 1 --rounds 1 --phase raw
    and the same with --toggle-collect=phase_ours --phase ours. */
#include "normalize.h"
#include "bench.h"

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
    {"microsoft.entra_audit", "shared",
     "microsoft_entra_id/tenzir-library/directory-audits.ndjson"},
    {"okta.system_log", "shared", "okta_systemlog/tenzir-library/system-log.ndjson"},
    {"splunk.notable", "shared", "splunk_es_notable/test_notable_event.json"},
    {"sentinelone.threat", "shared", "sentinelone_singularity/get_threats_2_1_raw_response.json"},
    {"suricata.eve", "shared", "suricata_eve/tenzir-library/alert.json"},
};

static bool use_jansson; /* --dumper jansson */

typedef struct sink {
    size_t events, bytes;
    ocsf_buf_t out;
} sink_t;

static void on_emit(void *arg, json_t *ev, size_t record_no)
{
    sink_t *s = arg;
    (void)record_no;
    if (use_jansson) {
        char *out = json_dumps(ev, JSON_COMPACT);
        if (out) {
            s->bytes += strlen(out);
            free(out);
        }
    } else {
        fs_err_t e;
        s->out.len = 0;
        if (ocsf_dump(ev, &s->out, &e) == 0)
            s->bytes += s->out.len;
    }
    s->events++;
}

static void on_keep(void *arg, json_t *ev, size_t record_no)
{
    (void)record_no;
    json_array_append((json_t *)arg, ev);
}

/* Dumps events already built: the serialisation share of "ours"
   (jansson: json_dumps instead of ocsf_dump). */
static double dump_all(json_t *events, bool jansson)
{
    double t0 = now_s();
    size_t i;
    json_t *ev;
    ocsf_buf_t out;
    ocsf_buf_init(&out, 0);
    json_array_foreach(events, i, ev)
    {
        if (jansson) {
            char *text = json_dumps(ev, JSON_COMPACT);
            free(text);
        } else {
            fs_err_t e;
            out.len = 0;
            ocsf_dump(ev, &out, &e);
        }
    }
    ocsf_buf_release(&out);
    return now_s() - t0;
}

static void on_count(void *arg, json_t *ev, size_t record_no)
{
    (void)ev, (void)record_no;
    ((sink_t *)arg)->events++;
}

static void on_reject(void *arg, size_t record_no, size_t off, const char *reason, const char *raw,
                      size_t raw_len)
{
    (void)arg, (void)record_no, (void)off, (void)raw, (void)raw_len;
    fprintf(stderr, "bench: rejected: %s\n", reason);
}

/* Parses every top-level value and dumps it (dump=false: parse only). */
static size_t raw_pass(const char *buf, size_t len, bool dump)
{
    size_t pos = 0, values = 0;
    while (pos < len) {
        while (pos < len &&
               (buf[pos] == ' ' || buf[pos] == '\n' || buf[pos] == '\r' || buf[pos] == '\t'))
            pos++;
        if (pos >= len)
            break;
        json_error_t je;
        json_t *v =
            json_loadb(buf + pos, len - pos, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &je);
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

/* The two measured phases, as functions of their own so that callgrind's
   --toggle-collect can count each alone. */
__attribute__((noinline, noclone)) static size_t phase_raw(const char *buf, size_t len)
{
    return raw_pass(buf, len, true);
}

__attribute__((noinline, noclone)) static void phase_ours(normalizer_t *n, const char *source,
                                                          const normalize_opts_t *opts,
                                                          const char *buf, size_t len, sink_t *sink)
{
    fs_err_t e;
    normalizer_run(n, source, opts, buf, len, on_emit, on_reject, sink, &e);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_normalize [--mappings DIR] [--fixtures DIR] [--shared DIR] [--mb N]\n"
               "                       [--rounds N] [--only SOURCE] [--phase all|raw|ours]\n"
               "                       [--dumper ocsf|jansson]\n"
               "  --mb N       input size per source in MiB (default 8)\n"
               "  --rounds N   best of N rounds (default 3)\n"
               "  --only ID    one source (also $BENCH_NORMALIZE_ONLY)\n"
               "  --phase P    raw or ours: run only that phase, once per round, and print\n"
               "               nothing else (for valgrind --tool=callgrind\n"
               "               --toggle-collect=phase_raw or phase_ours)\n"
               "  --dumper D   how ours serializes events: ocsf (ocsf_dump, default) or\n"
               "               jansson (json_dumps)\n");
}

int main(int argc, char **argv)
{
    const char *mappings = getenv("FEDSOAR_MAPPINGS");
    const char *shared = getenv("FEDSOAR_SHARED");
    const char *fixtures = NULL;
    size_t mb = 8, rounds = 3;
    const char *only = getenv("BENCH_NORMALIZE_ONLY"); /* one source id, for profiling */
    const char *phase = "all";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        }
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--only"))
            only = argv[i + 1];
        else if (!strcmp(argv[i], "--phase"))
            phase = argv[i + 1];
        else if (!strcmp(argv[i], "--dumper"))
            use_jansson = !strcmp(argv[i + 1], "jansson");
        else if (!strcmp(argv[i], "--rounds")) {
            uint64_t v;
            if (fs_parse_u64(argv[i + 1], &v) == 0 && v > 0 && v < 1000)
                rounds = (size_t)v;
        } else if (!strcmp(argv[i], "--mappings"))
            mappings = argv[i + 1];
        else if (!strcmp(argv[i], "--fixtures"))
            fixtures = argv[i + 1];
        else if (!strcmp(argv[i], "--shared"))
            shared = argv[i + 1];
        else if (!strcmp(argv[i], "--mb")) {
            uint64_t v;
            if (fs_parse_u64(argv[i + 1], &v) == 0 && v > 0 && v < 1024)
                mb = (size_t)v;
        } else {
            fprintf(stderr, "bench: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    bool only_raw = !strcmp(phase, "raw"), only_ours = !strcmp(phase, "ours");
    if (!only_raw && !only_ours && strcmp(phase, "all") != 0) {
        fprintf(stderr, "bench: --phase is all, raw or ours\n");
        return 2;
    }
    if (!mappings)
        mappings = FEDSOAR_MAPPINGS_DIR;
    char fixdir[1024], shdir[1024];
    snprintf(fixdir, sizeof fixdir, "%s",
             fixtures ? fixtures : FEDSOAR_MAPPINGS_DIR "/../../tests/fixtures/vendors");
    snprintf(shdir, sizeof shdir, "%s", shared ? shared : FEDSOAR_MAPPINGS_DIR "/../../../shared");
    fs_err_t e;
    normalizer_t *n = normalizer_new(mappings, &e);
    if (!n) {
        fprintf(stderr, "bench: %s\n", e.text);
        return 2;
    }
    if (!only_raw && !only_ours)
        printf("%-30s %7s %9s %9s %9s %9s %6s | %7s %7s %6s %7s %6s %7s %7s\n", "source", "events",
               "raw MiB/s", "raw ev/s", "ours MiB/s", "ours ev/s", "ratio", "parse", "+map",
               "ratio", "dump", "ceil", "out/in", "jdump");
    double sum_ratio = 0, sum_ceil = 0;
    int counted = 0;
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
        double best_raw = 1e9, best_ours = 1e9, best_parse = 1e9, best_map = 1e9, best_dump = 1e9,
               best_jdump = 1e9;
        size_t events = 0, out_bytes = 0;
        normalize_opts_t opts = {.site = "bench", .keep_raw = false};
        if (only_raw || only_ours) {
            for (size_t round = 0; round < rounds; round++) {
                sink_t sink = {0};
                ocsf_buf_init(&sink.out, 0);
                if (only_raw)
                    phase_raw(buf, len);
                else
                    phase_ours(n, samples[s].source, &opts, buf, len, &sink);
                ocsf_buf_release(&sink.out);
            }
            free(buf);
            continue;
        }
        for (size_t round = 0; round < rounds; round++) {
            double t0 = now_s();
            phase_raw(buf, len);
            double t1 = now_s();
            sink_t sink = {0};
            ocsf_buf_init(&sink.out, 0);
            phase_ours(n, samples[s].source, &opts, buf, len, &sink);
            double t2 = now_s();
            ocsf_buf_release(&sink.out);
            events = sink.events;
            out_bytes = sink.bytes;
            raw_pass(buf, len, false);
            double t3 = now_s();
            sink_t count = {0};
            normalizer_run(n, samples[s].source, &opts, buf, len, on_count, on_reject, &count, &e);
            double t4 = now_s();
            json_t *kept = json_array();
            normalizer_run(n, samples[s].source, &opts, buf, len, on_keep, on_reject, kept, &e);
            double td = dump_all(kept, use_jansson);
            double tj = dump_all(kept, true);
            json_decref(kept);
            if (td < best_dump)
                best_dump = td;
            if (tj < best_jdump)
                best_jdump = tj;
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
               "%5.0f%% %6.2f %5.0fms\n",
               samples[s].source, events, mib / best_raw, (double)events / best_raw,
               mib / best_ours, (double)events / best_ours, ratio * 100.0, best_parse * 1e3,
               best_map * 1e3, 100.0 * best_parse / best_map, best_dump * 1e3,
               100.0 * best_raw / (best_parse + best_dump), (double)out_bytes / (double)len,
               best_jdump * 1e3);
        sum_ceil += best_raw / (best_parse + best_dump);
        sum_ratio += ratio;
        counted++;
        free(buf);
    }
    if (counted)
        printf("mean ratio ours/raw: %.0f%% over %d sources (target >= 80%%); mean ceiling with "
               "this output and %s: %.0f%%\n",
               100.0 * sum_ratio / counted, counted, use_jansson ? "json_dumps" : "ocsf_dump",
               100.0 * sum_ceil / counted);
    normalizer_destroy(&n);
    return 0;
}
