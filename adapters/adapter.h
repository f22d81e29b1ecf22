/*  adapter.h — the face of the fedsoar-adapter daemon that runs at each
    site: its configuration, its lifecycle and the type listing of
    --list-connectors.  The integrations it runs (sources, analyzers,
    responders, actuators) are behind adapters/plugin.h; its durable state
    is adapters/outbox.h.

    Durability rule: an event is committed to the outbox before it is sent
    and leaves it only when the broker has ACKed it; a command_id is
    journaled before its actuator runs, so it never runs twice. */
#ifndef FEDSOAR_ADAPTER_H
#define FEDSOAR_ADAPTER_H

#include "common.h"
#include "config_schema.h"
#include "normalize.h"
#include "outbox.h"

/* Every known source, analyzer/responder and actuator type, one object
   each: {"kind": "source"|"connector"|"actuator", "type", "summary"} (and
   "source_id" or "profile"), in the registry's order.  Caller owns. */
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
    uint64_t outbox_reserve_mb;    /* free space kept on the state filesystem (outbox.h) */
    int64_t outbox_retain_acked_s; /* keep acknowledged events this long (outbox.h) */
    int64_t journal_retain_days;   /* keep finished command journal entries this long (outbox.h) */
    uint64_t max_rate;             /* events/s sent to the broker, 0 = unlimited */
    bool insecure;
    bool keep_raw;
} adapter_config_t;

typedef struct adapter adapter_t;

/* The written schema of the adapter config file (issue 11.4, docs/cli.md):
   every top-level key, and each connector, source and actuator_config entry
   by the schema its type declares. Check a loaded file with
   fs_schema_check(adapter_config_schema(), cfg, "$", e). Static. */
const fs_schema_t *adapter_config_schema(void);
/* --broker / "broker": one endpoint, or up to 8 separated by commas, tried
   in that order (failover: docs/operations.md "Backup and standby"). */
#define BROKER_LIST_WHAT                                                                           \
    "an endpoint tcp://HOST:PORT, ipc://PATH or inproc://NAME, or up to 8 of them separated by "   \
    "commas"
bool adapter_broker_list_ok(const char *list);

adapter_t *adapter_new(const adapter_config_t *cfg, fs_err_t *e);
/* Normalizes a vendor file into the outbox: a one-shot source of type
   "replay" (sources/replay.c) run at once through the sources' commit path,
   streamed in bounded memory: only the records after the (source, file)
   checkpoint, which commits with each batch of events; a file whose start
   changed is taken in from the start. Returns the number of rejected
   records, or -1 with e set. */
long adapter_replay(adapter_t *self, const char *source, const char *file, fs_err_t *e);
/* Serves until SIGINT/SIGTERM. */
int adapter_run(adapter_t *self);
void adapter_destroy(adapter_t **self_p);

#endif
