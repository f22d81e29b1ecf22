/*  bench/recovery_store.c — bench/recovery reads the broker's store itself,
    read-only, to know what was in flight at the kill and what moved on
    after the restart without asking the broker (whose answers are what is
    being measured), and to time the raw limit: opening the LMDB environment
    and walking the whole runs table. */
#include "recovery.h"

#include "bench.h"
#include "casestore.h"

#include <jansson.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const recovery_kind_names[K_N] = {"command", "approval", "later", "soon"};

static int kind_of(const json_t *run)
{
    const char *pb = json_string_value(json_object_get(run, "playbook"));
    for (int k = 0; pb && k < K_N; k++)
        if (strncmp(pb, "recovery-", 9) == 0 && strcmp(pb + 9, recovery_kind_names[k]) == 0)
            return k;
    return -1;
}

/* Run id -> kind, for the runs of one read (ids are dense from 1). */
typedef struct {
    signed char *kind;
    size_t len;
    recovery_view_t *v;
    int64_t at_ms;
} runs_map_t;

/* A wait step (the playbooks' first, path "0") that fired at or after
   at_ms: how late, from the node's own wake and waited_until. */
static void note_fired(runs_map_t *m, int w, const json_t *run)
{
    json_t *node = json_object_get(json_object_get(run, "nodes"), "0");
    json_int_t wake = json_integer_value(json_object_get(node, "wake"));
    json_int_t fired =
        json_integer_value(json_object_get(json_object_get(node, "result"), "waited_until"));
    if (!wake || !fired || fired < m->at_ms)
        return;
    recovery_view_t *v = m->v;
    size_t n = v->fired_after[w]++;
    v->late_ms[w] = fs_xrealloc(v->late_ms[w], (n + 1) * sizeof *v->late_ms[w]);
    v->late_ms[w][n] = (double)(fired - wake);
    if (fired > v->last_fired[w])
        v->last_fired[w] = fired;
}

static int visit_run(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    runs_map_t *m = arg;
    json_t *run = json_loadb(val->data, val->len, 0, NULL);
    int k = kind_of(run);
    uint64_t id = key->len == 8 ? fs_u64_from_be(key->data) : 0;
    if (k >= 0) {
        m->v->runs[k]++;
        const char *status = json_string_value(json_object_get(run, "status"));
        if (status && strcmp(status, "completed") == 0)
            m->v->completed[k]++;
        if (k == K_SOON || k == K_LATER)
            note_fired(m, k == K_SOON, run);
        if (id >= m->len) {
            size_t len = id * 2 + 1024;
            m->kind = fs_xrealloc(m->kind, len);
            memset(m->kind + m->len, -1, len - m->len);
            m->len = len;
        }
        m->kind[id] = (signed char)k;
    }
    json_decref(run);
    return 0;
}

typedef struct {
    runs_map_t *m;
    int64_t at_ms;
} timers_ctx_t;

static void note_due(int64_t *first, int64_t *last, int64_t at)
{
    if (!*first || at < *first)
        *first = at;
    if (at > *last)
        *last = at;
}

static int visit_timer(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)val;
    timers_ctx_t *t = arg;
    recovery_view_t *v = t->m->v;
    v->timers++;
    if (key->len < 16)
        return 0;
    int64_t at = (int64_t)fs_u64_from_be(key->data);
    uint64_t run = fs_u64_from_be((const unsigned char *)key->data + 8);
    int k = run < t->m->len ? t->m->kind[run] : -1;
    if (k != K_LATER && k != K_SOON)
        return 0;
    v->wait_timers[k == K_SOON]++;
    if (k == K_SOON)
        note_due(&v->soon_first_at, &v->soon_last_at, at);
    else
        note_due(&v->later_first_at, &v->later_last_at, at);
    if (at <= t->at_ms)
        v->overdue_at++;
    return 0;
}

static int visit_approval(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    recovery_view_t *v = arg;
    json_t *ap = json_loadb(val->data, val->len, 0, NULL);
    const char *status = json_string_value(json_object_get(ap, "status"));
    if (status && strcmp(status, "open") == 0 && key->len == 8) {
        size_t n = v->approvals_open++;
        v->approval_ids = fs_xrealloc(v->approval_ids, (n + 1) * sizeof *v->approval_ids);
        v->approval_run_ids =
            fs_xrealloc(v->approval_run_ids, (n + 1) * sizeof *v->approval_run_ids);
        v->approval_ids[n] = fs_u64_from_be(key->data);
        v->approval_run_ids[n] = (uint64_t)json_integer_value(json_object_get(ap, "run_id"));
        v->approvals_ids_len = n + 1;
    }
    json_decref(ap);
    return 0;
}

static int visit_pending(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)val;
    recovery_view_t *v = arg;
    if (key->len > 5 && memcmp(key->data, "mute\0", 5) == 0)
        v->pending_mute++;
    return 0;
}

/* The broker's store at state_dir opened read-only, a read transaction
   begun; -1 with the reason on stderr. */
static int read_store(const char *state_dir, casestore_t **st, casestore_txn_t **txn)
{
    fs_err_t e = {0};
    *txn = NULL;
    *st = casestore_open_readonly(state_dir, &e);
    if (*st && casestore_begin(*st, false, txn, &e) == 0)
        return 0;
    fprintf(stderr, "recovery: cannot read %s: %s\n", state_dir, e.text);
    casestore_close(st);
    return -1;
}

int recovery_view_read(const char *state_dir, int64_t at_ms, recovery_view_t *v)
{
    memset(v, 0, sizeof *v);
    casestore_t *st;
    casestore_txn_t *txn;
    if (read_store(state_dir, &st, &txn) != 0)
        return -1;
    runs_map_t m = {.v = v, .at_ms = at_ms};
    timers_ctx_t t = {.m = &m, .at_ms = at_ms};
    casestore_foreach(st, txn, CASESTORE_DB_RUNS, false, visit_run, &m);
    casestore_foreach(st, txn, CASESTORE_DB_TIMERS, false, visit_timer, &t);
    casestore_foreach(st, txn, CASESTORE_DB_APPROVALS, false, visit_approval, v);
    casestore_foreach(st, txn, CASESTORE_DB_PENDING, false, visit_pending, v);
    casestore_abort(&txn);
    casestore_close(&st);
    free(m.kind);
    return 0;
}

void recovery_view_clear(recovery_view_t *v)
{
    free(v->approval_ids);
    free(v->approval_run_ids);
    free(v->late_ms[0]);
    free(v->late_ms[1]);
    memset(v, 0, sizeof *v);
}

int recovery_runs_completed(const char *state_dir, const uint64_t *run_ids, size_t n,
                            size_t *completed)
{
    *completed = 0;
    casestore_t *st;
    casestore_txn_t *txn;
    if (read_store(state_dir, &st, &txn) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char key[8];
        fs_u64_to_be(run_ids[i], key);
        json_t *run = casestore_get_json(st, txn, CASESTORE_DB_RUNS, key, 8);
        const char *status = json_string_value(json_object_get(run, "status"));
        *completed += status && strcmp(status, "completed") == 0;
        json_decref(run);
    }
    casestore_abort(&txn);
    casestore_close(&st);
    return 0;
}

/* "done" lines of wait steps per run id. */
typedef struct {
    unsigned *lines;
    size_t len;
} wait_lines_t;

static int visit_line(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    wait_lines_t *w = arg;
    json_t *entry = json_loadb(val->data, val->len, 0, NULL);
    const char *kind = json_string_value(json_object_get(entry, "kind"));
    const char *type = json_string_value(json_object_get(entry, "type"));
    const char *what = json_string_value(json_object_get(entry, "what"));
    uint64_t run = (uint64_t)json_integer_value(json_object_get(entry, "run_id"));
    if (kind && type && what && strcmp(kind, "step") == 0 && strcmp(type, "wait") == 0 &&
        strcmp(what, "done") == 0) {
        if (run >= w->len) {
            size_t len = run * 2 + 1024;
            w->lines = fs_xrealloc(w->lines, len * sizeof *w->lines);
            memset(w->lines + w->len, 0, (len - w->len) * sizeof *w->lines);
            w->len = len;
        }
        w->lines[run]++;
    }
    json_decref(entry);
    return 0;
}

typedef struct {
    wait_lines_t *w;
    size_t once, never, twice;
} wait_count_t;

static int visit_wait_run(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    wait_count_t *c = arg;
    json_t *run = json_loadb(val->data, val->len, 0, NULL);
    int k = kind_of(run);
    uint64_t id = key->len == 8 ? fs_u64_from_be(key->data) : 0;
    if (k == K_LATER || k == K_SOON) {
        unsigned n = id < c->w->len ? c->w->lines[id] : 0;
        if (n == 1)
            c->once++;
        else if (n == 0)
            c->never++;
        else
            c->twice++;
    }
    json_decref(run);
    return 0;
}

int recovery_wait_lines(const char *state_dir, size_t *once, size_t *never, size_t *twice)
{
    casestore_t *st;
    casestore_txn_t *txn;
    if (read_store(state_dir, &st, &txn) != 0)
        return -1;
    wait_lines_t w = {0};
    casestore_foreach(st, txn, CASESTORE_DB_TIMELINE, false, visit_line, &w);
    wait_count_t c = {.w = &w};
    casestore_foreach(st, txn, CASESTORE_DB_RUNS, false, visit_wait_run, &c);
    casestore_abort(&txn);
    casestore_close(&st);
    free(w.lines);
    *once = c.once, *never = c.never, *twice = c.twice;
    return 0;
}

int recovery_raw_scan(const char *state_dir, double *walk_s, double *parse_s, size_t *rows,
                      size_t *bytes)
{
    *rows = *bytes = 0;
    for (int parse = 0; parse < 2; parse++) {
        double t0 = now_s();
        MDB_env *env = NULL;
        MDB_txn *txn = NULL;
        MDB_dbi dbi;
        MDB_cursor *cur = NULL;
        if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 64) != 0 ||
            mdb_env_open(env, state_dir, MDB_RDONLY, 0600) != 0 ||
            mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0 ||
            mdb_dbi_open(txn, "runs", 0, &dbi) != 0 || mdb_cursor_open(txn, dbi, &cur) != 0) {
            fprintf(stderr, "recovery: raw LMDB open of %s failed\n", state_dir);
            if (txn)
                mdb_txn_abort(txn);
            mdb_env_close(env);
            return -1;
        }
        MDB_val k, v;
        size_t n = 0, b = 0, parsed = 0;
        for (int op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op) == 0;
             op = MDB_NEXT) {
            n++;
            b += v.mv_size;
            if (parse) {
                json_t *run = json_loadb(v.mv_data, v.mv_size, 0, NULL);
                parsed += run != NULL;
                json_decref(run);
            }
        }
        mdb_cursor_close(cur);
        mdb_txn_abort(txn);
        mdb_env_close(env);
        double s = now_s() - t0;
        if (parse) {
            *parse_s = s;
            if (parsed != n)
                fprintf(stderr, "recovery: %zu of %zu runs rows did not parse\n", n - parsed, n);
        } else {
            *walk_s = s, *rows = n, *bytes = b;
        }
    }
    return 0;
}
