/*  connectors.h — private to libfedsoar_adapters: what the vendor
    connectors (adapters/connectors/) share — the poll checkpoint
    ("cursor"), small result helpers, and the vendor payload parsers that
    tests/fuzz/fuzz_*.c drive directly. */
#ifndef FEDSOAR_CONNECTORS_H
#define FEDSOAR_CONNECTORS_H

#include "adapter.h"
#include "http_client.h"

#define CONNECTOR_MAX_PAGES 50         /* default pages per poll (config max_pages) */
#define CONNECTOR_MAX_RECORDS 20000    /* records per poll, whatever max_pages says */
#define CURSOR_MAX_IDS 5000            /* ids remembered at the checkpoint's timestamp */

/* ---- the checkpoint of a timestamp-ordered source --------------------------
   The vendor is asked for records at or after `ts` (inclusive), and the ids
   already taken at exactly that timestamp are skipped, so records that share
   the boundary timestamp are neither lost (as with a strict ">") nor taken
   twice.  Serialized as {"ts": "…", "ids": ["…"]}. */
typedef struct source_cursor {
    char ts[64];     /* the vendor's own timestamp text, for its filter */
    int64_t ts_ms;
    json_t *ids;     /* array of strings */
} source_cursor_t;

/* Loads from a checkpoint, or, when NULL, from the config: "start"
   (RFC 3339) or "lookback_s" before now (default 86400). */
int source_cursor_load(source_cursor_t *c, const char *checkpoint, const json_t *config, fs_err_t *e);
/* Whether a record (its timestamp text and id) is new relative to `base`;
   when it is, `next` advances over it. */
bool source_cursor_take(const source_cursor_t *base, source_cursor_t *next, const char *ts, const char *id);
/* Caller owns (free()). */
char *source_cursor_dump(const source_cursor_t *c);
void source_cursor_copy(source_cursor_t *dst, const source_cursor_t *src);
void source_cursor_clear(source_cursor_t *c);

/* ---- common config ---------------------------------------------------------- */

/* max_pages from the config (1..1000, default CONNECTOR_MAX_PAGES). */
int connector_max_pages(const json_t *config);
/* page_size from the config within [1, max], default dflt. */
int connector_page_size(const json_t *config, int dflt, int max);

/* ---- HTTP connectors ---------------------------------------------------------- */

/* An http_client from config with defaults_json (a JSON object text) filling
   the keys the config leaves out, e.g. "{\"auth\": \"ssws\"}". */
http_client_t *connector_http_new(const json_t *config, const char *what, const char *defaults_json, fs_err_t *e);

/* The state most analyzers/responders need. */
typedef struct connector_http {
    http_client_t *http;
    json_t *config;
    char what[64];
} connector_http_t;
connector_http_t *connector_http_state(const json_t *config, const char *what, const char *defaults_json, fs_err_t *e);
void connector_http_cleanup(void **state_p);

/* ---- results for connector_ops_t.run ---------------------------------------- */

json_t *connector_ok(json_t *result); /* steals result */
json_t *connector_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first string among input[key] for each key (NULL-terminated list). */
const char *connector_input_string(const json_t *input, const char *const *keys);

/* ---- OpenC2 responses for actuators ------------------------------------------ */

json_t *openc2_status(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- vendor payload parsers (fuzzed) ------------------------------------------- */

/* CrowdStrike {"resources": [...], "meta": {"pagination": {...}}, "errors": [...]}.
   Returns resources (caller owns) — strings for query endpoints, objects for
   entity endpoints — after checking every element's type; sets *total and
   *next_after (caller owns, may be NULL) from meta.pagination. */
json_t *crowdstrike_parse_page(const char *body, size_t len, bool want_objects, json_int_t *total,
                               char **next_after, fs_err_t *e);
/* Okta /api/v1/logs: a JSON array of LogEvent objects. Caller owns. */
json_t *okta_parse_logs(const char *body, size_t len, fs_err_t *e);
/* Microsoft Graph / Defender collection page {"value": [...], "@odata.nextLink": "…"}.
   Caller owns the array and *next_link. */
json_t *graph_parse_page(const char *body, size_t len, char **next_link, fs_err_t *e);
/* SentinelOne {"data": [...], "pagination": {"nextCursor"}}. Caller owns
   the array and *next_cursor. */
json_t *sentinelone_parse_page(const char *body, size_t len, char **next_cursor, fs_err_t *e);
/* Splunk export NDJSON: the non-preview "result" objects, in order; a
   FATAL/ERROR message is an error. Caller owns. */
json_t *splunk_parse_export(const char *body, size_t len, fs_err_t *e);
/* VirusTotal v3 object {"data": {"attributes": {"last_analysis_stats": …}}}
   → {"verdict", "malicious", "suspicious", "harmless", "undetected",
   "reputation", …}. Caller owns. */
json_t *virustotal_summarize(const char *body, size_t len, int malicious_threshold, fs_err_t *e);

#endif
