/*  plugin.h — the whole face a connector author needs: one versioned
    descriptor per integration with an outside tool, of one of three kinds:

      source     pulls (or receives) native records; the daemon normalizes
                 them and commits them to the outbox with the source's
                 checkpoint (adapters/sources/, one file per config type);
      connector  an analyzer (playbook `enrich`) or responder (`action`):
                 one job in, one result out (adapters/responders/);
      actuator   an OpenC2 consumer: pairs, execute, tick
                 (adapters/actuators/).

    Every descriptor is listed in ONE registry (adapters/registry.c); the
    registry refuses a descriptor whose api_version is not
    ADAPTER_PLUGIN_VERSION, so a plugin written against another face is
    never half-called.  docs/internals/adapters.md says how to add one.

    Ownership: a descriptor is static and const.  init() borrows its config
    and returns state the plugin owns until cleanup(&state) (which nulls
    it).  Every json_t argument is borrowed; every json_t returned is a new
    reference the caller (the daemon) owns.  Callbacks of one instance are
    never called concurrently: sources' poll runs on the source's own
    thread, everything else on the daemon's thread. */
#ifndef FEDSOAR_ADAPTER_PLUGIN_H
#define FEDSOAR_ADAPTER_PLUGIN_H

#include "common.h"
#include "config_schema.h"
#include "normalize.h"

/* Version 2: one descriptor for every kind (version 1 had actuator_ops_t,
   connector_ops_t and source_ops_t, each with its own version). */
#define ADAPTER_PLUGIN_VERSION 2

typedef enum {
    ADAPTER_PLUGIN_SOURCE = 1,
    ADAPTER_PLUGIN_CONNECTOR, /* analyzer or responder: the config's "kind" says which */
    ADAPTER_PLUGIN_ACTUATOR,
} adapter_plugin_kind_t;

/* Flags. */
enum {
    /* Not listed by --list-connectors and not accepted in a config's
       "sources": the daemon makes such instances itself (replay). */
    ADAPTER_PLUGIN_INTERNAL = 1,
};

/* ---- sources ----------------------------------------------------------------
   The daemon calls poll() every interval_s with the checkpoint it committed
   last (NULL the first time); poll() fetches what is new, hands every
   native record to emit and returns the checkpoint that follows them.  The
   daemon normalizes the records (on the source's thread, once poll has
   returned) and commits the events together with the new checkpoint in
   ONE outbox transaction (on its own thread): after a crash the source
   resumes at the last committed checkpoint, so nothing is lost and nothing
   is added twice.  A poll that fails commits nothing and is retried later,
   with backoff. */

/* Takes one native record (borrowed): a JSON object (a parsed vendor
   record, mapped with normalizer_map) or a JSON string (native text such
   as CEF or EVE lines, framed and mapped with normalizer_run; bad lines are
   dead-lettered).  Returns 0, or -1 when the daemon cannot take more in
   this poll (the source then stops and fails). */
typedef int(source_emit_fn)(void *arg, const json_t *record);

/* What became of one emitted record (push sources answer their senders
   with it, after the commit). */
typedef enum {
    SOURCE_RECORD_ADDED,    /* normalized and added to the outbox */
    SOURCE_RECORD_REJECTED, /* did not normalize: dead-lettered with the reason */
    SOURCE_RECORD_REFUSED,  /* the outbox was full: dead-lettered as "outbox full" */
} source_record_fate_t;

/* The daemon's side of a streaming source's run (stream(), below): the
   open outbox batch its records go into.  Owned by the daemon. */
typedef struct source_sink source_sink_t;

/* A splitter (normalize_stream_*) over this source's input, resumed at
   position (NULL: the start), whose events and rejected records go into
   the sink's open batch.  Caller owns (normalize_stream_destroy). */
normalize_stream_t *source_sink_stream(source_sink_t *sink, const char *position, fs_err_t *e);
/* Commits the open batch together with checkpoint (NULL: unchanged), then
   opens the next one when more is true.  0, or -1 with e set (the batch is
   then aborted). */
int source_sink_commit(source_sink_t *sink, const char *checkpoint, bool more, fs_err_t *e);
/* Records (events and rejects) in the open batch; totals of the run. */
size_t source_sink_pending(const source_sink_t *sink);
size_t source_sink_added(const source_sink_t *sink);
size_t source_sink_rejected(const source_sink_t *sink);
/* Whether adding to the batch failed (stop feeding; the run fails). */
bool source_sink_failed(const source_sink_t *sink);
/* The site, for log lines. Borrowed. */
const char *source_sink_site(const source_sink_t *sink);

/* ---- the descriptor -------------------------------------------------------- */

typedef struct adapter_plugin {
    int api_version; /* ADAPTER_PLUGIN_VERSION */
    adapter_plugin_kind_t kind;
    const char *type;    /* the config's "type" (actuators: the name in "actuators") */
    const char *summary; /* one line for --list-connectors */
    unsigned flags;      /* ADAPTER_PLUGIN_INTERNAL */
    /* The written schema of the keys it documents (an OBJECT schema; the
       daemon's own keys — "name", "kind", "type", "interval_s" — are not
       in it).  The config is checked against it before init.  NULL: none. */
    const fs_schema_t *config_schema;
    /* Creates an instance from its config object (borrowed; for an
       actuator its "actuator_config" entry, or NULL).  NULL with e set. */
    void *(*init)(const json_t *config, const char *state_dir, fs_err_t *e);
    void (*cleanup)(void **state_p);

    /* -- sources ---------------------------------------------------------- */
    /* Normalize source id of the records, e.g. "crowdstrike.alert"; NULL:
       the instance's config names it ("source_id"). */
    const char *source_id;
    /* One poll. checkpoint is borrowed (NULL = never polled). On success
       sets *next_checkpoint (caller owns, free(); NULL = unchanged) and
       returns 0 when caught up, 1 when more is waiting (poll again at
       once); -1 with e set on failure (records emitted so far are dropped). */
    int (*poll)(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_checkpoint, fs_err_t *e);
    /* Optional, for push sources: the fate of record number `record`
       (0-based, in emit order), then whether the poll's records were
       committed.  Called on the daemon's thread while and after it commits. */
    void (*on_record)(void *state, size_t record, source_record_fate_t fate);
    void (*on_commit)(void *state, bool committed);
    /* Optional, for push sources that emit native text (a JSON string) and
       answer record by record (webhook): each record the framing found in
       emitted text number `record` (0-based, in emit order), before that
       text's on_record: its number in the text (from 1), its byte offset
       in the text, its fate, and for a record not added the reason
       (borrowed, NULL when added).  Same thread and moment as on_record.
       An optional member added within version 2: a plugin that leaves it
       NULL is called exactly as before. */
    void (*on_text_record)(void *state, size_t record, size_t record_no, size_t byte_offset,
                           source_record_fate_t fate, const char *reason);
    /* Instead of poll, for a one-shot source over one large input (replay):
       runs once, on the daemon's thread, feeding the input through
       source_sink_stream and committing with source_sink_commit as it
       goes, in bounded memory.  0, or -1 with e set. */
    int (*stream)(void *state, const char *checkpoint, source_sink_t *sink, fs_err_t *e);
    /* Optional: the outbox meta name of its checkpoint (default
       "source:NAME:checkpoint"). */
    void (*checkpoint_key)(void *state, char *out, size_t size);

    /* -- analyzers and responders --------------------------------------------- */
    /* Runs one job: input is the step's rendered input. Returns
       {"status":"ok","result":…} or {"status":"error","error":"…"}. */
    json_t *(*run)(void *state, const json_t *input);

    /* -- actuators ------------------------------------------------------------ */
    const char *profile; /* OpenC2 profile nsid it implements, e.g. "slpf" */
    /* {"action": ["target", ...]} this actuator supports. */
    json_t *(*pairs)(void *state);
    /* Carries out a validated command; returns the OpenC2 response. */
    json_t *(*execute)(void *state, const json_t *command);
    /* Optional: time-driven work (starting and expiring time-limited
       rules), about once per second, between commands, on the thread that
       calls execute.  Returns the number of changes, or -1 when one failed
       (the actuator logs why). */
    int (*tick)(void *state);
} adapter_plugin_t;

/* ---- the registry (registry.c) --------------------------------------------- */

/* The descriptor of `type` for `kind` (internal ones included), or NULL:
   with e empty when no such type is registered, with e saying so when its
   descriptor speaks another ADAPTER_PLUGIN_VERSION (refused). */
const adapter_plugin_t *adapter_plugin_find(adapter_plugin_kind_t kind, const char *type,
                                            fs_err_t *e);
/* Every registered descriptor, in --list-connectors order (sources,
   analyzers/responders, actuators). Static. */
const adapter_plugin_t *const *adapter_plugins(size_t *count);

#endif
