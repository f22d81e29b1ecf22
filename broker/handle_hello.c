/*  handle_hello.c — a site's session (docs/protocol.md §5.1, §5.2, §5.9):
    HELLO (capabilities, the stream position in WELCOME, the latest signed
    audit checkpoint as a witness, then redelivery of the pending journal),
    HEARTBEAT (what the site reports about itself) and BYE.  Every
    connection event is an audit entry. */
#include "broker_internal.h"
#include "site_coverage.h"

#include <string.h>

/* What a site reports about itself (HELLO, HEARTBEAT) and the record keeps. */
static const char *const reported_fields[] = {
    "protocol",     "version", "outbox_backlog", "outbox_full", "dead_letters",
    "capabilities", "scopes",  "connectors",     "sources",     "normalize_warnings"};
#define REPORTED_FIELDS (sizeof reported_fields / sizeof *reported_fields)

/* A HEARTBEAT is written to the site record at most this often (a HELLO,
   a BYE and a lost site at once): each write is a durable commit on the
   loop, and once a second per site it delayed the alert that came next by
   that commit (issue 19: every 50th alert of bench/roundtrip.sh at 50/s,
   +2-3 ms). Its counters change every second under traffic, so "only when
   something changed" would be every second too. Readers see the live
   session laid over the record (broker_site_records): what they show is
   never older than the last HEARTBEAT; what a restarted broker shows of a
   site that has not said HELLO again is up to this much older. */
#define SITE_RECORD_SAVE_MS 30000

static void apply_reported(json_t *rec, const session_t *s)
{
    for (size_t i = 0; i < REPORTED_FIELDS; i++) {
        json_t *v = json_object_get(s->reported, reported_fields[i]);
        if (v)
            json_object_set(rec, reported_fields[i], v);
    }
    json_object_set_new(rec, "last_heartbeat", json_integer(s->reported_at));
}

/* Persists what a site reported about itself (when it has said anything)
   and, when kind is given, its connection event as an audit entry with
   details (taken), in the same txn: the record and the audit log agree. */
static int save_site_record(broker_t *b, session_t *s, const char *kind, json_t *details,
                            fs_err_t *e)
{
    casestore_txn_t *txn;
    if (casestore_begin(b->store, true, &txn, e) != 0) {
        json_decref(details);
        return -1;
    }
    int rc = 0;
    if (s->reported) {
        json_t *rec =
            casestore_get_json(b->store, txn, CASESTORE_DB_SITES, s->site, strlen(s->site));
        if (!json_is_object(rec)) {
            json_decref(rec);
            rec = json_object();
        }
        apply_reported(rec, s);
        rc =
            casestore_put_json(b->store, txn, CASESTORE_DB_SITES, s->site, strlen(s->site), rec, e);
        json_decref(rec);
    }
    if (rc == 0 && kind) {
        char actor[64];
        snprintf(actor, sizeof actor, "site:%s", s->site);
        json_t *subject = json_pack("{s:s}", "site", s->site);
        rc = casestore_audit_append(b->store, txn, kind, actor, subject, details, e);
        json_decref(subject);
    }
    json_decref(details);
    if (rc == 0 && casestore_commit(&txn, e) == 0) {
        s->saved_at = fs_mono_ms();
        return 0;
    }
    casestore_abort(&txn);
    return -1;
}

void broker_site_left(broker_t *b, session_t *s, const char *kind, const char *reason)
{
    s->connected = false;
    fs_err_t e = {0};
    if (save_site_record(b, s, kind, json_pack("{s:s}", "reason", reason), &e) != 0)
        fs_log(FS_LOG_ERROR, "broker", "site_left_failed",
               "site=%s kind=%s reason=\"%s\" msg=\"neither the audit entry nor the site's last "
               "heartbeat is written\"",
               s->site, kind, e.text);
}

static int collect_record(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    char site[64];
    snprintf(site, sizeof site, "%.*s", (int)key->len, (const char *)key->data);
    json_t *rec = json_loadb(val->data, val->len, 0, NULL);
    json_object_set_new(arg, site, json_is_object(rec) ? rec : json_object());
    if (rec && !json_is_object(rec))
        json_decref(rec);
    return 0;
}

json_t *broker_site_records(broker_t *b, casestore_txn_t *txn)
{
    json_t *out = json_object();
    casestore_foreach(b->store, txn, CASESTORE_DB_SITES, false, collect_record, out);
    for (session_t *s = zhashx_first(b->sessions); s; s = zhashx_next(b->sessions)) {
        json_t *rec = json_object_get(out, s->site);
        if (rec && s->reported) /* no record: its HELLO was refused or not written */
            apply_reported(rec, s);
    }
    return out;
}

int handle_hello(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e)
{
    const char *epoch = json_string_value(json_object_get(m->body, "epoch"));
    const char *version = json_string_value(json_object_get(m->body, "protocol"));
    if (!epoch || !*epoch || strlen(epoch) > 64)
        return fs_err_set(e, "§5.1: HELLO needs \"epoch\" (the outbox id, 1-64 chars)");
    if (!version || strcmp(version, FS_PROTOCOL_VERSION) != 0)
        return fs_err_set(e, "§5.1: HELLO protocol \"%s\" is not " FS_PROTOCOL_VERSION,
                          version ? version : "(none)");
    json_t *caps = json_object_get(m->body, "capabilities");
    if (json_is_object(caps) && route_set_capabilities(b->routes, s->site, caps, e) != 0)
        return -1;
    zframe_destroy(&s->peer);
    s->peer = zframe_dup(m->peer);
    s->connected = true;
    json_decref(s->reported);
    s->reported = json_incref(m->body);
    s->reported_at = fs_now_ms();
    json_t *details = json_pack("{s:s, s:O?, s:O?, s:O?}", "epoch", epoch, "version",
                                json_object_get(s->reported, "version"), "capabilities",
                                json_object_get(s->reported, "capabilities"), "outbox_backlog",
                                json_object_get(s->reported, "outbox_backlog"));
    if (save_site_record(b, s, "site.hello", details, e) != 0)
        return -1;
    /* Tell the site where its stream stands, so it can drop what is stored. */
    char key[SITE_SEQ_KEY_MAX];
    size_t klen = site_seq_key(s->site, epoch, key);
    casestore_txn_t *txn;
    if (casestore_begin(b->store, false, &txn, e) != 0)
        return -1;
    uint64_t last = site_last_seq(b, txn, key, klen);
    /* The latest signed audit checkpoint rides along: the site keeps it as
       a witness that the chain reached that far (§5.1, docs/security.md). */
    json_t *welcome =
        json_pack("{s:s, s:s, s:s, s:I, s:i, s:I, s:o*}", "protocol", FS_PROTOCOL_VERSION, "site",
                  s->site, "epoch", epoch, "last_seq", (json_int_t)last, "heartbeat_ms",
                  FSP_HEARTBEAT_MS, "broker_epoch", (json_int_t)fencing_epoch(b), "audit",
                  casestore_audit_last_checkpoint(b->store, txn));
    casestore_abort(&txn);
    fsp_send(b->sites, s->peer, FSP_WELCOME, welcome);
    json_decref(welcome);
    fs_log(FS_LOG_INFO, "broker", "site_connected", "site=%s epoch=%s last_seq=%llu", s->site,
           epoch, (unsigned long long)last);
    delivery_redeliver(b, s);
    return 0;
}

int handle_heartbeat(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e)
{
    json_decref(s->reported);
    s->reported = json_incref(m->body);
    s->reported_at = fs_now_ms();
    if (fs_mono_ms() - s->saved_at >= SITE_RECORD_SAVE_MS &&
        save_site_record(b, s, NULL, NULL, e) != 0)
        return -1;
    coverage_on_heartbeat(b, s); /* source silences (source_coverage.c) */
    return 0;
}

int handle_bye(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e)
{
    (void)m, (void)e;
    fs_log(FS_LOG_INFO, "broker", "site_disconnected", "site=%s reason=bye", s->site);
    broker_site_left(b, s, "site.bye", "bye");
    return 0;
}
