/*  connector_support.h — private to libfedsoar_adapters: what the vendor
    integrations (adapters/sources/, responders/, actuators/) share — the
    poll checkpoint ("cursor") and the page-by-page poll around it, the
    state of an HTTP source, OData paging, the EDR device actions and small
    result helpers.  The vendor payload parsers are in vendor_parsers.h. */
#ifndef FEDSOAR_CONNECTOR_SUPPORT_H
#define FEDSOAR_CONNECTOR_SUPPORT_H

#include "http_client.h"
#include "plugin.h"

#define CONNECTOR_MAX_PAGES 50      /* default pages per poll (config max_pages) */
#define CONNECTOR_MAX_RECORDS 20000 /* records per poll, whatever max_pages says */
#define CURSOR_MAX_IDS 5000         /* ids remembered at the checkpoint's timestamp */

/* ---- the checkpoint of a timestamp-ordered source --------------------------
   The vendor is asked for records at or after `ts` (inclusive), and the ids
   already taken at exactly that timestamp are skipped, so records that share
   the boundary timestamp are neither lost (as with a strict ">") nor taken
   twice.  Serialized as {"ts": "…", "ids": ["…"]}. */
typedef struct source_cursor {
    char ts[64]; /* the vendor's own timestamp text, for its filter */
    int64_t ts_ms;
    json_t *ids; /* array of strings */
} source_cursor_t;

/* Loads from a checkpoint, or, when NULL, from the config: "start"
   (RFC 3339) or "lookback_s" before now (default 86400). */
int source_cursor_load(source_cursor_t *c, const char *checkpoint, const json_t *config,
                       fs_err_t *e);
/* Whether a record (its timestamp text and id) is new relative to `base`;
   when it is, `next` advances over it. */
bool source_cursor_take(const source_cursor_t *base, source_cursor_t *next, const char *ts,
                        const char *id);
/* Caller owns (free()). */
char *source_cursor_dump(const source_cursor_t *c);
void source_cursor_copy(source_cursor_t *dst, const source_cursor_t *src);
void source_cursor_clear(source_cursor_t *c);

/* ---- polling a timestamp-ordered source page by page --------------------------
   source_poll_pages is the whole of a source's poll() except talking to the
   vendor: it loads the checkpoint, asks `fetch` for one page after another,
   hands each record that source_cursor_take finds new to emit (at most
   CONNECTOR_MAX_RECORDS per poll), and returns the checkpoint that follows
   them.  The vendor file only says how to ask for a page and where a
   record keeps its timestamp and id. */

/* Fetches page number `page` (0 = the first; base->ts is where the poll
   starts, for the vendor's filter).  Sets *records (caller owns; an array
   of JSON objects, or NULL for none) and returns 1 when another page
   follows, 0 when this one is the last, -1 with e set (e names the source
   and the request). */
typedef int(source_page_fn)(void *ctx, const source_cursor_t *base, int page, json_t **records,
                            fs_err_t *e);
/* Points *ts and *id at a record's timestamp text and id (NULL when it has
   none; source_cursor_take then lets the normalizer judge the record). */
typedef void(source_record_key_fn)(void *ctx, const json_t *record, const char **ts,
                                   const char **id);

typedef struct source_pager {
    const char *name;     /* "TYPE NAME", in errors */
    const json_t *config; /* "start" / "lookback_s" for the first poll (borrowed) */
    int max_pages;        /* pages per poll; then 1 ("more waiting") is returned */
    source_page_fn *fetch;
    source_record_key_fn *key;
    void *ctx; /* passed to fetch and key */
} source_pager_t;

/* One source poll (adapter_plugin_t.poll): returns 0 caught up, 1 more waiting, -1 with e set
   (and *next_checkpoint NULL).  On success *next_checkpoint is the new
   checkpoint (caller owns, free()). */
int source_poll_pages(const source_pager_t *p, const char *checkpoint, source_emit_fn *emit,
                      void *arg, char **next_checkpoint, fs_err_t *e);

/* Hands len bytes of native text, as read (the normalizer frames and judges
   them), to emit as one JSON string record.  0, or -1 with e set. */
int source_emit_text(source_emit_fn *emit, void *arg, const char *name, const char *text,
                     size_t len, fs_err_t *e);

/* ---- the state of an HTTP source ---------------------------------------------- */

typedef struct source_http {
    http_client_t *http;
    json_t *config; /* the instance's config with the type's defaults filled in */
    int page_size, max_pages;
    char name[96]; /* "TYPE NAME", in errors and logs */
} source_http_t;

/* Fills s from config (borrowed): defaults_json (JSON object text, may be
   NULL) fills the keys the config leaves out; page_size within
   [1, page_max], default page_default; max_pages.  Cannot fail; release
   with source_http_release. */
void source_http_prepare(source_http_t *s, const json_t *config, const char *type,
                         const char *defaults_json, int page_default, int page_max);
/* Checks "start" / "lookback_s" now (not at the first poll) and opens the
   HTTP client.  0, or -1 with e set. */
int source_http_open(source_http_t *s, fs_err_t *e);
/* Frees what prepare and open made; s itself is the caller's. */
void source_http_release(source_http_t *s);
/* prepare + open, for a source that needs no other state.  Caller owns
   (source_http_destroy, which is a plugin cleanup — also the cleanup of a
   source whose state begins with its source_http_t and owns nothing else). */
source_http_t *source_http_new(const json_t *config, const char *type, const char *defaults_json,
                               int page_default, int page_max, fs_err_t *e);
void source_http_destroy(void **state_p);

/* ---- common config ---------------------------------------------------------- */

/* The written schema (issue 11.4) of what every timestamp-ordered HTTP
   source reads besides the HTTP client's keys: "start" (RFC 3339),
   "lookback_s" (1..315360000), "max_pages" (1..1000). A source's schema
   joins it: FS_S_OBJECT(its_fields, source_http_fields, http_client_fields). */
extern const fs_schema_field_t source_http_fields[];

/* "TYPE NAME" (the config's "name") into buf, for errors and logs. */
void connector_instance_name(char *buf, size_t size, const char *type, const json_t *config);

/* max_pages from the config (1..1000, default CONNECTOR_MAX_PAGES). */
int connector_max_pages(const json_t *config);
/* page_size from the config within [1, max], default dflt. */
int connector_page_size(const json_t *config, int dflt, int max);

/* ---- HTTP connectors ---------------------------------------------------------- */

/* An http_client from config with defaults_json (a JSON object text) filling
   the keys the config leaves out, e.g. "{\"auth\": \"ssws\"}". */
http_client_t *connector_http_new(const json_t *config, const char *what, const char *defaults_json,
                                  fs_err_t *e);

/* The state most analyzers/responders need. */
typedef struct connector_http {
    http_client_t *http;
    json_t *config;
    char what[64];
} connector_http_t;
connector_http_t *connector_http_state(const json_t *config, const char *what,
                                       const char *defaults_json, fs_err_t *e);
void connector_http_cleanup(void **state_p);

/* ---- results for adapter_plugin_t.run (analyzers, responders)
 * ---------------------------------------- */

json_t *connector_ok(json_t *result); /* steals result */
json_t *connector_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first string among input[key] for each key (NULL-terminated list). */
const char *connector_input_string(const json_t *input, const char *const *keys);

/* ---- OpenC2 responses for actuators ------------------------------------------ */

json_t *openc2_status(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- EDR device actions (contain / allow device) ------------------------------
   What the endpoint actuators (actuators/crowdstrike_falcon.c, actuators/defender_endpoint.c)
   share: the HTTP client from actuator_config, the pairs, finding the
   vendor's device id for target.device, and POSTing the action. */

typedef struct edr_vendor {
    const char *id_what;   /* what a device id is, in errors: "CrowdStrike device id" */
    const char *id_reject; /* characters no usable device id holds (it goes into a URL or body) */
    /* Hostname look-up: GET <lookup_path><escaped <lookup_field>'HOST'><lookup_tail> */
    const char *lookup_path;
    const char *lookup_field;
    const char *lookup_tail;
    /* Picks the device id out of the look-up answer: NULL with id set, or
       the OpenC2 response (caller owns) saying why not. */
    json_t *(*lookup_pick)(const char *body, size_t len, const char *host, char *id, size_t size);
} edr_vendor_t;

/* The HTTP client of an EDR actuator.  config (borrowed) must be an object,
   else e says `help`; defaults_json fills what it leaves out.  Errors name
   the client `actuator`.  Caller owns. */
http_client_t *edr_http_new(const json_t *config, const char *actuator, const char *defaults_json,
                            const char *help, fs_err_t *e);
/* adapter_plugin_t.pairs of an EDR actuator: contain device, allow device. */
json_t *edr_pairs(void *state);
/* The vendor's id for target.device: its device_id, else the one device the
   vendor finds for its hostname.  NULL with id set, or the OpenC2 response
   (caller owns) saying why not. */
json_t *edr_device_id(http_client_t *http, const edr_vendor_t *v, const json_t *device, char *id,
                      size_t size);
/* POSTs a device action (body borrowed).  Returns the vendor's answer
   (caller owns), or NULL with *error set to the OpenC2 response (caller
   owns): 404 when the vendor answered 404, else 500. */
json_t *edr_post_action(http_client_t *http, const char *url, const json_t *body, json_t **error);

/* ---- OData collections (sources/odata_paging.c) ------------------------------
   The Microsoft sources: a collection polled with `FILTER ge T` and followed
   by @odata.nextLink; one odata_kind_t per source type. */
typedef struct odata_kind {
    const char *path;     /* collection path; NULL: workspace_path + suffix (Sentinel) */
    const char *filter;   /* OData property in $filter */
    const char *ts;       /* dotted path of the record's timestamp */
    const char *id;       /* the record's id member */
    const char *orderby;  /* "$orderby" value, when the API has it */
    const char *defaults; /* config defaults (JSON text) */
    int page_default, page_max;
} odata_kind_t;

/* A source instance of `kind` (config borrowed). Caller owns
   (odata_source_destroy). */
void *odata_source_new(const odata_kind_t *kind, const char *type, const json_t *config,
                       fs_err_t *e);
int odata_source_poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                      char **next_checkpoint, fs_err_t *e);
void odata_source_destroy(void **state_p);

/* ---- user actions (responders/okta_user_action.c, entra_user_action.c) -------- */

/* okta-suspend-user / okta-clear-sessions: state from config; the action. */
void *okta_user_action_new(const json_t *config, const char *state_dir, fs_err_t *e);
json_t *okta_user_action(void *state, const json_t *input, bool suspend);
/* entra-disable-account / entra-revoke-sessions. */
void *entra_user_action_new(const json_t *config, const char *state_dir, fs_err_t *e);
json_t *entra_user_action(void *state, const json_t *input, bool disable);
/* Their config: the HTTP client's keys. */
extern const fs_schema_t user_action_schema;

/* ---- user context analyzers (responders/identity_context.c) ------------------ */

#define IDC_DEFAULT_SIGNINS 20
#define IDC_DEFAULT_PAGES 5
#define IDC_MAX_GROUPS 200

/* The input keys that name the user, in order of preference. */
extern const char *const identity_user_keys[];
/* Parses one page into its items (caller owns) and *next (caller owns, may stay NULL). */
typedef json_t *(identity_page_fn)(const http_response_t *r, char **next, fs_err_t *e);
/* One item -> what goes into the result (caller owns), or NULL to skip it. */
typedef json_t *(identity_item_fn)(const json_t *item);
/* GETs url and the pages after it (at most max_pages), mapping items until
   max are collected.  The array (caller owns), or NULL with e set. */
json_t *identity_collect(http_client_t *http, const char *url, identity_page_fn *parse,
                         identity_item_fn *map, size_t max, int max_pages, fs_err_t *e);
json_t *identity_okta_logs_page(const http_response_t *r, char **next, fs_err_t *e);
json_t *identity_graph_page(const http_response_t *r, char **next, fs_err_t *e);
json_t *identity_member_name(const json_t *obj);
/* A size from the config within [1, max], default dflt. */
size_t identity_cfg_size(const json_t *config, const char *key, size_t dflt, size_t max);
/* GETs one JSON object and summarizes it; NULL with *err set (the error result). */
json_t *identity_get_summary(connector_http_t *s, const char *url, const char *who,
                             const char *user,
                             json_t *(*summarize)(const char *, size_t, fs_err_t *), json_t **err);
/* Their config. */
extern const fs_schema_t identity_context_schema;

#endif
