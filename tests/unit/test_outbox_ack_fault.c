/*  test_outbox_ack_fault.c — an ACK the outbox cannot write never costs the
    batch it rides in (issue 19).

    The daemon notes the broker's ACK (outbox_ack_later) and the next batch
    writes it in a nested transaction (adapters/outbox.c ack_into_batch), so
    the ACK and a source's records (here: a checkpoint row) share one fsync.  This test
    makes that ACK write fail while the batch around it succeeds: it is
    linked with -Wl,--wrap=mdb_put,--wrap=mdb_txn_commit,--wrap=mdb_txn_abort,
    and while refuse_ack is set the write of the outbox's "acked_upto" mark
    fails as a full map would, leaving its transaction unusable as LMDB
    does (its commit aborts it and returns MDB_BAD_TXN).  What must
    hold: every batch commits its own rows; the events stay until an
    ACK is written; the noted ACK is neither lost nor written by a batch
    that failed, and the first batch after the fault writes it; all of it
    the same after close and reopen.  The command journal's writes (its
    log, journal_write) never carry the ACK.

    Also wrapped: mdb_del. While refuse_del is set every delete fails, as
    on a full map: a checkpoint still copies the journal's log into LMDB
    (the retention's deletions are nested and dropped, the log must not
    fill for them), the finished entry stays, and the next checkpoint
    deletes it. */
#include "check.h"
#include "outbox.h"

#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool refuse_ack, refuse_del;
static int refused;
static MDB_txn *failed_txn; /* the transaction a refused write left unusable */

int __real_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val, unsigned flags);
int __real_mdb_txn_commit(MDB_txn *txn);
void __real_mdb_txn_abort(MDB_txn *txn);
int __real_mdb_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data);
int __wrap_mdb_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data);
int __wrap_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val, unsigned flags);
int __wrap_mdb_txn_commit(MDB_txn *txn);
void __wrap_mdb_txn_abort(MDB_txn *txn);

int __wrap_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val, unsigned flags)
{
    static const char mark[] = "acked_upto";
    if (refuse_ack && key->mv_size == sizeof mark - 1 &&
        memcmp(key->mv_data, mark, sizeof mark - 1) == 0) {
        refused++;
        failed_txn = txn;
        return MDB_MAP_FULL;
    }
    return __real_mdb_put(txn, dbi, key, val, flags);
}

int __wrap_mdb_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data)
{
    if (refuse_del) {
        refused++;
        failed_txn = txn;
        return MDB_MAP_FULL;
    }
    return __real_mdb_del(txn, dbi, key, data);
}

int __wrap_mdb_txn_commit(MDB_txn *txn)
{
    if (txn && txn == failed_txn) {
        __wrap_mdb_txn_abort(txn);
        return MDB_BAD_TXN;
    }
    return __real_mdb_txn_commit(txn);
}

void __wrap_mdb_txn_abort(MDB_txn *txn)
{
    if (txn == failed_txn)
        failed_txn = NULL;
    __real_mdb_txn_abort(txn);
}

static uint64_t backlog(outbox_t *ob)
{
    outbox_stats_t st;
    outbox_stats(ob, &st);
    return st.backlog;
}

/* One batch with a row named id (a source's checkpoint): what a source's
   poll commits while an ACK is noted. */
static int meta_batch(outbox_t *ob, const char *id)
{
    fs_err_t e = {0};
    CHECK(outbox_begin(ob, &e) == 0);
    CHECK(outbox_set_meta(ob, id, "1", &e) == 0);
    return outbox_commit(ob, &e);
}

static bool has_meta(outbox_t *ob, const char *id)
{
    char *v = outbox_get_meta(ob, id);
    free(v);
    return v != NULL;
}

int main(void)
{
    fs_memory_policy_install();
    char dir[] = "/tmp/fedsoar-test-outbox-ack-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_err_t e = {0};
    outbox_t *ob = outbox_open(dir, 100, &e);
    CHECK(ob != NULL);
    if (!ob)
        return check_summary();
    CHECK(outbox_begin(ob, &e) == 0);
    for (int i = 0; i < 3; i++) {
        json_t *ev = json_pack("{s:i, s:s, s:i}", "class_uid", 2004, "source", "test", "n", i);
        CHECK_INT(outbox_add(ob, ev, &e), 0);
        json_decref(ev);
    }
    CHECK(outbox_commit(ob, &e) == 0);
    CHECK_INT(backlog(ob), 3);
    json_t *cmd = json_pack("{s:s, s:{s:s}}", "action", "deny", "target", "ipv4_net", "192.0.2.1");
    json_t *rsp = NULL;

    /* The broker's ACK of all three is noted; it cannot be written, the
       batch it rides in is kept whole. */
    refuse_ack = true;
    outbox_ack_later(ob, 3);
    CHECK_INT(meta_batch(ob, "cp-a"), 0);
    CHECK(refused >= 1);
    CHECK(has_meta(ob, "cp-a"));
    CHECK_INT(backlog(ob), 3); /* not acknowledged here: sent again if asked */

    /* Alone (the end of the turn, then each tick) it fails with what and
       where, and stays noted. */
    CHECK(outbox_ack_flush(ob, &e) != 0);
    CHECK(strstr(e.text, "outbox") != NULL && strstr(e.text, "ack") != NULL);
    CHECK_INT(backlog(ob), 3);

    /* A batch that fails for its own reason does not write it either. */
    refuse_ack = false;
    CHECK(outbox_begin(ob, &e) == 0);
    CHECK(outbox_set_meta(ob, "cp-aborted", "1", &e) == 0);
    outbox_abort(ob);
    CHECK(!has_meta(ob, "cp-aborted"));
    CHECK_INT(backlog(ob), 3);

    /* The disk is back: the next batch writes the noted ACK with its own
       row, and nothing waits after it. */
    CHECK_INT(meta_batch(ob, "cp-b"), 0);
    CHECK(has_meta(ob, "cp-b"));
    CHECK_INT(backlog(ob), 0);
    int before = refused;
    CHECK(outbox_ack_flush(ob, &e) == 0);
    CHECK_INT(refused, before);

    /* The same after close and reopen. */
    outbox_close(&ob);
    ob = outbox_open(dir, 100, &e);
    CHECK(ob != NULL);
    if (ob) {
        CHECK_INT(backlog(ob), 0);
        CHECK(has_meta(ob, "cp-a") && has_meta(ob, "cp-b") && !has_meta(ob, "cp-aborted"));
    }

    /* The command journal's write (journal_write, the daemon's turn)
       leaves a noted ACK waiting: it is written after the RESPONSEs, off
       the command's path. The outbox keeps its sequence, also after
       reopen, and the journal its entry. */
    if (ob) {
        CHECK(outbox_begin(ob, &e) == 0);
        json_t *ev = json_pack("{s:i, s:s}", "class_uid", 2004, "source", "test");
        CHECK_INT(outbox_add(ob, ev, &e), 0);
        json_decref(ev);
        CHECK(outbox_commit(ob, &e) == 0);
        outbox_ack_later(ob, 4);
        CHECK(journal_begin(ob, "cmd-c", cmd, &e) == 0);
        CHECK(journal_write(ob, &e) == 0);
        CHECK_INT(journal_lookup(ob, "cmd-c", &rsp), 1);
        CHECK_INT(backlog(ob), 1); /* the ACK still waits */
        CHECK(outbox_ack_flush(ob, &e) == 0);
        CHECK_INT(backlog(ob), 0);
        outbox_close(&ob);
        ob = outbox_open(dir, 100, &e);
        CHECK(ob != NULL);
    }
    if (ob) {
        outbox_stats_t st;
        outbox_stats(ob, &st);
        CHECK_INT(st.last_seq, 4);
        CHECK_INT(st.backlog, 0);
        CHECK_INT(journal_lookup(ob, "cmd-c", &rsp), 1);
        outbox_close(&ob);
    }

    /* The retention cannot delete: the checkpoint copies all the same. */
    ob = outbox_open(dir, 100, &e);
    CHECK(ob != NULL);
    if (ob) {
        json_t *answer = json_pack("{s:i}", "status", 200);
        CHECK(journal_begin(ob, "cmd-done", cmd, &e) == 0);
        CHECK(journal_finish(ob, "cmd-done", answer, &e) == 0);
        CHECK(journal_write(ob, &e) == 0);
        CHECK_INT(journal_checkpoint(ob, &e), 0);
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
        outbox_set_journal_retain(ob, 1); /* cmd-done is past it */
        refuse_del = true;
        int before_del = refused;
        CHECK(journal_begin(ob, "cmd-next", cmd, &e) == 0);
        CHECK(journal_write(ob, &e) == 0);
        CHECK_INT(journal_checkpoint(ob, &e), 0); /* the copy commits */
        CHECK(refused > before_del);
        CHECK_INT(journal_lookup(ob, "cmd-done", &rsp), 2); /* not deleted */
        json_decref(rsp);
        rsp = NULL;
        refuse_del = false;
        CHECK(journal_begin(ob, "cmd-last", cmd, &e) == 0);
        CHECK(journal_write(ob, &e) == 0);
        CHECK_INT(journal_checkpoint(ob, &e), 0);
        CHECK_INT(journal_lookup(ob, "cmd-done", &rsp), 0); /* its turn */
        CHECK_INT(journal_lookup(ob, "cmd-next", &rsp), 1);
        outbox_close(&ob);
        json_decref(answer);
    }
    json_decref(cmd);

    char cmdline[256];
    snprintf(cmdline, sizeof cmdline, "rm -rf '%s'", dir);
    CHECK(system(cmdline) == 0);
    return check_summary();
}
