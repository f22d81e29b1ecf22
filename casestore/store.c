/*  store.c — the casestore's LMDB environment and its tables.  One write
    transaction at a time, on one thread (LMDB caveat: one writer per env).
    The only file of the library that speaks LMDB: everything else goes
    through casestore.h. */
#include "casestore.h"

#include <lmdb.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

static const char *const db_names[CASESTORE_DB_COUNT] = {
    "events",   "seq",       "counters", "cases", "obs",        "runs",
    "commands", "pending",   "sites",    "meta",  "timers",     "approvals",
    "requests", "playbooks", "timeline", "audit", "governance", "dedup"};

struct casestore {
    MDB_env *env;
    MDB_dbi dbi[CASESTORE_DB_COUNT];
    char instance[13];
    char *sign_key; /* the broker's Ed25519 private key file, for audit checkpoints */
    uint64_t checkpoint_every;
};

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

static int lmdb_fail(fs_err_t *e, const char *what, int rc)
{
    return fs_err_set(e, "store: %s: %s", what, mdb_strerror(rc));
}

/* casestore_txn_t is an MDB_txn the callers cannot look into. */
static MDB_txn *lm(casestore_txn_t *txn)
{
    return (MDB_txn *)txn;
}

static casestore_val_t val_of(const MDB_val *v)
{
    return (casestore_val_t){v->mv_data, v->mv_size};
}

casestore_t *casestore_open(const char *dir, size_t map_mb, fs_err_t *e)
{
    if (fs_mkdir_p(dir, 0700, e) != 0)
        return NULL;
    casestore_t *self = fs_xcalloc(1, sizeof *self);
    int rc = mdb_env_create(&self->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(self->env, CASESTORE_DB_COUNT);
    if (rc == 0)
        rc = mdb_env_set_mapsize(self->env, (size_t)(map_mb ? map_mb : 1024) << 20);
    /* Default flags: every commit is synced; an acknowledged event survives
       power loss (docs/operations.md "Durability"). */
    if (rc == 0)
        rc = mdb_env_open(self->env, dir, MDB_NOTLS, 0600);
    if (rc != 0) {
        fs_err_set(e, "store: cannot open LMDB in %s: %s", dir, mdb_strerror(rc));
        casestore_close(&self);
        return NULL;
    }
    /* A crashed reader (kill -9 of a former process) leaves a stale slot. */
    int dead = 0;
    mdb_reader_check(self->env, &dead);
    MDB_txn *txn = NULL;
    if ((rc = mdb_txn_begin(self->env, NULL, 0, &txn)) != 0) {
        lmdb_fail(e, "begin", rc);
        casestore_close(&self);
        return NULL;
    }
    for (int i = 0; i < CASESTORE_DB_COUNT && rc == 0; i++)
        rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &self->dbi[i]);
    MDB_val k = {8, "instance"}, v;
    if (rc == 0 && mdb_get(txn, self->dbi[CASESTORE_DB_META], &k, &v) == 0 &&
        v.mv_size < sizeof self->instance) {
        memcpy(self->instance, v.mv_data, v.mv_size);
    } else if (rc == 0) {
        unsigned char r[4];
        RAND_bytes(r, sizeof r);
        snprintf(self->instance, sizeof self->instance, "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
        v.mv_size = strlen(self->instance);
        v.mv_data = self->instance;
        rc = mdb_put(txn, self->dbi[CASESTORE_DB_META], &k, &v, 0);
    }
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    if (rc != 0) {
        lmdb_fail(e, "open databases", rc);
        casestore_close(&self);
    }
    return self;
}

void casestore_close(casestore_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    if ((*self_p)->env)
        mdb_env_close((*self_p)->env);
    free((*self_p)->sign_key);
    free(*self_p);
    *self_p = NULL;
}

casestore_t *casestore_open_readonly(const char *dir, fs_err_t *e)
{
    if (!fs_is_dir(dir)) {
        fs_err_set(e, "store: %s is not a directory (the broker's --state-dir)", dir);
        return NULL;
    }
    casestore_t *self = fs_xcalloc(1, sizeof *self);
    int rc = mdb_env_create(&self->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(self->env, CASESTORE_DB_COUNT);
    if (rc == 0)
        rc = mdb_env_open(self->env, dir, MDB_NOTLS | MDB_RDONLY, 0600);
    if (rc != 0) {
        fs_err_set(e, "store: cannot open LMDB in %s read-only: %s", dir, mdb_strerror(rc));
        casestore_close(&self);
        return NULL;
    }
    MDB_txn *txn = NULL;
    if ((rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn)) != 0) {
        lmdb_fail(e, "begin", rc);
        casestore_close(&self);
        return NULL;
    }
    /* Databases an older broker never made stay unopened (dbi 0 = none). */
    for (int i = 0; i < CASESTORE_DB_COUNT; i++)
        if (mdb_dbi_open(txn, db_names[i], 0, &self->dbi[i]) != 0)
            self->dbi[i] = 0;
    MDB_val k = {8, "instance"}, v;
    if (self->dbi[CASESTORE_DB_META] && mdb_get(txn, self->dbi[CASESTORE_DB_META], &k, &v) == 0 &&
        v.mv_size < sizeof self->instance)
        memcpy(self->instance, v.mv_data, v.mv_size);
    mdb_txn_commit(txn);
    return self;
}

bool casestore_has(const casestore_t *self, casestore_db_t db)
{
    return self->dbi[db] != 0;
}

void casestore_set_sign_key(casestore_t *self, const char *path)
{
    free(self->sign_key);
    self->sign_key = path ? fs_xstrdup(path) : NULL;
}

const char *casestore_sign_key(const casestore_t *self)
{
    return self->sign_key;
}

const char *casestore_instance(const casestore_t *self)
{
    return self->instance;
}

int casestore_begin(casestore_t *self, bool write, casestore_txn_t **txn, fs_err_t *e)
{
    MDB_txn *t = NULL;
    int rc = mdb_txn_begin(self->env, NULL, write ? 0 : MDB_RDONLY, &t);
    *txn = (casestore_txn_t *)t;
    return rc ? lmdb_fail(e, "begin transaction", rc) : 0;
}

int casestore_commit(casestore_txn_t **txn, fs_err_t *e)
{
    int rc = mdb_txn_commit(lm(*txn));
    *txn = NULL;
    return rc ? lmdb_fail(e, "commit", rc) : 0;
}

void casestore_abort(casestore_txn_t **txn)
{
    if (txn && *txn) {
        mdb_txn_abort(lm(*txn));
        *txn = NULL;
    }
}

int casestore_get(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                  size_t klen, casestore_val_t *out, fs_err_t *e)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(lm(txn), self->dbi[db], &k, &v);
    if (rc == MDB_NOTFOUND)
        return 1;
    if (rc)
        return lmdb_fail(e, db_names[db], rc);
    *out = val_of(&v);
    return 0;
}

static int put_flags(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                     size_t klen, const void *val, size_t vlen, unsigned flags, fs_err_t *e)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc = mdb_put(lm(txn), self->dbi[db], &k, &v, flags);
    if (rc == MDB_MAP_FULL)
        return fs_err_set(e, "store: the LMDB map is full (raise store.map_size_mb)");
    return rc ? lmdb_fail(e, db_names[db], rc) : 0;
}

int casestore_put(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                  size_t klen, const void *val, size_t vlen, fs_err_t *e)
{
    return put_flags(self, txn, db, key, klen, val, vlen, 0, e);
}

int casestore_del(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, const void *key,
                  size_t klen, fs_err_t *e)
{
    MDB_val k = {klen, (void *)key};
    int rc = mdb_del(lm(txn), self->dbi[db], &k, NULL);
    return rc && rc != MDB_NOTFOUND ? lmdb_fail(e, db_names[db], rc) : 0;
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
    char *text = json_dumps(val, JSON_COMPACT);
    if (!text) /* jansson's allocator aborts on OOM: only a non-finite real gets here */
        return fs_err_set(e, "store: cannot serialize a %s record", db_names[db]);
    int rc = casestore_put(self, txn, db, key, klen, text, strlen(text), e);
    free(text);
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
    if (casestore_counter_add(self, txn, name, 1, e) != 0)
        return 0;
    return casestore_counter(self, txn, name);
}

uint64_t casestore_append_event(casestore_t *self, casestore_txn_t *txn, const void *data,
                                size_t len, fs_err_t *e)
{
    uint64_t id = casestore_next_id(self, txn, "event_id", e);
    unsigned char key[8];
    fs_u64_to_be(id, key);
    if (!id || put_flags(self, txn, CASESTORE_DB_EVENTS, key, 8, data, len, MDB_APPEND, e) != 0)
        return 0;
    return id;
}

int casestore_foreach(casestore_t *self, casestore_txn_t *txn, casestore_db_t db, bool reverse,
                      casestore_visit_fn *fn, void *arg)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(lm(txn), self->dbi[db], &cur) != 0)
        return -1;
    MDB_val k, v;
    int rc = mdb_cursor_get(cur, &k, &v, reverse ? MDB_LAST : MDB_FIRST);
    while (rc == 0) {
        casestore_val_t key = val_of(&k), val = val_of(&v);
        if (fn(arg, &key, &val) != 0)
            break;
        rc = mdb_cursor_get(cur, &k, &v, reverse ? MDB_PREV : MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return 0;
}

int casestore_foreach_from(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                           const void *from, size_t from_len, casestore_visit_fn *fn, void *arg)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(lm(txn), self->dbi[db], &cur) != 0)
        return -1;
    MDB_val k = {from_len, (void *)from}, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0) {
        casestore_val_t key = val_of(&k), val = val_of(&v);
        if (fn(arg, &key, &val) != 0)
            break;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return 0;
}

int casestore_first(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                    casestore_val_t *key, casestore_val_t *val)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(lm(txn), self->dbi[db], &cur) != 0)
        return -1;
    MDB_val k, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND)
        return 1;
    if (rc != 0)
        return -1;
    *key = val_of(&k);
    *val = val_of(&v);
    return 0;
}

int casestore_trim_front(casestore_t *self, casestore_txn_t *txn, casestore_db_t db,
                         bool (*drop)(void *arg, const casestore_val_t *key), void *arg, int max,
                         fs_err_t *e)
{
    MDB_cursor *cur;
    int deleted = 0, rc = mdb_cursor_open(lm(txn), self->dbi[db], &cur);
    if (rc != 0)
        return lmdb_fail(e, db_names[db], rc);
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && deleted < max;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        casestore_val_t key = val_of(&k);
        if (!drop(arg, &key))
            break;
        if ((rc = mdb_cursor_del(cur, 0)) != 0)
            break;
        deleted++;
    }
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return lmdb_fail(e, db_names[db], rc);
    return deleted;
}

size_t casestore_count(casestore_t *self, casestore_txn_t *txn, casestore_db_t db)
{
    MDB_stat ms;
    if (!self->dbi[db] || mdb_stat(lm(txn), self->dbi[db], &ms) != 0)
        return 0;
    return ms.ms_entries;
}
