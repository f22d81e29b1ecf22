/*  fencing.c — standby, promotion and the broker epoch (docs/protocol.md
    §5.1 "Broker epoch", docs/operations.md "Failover and promotion").

    A copy made by `fedsoarctl backup DIR` carries a marker file
    DIR/STANDBY. A broker started on a state directory holding that file is
    a standby: it answers every site message with ERROR `standby`, fires no
    timer, writes no checkpoint and refuses every control command that
    writes, except `promote`. `fedsoarctl promote` commits a new broker
    epoch (the stored one plus one, with the first run id of that epoch and
    an audit entry), then removes the marker. WELCOME announces the epoch;
    a site that was welcomed at epoch N refuses a broker announcing less
    (adapters/fencing.c), and says in HELLO which epoch it has seen: a
    broker that learns it was superseded turns itself into a standby (and
    writes the marker, so that a restart does not serve either).

    Runs created in an epoch after the first get that epoch in their
    commands' ids (runs_exec_id): the copy's own runs resume with the ids
    they had, so sites answer them from their journals, while a new run
    whose number the demoted broker also used cannot collide with it. */
#include "broker_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define FENCE_KEY "broker_epoch"
#define STANDBY_FILE "STANDBY"

static void standby_path(const char *dir, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", dir, STANDBY_FILE);
}

/* The epoch document {"epoch", "history": [{"epoch", "first_run_id",
   "promoted_ms", "operator"}]} into b->fence. */
static void fence_cache(broker_t *b, const json_t *doc)
{
    b->fence.epoch = (uint64_t)json_integer_value(json_object_get(doc, "epoch"));
    b->fence.n = 0;
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(doc, "history"), i, h)
    {
        if (b->fence.n == BROKER_FENCE_HISTORY)
            break;
        b->fence.epochs[b->fence.n] = (uint64_t)json_integer_value(json_object_get(h, "epoch"));
        b->fence.first_run[b->fence.n] =
            (uint64_t)json_integer_value(json_object_get(h, "first_run_id"));
        b->fence.n++;
    }
}

int fencing_load(broker_t *b, fs_err_t *e)
{
    casestore_txn_t *txn;
    if (casestore_begin(b->store, false, &txn, e) != 0)
        return -1;
    json_t *doc =
        casestore_get_json(b->store, txn, CASESTORE_DB_META, FENCE_KEY, strlen(FENCE_KEY));
    casestore_abort(&txn);
    fence_cache(b, doc);
    json_decref(doc);
    char path[4200];
    standby_path(b->cfg.state_dir, path, sizeof path);
    b->fence.standby = access(path, F_OK) == 0;
    if (b->fence.standby)
        fs_log(FS_LOG_WARN, "broker", "standby",
               "state_dir=%s epoch=%llu msg=\"%s exists: this broker is a standby and serves no "
               "site, fires no timer and takes no write until promoted (fedsoarctl promote)\"",
               b->cfg.state_dir, (unsigned long long)b->fence.epoch, path);
    return 0;
}

bool fencing_standby(const broker_t *b)
{
    return b->fence.standby;
}

uint64_t fencing_epoch(const broker_t *b)
{
    return b->fence.epoch;
}

unsigned long long fencing_run_epoch(const broker_t *b, uint64_t run_id)
{
    uint64_t epoch = 0;
    for (size_t i = 0; i < b->fence.n; i++)
        if (run_id >= b->fence.first_run[i] && b->fence.epochs[i] > epoch)
            epoch = b->fence.epochs[i];
    return (unsigned long long)epoch;
}

int fencing_mark_copy(broker_t *b, const char *dir, fs_err_t *e)
{
    char path[4200];
    standby_path(dir, path, sizeof path);
    json_t *doc = json_pack("{s:s, s:I, s:I, s:s}", "copy_of", casestore_instance(b->store),
                            "epoch", (json_int_t)b->fence.epoch, "taken_ms",
                            (json_int_t)fs_now_ms(), "promote", "fedsoarctl promote");
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    int rc = fs_file_write_atomic(path, text, strlen(text), 0600, e);
    free(text);
    return rc;
}

/* The marker, so that a restart of a superseded broker stays fenced. */
static void become_standby(broker_t *b, const char *why)
{
    b->fence.standby = true;
    char path[4200];
    standby_path(b->cfg.state_dir, path, sizeof path);
    fs_err_t e = {0};
    if (fs_file_write_atomic(path, why, strlen(why), 0600, &e) != 0)
        fs_log(FS_LOG_ERROR, "broker", "standby_marker_failed", "path=%s reason=\"%s\"", path,
               e.text);
}

int fencing_on_hello(broker_t *b, const char *site, const json_t *hello)
{
    json_t *seen_j = json_object_get(hello, "broker_epoch_seen");
    uint64_t seen = json_is_integer(seen_j) ? (uint64_t)json_integer_value(seen_j) : 0;
    if (seen <= b->fence.epoch)
        return 0;
    fs_log(FS_LOG_ERROR, "broker", "broker_superseded",
           "site=%s epoch=%llu site_seen_epoch=%llu msg=\"a standby was promoted past this "
           "broker: it stops serving every site and becomes a standby (docs/operations.md "
           "'Bringing the old machine back')\"",
           site, (unsigned long long)b->fence.epoch, (unsigned long long)seen);
    char why[256];
    snprintf(why, sizeof why, "{\"superseded_by_epoch\":%llu,\"seen_by\":\"%s\",\"epoch\":%llu}\n",
             (unsigned long long)seen, site, (unsigned long long)b->fence.epoch);
    become_standby(b, why);
    return -1;
}

json_t *control_promote(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                        fs_err_t *e)
{
    (void)args;
    if (!b->fence.standby) {
        fs_err_set(e,
                   "promote: this broker is not a standby (no %s/%s): it serves already, at "
                   "epoch %llu",
                   b->cfg.state_dir, STANDBY_FILE, (unsigned long long)b->fence.epoch);
        return NULL;
    }
    json_t *doc =
        casestore_get_json(b->store, txn, CASESTORE_DB_META, FENCE_KEY, strlen(FENCE_KEY));
    if (!doc)
        doc = json_pack("{s:i, s:[]}", "epoch", 0, "history");
    uint64_t epoch = (uint64_t)json_integer_value(json_object_get(doc, "epoch")) + 1;
    /* Runs numbered from here on belong to the new epoch (runs_exec_id). */
    uint64_t first_run = casestore_next_id(b->store, txn, "run_id", e);
    if (!first_run) {
        json_decref(doc);
        return NULL;
    }
    first_run++;
    const char *op = who->operator_name ? who->operator_name : "?";
    json_object_set_new(doc, "epoch", json_integer((json_int_t)epoch));
    json_array_append_new(json_object_get(doc, "history"),
                          json_pack("{s:I, s:I, s:I, s:s}", "epoch", (json_int_t)epoch,
                                    "first_run_id", (json_int_t)first_run, "promoted_ms",
                                    (json_int_t)fs_now_ms(), "operator", op));
    int rc =
        casestore_put_json(b->store, txn, CASESTORE_DB_META, FENCE_KEY, strlen(FENCE_KEY), doc, e);
    if (rc == 0) {
        char actor[112];
        snprintf(actor, sizeof actor, "operator:%s", op);
        json_t *subject = json_pack("{s:s}", "broker", casestore_instance(b->store));
        json_t *details = json_pack("{s:I, s:I}", "epoch", (json_int_t)epoch, "first_run_id",
                                    (json_int_t)first_run);
        rc = casestore_audit_append(b->store, txn, "broker.promoted", actor, subject, details, e);
        json_decref(subject);
        json_decref(details);
    }
    if (rc != 0) {
        json_decref(doc);
        return NULL;
    }
    json_t *result = json_pack("{s:I, s:I, s:O}", "epoch", (json_int_t)epoch, "first_run_id",
                               (json_int_t)first_run, "history", json_object_get(doc, "history"));
    json_decref(doc);
    return result; /* fencing_promoted() once it is committed (control.c) */
}

void fencing_promoted(broker_t *b, const json_t *result)
{
    json_t *doc = json_pack("{s:O, s:O}", "epoch", json_object_get(result, "epoch"), "history",
                            json_object_get(result, "history"));
    fence_cache(b, doc);
    json_decref(doc);
    b->fence.standby = false;
    char path[4200];
    standby_path(b->cfg.state_dir, path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT)
        fs_log(FS_LOG_ERROR, "broker", "standby_marker_failed",
               "path=%s reason=\"%s\" msg=\"promoted, but a restart will be a standby again: "
               "remove the file\"",
               path, strerror(errno));
    fs_log(FS_LOG_WARN, "broker", "promoted", "epoch=%llu state_dir=%s msg=\"serving sites\"",
           (unsigned long long)b->fence.epoch, b->cfg.state_dir);
}
