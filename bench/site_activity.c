/*  site_activity.c — what the per-site activity aggregates (issue 15.2/15.3,
    casestore/site_activity.c) add to the broker's ingest, per event, on one
    core, beside its raw limit in the same run:

      raw: the admission check's byte scan (fs_json_pick of site, source,
           metadata.uid), which every stored event already costs
      tally: casestore_activity_note for each event (the source admission
             picked, the class, and one parse per source per batch for the
             lag) + casestore_activity_flush into an open LMDB write
             transaction, per batch of BATCH events

    The transaction is aborted: its commit (and fsync) is the ingest's own,
    which this code only adds a few rows to. bench/ingest measures the whole
    path end to end (events of the same shape: 1.5 KB, one source).

    Usage: bench/site_activity [EVENTS [BATCH [SOURCES]]] (100000 500 1) */
#include "bench.h"
#include "casestore_activity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_SIZE 1500

static char *make_event(size_t i, size_t sources)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "{\"class_uid\":%d,\"severity_id\":1,\"time\":%lld,\"site\":\"alpha\","
                     "\"source\":\"source.%03zu\",\"metadata\":{\"uid\":\"%zx\"},"
                     "\"unmapped\":{\"pad\":\"",
                     i % 7 ? 4001 : 2004, (long long)fs_now_ms() - 2000, i % sources, i);
    char *ev = fs_xmalloc(EVENT_SIZE + 1);
    memcpy(ev, head, (size_t)n);
    memset(ev + n, 'x', EVENT_SIZE - (size_t)n - 3);
    memcpy(ev + EVENT_SIZE - 3, "\"}}", 4);
    return ev;
}

int main(int argc, char **argv)
{
    size_t events = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    size_t batch = argc > 2 ? strtoul(argv[2], NULL, 10) : 500;
    size_t sources = argc > 3 ? strtoul(argv[3], NULL, 10) : 1;
    if (!events || !batch || !sources || sources > 999) {
        fprintf(stderr, "usage: site_activity [EVENTS [BATCH [SOURCES 1..999]]]\n");
        return 2;
    }
    char **ev = fs_xcalloc(events, sizeof *ev);
    for (size_t i = 0; i < events; i++)
        ev[i] = make_event(i, sources);

    /* The admission check's scan (site, source, metadata.uid): the ingest
       pays it anyway, and the tally takes its "source" from it. */
    fs_json_pick_t(*picks)[3] = fs_xcalloc(events, sizeof *picks);
    double t0 = now_s();
    size_t found = 0;
    for (size_t i = 0; i < events; i++) {
        picks[i][0].path = "site", picks[i][1].path = "source", picks[i][2].path = "metadata.uid";
        found += fs_json_pick(ev[i], EVENT_SIZE, picks[i], 3) == 0 &&
                 picks[i][1].found == FS_PICK_STRING;
    }
    double raw = (double)events / (now_s() - t0);

    char dir[] = "/tmp/fedsoar-bench-activity-XXXXXX";
    fs_err_t e = {0};
    casestore_t *st = mkdtemp(dir) ? casestore_open(dir, 1024, &e) : NULL;
    if (!st) {
        fprintf(stderr, "site_activity: %s\n", e.text[0] ? e.text : "no temporary directory");
        return 1;
    }
    int rc = 0;
    t0 = now_s();
    for (size_t i = 0; i < events && rc == 0; i += batch) {
        casestore_txn_t *txn;
        rc = casestore_begin(st, true, &txn, &e);
        casestore_activity_t *a = casestore_activity_new("alpha", fs_now_ms());
        for (size_t k = i; k < i + batch && k < events; k++)
            casestore_activity_note(a, picks[k][1].at, picks[k][1].len, ev[k], EVENT_SIZE,
                                    k % 7 ? 4001 : 2004);
        if (rc == 0)
            rc = casestore_activity_flush(st, txn, a, &e);
        casestore_activity_destroy(&a);
        casestore_abort(&txn);
    }
    double tally = (double)events / (now_s() - t0);
    printf("fedsoar bench/site_activity: %zu events of %d bytes, %zu per batch, %zu source(s)\n",
           events, EVENT_SIZE, batch, sources);
    printf("raw: the admission scan (fs_json_pick site, source, uid), one core: %10.0f events/s "
           "(%zu found)\n",
           raw, found);
    printf("site activity: note + flush into the batch's txn, one core: %10.0f events/s\n", tally);
    printf("  = %.2f us per event added to ingest (bench/ingest: the whole path)\n", 1e6 / tally);
    casestore_close(&st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "site_activity: could not remove %s\n", dir);
    for (size_t i = 0; i < events; i++)
        free(ev[i]);
    free(ev);
    free(picks);
    return rc == 0 ? 0 : 1;
}
