/*  store.c — the casestore's LMDB environment and its tables, on the
    common LMDB helper (common/lmdb_env.h: open, map-size rule, stale
    readers, error messages).  One write transaction at a time, on one
    thread (LMDB caveat: one writer per env).  The only file of the library
    that sees LMDB: everything else goes through casestore.h. */
#include "casestore_internal.h"
#include "keys.h"
#include "lmdb_env.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

static const char *const db_names[CASESTORE_DB_COUNT] = {
    "events",   "seq",   "counters",   "cases",  "obs",       "runs",       "commands",
    "pending",  "sites", "meta",       "timers", "approvals", "requests",   "playbooks",
    "timeline", "audit", "governance", "dedup",  "http",      "aggregates", "identities"};

#define INSTANCE_KEY "instance"

struct casestore {
    fs_lmdb_t *env;
    char instance[13];
    keys_signer_t *signer; /* the broker's Ed25519 key, for audit checkpoints (owned) */
    uint64_t checkpoint_every;
    MDB_txn *write_txn;        /* the open write transaction (commit watches it) */
    bool grow_pending;         /* a write found the map full: grow before the next */
    size_t map_max_mb;         /* ceiling of growth */
    casestore_health_t health; /* what casestore_health reports */
    int64_t next_log_ms;       /* commit_failed lines: at most one per STORE_LOG_EVERY_MS */
    uint64_t unlogged;         /* failures since the last such line */
    /* The text of the row being written (casestore_put_json, audit.c's
       entries), kept between writes so that a step's rows cost no
       allocation: only the thread holding the write transaction uses it
       (LMDB lets one at a time), and put_json needs that transaction. */
    fs_text_t row_text;
    /* The write transaction's cases, written at its commit (cases.c). */
    casestore__pending_cases_t pending;
};

/* Past this, the row buffer is freed after use: a rare huge run or case
   does not pin its size. */
#define ROW_TEXT_KEEP (256u * 1024u)

fs_text_t *casestore__row_text(casestore_t *self)
{
    self->row_text.len = 0;
    return &self->row_text;
}

void casestore__row_text_done(casestore_t *self)
{
    if (self->row_text.cap > ROW_TEXT_KEEP)
        fs_text_release(&self->row_text);
}

static void note_failure(casestore_t *self, int rc, const char *text);

const double CASESTORE_COMMIT_BOUNDS_MS[CASESTORE_COMMIT_BUCKETS] = {0.5, 1,  2,   5,   10,
                                                                     20,  50, 100, 250, 1000};

/* One write commit's time in the health's histogram. */
static void note_commit_time(casestore_t *self, int64_t us)
{
    casestore_health_t *h = &self->health;
    h->commits++;
    h->commit_sum_us += (uint64_t)us;
    if ((uint64_t)us > h->commit_max_us)
        h->commit_max_us = (uint64_t)us;
    for (size_t i = 0; i < CASESTORE_COMMIT_BUCKETS; i++)
        if ((double)us <= CASESTORE_COMMIT_BOUNDS_MS[i] * 1000) {
            h->commit_bucket[i]++;
            return;
        }
}

/* casestore_txn_t is an MDB_txn the callers cannot look into. */
static MDB_txn *lm(casestore_txn_t *txn)
{
    return (MDB_txn *)txn;
}

casestore__pending_cases_t *casestore__pending_cases(casestore_t *self, casestore_txn_t *txn)
{
    return txn && lm(txn) == self->write_txn ? &self->pending : NULL;
}

/* Before the cases table is used by key (a case id: that case) or scanned
   (key NULL: every case), the write transaction's pending case rows are
   written (casestore_internal.h, "case rows written at commit"). */
static int settle_cases(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                        size_t klen, fs_err_t *e)
{
    /* The pending list is the write transaction's thread's: read after
       the transaction is known to be it. */
    if (db != CASESTORE_DB_CASES || lm(txn) != self->write_txn || !self->pending.n)
        return 0;
    if (!key)
        return casestore__cases_flush(self, txn, NULL, e);
    uint64_t id = klen == 8 ? fs_u64_from_be(key) : 0;
    return id ? casestore__cases_flush(self, txn, &id, e) : 0;
}

#define STORE_LOG_EVERY_MS 10000
/* An EIO commit on a filesystem with less free than this was a short write
   (LMDB turns a short pwrite into EIO): the disk is full, not failing. */
#define STORE_FULL_BELOW_BYTES (1024u * 1024u)

void casestore_set_checkpoint_every(casestore_t *self, uint64_t n)
{
    self->checkpoint_every = n;
}

uint64_t casestore_checkpoint_every(const casestore_t *self)
{
    return self->checkpoint_every ? self->checkpoint_every : CASESTORE_AUDIT_CHECKPOINT_EVERY;
}

/* The state rows whose audit entries verify looks for (audit.c). */
static bool stamped(casestore_db_t db)
{
    return db == CASESTORE_DB_CASES || db == CASESTORE_DB_RUNS || db == CASESTORE_DB_APPROVALS ||
           db == CASESTORE_DB_GOVERNANCE;
}

static casestore_val_t val_of(const MDB_val *v)
{
    return (casestore_val_t){v->mv_data, v->mv_size};
}

/* The helper's codes (FS_E_STORAGE, FS_E_FULL, FS_E_NOT_FOUND) in ours. */
static int own_code(fs_err_t *e)
{
    if (!e)
        return -1;
    switch (e->code) {
    case FS_E_FULL:
        e->code = CASESTORE_E_FULL;
        break;
    case FS_E_NOT_FOUND:
        e->code = CASESTORE_E_NOT_FOUND;
        break;
    default:
        e->code = CASESTORE_E_STORAGE;
    }
    return -1;
}

/* A put that found the map full: LMDB marks the transaction failed, so the
   caller aborts it; the map grows before the next write transaction. */
static int put_failed(casestore_t *self, fs_err_t *e)
{
    if (e && e->code == FS_E_FULL) {
        note_failure(self, MDB_MAP_FULL, e->text);
    }
    return own_code(e);
}

static casestore_t *open_env(const char *dir, size_t map_mb, bool readonly, fs_err_t *e)
{
    fs_lmdb_opts_t opts = {.what = "store",
                           .dbs = db_names,
                           .ndbs = CASESTORE_DB_COUNT,
                           .map_mb = map_mb,
                           .map_full_hint = "raise store.map_size_mb",
                           .readonly = readonly};
    fs_lmdb_t *env = fs_lmdb_open(dir, &opts, e);
    if (!env) {
        own_code(e);
        return NULL;
    }
    casestore_t *self = fs_xcalloc(1, sizeof *self);
    self->env = env;
    /* casestore_commit gets only the transaction: it finds us through it. */
    mdb_env_set_userctx(fs_lmdb_env(env), self);
    self->health.map_mb = fs_lmdb_map_mb(env);
    casestore_set_map_max(self, 0);
    return self;
}

casestore_t *casestore_open(const char *dir, size_t map_mb, fs_err_t *e)
{
    /* Default flags: every commit is synced; an acknowledged event survives
       power loss (docs/operations.md "Durability"). */
    casestore_t *self = open_env(dir, map_mb, false, e);
    if (!self)
        return NULL;
    MDB_txn *txn = NULL;
    int rc = fs_lmdb_begin(self->env, true, &txn, e);
    if (rc == 0)
        rc = fs_lmdb_identity(self->env, txn, CASESTORE_DB_META, INSTANCE_KEY, 4, self->instance,
                              sizeof self->instance, e);
    if (rc == 0)
        rc = fs_lmdb_commit(self->env, &txn, e);
    fs_lmdb_abort(&txn);
    if (rc != 0) {
        own_code(e);
        casestore_close(&self);
        return NULL;
    }
    /* A store an older broker made has cases but no aggregates yet. */
    if (casestore__aggregates_build_if_missing(self, e) != 0)
        casestore_close(&self);
    return self;
}

void casestore_close(casestore_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fs_lmdb_close(&(*self_p)->env);
    keys_signer_destroy(&(*self_p)->signer);
    fs_text_release(&(*self_p)->row_text);
    casestore__cases_drop(&(*self_p)->pending);
    free((*self_p)->pending.v);
    free(*self_p);
    *self_p = NULL;
}

casestore_t *casestore_open_readonly(const char *dir, fs_err_t *e)
{
    if (!fs_is_dir(dir)) {
        fs_err_setc(e, CASESTORE_E_NOT_FOUND,
                    "store: %s is not a directory (the broker's --state-dir)", dir);
        return NULL;
    }
    /* Tables an older broker never made stay unopened (casestore_has). */
    casestore_t *self = open_env(dir, 0, true, e);
    if (!self)
        return NULL;
    MDB_txn *txn = NULL;
    MDB_val v;
    if (fs_lmdb_begin(self->env, false, &txn, NULL) == 0 &&
        fs_lmdb_get(self->env, txn, CASESTORE_DB_META, INSTANCE_KEY, strlen(INSTANCE_KEY), &v,
                    NULL) == 0 &&
        v.mv_size < sizeof self->instance)
        memcpy(self->instance, v.mv_data, v.mv_size);
    fs_lmdb_abort(&txn);
    return self;
}

bool casestore_has(const casestore_t *self, casestore_db_t db)
{
    return fs_lmdb_has(self->env, db);
}

void casestore_set_signer(casestore_t *self, keys_signer_t *signer)
{
    keys_signer_destroy(&self->signer);
    self->signer = signer;
}

const keys_signer_t *casestore_signer(const casestore_t *self)
{
    return self->signer;
}

const char *casestore_instance(const casestore_t *self)
{
    return self->instance;
}

/* ---- storage health -------------------------------------------------------- */

const char *casestore_cause_name(casestore_cause_t cause)
{
    static const char *const names[CASESTORE_CAUSE_COUNT] = {"disk_full", "map_full", "io_error",
                                                             "other"};
    return cause < CASESTORE_CAUSE_COUNT ? names[cause] : "other";
}

void casestore_health(casestore_t *self, casestore_health_t *out)
{
    *out = self->health;
    out->map_mb = fs_lmdb_map_mb(self->env);
    out->map_max_mb = self->map_max_mb;
}

void casestore_set_map_max(casestore_t *self, size_t max_mb)
{
    size_t now = fs_lmdb_map_mb(self->env);
    self->map_max_mb = max_mb ? max_mb : CASESTORE_MAP_MAX_MB_DEFAULT;
    if (self->map_max_mb < now)
        self->map_max_mb = now;
}

static unsigned long long free_bytes(const char *dir)
{
    struct statvfs st;
    return statvfs(dir, &st) == 0 ? (unsigned long long)st.f_bavail * st.f_frsize : 0;
}

static casestore_cause_t classify(const char *dir, int rc)
{
    if (rc == MDB_MAP_FULL)
        return CASESTORE_CAUSE_MAP_FULL;
    if (rc == ENOSPC || rc == EDQUOT)
        return CASESTORE_CAUSE_DISK_FULL;
    if (rc == EIO)
        return free_bytes(dir) < STORE_FULL_BELOW_BYTES ? CASESTORE_CAUSE_DISK_FULL
                                                        : CASESTORE_CAUSE_IO;
    return CASESTORE_CAUSE_OTHER;
}

/* A write failed for good (its transaction is gone): count, say so, and
   arm the map's growth when the map was the cause. */
static void note_failure(casestore_t *self, int rc, const char *text)
{
    const char *dir = fs_lmdb_dir(self->env);
    casestore_health_t *h = &self->health;
    casestore_cause_t cause = classify(dir, rc);
    h->cause = cause;
    h->failures[cause]++;
    size_t n = strlen(text) < sizeof h->last_error ? strlen(text) : sizeof h->last_error - 1;
    memcpy(h->last_error, text, n);
    h->last_error[n] = '\0';
    if (!h->failing) {
        h->failing = true;
        h->since_ms = fs_now_ms();
        self->next_log_ms = 0;
    }
    if (cause == CASESTORE_CAUSE_MAP_FULL)
        self->grow_pending = true;
    int64_t now = fs_mono_ms();
    if (now < self->next_log_ms) {
        self->unlogged++;
        return;
    }
    self->next_log_ms = now + STORE_LOG_EVERY_MS;
    char q[300];
    fs_log(FS_LOG_ERROR, "store", "store_commit_failed",
           "cause=%s state_dir=%s free_bytes=%llu map_mb=%zu failures_since_last_line=%llu "
           "reason=%s msg=\"nothing of the failed transaction is stored or acknowledged; sites "
           "resend once it succeeds again%s\"",
           casestore_cause_name(cause), dir, free_bytes(dir), fs_lmdb_map_mb(self->env),
           (unsigned long long)self->unlogged, fs_log_quote(q, sizeof q, text),
           cause == CASESTORE_CAUSE_DISK_FULL ? ": free space on the state directory's filesystem"
           : cause == CASESTORE_CAUSE_MAP_FULL
               ? ": the map grows before the next write (up to store.map_max_mb)"
               : "");
    self->unlogged = 0;
}

static void note_success(casestore_t *self)
{
    casestore_health_t *h = &self->health;
    if (!h->failing)
        return;
    int64_t now = fs_now_ms();
    h->failing = false;
    h->recovered_ms = now;
    h->last_outage_ms = now - h->since_ms;
    h->since_ms = 0;
    fs_log(FS_LOG_INFO, "store", "store_recovered",
           "state_dir=%s outage_ms=%lld failures=%llu msg=\"writes succeed again\"",
           fs_lmdb_dir(self->env), (long long)h->last_outage_ms,
           (unsigned long long)(h->failures[0] + h->failures[1] + h->failures[2] + h->failures[3]));
}

/* 1 when dir holds anything besides . and .., 0 when empty, -1 unreadable. */
static int dir_has_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int found = 0;
    for (struct dirent *de; (de = readdir(d));)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            found = 1;
            break;
        }
    closedir(d);
    return found;
}

int casestore_backup(casestore_t *self, const char *dir, uint64_t *bytes, fs_err_t *e)
{
    *bytes = 0;
    if (!fs_is_dir(dir) && fs_mkdir_p(dir, 0700, e) != 0)
        return -1;
    int full = dir_has_entries(dir);
    if (full < 0)
        return fs_err_setc(e, CASESTORE_E_STORAGE, "store: backup: cannot read %s: %s", dir,
                           strerror(errno));
    if (full)
        return fs_err_setc(e, CASESTORE_E_INVALID,
                           "store: backup: %s is not empty (a backup never overwrites: name a new "
                           "or empty directory)",
                           dir);
    int rc = mdb_env_copy2(fs_lmdb_env(self->env), dir, MDB_CP_COMPACT);
    if (rc != 0)
        return fs_err_setc(e, CASESTORE_E_STORAGE, "store: backup of %s into %s: %s",
                           fs_lmdb_dir(self->env), dir, mdb_strerror(rc));
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    if (stat(path, &st) == 0)
        *bytes = (uint64_t)st.st_size;
    return 0;
}

int casestore_grow_if_full(casestore_t *self, fs_err_t *e)
{
    if (!self->grow_pending)
        return 0;
    self->grow_pending = false;
    size_t before = fs_lmdb_map_mb(self->env), now = before;
    int rc = fs_lmdb_grow(self->env, self->map_max_mb, &now, e);
    if (rc < 0)
        return own_code(e);
    if (rc == 1) {
        fs_log(FS_LOG_ERROR, "store", "store_map_at_ceiling",
               "state_dir=%s map_mb=%zu msg=\"the map is full and at store.map_max_mb: raise it\"",
               fs_lmdb_dir(self->env), now);
        return 0;
    }
    self->health.map_grown++;
    fs_log(FS_LOG_WARN, "store", "store_map_grown", "state_dir=%s from_mb=%zu to_mb=%zu max_mb=%zu",
           fs_lmdb_dir(self->env), before, now, self->map_max_mb);
    return 1;
}

int casestore_begin(casestore_t *self, bool write, casestore_txn_t **txn, fs_err_t *e)
{
    /* Growing needs no transaction open: between transactions, here. */
    if (write && self->grow_pending && casestore_grow_if_full(self, e) < 0) {
        *txn = NULL;
        return -1;
    }
    MDB_txn *t = NULL;
    int rc = fs_lmdb_begin(self->env, write, &t, e);
    *txn = (casestore_txn_t *)t;
    if (rc == 0 && write)
        self->write_txn = t;
    return rc ? own_code(e) : 0;
}

int casestore_commit(casestore_txn_t **txn, fs_err_t *e)
{
    /* Not fs_lmdb_commit: a transaction finds its casestore_t through its
       environment (set at open), to keep the health of write commits. */
    casestore_t *self = mdb_env_get_userctx(mdb_txn_env(lm(*txn)));
    bool write = self && self->write_txn == lm(*txn);
    if (write && casestore__cases_flush(self, *txn, NULL, e) != 0) {
        casestore_abort(txn); /* as a failed commit does */
        return -1;
    }
    if (write)
        self->write_txn = NULL;
    int64_t began = fs_mono_us();
    int rc = mdb_txn_commit(lm(*txn));
    *txn = NULL;
    if (rc == 0) {
        if (write) {
            note_commit_time(self, fs_mono_us() - began);
            note_success(self);
        }
        return 0;
    }
    char text[256];
    int code = rc == MDB_MAP_FULL ? CASESTORE_E_FULL : CASESTORE_E_STORAGE;
    if (rc == MDB_MAP_FULL)
        snprintf(text, sizeof text,
                 "store: commit in %s: the LMDB map is full (it grows up to store.map_max_mb)",
                 self ? fs_lmdb_dir(self->env) : "?");
    else
        snprintf(text, sizeof text, "store: commit in %s: %s", self ? fs_lmdb_dir(self->env) : "?",
                 mdb_strerror(rc));
    if (self)
        note_failure(self, rc, text);
    return fs_err_setc(e, code, "%s", text);
}

void casestore_abort(casestore_txn_t **txn)
{
    if (txn && *txn) {
        MDB_txn *t = lm(*txn);
        casestore_t *self = mdb_env_get_userctx(mdb_txn_env(t));
        if (self && self->write_txn == t) {
            self->write_txn = NULL;
            casestore__cases_drop(&self->pending);
        }
        fs_lmdb_abort(&t);
        *txn = NULL;
    }
}

int casestore_get(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                  size_t klen, casestore_val_t *out, fs_err_t *e)
{
    if (settle_cases(self, txn, db, key, klen, e) != 0)
        return -1; /* e says why, in this library's codes */
    MDB_val v;
    int rc = fs_lmdb_get(self->env, lm(txn), db, key, klen, &v, e);
    if (rc < 0)
        return own_code(e);
    if (rc == 0)
        *out = val_of(&v);
    return rc;
}

int casestore_put(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                  size_t klen, const void *val, size_t vlen, fs_err_t *e)
{
    if (settle_cases(self, txn, db, key, klen, e) != 0)
        return -1; /* e says why, in this library's codes */
    if (fs_lmdb_put(self->env, lm(txn), db, key, klen, val, vlen, 0, e) == 0)
        return 0;
    return put_failed(self, e);
}

int casestore_del(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                  size_t klen, fs_err_t *e)
{
    if (settle_cases(self, txn, db, key, klen, e) != 0)
        return -1; /* e says why, in this library's codes */
    return fs_lmdb_del(self->env, lm(txn), db, key, klen, e) ? own_code(e) : 0;
}

json_t *casestore_get_json(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                           const void *key, size_t klen)
{
    casestore_val_t v = {NULL, 0};
    if (casestore_get(self, txn, db, key, klen, &v, NULL) != 0)
        return NULL;
    return json_loadb(v.data, v.len, 0, NULL);
}

int casestore_put_json(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                       size_t klen, const json_t *val, fs_err_t *e)
{
    /* A state row records how far the audit chain reached when it was
       written, so that removing the chain's tail cannot pass unseen. */
    if (stamped(db) && json_is_object(val) && casestore_has(self, CASESTORE_DB_AUDIT))
        json_object_set_new((json_t *)val, "audit_seq",
                            json_integer((json_int_t)casestore_audit_head(self, txn)));
    /* json_dumps(val, JSON_COMPACT)'s bytes, written without its
       per-container and per-integer costs (common/json_write.c). */
    fs_text_t *text = casestore__row_text(self);
    int rc = fs_json_write(text, val, false) != 0 /* a cycle or a string that is not UTF-8 */
                 ? fs_err_setc(e, CASESTORE_E_INVALID, "store: cannot serialize a %s record",
                               db_names[db])
                 : casestore_put(self, txn, db, key, klen, text->data, text->len, e);
    casestore__row_text_done(self);
    return rc;
}

uint64_t casestore_counter(casestore_t *self, casestore_txn_t *txn, const char *name)
{
    casestore_val_t v = {NULL, 0};
    if (casestore_get(self, txn, CASESTORE_DB_COUNTERS, name, strlen(name), &v, NULL) != 0 ||
        v.len != 8)
        return 0;
    return fs_u64_from_be(v.data);
}

int casestore_counter_add(casestore_t *self, casestore_txn_t *txn, const char *name, int64_t delta,
                          fs_err_t *e)
{
    unsigned char be[8];
    uint64_t v = casestore_counter(self, txn, name) + (uint64_t)delta;
    fs_u64_to_be(v, be);
    return casestore_put(self, txn, CASESTORE_DB_COUNTERS, name, strlen(name), be, 8, e);
}

uint64_t casestore_next_id(casestore_t *self, casestore_txn_t *txn, const char *name, fs_err_t *e)
{
    /* One read and one write (it read the counter back after writing it). */
    unsigned char be[8];
    uint64_t id = casestore_counter(self, txn, name) + 1;
    fs_u64_to_be(id, be);
    if (casestore_put(self, txn, CASESTORE_DB_COUNTERS, name, strlen(name), be, 8, e) != 0)
        return 0;
    return id;
}

uint64_t casestore_append_event(casestore_t *self, casestore_txn_t *txn, const void *data,
                                size_t len, fs_err_t *e)
{
    uint64_t id = casestore_next_id(self, txn, "event_id", e);
    unsigned char key[8];
    fs_u64_to_be(id, key);
    /* Ids only grow: appended at the end of the tree, no search. */
    if (!id)
        return 0;
    if (fs_lmdb_put(self->env, lm(txn), CASESTORE_DB_EVENTS, key, 8, data, len, MDB_APPEND, e) !=
        0) {
        put_failed(self, e);
        return 0;
    }
    return id;
}

/* The visitors of this face get casestore_val_t, not MDB_val. */
struct visit {
    casestore_visit_fn *fn;
    void *arg;
};

static int visit_one(void *arg, const MDB_val *k, const MDB_val *v)
{
    struct visit *w = arg;
    casestore_val_t key = val_of(k), val = val_of(v);
    return w->fn(w->arg, &key, &val) != 0 ? FS_LMDB_STOP : FS_LMDB_NEXT;
}

int casestore_foreach(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, bool reverse,
                      casestore_visit_fn *fn, void *arg)
{
    struct visit w = {fn, arg};
    if (settle_cases(self, txn, db, NULL, 0, NULL) != 0)
        return -1;
    return fs_lmdb_foreach(self->env, lm(txn), db, NULL, 0, reverse, visit_one, &w, NULL);
}

int casestore_foreach_from(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                           const void *from, size_t from_len, casestore_visit_fn *fn, void *arg)
{
    struct visit w = {fn, arg};
    if (settle_cases(self, txn, db, NULL, 0, NULL) != 0)
        return -1;
    return fs_lmdb_foreach(self->env, lm(txn), db, from, from_len, false, visit_one, &w, NULL);
}

int casestore_foreach_at(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                         const void *from, size_t from_len, bool reverse, casestore_visit_fn *fn,
                         void *arg)
{
    struct visit w = {fn, arg};
    if (settle_cases(self, txn, db, NULL, 0, NULL) != 0)
        return -1;
    return fs_lmdb_foreach(self->env, lm(txn), db, from, from_len, reverse, visit_one, &w, NULL);
}

struct first {
    casestore_val_t *key, *val;
    bool found;
};

static int first_one(void *arg, const MDB_val *k, const MDB_val *v)
{
    struct first *f = arg;
    *f->key = val_of(k);
    *f->val = val_of(v);
    f->found = true;
    return FS_LMDB_STOP;
}

int casestore_first(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                    casestore_val_t *key, casestore_val_t *val)
{
    struct first f = {key, val, false};
    if (settle_cases(self, txn, db, NULL, 0, NULL) != 0 ||
        fs_lmdb_foreach(self->env, lm(txn), db, NULL, 0, false, first_one, &f, NULL) != 0)
        return -1;
    return f.found ? 0 : 1;
}

struct trim {
    bool (*drop)(void *arg, const casestore_val_t *key);
    void *arg;
    int max, deleted;
};

static int trim_one(void *arg, const MDB_val *k, const MDB_val *v)
{
    (void)v;
    struct trim *t = arg;
    casestore_val_t key = val_of(k);
    if (t->deleted >= t->max || !t->drop(t->arg, &key))
        return FS_LMDB_STOP;
    t->deleted++;
    return FS_LMDB_DELETE;
}

int casestore_trim_front(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                         bool (*drop)(void *arg, const casestore_val_t *key), void *arg, int max,
                         fs_err_t *e)
{
    struct trim t = {drop, arg, max, 0};
    if (settle_cases(self, txn, db, NULL, 0, e) != 0 ||
        fs_lmdb_foreach(self->env, lm(txn), db, NULL, 0, false, trim_one, &t, e) != 0)
        return own_code(e);
    return t.deleted;
}

size_t casestore_count(casestore_t *self, casestore_txn_t *txn, casestore_db_t db)
{
    if (settle_cases(self, txn, db, NULL, 0, NULL) != 0)
        return 0; /* the transaction is to be aborted */
    return fs_lmdb_count(self->env, lm(txn), db);
}

const char *casestore_strerror(int code)
{
    switch (code) {
    case CASESTORE_E_STORAGE:
        return "storage";
    case CASESTORE_E_FULL:
        return "full";
    case CASESTORE_E_NOT_FOUND:
        return "not_found";
    case CASESTORE_E_INVALID:
        return "invalid";
    case CASESTORE_E_CHAIN:
        return "chain";
    default:
        return code > 0 && code < FS_ERR_BASE_FSP ? fs_strerror(code) : "unknown";
    }
}
