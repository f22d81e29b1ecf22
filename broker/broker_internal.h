/*  broker_internal.h — private to libfedsoar_broker: the daemon's state
    shared by its handler files. */
#ifndef FEDSOAR_BROKER_INTERNAL_H
#define FEDSOAR_BROKER_INTERNAL_H

#include "broker.h"
#include "casestore.h"
#include "federation.h"
#include "keystore.h"
#include "playbooks.h"

/* A site's live connection (in memory; what must survive is in CASESTORE_DB_SITES). */
typedef struct session {
    char site[33];
    zframe_t *peer; /* routing id of its current connection */
    bool connected;
    int64_t last_seen; /* monotonic ms of its last message */
    json_t *reported;  /* last HELLO/HEARTBEAT body */
} session_t;

struct broker {
    broker_config_t cfg;
    casestore_t *store;
    playbook_set_t *playbooks;
    keystore_t *keys;    /* trusted keys: the only source of site, operator and role */
    zsock_t *zap;        /* our ZAP handler (handshakes.c) */
    zsock_t *monitor[2]; /* failed handshakes on [0] sites, [1] control */
    struct {
        uint64_t refused;     /* handshakes refused since start */
        int64_t window_start; /* rate limit of their log lines */
        unsigned logged;
        uint64_t suppressed;
    } handshakes;
    zcert_t *cert;
    zsock_t *sites;           /* ROUTER for adapters */
    zsock_t *control;         /* ROUTER for operators */
    zhashx_t *sessions;       /* site -> session_t */
    zhashx_t *insecure_peers; /* --insecure only: routing id hex -> site */
    int64_t next_heartbeat;
    int64_t next_checkpoint;  /* monotonic ms of the next interval checkpoint check */
    zhashx_t *versions;       /* playbook version -> playbook_t, for runs in flight */
    route_table_t *routes;    /* scopes, capabilities, learned assets -> where commands go */
    governance_config_t *gov; /* NULL: no governance, the directory's playbooks run everywhere */
    char sign_pub[4096];      /* KEYS/broker.sign.pub.pem ("" when insecure / absent) */
    /* runs.c, while a run advances: where sub-playbooks are looked up */
    casestore_txn_t *adv_txn;
    const char *adv_site;
    bool adv_shadow;
};

/* Who is asking on the control socket (from the key store, by the
   caller's key), and where a write command puts messages for sites.
   site: a site-admin's own site, or NULL. */
typedef struct caller {
    const char *operator_name;
    const char *role;
    const char *site;
    json_t *outgoing;
} caller_t;

session_t *broker_session(broker_t *b, const char *site);

/* handshakes.c: the ZAP handler and the log of refused handshakes. */
int broker_handshakes_start(broker_t *b, fs_err_t *e);
/* Watches a bound socket's failed handshakes (which: 0 sites, 1 control). */
int broker_handshakes_watch(broker_t *b, zsock_t *sock, int which, fs_err_t *e);
void broker_handshakes_stop(broker_t *b);
void broker_on_zap_request(broker_t *b);
void broker_on_handshake_event(broker_t *b, zsock_t *monitor);

/* admission.c: whether an event a site sent is stored (docs/security.md). */
typedef enum { ADMIT_STORE, ADMIT_DUPLICATE, ADMIT_REFUSED, ADMIT_ERROR } admit_t;
/* ADMIT_REFUSED sets *reason ("malformed", "no_site", "other_site");
   ADMIT_STORE remembers the record's id in txn; ADMIT_ERROR fills e. */
admit_t admission_check(broker_t *b, casestore_txn_t *txn, const char *site, const void *data,
                        size_t len, const char **reason, fs_err_t *e);
/* Deletes remembered ids older than two windows, a bounded number per call,
   in its own transaction. Returns how many, -1 on error. */
int admission_purge(broker_t *b, fs_err_t *e);

/* site_handlers.c: dispatch one message from a site. */
void broker_on_site_message(broker_t *b);
void broker_send_heartbeats(broker_t *b);

/* runs.c: on a stored finding, in the ingest transaction: attach it to a
   case, run matching playbooks, journal their commands. New commands are
   appended to `outgoing` ({site, body}) to send after the commit. */
int runs_on_finding(broker_t *b, casestore_txn_t *txn, const json_t *event, uint64_t event_id,
                    json_t *outgoing, fs_err_t *e);
/* Stores an OpenC2 response for a journaled command and wakes its run (in
   txn); new messages for sites are appended to outgoing. */
int runs_on_response(broker_t *b, casestore_txn_t *txn, const char *site, const json_t *body,
                     json_t *outgoing, fs_err_t *e);
/* Stores an enrich/action RESULT and wakes its run. */
int runs_on_result(broker_t *b, casestore_txn_t *txn, const char *site, const json_t *body,
                   json_t *outgoing, fs_err_t *e);
/* Epoch ms of the earliest timer row, or -1 when there is none. */
int64_t runs_next_timer(broker_t *b);
/* Fires every due timer in one transaction; returns how many, -1 on error. */
int runs_fire_timers(broker_t *b, json_t *outgoing, fs_err_t *e);
/* An operator's vote on an approval gate (role checked, distinct operators,
   quorum; one deny closes it). *result: the approval after the vote. */
/* signature/payload: the operator's Ed25519 signature over the vote
   payload (federation.h proof_vote_payload), or NULL for an unsigned vote
   (accepted only without governance; it cannot be proof for a critical
   command). */
int runs_decide(broker_t *b, casestore_txn_t *txn, uint64_t approval_id, const char *operator_name,
                const char *role, bool approve, const char *comment, const char *signature,
                const char *payload, json_t *outgoing, json_t **result, fs_err_t *e);
/* The COMMAND body for a journaled command record (borrowed): command_id,
   command, case_id, and for a critical one "critical", "run_id" and the
   approvers' signed votes as "proof". Caller owns. */
json_t *runs_command_body(const json_t *rec);
/* Sends every journaled command still pending for a site (after HELLO). */
void runs_redeliver(broker_t *b, session_t *s);
/* Sends the messages in outgoing ({site, type, body}) to connected sites. */
void runs_send(broker_t *b, json_t *outgoing);

/* control.c: dispatch one operator request. */
void broker_on_control_message(broker_t *b);

/* governance.c: playbook versions, approvals and per-site activation
   (docs/governance.md). Control handlers, one per command. */
json_t *governance_ctl_submit(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e);
json_t *governance_ctl_get(broker_t *b, casestore_txn_t *txn, const json_t *args,
                           const caller_t *who, fs_err_t *e);
json_t *governance_ctl_history(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e);
json_t *governance_ctl_decide(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e);
json_t *governance_ctl_activate(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e);
json_t *governance_ctl_rollback(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e);
json_t *governance_ctl_retire(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e);
json_t *governance_ctl_compare(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e);
json_t *governance_ctl_status(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e);
/* The versions active (shadow false) or in shadow (true) at a site, as
   {name: version}; borrowed until the txn ends... caller owns. NULL when
   governance is off. */
json_t *governance_site_versions(broker_t *b, casestore_txn_t *txn, const char *site, bool shadow);

#endif
