/*  casestore.h — the broker's durable state as a library: one LMDB
    environment with named tables, cases and the correlation of alerts into
    them, each case's timeline, and the hash-chained audit log
    (docs/internals/casestore.md).  This header is the library's whole face.

    Users: the broker daemon (read-write, one writer thread) and
    `fedsoarctl audit verify --state-dir` (read-only, beside or without a
    running broker).  LMDB's types stay inside: a transaction is an opaque
    casestore_txn_t, a stored value a casestore_val_t.

    Ownership: a casestore_t belongs to whoever opened it
    (casestore_close(&st)).  A transaction belongs to whoever began it and
    ends with casestore_commit(&txn) or casestore_abort(&txn), both of which
    null the pointer (abort is idempotent, so `abort` after a commit is the
    cleanup idiom).  Returned json_t * are the caller's (json_decref), json_t
    * arguments are borrowed unless a note says otherwise.  casestore_val_t
    data point into the map and are valid until the transaction ends.

    Errors: 0 success, -1 failure with fs_err_t filled (store name + what to
    do); lookups return 1 for "absent".  Durability rule (STYLE.md §5):
    nothing is acknowledged before casestore_commit() has returned 0. */
#ifndef FEDSOAR_CASESTORE_H
#define FEDSOAR_CASESTORE_H

#include "common.h"

/* ==== errors ================================================================
   e->code after a casestore function failed (common.h: one range per
   library); decide on the code, never on the text. */
typedef enum casestore_errc {
    CASESTORE_E_STORAGE = FS_ERR_BASE_CASESTORE + 1, /* LMDB refused (I/O, corruption, ...) */
    CASESTORE_E_FULL,      /* the map is full: raise store.map_size_mb; nothing was written */
    CASESTORE_E_NOT_FOUND, /* no such store directory / record */
    CASESTORE_E_INVALID,   /* a value breaks a documented rule (a case status, a field) */
    CASESTORE_E_CHAIN,     /* the audit chain cannot be extended (hash, signature) */
    CASESTORE_E_LAST_
} casestore_errc_t;

/* A short constant name for a casestore code ("full", ...), common codes
   by fs_strerror, "unknown" otherwise. Static string. */
const char *casestore_strerror(int code);

/* ==== the store: one LMDB environment, named tables ======================= */

typedef enum {
    CASESTORE_DB_EVENTS,     /* u64 BE event id -> OCSF event JSON bytes as received */
    CASESTORE_DB_SEQ,        /* "site\0epoch" -> u64 BE last stored sequence number */
    CASESTORE_DB_COUNTERS,   /* name -> u64 BE */
    CASESTORE_DB_CASES,      /* u64 BE case id -> case JSON */
    CASESTORE_DB_OBS,        /* "type_id:value" -> {"case":id,"time":ms} (correlation index) */
    CASESTORE_DB_RUNS,       /* u64 BE run id -> run JSON */
    CASESTORE_DB_COMMANDS,   /* command_id -> command journal JSON */
    CASESTORE_DB_PENDING,    /* "site\0command_id" -> "C"|"R": awaiting a final answer */
    CASESTORE_DB_SITES,      /* site -> site record JSON (reported state, counters) */
    CASESTORE_DB_META,       /* name -> value (instance id, audit head, fan-outs) */
    CASESTORE_DB_TIMERS,     /* at_ms BE + run_id BE + path -> "" : run wake-ups */
    CASESTORE_DB_APPROVALS,  /* u64 BE approval id -> approval JSON */
    CASESTORE_DB_REQUESTS,   /* request_id -> enrich/action request journal JSON */
    CASESTORE_DB_PLAYBOOKS,  /* version (sha256 hex) -> playbook document, for runs in flight */
    CASESTORE_DB_TIMELINE,   /* case_id BE + entry id BE -> timeline entry JSON (append-only) */
    CASESTORE_DB_AUDIT,      /* u64 BE seq -> audit entry, canonical JSON, hash-chained */
    CASESTORE_DB_GOVERNANCE, /* "version:HASH" / "site:NAME" -> playbook governance records */
    CASESTORE_DB_DEDUP,      /* bucket BE + site\0source\0uid -> "" : records already stored */
    CASESTORE_DB_HTTP, /* "session:SHA256HEX" / "token:NAME" / "tokenhash:SHA256HEX" -> sign-in
                          records (broker/http_auth.c); never a secret in clear */
    CASESTORE_DB_AGGREGATES, /* derived from the cases, kept in the same txn
                                (casestore/case_aggregates.c): "t" site -> totals,
                                "d" day BE32 site -> one day's, "o" value\0 id BE -> "" */
    CASESTORE_DB_IDENTITIES, /* the identity crosswalk: person <-> (site, account) links
                                (casestore_identities.h) */
    CASESTORE_DB_COUNT
} casestore_db_t;

typedef struct casestore casestore_t;
/* An LMDB transaction, opaque. */
typedef struct casestore_txn casestore_txn_t;
/* A key or value read from the store: points into the map, valid until the
   transaction ends (copy what must outlive it). */
typedef struct {
    const void *data;
    size_t len;
} casestore_val_t;

/* Opens (creating) the store in dir. map_mb bounds its size (0: 1024); a
   full map fails writes with a clear error, never corrupts. Every commit is
   synced. Caller owns. */
casestore_t *casestore_open(const char *dir, size_t map_mb, fs_err_t *e);
/* Opens an existing store read-only; tables an older broker never made
   stay absent (casestore_has). Caller owns. */
casestore_t *casestore_open_readonly(const char *dir, fs_err_t *e);
/* Closes and nulls *self_p; idempotent. No transaction may be open. */
void casestore_close(casestore_t **self_p);
/* Whether a table exists (always true for casestore_open). */
bool casestore_has(const casestore_t *self, casestore_db_t db);
/* The broker's Ed25519 key that signs audit checkpoints, loaded once by
   the caller (federation's keys_signer_load: the file is not read again).
   The store takes ownership and destroys the key it held before (a key
   reload); NULL = none: checkpoints are not written. */
struct keys_signer;
void casestore_set_signer(casestore_t *self, struct keys_signer *signer);
const struct keys_signer *casestore_signer(const casestore_t *self);
/* Sign an audit checkpoint at least every n entries (0: the default,
   CASESTORE_AUDIT_CHECKPOINT_EVERY). */
void casestore_set_checkpoint_every(casestore_t *self, uint64_t n);
uint64_t casestore_checkpoint_every(const casestore_t *self);
/* A short random id made when the store was created: prefixes command ids
   so they stay unique if a broker is ever rebuilt from scratch (borrowed). */
const char *casestore_instance(const casestore_t *self);

/* ---- storage health (docs/operations.md "When the disk fills") ----------
   Every write commit is watched: a failure is classified, counted per
   cause, logged (event=store_commit_failed, rate-limited, naming the cause
   and the state directory) and the store is "failing" until a write commit
   succeeds again (event=store_recovered).  A full map (MDB_MAP_FULL) also
   arms a growth: the next casestore_begin(write) doubles the map, up to the
   ceiling (casestore_set_map_max), before it begins. */
typedef enum {
    CASESTORE_CAUSE_DISK_FULL, /* ENOSPC/EDQUOT, or a short write (EIO) on a full filesystem */
    CASESTORE_CAUSE_MAP_FULL,  /* MDB_MAP_FULL: the map reached its size */
    CASESTORE_CAUSE_IO,        /* EIO with space left: the device failed */
    CASESTORE_CAUSE_OTHER,     /* anything else LMDB refused */
    CASESTORE_CAUSE_COUNT
} casestore_cause_t;
/* The upper bounds (ms) of the commit-time histogram (casestore_health). */
#define CASESTORE_COMMIT_BUCKETS 10
extern const double CASESTORE_COMMIT_BOUNDS_MS[CASESTORE_COMMIT_BUCKETS];

typedef struct casestore_health {
    bool failing;            /* the last write commit failed */
    casestore_cause_t cause; /* of the last failure */
    char last_error[256];    /* its message ("" when none since the start) */
    int64_t since_ms;        /* wall-clock ms of the first failure of this spell (0: ok) */
    int64_t recovered_ms;    /* wall-clock ms of the last recovery (0: never) */
    int64_t last_outage_ms;  /* how long the last spell lasted */
    uint64_t failures[CASESTORE_CAUSE_COUNT]; /* failed write commits since the start */
    size_t map_mb, map_max_mb;                /* the map's size now, and its ceiling */
    uint64_t map_grown;                       /* growths since the start */
    /* How long write commits took since the start (pages written and
       flushed: mostly the disk): a histogram over CASESTORE_COMMIT_BOUNDS_MS,
       each bucket counting commits in (bound i-1, bound i], and the rest. */
    uint64_t commits, commit_bucket[CASESTORE_COMMIT_BUCKETS], commit_sum_us, commit_max_us;
} casestore_health_t;
/* "disk_full", "map_full", "io_error", "other". */
const char *casestore_cause_name(casestore_cause_t cause);
void casestore_health(casestore_t *self, casestore_health_t *out);
/* The ceiling of map growth in MiB (0: CASESTORE_MAP_MAX_MB_DEFAULT; never
   below the size the map has). */
#define CASESTORE_MAP_MAX_MB_DEFAULT 65536u
void casestore_set_map_max(casestore_t *self, size_t max_mb);
/* Grows the map now if a full map asked for it (no transaction may be
   open). 1 grown, 0 nothing to do (not asked, or at the ceiling), -1 (e). */
int casestore_grow_if_full(casestore_t *self, fs_err_t *e);

/* ---- backup (docs/operations.md "Backup and standby") -------------------
   An online, consistent, compacted copy of the whole store into dir (LMDB's
   mdb_env_copy2 with MDB_CP_COMPACT: one read transaction, so the copy is
   the store as of one commit; free pages are left out). dir is created
   (0700) when absent and must be empty: a copy never overwrites. Writers
   go on in other processes meanwhile; in this one the copy runs on the
   caller's thread (the broker's one writer), so nothing is written and the
   map cannot grow until it returns.
   On success *bytes is the copy's data.mdb size. 0 or -1 with e set. */
int casestore_backup(casestore_t *self, const char *dir, uint64_t *bytes, fs_err_t *e);

/* One write transaction at a time, on one thread (LMDB's rule). */
int casestore_begin(casestore_t *self, bool write, casestore_txn_t **txn, fs_err_t *e);
int casestore_commit(casestore_txn_t **txn, fs_err_t *e);
void casestore_abort(casestore_txn_t **txn);

/* 0 found (out points into the map), 1 absent, -1 error. */
int casestore_get(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                  size_t klen, casestore_val_t *out, fs_err_t *e);
int casestore_put(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                  size_t klen, const void *val, size_t vlen, fs_err_t *e);
/* 0 deleted or absent, -1 error. */
int casestore_del(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                  size_t klen, fs_err_t *e);
/* JSON values: NULL when absent or unreadable (caller owns). Writing a
   case, run, approval or governance row stamps it (val is modified) with
   "audit_seq": the audit chain's head at that moment (casestore_audit_verify
   checks it exists). */
json_t *casestore_get_json(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                           const void *key, size_t klen);
int casestore_put_json(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                       size_t klen, const json_t *val, fs_err_t *e);
uint64_t casestore_counter(casestore_t *self, casestore_txn_t *txn, const char *name);
int casestore_counter_add(casestore_t *self, casestore_txn_t *txn, const char *name, int64_t delta,
                          fs_err_t *e);
/* Increments counter `name` and returns the new value (ids start at 1); 0 on error. */
uint64_t casestore_next_id(casestore_t *self, casestore_txn_t *txn, const char *name, fs_err_t *e);
/* Appends an event (ids are increasing, so appended at the end). Returns
   its id or 0. */
uint64_t casestore_append_event(casestore_t *self, casestore_txn_t *txn, const void *data,
                                size_t len, fs_err_t *e);
/* Event event_id parsed, NULL when there is none. Caller owns a reference
   to a document it must never change: it may be shared with the event
   cache (event_cache.c), which keeps the last events parsed at ingest. */
json_t *casestore_event_view(casestore_t *self, casestore_txn_t *txn, uint64_t event_id);
/* Tells the event cache that the len bytes at data, just stored as
   event_id, parse as event (borrowed, from now on never changed): the next
   casestore_event_view of it parses nothing. */
void casestore_event_parsed(casestore_t *self, uint64_t event_id, const void *data, size_t len,
                            json_t *event);
/* Rows in a table. */
size_t casestore_count(casestore_t *self, casestore_txn_t *txn, casestore_db_t db);

/* Visits rows in key order (reverse when `reverse`), stopping when fn
   returns non-zero. fn must not write to the same table. */
typedef int(casestore_visit_fn)(void *arg, const casestore_val_t *key, const casestore_val_t *val);
int casestore_foreach(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, bool reverse,
                      casestore_visit_fn *fn, void *arg);
/* The same from the first key >= from (ascending only). */
int casestore_foreach_from(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                           const void *from, size_t from_len, casestore_visit_fn *fn, void *arg);
/* The same from the first key >= from, or descending from the last key
   <= from when `reverse` (from NULL: the first or last row). */
int casestore_foreach_at(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                         const void *from, size_t from_len, bool reverse, casestore_visit_fn *fn,
                         void *arg);
/* The first row of a table: 0 found, 1 empty, -1 error. */
int casestore_first(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                    casestore_val_t *key, casestore_val_t *val);
/* Deletes rows from the front of a table while drop(arg, key) says so, at
   most max rows. Returns how many, -1 on error. */
int casestore_trim_front(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                         bool (*drop)(void *arg, const casestore_val_t *key), void *arg, int max,
                         fs_err_t *e);

/* ==== cases =================================================================
   Alerts are correlated into a case by shared observables (host, IP, user,
   email, URL, hash) within a window, across sites; the recipients of a
   reported email never correlate (casestore/correlate.c). */

#define CASESTORE_CASE_STATUSES "new, analysis, containment, eradication, recovery, closed"
/* A case lists its newest alerts, counts them all ("alert_count"); every
   alert is also on its timeline. The case row is rewritten by every alert
   and read by every playbook round, so a longer list made each alert of a
   storm cost more than the one before (docs/internals/casestore.md). */
#define CASESTORE_CASE_ALERTS_LISTED 100

/* Attaches a finding (borrowed) stored as event_id to a new or existing
   case and returns the case id (0 on error); *created says which. */
uint64_t casestore_case_attach_alert(casestore_t *st, casestore_txn_t *txn, const json_t *event,
                                     uint64_t event_id, int64_t window_ms, bool *created,
                                     fs_err_t *e);
/* The case document, NULL when there is none. Caller owns (a copy of
   the parsed row, which casestore keeps for a few cases: cases.c). */
json_t *casestore_case_get(casestore_t *st, casestore_txn_t *txn, uint64_t case_id);
/* The same document, shared with casestore's case cache: a new reference
   the caller releases with json_decref and must never change (read only:
   the run context of a playbook, a status check). NULL when there is none.
   No copy and, when the row has not changed since it was last read or
   written, no parse. */
json_t *casestore_case_view(casestore_t *st, casestore_txn_t *txn, uint64_t case_id);
/* Sets case fields (status, severity_id, assignee; note appends a note)
   from a playbook `set` step or an operator; `by` is who did it. Status
   changes stamp acknowledged/contained/resolved times for the metrics. */
int casestore_case_update(casestore_t *st, casestore_txn_t *txn, uint64_t case_id,
                          const json_t *fields, const char *by, fs_err_t *e);
/* The same for a list of field objects applied in order, reading and
   writing the case once. */
int casestore_case_update_all(casestore_t *st, casestore_txn_t *txn, uint64_t case_id,
                              const json_t *list, const char *by, fs_err_t *e);
/* The index of status in CASESTORE_CASE_STATUSES (0 new .. 5 closed), -1
   when it is not one (NULL included). */
int casestore_case_status_index(const char *status);

/* Notes (casestore_case_update {"note"}) are 1..CASESTORE_NOTE_MAX bytes. */
#define CASESTORE_NOTE_MAX 10000

/* ---- aggregates (casestore/case_aggregates.c) ------------------------------
   Written in the same transaction as every case change: per site and
   overall, the totals and one row per UTC day of creation, each holding the
   case count, open cases, alerts, count and sum of time-to-acknowledge,
   -contain, -resolve, and the count of cases by status. A case that spans
   sites counts for each of them. Nothing here scans the cases. */

/* Response metrics for the cases created in the last window_days UTC days
   (today counts as one; 0: all time): {"window_days", "overall": TALLY,
   "per_site": {SITE: TALLY}, "series": [{"day": "YYYY-MM-DD", "overall":
   TALLY, "per_site": {SITE: TALLY}}]} where TALLY is {"cases",
   "open_cases", "alerts", "mtta_s", "mttc_s", "mttr_s" (null: no case got
   there), "by_status": {STATUS: n}}. The series has the days that have
   cases, oldest first, at most the last 366. Caller owns. */
json_t *casestore_case_metrics(casestore_t *st, casestore_txn_t *txn, int window_days);
/* MTTR parity: MTTA, MTTC and MTTR per site for the cases created in the
   window_days UTC days up to now_ms's (1..CASESTORE_METRICS_WINDOW_MAX),
   per bucket of bucket_days (1: days; 7: ISO weeks from Monday, the first
   and last cut by the window). Reads the window's "d" rows only (days x
   (sites + 1)), never the cases. NULL for a window or bucket out of range.
   {"window_days", "bucket": "day"|"week", "from", "to": "YYYY-MM-DD",
    "buckets": [{"from", "to"}], "best": {"mtta"|"mttc"|"mttr": SITE|null},
    "overall": ROW, "sites": [ROW + "site", "ratio_to_best": {"mtta": x|null,
    ...}]} where ROW is {"cases", "open_cases", "acknowledged", "contained",
   "resolved" (counts), "mtta_s", "mttc_s", "mttr_s" (means, null: none),
   "trend": {"mtta": {"first_half_s", "second_half_s", "change"}, ...},
   "series": [one ROW's counts and means per bucket]}. The best site of a
   metric has the lowest mean over the window; ratio_to_best is a site's
   mean over it. The trend compares the cases created in the first
   floor(window_days / 2) days with those of the rest: change is
   (second - first) / first, negative when faster. Sites sorted by name.
   Caller owns. */
#define CASESTORE_METRICS_WINDOW_MAX 366
json_t *casestore_case_metrics_by_site(casestore_t *st, casestore_txn_t *txn, int64_t now_ms,
                                       int window_days, int bucket_days);
/* The number of cases in each status, {"new": n, "analysis": n, ...}
   (every status present), of one site or (site NULL) of all: one row
   read, for the case list and the Prometheus metrics. Caller owns. */
json_t *casestore_case_status_counts(casestore_t *st, casestore_txn_t *txn, const char *site);

/* ---- lists (casestore/case_list.c) ----------------------------------------- */

#define CASESTORE_CASE_LIST_MAX 500    /* rows a page may ask for */
#define CASESTORE_CASE_LIST_SCAN 20000 /* cases a filtered page examines at most */

/* What a page of cases must match (every member optional, borrowed). */
typedef struct casestore_case_filter {
    const char *status;       /* this status */
    int min_severity;         /* severity_id >= this (0: any) */
    const char *site;         /* involves this site */
    const char *visible_site; /* and this one (a site-admin's own) */
    const char *assignee;     /* assigned to this name */
    const char *text;         /* case-insensitive substring of the title */
    const char *observable;   /* a value among its observables, case-insensitive */
    uint64_t before_id;       /* the cursor: ids below it only (0: from the newest) */
    size_t limit;             /* rows wanted, 1..CASESTORE_CASE_LIST_MAX (0: 50) */
    size_t max_examined;      /* 0: CASESTORE_CASE_LIST_SCAN */
} casestore_case_filter_t;

/* A page of case summaries, newest first: {"items": [{"id", "title",
   "status", "severity_id", "sites", "alert_count", "assignee", "created",
   "updated"}], "next_cursor": "ID" | null, "examined": n}. A page stops at
   `limit` rows or after examining max_examined cases, whichever comes
   first; next_cursor then continues below the last case examined (a page
   may be short and still have one). With an observable, only the cases
   holding it are examined (the "o" index). Caller owns. */
json_t *casestore_case_list(casestore_t *st, casestore_txn_t *txn,
                            const casestore_case_filter_t *f);

/* ==== timelines ============================================================= */

/* Appends {"time","kind",…fields} to the case's timeline: one small row, the
   case document itself is not rewritten. Borrows fields. Each line is also
   an audit entry "case.KIND" in the same txn, its actor derived from the
   fields (operator, by, site). */
int casestore_timeline_add(casestore_t *st, casestore_txn_t *txn, uint64_t case_id,
                           const char *kind, json_t *fields, fs_err_t *e);
/* The same, saying who caused it ("playbook:NAME", …). */
int casestore_timeline_add_as(casestore_t *st, casestore_txn_t *txn, uint64_t case_id,
                              const char *kind, json_t *fields, const char *actor, fs_err_t *e);
/* The case's timeline, oldest first, at most max entries. Caller owns. */
json_t *casestore_timeline(casestore_t *st, casestore_txn_t *txn, uint64_t case_id, size_t max);
/* A page of it: the entries after entry id `after` (0: from the start),
   at most limit, read by key range: {"items": [ENTRY + "entry_id"],
   "next_cursor": "ENTRY_ID" | null}. Caller owns. */
json_t *casestore_timeline_page(casestore_t *st, casestore_txn_t *txn, uint64_t case_id,
                                uint64_t after, size_t limit);

/* ==== audit chain (docs/governance.md "Audit chain") =======================
   Every change to cases, runs, commands, approvals, playbooks, sites and
   configuration appends an entry IN THE SAME TRANSACTION as the change:
     {"seq", "time", "kind", "actor", "subject", "details", "prev", "hash"}
   stored as canonical JSON under u64 BE seq. hash = SHA-256 (hex) of the
   canonical JSON of the entry without "hash"; prev = hash of entry seq-1
   (64 zeros for seq 1). An "audit.checkpoint" entry carries the broker's
   Ed25519 signature over {"type":"fedsoar-audit-checkpoint/1", "upto_seq",
   "upto_hash"} of the entry before it: every casestore_checkpoint_every()
   entries, every audit.checkpoint_interval_s while entries are added (the
   daemon), and at a clean start and stop. The latest one is handed to every
   site (WELCOME, HEARTBEAT), which keeps it as a witness. */

#define CASESTORE_AUDIT_CHECKPOINT_EVERY 1000
#define CASESTORE_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Appends one entry. actor: "operator:NAME", "site:NAME", "playbook:NAME",
   "broker". subject ({"case_id", "run_id", …}) and details are borrowed and
   may be NULL. Never put secrets in them. */
int casestore_audit_append(casestore_t *st, casestore_txn_t *txn, const char *kind,
                           const char *actor, const json_t *subject, const json_t *details,
                           fs_err_t *e);
/* Appends a signed checkpoint of everything so far (no-op without a sign
   key). reason: "periodic", "interval", "start", "stop". */
int casestore_audit_checkpoint(casestore_t *st, casestore_txn_t *txn, const char *reason,
                               fs_err_t *e);
/* The latest checkpoint {"seq", "upto_seq", "upto_hash", "signature"} or
   NULL. Caller owns. */
json_t *casestore_audit_last_checkpoint(casestore_t *st, casestore_txn_t *txn);
/* The seq of the last entry (0: none). */
uint64_t casestore_audit_head(casestore_t *st, casestore_txn_t *txn);
/* Walks the whole chain, then the state rows (each case, run, approval and
   governance row must point at an entry that exists) and the witnesses
   ([{"site", "checkpoint"}], borrowed, may be NULL: each checkpoint a site
   holds must be in the chain). Returns (caller owns) {"ok",
   "authenticated", "entries", "checkpoints", "last_checkpoint_seq",
   "unsigned_tail", "head_seq", "state_rows_checked", "witnesses",
   "warnings"} and, when broken, "error": {"seq", "reason"} naming the first
   problem (altered, removed, inserted, reordered, truncated, bad
   signature). "authenticated" is true only when the chain is intact and
   its checkpoints were verified with broker_pub
   (DIR/broker.sign.pub.pem; NULL: not checked). */
json_t *casestore_audit_verify(casestore_t *st, casestore_txn_t *txn, const char *broker_pub,
                               const json_t *witnesses);
/* Appends to out (array, borrowed) the entries with seq > since, stopping
   after about max_bytes of JSON or max_entries entries (0: no count limit).
   Returns the last seq appended (since when none). */
uint64_t casestore_audit_export(casestore_t *st, casestore_txn_t *txn, uint64_t since,
                                size_t max_bytes, size_t max_entries, json_t *out);

#endif
