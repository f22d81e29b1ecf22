/*  lmdb_env.h — one LMDB environment with named databases: open, begin /
    commit / abort, get / put / del, cursor iteration.  The broker's store
    and the adapter's outbox are both built on it (docs/internals/common.md
    "LMDB").

    Map size rule: the map is the most the environment may ever hold (it is
    address space, not memory or disk: the file grows as data is written).
    fs_lmdb_open uses opts->map_mb, or FS_LMDB_MAP_MB_DEFAULT when 0; an
    environment that already holds a larger map keeps its size (LMDB reads
    it from the file).  When the map is full a put or commit fails with
    FS_E_FULL and the message ends with opts->map_full_hint, so the operator
    knows which knob to raise.  Nothing is lost: the transaction is aborted
    and nothing of it was acknowledged.

    Durability: default LMDB flags, so every commit is synced (an
    acknowledged write survives power loss).  MDB_NOTLS: a read transaction
    belongs to the fs_lmdb_t's thread, not to the OS thread.  Stale reader
    slots left by a killed process are cleared at open.

    Every error message is "WHAT: ACTION DATABASE in DIR: REASON", WHAT being
    opts->what ("store", "outbox"), so a log line names the part, the step
    and the files.  Ownership: fs_lmdb_open copies what it keeps from opts;
    MDB_val results point into the map and are valid until the transaction
    ends (LMDB's rule). */
#ifndef FEDSOAR_LMDB_ENV_H
#define FEDSOAR_LMDB_ENV_H

#include "common.h"

#include <lmdb.h>

#define FS_LMDB_MAP_MB_DEFAULT 1024u

typedef struct fs_lmdb fs_lmdb_t;

typedef struct fs_lmdb_opts {
    const char *what;          /* first word of every error ("store") */
    const char *const *dbs;    /* database names; index = the caller's enum */
    unsigned ndbs;             /* how many (at most 64) */
    size_t map_mb;             /* 0 = FS_LMDB_MAP_MB_DEFAULT */
    const char *map_full_hint; /* e.g. "raise store.map_size_mb"; NULL = none */
    bool readonly;             /* MDB_RDONLY; missing databases stay unopened, the
                                  directory must exist (it is never created) */
} fs_lmdb_opts_t;

/* Opens (creating dir with mode 0700 and every database, unless readonly).
   Caller owns; destroy with fs_lmdb_close. NULL and e filled on failure. */
fs_lmdb_t *fs_lmdb_open(const char *dir, const fs_lmdb_opts_t *opts, fs_err_t *e);
/* Closes the environment (every transaction must be ended). Nulls *self_p;
   idempotent. */
void fs_lmdb_close(fs_lmdb_t **self_p);

const char *fs_lmdb_dir(const fs_lmdb_t *self);
/* Whether database db was opened (always, unless opened readonly and the
   database was never created). */
bool fs_lmdb_has(const fs_lmdb_t *self, unsigned db);
/* The raw handles, for what this face does not cover (mdb_stat, MDB_APPEND
   cursors). Borrowed. */
MDB_env *fs_lmdb_env(fs_lmdb_t *self);
MDB_dbi fs_lmdb_dbi(const fs_lmdb_t *self, unsigned db);

/* ---- transactions ---------------------------------------------------------
   One write transaction at a time per environment (LMDB: one writer).
   fs_lmdb_commit and fs_lmdb_abort end *txn and set it to NULL whatever
   happens; fs_lmdb_abort(NULL or &NULL) does nothing. */
int fs_lmdb_begin(fs_lmdb_t *self, bool write, MDB_txn **txn, fs_err_t *e);
int fs_lmdb_commit(fs_lmdb_t *self, MDB_txn **txn, fs_err_t *e);
void fs_lmdb_abort(MDB_txn **txn);

/* ---- records ---------------------------------------------------------------
   fs_lmdb_get returns 0 (found, *out points into the map), 1 (absent) or -1.
   fs_lmdb_put passes flags to mdb_put (MDB_APPEND, MDB_NOOVERWRITE: an
   existing key then returns 1). fs_lmdb_del returns 0 also when absent. */
int fs_lmdb_get(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const void *key, size_t klen,
                MDB_val *out, fs_err_t *e);
int fs_lmdb_put(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const void *key, size_t klen,
                const void *val, size_t vlen, unsigned flags, fs_err_t *e);
int fs_lmdb_del(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const void *key, size_t klen,
                fs_err_t *e);

/* A big-endian u64 under a string key (counters, sequence numbers): 0 when
   absent or not 8 bytes long. */
uint64_t fs_lmdb_get_u64(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const char *key);
int fs_lmdb_put_u64(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const char *key, uint64_t value,
                    fs_err_t *e);
/* Grows the map to twice its size, at most max_mb MiB (LMDB's
   mdb_env_set_mapsize). LMDB's rule: no transaction of this process may be
   open (callers grow between transactions, on their one writer thread).
   *now_mb receives the map's size after the call. 0 grown, 1 already at
   max_mb (nothing changed), -1 with e set. */
int fs_lmdb_grow(fs_lmdb_t *self, size_t max_mb, size_t *now_mb, fs_err_t *e);
/* The map's size in MiB. */
size_t fs_lmdb_map_mb(fs_lmdb_t *self);
/* Number of records in db (0 when unopened). */
size_t fs_lmdb_count(fs_lmdb_t *self, MDB_txn *txn, unsigned db);

/* A random identity kept under key (instance id, outbox epoch): read when
   present, else nbytes random bytes written as 2*nbytes lowercase hex
   (write txn). out must hold 2*nbytes+1 bytes. 0 or -1. */
int fs_lmdb_identity(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const char *key, size_t nbytes,
                     char *out, size_t size, fs_err_t *e);

/* ---- iteration --------------------------------------------------------------
   Visits db's records in key order (reverse: descending), starting at the
   first key >= from (reverse: the last key <= from); from == NULL starts at
   the first (last) record.  The visitor returns FS_LMDB_NEXT, FS_LMDB_STOP,
   FS_LMDB_DELETE (delete this record, go on; write transactions only) or -1
   (stop; fs_lmdb_foreach then returns -1 and leaves e to the visitor).
   key/val are valid during the call only.  Returns 0 or -1. */
enum { FS_LMDB_NEXT = 0, FS_LMDB_STOP = 1, FS_LMDB_DELETE = 2 };
typedef int (*fs_lmdb_visit_fn)(void *arg, const MDB_val *key, const MDB_val *val);
int fs_lmdb_foreach(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const void *from, size_t flen,
                    bool reverse, fs_lmdb_visit_fn visit, void *arg, fs_err_t *e);

#endif
