/*  site.c — FSP/1 messages from site adapters (docs/protocol.md §5):
    who sent it, "HELLO first", and one handler per message type
    (handle_hello.c, ingest.c, commands.c, requests.c).  Identity comes from
    the CURVE key alone: the broker's key store says which site a public key
    is (keystore.h), never what a message or a handshake property says. */
#include "broker_internal.h"

#include <string.h>

/* An ERROR with its code (docs/protocol.md §5.7): the site acts on the
   code (FSP_E_HELLO_FIRST: say HELLO again), the reason is for people. */
static void send_error(broker_t *b, zframe_t *peer, int code, const char *reason)
{
    json_t *body = fsp_error_body(code, reason);
    fsp_send(b->sites, peer, FSP_ERROR, body);
    json_decref(body);
}

/* The code of a failed fsp_recv (framing), FSP_E_MALFORMED when it has none. */
static int framing_code(const fs_err_t *e)
{
    int code = fs_err_code(e);
    return code > FS_ERR_BASE_FSP && code < FSP_E_LAST_ ? code : FSP_E_MALFORMED;
}

int broker_store_and_wake(broker_t *b, session_t *s, fsp_msg_t *m, store_wake_fn *fn, fs_err_t *e)
{
    casestore_txn_t *txn;
    if (casestore_begin(b->store, true, &txn, e) != 0)
        return -1;
    outbound_t out;
    outbound_init(&out);
    int rc = fn(b, txn, s->site, m->body, &out, e);
    if (rc == 0)
        rc = casestore_commit(&txn, e);
    else
        casestore_abort(&txn);
    if (rc == 0)
        delivery_flush(b, &out);
    outbound_clear(&out);
    return rc;
}

static const struct {
    fsp_type_t type;
    site_handler_fn *fn;
} handlers[] = {
    {FSP_HELLO, handle_hello},       {FSP_HEARTBEAT, handle_heartbeat}, {FSP_EVENTS, handle_events},
    {FSP_RESPONSE, handle_response}, {FSP_RESULT, handle_result},       {FSP_BYE, handle_bye},
};

/* --insecure: no CURVE metadata, so a connection is bound to the site its
   HELLO named. */
size_t site_seq_key(const char *site, const char *epoch, char key[SITE_SEQ_KEY_MAX])
{
    int n = snprintf(key, SITE_SEQ_KEY_MAX, "%s%c%s", site, '\0', epoch);
    return n < 0 ? 0 : (size_t)n < SITE_SEQ_KEY_MAX ? (size_t)n : SITE_SEQ_KEY_MAX - 1;
}

uint64_t site_last_seq(broker_t *b, casestore_txn_t *txn, const char *key, size_t klen)
{
    casestore_val_t v;
    if (casestore_get(b->store, txn, CASESTORE_DB_SEQ, key, klen, &v, NULL) == 0 && v.len == 8)
        return fs_u64_from_be(v.data);
    return 0;
}

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
    fs_err_t e = {0};
    if (fsp_recv(b->sites, true, &m, &e) != 0) {
        fs_log(FS_LOG_WARN, "broker", "message_refused", "reason=\"%s\"", e.text);
        if (m.peer)
            send_error(b, m.peer, framing_code(&e), e.text);
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
        send_error(b, m.peer, FSP_E_IDENTITY, "§5.1: this key is not a site key");
        fsp_msg_clear(&m);
        return;
    }
    const char *claimed = json_string_value(json_object_get(m.body, "site"));
    if (m.type == FSP_HELLO && (!claimed || strcmp(claimed, site) != 0)) {
        fs_log(FS_LOG_WARN, "broker", "site_impersonation_refused", "key_site=%s claimed_site=%s",
               site, claimed ? claimed : "(none)");
        send_error(b, m.peer, FSP_E_IDENTITY,
                   "§5.1: HELLO names a site other than the one this key belongs to");
        fsp_msg_clear(&m);
        return;
    }
    if (fencing_standby(b) || (m.type == FSP_HELLO && fencing_on_hello(b, site, m.body) != 0)) {
        send_error(b, m.peer, FSP_E_STANDBY,
                   "§5.1: this broker is a standby (or was superseded by a promoted one) and "
                   "serves no site: use the next endpoint");
        fsp_msg_clear(&m);
        return;
    }
    session_t *s = broker_session(b, site);
    s->last_seen = fs_mono_ms();
    if (m.type != FSP_HELLO && !s->connected) {
        send_error(b, m.peer, FSP_E_HELLO_FIRST, "§5.2: HELLO first");
        fsp_msg_clear(&m);
        return;
    }
    if (m.type != FSP_HELLO && s->peer && !zframe_eq(s->peer, m.peer)) {
        /* Only the connection that said HELLO speaks for the site; a message
           from an older one (still draining after a restart) is stale. */
        send_error(b, m.peer, FSP_E_HELLO_FIRST,
                   "§5.2: HELLO first (this connection has not said HELLO)");
        fsp_msg_clear(&m);
        return;
    }
    site_handler_fn *fn = NULL;
    for (size_t i = 0; i < sizeof handlers / sizeof *handlers; i++)
        if (handlers[i].type == m.type)
            fn = handlers[i].fn;
    if (!fn) {
        fs_err_setc(&e, FSP_E_UNEXPECTED, "§5.2: %s is not a message a site sends",
                    fsp_type_name(m.type));
    }
    if (!fn || fn(b, s, &m, &e) != 0) {
        fs_log(FS_LOG_WARN, "broker", "message_failed", "site=%s type=%s reason=\"%s\"", site,
               fsp_type_name(m.type), e.text);
        send_error(b, m.peer, fn ? FSP_E_REFUSED : FSP_E_UNEXPECTED, e.text);
    }
    fsp_msg_clear(&m);
}

void broker_send_heartbeats(broker_t *b)
{
    int64_t now = fs_mono_ms();
    json_t *body = json_object();
    casestore_txn_t *txn;
    fs_err_t e = {0};
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
            broker_audit_site(b, s->site, "site.lost", "silent");
            continue;
        }
        fsp_send(b->sites, s->peer, FSP_HEARTBEAT, body);
    }
    json_decref(body);
}
