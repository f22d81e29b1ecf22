/*  okta_logs.c — source "okta-logs": the Okta System Log.

      GET /api/v1/logs?since=TS&limit=N&sortOrder=ASCENDING
      Authorization: SSWS <API token>
    then follows Link: <…>; rel="next" (the `after` cursor) until a page is
    empty or short. Okta always sends rel="next" for polling queries, so a
    short page means "caught up".  Records are LogEvent objects; the
    checkpoint is the newest `published` plus the uuids at that instant. */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

json_t *okta_parse_logs(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    if (!json_is_array(j)) {
        const char *summary = json_string_value(json_object_get(j, "errorSummary"));
        fs_err_set(e, "Okta response is not an array of LogEvents%s%.200s", summary ? ": " : "",
                   summary ? summary : "");
        json_decref(j);
        return NULL;
    }
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v)
    {
        if (!json_is_object(v)) {
            fs_err_set(e, "Okta response: element %zu is not a LogEvent object", i);
            json_decref(j);
            return NULL;
        }
    }
    return j;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return source_http_new(config, "okta-logs", "{\"auth\": \"ssws\"}", 1000, 1000, e);
}

/* One poll's paging: the URL of the next page (Okta's Link rel="next"). */
typedef struct {
    source_http_t *s;
    char *url;
} okta_pages_t;

static int fetch_page(void *ctx, const source_cursor_t *base, int page, json_t **records,
                      fs_err_t *e)
{
    okta_pages_t *p = ctx;
    source_http_t *s = p->s;
    if (page == 0) {
        char *since = http_escape(base->ts);
        char first[512];
        snprintf(first, sizeof first, "/api/v1/logs?since=%s&limit=%d&sortOrder=ASCENDING", since,
                 s->page_size);
        free(since);
        p->url = fs_xstrdup(first);
    }
    http_response_t r;
    if (http_client_request(s->http, "GET", p->url, NULL, HTTP_IDEMPOTENT, &r, e) != 0) {
        http_response_clear(&r);
        return -1;
    }
    fs_err_t pe = {0};
    json_t *events = okta_parse_logs(r.body, r.len, &pe);
    char *link = r.link_next;
    r.link_next = NULL;
    http_response_clear(&r);
    if (!events) {
        free(link);
        return fs_err_set(e, "%s: GET /api/v1/logs: %s", s->name, pe.text);
    }
    *records = events;
    size_t count = json_array_size(events);
    if (count == 0 || count < (size_t)s->page_size || !link) {
        free(link);
        return 0;
    }
    free(p->url);
    p->url = link;
    return 1;
}

static void record_key(void *ctx, const json_t *ev, const char **ts, const char **id)
{
    (void)ctx;
    *ts = json_string_value(json_object_get(ev, "published"));
    *id = json_string_value(json_object_get(ev, "uuid"));
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_cp, fs_err_t *e)
{
    source_http_t *s = state;
    okta_pages_t pages = {.s = s};
    source_pager_t pager = {s->name, s->config, s->max_pages, fetch_page, record_key, &pages};
    int rc = source_poll_pages(&pager, checkpoint, emit, arg, next_cp, e);
    free(pages.url);
    return rc;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t okta_logs_fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, 1000)),
    FS_FIELDS_END,
};
static const fs_schema_t okta_logs_schema = {
    .type = FS_SCHEMA_OBJECT, .fields = {okta_logs_fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_okta_logs = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "okta-logs",
    .source_id = "okta.system_log",
    .summary = "Okta System Log /api/v1/logs (SSWS token; since + Link rel=\"next\")",
    .init = init,
    .poll = poll,
    .cleanup = source_http_destroy,
    .config_schema = &okta_logs_schema,
};
