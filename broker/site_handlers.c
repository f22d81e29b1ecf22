/*  site_handlers.c — FSP/1 messages from site adapters, one handler per
    type (docs/protocol.md §5).  Identity comes from the CURVE key alone:
    the broker's key store says which site a public key is (keystore.h),
    never what a message or a handshake property says. */
#include "broker_internal.h"

#include <string.h>

typedef int(site_handler_fn)(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e);

static void send_error(broker_t *b, zframe_t *peer, const char *reason)
{
    json_t *body = json_pack("{s:s}", "reason", reason);
    fsp_send(b->sites, peer, FSP_ERROR, body);
    json_decref(body);
}

/* Records a site's connection events in the audit log, in its own txn. */
static void audit_site(broker_t *b, const char *site, const char *kind, const char *reason)
{
    casestore_txn_t *txn;
    fs_err_t e = {{0}};
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
    static const char *const fields[] = {"protocol",    "version",      "outbox_backlog",
                                         "outbox_full", "dead_letters", "capabilities",
                                         "scopes"};
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

static int on_hello(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e)
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
    char key[128];
    int klen = snprintf(key, sizeof key, "%s%c%s", s->site, '\0', epoch);
    casestore_txn_t *txn;
    if (casestore_begin(b->store, false, &txn, e) != 0)
        return -1;
    casestore_val_t v;
    uint64_t last = 0;
    if (casestore_get(b->store, txn, CASESTORE_DB_SEQ, key, (size_t)klen, &v, NULL) == 0 &&
        v.len == 8)
        last = fs_u64_from_be(v.data);
    /* The latest signed audit checkpoint rides along: the site keeps it as
       a witness that the chain reached that far (§5.1, docs/security.md). */
    json_t *welcome =
        json_pack("{s:s, s:s, s:s, s:I, s:i, s:o*}", "protocol", FS_PROTOCOL_VERSION, "site",
                  s->site, "epoch", epoch, "last_seq", (json_int_t)last, "heartbeat_ms",
                  FSP_HEARTBEAT_MS, "audit", casestore_audit_last_checkpoint(b->store, txn));
    casestore_abort(&txn);
    fsp_send(b->sites, s->peer, FSP_WELCOME, welcome);
    json_decref(welcome);
    fs_log(FS_LOG_INFO, "broker", "site_connected", "site=%s epoch=%s last_seq=%llu", s->site,
           epoch, (unsigned long long)last);
    runs_redeliver(b, s);
    return 0;
}

static int on_heartbeat(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e)
{
    json_decref(s->reported);
    s->reported = json_incref(m->body);
    return save_site_record(b, s, NULL, e);
}

static int on_bye(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e)
{
    (void)b, (void)m, (void)e;
    s->connected = false;
    fs_log(FS_LOG_INFO, "broker", "site_disconnected", "site=%s reason=bye", s->site);
    audit_site(b, s->site, "site.bye", "bye");
    return 0;
}

typedef int(wake_fn)(broker_t *b, casestore_txn_t *txn, const char *site, const json_t *body,
                     json_t *outgoing, fs_err_t *e);

/* RESPONSE and RESULT: store, wake the run, commit, then send what the run
   asked for next. */
static int store_and_wake(broker_t *b, session_t *s, fsp_msg_t *m, wake_fn *fn, fs_err_t *e)
{
    casestore_txn_t *txn;
    if (casestore_begin(b->store, true, &txn, e) != 0)
        return -1;
    json_t *outgoing = json_array();
    int rc = fn(b, txn, s->site, m->body, outgoing, e);
    if (rc == 0)
        rc = casestore_commit(&txn, e);
    else
        casestore_abort(&txn);
    if (rc == 0)
        runs_send(b, outgoing);
    json_decref(outgoing);
    return rc;
}

static int on_response(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e)
{
    return store_and_wake(b, s, m, runs_on_response, e);
}

static int on_result(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e)
{
    return store_and_wake(b, s, m, runs_on_result, e);
}

/* Findings open cases, and so does any event a loaded playbook triggers on;
   the rest is stored and counted without being parsed. */
static bool needs_parsing(broker_t *b, json_int_t class_uid)
{
    if (class_uid == 2004 || class_uid == 2005)
        return true;
    for (size_t i = 0; i < playbook_set_count(b->playbooks); i++)
        if (playbook_wants_class(playbook_set_get(b->playbooks, i), class_uid))
            return true;
    return false;
}

static int on_events(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e)
{
    const char *epoch = json_string_value(json_object_get(m->body, "epoch"));
    json_t *first_j = json_object_get(m->body, "first_seq");
    json_t *classes = json_object_get(m->body, "classes");
    size_t count = zmsg_size(m->events);
    if (!epoch || !json_is_integer(first_j) || json_integer_value(first_j) < 1)
        return fs_err_set(e, "§5.3: EVENTS needs \"epoch\" and \"first_seq\" >= 1");
    if (!json_is_array(classes) || json_array_size(classes) != count)
        return fs_err_set(e, "§5.3: EVENTS \"classes\" must list one class_uid per event frame");
    uint64_t first = (uint64_t)json_integer_value(first_j), upto = first + count - 1;

    char key[128];
    int klen = snprintf(key, sizeof key, "%s%c%s", s->site, '\0', epoch);
    casestore_txn_t *txn;
    if (casestore_begin(b->store, true, &txn, e) != 0)
        return -1;
    casestore_val_t v;
    uint64_t last = 0;
    if (casestore_get(b->store, txn, CASESTORE_DB_SEQ, key, (size_t)klen, &v, NULL) == 0 &&
        v.len == 8)
        last = fs_u64_from_be(v.data);
    if (first > last + 1) {
        /* A gap means this batch is stale (from a connection that died) or
           the site skipped events: storing it would make the missing ones
           look like duplicates later. Refuse; the site resends in order. */
        casestore_abort(&txn);
        return fs_err_set(e, "§5.3: sequence gap: expected first_seq %llu, got %llu",
                          (unsigned long long)(last + 1), (unsigned long long)first);
    }
    json_t *outgoing = json_array();
    char counter[64];
    snprintf(counter, sizeof counter, "events/%s", s->site);
    uint64_t stored = 0, duplicates = 0, refused = 0, seq = first, first_refused = 0;
    const char *refused_why = NULL;
    int rc = 0;
    for (zframe_t *f = zmsg_first(m->events); f && rc == 0; f = zmsg_next(m->events), seq++) {
        if (seq <= last)
            continue; /* a resend of what is already stored: idempotent */
        const char *why = NULL;
        admit_t verdict = admission_check(b, txn, s->site, zframe_data(f), zframe_size(f), &why, e);
        if (verdict == ADMIT_ERROR) {
            rc = -1;
            break;
        }
        if (verdict == ADMIT_DUPLICATE) {
            duplicates++;
            continue;
        }
        if (verdict == ADMIT_REFUSED) {
            char name[96];
            snprintf(name, sizeof name, "refused/%s/%s", s->site, why);
            rc = casestore_counter_add(b->store, txn, name, 1, e);
            if (!refused++) {
                first_refused = seq;
                refused_why = why;
            }
            continue;
        }
        uint64_t id = casestore_append_event(b->store, txn, zframe_data(f), zframe_size(f), e);
        if (!id) {
            rc = -1;
            break;
        }
        stored++;
        json_int_t cls = json_integer_value(json_array_get(classes, seq - first));
        if (!needs_parsing(b, cls))
            continue;
        /* Only findings are parsed on the broker: the hot path stays cheap. */
        fs_err_t pe = {{0}};
        json_t *event = fs_json_parse((const char *)zframe_data(f), zframe_size(f), &pe);
        if (!event) {
            fs_log(FS_LOG_WARN, "broker", "finding_unreadable",
                   "site=%s seq=%llu event_id=%llu reason=\"%s\"", s->site, (unsigned long long)seq,
                   (unsigned long long)id, pe.text);
            continue;
        }
        /* What this site's own events say it owns (its devices, its users). */
        route_learn(b->routes, s->site, event, fs_now_ms());
        rc = runs_on_finding(b, txn, event, id, outgoing, e);
        json_decref(event);
    }
    if (rc == 0 && upto > last) {
        unsigned char be[8];
        fs_u64_to_be(upto, be);
        rc = casestore_put(b->store, txn, CASESTORE_DB_SEQ, key, (size_t)klen, be, 8, e);
    }
    if (rc == 0 && stored)
        rc = casestore_counter_add(b->store, txn, "events", (int64_t)stored, e);
    if (rc == 0 && stored)
        rc = casestore_counter_add(b->store, txn, counter, (int64_t)stored, e);
    if (rc == 0 && duplicates) {
        snprintf(counter, sizeof counter, "duplicates/%s", s->site);
        rc = casestore_counter_add(b->store, txn, counter, (int64_t)duplicates, e);
    }
    if (rc != 0) {
        casestore_abort(&txn);
        json_decref(outgoing);
        return -1; /* no ACK: the site keeps the batch and sends it again */
    }
    if (casestore_commit(&txn, e) != 0) {
        json_decref(outgoing);
        return -1;
    }
    if (refused)
        fs_log(FS_LOG_WARN, "broker", "events_refused",
               "site=%s count=%llu first_seq=%llu reason=%s msg=\"an event must name its sender as "
               "its site "
               "(docs/security.md)\"",
               s->site, (unsigned long long)refused, (unsigned long long)first_refused,
               refused_why);
    /* Committed: now, and only now, acknowledge (refused and duplicate
       events included: they are dealt with, and the outbox moves on). */
    json_t *ack = json_pack("{s:s, s:I}", "epoch", epoch, "upto", (json_int_t)upto);
    fsp_send(b->sites, s->peer, FSP_ACK, ack);
    json_decref(ack);
    fs_log(FS_LOG_DEBUG, "broker", "events_stored",
           "site=%s first=%llu count=%zu new=%llu duplicates=%llu", s->site,
           (unsigned long long)first, count, (unsigned long long)stored,
           (unsigned long long)duplicates);
    runs_send(b, outgoing);
    json_decref(outgoing);
    return 0;
}

static const struct {
    fsp_type_t type;
    site_handler_fn *fn;
} handlers[] = {
    {FSP_HELLO, on_hello},       {FSP_HEARTBEAT, on_heartbeat}, {FSP_EVENTS, on_events},
    {FSP_RESPONSE, on_response}, {FSP_RESULT, on_result},       {FSP_BYE, on_bye},
};

/* --insecure: no CURVE metadata, so a connection is bound to the site its
   HELLO named. */
static const char *insecure_site(broker_t *b, fsp_msg_t *m)
{
    char *hex = zframe_strhex(m->peer);
    if (m->type == FSP_HELLO) {
        const char *claimed = json_string_value(json_object_get(m->body, "site"));
        if (claimed)
            zhashx_update(b->insecure_peers, hex, (void *)claimed);
    }
    const char *site = zhashx_lookup(b->insecure_peers, hex);
    free(hex);
    return site;
}

void broker_on_site_message(broker_t *b)
{
    fsp_msg_t m;
    fs_err_t e = {{0}};
    if (fsp_recv(b->sites, true, &m, &e) != 0) {
        fs_log(FS_LOG_WARN, "broker", "message_refused", "reason=\"%s\"", e.text);
        if (m.peer)
            send_error(b, m.peer, e.text);
        fsp_msg_clear(&m);
        return;
    }
    /* The ZAP handler admitted only site keys here; look the key up again
       all the same, so that a message can never be attributed otherwise. */
    const key_identity_t *id = keystore_lookup(b->keys, m.peer_key);
    const char *site = b->cfg.insecure              ? insecure_site(b, &m)
                       : id && id->kind == KEY_SITE ? id->name
                                                    : NULL;
    if (!site) {
        fs_log(FS_LOG_WARN, "broker", "message_refused", "reason=\"key is not a site key\"");
        send_error(b, m.peer, "§5.1: this key is not a site key");
        fsp_msg_clear(&m);
        return;
    }
    const char *claimed = json_string_value(json_object_get(m.body, "site"));
    if (m.type == FSP_HELLO && (!claimed || strcmp(claimed, site) != 0)) {
        fs_log(FS_LOG_WARN, "broker", "site_impersonation_refused", "key_site=%s claimed_site=%s",
               site, claimed ? claimed : "(none)");
        send_error(b, m.peer, "§5.1: HELLO names a site other than the one this key belongs to");
        fsp_msg_clear(&m);
        return;
    }
    session_t *s = broker_session(b, site);
    s->last_seen = fs_mono_ms();
    if (m.type != FSP_HELLO && !s->connected) {
        send_error(b, m.peer, "§5.2: HELLO first");
        fsp_msg_clear(&m);
        return;
    }
    if (m.type != FSP_HELLO && s->peer && !zframe_eq(s->peer, m.peer)) {
        /* Only the connection that said HELLO speaks for the site; a message
           from an older one (still draining after a restart) is stale. */
        send_error(b, m.peer, "§5.2: HELLO first (this connection has not said HELLO)");
        fsp_msg_clear(&m);
        return;
    }
    site_handler_fn *fn = NULL;
    for (size_t i = 0; i < sizeof handlers / sizeof *handlers; i++)
        if (handlers[i].type == m.type)
            fn = handlers[i].fn;
    if (!fn) {
        fs_err_set(&e, "§5.2: %s is not a message a site sends", fsp_type_name(m.type));
    }
    if (!fn || fn(b, s, &m, &e) != 0) {
        fs_log(FS_LOG_WARN, "broker", "message_failed", "site=%s type=%s reason=\"%s\"", site,
               fsp_type_name(m.type), e.text);
        send_error(b, m.peer, e.text);
    }
    fsp_msg_clear(&m);
}

void broker_send_heartbeats(broker_t *b)
{
    int64_t now = fs_mono_ms();
    json_t *body = json_object();
    casestore_txn_t *txn;
    fs_err_t e = {{0}};
    if (casestore_begin(b->store, false, &txn, &e) == 0) {
        json_t *cp = casestore_audit_last_checkpoint(b->store, txn);
        if (cp)
            json_object_set_new(body, "audit", cp);
        casestore_abort(&txn);
    }
    for (session_t *s = zhashx_first(b->sessions); s; s = zhashx_next(b->sessions)) {
        if (!s->connected)
            continue;
        if (now - s->last_seen > (int64_t)FSP_LIVENESS * FSP_HEARTBEAT_MS) {
            s->connected = false;
            fs_log(FS_LOG_WARN, "broker", "site_disconnected", "site=%s reason=silent", s->site);
            audit_site(b, s->site, "site.lost", "silent");
            continue;
        }
        fsp_send(b->sites, s->peer, FSP_HEARTBEAT, body);
    }
    json_decref(body);
}
