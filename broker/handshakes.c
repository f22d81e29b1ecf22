/*  handshakes.c — who may connect: the broker's own ZAP handler (RFC 27)
    and the log of refused handshakes.

    libzmq asks the handler about every CURVE client before the handshake
    completes. The answer admits a key only when the broker's key store
    (keystore.h) trusts it AND it is of the kind the socket serves: site
    keys on the site socket (ZAP domain "sites"), operator keys on the
    control socket ("operators"). The reply's User-Id is the public key
    itself; no metadata is returned, and the broker never reads the
    properties a peer may add to its own handshake (fsp_message.c).

    Refusals — unknown keys, keys on the wrong socket, and handshakes that
    fail before ZAP (a client holding a wrong copy of the broker's public
    key cannot even be decrypted) — are counted and logged, at most
    HANDSHAKE_LOG_BURST lines a minute so a scanner cannot flood the log. */
#include "broker_internal.h"

#include <string.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define HANDSHAKE_LOG_BURST 20

/* Rate-limited log of one refusal; the count is never limited. */
static void refused(broker_t *b, const char *reason, const char *kv)
{
    b->handshakes.refused++;
    int64_t now = fs_mono_ms();
    if (now - b->handshakes.window_start >= 60000) {
        if (b->handshakes.suppressed)
            fs_log(FS_LOG_WARN, "broker", "handshake_refused_suppressed", "count=%llu",
                   (unsigned long long)b->handshakes.suppressed);
        b->handshakes.window_start = now;
        b->handshakes.logged = 0;
        b->handshakes.suppressed = 0;
    }
    if (b->handshakes.logged >= HANDSHAKE_LOG_BURST) {
        b->handshakes.suppressed++;
        return;
    }
    b->handshakes.logged++;
    char q[160];
    fs_log(FS_LOG_WARN, "broker", "handshake_refused", "reason=%s %s total=%llu",
           fs_log_quote(q, sizeof q, reason), kv, (unsigned long long)b->handshakes.refused);
}

static const char *zap_decide(broker_t *b, const char *domain, const char *mechanism,
                              zframe_t *cred, const char *address, char *user_id,
                              const char **status)
{
    *status = "400";
    if (strcmp(mechanism, "CURVE") != 0 || !cred || zframe_size(cred) != 32)
        return "only CURVE clients are served";
    char z85[41];
    zmq_z85_encode(z85, zframe_data(cred), 32);
    char fp[17], kv[256];
    keystore_fingerprint(zframe_data(cred), fp);
    const key_identity_t *id = keystore_lookup(b->keys, z85);
    bool site_socket = strcmp(domain, "sites") == 0;
    const char *why = NULL;
    if (!id)
        why = "unknown key (not under the broker's trusted/ folders)";
    else if (site_socket && id->kind != KEY_SITE)
        why = "an operator key on the site socket";
    else if (!site_socket && id->kind != KEY_OPERATOR)
        why = "a site key on the control socket";
    if (why) {
        snprintf(kv, sizeof kv, "socket=%s key=%s%s%s address=%s",
                 site_socket ? "sites" : "control", fp, id ? " holder=" : "", id ? id->name : "",
                 address);
        refused(b, why, kv);
        return why;
    }
    snprintf(user_id, 41, "%s", z85);
    *status = "200";
    return "OK";
}

void broker_on_zap_request(broker_t *b)
{
    zmsg_t *req = zmsg_recv(b->zap);
    if (!req)
        return;
    char *version = zmsg_popstr(req), *request_id = zmsg_popstr(req), *domain = zmsg_popstr(req),
         *address = zmsg_popstr(req), *identity = zmsg_popstr(req), *mechanism = zmsg_popstr(req);
    zframe_t *cred = zmsg_pop(req);
    char user_id[41] = "";
    const char *status = "500", *text = "malformed ZAP request";
    if (version && strcmp(version, "1.0") == 0 && request_id && domain && address && mechanism)
        text = zap_decide(b, domain, mechanism, cred, address, user_id, &status);
    zmsg_t *reply = zmsg_new();
    zmsg_addstr(reply, "1.0");
    zmsg_addstr(reply, request_id ? request_id : "");
    zmsg_addstr(reply, status);
    zmsg_addstr(reply, text);
    zmsg_addstr(reply, user_id);
    zmsg_addmem(reply, NULL, 0); /* no metadata: identity is the key, nothing else */
    zmsg_send(&reply, b->zap);
    free(version), free(request_id), free(domain), free(address), free(identity), free(mechanism);
    zframe_destroy(&cred);
    zmsg_destroy(&req);
}

/* A handshake that failed before ZAP: libzmq reports it on the monitor. */
void broker_on_handshake_event(broker_t *b, zsock_t *monitor)
{
    zframe_t *ev = zframe_recv(monitor);
    zframe_t *addr = ev && zframe_more(ev) ? zframe_recv(monitor) : NULL;
    if (ev && zframe_size(ev) >= 6) {
        uint16_t event;
        uint32_t value;
        memcpy(&event, zframe_data(ev), 2);
        memcpy(&value, zframe_data(ev) + 2, 4);
        char kv[200], *a = addr ? zframe_strdup(addr) : NULL;
        snprintf(kv, sizeof kv, "socket=%s endpoint=%s code=0x%x",
                 monitor == b->monitor[0] ? "sites" : "control", a ? a : "?", value);
        free(a);
        refused(b,
                value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
                    ? "cannot decrypt the client's handshake (its copy of the broker's public key "
                      "probably does "
                      "not match KEYS/broker.cert)"
                    : "handshake protocol error",
                kv);
    }
    zframe_destroy(&ev);
    zframe_destroy(&addr);
}

int broker_handshakes_start(broker_t *b, fs_err_t *e)
{
    b->zap = zsock_new(ZMQ_REP);
    if (!b->zap || zsock_bind(b->zap, ZAP_ENDPOINT) != 0)
        return fs_err_set(
            e, "cannot bind the ZAP handler (%s): is another one running in this process?",
            ZAP_ENDPOINT);
    b->handshakes.window_start = fs_mono_ms();
    return 0;
}

int broker_handshakes_watch(broker_t *b, zsock_t *sock, int which, fs_err_t *e)
{
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://fedsoar-handshakes-%d", which);
    if (zmq_socket_monitor(zsock_resolve(sock), ep,
                           ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0)
        return fs_err_set(e, "cannot monitor handshakes: %s", zmq_strerror(zmq_errno()));
    b->monitor[which] = zsock_new(ZMQ_PAIR);
    if (!b->monitor[which] || zsock_connect(b->monitor[which], "%s", ep) != 0)
        return fs_err_set(e, "cannot monitor handshakes on %s", ep);
    return 0;
}

void broker_handshakes_stop(broker_t *b)
{
    for (int i = 0; i < 2; i++) {
        if (b->monitor[i]) {
            zmq_socket_monitor(zsock_resolve(i == 0 ? b->sites : b->control), NULL, 0);
            zsock_destroy(&b->monitor[i]);
        }
    }
    zsock_destroy(&b->zap);
}
