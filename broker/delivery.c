/*  delivery.c — messages for sites: the typed, bounded outbound queue a
    transaction fills and that is sent only after its commit, and the
    redelivery of a site's pending journal when it says HELLO.

    Everything queued is already journaled in CASESTORE_DB_PENDING ("site\0id"
    -> 'C' command or 'R' request) in the same transaction, so a message that
    is not sent now — the site is away, the queue was full, the broker died
    after the commit — goes out from the journal at the site's next HELLO
    (or at this flush, for an overflowed site).  Sites drop duplicates by
    command_id / request_id (docs/protocol.md §5.4, §5.8). */
#include "broker_internal.h"

#include <string.h>

void outbound_init(outbound_t *q)
{
    memset(q, 0, sizeof *q);
}

static void overflowed(outbound_t *q, const char *site)
{
    for (size_t i = 0; i < q->n_overflow; i++)
        if (strcmp(q->overflow[i], site) == 0)
            return;
    if (q->n_overflow < sizeof q->overflow / sizeof q->overflow[0] &&
        strlen(site) < sizeof q->overflow[0])
        snprintf(q->overflow[q->n_overflow++], sizeof q->overflow[0], "%s", site);
    else
        q->overflow_all = true;
}

void outbound_push(outbound_t *q, const char *site, fsp_type_t type, json_t *body)
{
    if (q->n == OUTBOUND_MAX || strlen(site) >= sizeof q->msg[0].site) {
        overflowed(q, site);
        json_decref(body);
        return;
    }
    if (q->n == q->size) {
        q->size = q->size ? q->size * 2 : 16;
        if (q->size > OUTBOUND_MAX)
            q->size = OUTBOUND_MAX;
        q->msg = fs_xrealloc(q->msg, q->size * sizeof *q->msg);
    }
    outbound_msg_t *m = &q->msg[q->n++];
    snprintf(m->site, sizeof m->site, "%s", site);
    m->type = type;
    m->body = body;
}

void outbound_roundtrip(outbound_t *q, double seconds)
{
    q->roundtrips = fs_xrealloc(q->roundtrips, (q->n_roundtrips + 1) * sizeof *q->roundtrips);
    q->roundtrips[q->n_roundtrips++] = seconds;
}

void outbound_clear(outbound_t *q)
{
    for (size_t i = 0; i < q->n; i++)
        json_decref(q->msg[i].body);
    free(q->msg);
    free(q->roundtrips);
    outbound_init(q);
}

void delivery_flush(broker_t *b, outbound_t *q)
{
    for (size_t i = 0; i < q->n_roundtrips; i++)
        metrics_observe_roundtrip(b, q->roundtrips[i]);
    for (size_t i = 0; i < q->n; i++) {
        session_t *s = zhashx_lookup(b->sessions, q->msg[i].site);
        if (s && s->connected)
            fsp_send(b->sites, s->peer, q->msg[i].type, q->msg[i].body);
        /* else: pending in the journal, sent when the site says HELLO */
    }
    if (q->n_overflow || q->overflow_all) {
        fs_log(FS_LOG_WARN, "broker", "outbound_overflow",
               "sites=%zu all=%s msg=\"more than %d messages in one transaction: the rest go "
               "from the journal\"",
               q->n_overflow, q->overflow_all ? "yes" : "no", OUTBOUND_MAX);
        for (session_t *s = zhashx_first(b->sessions); s; s = zhashx_next(b->sessions)) {
            bool named = q->overflow_all;
            for (size_t i = 0; !named && i < q->n_overflow; i++)
                named = strcmp(q->overflow[i], s->site) == 0;
            if (named && s->connected)
                delivery_redeliver(b, s);
        }
    }
    outbound_clear(q);
}

static int pending_key(char key[160], const char *site, const char *id)
{
    int klen = snprintf(key, 160, "%s%c%s", site, '\0', id);
    return klen < 160 ? klen : 159;
}

int delivery_pending_put(broker_t *b, casestore_txn_t *txn, const char *site, const char *id,
                         char kind, fs_err_t *e)
{
    char key[160];
    int klen = pending_key(key, site, id);
    return casestore_put(b->store, txn, CASESTORE_DB_PENDING, key, (size_t)klen, &kind, 1, e);
}

int delivery_pending_del(broker_t *b, casestore_txn_t *txn, const char *site, const char *id,
                         fs_err_t *e)
{
    char key[160];
    int klen = pending_key(key, site, id);
    return casestore_del(b->store, txn, CASESTORE_DB_PENDING, key, (size_t)klen, e);
}

struct redeliver {
    broker_t *b;
    casestore_txn_t *txn;
    session_t *s;
    int sent;
};

static int redeliver_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    struct redeliver *r = arg;
    size_t slen = strlen(r->s->site);
    if (key->len <= slen + 1 || memcmp(key->data, r->s->site, slen) != 0 ||
        ((const char *)key->data)[slen] != '\0')
        return 0;
    const char *id = (const char *)key->data + slen + 1;
    size_t idlen = key->len - slen - 1;
    bool request = val->len == 1 && *(const char *)val->data == 'R';
    json_t *rec = casestore_get_json(
        r->b->store, r->txn, request ? CASESTORE_DB_REQUESTS : CASESTORE_DB_COMMANDS, id, idlen);
    if (!rec)
        return 0;
    json_t *body = request ? requests_body(rec) : commands_body(rec);
    fsp_send(r->b->sites, r->s->peer, request ? FSP_REQUEST : FSP_COMMAND, body);
    json_decref(body);
    json_decref(rec);
    r->sent++;
    return 0;
}

void delivery_redeliver(broker_t *b, session_t *s)
{
    struct redeliver r = {b, NULL, s, 0};
    if (casestore_begin(b->store, false, &r.txn, NULL) != 0)
        return;
    casestore_foreach(b->store, r.txn, CASESTORE_DB_PENDING, false, redeliver_one, &r);
    casestore_abort(&r.txn);
    if (r.sent)
        fs_log(FS_LOG_INFO, "broker", "redelivered", "site=%s count=%d", s->site, r.sent);
}
