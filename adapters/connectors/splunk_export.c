/*  splunk_export.c — source "splunk-export": Splunk search results
    (Enterprise Security notables by default) through the export endpoint.

      POST /services/search/v2/jobs/export
           search=<search> | sort 0 _time, output_mode=json, earliest_time=<epoch s>, latest_time=now
      Authorization: Bearer <Splunk authentication token>
    → one JSON object per line: {"preview": false, "offset": N, "result": {...}}
      (or {"messages": [{"type": "FATAL", "text": …}]} when the search fails).

    The export streams every result in one answer (bounded by
    max_body_bytes), so there is no paging.  Checkpoint: `_time` + the
    id field ("id_field", default event_id; ES notables have one).
    Config: "search" (default "search `notable`"), "id_field".  The token's
    user needs the search capability on the indexes searched. */
#include "connectors.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    http_client_t *http;
    json_t *config;
    char *search;
    char id_field[64];
    char name[96];
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
            fs_err_t pe = {{0}};
            json_t *j = fs_json_parse(body + start, n, &pe);
            if (!j || !json_is_object(j)) {
                fs_err_set(e, "Splunk export line %zu: %s", line_no, j ? "not a JSON object" : pe.text);
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
    http_client_destroy(&s->http);
    json_decref(s->config);
    free(s->search);
    free(s);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    splunk_t *s = calloc(1, sizeof *s);
    s->config = json_deep_copy(config);
    if (!json_object_get(s->config, "auth"))
        json_object_set_new(s->config, "auth", json_string("bearer"));
    const char *search = json_string_value(json_object_get(config, "search"));
    const char *idf = json_string_value(json_object_get(config, "id_field"));
    s->search = strdup(search ? search : "search `notable`");
    snprintf(s->id_field, sizeof s->id_field, "%s", idf ? idf : "event_id");
    const char *name = json_string_value(json_object_get(config, "name"));
    snprintf(s->name, sizeof s->name, "splunk-export %s", name ? name : "");
    source_cursor_t c;
    int rc = source_cursor_load(&c, NULL, config, e);
    source_cursor_clear(&c);
    if (rc != 0 || !(s->http = http_client_new(s->config, s->name, e))) {
        void *p = s;
        cleanup(&p);
        return NULL;
    }
    return s;
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg, char **next_cp, fs_err_t *e)
{
    splunk_t *s = state;
    source_cursor_t base, next;
    *next_cp = NULL;
    if (source_cursor_load(&base, checkpoint, s->config, e) != 0) {
        source_cursor_clear(&base);
        return -1;
    }
    source_cursor_copy(&next, &base);
    size_t sl = strlen(s->search) + 32;
    char *full = malloc(sl);
    snprintf(full, sl, "%s | sort 0 _time", s->search);
    char *q = http_escape(full);
    free(full);
    size_t fl = strlen(q) + 128;
    char *form = malloc(fl);
    /* whole seconds: inclusive of the checkpoint's second; ids taken at it are skipped */
    snprintf(form, fl, "search=%s&output_mode=json&earliest_time=%lld&latest_time=now", q,
             (long long)(base.ts_ms / 1000));
    free(q);
    http_response_t r;
    int rc = 0;
    if (http_client_request(s->http, "POST", "/services/search/v2/jobs/export", form, HTTP_FORM | HTTP_IDEMPOTENT,
                            &r, e) != 0) {
        rc = -1;
    } else {
        fs_err_t pe = {{0}};
        json_t *rows = splunk_parse_export(r.body, r.len, &pe);
        if (!rows) {
            rc = fs_err_set(e, "%s: %s", s->name, pe.text);
        } else {
            size_t i;
            json_t *row;
            int taken = 0;
            json_array_foreach(rows, i, row) {
                const char *ts = json_string_value(json_object_get(row, "_time"));
                const char *id = json_string_value(json_object_get(row, s->id_field));
                if (!source_cursor_take(&base, &next, ts, id))
                    continue;
                if (emit(arg, row) != 0 || ++taken > CONNECTOR_MAX_RECORDS) {
                    rc = fs_err_set(e, "%s: more than %d records in one poll", s->name, CONNECTOR_MAX_RECORDS);
                    break;
                }
            }
            json_decref(rows);
        }
    }
    http_response_clear(&r);
    free(form);
    if (rc >= 0)
        *next_cp = source_cursor_dump(&next);
    source_cursor_clear(&base);
    source_cursor_clear(&next);
    return rc;
}

const source_ops_t source_splunk_export = {
    .api_version = SOURCE_API_VERSION,
    .type = "splunk-export",
    .source_id = "splunk.notable",
    .summary = "Splunk search export (ES notables by default; Bearer token; _time checkpoint)",
    .init = init,
    .poll = poll,
    .cleanup = cleanup,
};
