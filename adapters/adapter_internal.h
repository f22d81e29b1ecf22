/*  adapter_internal.h — private to libfedsoar_adapters. */
#ifndef FEDSOAR_ADAPTER_INTERNAL_H
#define FEDSOAR_ADAPTER_INTERNAL_H

#include "adapter.h"
#include "federation.h"

#define ADAPTER_MAX_ACTUATORS 8
#define ADAPTER_BATCH 500            /* events per EVENTS message */
#define ADAPTER_WINDOW 8             /* EVENTS messages in flight */
#define ADAPTER_BACKOFF_MAX_MS 30000 /* reconnect backoff ceiling */

#define ADAPTER_MAX_CONNECTORS 32

typedef struct connector_slot {
    char name[65];
    char kind[16]; /* "analyzer" or "responder" */
    const connector_ops_t *ops;
    void *state;
} connector_slot_t;

#define ADAPTER_MAX_SOURCES 32

/* A configured source instance (sources.c). */
typedef struct source_slot {
    char name[65];
    char source_id[65]; /* the ops' source id, or the config's for file-tail */
    const source_ops_t *ops;
    void *state;
    int64_t interval_ms;
    int64_t next_poll;            /* monotonic ms */
    int64_t backoff_ms;           /* after failed polls, up to interval_ms * 8 */
    struct source_worker *worker; /* sources.c: the thread that polls */
} source_slot_t;

typedef struct actuator_slot {
    const actuator_ops_t *ops;
    void *state;
    json_t *pairs;
} actuator_slot_t;

struct adapter {
    adapter_config_t cfg;
    outbox_t *outbox;
    normalizer_t *normalizer;
    actuator_slot_t actuators[ADAPTER_MAX_ACTUATORS];
    size_t actuator_count;
    connector_slot_t connectors[ADAPTER_MAX_CONNECTORS];
    size_t connector_count;
    source_slot_t sources[ADAPTER_MAX_SOURCES];
    size_t source_count;
    zcert_t *cert;
    char *broker_key;
    zsock_t *dealer;
    bool welcomed;
    uint64_t sent_upto; /* highest seq sent on this connection */
    uint64_t acked;     /* highest seq the broker stored */
    int64_t last_rx;    /* monotonic ms */
    int64_t next_heartbeat;
    int64_t backoff_ms;
    double tokens;        /* send-rate bucket (cfg.max_rate), at most one second's worth */
    int64_t tokens_at;    /* monotonic ms of the last refill */
    uint64_t witness_seq; /* the newest audit checkpoint witnessed (witness.c) */
    zsock_t *monitor;     /* the dealer's handshake events */
    unsigned monitor_gen;
    unsigned handshake_failures; /* connections lost in the handshake since the last success */
};

/* witness.c: keeps the broker's latest signed audit checkpoint (borrowed). */
void adapter_witness(adapter_t *a, const json_t *checkpoint);

/* commands.c: answers a COMMAND body from the broker (journaled, at most once). */
void adapter_on_command(adapter_t *a, const json_t *body);
/* requests.c: answers a REQUEST (enrich/action) once per request_id. */
void adapter_on_request(adapter_t *a, const json_t *body);
int adapter_add_connectors(adapter_t *a, fs_err_t *e);
/* sources.c: the configured sources, and the daemon's poll step. */
int adapter_add_sources(adapter_t *a, fs_err_t *e);
void adapter_poll_sources(adapter_t *a);
void adapter_remove_sources(adapter_t *a);
/* The type tables (daemon.c, requests.c, sources.c), for --list-connectors. */
extern const actuator_ops_t *const adapter_known_actuators[];
extern const size_t adapter_known_actuator_count;
extern const connector_ops_t *const adapter_known_connectors[];
extern const size_t adapter_known_connector_count;
extern const source_ops_t *const adapter_known_sources[];
extern const size_t adapter_known_source_count;
/* The OpenC2 `query features` answer from the configured actuators. */
json_t *adapter_features(adapter_t *a, const json_t *features);

#endif
