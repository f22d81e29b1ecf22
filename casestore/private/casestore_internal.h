/*  casestore_internal.h — private to libfedsoar_casestore (never installed,
    never included outside casestore/ but by the white-box test and bench
    that must write backdated cases through casestore__case_put:
    tests/unit/test_mttr_by_site.c and bench/mttr.c). */
#ifndef FEDSOAR_CASESTORE_INTERNAL_H
#define FEDSOAR_CASESTORE_INTERNAL_H

#include "casestore.h"
#include "ocsf.h"

#include <pthread.h>

/* What a case contributes to the aggregates (case_aggregates.c): taken
   from the document before a change and compared with it after. */
#define CASESTORE__CASE_SITES 16
typedef struct casestore__case_agg {
    bool present;
    int status; /* index in CASESTORE_CASE_STATUSES, -1 unknown */
    int64_t created, alerts, acknowledged, contained, resolved; /* 0: not yet */
    size_t nsites;
    char sites[CASESTORE__CASE_SITES][64];
} casestore__case_agg_t;

/* Fills a from the case document c (NULL: an absent case). */
void casestore__case_agg_of(const json_t *c, casestore__case_agg_t *a);
/* Moves the aggregates from what `before` contributed to what `after` does. */
int casestore__aggregates_apply(casestore_t *st, casestore_txn_t *txn,
                                const casestore__case_agg_t *before,
                                const casestore__case_agg_t *after, fs_err_t *e);
/* At open: when cases exist but no aggregates (a store an older broker
   made), builds them in one scan (logged). Own transaction. */
int casestore__aggregates_build_if_missing(casestore_t *st, fs_err_t *e);
/* The index of a case's observables ("o" rows): one value of case id. */
int casestore__case_obs_index(casestore_t *st, casestore_txn_t *txn, const char *value,
                              uint64_t case_id, fs_err_t *e);
extern const char *const casestore__statuses[];
#define CASESTORE__NSTATUS 6

/* Writes a case document (c is stamped with "updated" and "audit_seq") and
   moves the aggregates from `before` (the document as read, or an absent
   case) to it, in the same transaction. */
int casestore__case_put(casestore_t *st, casestore_txn_t *txn, json_t *c,
                        const casestore__case_agg_t *before, fs_err_t *e);
/* The same, written at commit (above): *c_p becomes the transaction's
   pending case (cases.c): it takes the caller's reference and sets *c_p to
   NULL, so nobody can change it afterwards. Its `updated` and the
   aggregates are set at once; its `audit_seq` when its row is written. */
int casestore__case_put_release(casestore_t *st, casestore_txn_t *txn, json_t **c_p,
                                const casestore__case_agg_t *before, fs_err_t *e);

/* ---- case rows written at commit (cases.c) -------------------------------
   casestore__case_put_release does not write the case's row: it keeps the
   document as the write transaction's pending case, and the row is written
   once, when the transaction commits. A group commit's alerts that join
   one case rewrote its whole row (tens of KB, 100 alerts and 200
   observables listed) once each: serializing it was a fifth of the
   broker's time at 500 alerts/s (bench/README.md, issue 19). Until the
   commit, the case's reads (casestore_case_view, casestore_case_get)
   answer the pending document, and any other use of the cases table
   writes the pending rows first (store.c: a key's own row before it is
   read or written, every row before a scan), so LMDB never returns a row
   older than what the transaction wrote. An abort forgets them. */
typedef struct {
    uint64_t id;
    json_t *doc; /* owned */
} casestore__pending_case_t;

typedef struct {
    casestore__pending_case_t *v;
    size_t n, cap;
} casestore__pending_cases_t;

/* The pending cases of st's write transaction when txn is it, else NULL
   (store.c). */
casestore__pending_cases_t *casestore__pending_cases(casestore_t *st, casestore_txn_t *txn);
/* Writes the row of pending case *only (NULL: every pending case) and
   forgets it. A failure leaves the transaction to be aborted. */
int casestore__cases_flush(casestore_t *st, casestore_txn_t *txn, const uint64_t *only,
                           fs_err_t *e);
/* Forgets every pending case (their transaction ends without them). */
void casestore__cases_drop(casestore__pending_cases_t *p);
/* Case `case_id` to change and give back to casestore__case_put_release:
   the pending document itself when nothing else holds it (no copy), else
   what casestore_case_get returns. Taken, it is pending no more: a failure
   before the put must abort the transaction, as any failed write must. */
json_t *casestore__case_take(casestore_t *st, casestore_txn_t *txn, uint64_t case_id);

/* The store's buffer for the text of the row being written (store.c),
   emptied; the caller must hold the write transaction and call
   casestore__row_text_done when the row is stored. Used by
   casestore_put_json and audit.c, never both at once. */
fs_text_t *casestore__row_text(casestore_t *st);
void casestore__row_text_done(casestore_t *st);

/* ---- parsed-row caches (row_cache.c) ----------------------------------------
   For a few rows of one table, the parsed document and the bytes it was
   parsed from or written as; a read that finds the same bytes in LMDB
   reuses the document. The documents are shared: never changed once kept.
   Declared with CASESTORE__ROW_CACHE(name, slots) in the file that uses it. */
typedef struct {
    uint64_t id;
    char *bytes;
    size_t len;
    json_t *doc;
} casestore__row_slot_t;

typedef struct {
    casestore__row_slot_t *slots;
    size_t n;
    pthread_mutex_t lock;
} casestore__row_cache_t;

#define CASESTORE__ROW_CACHE(name, nslots)                                                         \
    static casestore__row_slot_t name##_slots[nslots];                                             \
    static casestore__row_cache_t name = {name##_slots, nslots, PTHREAD_MUTEX_INITIALIZER}

/* The kept document of row `id` if it stands for row (new reference), or
   NULL. With `take`, a document nobody else holds leaves the cache and is
   the caller's to change (*taken); otherwise it stays shared. */
json_t *casestore__row_cache_find(casestore__row_cache_t *c, uint64_t id,
                                  const casestore_val_t *row, bool take, bool *taken);
/* Keeps doc (borrowed, from now on never changed) as the document of the
   len bytes at data, row `id`'s. */
void casestore__row_cache_keep(casestore__row_cache_t *c, uint64_t id, const void *data, size_t len,
                               json_t *doc);

#endif
