/*  fsp.h — FSP/1, the site protocol (docs/protocol.md): message types,
    limits, framing, and the machine codes an ERROR carries.  Both ends use
    it: the broker's ROUTER and the adapter's DEALER.

    Ownership: fsp_recv fills an fsp_msg_t the caller owns (clear it with
    fsp_msg_clear); fsp_send borrows the body; fsp_send_events takes the
    event frames. */
#ifndef FEDSOAR_FSP_H
#define FEDSOAR_FSP_H

#include "common.h"

#include <czmq.h>

/* ==== FSP/1 messages =====================================================
   Every message is: [version "FSP/1"] [type] [JSON object body] and, for
   EVENTS only, one further frame per event (the OCSF event's JSON bytes).
   On the broker's ROUTER the routing id frame precedes them. */

typedef enum {
    FSP_HELLO,
    FSP_WELCOME,
    FSP_HEARTBEAT,
    FSP_EVENTS,
    FSP_ACK,
    FSP_COMMAND,
    FSP_RESPONSE,
    FSP_REQUEST,
    FSP_RESULT,
    FSP_BYE,
    FSP_ERROR,
    FSP_CONTROL, /* operator -> broker, on the control socket */
    FSP_REPLY,   /* broker -> operator */
    FSP_TYPE_COUNT
} fsp_type_t;

#define FSP_MAX_BODY (1024 * 1024) /* bytes of the JSON body frame */
#define FSP_MAX_EVENT (256 * 1024) /* bytes of one event frame */
#define FSP_MAX_BATCH 1000         /* event frames in one EVENTS */
#define FSP_HEARTBEAT_MS 1000      /* interval between heartbeats */
#define FSP_LIVENESS 5             /* missed heartbeats = peer gone */

const char *fsp_type_name(fsp_type_t type);

typedef struct fsp_msg {
    fsp_type_t type;
    json_t *body;   /* owned */
    zmsg_t *events; /* EVENTS only: one frame per event, owned; else NULL */
    zframe_t *peer; /* ROUTER side only: the routing id, owned */
    /* ROUTER side: the peer's CURVE public key (Z85) as the broker's ZAP
       handler passed it to libzmq (the "User-Id" property), or NULL without
       CURVE. Who that is, only the broker's key store says (keystore.h);
       any other property a peer sends in its handshake is never read. */
    char *peer_key;
} fsp_msg_t;

/* Receives one message. `router` says whether a routing id frame comes
   first. Returns 0, or -1 with e naming the clause of docs/protocol.md the
   message breaks (the frames are consumed either way). On -1 with
   out->peer set, the caller may answer the peer with FSP_ERROR. */
int fsp_recv(zsock_t *sock, bool router, fsp_msg_t *out, fs_err_t *e);
void fsp_msg_clear(fsp_msg_t *msg);

/* Sends [peer] version type body. Borrows body. */
int fsp_send(zsock_t *sock, zframe_t *peer, fsp_type_t type, const json_t *body);
/* Sends an EVENTS message: body plus one frame per event. Takes *events. */
int fsp_send_events(zsock_t *sock, const json_t *body, zmsg_t **events);

/* ==== Errors ================================================================
   What went wrong on the wire, for programs (the text is for people).  An
   ERROR body is {"code": NAME, "reason": TEXT} (docs/protocol.md §5.7): NAME
   is fsp_strerror(code), a receiver decides on it, never on the reason.
   fsp_recv's errors carry these codes too. */
typedef enum fsp_errc {
    FSP_E_INTERRUPTED = FS_ERR_BASE_FSP + 1, /* "interrupted": no message (shutdown) */
    FSP_E_MALFORMED,                         /* "malformed": frames or body break §3 */
    FSP_E_VERSION,                           /* "version": not FSP/1 (§3.2) */
    FSP_E_UNKNOWN_TYPE,                      /* "unknown_type" (§3.3) */
    FSP_E_TOO_BIG,                           /* "too_big": a limit of §3.4 */
    FSP_E_HELLO_FIRST, /* "hello_first": no HELLO on this connection (§5.2) */
    FSP_E_UNEXPECTED,  /* "unexpected": a type this role does not take (§5.2) */
    FSP_E_IDENTITY,    /* "identity": the key may not speak as named (§5.1) */
    FSP_E_REFUSED,     /* "refused": a body the receiver refuses */
    FSP_E_STANDBY,     /* "standby": a standby broker serves no site until promoted (§5.1) */
    FSP_E_LAST_
} fsp_errc_t;

/* The wire name of an FSP_E_* code ("hello_first"), "unknown" otherwise. Static. */
const char *fsp_strerror(int code);
/* {"code": fsp_strerror(code), "reason": reason}: the body of an ERROR.
   Caller owns. */
json_t *fsp_error_body(int code, const char *reason);
/* The FSP_E_* code an ERROR body names, or 0 when it names none or one this
   build does not know (an older peer). Borrows body. */
int fsp_error_code(const json_t *body);

#endif
