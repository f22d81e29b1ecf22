/*  test_outbox.c — the adapter's outbox (adapters/outbox.h): add, peek, ack
    (at once, or noted and written by the next batch's commit);
    the bound (max_events) and dead letters; meta committed or aborted with
    the events of its batch; the command journal's three states; the same
    state after close and reopen; finished journal entries deleted at a
    checkpoint once past their retention, started ones and younger ones
    kept, an older store's listed at its first open. */
#include "check.h"
#include "outbox.h"

#include <lmdb.h>

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static json_t *event(int n)
{
    return json_pack("{s:i, s:s, s:i}", "class_uid", 2004, "source", "test.source", "n", n);
}

static int add_batch(outbox_t *ob, int from, int count)
{
    fs_err_t e = {0};
    int refused = 0;
    CHECK(outbox_begin(ob, &e) == 0);
    for (int i = from; i < from + count; i++) {
        json_t *ev = event(i);
        int rc = outbox_add(ob, ev, &e);
        CHECK(rc >= 0);
        refused += rc == 1;
        json_decref(ev);
    }
    CHECK(outbox_commit(ob, &e) == 0);
    return refused;
}

/* Peeks everything after `after`; returns the count, checks the classes. */
static size_t peek(outbox_t *ob, uint64_t after, uint64_t *first)
{
    zmsg_t *frames = zmsg_new();
    json_t *classes = json_array();
    size_t n = outbox_peek(ob, after, 1000, 1 << 20, frames, classes, first);
    CHECK_INT(zmsg_size(frames), n);
    CHECK_INT(json_array_size(classes), n);
    if (n) {
        CHECK_INT(json_integer_value(json_array_get(classes, 0)), 2004);
        zframe_t *f = zmsg_first(frames);
        json_t *ev = json_loadb((const char *)zframe_data(f), zframe_size(f), 0, NULL);
        CHECK(ev != NULL);
        json_decref(ev);
    }
    zmsg_destroy(&frames);
    json_decref(classes);
    return n;
}

/* A command in the journal's batch: started, and answered unless `running`. */
static void journaled(outbox_t *ob, const char *id, bool running)
{
    fs_err_t e = {0};
    json_t *cmd = json_pack("{s:s}", "action", "deny"), *answer = json_pack("{s:i}", "status", 200);
    CHECK_INT(journal_begin(ob, id, cmd, &e), 0);
    if (!running)
        CHECK_INT(journal_finish(ob, id, answer, &e), 0);
    json_decref(cmd);
    json_decref(answer);
}

/* The batch written, then copied into LMDB (where the retention applies). */
static void checkpoint(outbox_t *ob)
{
    fs_err_t e = {0};
    CHECK_INT(journal_write(ob, &e), 0);
    CHECK_INT(journal_checkpoint(ob, &e), 0);
}

/* journal_lookup's answer, the response it gives dropped. */
static int lookup(outbox_t *ob, const char *id)
{
    json_t *rsp = NULL;
    int rc = journal_lookup(ob, id, &rsp);
    json_decref(rsp);
    return rc;
}

/* The outbox in dir, made there if need be. */
static outbox_t *open_at(const char *dir)
{
    fs_err_t e = {0};
    outbox_t *ob = outbox_open(dir, 100, &e);
    CHECK(ob != NULL);
    return ob;
}

static void remove_dir(const char *dir)
{
    char cmdline[256];
    snprintf(cmdline, sizeof cmdline, "rm -rf '%s'", dir);
    CHECK(system(cmdline) == 0);
}

/* outbox_set_journal_retain: a checkpoint deletes the entries finished
   longer ago than the retention, not one only started, not a younger one;
   none with no retention; the same after a reopen, also with no command
   in the log (an idle site's checkpoint). */
static void journal_entries_go_after_their_retention(void)
{
    char dir[] = "/tmp/fedsoar-test-journal-retain-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    outbox_t *ob = open_at(dir);
    if (!ob)
        return;
    journaled(ob, "old", false);
    journaled(ob, "running", true);
    checkpoint(ob);
    sleep_ms(1500); /* margins of whole seconds: a loaded machine stalls */
    journaled(ob, "young", false);
    checkpoint(ob);
    CHECK_INT(lookup(ob, "old"), 2); /* no retention: nothing goes */
    outbox_set_journal_retain(ob, 1000);
    journaled(ob, "next", true);
    checkpoint(ob);
    CHECK_INT(lookup(ob, "old"), 0);     /* 1.5 s old, 1 s kept: gone */
    CHECK_INT(lookup(ob, "running"), 1); /* never finished: kept */
    CHECK_INT(lookup(ob, "young"), 2);   /* finished just now: kept */
    outbox_close(&ob);
    if ((ob = open_at(dir))) {
        CHECK_INT(lookup(ob, "old"), 0);
        CHECK_INT(lookup(ob, "young"), 2);
        sleep_ms(1200);
        outbox_set_journal_retain(ob, 1000);
        fs_err_t e = {0};
        CHECK_INT(journal_checkpoint(ob, &e), 0); /* an idle site: no command since */
        CHECK_INT(lookup(ob, "young"), 0);        /* its turn */
        CHECK_INT(lookup(ob, "running"), 1);
        outbox_close(&ob);
    }
    remove_dir(dir);
}

/* An outbox from before the list of finished entries: its first open
   lists them (with their own "finished"), so they go in their turn. */
static void an_older_stores_entries_are_listed_at_open(void)
{
    char dir[] = "/tmp/fedsoar-test-journal-older-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    outbox_t *ob = open_at(dir);
    if (!ob)
        return;
    journaled(ob, "before", false);
    checkpoint(ob);
    outbox_close(&ob);
    /* What an older adapter left: no "journal_done" rows, no mark. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi done, meta;
    CHECK_INT(mdb_env_create(&env), 0);
    CHECK_INT(mdb_env_set_maxdbs(env, 16), 0);
    CHECK_INT(mdb_env_set_mapsize(env, (size_t)8 << 30), 0);
    CHECK_INT(mdb_env_open(env, dir, 0, 0600), 0);
    CHECK_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
    CHECK_INT(mdb_dbi_open(txn, "journal_done", 0, &done), 0);
    CHECK_INT(mdb_drop(txn, done, 0), 0);
    CHECK_INT(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    MDB_val mark = {18, "journal_done_since"};
    CHECK_INT(mdb_del(txn, meta, &mark, NULL), 0);
    CHECK_INT(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    sleep_ms(1200);
    if ((ob = open_at(dir))) {
        outbox_set_journal_retain(ob, 1000);
        journaled(ob, "after", true);
        checkpoint(ob);
        CHECK_INT(lookup(ob, "before"), 0); /* listed at open, 1.2 s old: gone */
        CHECK_INT(lookup(ob, "after"), 1);
        outbox_close(&ob);
    }
    remove_dir(dir);
}

int main(void)
{
    fs_memory_policy_install();
    char dir[] = "/tmp/fedsoar-test-outbox-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_err_t e = {0};
    outbox_t *ob = outbox_open(dir, 5, &e);
    CHECK(ob != NULL);
    if (!ob)
        return check_summary();
    char epoch[128];
    snprintf(epoch, sizeof epoch, "%s", outbox_epoch(ob));
    CHECK(epoch[0] != '\0');

    /* add and peek: sequence numbers from 1, in order */
    CHECK_INT(add_batch(ob, 1, 3), 0);
    outbox_stats_t st;
    outbox_stats(ob, &st);
    CHECK_INT(st.backlog, 3);
    CHECK_INT(st.last_seq, 3);
    uint64_t first = 0;
    CHECK_INT(peek(ob, 0, &first), 3);
    CHECK_INT(first, 1);
    CHECK_INT(peek(ob, 2, &first), 1);
    CHECK_INT(first, 3);

    /* ack: up to and including seq 2 */
    CHECK(outbox_ack(ob, 2, &e) == 0);
    outbox_stats(ob, &st);
    CHECK_INT(st.backlog, 1);
    CHECK_INT(peek(ob, 0, &first), 1);
    CHECK_INT(first, 3);

    /* the bound: 5 events wait at most; the rest are dead-lettered, counted */
    CHECK_INT(add_batch(ob, 4, 6), 2);
    outbox_stats(ob, &st);
    CHECK_INT(st.backlog, 5);
    CHECK_INT(st.refused_full, 2);
    CHECK_INT(st.dead_letters, 2);
    json_t *dead = outbox_dead_letters(ob, 100);
    CHECK_INT(json_array_size(dead), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(dead, 0), "reason")),
              "outbox full (outbox.max_events reached)");
    CHECK_STR(json_string_value(json_object_get(json_array_get(dead, 0), "source")), "test.source");
    json_decref(dead);

    /* an explicit dead letter keeps reason, position and raw bytes */
    CHECK(outbox_begin(ob, &e) == 0);
    CHECK(outbox_dead_letter(ob, "cef", 7, 120, "bad line", "CEF:oops", 8, &e) == 0);
    CHECK(outbox_commit(ob, &e) == 0);
    dead = outbox_dead_letters(ob, 100);
    json_t *d = json_array_get(dead, json_array_size(dead) - 1);
    CHECK_INT(json_integer_value(json_object_get(d, "record")), 7);
    CHECK_INT(json_integer_value(json_object_get(d, "offset")), 120);
    CHECK_STR(json_string_value(json_object_get(d, "raw")), "CEF:oops");
    json_decref(dead);

    /* meta in the same batch: aborted with it, committed with it */
    CHECK(outbox_ack(ob, st.last_seq, &e) == 0);
    CHECK(outbox_begin(ob, &e) == 0);
    json_t *ev = event(100);
    CHECK(outbox_add(ob, ev, &e) == 0);
    CHECK(outbox_set_meta(ob, "source:x:checkpoint", "cp-1", &e) == 0);
    outbox_abort(ob);
    CHECK(outbox_get_meta(ob, "source:x:checkpoint") == NULL);
    outbox_stats(ob, &st);
    CHECK_INT(st.backlog, 0);
    CHECK(outbox_begin(ob, &e) == 0);
    CHECK(outbox_add(ob, ev, &e) == 0);
    CHECK(outbox_set_meta(ob, "source:x:checkpoint", "cp-2", &e) == 0);
    CHECK(outbox_commit(ob, &e) == 0);
    json_decref(ev);
    char *cp = outbox_get_meta(ob, "source:x:checkpoint");
    CHECK_STR(cp, "cp-2");
    free(cp);
    outbox_stats(ob, &st);
    CHECK_INT(st.backlog, 1);

    /* journal: unseen, started, finished */
    json_t *cmd = json_pack("{s:s, s:{s:s}}", "action", "deny", "target", "ipv4_net", "192.0.2.1");
    json_t *rsp = NULL;

    /* An ACK noted with outbox_ack_later is written by the next batch that
       commits (a source's poll: one commit for both), never by one
       aborted, nor by the journal's write; what waits after that,
       outbox_ack_flush writes alone; a later note replaces an earlier
       one. */
    uint64_t last = st.last_seq;
    outbox_ack_later(ob, last);
    outbox_stats(ob, &st);
    CHECK_INT(st.backlog, 1); /* noted, not written */
    CHECK(outbox_begin(ob, &e) == 0);
    CHECK(outbox_set_meta(ob, "source:y:checkpoint", "cp-0", &e) == 0);
    outbox_abort(ob);
    CHECK(journal_begin(ob, "cmd-0", cmd, &e) == 0);
    CHECK(journal_write(ob, &e) == 0);
    outbox_stats(ob, &st);
    CHECK_INT(st.backlog, 1);
    CHECK_INT(journal_lookup(ob, "cmd-0", &rsp), 1);
    CHECK(outbox_begin(ob, &e) == 0);
    CHECK(outbox_set_meta(ob, "source:y:checkpoint", "cp-0", &e) == 0);
    CHECK(outbox_commit(ob, &e) == 0);
    outbox_stats(ob, &st);
    CHECK_INT(st.backlog, 0);             /* written with the source's checkpoint */
    CHECK(outbox_ack_flush(ob, &e) == 0); /* nothing waits */
    CHECK_INT(add_batch(ob, 300, 2), 0);
    outbox_ack_later(ob, last + 1);
    outbox_ack_later(ob, last + 2);
    outbox_stats(ob, &st);
    CHECK_INT(st.backlog, 2);
    CHECK(outbox_ack_flush(ob, &e) == 0);
    outbox_stats(ob, &st);
    CHECK_INT(st.backlog, 0);
    CHECK_INT(peek(ob, last, &first), 0);
    CHECK_INT(add_batch(ob, 302, 1), 0); /* a backlog of one for the reopen below */
    CHECK_INT(journal_lookup(ob, "cmd-1", &rsp), 0);
    CHECK(journal_begin(ob, "cmd-1", cmd, &e) == 0);
    CHECK_INT(journal_lookup(ob, "cmd-1", &rsp), 0); /* added, not written */
    CHECK(journal_write(ob, &e) == 0);
    CHECK_INT(journal_lookup(ob, "cmd-1", &rsp), 1);
    json_t *answer = json_pack("{s:i}", "status", 200);
    CHECK(journal_finish(ob, "cmd-1", answer, &e) == 0);
    CHECK(journal_write(ob, &e) == 0);
    CHECK_INT(journal_lookup(ob, "cmd-1", &rsp), 2);
    CHECK_INT(json_integer_value(json_object_get(rsp, "status")), 200);
    json_decref(rsp);
    rsp = NULL;
    CHECK(journal_begin(ob, "cmd-2", cmd, &e) == 0); /* dies while executing */
    CHECK(journal_write(ob, &e) == 0);
    CHECK(journal_begin(ob, "cmd-3", cmd, &e) == 0);
    journal_drop(ob); /* never written: never seen */
    CHECK(journal_write(ob, &e) == 0);
    CHECK_INT(journal_lookup(ob, "cmd-3", &rsp), 0);
    json_decref(answer);
    json_decref(cmd);

    /* reopen after close: the same epoch, events, meta, dead letters, journal */
    outbox_stats_t before;
    outbox_stats(ob, &before);
    outbox_close(&ob);
    CHECK(ob == NULL);
    outbox_close(&ob); /* idempotent */
    ob = outbox_open(dir, 5, &e);
    CHECK(ob != NULL);
    if (!ob)
        return check_summary();
    CHECK_STR(outbox_epoch(ob), epoch);
    outbox_stats(ob, &st);
    CHECK_INT(st.backlog, before.backlog);
    CHECK_INT(st.last_seq, before.last_seq);
    CHECK_INT(st.dead_letters, before.dead_letters);
    CHECK_INT(st.refused_full, before.refused_full);
    CHECK_INT(peek(ob, before.last_seq - 1, &first), 1);
    CHECK_INT(first, before.last_seq);
    cp = outbox_get_meta(ob, "source:x:checkpoint");
    CHECK_STR(cp, "cp-2");
    free(cp);
    CHECK_INT(journal_lookup(ob, "cmd-1", &rsp), 2);
    json_decref(rsp);
    rsp = NULL;
    CHECK_INT(journal_lookup(ob, "cmd-2", &rsp), 1);
    /* new events continue the sequence */
    CHECK_INT(add_batch(ob, 200, 1), 0);
    outbox_stats(ob, &st);
    CHECK_INT(st.last_seq, before.last_seq + 1);
    outbox_close(&ob);

    remove_dir(dir);
    journal_entries_go_after_their_retention();
    an_older_stores_entries_are_listed_at_open();
    return check_summary();
}
