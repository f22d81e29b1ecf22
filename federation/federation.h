/*  federation.h — what crosses between the broker, the sites and the
    operators: the FSP/1 wire protocol (docs/protocol.md), the CURVE key
    layout, and the OpenC2 message model (docs/openc2.md).
*/
#ifndef FEDSOAR_FEDERATION_H
#define FEDSOAR_FEDERATION_H

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

/* ==== Keys ================================================================
   A key layout (docs/operations.md):
     DIR/broker.cert, DIR/broker.cert_secret       the broker's keypair
     DIR/sites/NAME.cert[_secret]                  a site adapter's keypair
     DIR/operators/NAME.cert[_secret]              an operator's keypair
     DIR/trusted/sites/NAME.cert                   public, metadata site=NAME
     DIR/trusted/operators/NAME.cert               public, metadata operator=NAME role=R [site=S]
   The broker needs broker.cert_secret and trusted/; an adapter needs its
   site's secret and broker.cert; fedsoarctl its operator's secret and
   broker.cert. */

/* Creates a whole layout (refuses to overwrite existing keys), with the
   Ed25519 signing keys below. operators_csv: name[:role[:site]],... (a
   site-admin names its site: "sam:site-admin:alpha"). */
int keys_init(const char *dir, const char *sites_csv, const char *operators_csv, const char *role,
              fs_err_t *e);
/* Loads a keypair or a public cert. Caller owns. */
zcert_t *keys_load_secret(const char *dir, const char *kind, const char *name, fs_err_t *e);
/* The broker's public key (Z85, 40 chars) from DIR/broker.cert. Caller owns. */
char *keys_load_broker_public(const char *dir, fs_err_t *e);
/* Path of the trusted public certs (for zauth's CURVE store). Caller owns. */
char *keys_trusted_dir(const char *dir);

/* ---- Ed25519 signing keys (signing.c; docs/governance.md "Keys") ----------
   CURVE keys cannot sign, so keys_init also writes
     DIR/broker.sign.pem (0600), DIR/broker.sign.pub.pem
     DIR/operators/NAME.sign.pem (0600), DIR/signing/operators/NAME.sign.pub.pem
   (the public halves are not under trusted/, which must hold CURVE certs only)
   Signatures are base64 (88 chars). Errors name files, never key bytes. */

/* The private and public key paths of `who` ("broker" or NULL = the broker,
   else an operator name) in the layout DIR. -1 when a path does not fit. */
int keys_signing_paths(const char *dir, const char *who, char *priv, size_t priv_size, char *pub,
                       size_t pub_size);
/* Generates a keypair into the two files (refuses to overwrite). */
int keys_make_signing_key(const char *priv_path, const char *pub_path, fs_err_t *e);
/* Signs msg with the private key file. Returns the base64 signature
   (caller owns, free()), or NULL with e set. */
char *keys_sign(const char *priv_path, const void *msg, size_t len, fs_err_t *e);
/* 0 when sig_b64 is a valid signature of msg by the public key file; -1
   with e saying why (missing key = unknown or revoked, bad encoding, bad
   signature). */
int keys_verify(const char *pub_path, const void *msg, size_t len, const char *sig_b64,
                fs_err_t *e);

/* ---- signed approval votes and critical-command proof (proof.c) -----------
   Vote payload (canonical JSON, what the operator signs):
     {"approval_id":N,"decision":"approve"|"deny","operator":NAME,"quorum":Q,
      "run_id":M,"time":MS,"type":"fedsoar-vote/1"}
   A proof is [{"operator","signature","payload"}, ...]. */

/* The canonical payload of a vote. Caller owns (free()); NULL on OOM. */
char *proof_vote_payload(uint64_t approval_id, uint64_t run_id, const char *decision,
                         const char *operator_name, int quorum, int64_t time_ms);
/* Parses and checks a vote payload (exact keys and types, canonical form,
   at most 1024 bytes). Caller owns the object; NULL with e set. */
json_t *proof_vote_parse(const char *payload, size_t len, fs_err_t *e);
/* Checks a critical command's proof (borrowed) for run run_id: every
   signature valid with trusted_dir/NAME.sign.pub.pem, approvals only, one
   gate, distinct operators, no vote older than max_age_ms (0 = no limit) or
   dated in the future, at least the gate's quorum of them. 0 when it holds;
   -1 with reason (never key material). */
int proof_verify(const json_t *proof, uint64_t run_id, const char *trusted_dir, int64_t now_ms,
                 int64_t max_age_ms, char *reason, size_t reason_size);

/* ==== OpenC2 (openc2_*.c) ==================================================
   OASIS OpenC2 Language Specification v1.0 (CS02) and SLPF v1.0. */

/* ---- begin OpenC2 block ---- */

/* Verdicts. A validator returns OPENC2_VALID, or the OpenC2 status a
   Consumer answers with: 400 when the message is malformed (LS v1.0, a
   profile's syntax, I-JSON), 501 when it is well formed but asks for
   something the validator's profile set does not support (an action x
   target pair, an argument, an extension namespace). When both apply, 400
   wins. Reasons name the JSON path: "$.target.ipv4_net: not a CIDR ...". */
#define OPENC2_VALID 0
#define OPENC2_BAD_REQUEST 400
#define OPENC2_NOT_IMPLEMENTED 501

#define OPENC2_REASON_MAX 512         /* a reason buffer this big never truncates a path */
#define OPENC2_MAX_TEXT (1024 * 1024) /* bytes: larger message texts are refused (400) */
#define OPENC2_MAX_PROFILES 16        /* profiles in one validator */

/* Validates a command against the default profile set, "language" + "slpf".
   Borrows cmd. Thread-safe. Returns OPENC2_VALID, 400 or 501; reason
   (may be NULL) receives "" or the reason. */
int openc2_validate_command(const json_t *cmd, char *reason, size_t reason_size);
/* The same for a response. */
int openc2_validate_response(const json_t *rsp, char *reason, size_t reason_size);

/* ---- profiles ------------------------------------------------------------
   A profile says what a validator accepts beyond the Language Spec core:
   its extension namespaces (targets "nsid:name", args.nsid, actuator.nsid,
   results.nsid, each with a shape), the action x target pairs it supports
   and, per command, the arguments it allows. Built in: "language" (every
   LS v1.0 action with every LS target, no extensions) and "slpf" (SLPF
   v1.0 CS01). Other profiles are JSON files (docs/openc2.md, "Profile
   files"; an example is federation/profiles/acme.json). */
typedef struct openc2_profile openc2_profile_t;

/* Builds a profile from its JSON description. Borrows desc. Returns NULL
   with e naming the JSON path of the mistake. Caller owns the result. */
openc2_profile_t *openc2_profile_from_json(const json_t *desc, fs_err_t *e);
/* Loads a profile file. Caller owns the result. */
openc2_profile_t *openc2_profile_load(const char *path, fs_err_t *e);
/* A built-in profile by name ("language", "slpf"), or NULL. Caller owns. */
openc2_profile_t *openc2_profile_builtin(const char *name);
/* Idempotent; sets *p to NULL. */
void openc2_profile_destroy(openc2_profile_t **p);
/* The profile's name ("slpf", "acme"). Borrowed: valid while p lives. */
const char *openc2_profile_name(const openc2_profile_t *p);

/* ---- validators ---------------------------------------------------------
   A validator is an immutable-after-setup set of profiles. Once set up it
   may be used from several threads at once. */
typedef struct openc2_validator openc2_validator_t;

/* An empty validator (accepts nothing until a profile is added). Caller owns. */
openc2_validator_t *openc2_validator_new(void);
/* A validator with "language" + "slpf". Caller owns. */
openc2_validator_t *openc2_validator_new_default(void);
void openc2_validator_destroy(openc2_validator_t **v);
/* Adds a profile and takes *p (sets it to NULL), also on failure. Fails
   when a namespace is already claimed by another profile or the set is full. */
int openc2_validator_add_profile(openc2_validator_t *v, openc2_profile_t **p, fs_err_t *e);
/* Adds a profile by name: a built-in name, a path (contains '/' or ends in
   ".json"), or NAME.json in dir (NULL: $FEDSOAR_OPENC2_PROFILES). */
int openc2_validator_add(openc2_validator_t *v, const char *name, const char *dir, fs_err_t *e);
/* Number of profiles and the i-th one (borrowed). */
size_t openc2_validator_count(const openc2_validator_t *v);
const openc2_profile_t *openc2_validator_profile(const openc2_validator_t *v, size_t i);

/* Validate from a parsed value (borrowed) or from text (I-JSON: UTF-8, no
   duplicate keys, at most OPENC2_MAX_TEXT bytes). Same verdicts as above. */
int openc2_check_command(const openc2_validator_t *v, const json_t *cmd, char *reason,
                         size_t reason_size);
int openc2_check_response(const openc2_validator_t *v, const json_t *rsp, char *reason,
                          size_t reason_size);
int openc2_check_command_text(const openc2_validator_t *v, const char *text, size_t len,
                              char *reason, size_t reason_size);
int openc2_check_response_text(const openc2_validator_t *v, const char *text, size_t len,
                               char *reason, size_t reason_size);

/* The action x target pairs the validator's profiles support, as an LS
   "pairs" object ({"deny": ["ipv4_net", ...], ...}) for a 'query features'
   answer. The "language" profile adds nothing (it is not an actuator).
   Caller owns. */
json_t *openc2_validator_pairs(const openc2_validator_t *v);
/* {"versions": ["1.0"], "profiles": [...], "pairs": {...}} for 'query
   features' (profiles: each namespace of the set). Caller owns. */
json_t *openc2_validator_features(const openc2_validator_t *v);

/* ---- message helpers ----------------------------------------------------- */

/* A response {"status": N, "status_text": T, "results": R}. status_text and
   results may be NULL (then left out). Borrows results (adds a reference).
   Caller owns the result; NULL only on allocation failure. */
json_t *openc2_response_new(int status, const char *status_text, json_t *results);
/* The response a Consumer sends for a verdict of openc2_check_*:
   200 for OPENC2_VALID, else the verdict with reason as status_text. Caller owns. */
json_t *openc2_response_for_verdict(int verdict, const char *reason);
/* Standard text for a status code ("OK", "Bad Request", ...), or NULL. Static. */
const char *openc2_status_text(int status);
/* True for the status codes LS v1.0 defines (102 200 400 401 403 404 500 501 503). */
bool openc2_status_valid(int status);

/* The action and the target key ("ipv4_net", "slpf:rule_number") of a
   command. Borrowed pointers into cmd. Returns 0, or -1 when cmd has no
   string action or not exactly one target. Does not validate otherwise. */
int openc2_command_pair(const json_t *cmd, const char **action, const char **target);
/* The command_id string of a command, or NULL. Borrowed. */
const char *openc2_command_id(const json_t *cmd);

/* ---- end OpenC2 block ---- */

/* ---- begin routing block ---- */

/* ==== Routing (routing.c; docs/openc2.md "Routing", docs/internals/routing.md)
   Which site(s) an OpenC2 command goes to. A route table holds, per site:
   declared scopes (IPv4/IPv6 CIDRs, DNS suffixes, hostname glob patterns,
   identity domains), capabilities (the 'query features' results: pairs per
   action) and assets learned from the site's own events (IP, hostname,
   device uid, user -> site, with last-seen time; bounded, the least
   recently seen is evicted). Not thread-safe: one thread owns a table
   (route_decide updates internal scratch and lazily rebuilt indexes). */

typedef struct route_table route_table_t;

#define ROUTE_MAX_SITES 65536           /* sites in one table */
#define ROUTE_MAX_SCOPE_ENTRIES 100000  /* entries in one site's scopes */
#define ROUTE_DEFAULT_MAX_ASSETS 100000 /* learned assets kept (all sites) */

/* A table keeping at most max_assets learned assets (0 = the default).
   Caller owns; NULL only on allocation failure. */
route_table_t *route_table_new(size_t max_assets);
/* Idempotent; sets *t to NULL. */
void route_table_destroy(route_table_t **t);

/* Sets (replaces) a site's declared scopes, adding the site if new. Borrows
   scopes: {"ipv4": ["10.1.0.0/16", ...], "ipv6": [...], "dns_suffixes":
   [...], "hostnames": ["ws-*", ...], "identity_domains": [...]}. On error
   nothing changes and e names the site and the JSON path:
   "site alpha: $.scopes.ipv4[2]: \"10.1.2.3/16\" has host bits set ...". */
int route_set_scopes(route_table_t *t, const char *site, const json_t *scopes, fs_err_t *e);
/* Sets (replaces) a site's capabilities from a 'query features' results
   object ({"pairs": {...}, ...}; borrowed, copied), adding the site if new.
   A site whose capabilities were never set can do nothing. */
int route_set_capabilities(route_table_t *t, const char *site, const json_t *features, fs_err_t *e);
/* Loads {"alpha": {"scopes": {...}, "capabilities": {...}}, ...} (the
   "sites" object of a routes file or of the broker config; borrowed). All
   or nothing: on error the table is unchanged. */
int route_load_sites(route_table_t *t, const json_t *sites, fs_err_t *e);
/* Number of sites in the table. */
size_t route_site_count(const route_table_t *t);

/* Learns assets from one OCSF event (borrowed) sent by site (the
   CURVE-authenticated site, never the event's own "site" field) at now_ms:
   device.ip/hostname/uid, src/dst endpoint ip+hostname only when the
   endpoint's IP lies in the site's declared scopes, and actor.user (not
   from failed authentications). Returns the number of assets learned or
   refreshed (0 when the site is unknown or nothing qualifies). */
int route_learn(route_table_t *t, const char *site, const json_t *event, int64_t now_ms);
/* Number of learned assets held. */
size_t route_asset_count(const route_table_t *t);

/* Decides where a command (borrowed; validate it first) goes. explicit_site
   (may be NULL) wins when that site can do the action/target pair. Returns
   a JSON array of site names, empty when the command is refused; NULL only
   on allocation failure. Caller owns it. When explanation is not NULL it
   receives (caller owns) {"decision": "routed"|"refused", "rule": ...,
   "action", "target", "locators": [...], "sites": [...], "reason": ...,
   "considered": [{"site", "taken", "owns", "capable", "why"}, ...]}. */
json_t *route_decide(route_table_t *t, const json_t *command, const char *explicit_site,
                     json_t **explanation);

/* ---- end routing block ---- */

#endif
