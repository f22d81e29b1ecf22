/*  broker.h — the fedsoar-broker: LMDB case store, event ingest, cases,
    playbook runs, command journal, and the daemon around them.

    Durability rule (STYLE.md §5): nothing is acknowledged to a site before
    the LMDB transaction holding it has committed. */
#ifndef FEDSOAR_BROKER_H
#define FEDSOAR_BROKER_H

#include "common.h"

#include <lmdb.h>

/* ==== store: one LMDB environment, named databases ======================== */

typedef enum {
    DB_EVENTS,     /* u64 BE event id -> OCSF event JSON bytes as received */
    DB_SEQ,        /* "site\0epoch" -> u64 BE last stored sequence number */
    DB_COUNTERS,   /* name -> u64 BE */
    DB_CASES,      /* u64 BE case id -> case JSON */
    DB_OBS,        /* "type_id:value" -> {"case":id,"time":ms} (correlation index) */
    DB_RUNS,       /* u64 BE run id -> run JSON */
    DB_COMMANDS,   /* command_id -> command journal JSON */
    DB_PENDING,    /* "site\0command_id" -> "" : commands awaiting a final response */
    DB_SITES,      /* site -> site record JSON (reported state, counters) */
    DB_META,       /* name -> value (instance id, schema version) */
    DB_TIMERS,     /* at_ms BE + run_id BE + path -> "" : run wake-ups, re-armed by being rows */
    DB_APPROVALS,  /* u64 BE approval id -> approval JSON */
    DB_REQUESTS,   /* request_id -> enrich/action request journal JSON */
    DB_PLAYBOOKS,  /* version (sha256 hex) -> playbook document, for runs in flight */
    DB_TIMELINE,   /* case_id BE + entry id BE -> timeline entry JSON (append-only) */
    DB_AUDIT,      /* u64 BE seq -> audit entry, canonical JSON, hash-chained (audit.c) */
    DB_GOVERNANCE, /* "version:HASH" / "site:NAME" -> playbook governance records (governance.c) */
    DB_DEDUP,      /* bucket BE + site\0source\0uid -> "" : records already stored (admission.c) */
    DB_COUNT
} store_db_t;

typedef struct store store_t;

/* Opens (creating) the store in dir. map_mb bounds its size; a full map
   fails writes with a clear error, never corrupts. Caller owns. */
store_t *store_open(const char *dir, size_t map_mb, fs_err_t *e);
void store_close(store_t **self_p);
/* Opens an existing store read-only (for `fedsoarctl audit verify
   --state-dir`, beside or without a running broker). Caller owns. */
store_t *store_open_readonly(const char *dir, fs_err_t *e);
/* Whether a named database exists (always true for store_open). */
bool store_has(const store_t *self, store_db_t db);
/* The broker's Ed25519 private key file that signs audit checkpoints
   (copied; NULL = none: checkpoints are not written). */
void store_set_sign_key(store_t *self, const char *path);
const char *store_sign_key(const store_t *self);
/* Sign an audit checkpoint at least every n entries (0: the default,
   AUDIT_CHECKPOINT_EVERY). */
void store_set_checkpoint_every(store_t *self, uint64_t n);
uint64_t store_checkpoint_every(const store_t *self);
/* A short random id made when the store was created: prefixes command ids
   so they stay unique if a broker is ever rebuilt from scratch. */
const char *store_instance(const store_t *self);

int store_begin(store_t *self, bool write, MDB_txn **txn, fs_err_t *e);
int store_commit(MDB_txn **txn, fs_err_t *e);
void store_abort(MDB_txn **txn);

/* 0 found (out points into the map, valid until the txn ends), 1 absent,
   -1 error. */
int store_get(store_t *self, MDB_txn *txn, store_db_t db, const void *key, size_t klen,
              MDB_val *out, fs_err_t *e);
int store_put(store_t *self, MDB_txn *txn, store_db_t db, const void *key, size_t klen,
              const void *val, size_t vlen, unsigned flags, fs_err_t *e);
/* 0 deleted or absent, -1 error. */
int store_del(store_t *self, MDB_txn *txn, store_db_t db, const void *key, size_t klen,
              fs_err_t *e);
/* JSON values: NULL when absent or unreadable (caller owns). Writing a
   case, run, approval or governance row stamps it with "audit_seq": the
   audit chain's head at that moment (audit_verify checks it exists). */
json_t *store_get_json(store_t *self, MDB_txn *txn, store_db_t db, const void *key, size_t klen);
int store_put_json(store_t *self, MDB_txn *txn, store_db_t db, const void *key, size_t klen,
                   const json_t *val, fs_err_t *e);
uint64_t store_counter(store_t *self, MDB_txn *txn, const char *name);
int store_counter_add(store_t *self, MDB_txn *txn, const char *name, int64_t delta, fs_err_t *e);
/* Increments counter `name` and returns the new value (ids start at 1); 0 on error. */
uint64_t store_next_id(store_t *self, MDB_txn *txn, const char *name, fs_err_t *e);
/* Appends an event (ids are increasing, so MDB_APPEND). Returns its id or 0. */
uint64_t store_append_event(store_t *self, MDB_txn *txn, const void *data, size_t len, fs_err_t *e);
/* The LMDB handle of a named database (for cursors). */
MDB_dbi store_dbi(const store_t *self, store_db_t db);
/* Calls fn for each record of db in key order (reverse when `reverse`),
   stopping when fn returns non-zero. */
int store_foreach(store_t *self, MDB_txn *txn, store_db_t db, bool reverse,
                  int (*fn)(void *arg, const MDB_val *key, const MDB_val *val), void *arg);

/* ==== cases =================================================================
   Alerts are correlated into a case by shared observables (host, IP, user,
   email, URL, hash, domain) within a window, across sites. */

#define CASE_STATUSES "new, analysis, containment, eradication, recovery, closed"

/* Attaches a finding (borrowed) stored as event_id to a new or existing
   case and returns the case id (0 on error); *created says which. */
uint64_t cases_attach_alert(store_t *st, MDB_txn *txn, const json_t *event, uint64_t event_id,
                            int64_t window_ms, bool *created, fs_err_t *e);
/* Appends {"time","kind",…fields} to the case's timeline: one small row, the
   case document itself is not rewritten. Borrows fields. */
int cases_timeline_add(store_t *st, MDB_txn *txn, uint64_t case_id, const char *kind,
                       json_t *fields, fs_err_t *e);
/* The same, saying who caused it for the audit log ("playbook:NAME", …);
   cases_timeline_add derives it from the fields (operator, by, site). Each
   timeline line is also an audit entry "case.KIND" in the same txn. */
int cases_timeline_add_as(store_t *st, MDB_txn *txn, uint64_t case_id, const char *kind,
                          json_t *fields, const char *actor, fs_err_t *e);
/* Sets case fields (status, severity_id, assignee; note appends a note)
   from a playbook `set` step or an operator; `by` is who did it. Status
   changes stamp acknowledged/contained/resolved times for the metrics. */
int cases_update(store_t *st, MDB_txn *txn, uint64_t case_id, const json_t *fields, const char *by,
                 fs_err_t *e);
/* The same for a list of field objects applied in order, reading and
   writing the case once. */
int cases_update_all(store_t *st, MDB_txn *txn, uint64_t case_id, const json_t *list,
                     const char *by, fs_err_t *e);
/* The case's timeline, oldest first, at most max entries. Caller owns. */
json_t *cases_timeline(store_t *st, MDB_txn *txn, uint64_t case_id, size_t max);
json_t *cases_get(store_t *st, MDB_txn *txn, uint64_t case_id);
/* MTTA/MTTC/MTTR and counts, overall and per site. Caller owns. */
json_t *cases_metrics(store_t *st, MDB_txn *txn);

/* ==== audit chain (audit.c; docs/governance.md "Audit chain") ===============
   Every change to cases, runs, commands, approvals, playbooks, sites and
   configuration appends an entry IN THE SAME TRANSACTION as the change:
     {"seq", "time", "kind", "actor", "subject", "details", "prev", "hash"}
   stored as canonical JSON under u64 BE seq. hash = SHA-256 (hex) of the
   canonical JSON of the entry without "hash"; prev = hash of entry seq-1
   (64 zeros for seq 1). An "audit.checkpoint" entry carries the broker's
   Ed25519 signature over {"type":"fedsoar-audit-checkpoint/1", "upto_seq",
   "upto_hash"} of the entry before it: every store_checkpoint_every()
   entries, every audit.checkpoint_interval_s while entries are added (the
   daemon), and at a clean start and stop. The latest one is handed to every
   site (WELCOME, HEARTBEAT), which keeps it as a witness. */

#define AUDIT_CHECKPOINT_EVERY 1000
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Appends one entry. actor: "operator:NAME", "site:NAME", "playbook:NAME",
   "broker". subject ({"case_id", "run_id", …}) and details are borrowed and
   may be NULL. Never put secrets in them. */
int audit_append(store_t *st, MDB_txn *txn, const char *kind, const char *actor,
                 const json_t *subject, const json_t *details, fs_err_t *e);
/* Appends a signed checkpoint of everything so far (no-op without a sign
   key). reason: "periodic", "interval", "start", "stop". */
int audit_checkpoint(store_t *st, MDB_txn *txn, const char *reason, fs_err_t *e);
/* The latest checkpoint {"seq", "upto_seq", "upto_hash", "signature"} or
   NULL. Caller owns. */
json_t *audit_last_checkpoint(store_t *st, MDB_txn *txn);
/* The seq of the last entry (0: none). */
uint64_t audit_head(store_t *st, MDB_txn *txn);
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
json_t *audit_verify(store_t *st, MDB_txn *txn, const char *broker_pub, const json_t *witnesses);
/* Appends to out (array) the entries with seq > since, stopping after
   about max_bytes of JSON. Returns the last seq appended (since when none). */
uint64_t audit_export(store_t *st, MDB_txn *txn, uint64_t since, size_t max_bytes, json_t *out);

/* ==== the daemon ============================================================ */

typedef struct broker_config {
    const char *listen;        /* site endpoint, ROUTER bound */
    const char *control;       /* operator endpoint, ROUTER bound */
    const char *state_dir;     /* LMDB lives here */
    const char *keys_dir;      /* key layout (federation.h) */
    const char *playbooks_dir; /* *.json playbooks */
    bool insecure;             /* CURVE off: local experiments only */
    size_t map_mb;             /* LMDB map size */
    int64_t correlation_window_ms;
    int64_t dedup_window_ms; /* a site's record (source + stable id) is stored once within it */
    uint64_t audit_checkpoint_every;      /* sign a checkpoint at least every N entries */
    int64_t audit_checkpoint_interval_ms; /* ... and every T ms while entries are added */
    const json_t *sites;      /* per-site routing config {"alpha": {"scopes": …}} (borrowed) */
    const json_t *governance; /* {"quorum", "members", "revoked"} or NULL: no governance,
                                 every playbook of the directory runs everywhere (borrowed) */
    const json_t
        *config; /* the whole config file, hashed into the audit log (borrowed, may be NULL) */
} broker_config_t;

typedef struct broker broker_t;

/* Opens the store, loads keys and playbooks, binds both sockets.
   Caller owns. */
broker_t *broker_new(const broker_config_t *cfg, fs_err_t *e);
/* Serves until SIGINT/SIGTERM. Returns 0 on a clean stop. */
int broker_run(broker_t *self);
void broker_destroy(broker_t **self_p);

#endif
