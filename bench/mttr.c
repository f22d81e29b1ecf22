/*  bench/mttr — MTTR parity at scale (issue 15 clause 4): the by-site
    metrics (casestore_case_metrics_by_site, what `fedsoarctl metrics
    --by-site` and GET /api/v1/metrics/by-site answer) on a store of CASES
    cases at SITES sites created over the last SPAN days, p50/p99 over
    MTTR_ROUNDS rounds for 7d and 90d windows (by day and by week), each
    round a read transaction, the query and the JSON text the answer
    carries. Beside them, measured in the same run on the same store: the
    raw limits, a bare LMDB read of one aggregate record (read transaction,
    one mdb_get, abort) and a bare cursor walk over the same day rows the
    90d query reads (no decoding, no JSON).

      mttr [CASES [SITES [SPAN]]]    defaults 1000000 10 120

    The store is filled once and kept in bench-cache/mttr-CASES-SITES-SPAN
    (delete it to refill). Then the same query as a user asks it:
    fedsoarctl metrics --by-site against the real broker on that store,
    beside fedsoarctl stats, a trivial command, the same way
    (mttr_control.c). The cases are written through casestore__case_put
    (private/casestore_internal.h), the one writer of case documents and
    aggregates, each with its creation and acknowledge/contain/resolve
    stamps set in the past (the public API stamps the wall clock): the
    aggregate rows are the ones the broker keeps, tests/unit/
    test_mttr_by_site.c shows the same rows come from step-by-step changes. */
#include "casestore.h"
#include "casestore_internal.h"
#include "bench.h"
#include "mttr_control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DAY_MS 86400000LL
#define MTTR_TXN 20000
#define MTTR_ROUNDS 1000
#define MTTR_MAP_MB 32768

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int fill(casestore_t *st, uint64_t n, unsigned nsites, unsigned span)
{
    fs_err_t e = {0};
    int64_t today = fs_now_ms() / DAY_MS;
    double t0 = now_s();
    uint64_t done = 0;
    while (done < n) {
        casestore_txn_t *txn = NULL;
        if (casestore_begin(st, true, &txn, &e) != 0)
            break;
        for (unsigned i = 0; i < MTTR_TXN && done < n; i++, done++) {
            uint64_t k = done + 1;
            unsigned s = (unsigned)(k % nsites);
            char site[16];
            snprintf(site, sizeof site, "site%u", s);
            /* A case a day in the last SPAN days, at a time of day; each
               site its own pace (site0 fastest), with spread. */
            int64_t created = (today - (int64_t)((k / nsites) % span)) * DAY_MS +
                              (int64_t)((k * 7919) % 86400) * 1000;
            /* one case in ten never acknowledged, one more never resolved */
            uint64_t open_draw = ((k * 2654435761u) >> 16) % 10;
            int64_t pace = 1 + s, jitter = (int64_t)((k * 104729) % 600);
            json_t *c =
                json_pack("{s:I, s:s, s:[s], s:I, s:i}", "id", (json_int_t)k, "status", "new",
                          "sites", site, "created", (json_int_t)created, "alert_count", 1);
            int64_t now = fs_now_ms();
            int64_t ack = created + (60 + jitter) * pace * 1000;
            int64_t contain = ack + (600 + 3 * jitter) * pace * 1000;
            int64_t resolve = contain + (3600 + 20 * jitter) * pace * 1000;
            const char *status = "new";
            if (ack <= now && open_draw != 0) {
                json_object_set_new(c, "acknowledged", json_integer(ack));
                status = "analysis";
                if (contain <= now) {
                    json_object_set_new(c, "contained", json_integer(contain));
                    status = "containment";
                    if (resolve <= now && open_draw != 1) {
                        json_object_set_new(c, "resolved", json_integer(resolve));
                        status = "closed";
                    }
                }
            }
            json_object_set_new(c, "status", json_string(status));
            int rc = casestore__case_put(st, txn, c, NULL, &e);
            json_decref(c);
            if (rc != 0) {
                fprintf(stderr, "mttr: %s\n", e.text);
                casestore_abort(&txn);
                return 1;
            }
        }
        if (casestore_commit(&txn, &e) != 0) {
            fprintf(stderr, "mttr: %s\n", e.text);
            return 1;
        }
        fprintf(stderr, "\rmttr: %llu cases", (unsigned long long)done);
    }
    double secs = now_s() - t0;
    printf("\nfilled %llu cases at %u sites over %u days in %.1f s (%.0f cases/s)\n",
           (unsigned long long)done, nsites, span, secs, (double)done / (secs > 0 ? secs : 1));
    return done == n ? 0 : 1;
}

/* ---- what is timed ------------------------------------------------------------------ */

typedef struct {
    const char *what;
    int window, bucket; /* by-site query */
    int raw;            /* 1: one record read, 2: cursor walk of the 90d rows */
} probe_t;

struct walk {
    int64_t last_day;
    size_t rows;
};

static int walk_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)val;
    struct walk *w = arg;
    const unsigned char *k = key->data;
    if (key->len < 5 || k[0] != 'd')
        return 1;
    int64_t day = ((int64_t)k[1] << 24) | ((int64_t)k[2] << 16) | ((int64_t)k[3] << 8) | k[4];
    if (day > w->last_day)
        return 1;
    w->rows++;
    return 0;
}

static size_t run_probe(casestore_t *st, const probe_t *p, int64_t now, size_t *bytes)
{
    casestore_txn_t *txn = NULL;
    fs_err_t e = {0};
    if (casestore_begin(st, false, &txn, &e) != 0)
        return 0;
    size_t rows = 0;
    int64_t today = now / DAY_MS;
    if (p->raw == 1) {
        unsigned char key[16] = {'d', (unsigned char)(today >> 24), (unsigned char)(today >> 16),
                                 (unsigned char)(today >> 8), (unsigned char)today};
        memcpy(key + 5, "site3", 5);
        casestore_val_t v;
        rows = casestore_get(st, txn, CASESTORE_DB_AGGREGATES, key, 10, &v, NULL) == 0;
        *bytes = rows ? v.len : 0;
    } else if (p->raw == 2) {
        int64_t first = today - 90 + 1;
        unsigned char from[5] = {'d', (unsigned char)(first >> 24), (unsigned char)(first >> 16),
                                 (unsigned char)(first >> 8), (unsigned char)first};
        struct walk w = {today, 0};
        casestore_foreach_at(st, txn, CASESTORE_DB_AGGREGATES, from, 5, false, walk_one, &w);
        rows = w.rows;
        *bytes = 0;
    } else {
        json_t *r = casestore_case_metrics_by_site(st, txn, now, p->window, p->bucket);
        char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;
        *bytes = text ? strlen(text) : 0;
        rows = json_array_size(json_object_get(r, "sites"));
        free(text);
        json_decref(r);
    }
    casestore_abort(&txn);
    return rows;
}

static void time_probe(casestore_t *st, const probe_t *p)
{
    double *us = fs_xcalloc(MTTR_ROUNDS, sizeof *us);
    size_t bytes = 0, rows = 0;
    for (int i = 0; i < MTTR_ROUNDS; i++) {
        int64_t now = fs_now_ms();
        double t = now_us();
        rows = run_probe(st, p, now, &bytes);
        us[i] = now_us() - t;
    }
    bench_sort(us, MTTR_ROUNDS);
    printf("%-52s p50 %9.4f ms  p99 %9.4f ms  (%zu %s, %zu bytes)\n", p->what,
           us[MTTR_ROUNDS / 2] / 1000.0, us[MTTR_ROUNDS * 99 / 100] / 1000.0, rows,
           p->raw == 2 ? "rows"
           : p->raw    ? "record"
                       : "sites",
           bytes);
    free(us);
}

int main(int argc, char **argv)
{
    fs_log_set_level(FS_LOG_WARN);
    uint64_t n = 1000000, sites = 10, span = 120;
    if (argc > 4 || (argc > 1 && (fs_parse_u64(argv[1], &n) != 0 || n == 0)) ||
        (argc > 2 && (fs_parse_u64(argv[2], &sites) != 0 || sites == 0 || sites > 1000)) ||
        (argc > 3 && (fs_parse_u64(argv[3], &span) != 0 || span == 0 || span > 3000))) {
        fprintf(stderr, "usage: mttr [CASES [SITES [SPAN_DAYS]]]\n");
        return 2;
    }
    char dir[512], store[600];
    snprintf(dir, sizeof dir, "%s/mttr-%llu-%llu-%llu", FEDSOAR_BENCH_CACHE, (unsigned long long)n,
             (unsigned long long)sites, (unsigned long long)span);
    snprintf(store, sizeof store, "%s/state", dir);
    struct stat sb;
    bool fresh = stat(store, &sb) != 0;
    fs_err_t e = {0};
    casestore_t *st = casestore_open(store, MTTR_MAP_MB, &e);
    if (!st) {
        fprintf(stderr, "mttr: %s\n", e.text);
        return 1;
    }
    if (fresh && fill(st, n, (unsigned)sites, (unsigned)span) != 0) {
        casestore_close(&st);
        return 1;
    }
    casestore_txn_t *txn = NULL;
    casestore_begin(st, false, &txn, &e);
    size_t ncases = casestore_count(st, txn, CASESTORE_DB_CASES);
    casestore_abort(&txn);
    double load[1] = {0};
    getloadavg(load, 1);
    printf("bench/mttr: %zu cases, %llu sites, created over %llu days, in %s; %d rounds each; "
           "load average %.2f\n",
           ncases, (unsigned long long)sites, (unsigned long long)span, dir, MTTR_ROUNDS, load[0]);
    static const probe_t probes[] = {
        {"raw: one aggregate record (txn, mdb_get, abort)", 0, 0, 1},
        {"raw: cursor walk of the 90d day rows (no decoding)", 0, 0, 2},
        {"metrics --by-site, window 7d, per day", 7, 1, 0},
        {"metrics --by-site, window 7d, per week", 7, 7, 0},
        {"metrics --by-site, window 90d, per day", 90, 1, 0},
        {"metrics --by-site, window 90d, per week", 90, 7, 0},
    };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
        time_probe(st, &probes[i]);
    casestore_close(&st);
    return mttr_control_round_trips(dir, store) == 0 ? 0 : 1;
}
