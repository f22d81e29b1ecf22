/*  casestore_activity.h — what each site produced, kept as its events are
    stored (casestore/site_activity.c, docs/mna-gap.md): per site and UTC
    day, per source the event count, first/last arrival and a lag
    histogram (event "time" to the broker); per OCSF class and per ATT&CK
    technique a count. Part of libfedsoar_casestore's face (casestore.h is
    the rest).

    Ownership: a casestore_activity_t is its creator's
    (casestore_activity_destroy(&a), idempotent); json_t * arguments are
    borrowed; returned json_t * are the caller's. */
#ifndef FEDSOAR_CASESTORE_ACTIVITY_H
#define FEDSOAR_CASESTORE_ACTIVITY_H

#include "casestore.h"

/* Lag buckets: <= 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200,
   21600, 86400 s, and above. */
#define CASESTORE_ACTIVITY_LAG_BUCKETS 15

/* One EVENTS batch's tally for one site, timed at now_ms (arrival). */
typedef struct casestore_activity casestore_activity_t;
casestore_activity_t *casestore_activity_new(const char *site, int64_t now_ms);
void casestore_activity_destroy(casestore_activity_t **self_p);
/* One stored event: its "source" as the caller already picked it (raw
   span of source_len bytes, escapes not decoded; NULL: none), its bytes as
   received and its class_uid. Counts the source and the class; the first
   event of each source in the batch is parsed for its "time" (the lag
   sample). */
void casestore_activity_note(casestore_activity_t *a, const char *source, size_t source_len,
                             const void *data, size_t len, json_int_t class_uid);
/* The same for an event the caller has parsed (borrowed; the broker parses
   findings anyway): its "time" is read from it, nothing is parsed again. */
void casestore_activity_note_event(casestore_activity_t *a, const char *source, size_t source_len,
                                   const json_t *event, json_int_t class_uid);
/* A finding the caller has parsed (borrowed): counts the ATT&CK techniques
   of finding_info.attacks[] and attacks[] (technique.uid). */
void casestore_activity_note_finding(casestore_activity_t *a, const json_t *event);
/* Writes the tally into the caller's write transaction (a few rows per
   source, class and technique) and empties it. 0, or -1 with e set. */
int casestore_activity_flush(casestore_t *st, casestore_txn_t *txn, casestore_activity_t *a,
                             fs_err_t *e);

/* A site's activity over the last window_days UTC days (today counts as
   one; 0: all days kept): {"sources": {SOURCE: {"events" (in the window),
   "events_total", "first_ms", "last_ms" (all time), "lag_samples",
   "lag_p50_s", "lag_p95_s" (the upper bound of the bucket holding the
   quantile, 86401 for "more than a day"; null without samples)}}, "classes": {"CLASS_UID": n},
   "techniques": {"T1003": n}}. Reads only the site's rows. Caller owns. */
json_t *casestore_site_activity(casestore_t *st, casestore_txn_t *txn, const char *site,
                                int window_days, int64_t now_ms);

/* When the broker last stored an event of (site, source): epoch ms, 0 for
   never. One point read. */
int64_t casestore_site_source_last(casestore_t *st, casestore_txn_t *txn, const char *site,
                                   const char *source);

#endif
