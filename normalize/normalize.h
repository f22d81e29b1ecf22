/*  normalize.h — the common schema (an OCSF 1.8.0 subset) and the mapping
    engine that turns a site's native records into it.

    Mappings are data: one JSON file per source id in a mappings directory
    (normalize/mappings/ in the tree), loaded and validated once at start;
    the per-record path does no rule parsing.  docs/normalize.md documents
    the mapping language.
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
    const char *site;  /* fedsoar envelope: the site that collected the record */
    bool keep_raw;     /* add raw_data (the record as received) to each event */
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

/* Maps one already-parsed native record (borrowed). Returns a new OCSF
   event (caller owns) or NULL with e saying why. */
json_t *normalizer_map(normalizer_t *self, const char *source_id, const normalize_opts_t *opts,
                       const json_t *record, fs_err_t *e);

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

#endif
