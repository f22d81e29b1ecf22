/*  sentinelone_threats.c — source "sentinelone-threats": SentinelOne
    Management API 2.1 threats.

      GET /web/api/v2.1/threats?updatedAt__gte=T&sortBy=updatedAt&sortOrder=asc&limit=N[&cursor=C]
      Authorization: ApiToken <token>
    → {"data": [...], "pagination": {"nextCursor": "…" | null, "totalItems": N}}

    Checkpoint: threatInfo.updatedAt + id (connectors.h, source_cursor_t).
    An API user with the "Viewer" role (or a service user scoped to the
    account/site) suffices. */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

json_t *sentinelone_parse_page(const char *body, size_t len, char **next_cursor, fs_err_t *e)
{
    *next_cursor = NULL;
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *data = json_object_get(j, "data");
    if (!json_is_array(data)) {
        json_t *err0 = json_array_get(json_object_get(j, "errors"), 0);
        const char *msg = json_string_value(json_object_get(err0, "detail"));
        fs_err_set(e, "SentinelOne response has no data array%s%.200s", msg ? ": " : "",
                   msg ? msg : "");
        json_decref(j);
        return NULL;
    }
    size_t i;
    json_t *v;
    json_array_foreach(data, i, v)
    {
        if (!json_is_object(v)) {
            fs_err_set(e, "SentinelOne response: data[%zu] is not an object", i);
            json_decref(j);
            return NULL;
        }
    }
    const char *cur =
        json_string_value(json_object_get(json_object_get(j, "pagination"), "nextCursor"));
    if (cur && *cur && strlen(cur) < 2048)
        *next_cursor = fs_xstrdup(cur);
    json_incref(data);
    json_decref(j);
    return data;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return source_http_new(config, "sentinelone-threats", "{\"auth\": \"apitoken\"}", 500, 1000, e);
}

/* One poll's paging: SentinelOne's nextCursor. */
typedef struct {
    source_http_t *s;
    char *cursor;
} s1_pages_t;

static int fetch_page(void *ctx, const source_cursor_t *base, int page, json_t **records,
                      fs_err_t *e)
{
    (void)page;
    s1_pages_t *p = ctx;
    source_http_t *s = p->s;
    char url[4096];
    char *since = http_escape(base->ts);
    char *qc = p->cursor ? http_escape(p->cursor) : NULL;
    int n = snprintf(
        url, sizeof url,
        "/web/api/v2.1/threats?updatedAt__gte=%s&sortBy=updatedAt&sortOrder=asc&limit=%d%s%s",
        since, s->page_size, qc ? "&cursor=" : "", qc ? qc : "");
    free(qc);
    free(since);
    if (n >= (int)sizeof url)
        return fs_err_set(e, "%s: pagination cursor too long", s->name);
    http_response_t r;
    if (http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, e) != 0) {
        http_response_clear(&r);
        return -1;
    }
    fs_err_t pe = {0};
    free(p->cursor);
    *records = sentinelone_parse_page(r.body, r.len, &p->cursor, &pe);
    http_response_clear(&r);
    if (!*records)
        return fs_err_set(e, "%s: GET /web/api/v2.1/threats: %s", s->name, pe.text);
    return p->cursor ? 1 : 0;
}

static void record_key(void *ctx, const json_t *t, const char **ts, const char **id)
{
    (void)ctx;
    *ts = json_string_value(json_object_get(json_object_get(t, "threatInfo"), "updatedAt"));
    *id = json_string_value(json_object_get(t, "id"));
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_cp, fs_err_t *e)
{
    source_http_t *s = state;
    s1_pages_t pages = {.s = s};
    source_pager_t pager = {s->name, s->config, s->max_pages, fetch_page, record_key, &pages};
    int rc = source_poll_pages(&pager, checkpoint, emit, arg, next_cp, e);
    free(pages.cursor);
    return rc;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t s1_fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, 1000)),
    FS_FIELDS_END,
};
static const fs_schema_t s1_schema = {
    .type = FS_SCHEMA_OBJECT, .fields = {s1_fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_sentinelone_threats = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "sentinelone-threats",
    .source_id = "sentinelone.threat",
    .summary = "SentinelOne Management API 2.1 threats (ApiToken; updatedAt__gte + cursor paging)",
    .init = init,
    .poll = poll,
    .cleanup = source_http_destroy,
    .config_schema = &s1_schema,
};
