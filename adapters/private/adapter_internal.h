/*  adapter_internal.h — private to libfedsoar_adapters: the daemon's
    state and the functions its files share (daemon.c, commands.c,
    requests.c, sources.c, ingest.c, ingest_prepare.c, ingest_pool.c,
    witness.c, config_check.c). */
#ifndef FEDSOAR_ADAPTER_INTERNAL_H
#define FEDSOAR_ADAPTER_INTERNAL_H

#include "adapter.h"
#include "fsp.h"
#include "keys.h"
#include "openc2.h"
#include "plugin.h"

#define ADAPTER_MAX_ACTUATORS 8
#define ADAPTER_BATCH 500            /* events per EVENTS message */
#define ADAPTER_WINDOW 8             /* EVENTS messages in flight */
#define ADAPTER_BACKOFF_MAX_MS 30000 /* reconnect backoff ceiling */

#define ADAPTER_MAX_CONNECTORS 32

typedef struct connector_slot {
    char name[65];
    char kind[16]; /* "analyzer" or "responder" */
    const adapter_plugin_t *plugin;
    void *state;
} connector_slot_t;

#define ADAPTER_MAX_SOURCES 32
#define ADAPTER_SILENCE_ALERT_DEFAULT_S 3600 /* a source's "silence_alert_s" (docs/mna-gap.md) */

/* A configured source instance (sources.c). */
typedef struct source_slot {
    char name[65];
    char source_id[65]; /* the ops' source id, or the config's for file-tail */
    const adapter_plugin_t *plugin;
    void *state;
    int64_t interval_ms;
    int64_t next_poll;            /* monotonic ms */
    int64_t backoff_ms;           /* after failed polls, up to interval_ms * 8 */
    struct source_worker *worker; /* sources.c: the thread that polls (NULL: one-shot) */
    /* What HEARTBEAT "sources" reports (docs/protocol.md §5.9, coverage):
       counts since the adapter started, and the silence threshold. */
    int64_t silence_alert_s; /* the broker calls the source silent after this */
    uint64_t normalized;     /* events added to the outbox */
    uint64_t dead_letters;   /* records dead-lettered as not normalizable */
    int64_t last_event_ms;   /* wall-clock ms of the last poll that added events (0: none) */
} source_slot_t;

typedef struct actuator_slot {
    const adapter_plugin_t *plugin;
    void *state;
    json_t *pairs;
} actuator_slot_t;

typedef struct ingest_pool ingest_pool_t;

#define ADAPTER_MAX_BROKERS 8 /* endpoints in --broker A,B,... */

struct adapter {
    adapter_config_t cfg;
    outbox_t *outbox;
    struct adapter_work *work; /* commands.c, requests.c: workers and journal batch (owned) */
    normalizer_t *normalizer;  /* read-only after start: used by every source's thread */
    ingest_pool_t *pool;       /* normalizing helpers the sources' threads share (owned) */
    zsock_t *wake;             /* PULL: a source's thread finished a poll (sources.c) */
    char wake_endpoint[64];
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
    uint64_t sent_upto;            /* highest seq sent on this connection */
    uint64_t acked;                /* highest seq the broker stored */
    bool ack_failing;              /* the outbox could not record the last ACK (its disk was full):
                                      retried each tick, so the backlog empties without new traffic */
    bool journal_log_failing;      /* the last copy of the journal's log into LMDB failed */
    int64_t journal_log_copied_at; /* monotonic ms of the last copy (daemon.c) */
    /* RESEND (docs/protocol.md §5.3): the send cursor went back to where the
       broker stored up to; "pass" counts those rewinds, so that answers to
       batches sent before one are told apart; nothing is sent before
       resend_hold_until (monotonic ms), and the wait doubles while the
       broker makes no progress (resend_backoff_ms, at most 30 s). */
    uint32_t pass;
    /* --broker A,B,...: the endpoints in order (docs/operations.md "Backup
       and standby"); broker_at is the one in use. */
    char brokers[ADAPTER_MAX_BROKERS][256];
    size_t broker_count, broker_at;
    int64_t resend_hold_until;
    int64_t resend_backoff_ms;
    uint64_t resend_at; /* the resend_from of the last rewind */
    int64_t last_rx;    /* monotonic ms */
    int64_t next_heartbeat;
    int64_t backoff_ms;
    double tokens;        /* send-rate bucket (cfg.max_rate), at most one second's worth */
    bool token_wait;      /* the bucket was empty at the last send (loop_wait) */
    int64_t tokens_at_us; /* monotonic microseconds of the last refill */
    uint64_t witness_seq; /* the newest audit checkpoint witnessed (witness.c) */
    uint64_t fence_epoch; /* the highest broker epoch welcomed at (fencing.c) */
    bool fence_loaded;
    zsock_t *monitor; /* the dealer's handshake events */
    unsigned monitor_gen;
    unsigned handshake_failures; /* connections lost in the handshake since the last success */
};

/* witness.c: keeps the broker's latest signed audit checkpoint (borrowed). */
void adapter_witness(adapter_t *a, const json_t *checkpoint);
/* fencing.c: the broker epoch (docs/protocol.md §5.1). adapter_fence_hello
   adds "broker_epoch_seen" to HELLO (borrowed); adapter_fence_welcome
   returns -1 when WELCOME's broker_epoch is below one this site was
   welcomed at (a demoted broker), 0 otherwise, a higher one saved first. */
void adapter_fence_hello(adapter_t *a, json_t *hello);
int adapter_fence_welcome(adapter_t *a, const json_t *welcome);

/* commands.c: answers a COMMAND body from the broker (journaled, at most once). */
void adapter_on_command(adapter_t *a, const json_t *body);
/* requests.c: answers a REQUEST (enrich/action) once per request_id. */
void adapter_on_request(adapter_t *a, const json_t *body);
/* Adds the analyzers/responders, then starts the workers (command_work.c):
   call after the actuators are added. */
/* Adds the analyzers/responders, then starts the workers (command_work.c):
   call after the actuators are added. */
int adapter_add_connectors(adapter_t *a, fs_err_t *e);
/* command_work.c: stops the workers (before the plugins' cleanup); one
   loop turn's journal write, runs and answers; the actuators' ticks on
   their lanes; the PULL socket the loop polls (results); the site's
   `rate_limit` (commands per minute, 0 = none); whether no command or
   request is in flight (received, not answered yet). */
int adapter_work_start(adapter_t *a, fs_err_t *e);
void adapter_work_stop(adapter_t *a);
void adapter_work_turn(adapter_t *a);
bool adapter_work_idle(adapter_t *a);
void adapter_work_tick(adapter_t *a);
zsock_t *adapter_work_socket(adapter_t *a);
double adapter_work_rate_limit(adapter_t *a);
/* sources.c: the configured sources, and the daemon's poll step. */
int adapter_add_sources(adapter_t *a, fs_err_t *e);
void adapter_poll_sources(adapter_t *a);
void adapter_remove_sources(adapter_t *a);
/* Runs a one-shot source (replay) described by config (borrowed: "name",
   "type", "source_id" and its own keys) at once, through the sources'
   commit path, then removes it. The number of rejected records, or -1
   with e set. */
int adapter_run_one_shot(adapter_t *a, const json_t *config, fs_err_t *e);

/* ingest.c: the one normalize-into-outbox path.  An ingest_t is one outbox
   transaction for one source: native records (objects mapped, text
   framed) become events or dead letters in it, and it commits together
   with the source's checkpoint. Daemon thread only (ingest_prepare.c does
   the normalizing of polled sources on their threads). */
typedef struct ingest {
    adapter_t *a;
    const char *name;               /* the source instance, in logs */
    const char *source_id;          /* normalize source id */
    const char *file;               /* replay: the file, in logs (NULL otherwise) */
    const adapter_plugin_t *plugin; /* polled sources: told each text record's fate */
    void *state;                    /* the plugin's state (borrowed) */
    size_t index;                   /* the emitted record being ingested */
    size_t added;                   /* events added */
    size_t rejected;                /* records dead-lettered as not normalizable */
    size_t refused;                 /* events the full outbox refused (dead-lettered) */
    size_t pending;                 /* records (events + rejects) since the last commit */
    bool open;                      /* a transaction is open */
    bool failed;                    /* an outbox write failed: abort */
    fs_err_t *e;
} ingest_t;

/* Opens the transaction. 0, or -1 with e set. */
int ingest_begin(ingest_t *in, fs_err_t *e);
/* normalize_emit_fn / normalize_reject_fn for normalize_stream_new and
   normalizer_run: arg is the ingest_t. */
void ingest_event(void *arg, json_t *event, size_t record_no);
void ingest_reject(void *arg, size_t record_no, size_t offset, const char *reason, const char *raw,
                   size_t raw_len);
/* Writes checkpoint (when not NULL) under key and commits; opens the next
   transaction when more. 0, or -1 with e set (aborted). */
int ingest_commit(ingest_t *in, const char *key, const char *checkpoint, bool more);
void ingest_abort(ingest_t *in);

/* ---- normalizing off the daemon's thread ----------------------------------
   ingest_prepare.c: a polled source's records are normalized and their
   events encoded (outbox_encode) on the source's worker thread, helped by
   the pool; the daemon's thread then only writes them (ingest_apply).  A
   prepared record is one emitted record (an object mapped, a string framed
   and mapped) as a list of items in emit order, their bytes in one buffer. */
typedef enum { INGEST_ITEM_EVENT, INGEST_ITEM_REJECT, INGEST_ITEM_FAIL } ingest_item_kind_t;

#define INGEST_NO_TEXT SIZE_MAX

typedef struct ingest_item {
    ingest_item_kind_t kind;
    size_t record_no, offset; /* text: in the text (from 1); object: index + 1 and 0 */
    size_t at, len;           /* EVENT: its outbox value in buf; REJECT: its raw bytes */
    size_t text_at;           /* NUL-terminated in buf: EVENT its "source" (or
                                 INGEST_NO_TEXT), REJECT the reason, FAIL the error */
} ingest_item_t;

typedef struct ingest_prepared {
    bool text;            /* native text (framed), else a JSON object (mapped) */
    long rejected;        /* text: records rejected (normalizer_run_at), -1 failed */
    ingest_item_t *items; /* owned */
    size_t n, cap;
    ocsf_buf_t buf; /* every item's bytes (owned) */
} ingest_prepared_t;

/* Normalizes record (borrowed; index: its 0-based number in the poll)
   into p (overwritten; release it). Any thread. */
void ingest_prepare(ingest_prepared_t *p, normalizer_t *nz, const char *source_id,
                    const normalize_opts_t *opts, const json_t *record, size_t index);
void ingest_prepared_release(ingest_prepared_t *p);
/* Every record of a poll (a JSON array, borrowed) over the pool; an array
   of json_array_size(records) (caller owns: ingest_prepared_free). */
ingest_prepared_t *ingest_prepare_all(adapter_t *a, const char *source_id, const json_t *records);
void ingest_prepared_free(ingest_prepared_t **self_p, size_t n);
/* The daemon's half: writes prepared record number index into the open
   transaction (events added, rejects dead-lettered and logged, a push
   source told each text record's fate) and returns the record's fate, or
   -1 (failed). Daemon thread only. */
int ingest_apply(ingest_t *in, const ingest_prepared_t *p, size_t index);

/* ingest_pool.c: helper threads that run jobs of independent records.
   ingest_pool_run calls fn(ctx, i) once for every i < n, on the calling
   thread and the helpers, and returns when all are done; safe from several
   threads at once.  helpers 0 (or p NULL): the caller does it all. */
typedef void(ingest_pool_fn)(void *ctx, size_t i);
ingest_pool_t *ingest_pool_new(size_t helpers);
void ingest_pool_destroy(ingest_pool_t **self_p);
void ingest_pool_run(ingest_pool_t *p, size_t n, ingest_pool_fn *fn, void *ctx);
/* Normalizing threads per poll, the worker included: the online CPUs, or
   FEDSOAR_ADAPTER_NORMALIZE_THREADS (1 = the worker alone); at most 9. */
size_t ingest_pool_threads_default(void);

/* The OpenC2 `query features` answer from the configured actuators. */
json_t *adapter_features(adapter_t *a, const json_t *features);

#endif
