/*  manual_state.c — the manual actuator's durable records (manual_state.h):
      key   command_id
      value {"command_id", "command", "case_id", "case_url", "playbook", "step",
             "stage": "new"|"ticketed"|"resolved"|"validating"|"done"|"closed",
             "ticket": {"id", "url"}, "began_at", "stage_at", "next_at", "backoff_ms",
             "stages": [{"at", "stage", "text"}], "outcome": {OpenC2 response},
             "last_error", "close_tries", "journaled"}
    Timestamps are wall-clock ms: they must mean the same after a restart. */
#include "manual_state.h"

#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#define MANUAL_MAP_SIZE (64u << 20) /* 64 MiB: 256 active records of a few KiB, many times over */

struct manual_store {
    MDB_env *env;
    MDB_dbi dbi;
};

static int lmdb_fail(fs_err_t *e, const char *what, int rc)
{
    return fs_err_set(e, "manual actuator state (manual.mdb): %s: %s", what, mdb_strerror(rc));
}

void manual_store_close(manual_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    if ((*self_p)->env)
        mdb_env_close((*self_p)->env);
    free(*self_p);
    *self_p = NULL;
}

manual_store_t *manual_store_open(const char *state_dir, fs_err_t *e)
{
    manual_store_t *s = fs_xcalloc(1, sizeof *s);
    char path[4096];
    snprintf(path, sizeof path, "%s/manual.mdb", state_dir);
    int rc = mdb_env_create(&s->env);
    if (rc == 0)
        rc = mdb_env_set_mapsize(s->env, MANUAL_MAP_SIZE);
    if (rc == 0)
        rc = mdb_env_open(s->env, path, MDB_NOSUBDIR | MDB_NOTLS, 0600);
    MDB_txn *txn = NULL;
    if (rc == 0)
        rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_dbi_open(txn, NULL, 0, &s->dbi);
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
        txn = NULL;
    }
    if (txn)
        mdb_txn_abort(txn);
    if (rc != 0) {
        lmdb_fail(e, path, rc);
        manual_store_close(&s);
    }
    return s;
}

json_t *manual_store_load(manual_store_t *self)
{
    json_t *out = json_array();
    MDB_txn *txn;
    MDB_cursor *cur;
    if (mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn) != 0)
        return out;
    if (mdb_cursor_open(txn, self->dbi, &cur) == 0) {
        MDB_val k, v;
        for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            json_t *rec = json_loadb(v.mv_data, v.mv_size, 0, NULL);
            if (json_is_object(rec))
                json_array_append_new(out, rec);
            else {
                fs_log(FS_LOG_ERROR, "manual", "state_unreadable",
                       "key=\"%.*s\" msg=\"a record that is not a JSON object is skipped\"",
                       (int)(k.mv_size > 100 ? 100 : k.mv_size), (const char *)k.mv_data);
                json_decref(rec);
            }
        }
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return out;
}

static int write(manual_store_t *self, const char *id, const char *text, fs_err_t *e)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    if (rc != 0)
        return lmdb_fail(e, "begin", rc);
    MDB_val k = {strlen(id), (void *)id};
    if (text) {
        MDB_val v = {strlen(text), (void *)text};
        rc = mdb_put(txn, self->dbi, &k, &v, 0);
    } else {
        rc = mdb_del(txn, self->dbi, &k, NULL);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        return lmdb_fail(e, text ? "put" : "del", rc);
    }
    rc = mdb_txn_commit(txn);
    return rc ? lmdb_fail(e, "commit", rc) : 0;
}

int manual_store_save(manual_store_t *self, const json_t *rec, fs_err_t *e)
{
    const char *id = json_string_value(json_object_get(rec, "command_id"));
    if (!id || !*id || strlen(id) > 100)
        return fs_err_set(e, "manual actuator state: a record without a usable command_id");
    char *text = json_dumps(rec, JSON_COMPACT);
    if (!text)
        return fs_err_set(e, "manual actuator state: cannot encode the record of %s", id);
    int rc = write(self, id, text, e);
    free(text);
    return rc;
}

int manual_store_drop(manual_store_t *self, const char *command_id, fs_err_t *e)
{
    return write(self, command_id, NULL, e);
}
