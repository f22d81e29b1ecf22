/*  normalize.h — the common schema (an OCSF 1.8.0 subset) and the mapping
    engine that turns a site's native records into it.

    Mappings are data: one JSON file per source id in a mappings directory
    (normalize/mappings/ in the tree), loaded and validated once at start;
    the per-record path does no rule parsing.  docs/normalize.md documents
    the mapping language.

    Threads: once normalizer_new has returned, a normalizer is read-only:
    normalizer_map, normalizer_run, normalizer_run_at and streams (one
    stream per thread) may be used from several threads at once.  Mapping
    rules written in jq run one at a time across the process (libjq's state
    is not thread-safe).  normalizer_destroy only when no thread uses it.
*/
#ifndef FEDSOAR_NORMALIZE_H
#define FEDSOAR_NORMALIZE_H

#include "common.h"

typedef struct normalizer normalizer_t;

/* Loads every *.json mapping file in dir. Any invalid file fails the whole
   load with an error naming the file, line and field. Caller owns. */
normalizer_t *normalizer_new(const char *mappings_dir, fs_err_t *e);
void normalizer_destroy(normalizer_t **self_p);

/* Known source ids, e.g. "crowdstrike.alert". Borrowed strings. */
size_t normalizer_source_count(const normalizer_t *self);
const char *normalizer_source_id(const normalizer_t *self, size_t index);
bool normalizer_has_source(const normalizer_t *self, const char *source_id);

typedef struct normalize_opts {
    const char *site;   /* fedsoar envelope: the site that collected the record */
    bool keep_raw;      /* add raw_data (the record as received) to each event */
    int64_t receipt_ms; /* when the record was received (epoch ms; 0: now): the event
                           time when none of the record's time fields converts */
} normalize_opts_t;

/* Called for each record that normalized. `event` is borrowed: incref it to
   keep it. record_no counts from 1 within the input. Events share immutable
   leaf values with each other (captions, constants): to change a field,
   replace it (json_object_set); never modify a string or number in place
   (json_string_set, json_integer_set). */
typedef void(normalize_emit_fn)(void *arg, json_t *event, size_t record_no);
/* Called for each rejected record: where it was (record number and byte
   offset in the input), why, and its raw bytes (for a dead-letter store). */
typedef void(normalize_reject_fn)(void *arg, size_t record_no, size_t byte_offset,
                                  const char *reason, const char *raw, size_t raw_len);

/* Splits buf into records by the source's framing (NDJSON, JSON array,
   concatenated JSON, vendor envelopes such as resources[]/value[]/data[],
   line formats), maps each one and calls emit or reject for every record.
   Bad records never stop the good ones. Returns the number of rejected
   records, or -1 (with e set) when the source id is unknown. */
long normalizer_run(normalizer_t *self, const char *source_id, const normalize_opts_t *opts,
                    const char *buf, size_t len, normalize_emit_fn *emit,
                    normalize_reject_fn *reject, void *arg, fs_err_t *e);

/* The same as normalizer_run, with each event's byte offset in buf (the
   offset of the record it came from), for callers that answer a sender
   record by record (the webhook source). */
typedef void(normalize_emit_at_fn)(void *arg, json_t *event, size_t record_no, size_t byte_offset);
long normalizer_run_at(normalizer_t *self, const char *source_id, const normalize_opts_t *opts,
                       const char *buf, size_t len, normalize_emit_at_fn *emit,
                       normalize_reject_fn *reject, void *arg, fs_err_t *e);

/* ---- conversion warnings -------------------------------------------------

   A field whose value does not convert (a time, number, enum or IP address
   that does not parse) never costs the record: the rule does not fire, the
   value is listed in the event's unmapped.conversion_errors[] (field, value,
   error, and the fallback used), a rule's next `from` alternative is tried,
   a time falls back to the record's other time fields and then to
   opts->receipt_ms, and one warning is counted for (source, field).
   Counters are process-wide per normalizer, updated atomically from any
   thread, never reset.

   normalizer_warnings returns {source id: {field: count}} for every
   non-zero counter (new reference; {} when none).  `field` is the vendor
   field path as the mapping reads it (e.g. "ext.rt"), or "time" for events
   whose time is the receipt time. */
json_t *normalizer_warnings(const normalizer_t *self);
/* The sum of all counters (for tests and logs). */
unsigned long normalizer_warnings_total(const normalizer_t *self);

/* ---- streaming: an input of any size in bounded memory (framing.c) -------

   The same splitting and mapping as normalizer_run, fed in chunks of any
   size: chunked input gives the same records, record numbers, byte offsets
   and reasons as the whole input at once.  The caller holds the bytes:

     consumed = normalize_stream_feed(s, buf, len, eof);

   processes every record that is complete in buf[0, len) and returns how
   many bytes it is done with; the caller MUST pass buf[consumed, len) again,
   at the start of the next call, followed by new bytes.  feed returns 0 only
   when it needs more bytes (never with eof).  It holds at most one record
   (NZ_MAX_RECORD_BYTES, 8 MiB; a longer one is rejected and skipped) or,
   for the whole-message framing (email.rfc822), the message (32 MiB).
   Record numbers and byte offsets count from the start of the input,
   including a resumed one. */
typedef struct normalize_stream normalize_stream_t;

/* position: NULL for the start of an input, or a string from
   normalize_stream_position to resume there (the caller then feeds the
   input from normalize_stream_offset on). Caller owns; NULL with e set for
   an unknown source or a position that is not this source's. */
normalize_stream_t *normalize_stream_new(normalizer_t *self, const char *source_id,
                                         const normalize_opts_t *opts, const char *position,
                                         normalize_emit_fn *emit, normalize_reject_fn *reject,
                                         void *arg, fs_err_t *e);
void normalize_stream_destroy(normalize_stream_t **self_p);
/* eof: buf ends the input (an unfinished record is then taken or rejected).
   Returns early, with bytes left, just before a span that has no position
   (skipping an oversized record or garbage up to the next record), so that
   the caller can record the position reached. */
size_t normalize_stream_feed(normalize_stream_t *self, const char *buf, size_t len, bool eof);
/* Bytes consumed since the start of the input, and records reported. */
size_t normalize_stream_offset(const normalize_stream_t *self);
size_t normalize_stream_records(const normalize_stream_t *self);
long normalize_stream_rejected(const normalize_stream_t *self);
/* Writes the position after the consumed bytes ("v1 MODE OFFSET RECORDS",
   a short string) for resuming. Returns 0, or -1 inside a skipped span
   (no event is emitted inside one) or when size is too small. */
int normalize_stream_position(const normalize_stream_t *self, char *out, size_t size);
/* After eof: whether the input ended inside a record (it was rejected as
   truncated; an input that is still being written ends so). */
bool normalize_stream_truncated(const normalize_stream_t *self);
/* Whether the source's framing takes the whole input as one message. */
bool normalize_stream_whole_message(const normalize_stream_t *self);
/* For tests: the per-record limit (default NZ_MAX_RECORD_BYTES; min 64). */
void normalize_stream_set_max_record(normalize_stream_t *self, size_t max);

/* Maps one already-parsed native record (borrowed). Returns a new OCSF
   event (caller owns) or NULL with e saying why. The mapping's shapes
   apply; its record_arrays do not (one record, one event: a delivery that
   holds several records, such as an Okta event hook, goes through
   normalizer_run / normalizer_run_at as text). */
json_t *normalizer_map(normalizer_t *self, const char *source_id, const normalize_opts_t *opts,
                       const json_t *record, fs_err_t *e);

/* ---- serializing events (fast_dump.c) ---------------------------------

   ocsf_dump writes the same bytes as json_dumps(v, JSON_COMPACT |
   JSON_ENCODE_ANY) — same escaping (only `"`, `\` and control characters;
   UTF-8 passes through), integers and reals as jansson formats them, object
   keys in the object's (insertion) order — several times faster, into a
   caller's reusable buffer.  docs/internals/normalize.md has the details. */

#define OCSF_DUMP_MAX_DEFAULT (64u * 1024u * 1024u) /* bytes, when max is 0 */
#define OCSF_DUMP_MAX_DEPTH 2048                    /* nesting levels (jansson's parser limit) */

/* A growable byte buffer with a maximum.  data is owned by the buffer and
   NUL-terminated after each successful ocsf_dump / ocsf_buf_append (the NUL
   is not counted in len).  Not thread-safe: one per thread. */
typedef struct ocsf_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* len never exceeds max */
} ocsf_buf_t;

/* Starts empty (no allocation); max 0 means OCSF_DUMP_MAX_DEFAULT. */
void ocsf_buf_init(ocsf_buf_t *b, size_t max);
/* Frees data; the buffer is empty and usable again. Safe with NULL. */
void ocsf_buf_release(ocsf_buf_t *b);
/* Empties the buffer; frees its memory when it grew beyond keep bytes (so a
   rare huge event does not pin memory). */
void ocsf_buf_trim(ocsf_buf_t *b, size_t keep);
/* Appends n raw bytes. Returns 0, or -1 (e set) past max or out of memory. */
int ocsf_buf_append(ocsf_buf_t *b, const void *bytes, size_t n, fs_err_t *e);

/* Appends the compact JSON text of value (borrowed; any type) to out.
   Returns 0, or -1 with e set and out unchanged: the text would exceed
   out->max (exact: a text of max bytes fits), out of memory, nesting
   deeper than OCSF_DUMP_MAX_DEPTH (a cycle ends there), a string or key
   that is not valid UTF-8 (only the _nocheck functions make one; json_dumps
   fails on such a string, and writes broken JSON for such a key), or NULL. */
int ocsf_dump(const json_t *value, ocsf_buf_t *out, fs_err_t *e);

/* OCSF observable type ids used across fedsoar (OCSF 1.8.0 observable.type_id). */
enum {
    OCSF_OBS_HOSTNAME = 1,
    OCSF_OBS_IP = 2,
    OCSF_OBS_MAC = 3,
    OCSF_OBS_USER_NAME = 4,
    OCSF_OBS_EMAIL = 5,
    OCSF_OBS_URL = 6,
    OCSF_OBS_FILE_NAME = 7,
    OCSF_OBS_HASH = 8,
    OCSF_OBS_PROCESS_NAME = 9
};

/* ---- errors -----------------------------------------------------------------
   fs_err_t codes this library sets (common.h: one range per library). */
typedef enum normalize_errc {
    NORMALIZE_E_MAPPING = FS_ERR_BASE_NORMALIZE + 1, /* "mapping": a mapping file is wrong */
    NORMALIZE_E_NO_MAPPINGS,                         /* "no_mappings": the directory has none */
    NORMALIZE_E_UNKNOWN_SOURCE,                      /* "unknown_source" */
    NORMALIZE_E_RECORD,                              /* "record": a record cannot be read */
    NORMALIZE_E_LAST_
} normalize_errc_t;
/* The name of a NORMALIZE_E_* code, "unknown" otherwise. Static. */
const char *normalize_strerror(int code);

#endif
