/*  store.c — the broker's LMDB environment.  One write transaction at a
    time, on the broker's single thread (LMDB caveat: one writer per env). */
#include "broker.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

static const char *const db_names[DB_COUNT] = {
    "events",   "seq",       "counters", "cases", "obs",        "runs",
    "commands", "pending",   "sites",    "meta",  "timers",     "approvals",
    "requests", "playbooks", "timeline", "audit", "governance", "dedup"};

struct store {
    MDB_env *env;
    MDB_dbi dbi[DB_COUNT];
    char instance[13];
    char *sign_key; /* the broker's Ed25519 private key file, for audit checkpoints */
    uint64_t checkpoint_every;
};

void store_set_checkpoint_every(store_t *self, uint64_t n)
{
    self->checkpoint_every = n;
}

uint64_t store_checkpoint_every(const store_t *self)
{
    return self->checkpoint_every ? self->checkpoint_every : AUDIT_CHECKPOINT_EVERY;
}

/* The state rows whose audit entries verify looks for (audit.c). */
static bool stamped(store_db_t db)
{
    return db == DB_CASES || db == DB_RUNS || db == DB_APPROVALS || db == DB_GOVERNANCE;
}

static int lmdb_fail(fs_err_t *e, const char *what, int rc)
{
    return fs_err_set(e, "store: %s: %s", what, mdb_strerror(rc));
}

store_t *store_open(const char *dir, size_t map_mb, fs_err_t *e)
{
    if (fs_mkdir_p(dir, 0700, e) != 0)
        return NULL;
    store_t *self = calloc(1, sizeof *self);
    int rc = mdb_env_create(&self->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(self->env, DB_COUNT);
    if (rc == 0)
        rc = mdb_env_set_mapsize(self->env, (size_t)(map_mb ? map_mb : 1024) << 20);
    /* Default flags: every commit is synced; an acknowledged event survives
       power loss (docs/operations.md "Durability"). */
    if (rc == 0)
        rc = mdb_env_open(self->env, dir, MDB_NOTLS, 0600);
    if (rc != 0) {
        fs_err_set(e, "store: cannot open LMDB in %s: %s", dir, mdb_strerror(rc));
        store_close(&self);
        return NULL;
    }
    /* A crashed reader (kill -9 of a former process) leaves a stale slot. */
    int dead = 0;
    mdb_reader_check(self->env, &dead);
    MDB_txn *txn = NULL;
    if ((rc = mdb_txn_begin(self->env, NULL, 0, &txn)) != 0) {
        lmdb_fail(e, "begin", rc);
        store_close(&self);
        return NULL;
    }
    for (int i = 0; i < DB_COUNT && rc == 0; i++)
        rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &self->dbi[i]);
    MDB_val k = {8, "instance"}, v;
    if (rc == 0 && mdb_get(txn, self->dbi[DB_META], &k, &v) == 0 &&
        v.mv_size < sizeof self->instance) {
        memcpy(self->instance, v.mv_data, v.mv_size);
    } else if (rc == 0) {
        unsigned char r[4];
        RAND_bytes(r, sizeof r);
        snprintf(self->instance, sizeof self->instance, "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
        v.mv_size = strlen(self->instance);
        v.mv_data = self->instance;
        rc = mdb_put(txn, self->dbi[DB_META], &k, &v, 0);
    }
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    if (rc != 0) {
        lmdb_fail(e, "open databases", rc);
        store_close(&self);
    }
    return self;
}

void store_close(store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    if ((*self_p)->env)
        mdb_env_close((*self_p)->env);
    free((*self_p)->sign_key);
    free(*self_p);
    *self_p = NULL;
}

store_t *store_open_readonly(const char *dir, fs_err_t *e)
{
    if (!fs_is_dir(dir)) {
        fs_err_set(e, "store: %s is not a directory (the broker's --state-dir)", dir);
        return NULL;
    }
    store_t *self = calloc(1, sizeof *self);
    int rc = mdb_env_create(&self->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(self->env, DB_COUNT);
    if (rc == 0)
        rc = mdb_env_open(self->env, dir, MDB_NOTLS | MDB_RDONLY, 0600);
    if (rc != 0) {
        fs_err_set(e, "store: cannot open LMDB in %s read-only: %s", dir, mdb_strerror(rc));
        store_close(&self);
        return NULL;
    }
    MDB_txn *txn = NULL;
    if ((rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn)) != 0) {
        lmdb_fail(e, "begin", rc);
        store_close(&self);
        return NULL;
    }
    /* Databases an older broker never made stay unopened (dbi 0 = none). */
    for (int i = 0; i < DB_COUNT; i++)
        if (mdb_dbi_open(txn, db_names[i], 0, &self->dbi[i]) != 0)
            self->dbi[i] = 0;
    MDB_val k = {8, "instance"}, v;
    if (self->dbi[DB_META] && mdb_get(txn, self->dbi[DB_META], &k, &v) == 0 &&
        v.mv_size < sizeof self->instance)
        memcpy(self->instance, v.mv_data, v.mv_size);
    mdb_txn_commit(txn);
    return self;
}

bool store_has(const store_t *self, store_db_t db)
{
    return self->dbi[db] != 0;
}

void store_set_sign_key(store_t *self, const char *path)
{
    free(self->sign_key);
    self->sign_key = path ? strdup(path) : NULL;
}

const char *store_sign_key(const store_t *self)
{
    return self->sign_key;
}

const char *store_instance(const store_t *self)
{
    return self->instance;
}

MDB_dbi store_dbi(const store_t *self, store_db_t db)
{
    return self->dbi[db];
}

int store_begin(store_t *self, bool write, MDB_txn **txn, fs_err_t *e)
{
    int rc = mdb_txn_begin(self->env, NULL, write ? 0 : MDB_RDONLY, txn);
    return rc ? lmdb_fail(e, "begin transaction", rc) : 0;
}

int store_commit(MDB_txn **txn, fs_err_t *e)
{
    int rc = mdb_txn_commit(*txn);
    *txn = NULL;
    return rc ? lmdb_fail(e, "commit", rc) : 0;
}

void store_abort(MDB_txn **txn)
{
    if (txn && *txn) {
        mdb_txn_abort(*txn);
        *txn = NULL;
    }
}

int store_get(store_t *self, MDB_txn *txn, store_db_t db, const void *key, size_t klen,
              MDB_val *out, fs_err_t *e)
{
    MDB_val k = {klen, (void *)key};
    int rc = mdb_get(txn, self->dbi[db], &k, out);
    if (rc == MDB_NOTFOUND)
        return 1;
    return rc ? lmdb_fail(e, db_names[db], rc) : 0;
}

int store_put(store_t *self, MDB_txn *txn, store_db_t db, const void *key, size_t klen,
              const void *val, size_t vlen, unsigned flags, fs_err_t *e)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc = mdb_put(txn, self->dbi[db], &k, &v, flags);
    if (rc == MDB_MAP_FULL)
        return fs_err_set(e, "store: the LMDB map is full (raise store.map_size_mb)");
    return rc ? lmdb_fail(e, db_names[db], rc) : 0;
}

int store_del(store_t *self, MDB_txn *txn, store_db_t db, const void *key, size_t klen, fs_err_t *e)
{
    MDB_val k = {klen, (void *)key};
    int rc = mdb_del(txn, self->dbi[db], &k, NULL);
    return rc && rc != MDB_NOTFOUND ? lmdb_fail(e, db_names[db], rc) : 0;
}

json_t *store_get_json(store_t *self, MDB_txn *txn, store_db_t db, const void *key, size_t klen)
{
    MDB_val v;
    if (store_get(self, txn, db, key, klen, &v, NULL) != 0)
        return NULL;
    return json_loadb(v.mv_data, v.mv_size, 0, NULL);
}

int store_put_json(store_t *self, MDB_txn *txn, store_db_t db, const void *key, size_t klen,
                   const json_t *val, fs_err_t *e)
{
    /* A state row records how far the audit chain reached when it was
       written, so that removing the chain's tail cannot pass unseen. */
    if (stamped(db) && json_is_object(val) && store_has(self, DB_AUDIT))
        json_object_set_new((json_t *)val, "audit_seq",
                            json_integer((json_int_t)audit_head(self, txn)));
    char *text = json_dumps(val, JSON_COMPACT);
    if (!text)
        return fs_err_set(e, "store: cannot serialize a %s record", db_names[db]);
    int rc = store_put(self, txn, db, key, klen, text, strlen(text), 0, e);
    free(text);
    return rc;
}

uint64_t store_counter(store_t *self, MDB_txn *txn, const char *name)
{
    MDB_val v;
    if (store_get(self, txn, DB_COUNTERS, name, strlen(name), &v, NULL) != 0 || v.mv_size != 8)
        return 0;
    return fs_u64_from_be(v.mv_data);
}

int store_counter_add(store_t *self, MDB_txn *txn, const char *name, int64_t delta, fs_err_t *e)
{
    unsigned char be[8];
    uint64_t v = store_counter(self, txn, name) + (uint64_t)delta;
    fs_u64_to_be(v, be);
    return store_put(self, txn, DB_COUNTERS, name, strlen(name), be, 8, 0, e);
}

uint64_t store_next_id(store_t *self, MDB_txn *txn, const char *name, fs_err_t *e)
{
    if (store_counter_add(self, txn, name, 1, e) != 0)
        return 0;
    return store_counter(self, txn, name);
}

uint64_t store_append_event(store_t *self, MDB_txn *txn, const void *data, size_t len, fs_err_t *e)
{
    uint64_t id = store_next_id(self, txn, "event_id", e);
    unsigned char key[8];
    fs_u64_to_be(id, key);
    if (!id || store_put(self, txn, DB_EVENTS, key, 8, data, len, MDB_APPEND, e) != 0)
        return 0;
    return id;
}

int store_foreach(store_t *self, MDB_txn *txn, store_db_t db, bool reverse,
                  int (*fn)(void *arg, const MDB_val *key, const MDB_val *val), void *arg)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, self->dbi[db], &cur) != 0)
        return -1;
    MDB_val k, v;
    int rc = mdb_cursor_get(cur, &k, &v, reverse ? MDB_LAST : MDB_FIRST);
    while (rc == 0) {
        if (fn(arg, &k, &v) != 0)
            break;
        rc = mdb_cursor_get(cur, &k, &v, reverse ? MDB_PREV : MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return 0;
}
