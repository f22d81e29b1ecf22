/*  site.c — FSP/1 messages from site adapters (docs/protocol.md §5):
    who sent it, "HELLO first", and one handler per message type
    (handle_hello.c, ingest.c, commands.c, requests.c).  Identity comes from
    the CURVE key alone: the broker's key store says which site a public key
    is (keystore.h), never what a message or a handshake property says.

    Answers (RESPONSE, RESULT) and EVENTS batches are stored in groups: the
    ones already waiting on the socket when one is taken join its write
    transaction, so one commit (one fdatasync) serves them all, and each
    batch's ACK and what the runs send go out after it. Each used to be a
    commit of its own: at 500 alerts/s, one alert per batch, the loop
    waited on the disk for every alert and every answer and fell behind
    (bench/roundtrip.sh, issue 19). Nothing waits for a group: a message
    with nothing behind it is stored at once. If any message of a group
    fails, nothing of the group is kept and each is handled again on its
    own, as before (a batch with its RESEND or ERROR), so one bad message
    never costs another. */
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

/* A message type's handler, or for an answer the function that stores it
   inside a transaction (store_wake_fn). */
static const struct {
    fsp_type_t type;
    site_handler_fn *handle;
    store_wake_fn *store;
} handlers[] = {
    {FSP_HELLO, handle_hello, NULL},         {FSP_HEARTBEAT, handle_heartbeat, NULL},
    {FSP_EVENTS, handle_events, NULL},       {FSP_RESPONSE, NULL, broker_store_response},
    {FSP_RESULT, NULL, broker_store_result}, {FSP_BYE, handle_bye, NULL},
};

/* A group's bounds: what one turn may hold the loop for (like the timers'
   batch), and at most a full adapter batch's worth of events joining. */
#define GROUP_MAX 64
#define GROUP_EVENTS_MAX 1000
#define GROUPS_PER_TURN 4

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

/* Receives one message and checks who sent it. Returns its site's session,
   or NULL when the message was refused (answered with an ERROR and
   cleared). */
static session_t *receive(broker_t *b, fsp_msg_t *m)
{
    fs_err_t e = {0};
    if (fsp_recv(b->sites, true, m, &e) != 0) {
        fs_log(FS_LOG_WARN, "broker", "message_refused", "reason=\"%s\"", e.text);
        if (m->peer)
            send_error(b, m->peer, framing_code(&e), e.text);
        fsp_msg_clear(m);
        return NULL;
    }
    /* The ZAP handler admitted only site keys here; look the key up again
       all the same, so that a message can never be attributed otherwise. */
    const key_identity_t *id = keystore_lookup(b->keys, m->peer_key);
    const char *site = b->cfg.insecure              ? insecure_site(b, m)
                       : id && id->kind == KEY_SITE ? id->name
                                                    : NULL;
    if (!site) {
        fs_log(FS_LOG_WARN, "broker", "message_refused", "reason=\"key is not a site key\"");
        send_error(b, m->peer, FSP_E_IDENTITY, "§5.1: this key is not a site key");
        fsp_msg_clear(m);
        return NULL;
    }
    const char *claimed = json_string_value(json_object_get(m->body, "site"));
    if (m->type == FSP_HELLO && (!claimed || strcmp(claimed, site) != 0)) {
        fs_log(FS_LOG_WARN, "broker", "site_impersonation_refused", "key_site=%s claimed_site=%s",
               site, claimed ? claimed : "(none)");
        send_error(b, m->peer, FSP_E_IDENTITY,
                   "§5.1: HELLO names a site other than the one this key belongs to");
        fsp_msg_clear(m);
        return NULL;
    }
    if (fencing_standby(b) || (m->type == FSP_HELLO && fencing_on_hello(b, site, m->body) != 0)) {
        send_error(b, m->peer, FSP_E_STANDBY,
                   "§5.1: this broker is a standby (or was superseded by a promoted one) and "
                   "serves no site: use the next endpoint");
        fsp_msg_clear(m);
        return NULL;
    }
    session_t *s = broker_session(b, site);
    s->last_seen = fs_mono_ms();
    if (m->type != FSP_HELLO && !s->connected) {
        send_error(b, m->peer, FSP_E_HELLO_FIRST, "§5.2: HELLO first");
        fsp_msg_clear(m);
        return NULL;
    }
    if (m->type != FSP_HELLO && s->peer && !zframe_eq(s->peer, m->peer)) {
        /* Only the connection that said HELLO speaks for the site; a message
           from an older one (still draining after a restart) is stale. */
        send_error(b, m->peer, FSP_E_HELLO_FIRST,
                   "§5.2: HELLO first (this connection has not said HELLO)");
        fsp_msg_clear(m);
        return NULL;
    }
    return s;
}

static store_wake_fn *answer_store(fsp_type_t type)
{
    for (size_t i = 0; i < sizeof handlers / sizeof *handlers; i++)
        if (handlers[i].type == type)
            return handlers[i].store;
    return NULL;
}

static void refused(broker_t *b, session_t *s, fsp_msg_t *m, int code, const fs_err_t *e)
{
    fs_log(FS_LOG_WARN, "broker", "message_failed", "site=%s type=%s reason=\"%s\"", s->site,
           fsp_type_name(m->type), e->text);
    send_error(b, m->peer, code, e->text);
}

/* Any message but an answer: its handler; clears m. */
static void dispatch(broker_t *b, session_t *s, fsp_msg_t *m)
{
    fs_err_t e = {0};
    site_handler_fn *fn = NULL;
    for (size_t i = 0; i < sizeof handlers / sizeof *handlers; i++)
        if (handlers[i].type == m->type)
            fn = handlers[i].handle;
    if (!fn) {
        fs_err_setc(&e, FSP_E_UNEXPECTED, "§5.2: %s is not a message a site sends",
                    fsp_type_name(m->type));
        refused(b, s, m, FSP_E_UNEXPECTED, &e);
    } else if (fn(b, s, m, &e) != 0) {
        refused(b, s, m, FSP_E_REFUSED, &e);
    }
    fsp_msg_clear(m);
}

/* A message of a group: an answer (store set) or an EVENTS batch. */
typedef struct {
    fsp_msg_t m;
    session_t *s;
    store_wake_fn *store; /* NULL: EVENTS */
    events_done_t done;   /* EVENTS: what its ACK says, sent after the commit */
} grouped_t;

/* Stores n messages in one transaction (an answer stores itself and wakes
   its run; a batch is written as ingest.c writes it); after the commit,
   the batches' ACKs, then what the runs asked for next. Returns 0, or -1
   with e set when one failed and nothing was kept. */
static int store_group(broker_t *b, grouped_t *group, size_t n, fs_err_t *e)
{
    casestore_txn_t *txn = NULL;
    if (casestore_begin(b->store, true, &txn, e) != 0)
        return -1;
    fs_log_hold(); /* what it logs is logged if it commits (else by the retry) */
    outbound_t out;
    outbound_init(&out);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        grouped_t *g = &group[i];
        rc = g->store ? g->store(b, txn, g->s->site, g->m.body, &out, e)
                      : events_write(b, txn, g->s, &g->m, &g->done, &out, e);
    }
    if (rc == 0)
        rc = casestore_commit(&txn, e);
    else
        casestore_abort(&txn);
    fs_log_release(rc == 0);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            if (!group[i].store)
                events_acked(b, group[i].s, &group[i].done);
        delivery_flush(b, &out);
    }
    outbound_clear(&out);
    return rc == 0 ? 0 : -1;
}

/* first (an answer or a batch, taken) and the answers and batches waiting
   behind it, up to GROUP_MAX messages and GROUP_EVENTS_MAX events, up to
   the first message that does not join. That one, received, is returned
   in *first with its session (the caller handles it), or NULL. */
static session_t *on_group(broker_t *b, session_t *s, fsp_msg_t *first)
{
    grouped_t group[GROUP_MAX];
    size_t n = 0, events = 0, answers = 0;
    group[n++] = (grouped_t){.m = *first, .s = s, .store = answer_store(first->type)};
    events += first->type == FSP_EVENTS ? zmsg_size(first->events) : 0;
    *first = (fsp_msg_t){0}; /* the group's now */
    fsp_msg_t next;
    session_t *next_s = NULL;
    while (n < GROUP_MAX && (zsock_events(b->sites) & ZMQ_POLLIN)) {
        if (!(next_s = receive(b, &next)))
            continue;
        store_wake_fn *store = answer_store(next.type);
        if (!store && (next.type != FSP_EVENTS || events >= GROUP_EVENTS_MAX))
            break;
        events += next.type == FSP_EVENTS ? zmsg_size(next.events) : 0;
        group[n++] = (grouped_t){.m = next, .s = next_s, .store = store};
        next_s = NULL;
    }
    for (size_t i = 0; i < n; i++)
        answers += group[i].store != NULL;
    fs_err_t group_e = {0};
    bool together = n > 1 && store_group(b, group, n, &group_e) == 0;
    if (n > 1) /* one_each: the first failure, each message's own below */
        fs_log(FS_LOG_DEBUG, "broker", "site_messages_stored",
               "count=%zu batches=%zu answers=%zu in=%s reason=\"%s\"", n, n - answers, answers,
               together ? "one_transaction" : "one_each", group_e.text);
    for (size_t i = 0; !together && i < n; i++) {
        fs_err_t e = {0};
        if (!group[i].store) /* alone, as it would have been: its ACK, RESEND or ERROR */
            dispatch(b, group[i].s, &group[i].m);
        else if (store_group(b, &group[i], 1, &e) != 0)
            refused(b, group[i].s, &group[i].m, FSP_E_REFUSED, &e);
    }
    for (size_t i = 0; i < n; i++)
        fsp_msg_clear(&group[i].m);
    if (next_s)
        *first = next;
    return next_s;
}

/* Whether m starts a group: an answer, or a batch with more waiting behind
   it (alone, nothing waits: handle_events stores it at once). */
static bool starts_group(broker_t *b, const fsp_msg_t *m)
{
    return answer_store(m->type) ||
           (m->type == FSP_EVENTS && (zsock_events(b->sites) & ZMQ_POLLIN));
}

void broker_on_site_message(broker_t *b)
{
    fsp_msg_t m;
    session_t *s = receive(b, &m);
    if (!s)
        return;
    /* The message a group did not take starts the next one, a few groups
       a turn at most: the loop serves its other sockets in between. */
    for (int groups = 0; s && groups < GROUPS_PER_TURN && starts_group(b, &m); groups++)
        s = on_group(b, s, &m);
    if (s)
        dispatch(b, s, &m);
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
            fs_log(FS_LOG_WARN, "broker", "site_disconnected", "site=%s reason=silent", s->site);
            broker_site_left(b, s, "site.lost", "silent");
            continue;
        }
        fsp_send(b->sites, s->peer, FSP_HEARTBEAT, body);
    }
    json_decref(body);
}
