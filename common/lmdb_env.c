/*  lmdb_env.c — one LMDB environment with named databases (lmdb_env.h). */
#include "lmdb_env.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define FS_LMDB_MAX_DBS 64u

struct fs_lmdb {
    MDB_env *env;
    MDB_dbi dbi[FS_LMDB_MAX_DBS];
    bool opened[FS_LMDB_MAX_DBS];
    char *names[FS_LMDB_MAX_DBS];
    unsigned ndbs;
    char *what;
    char *dir;
    char *map_full_hint;
};

/* "WHAT: ACTION [DB] in DIR: REASON[ (HINT)]" with a code for the failure. */
static int fail(const fs_lmdb_t *self, fs_err_t *e, const char *action, int db, int rc)
{
    const char *name = db >= 0 && (unsigned)db < self->ndbs ? self->names[db] : NULL;
    if (rc == MDB_MAP_FULL)
        return fs_err_setc(
            e, FS_E_FULL, "%s: %s%s%s in %s: the LMDB map is full%s%s%s", self->what, action,
            name ? " " : "", name ? name : "", self->dir, self->map_full_hint ? " (" : "",
            self->map_full_hint ? self->map_full_hint : "", self->map_full_hint ? ")" : "");
    return fs_err_setc(e, FS_E_STORAGE, "%s: %s%s%s in %s: %s", self->what, action, name ? " " : "",
                       name ? name : "", self->dir, mdb_strerror(rc));
}

fs_lmdb_t *fs_lmdb_open(const char *dir, const fs_lmdb_opts_t *opts, fs_err_t *e)
{
    const char *what = opts->what ? opts->what : "lmdb";
    if (opts->ndbs > FS_LMDB_MAX_DBS) {
        fs_err_setc(e, FS_E_INVALID, "%s: %u databases asked, at most %u", what, opts->ndbs,
                    FS_LMDB_MAX_DBS);
        return NULL;
    }
    if (opts->readonly && !fs_is_dir(dir)) {
        fs_err_setc(e, FS_E_NOT_FOUND, "%s: %s is not a directory", what, dir);
        return NULL;
    }
    if (!opts->readonly && fs_mkdir_p(dir, 0700, e) != 0)
        return NULL;
    fs_lmdb_t *self = fs_xcalloc(1, sizeof *self);
    self->what = fs_xstrdup(what);
    self->dir = fs_xstrdup(dir);
    self->map_full_hint = opts->map_full_hint ? fs_xstrdup(opts->map_full_hint) : NULL;
    self->ndbs = opts->ndbs;
    for (unsigned i = 0; i < opts->ndbs; i++)
        self->names[i] = fs_xstrdup(opts->dbs[i]);

    size_t map_mb = opts->map_mb ? opts->map_mb : FS_LMDB_MAP_MB_DEFAULT;
    int rc = mdb_env_create(&self->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(self->env, opts->ndbs);
    if (rc == 0 && !opts->readonly)
        rc = mdb_env_set_mapsize(self->env, map_mb << 20);
    if (rc == 0)
        rc = mdb_env_open(self->env, dir, MDB_NOTLS | (opts->readonly ? MDB_RDONLY : 0), 0600);
    if (rc != 0) {
        fs_err_setc(e, FS_E_STORAGE, "%s: cannot open LMDB in %s%s: %s", what, dir,
                    opts->readonly ? " read-only" : "", mdb_strerror(rc));
        fs_lmdb_close(&self);
        return NULL;
    }
    /* A crashed reader (kill -9 of a former process) leaves a stale slot. */
    int dead = 0;
    mdb_reader_check(self->env, &dead);

    MDB_txn *txn = NULL;
    if (fs_lmdb_begin(self, !opts->readonly, &txn, e) != 0) {
        fs_lmdb_close(&self);
        return NULL;
    }
    for (unsigned i = 0; i < self->ndbs; i++) {
        rc = mdb_dbi_open(txn, self->names[i], opts->readonly ? 0 : MDB_CREATE, &self->dbi[i]);
        if (rc == 0)
            self->opened[i] = true;
        else if (!opts->readonly || rc != MDB_NOTFOUND) {
            fail(self, e, "open database", (int)i, rc);
            fs_lmdb_abort(&txn);
            fs_lmdb_close(&self);
            return NULL;
        }
    }
    if (fs_lmdb_commit(self, &txn, e) != 0)
        fs_lmdb_close(&self);
    return self;
}

void fs_lmdb_close(fs_lmdb_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fs_lmdb_t *self = *self_p;
    if (self->env)
        mdb_env_close(self->env);
    for (unsigned i = 0; i < self->ndbs; i++)
        free(self->names[i]);
    free(self->what);
    free(self->dir);
    free(self->map_full_hint);
    free(self);
    *self_p = NULL;
}

const char *fs_lmdb_dir(const fs_lmdb_t *self)
{
    return self->dir;
}

bool fs_lmdb_has(const fs_lmdb_t *self, unsigned db)
{
    return db < self->ndbs && self->opened[db];
}

MDB_env *fs_lmdb_env(fs_lmdb_t *self)
{
    return self->env;
}

MDB_dbi fs_lmdb_dbi(const fs_lmdb_t *self, unsigned db)
{
    return db < self->ndbs ? self->dbi[db] : 0;
}

int fs_lmdb_begin(fs_lmdb_t *self, bool write, MDB_txn **txn, fs_err_t *e)
{
    int rc = mdb_txn_begin(self->env, NULL, write ? 0 : MDB_RDONLY, txn);
    if (rc != 0) {
        *txn = NULL;
        return fail(self, e, write ? "begin write transaction" : "begin read transaction", -1, rc);
    }
    return 0;
}

int fs_lmdb_commit(fs_lmdb_t *self, MDB_txn **txn, fs_err_t *e)
{
    int rc = mdb_txn_commit(*txn);
    *txn = NULL;
    return rc ? fail(self, e, "commit", -1, rc) : 0;
}

void fs_lmdb_abort(MDB_txn **txn)
{
    if (txn && *txn) {
        mdb_txn_abort(*txn);
        *txn = NULL;
    }
}

static int unopened(const fs_lmdb_t *self, unsigned db, fs_err_t *e)
{
    if (db >= self->ndbs)
        return fs_err_setc(e, FS_E_INVALID, "%s: no database #%u in %s", self->what, db, self->dir);
    return fs_err_setc(e, FS_E_NOT_FOUND, "%s: database %s does not exist in %s", self->what,
                       self->names[db], self->dir);
}

int fs_lmdb_get(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const void *key, size_t klen,
                MDB_val *out, fs_err_t *e)
{
    if (!fs_lmdb_has(self, db))
        return db < self->ndbs ? 1 : unopened(self, db, e);
    MDB_val k = {klen, (void *)key};
    int rc = mdb_get(txn, self->dbi[db], &k, out);
    if (rc == MDB_NOTFOUND)
        return 1;
    return rc ? fail(self, e, "read", (int)db, rc) : 0;
}

int fs_lmdb_put(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const void *key, size_t klen,
                const void *val, size_t vlen, unsigned flags, fs_err_t *e)
{
    if (!fs_lmdb_has(self, db))
        return unopened(self, db, e);
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc = mdb_put(txn, self->dbi[db], &k, &v, flags);
    if (rc == MDB_KEYEXIST && (flags & MDB_NOOVERWRITE))
        return 1;
    return rc ? fail(self, e, "write", (int)db, rc) : 0;
}

int fs_lmdb_del(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const void *key, size_t klen,
                fs_err_t *e)
{
    if (!fs_lmdb_has(self, db))
        return unopened(self, db, e);
    MDB_val k = {klen, (void *)key};
    int rc = mdb_del(txn, self->dbi[db], &k, NULL);
    return rc && rc != MDB_NOTFOUND ? fail(self, e, "delete", (int)db, rc) : 0;
}

uint64_t fs_lmdb_get_u64(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const char *key)
{
    MDB_val v;
    if (fs_lmdb_get(self, txn, db, key, strlen(key), &v, NULL) != 0 || v.mv_size != 8)
        return 0;
    return fs_u64_from_be(v.mv_data);
}

int fs_lmdb_put_u64(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const char *key, uint64_t value,
                    fs_err_t *e)
{
    unsigned char be[8];
    fs_u64_to_be(value, be);
    return fs_lmdb_put(self, txn, db, key, strlen(key), be, 8, 0, e);
}

size_t fs_lmdb_map_mb(fs_lmdb_t *self)
{
    MDB_envinfo info;
    return mdb_env_info(self->env, &info) == 0 ? info.me_mapsize >> 20 : 0;
}

int fs_lmdb_grow(fs_lmdb_t *self, size_t max_mb, size_t *now_mb, fs_err_t *e)
{
    size_t cur = fs_lmdb_map_mb(self);
    *now_mb = cur;
    if (cur >= max_mb)
        return 1;
    size_t next = cur * 2 > max_mb ? max_mb : cur * 2;
    int rc = mdb_env_set_mapsize(self->env, next << 20);
    if (rc != 0)
        return fs_err_setc(e, FS_E_STORAGE, "%s: grow the map of %s to %zu MiB: %s", self->what,
                           self->dir, next, mdb_strerror(rc));
    *now_mb = fs_lmdb_map_mb(self);
    return 0;
}

size_t fs_lmdb_count(fs_lmdb_t *self, MDB_txn *txn, unsigned db)
{
    MDB_stat st;
    if (!fs_lmdb_has(self, db) || mdb_stat(txn, self->dbi[db], &st) != 0)
        return 0;
    return st.ms_entries;
}

int fs_lmdb_identity(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const char *key, size_t nbytes,
                     char *out, size_t size, fs_err_t *e)
{
    if (size < 2 * nbytes + 1 || nbytes > 32)
        return fs_err_setc(e, FS_E_INVALID, "%s: identity %s: buffer too small", self->what, key);
    MDB_val v;
    int rc = fs_lmdb_get(self, txn, db, key, strlen(key), &v, e);
    if (rc < 0)
        return -1;
    if (rc == 0 && v.mv_size < size) {
        memcpy(out, v.mv_data, v.mv_size);
        out[v.mv_size] = '\0';
        return 0;
    }
    unsigned char r[32];
    if (RAND_bytes(r, (int)nbytes) != 1)
        return fs_err_setc(e, FS_E_CRYPTO, "%s: identity %s: no random bytes", self->what, key);
    for (size_t i = 0; i < nbytes; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    return fs_lmdb_put(self, txn, db, key, strlen(key), out, 2 * nbytes, 0, e);
}

int fs_lmdb_foreach(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const void *from, size_t flen,
                    bool reverse, fs_lmdb_visit_fn visit, void *arg, fs_err_t *e)
{
    if (!fs_lmdb_has(self, db))
        return db < self->ndbs ? 0 : unopened(self, db, e);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->dbi[db], &cur);
    if (rc != 0)
        return fail(self, e, "open cursor on", (int)db, rc);
    MDB_val k = {flen, (void *)from}, v;
    if (!from) {
        rc = mdb_cursor_get(cur, &k, &v, reverse ? MDB_LAST : MDB_FIRST);
    } else {
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (reverse && rc == MDB_NOTFOUND)
            rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
        else if (reverse && rc == 0 && (k.mv_size != flen || memcmp(k.mv_data, from, flen) != 0))
            rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    }
    int out = 0;
    while (rc == 0) {
        int next = visit(arg, &k, &v);
        if (next < 0) {
            out = -1;
            break;
        }
        if (next == FS_LMDB_STOP)
            break;
        if (next == FS_LMDB_DELETE) {
            rc = mdb_cursor_del(cur, 0);
            if (rc != 0) {
                out = fail(self, e, "delete in", (int)db, rc);
                break;
            }
            /* LMDB marks a cursor after a delete: MDB_NEXT then reads the
               record that followed the deleted one, MDB_PREV the one before. */
        }
        rc = mdb_cursor_get(cur, &k, &v, reverse ? MDB_PREV : MDB_NEXT);
    }
    if (out == 0 && rc != 0 && rc != MDB_NOTFOUND)
        out = fail(self, e, "iterate", (int)db, rc);
    mdb_cursor_close(cur);
    return out;
}
