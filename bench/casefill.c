/*  bench/casefill — fills a broker store with cases, fast, for the
    benchmarks that need a big one (bench/http: "with 1,000,000 cases
    stored"), and times the reads people wait for on it.

      casefill DIR N [SITES]   adds N cases to the store in DIR (created if
                               needed), SITES sites (default 4) in turn,
                               through the casestore API (correlation,
                               timeline, audit chain, aggregates, as the
                               broker writes them) in transactions of
                               CASEFILL_TXN cases; a third of the cases are
                               moved on (analysis, containment, closed).
      casefill --time DIR      times, over CASEFILL_ROUNDS rounds each, the
                               first page of the case list (50 rows, and 50
                               with a status filter), a case by id with its
                               timeline, a timeline page, the counts by
                               status and the response metrics; prints
                               p50/p99 in ms.

    Stop the broker first: a store has one writer. */
#include "casestore.h"
#include "ocsf.h"
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CASEFILL_TXN 10000
#define CASEFILL_ROUNDS 1000
#define CASEFILL_MAP_MB 32768

static const char *const moves[] = {"analysis", "containment", "closed"};

static int fill(const char *dir, uint64_t n, unsigned nsites)
{
    fs_err_t e = {0};
    casestore_t *st = casestore_open(dir, CASEFILL_MAP_MB, &e);
    if (!st) {
        fprintf(stderr, "casefill: %s\n", e.text);
        return 1;
    }
    double t0 = now_s();
    uint64_t done = 0;
    while (done < n) {
        casestore_txn_t *txn = NULL;
        if (casestore_begin(st, true, &txn, &e) != 0)
            break;
        uint64_t base = casestore_counter(st, txn, "case_id");
        for (unsigned i = 0; i < CASEFILL_TXN && done < n; i++, done++) {
            uint64_t k = base + i + 1;
            char site[16], host[48], title[96];
            snprintf(site, sizeof site, "site%u", (unsigned)(k % nsites));
            snprintf(host, sizeof host, "ws-%llu.corp.example", (unsigned long long)k);
            snprintf(title, sizeof title, "%s on %s", k % 2 ? "Phishing link clicked" : "Malware",
                     host);
            json_t *ev = json_pack(
                "{s:i, s:s, s:s, s:i, s:I, s:{s:s}, s:[{s:i, s:s, s:s}, {s:i, s:s, s:s}]}",
                "class_uid", OCSF_CLASS_DETECTION_FINDING, "site", site, "source", "casefill",
                "severity_id", (int)(k % 7), "time", (json_int_t)fs_now_ms(), "finding_info",
                "title", title, "observables", "type_id", OCSF_OBSERVABLE_HOSTNAME, "name",
                "device.hostname", "value", host, "type_id", OCSF_OBSERVABLE_USER_NAME, "name",
                "actor.user.name", "value", k % 5 ? "j.doe" : "a.admin");
            bool created;
            /* window -1: every alert opens its own case (no correlation) */
            uint64_t id = casestore_case_attach_alert(st, txn, ev, k, -1, &created, &e);
            json_decref(ev);
            if (id && k % 3 == 0) {
                json_t *f = json_pack("{s:s}", "status", moves[(k / 3) % 3]);
                if (casestore_case_update(st, txn, id, f, "casefill", &e) != 0)
                    id = 0;
                json_decref(f);
            }
            if (!id) {
                fprintf(stderr, "casefill: %s\n", e.text);
                casestore_abort(&txn);
                casestore_close(&st);
                return 1;
            }
        }
        if (casestore_commit(&txn, &e) != 0) {
            fprintf(stderr, "casefill: %s\n", e.text);
            casestore_close(&st);
            return 1;
        }
        fprintf(stderr, "\rcasefill: %llu cases", (unsigned long long)done);
    }
    double s = now_s() - t0;
    printf("\ncasefill: %llu cases in %.1f s (%.0f cases/s) in %s\n", (unsigned long long)done, s,
           (double)done / (s > 0 ? s : 1), dir);
    casestore_close(&st);
    return done == n ? 0 : 1;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

typedef json_t *(read_fn)(casestore_t *st, casestore_txn_t *txn, uint64_t ncases);

static json_t *first_page(casestore_t *st, casestore_txn_t *txn, uint64_t ncases)
{
    (void)ncases;
    casestore_case_filter_t f = {.limit = 50};
    json_t *page = casestore_case_list(st, txn, &f);
    json_object_set_new(page, "counts", casestore_case_status_counts(st, txn, NULL));
    return page;
}

static json_t *first_page_closed(casestore_t *st, casestore_txn_t *txn, uint64_t ncases)
{
    (void)ncases;
    casestore_case_filter_t f = {.limit = 50, .status = "closed"};
    return casestore_case_list(st, txn, &f);
}

static json_t *case_by_id(casestore_t *st, casestore_txn_t *txn, uint64_t ncases)
{
    uint64_t id = 1 + (uint64_t)rand() % ncases;
    json_t *c = casestore_case_get(st, txn, id);
    if (c)
        json_object_set_new(c, "timeline", casestore_timeline(st, txn, id, 10000));
    return c;
}

static json_t *timeline_page(casestore_t *st, casestore_txn_t *txn, uint64_t ncases)
{
    return casestore_timeline_page(st, txn, 1 + (uint64_t)rand() % ncases, 0, 50);
}

static json_t *metrics_30d(casestore_t *st, casestore_txn_t *txn, uint64_t ncases)
{
    (void)ncases;
    return casestore_case_metrics(st, txn, 30);
}

static json_t *metrics_all(casestore_t *st, casestore_txn_t *txn, uint64_t ncases)
{
    (void)ncases;
    return casestore_case_metrics(st, txn, 0);
}

/* Each round: a read transaction, the read, the JSON text an answer would
   carry (json_dumps), as the broker's control path does. */
static void time_one(casestore_t *st, const char *what, read_fn *fn, uint64_t ncases)
{
    double *us = fs_xcalloc(CASEFILL_ROUNDS, sizeof *us);
    size_t bytes = 0;
    for (int i = 0; i < CASEFILL_ROUNDS; i++) {
        double t = now_us();
        casestore_txn_t *txn = NULL;
        fs_err_t e = {0};
        if (casestore_begin(st, false, &txn, &e) != 0)
            break;
        json_t *r = fn(st, txn, ncases);
        char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;
        bytes = text ? strlen(text) : 0;
        free(text);
        json_decref(r);
        casestore_abort(&txn);
        us[i] = now_us() - t;
    }
    bench_sort(us, CASEFILL_ROUNDS);
    printf("%-36s p50 %8.3f ms  p99 %8.3f ms  (%zu bytes)\n", what,
           us[CASEFILL_ROUNDS / 2] / 1000.0, us[CASEFILL_ROUNDS * 99 / 100] / 1000.0, bytes);
    free(us);
}

static int timing(const char *dir)
{
    fs_err_t e = {0};
    casestore_t *st = casestore_open(dir, CASEFILL_MAP_MB, &e);
    if (!st) {
        fprintf(stderr, "casefill: %s\n", e.text);
        return 1;
    }
    casestore_txn_t *txn = NULL;
    casestore_begin(st, false, &txn, &e);
    uint64_t n = casestore_counter(st, txn, "case_id");
    casestore_abort(&txn);
    printf("casefill --time: %llu cases in %s, %d rounds each\n", (unsigned long long)n, dir,
           CASEFILL_ROUNDS);
    if (n == 0)
        return 1;
    srand(13);
    time_one(st, "case list, first page (50) + counts", first_page, n);
    time_one(st, "case list, status=closed, first page", first_page_closed, n);
    time_one(st, "case by id, with its timeline", case_by_id, n);
    time_one(st, "case timeline, first page (50)", timeline_page, n);
    time_one(st, "metrics, window 30d", metrics_30d, n);
    time_one(st, "metrics, all", metrics_all, n);
    casestore_close(&st);
    return 0;
}

int main(int argc, char **argv)
{
    fs_log_set_level(FS_LOG_WARN);
    if (argc == 3 && strcmp(argv[1], "--time") == 0)
        return timing(argv[2]);
    uint64_t n = 0, sites = 4;
    if (argc < 3 || argc > 4 || fs_parse_u64(argv[2], &n) != 0 || n == 0 ||
        (argc == 4 && (fs_parse_u64(argv[3], &sites) != 0 || sites == 0 || sites > 1000))) {
        fprintf(stderr, "usage: casefill DIR N [SITES]   |   casefill --time DIR\n");
        return 2;
    }
    return fill(argv[1], n, (unsigned)sites);
}
