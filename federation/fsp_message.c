/*  fsp_message.c — framing of FSP/1 messages (docs/protocol.md §3).
    Receiving validates the frame structure and the body; what a message
    means is left to the table-driven handlers of each daemon. */
#include "fsp.h"

#include <string.h>

static const char *const type_names[FSP_TYPE_COUNT] = {
    "HELLO",   "WELCOME", "HEARTBEAT", "EVENTS", "ACK",     "COMMAND", "RESPONSE",
    "REQUEST", "RESULT",  "BYE",       "ERROR",  "CONTROL", "REPLY",
};

/* Indexed by code - FS_ERR_BASE_FSP: the names ERROR bodies carry. */
static const char *const error_names[FSP_E_LAST_ - FS_ERR_BASE_FSP] = {
    [0] = "unknown",
    [FSP_E_INTERRUPTED - FS_ERR_BASE_FSP] = "interrupted",
    [FSP_E_MALFORMED - FS_ERR_BASE_FSP] = "malformed",
    [FSP_E_VERSION - FS_ERR_BASE_FSP] = "version",
    [FSP_E_UNKNOWN_TYPE - FS_ERR_BASE_FSP] = "unknown_type",
    [FSP_E_TOO_BIG - FS_ERR_BASE_FSP] = "too_big",
    [FSP_E_HELLO_FIRST - FS_ERR_BASE_FSP] = "hello_first",
    [FSP_E_UNEXPECTED - FS_ERR_BASE_FSP] = "unexpected",
    [FSP_E_IDENTITY - FS_ERR_BASE_FSP] = "identity",
    [FSP_E_REFUSED - FS_ERR_BASE_FSP] = "refused",
    [FSP_E_STANDBY - FS_ERR_BASE_FSP] = "standby",
};

const char *fsp_strerror(int code)
{
    if (code <= FS_ERR_BASE_FSP || code >= FSP_E_LAST_)
        return "unknown";
    return error_names[code - FS_ERR_BASE_FSP];
}

json_t *fsp_error_body(int code, const char *reason)
{
    return json_pack("{s:s, s:s}", "code", fsp_strerror(code), "reason", reason ? reason : "");
}

int fsp_error_code(const json_t *body)
{
    const char *name = json_string_value(json_object_get(body, "code"));
    for (int c = FS_ERR_BASE_FSP + 1; name && c < FSP_E_LAST_; c++)
        if (strcmp(name, error_names[c - FS_ERR_BASE_FSP]) == 0)
            return c;
    return 0;
}

const char *fsp_type_name(fsp_type_t type)
{
    return (unsigned)type < FSP_TYPE_COUNT ? type_names[type] : "?";
}

static int type_from_frame(zframe_t *f)
{
    size_t n = zframe_size(f);
    for (int t = 0; t < FSP_TYPE_COUNT; t++)
        if (strlen(type_names[t]) == n && memcmp(type_names[t], zframe_data(f), n) == 0)
            return t;
    return -1;
}

void fsp_msg_clear(fsp_msg_t *msg)
{
    json_decref(msg->body);
    zmsg_destroy(&msg->events);
    zframe_destroy(&msg->peer);
    free(msg->peer_key);
    memset(msg, 0, sizeof *msg);
}

static char *meta_dup(zframe_t *f, const char *property)
{
    const char *v = zframe_meta(f, property);
    return v && *v ? fs_xstrdup(v) : NULL;
}

/* Reads the rest of a multipart message so the next recv starts clean. */
static void drain(zsock_t *sock, zframe_t *last)
{
    bool more = last ? zframe_more(last) : zsock_rcvmore(sock);
    while (more) {
        zframe_t *f = zframe_recv(sock);
        if (!f)
            return;
        more = zframe_more(f);
        zframe_destroy(&f);
    }
}

int fsp_recv(zsock_t *sock, bool router, fsp_msg_t *out, fs_err_t *e)
{
    memset(out, 0, sizeof *out);
    zframe_t *f = zframe_recv(sock);
    if (!f)
        return fs_err_setc(e, FSP_E_INTERRUPTED, "interrupted");
    if (router) {
        out->peer = f;
        if (!zframe_more(f))
            return fs_err_setc(e, FSP_E_MALFORMED, "§3.1: empty message");
        f = zframe_recv(sock);
        if (!f)
            return fs_err_setc(e, FSP_E_INTERRUPTED, "interrupted");
        /* Only the User-Id comes from the ZAP handler alone: libzmq merges
           the peer's own handshake properties into the same metadata, so
           any other name ("site", "operator", "role") could be forged. */
        out->peer_key = meta_dup(f, "User-Id");
    }
    /* Frame 1: version. */
    if (zframe_size(f) != strlen(FS_PROTOCOL_VERSION) ||
        memcmp(zframe_data(f), FS_PROTOCOL_VERSION, zframe_size(f)) != 0) {
        drain(sock, f);
        zframe_destroy(&f);
        return fs_err_setc(e, FSP_E_VERSION,
                           "§3.2: version frame is not \"" FS_PROTOCOL_VERSION "\"");
    }
    if (!zframe_more(f)) {
        zframe_destroy(&f);
        return fs_err_setc(e, FSP_E_MALFORMED, "§3.1: message has no type frame");
    }
    zframe_destroy(&f);
    /* Frame 2: type. */
    f = zframe_recv(sock);
    if (!f)
        return fs_err_setc(e, FSP_E_INTERRUPTED, "interrupted");
    int type = type_from_frame(f);
    if (type < 0) {
        drain(sock, f);
        zframe_destroy(&f);
        return fs_err_setc(e, FSP_E_UNKNOWN_TYPE, "§3.3: unknown message type");
    }
    out->type = (fsp_type_t)type;
    if (!zframe_more(f)) {
        zframe_destroy(&f);
        return fs_err_setc(e, FSP_E_MALFORMED, "§3.1: %s has no body frame", type_names[type]);
    }
    zframe_destroy(&f);
    /* Frame 3: JSON object body. */
    f = zframe_recv(sock);
    if (!f)
        return fs_err_setc(e, FSP_E_INTERRUPTED, "interrupted");
    if (zframe_size(f) > FSP_MAX_BODY) {
        drain(sock, f);
        zframe_destroy(&f);
        return fs_err_setc(e, FSP_E_TOO_BIG, "§3.4: %s body larger than %d bytes", type_names[type],
                           FSP_MAX_BODY);
    }
    fs_err_t pe = {0};
    out->body = fs_json_parse((const char *)zframe_data(f), zframe_size(f), &pe);
    bool more = zframe_more(f);
    zframe_destroy(&f);
    if (!out->body || !json_is_object(out->body)) {
        if (more)
            drain(sock, NULL);
        return fs_err_setc(e, FSP_E_MALFORMED, "§3.4: %s body is not a JSON object%s%s",
                           type_names[type], pe.text[0] ? ": " : "", pe.text);
    }
    if (!more)
        return out->type == FSP_EVENTS
                   ? fs_err_setc(e, FSP_E_MALFORMED, "§4.4: EVENTS without event frames")
                   : 0;
    if (out->type != FSP_EVENTS) {
        drain(sock, NULL);
        return fs_err_setc(e, FSP_E_MALFORMED, "§3.1: %s must not carry extra frames",
                           type_names[type]);
    }
    /* EVENTS: one frame per event, bounded in count and size. */
    out->events = zmsg_new();
    while (more) {
        f = zframe_recv(sock);
        if (!f)
            return fs_err_setc(e, FSP_E_INTERRUPTED, "interrupted");
        more = zframe_more(f);
        if (zframe_size(f) > FSP_MAX_EVENT || zmsg_size(out->events) >= FSP_MAX_BATCH) {
            drain(sock, f);
            zframe_destroy(&f);
            return fs_err_setc(e, FSP_E_TOO_BIG,
                               "§4.4: EVENTS exceeds %d events or %d bytes per event",
                               FSP_MAX_BATCH, FSP_MAX_EVENT);
        }
        zmsg_append(out->events, &f);
    }
    return 0;
}

static zmsg_t *envelope(zframe_t *peer, fsp_type_t type, const json_t *body)
{
    zmsg_t *msg = zmsg_new();
    if (peer)
        zmsg_append(msg, &(zframe_t *){zframe_dup(peer)});
    zmsg_addstr(msg, FS_PROTOCOL_VERSION);
    zmsg_addstr(msg, fsp_type_name(type));
    char *text = json_dumps(body, JSON_COMPACT);
    zmsg_addmem(msg, text, text ? strlen(text) : 0);
    free(text);
    return msg;
}

int fsp_send(zsock_t *sock, zframe_t *peer, fsp_type_t type, const json_t *body)
{
    zmsg_t *msg = envelope(peer, type, body);
    int rc = zmsg_send(&msg, sock);
    zmsg_destroy(&msg);
    return rc;
}

int fsp_send_events(zsock_t *sock, const json_t *body, zmsg_t **events)
{
    zmsg_t *msg = envelope(NULL, FSP_EVENTS, body);
    zframe_t *f;
    while ((f = zmsg_pop(*events)))
        zmsg_append(msg, &f);
    zmsg_destroy(events);
    int rc = zmsg_send(&msg, sock);
    zmsg_destroy(&msg);
    return rc;
}
