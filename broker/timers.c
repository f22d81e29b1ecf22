/*  timers.c — run wake-ups as LMDB rows (CASESTORE_DB_TIMERS:
    at_ms BE + run_id BE + path -> ""), so that whatever was armed before a
    restart fires after it.  The loop (server.c) asks for the earliest row
    and fires the due ones, TIMERS_FIRE_BATCH per transaction; while rows
    are still due it fires the next batch once the sockets had as long as
    the last batch took, or at once when nothing is waiting. */
#include "broker_internal.h"

#include <string.h>

/* Wake-ups per transaction. A batch holds the loop for its duration
   (about 0.2 ms a run on the 2-core bench machine: 64 keep a control
   command's wait under ~15 ms while a burst fires on a quiet machine),
   and each costs one commit (fsync). With the loop's share (server.c), a
   burst of 2,500 due within half a second fired late by p99 80-520 ms,
   where 256 per transaction every 100 ms gave 950-1,700 ms
   (bench/recovery). */
#define TIMERS_FIRE_BATCH 64

int timers_put(broker_t *b, casestore_txn_t *txn, int64_t at, uint64_t run_id, const char *path,
               fs_err_t *e)
{
    unsigned char key[16 + 512];
    size_t plen = strlen(path);
    if (plen > 512)
        return fs_err_set(e, "step path too long");
    fs_u64_to_be((uint64_t)at, key);
    fs_u64_to_be(run_id, key + 8);
    memcpy(key + 16, path, plen);
    return casestore_put(b->store, txn, CASESTORE_DB_TIMERS, key, 16 + plen, "", 0, e);
}

/* The timer effect: the same for durable and shadow runs. */
int effects_timer(void *arg, const playbook_effect_t *fx)
{
    run_ctx_t *c = arg;
    return timers_put(c->b, c->txn, json_integer_value(json_object_get(fx->doc, "at")),
                      runs_id_of(c->run), fx->path, c->e);
}

int64_t timers_next(broker_t *b)
{
    casestore_txn_t *txn;
    int64_t at = -1;
    if (casestore_begin(b->store, false, &txn, NULL) != 0)
        return -1;
    casestore_val_t k, v;
    if (casestore_first(b->store, txn, CASESTORE_DB_TIMERS, &k, &v) == 0 && k.len >= 16)
        at = (int64_t)fs_u64_from_be(k.data);
    casestore_abort(&txn);
    return at;
}

int timers_fire(broker_t *b, outbound_t *out, fs_err_t *e)
{
    casestore_txn_t *txn;
    if (casestore_begin(b->store, true, &txn, e) != 0)
        return -1;
    int64_t now = fs_now_ms();
    int fired = 0, rc = 0;
    while (rc == 0 && fired < TIMERS_FIRE_BATCH) {
        casestore_val_t k, v;
        if (casestore_first(b->store, txn, CASESTORE_DB_TIMERS, &k, &v) != 0 || k.len < 16 ||
            k.len > 16 + 512 || (int64_t)fs_u64_from_be(k.data) > now)
            break;
        unsigned char row[16 + 512]; /* copied: the key is deleted next */
        size_t rlen = k.len;
        memcpy(row, k.data, rlen);
        uint64_t run_id = fs_u64_from_be(row + 8);
        char path[513];
        snprintf(path, sizeof path, "%.*s", (int)(rlen - 16), (char *)row + 16);
        if ((rc = casestore_del(b->store, txn, CASESTORE_DB_TIMERS, row, rlen, e)) != 0)
            break;
        fired++;
        rc = runs_wake(b, txn, run_id, path, 0, "timer", NULL, out, e);
        /* An approval gate that timed out is closed on its record too. */
        unsigned char key[8];
        fs_u64_to_be(run_id, key);
        json_t *run = rc == 0 ? casestore_get_json(b->store, txn, CASESTORE_DB_RUNS, key, 8) : NULL;
        json_t *node = json_object_get(json_object_get(run, "nodes"), path);
        json_t *aid = json_object_get(node, "approval_id");
        if (aid && strcmp(playbook_node_state(run, path), "wait") != 0) {
            fs_u64_to_be((uint64_t)json_integer_value(aid), key);
            json_t *ap = casestore_get_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8);
            if (ap && strcmp(json_string_value(json_object_get(ap, "status")), "open") == 0) {
                json_object_set_new(ap, "status", json_string("expired"));
                rc = casestore_put_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8, ap, e);
                json_t *entry =
                    json_pack("{s:O, s:O, s:I}", "approval_id", aid, "on_timeout",
                              json_object_get(ap, "on_timeout"), "run_id", (json_int_t)run_id);
                if (rc == 0)
                    rc = casestore_timeline_add(b->store, txn, runs_case_id_of(run),
                                                "approval_expired", entry, e);
                json_decref(entry);
            }
            json_decref(ap);
        }
        json_decref(run);
    }
    if (rc != 0) {
        casestore_abort(&txn);
        return -1;
    }
    return casestore_commit(&txn, e) == 0 ? fired : -1;
}
