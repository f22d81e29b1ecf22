/*  handle_hello.c — a site's session (docs/protocol.md §5.1, §5.2, §5.9):
    HELLO (capabilities, the stream position in WELCOME, the latest signed
    audit checkpoint as a witness, then redelivery of the pending journal),
    HEARTBEAT (what the site reports about itself) and BYE.  Every
    connection event is an audit entry. */
#include "broker_internal.h"
#include "site_coverage.h"

#include <string.h>

/* Records a site's connection events in the audit log, in its own txn. */
void broker_audit_site(broker_t *b, const char *site, const char *kind, const char *reason)
{
    casestore_txn_t *txn;
    fs_err_t e = {0};
    if (casestore_begin(b->store, true, &txn, &e) != 0)
        return;
    char actor[64];
    snprintf(actor, sizeof actor, "site:%s", site);
    json_t *subject = json_pack("{s:s}", "site", site);
    json_t *details = json_pack("{s:s?}", "reason", reason);
    if (casestore_audit_append(b->store, txn, kind, actor, subject, details, &e) == 0)
        casestore_commit(&txn, &e);
    casestore_abort(&txn);
    json_decref(subject);
    json_decref(details);
    if (e.text[0])
        fs_log(FS_LOG_ERROR, "broker", "audit_failed", "site=%s kind=%s reason=\"%s\"", site, kind,
               e.text);
}

/* Persists what a site reported about itself (HELLO, HEARTBEAT); a HELLO
   is also an audit entry, in the same txn. */
static int save_site_record(broker_t *b, session_t *s, const char *epoch, fs_err_t *e)
{
    casestore_txn_t *txn;
    if (casestore_begin(b->store, true, &txn, e) != 0)
        return -1;
    json_t *rec = casestore_get_json(b->store, txn, CASESTORE_DB_SITES, s->site, strlen(s->site));
    if (!rec)
        rec = json_object();
    static const char *const fields[] = {
        "protocol",     "version", "outbox_backlog", "outbox_full", "dead_letters",
        "capabilities", "scopes",  "connectors",     "sources",     "normalize_warnings"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        json_t *v = json_object_get(s->reported, fields[i]);
        if (v)
            json_object_set(rec, fields[i], v);
    }
    json_object_set_new(rec, "last_heartbeat", json_integer(fs_now_ms()));
    int rc =
        casestore_put_json(b->store, txn, CASESTORE_DB_SITES, s->site, strlen(s->site), rec, e);
    json_decref(rec);
    if (rc == 0 && epoch) {
        char actor[64];
        snprintf(actor, sizeof actor, "site:%s", s->site);
        json_t *subject = json_pack("{s:s}", "site", s->site);
        json_t *details = json_pack("{s:s, s:O?, s:O?, s:O?}", "epoch", epoch, "version",
                                    json_object_get(s->reported, "version"), "capabilities",
                                    json_object_get(s->reported, "capabilities"), "outbox_backlog",
                                    json_object_get(s->reported, "outbox_backlog"));
        rc = casestore_audit_append(b->store, txn, "site.hello", actor, subject, details, e);
        json_decref(subject);
        json_decref(details);
    }
    if (rc == 0)
        return casestore_commit(&txn, e);
    casestore_abort(&txn);
    return -1;
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
    if (save_site_record(b, s, epoch, e) != 0)
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
    if (save_site_record(b, s, NULL, e) != 0)
        return -1;
    coverage_on_heartbeat(b, s); /* source silences (source_coverage.c) */
    return 0;
}

int handle_bye(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e)
{
    (void)b, (void)m, (void)e;
    s->connected = false;
    fs_log(FS_LOG_INFO, "broker", "site_disconnected", "site=%s reason=bye", s->site);
    broker_audit_site(b, s->site, "site.bye", "bye");
    return 0;
}
