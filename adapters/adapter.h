/*  adapter.h — the fedsoar-adapter that runs at each site: its durable
    outbox, its actuators (OpenC2 consumers), and the daemon around them.

    Durability rule: an event is committed to the outbox before it is sent
    and leaves it only when the broker has ACKed it; a command_id is
    journaled before its actuator runs, so it never runs twice. */
#ifndef FEDSOAR_ADAPTER_H
#define FEDSOAR_ADAPTER_H

#include "common.h"
#include "config_schema.h"
#include "normalize.h"

#include <czmq.h>

/* ==== outbox: one LMDB environment in the state directory ================= */

typedef struct outbox outbox_t;

/* Opens (creating) the outbox in dir. At most max_events wait in it; past
   that new events are refused (see outbox_add). Caller owns. */
outbox_t *outbox_open(const char *dir, uint64_t max_events, fs_err_t *e);
void outbox_close(outbox_t **self_p);
/* Random id made with the outbox: sequence numbers count within it. */
const char *outbox_epoch(const outbox_t *self);

/* A write batch: begin, add/dead-letter many, commit (all or nothing). */
int outbox_begin(outbox_t *self, fs_err_t *e);
/* Adds an OCSF event (borrowed) with the next sequence number. When the
   outbox is full the event goes to the dead-letter store with reason
   "outbox full" (never dropped silently) and 1 is returned. */
int outbox_add(outbox_t *self, const json_t *event, fs_err_t *e);
int outbox_dead_letter(outbox_t *self, const char *source, size_t record_no, size_t offset,
                       const char *reason, const char *raw, size_t raw_len, fs_err_t *e);
int outbox_commit(outbox_t *self, fs_err_t *e);
void outbox_abort(outbox_t *self);

/* Appends to frames (one per event) and classes (their class_uid) the
   events after seq `after`, at most max_events / max_bytes. Returns the
   number added; *first is the first sequence number. */
size_t outbox_peek(outbox_t *self, uint64_t after, size_t max_events, size_t max_bytes,
                   zmsg_t *frames, json_t *classes, uint64_t *first);
/* Deletes events up to and including seq (the broker stored them). */
int outbox_ack(outbox_t *self, uint64_t upto, fs_err_t *e);

typedef struct outbox_stats {
    uint64_t backlog;      /* events waiting */
    uint64_t last_seq;     /* last sequence number given */
    uint64_t dead_letters; /* records in the dead-letter store */
    uint64_t refused_full; /* events refused because the outbox was full */
} outbox_stats_t;
void outbox_stats(outbox_t *self, outbox_stats_t *out);

/* Lists dead letters (newest last) as JSON objects. Caller owns. */
json_t *outbox_dead_letters(outbox_t *self, size_t max);

/* Whether a replay input (source + content hash) was already taken in. */
bool outbox_seen(outbox_t *self, const char *marker);
int outbox_mark_seen(outbox_t *self, const char *marker, fs_err_t *e);

/* Small named strings kept beside the events, e.g. a source's checkpoint.
   outbox_get_meta returns a copy (caller owns, free()) or NULL when unset.
   outbox_set_meta writes inside the open batch (outbox_begin), so the value
   commits or aborts together with the events added in it: a source's
   records and its new checkpoint are never committed apart. */
char *outbox_get_meta(outbox_t *self, const char *name);
int outbox_set_meta(outbox_t *self, const char *name, const char *value, fs_err_t *e);

/* Command journal. Returns 0 unseen, 1 started but not finished (the
   adapter died while executing), 2 finished (*response set, caller owns). */
int journal_lookup(outbox_t *self, const char *command_id, json_t **response);
int journal_begin(outbox_t *self, const char *command_id, const json_t *command, fs_err_t *e);
int journal_finish(outbox_t *self, const char *command_id, const json_t *response, fs_err_t *e);

/* ==== actuators: OpenC2 consumers at the site ============================= */

#define ACTUATOR_API_VERSION 1

typedef struct actuator_ops {
    int api_version;     /* ACTUATOR_API_VERSION */
    const char *name;    /* configuration name, e.g. "record-only" */
    const char *profile; /* OpenC2 profile nsid it implements, e.g. "slpf" */
    /* Creates the actuator's state from its config (borrowed). */
    void *(*init)(const json_t *config, const char *state_dir, fs_err_t *e);
    /* {"action": ["target", ...]} this actuator supports. Caller owns. */
    json_t *(*pairs)(void *state);
    /* Carries out a validated command (borrowed); returns the OpenC2
       response (caller owns). */
    json_t *(*execute)(void *state, const json_t *command);
    void (*cleanup)(void **state_p);
    /* Optional (NULL when unused; added after API 1 shipped, so it stays
       last): time-driven work such as starting and expiring time-limited
       rules. The daemon calls it about once per second, between commands,
       on the thread that calls execute. Returns the number of changes it
       made, or -1 when one failed (the actuator logs why). */
    int (*tick)(void *state);
    /* The written schema of its "actuator_config" entry (an OBJECT schema,
       issue 11.4); the adapter checks the config against it before init.
       Also added after API 1 shipped, so it stays last. */
    const fs_schema_t *config_schema;
} actuator_ops_t;

/* Logs what it would enforce to STATE_DIR/record-only.jsonl and answers
   200 "recorded only, not enforced". For demos and dry runs: it blocks
   nothing. */
extern const actuator_ops_t actuator_record_only;
/* OpenC2 SLPF v1.0 on nftables (docs/slpf-nftables.md): rules in table
   inet fedsoar (or $FEDSOAR_NFT_TABLE); needs root or CAP_NET_ADMIN. */
extern const actuator_ops_t actuator_slpf_nft;
/* Forwards commands to a native OpenC2 Consumer over HTTPS with mutual TLS
   (transfer spec v1.1, or v1.0 per consumer; docs/openc2.md). Config:
   "actuator_config": {"openc2-https": {"url", "ca", "cert", "key", ...}}. */
extern const actuator_ops_t actuator_openc2_https;

/* ==== connectors: analyzers (enrich) and responders (action) ================
   A playbook step `enrich` (analyzer) or `action` (responder) names a
   connector instance configured at the site; the broker sends a REQUEST,
   the adapter journals it, runs the connector once and answers RESULT. */

#define CONNECTOR_API_VERSION 1

typedef struct connector_ops {
    int api_version;  /* CONNECTOR_API_VERSION */
    const char *type; /* implementation name in configs, e.g. "exec" */
    /* Creates an instance from its config object (borrowed): the keys the
       implementation documents plus "name" and "kind". */
    void *(*init)(const json_t *config, const char *state_dir, fs_err_t *e);
    /* Runs one job: input (borrowed) is the step's rendered input. Returns
       {"status":"ok","result":…} or {"status":"error","error":"…"} (caller owns). */
    json_t *(*run)(void *state, const json_t *input);
    void (*cleanup)(void **state_p);
    /* The written schema of the keys it documents (an OBJECT schema; "name",
       "kind" and "type" are the adapter's). Checked before init. */
    const fs_schema_t *config_schema;
} connector_ops_t;

/* Runs a local program with the job as JSON on stdin (Cortex-style:
   {"data":…, "dataType":…, "config":…} plus the raw input under "input")
   and reads one JSON object from stdout; non-zero exit, bad JSON or the
   timeout are errors. Config: {"command": ["/path", "arg", …],
   "timeout_s": 30, "config": {…}}. */
extern const connector_ops_t connector_exec;

/* ==== sources: pull native records from a vendor API ========================
   A source instance is configured under "sources": [{"name", "type",
   "interval_s", …}]. The daemon calls poll() every interval_s with the
   checkpoint it committed last (NULL the first time); poll() fetches what
   is new, hands every native record (a JSON object, as the vendor sent it)
   to emit, and returns the checkpoint that follows them. The daemon
   normalizes the records and commits the events together with the new
   checkpoint in ONE outbox transaction: after a crash the source resumes at
   the last committed checkpoint, so nothing is lost and nothing is added
   twice. A poll that fails commits nothing and is retried later. */

#define SOURCE_API_VERSION 1

/* Takes one native record (borrowed): a JSON object (a parsed vendor
   record, mapped with normalizer_map) or a JSON string (native text such
   as CEF or EVE lines, framed and mapped with normalizer_run; bad lines are
   dead-lettered). Returns 0, or -1 when the daemon cannot take more in this
   poll (the source then stops and fails). */
typedef int(source_emit_fn)(void *arg, const json_t *record);

typedef struct source_ops {
    int api_version;       /* SOURCE_API_VERSION */
    const char *type;      /* configuration type, e.g. "crowdstrike-alerts" */
    const char *source_id; /* normalize source id of the records, e.g. "crowdstrike.alert";
                              NULL: the instance's config names it ("source_id") */
    const char *summary;   /* one line for --list-connectors */
    /* Creates an instance from its config object (borrowed). */
    void *(*init)(const json_t *config, const char *state_dir, fs_err_t *e);
    /* One poll. checkpoint is borrowed (NULL = never polled). On success
       sets *next_checkpoint (caller owns, free(); NULL = unchanged) and
       returns 0 when caught up, 1 when more is waiting (poll again at
       once); -1 with e set on failure (records emitted so far are dropped). */
    int (*poll)(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_checkpoint, fs_err_t *e);
    void (*cleanup)(void **state_p);
    /* The written schema of the keys it documents (an OBJECT schema; "name",
       "type" and "interval_s" are the adapter's). Checked before init. */
    const fs_schema_t *config_schema;
} source_ops_t;

/* CrowdStrike Falcon Alerts API v2 (crowdstrike.alert). */
extern const source_ops_t source_crowdstrike_alerts;
/* Okta System Log /api/v1/logs (okta.system_log). */
extern const source_ops_t source_okta_logs;
/* Microsoft Graph security/alerts_v2 (microsoft.graph_alert). */
extern const source_ops_t source_graph_alerts;
/* Defender for Endpoint /api/alerts (microsoft.mde_alert). */
extern const source_ops_t source_mde_alerts;
/* Entra ID sign-ins and directory audits (microsoft.entra_signin / _audit). */
extern const source_ops_t source_entra_signins;
extern const source_ops_t source_entra_audits;
/* Microsoft Sentinel incidents (microsoft.sentinel_incident). */
extern const source_ops_t source_sentinel_incidents;
/* SentinelOne threats (sentinelone.threat). */
extern const source_ops_t source_sentinelone_threats;
/* Splunk search export, ES notables by default (splunk.notable). */
extern const source_ops_t source_splunk_export;
/* A syslog receiver (UDP and TCP) for CEF and other line formats. */
extern const source_ops_t source_syslog;
/* A growing local file (Suricata EVE, CEF logs …), rotation-aware. */
extern const source_ops_t source_file_tail;
extern const source_ops_t
    source_splunk_webhook; /* Splunk alert webhook receiver (splunk.notable) */

/* ==== vendor actuators and connectors (docs/connectors.md) =================== */

/* CrowdStrike Falcon host containment: contain device / allow device. */
extern const actuator_ops_t actuator_crowdstrike_falcon;
/* Defender for Endpoint machine isolation: contain device / allow device. */
extern const actuator_ops_t actuator_defender_endpoint;
extern const actuator_ops_t
    actuator_panos; /* PAN-OS deny/allow ipv4_net via an address group (XML API) */

extern const connector_ops_t connector_okta_suspend_user;
extern const connector_ops_t connector_okta_clear_sessions;
extern const connector_ops_t connector_entra_disable_account;
extern const connector_ops_t connector_entra_revoke_sessions;
extern const connector_ops_t connector_jira_issue;
extern const connector_ops_t connector_slack_message;
extern const connector_ops_t connector_teams_message; /* Microsoft Teams incoming webhook card */
extern const connector_ops_t connector_virustotal;
extern const connector_ops_t
    connector_servicenow_incident; /* ServiceNow Table API incident create/update/close */
extern const connector_ops_t connector_crowdstrike_host_context; /* Falcon device + login history */
extern const connector_ops_t connector_http_json;
extern const connector_ops_t connector_okta_user_context; /* Okta user, groups, recent sign-ins */
extern const connector_ops_t connector_entra_user_context;
    /* Entra user, memberOf, recent sign-ins */ /* a configured HTTP call; JSON pointers pick the
                                                   result */

/* Every known source, analyzer/responder and actuator type, one object
   each: {"kind": "source"|"connector"|"actuator", "type", "summary"}.
   Caller owns. */
json_t *adapter_known_types(void);

/* ==== the daemon ============================================================= */

typedef struct adapter_replay {
    const char *source; /* normalize source id */
    const char *file;
} adapter_replay_t;

typedef struct adapter_config {
    const char *site;
    const char *broker; /* endpoint */
    const char *state_dir;
    const char *keys_dir;
    const char *mappings_dir;
    const char *actuators;    /* comma-separated names, default "record-only" */
    const json_t *connectors; /* config "connectors": [{"name","kind","type",…}] (borrowed) */
    const json_t *sources;    /* config "sources": [{"name","type","interval_s",…}] (borrowed) */
    const json_t *actuator_config; /* config "actuator_config": {"NAME": {…}} (borrowed) */
    /* Critical commands (docs/governance.md): a COMMAND the broker marks
       "critical", or whose action / "action:target" is listed here, runs only
       with valid proof — the approvers' signatures, checked against
       trusted_operators_dir/NAME.sign.pub.pem — else 403. */
    const char *trusted_operators_dir; /* default KEYS/signing/operators */
    const json_t
        *critical_actions; /* config "critical_actions": ["contain", "deny:ipv4_net"] (borrowed) */
    int64_t proof_max_age_ms; /* config "proof_max_age_s", default 86400; 0 = no limit */
    adapter_replay_t *replays;
    size_t replay_count;
    uint64_t outbox_max;
    uint64_t max_rate; /* events/s sent to the broker, 0 = unlimited */
    bool insecure;
    bool keep_raw;
} adapter_config_t;

typedef struct adapter adapter_t;

/* The written schema of the adapter config file (issue 11.4, docs/cli.md):
   every top-level key, and each connector, source and actuator_config entry
   by the schema its type declares. Check a loaded file with
   fs_schema_check(adapter_config_schema(), cfg, "$", e). Static. */
const fs_schema_t *adapter_config_schema(void);

adapter_t *adapter_new(const adapter_config_t *cfg, fs_err_t *e);
/* Normalizes a vendor file into the outbox, streamed in bounded memory
   (replay.c): only the records after the (source, file) checkpoint, which
   commits with each batch of events; a file whose start changed is taken
   in from the start. Returns the number of rejected records, or -1 with e
   set. */
long adapter_replay(adapter_t *self, const char *source, const char *file, fs_err_t *e);
/* Serves until SIGINT/SIGTERM. */
int adapter_run(adapter_t *self);
void adapter_destroy(adapter_t **self_p);

#endif
