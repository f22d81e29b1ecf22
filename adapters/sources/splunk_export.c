/*  splunk_export.c — source "splunk-export": Splunk search results
    (Enterprise Security notables by default) through the export endpoint.

      POST /services/search/v2/jobs/export
           search=<search> | sort 0 _time, output_mode=json, earliest_time=<epoch s>,
   latest_time=now Authorization: Bearer <Splunk authentication token> → one JSON object per line:
   {"preview": false, "offset": N, "result": {...}} (or {"messages": [{"type": "FATAL", "text": …}]}
   when the search fails).

    The export streams every result in one answer (bounded by
    max_body_bytes), so there is no paging.  Checkpoint: `_time` + the
    id field ("id_field", default event_id; ES notables have one).
    Config: "search" (default "search `notable`"), "id_field".  The token's
    user needs the search capability on the indexes searched. */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    source_http_t src; /* page_size and max_pages unused: the export is one answer */
    char *search;
    char id_field[64];
} splunk_t;

json_t *splunk_parse_export(const char *body, size_t len, fs_err_t *e)
{
    json_t *out = json_array();
    size_t start = 0, line_no = 0;
    while (start < len) {
        size_t end = start;
        while (end < len && body[end] != '\n')
            end++;
        line_no++;
        size_t n = end - start;
        while (n && (body[start + n - 1] == '\r' || body[start + n - 1] == ' '))
            n--;
        if (n > 0) {
            fs_err_t pe = {0};
            json_t *j = fs_json_parse(body + start, n, &pe);
            if (!j || !json_is_object(j)) {
                fs_err_set(e, "Splunk export line %zu: %s", line_no,
                           j ? "not a JSON object" : pe.text);
                json_decref(j);
                json_decref(out);
                return NULL;
            }
            json_t *msg0 = json_array_get(json_object_get(j, "messages"), 0);
            const char *type = json_string_value(json_object_get(msg0, "type"));
            if (type && (strcmp(type, "FATAL") == 0 || strcmp(type, "ERROR") == 0)) {
                const char *text = json_string_value(json_object_get(msg0, "text"));
                fs_err_set(e, "Splunk search failed: %.200s", text ? text : "(no text)");
                json_decref(j);
                json_decref(out);
                return NULL;
            }
            json_t *res = json_object_get(j, "result");
            if (json_is_object(res) && !json_is_true(json_object_get(j, "preview")))
                json_array_append(out, res);
            json_decref(j);
        }
        start = end + 1;
    }
    return out;
}

static void cleanup(void **state_p)
{
    splunk_t *s = *state_p;
    if (!s)
        return;
    source_http_release(&s->src);
    free(s->search);
    free(s);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    splunk_t *s = fs_xcalloc(1, sizeof *s);
    source_http_prepare(&s->src, config, "splunk-export", "{\"auth\": \"bearer\"}", 1,
                        1); /* no paging */
    const char *search = json_string_value(json_object_get(config, "search"));
    const char *idf = json_string_value(json_object_get(config, "id_field"));
    s->search = fs_xstrdup(search ? search : "search `notable`");
    snprintf(s->id_field, sizeof s->id_field, "%s", idf ? idf : "event_id");
    if (source_http_open(&s->src, e) != 0) {
        void *p = s;
        cleanup(&p);
        return NULL;
    }
    return s;
}

/* The one "page": the whole export. */
static int fetch_export(void *ctx, const source_cursor_t *base, int page, json_t **records,
                        fs_err_t *e)
{
    (void)page;
    splunk_t *s = ctx;
    size_t sl = strlen(s->search) + 32;
    char *full = fs_xmalloc(sl);
    snprintf(full, sl, "%s | sort 0 _time", s->search);
    char *q = http_escape(full);
    free(full);
    size_t fl = strlen(q) + 128;
    char *form = fs_xmalloc(fl);
    /* whole seconds: inclusive of the checkpoint's second; ids taken at it are skipped */
    snprintf(form, fl, "search=%s&output_mode=json&earliest_time=%lld&latest_time=now", q,
             (long long)(base->ts_ms / 1000));
    free(q);
    http_response_t r;
    int rc = 0;
    if (http_client_request(s->src.http, "POST", "/services/search/v2/jobs/export", form,
                            HTTP_FORM | HTTP_IDEMPOTENT, &r, e) != 0) {
        rc = -1;
    } else {
        fs_err_t pe = {0};
        if (!(*records = splunk_parse_export(r.body, r.len, &pe)))
            rc = fs_err_set(e, "%s: %s", s->src.name, pe.text);
    }
    http_response_clear(&r);
    free(form);
    return rc;
}

static void record_key(void *ctx, const json_t *row, const char **ts, const char **id)
{
    splunk_t *s = ctx;
    *ts = json_string_value(json_object_get(row, "_time"));
    *id = json_string_value(json_object_get(row, s->id_field));
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_cp, fs_err_t *e)
{
    splunk_t *s = state;
    source_pager_t pager = {s->src.name, s->src.config, 1, fetch_export, record_key, s};
    return source_poll_pages(&pager, checkpoint, emit, arg, next_cp, e);
}

/* The written schema of its config (issue 11.4; docs/connectors.md). No
   paging: one export call per poll. */
static const fs_schema_field_t splunk_export_fields[] = {
    FS_FIELD("search", FS_S_STRING),
    FS_FIELD("id_field", FS_S_STRING),
    FS_FIELDS_END,
};
static const fs_schema_t splunk_export_schema = {
    .type = FS_SCHEMA_OBJECT,
    .fields = {splunk_export_fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_splunk_export = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "splunk-export",
    .source_id = "splunk.notable",
    .summary = "Splunk search export (ES notables by default; Bearer token; _time checkpoint)",
    .init = init,
    .poll = poll,
    .cleanup = cleanup,
    .config_schema = &splunk_export_schema,
};
