/*  broker_internal.h — private to libfedsoar_broker: the daemon's state
    and the functions its files share (docs/internals/broker.md has the
    map: one file per message or concern).  Names: broker_* for the daemon,
    otherwise the file's concern (ingest_*, commands_*, delivery_*, ...). */
#ifndef FEDSOAR_BROKER_INTERNAL_H
#define FEDSOAR_BROKER_INTERNAL_H

#include "broker.h"
#include "casestore.h"
#include "effect.h"
#include "fsp.h"
#include "governance.h"
#include "keys.h"
#include "keystore.h"
#include "openc2.h"
#include "playbooks.h"
#include "routing.h"

/* A site's live connection (in memory; what must survive is in CASESTORE_DB_SITES). */
typedef struct session {
    char site[33];
    zframe_t *peer; /* routing id of its current connection */
    bool connected;
    int64_t last_seen;   /* monotonic ms of its last message */
    json_t *reported;    /* last HELLO/HEARTBEAT body */
    int64_t reported_at; /* wall-clock ms of that body: the record's last_heartbeat */
    int64_t saved_at;    /* monotonic ms the site record was last written */
} session_t;

/* A Prometheus histogram kept in memory since the start: the command round
   trip, journaled COMMAND -> final RESPONSE (http_metrics.c exports it as
   fedsoar_command_roundtrip_seconds, buckets 0.01 .. 60 s). */
#define BROKER_ROUNDTRIP_BUCKETS 12
typedef struct broker_histogram {
    uint64_t bucket[BROKER_ROUNDTRIP_BUCKETS]; /* observations in (bound i-1, bound i] */
    uint64_t count;                            /* all observations, +Inf included */
    double sum;                                /* seconds */
} broker_histogram_t;

#define BROKER_FENCE_HISTORY 64 /* promotions remembered for run ids */

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
    struct {                  /* the HTTPS API (http_internal.h); all NULL when off */
        struct http_server *server;   /* libmicrohttpd and its threads */
        zsock_t *bridge;              /* ROUTER: requests from the HTTP threads */
        zsock_t *events;              /* PUB: "the audit head moved" for the streams */
        struct http_auth_state *auth; /* login links, session activity, rate limits */
        uint64_t published_head;      /* audit head last announced on events */
    } http;
    broker_histogram_t roundtrip; /* command round trips since the start (http_metrics.c) */
    struct {                      /* fencing.c: standby, promotion, the broker epoch */
        bool standby;             /* STATE_DIR/STANDBY: serves no site until promoted */
        uint64_t epoch;           /* 0 until the first promotion */
        uint64_t epochs[BROKER_FENCE_HISTORY], first_run[BROKER_FENCE_HISTORY];
        size_t n;
    } fence;
    int64_t store_recovery_seen; /* casestore_health's recovered_ms last acted on (server.c) */
};

/* ---- delivery.c: messages for sites, sent after the commit ----------------
   A typed, bounded queue: whatever is put in it is already journaled
   (CASESTORE_DB_PENDING), so when it is full the message is not kept and
   the site's whole pending journal is redelivered instead at the flush
   (the site drops what it has already seen, by id).  It also carries the
   command round trips the transaction completed, observed by /metrics at
   the flush: a transaction that aborts observes nothing. */
#define OUTBOUND_MAX 4096 /* messages queued by one transaction */
typedef struct outbound_msg {
    char site[64];
    fsp_type_t type;
    json_t *body; /* owned */
} outbound_msg_t;
typedef struct outbound {
    outbound_msg_t *msg; /* grows up to OUTBOUND_MAX */
    size_t n, size;
    char overflow[16][64]; /* sites whose messages did not fit */
    size_t n_overflow;
    bool overflow_all;  /* more than 16 such sites: redeliver to every site */
    double *roundtrips; /* seconds, journaled command -> final RESPONSE */
    size_t n_roundtrips;
} outbound_t;

/* An empty queue (no allocation until the first message). */
void outbound_init(outbound_t *q);
/* Queues body (stolen) for site. */
void outbound_push(outbound_t *q, const char *site, fsp_type_t type, json_t *body);
/* Notes a command's round trip (seconds), observed at the flush. */
void outbound_roundtrip(outbound_t *q, double seconds);
/* Drops what is queued, sending nothing (the transaction was aborted). */
void outbound_clear(outbound_t *q);
/* Sends what is queued to connected sites (others get it at their next
   HELLO from the journal), redelivers the journal of overflowed sites, and
   empties the queue. Call only after the commit. */
void delivery_flush(broker_t *b, outbound_t *q);
/* Sends every journaled command and request still pending for a site. */
void delivery_redeliver(broker_t *b, session_t *s);
/* The journal of what awaits a site's answer: kind 'C' command, 'R' request. */
int delivery_pending_put(broker_t *b, casestore_txn_t *txn, const char *site, const char *id,
                         char kind, fs_err_t *e);
int delivery_pending_del(broker_t *b, casestore_txn_t *txn, const char *site, const char *id,
                         fs_err_t *e);

/* Who is asking on the control socket (from the key store, by the
   caller's key), and where a write command puts messages for sites.
   site: a site-admin's own site, or NULL. */
typedef struct caller {
    const char *operator_name; /* the operator, or "token:NAME" for an API token */
    const char *role;
    const char *site;
    outbound_t *out;
    const char *actor;   /* the audit actor: "operator:NAME" or "token:NAME" */
    bool http;           /* asked over the HTTPS API (CURVE-only commands refused) */
    const char *csrf;    /* a browser session's CSRF token (session.whoami), else NULL */
    const char *session; /* a browser session's SHA-256 hex (session.logout), else NULL */
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
/* source_out (may be NULL) gets the envelope's "source" as picked (a span
   into data) once the event is readable.
   ADMIT_REFUSED sets *reason ("malformed", "no_site", "other_site");
   ADMIT_STORE remembers the record's id in txn; ADMIT_ERROR fills e. */
admit_t admission_check(broker_t *b, casestore_txn_t *txn, const char *site, const void *data,
                        size_t len, const char **reason, fs_json_pick_t *source_out, fs_err_t *e);
/* Deletes remembered ids older than two windows, a bounded number per call,
   in its own transaction. Returns how many, -1 on error. */
int admission_purge(broker_t *b, fs_err_t *e);

/* ---- messages from sites (docs/protocol.md §5) -----------------------------
   site.c: identity, "HELLO first", dispatch by type; one handler per type. */
typedef int(site_handler_fn)(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e);
void broker_on_site_message(broker_t *b);
void broker_send_heartbeats(broker_t *b);
/* RESPONSE and RESULT: stores the answer and wakes its run inside txn;
   what the run asks for next goes to out, sent after the commit (site.c
   stores the answers waiting together in one transaction). */
typedef int(store_wake_fn)(broker_t *b, casestore_txn_t *txn, const char *site, const json_t *body,
                           outbound_t *out, fs_err_t *e);
/* commands.c: an OpenC2 RESPONSE; requests.c: an analyzer's or responder's
   RESULT. site.c stores several in one transaction when they wait together. */
store_wake_fn broker_store_response;
store_wake_fn broker_store_result;
/* A stream's high-water mark row (CASESTORE_DB_SEQ "site\0epoch"): writes
   its key into key (SITE_SEQ_KEY_MAX bytes) and returns the key's length;
   site_last_seq reads the last stored sequence number (0: none yet). */
#define SITE_SEQ_KEY_MAX 128
size_t site_seq_key(const char *site, const char *epoch, char key[SITE_SEQ_KEY_MAX]);
uint64_t site_last_seq(broker_t *b, casestore_txn_t *txn, const char *key, size_t klen);
/* handle_hello.c */
int handle_hello(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e);
int handle_heartbeat(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e);
int handle_bye(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e);
/* Every site record (CASESTORE_DB_SITES, site -> object) with what a
   connected site reported since it was last written laid over it: a
   HEARTBEAT is written at most every SITE_RECORD_SAVE_MS (handle_hello.c). */
json_t *broker_site_records(broker_t *b, casestore_txn_t *txn);
/* A site is gone (kind "site.bye" or "site.lost"): marked disconnected,
   its record written with its last HEARTBEAT and the audit entry with
   reason, in one txn. */
void broker_site_left(broker_t *b, session_t *s, const char *kind, const char *reason);
/* ingest.c: EVENTS -> admission, storage, cases and runs, then ACK. */
int handle_events(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e);
/* The same in two halves, for a group of site messages in one transaction
   (site.c): events_write writes the batch m inside txn (what its runs
   send goes to out) and fills done; 0, -1 with e set (nothing of the
   transaction may be kept), EVENTS_MALFORMED or EVENTS_GAP with e set (the
   batch is for handle_events alone: its ERROR or RESEND). events_acked,
   after the commit: the ACK and the log lines. done borrows m's body. */
#define EVENTS_MALFORMED 1
#define EVENTS_GAP 2
typedef struct events_done {
    const char *epoch;
    uint64_t first, upto; /* upto: the ACK's; for EVENTS_GAP the last stored */
    size_t count;
    uint64_t stored, duplicates, refused, first_refused;
    const char *refused_why;
} events_done_t;
int events_write(broker_t *b, casestore_txn_t *txn, session_t *s, const fsp_msg_t *m,
                 events_done_t *done, outbound_t *out, fs_err_t *e);
void events_acked(broker_t *b, session_t *s, const events_done_t *done);
/* http_metrics.c: one command round trip (seconds) into b->roundtrip. */
void metrics_observe_roundtrip(broker_t *b, double seconds);

/* ---- runs (runs.c, effects.c, shadow.c) -------------------------------------
   One advance of a run: the context every effect handler gets, passed
   explicitly (never parked in the daemon struct). */
typedef struct run_ctx {
    broker_t *b;
    casestore_txn_t *txn;
    json_t *run;         /* the run being advanced (borrowed, written back by runs.c) */
    const json_t *event; /* the event that started it (borrowed) */
    const char *site;    /* the event's site: where sub-playbooks are looked up */
    bool shadow;         /* a shadow run: effects are recorded, not carried out */
    outbound_t *out;     /* messages for sites, sent after the commit */
    json_t *immediate;   /* answers to deliver at once: {path, index, outcome, value} */
    json_t *case_fields; /* `set` steps of this advance: one case write */
    fs_err_t *e;
} run_ctx_t;

uint64_t runs_id_of(const json_t *run);
uint64_t runs_case_id_of(const json_t *run);
/* A timeline line of the run's case (a shadow run: an audit entry only).
   Steals fields. */
int runs_timeline(run_ctx_t *c, const char *kind, json_t *fields);
/* Answers an effect at once (an invalid command, a shadow run): value stolen. */
void runs_answer_at_once(run_ctx_t *c, const playbook_effect_t *fx, const char *outcome,
                         json_t *value);
void runs_fail_at_once(run_ctx_t *c, const playbook_effect_t *fx, int status, const char *reason);
/* The site an effect names, else the event's. */
const char *runs_target_site(const run_ctx_t *c, const playbook_effect_t *fx);
/* The run context's "console": {"url": the console's base} (http.public_url,
   else SCHEME://http.listen, no trailing slash), so a notification can link
   an approval page (docs/playbooks.md "Links to the console"); NULL when the
   broker serves no HTTP. Caller owns the result. */
/* http_bridge.c: the broker's public HTTPS URL without a trailing slash
   (http.public_url, else https://LISTEN) into out; false when the broker
   serves no HTTPS. */
bool broker_public_url(const broker_t *b, char *out, size_t size);
json_t *runs_console_context(const broker_t *b);
/* Short, deterministic id of one step execution (OpenC2 command_id <= 36). */
void runs_exec_id(broker_t *b, uint64_t run_id, const char *path, json_int_t index,
                  json_int_t attempt, char out[40]);
/* On a stored finding, in the ingest transaction: attach it to a case, run
   matching playbooks, journal their commands. */
int runs_on_finding(broker_t *b, casestore_txn_t *txn, const json_t *event, uint64_t event_id,
                    outbound_t *out, fs_err_t *e);
/* Loads run `run_id`, delivers an outcome to PATH, advances it. */
int runs_wake(broker_t *b, casestore_txn_t *txn, uint64_t run_id, const char *path, int index,
              const char *outcome, const json_t *value, outbound_t *out, fs_err_t *e);
/* effects.c: the durable handlers (effects carried out in the run's txn),
   shadow.c: the shadow ones; both through playbook_effects_dispatch. */
extern const playbook_effect_handlers_t effects_durable;
extern const playbook_effect_handlers_t effects_shadow;
/* The timer effect (timers.c), the same in both tables. */
int effects_timer(void *arg, const playbook_effect_t *fx);
/* Applies one advance's effects with the table the run calls for. */
int effects_apply(run_ctx_t *c, const json_t *effects);
/* commands.c: validates, routes and journals one OpenC2 command effect. */
int commands_journal(run_ctx_t *c, const playbook_effect_t *fx);
/* The COMMAND body for a journaled command record (borrowed): command_id,
   command, case_id, and for a critical one "critical", "run_id" and the
   approvers' signed votes as "proof". Caller owns. */
json_t *commands_body(const json_t *rec);
/* requests.c: journals one enrich/action request effect. */
int requests_journal(run_ctx_t *c, const playbook_effect_t *fx);
/* The REQUEST body for a journaled request record (borrowed). Caller owns. */
json_t *requests_body(const json_t *rec);
/* approvals.c: opens one approval gate. */
int approvals_open(run_ctx_t *c, const playbook_effect_t *fx);
/* An operator's vote on an approval gate (role checked, distinct operators,
   quorum; one deny closes it). *result: the approval after the vote.
   signature/payload: the operator's Ed25519 signature over the vote
   payload (governance.h governance_vote_payload), or NULL for an unsigned vote
   (accepted only without governance; it cannot be proof for a critical
   command). */
int approvals_decide(broker_t *b, casestore_txn_t *txn, uint64_t approval_id,
                     const char *operator_name, const char *role, bool approve, const char *comment,
                     const char *signature, const char *payload, outbound_t *out, json_t **result,
                     fs_err_t *e);
/* timers.c: timer rows (at, run, path) -> wake-ups. */
int timers_put(broker_t *b, casestore_txn_t *txn, int64_t at, uint64_t run_id, const char *path,
               fs_err_t *e);
/* Epoch ms of the earliest timer row, or -1 when there is none. */
int64_t timers_next(broker_t *b);
/* Fires every due timer in one transaction; returns how many, -1 on error. */
int timers_fire(broker_t *b, outbound_t *out, fs_err_t *e);

/* ---- the control socket (control.c: dispatch and the role table) ---------- */
typedef json_t *(control_fn)(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e);
void broker_on_control_message(broker_t *b);
/* Runs one control command as `who` (role checked) in its own transaction
   and, when it commits, sends what it queued. Caller owns the result; NULL
   with e set on refusal or error. */
json_t *broker_control_execute(broker_t *b, const char *cmd, const json_t *args,
                               const caller_t *who, fs_err_t *e);
/* The command names, in table order (NULL-terminated). */
const char *const *broker_control_commands(void);
/* A site-admin sees and changes only cases that involve its own site. */
bool control_case_visible(const caller_t *who, const json_t *c);
/* control_sites.c; control_refused_counts: events refused at admission,
   {"SITE": {"REASON": n}} (caller owns). */
json_t *control_refused_counts(broker_t *b, casestore_txn_t *txn);
/* ---- fencing.c: standby, promotion, the broker epoch ---------------------
   fencing_load reads the epoch and STATE_DIR/STANDBY at start;
   fencing_mark_copy writes DIR/STANDBY into a backup; fencing_on_hello
   returns -1 (and makes this broker a standby) when a site has seen a
   higher epoch; fencing_run_epoch is the epoch run RUN_ID was created in;
   control_promote (the "promote" command) then fencing_promoted after its
   commit. */
int fencing_load(broker_t *b, fs_err_t *e);
bool fencing_standby(const broker_t *b);
uint64_t fencing_epoch(const broker_t *b);
unsigned long long fencing_run_epoch(const broker_t *b, uint64_t run_id);
int fencing_mark_copy(broker_t *b, const char *dir, fs_err_t *e);
int fencing_on_hello(broker_t *b, const char *site, const json_t *hello);
json_t *control_promote(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                        fs_err_t *e);
void fencing_promoted(broker_t *b, const json_t *result);

/* control_backup.c: an online compacted copy of the store (admin). */
json_t *control_backup(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                       fs_err_t *e);
json_t *control_stats(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                      fs_err_t *e);
json_t *control_sites(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                      fs_err_t *e);
json_t *control_route_explain(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e);
/* control_cases.c */
json_t *control_case_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e);
json_t *control_case_show(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e);
json_t *control_case_update(broker_t *b, casestore_txn_t *txn, const json_t *args,
                            const caller_t *who, fs_err_t *e);
json_t *control_case_timeline(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e);
json_t *control_case_note(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e);
/* control_identities.c: the identity crosswalk (docs/identities.md) */
json_t *control_identities_load(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e);
json_t *control_identities_check(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                 const caller_t *who, fs_err_t *e);
json_t *control_identities_show(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e);
json_t *control_identities_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e);
/* Loads the config key identities.file at start (own transaction): a bad
   file fails with "FILE:LINE: reason" and the broker does not start. */
int broker_identities_load_config(broker_t *b, fs_err_t *e);
/* The case's people (case.persons) with every linked account, for the
   playbooks' .persons: [{"person", "accounts": [{"site", "account",
   "source"}]}]. Caller owns. */
json_t *broker_identities_persons(broker_t *b, casestore_txn_t *txn, const json_t *kase);
json_t *control_metrics(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                        fs_err_t *e);
json_t *control_metrics_by_site(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e);
/* control_runs.c: runs and approvals (approval.show: approval_preview.c) */
json_t *control_runs_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e);
json_t *control_run_show(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                         fs_err_t *e);
json_t *control_approvals_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e);
json_t *control_approval_show(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e);
json_t *control_approval_decide(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e);
/* A row of a table keyed by u64 id (args.id: an integer or its decimal
   text), visible to who (a site-admin: its own site's cases only): caller
   owns; NULL with BROKER_E_INVALID / NOT_FOUND / DENIED. */
json_t *control_row_by_id(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, casestore_db_t table, const char *noun, fs_err_t *e);
/* control_playbooks.c: playbooks.list, playbook.diff, playbook.bpmn */
json_t *control_playbooks_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e);
json_t *control_playbook_diff(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e);
json_t *control_playbook_bpmn(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e);
/* control_audit.c */
json_t *control_audit_verify(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e);
json_t *control_audit_export(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e);

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
