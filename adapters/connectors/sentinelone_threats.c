/*  sentinelone_threats.c — source "sentinelone-threats": SentinelOne
    Management API 2.1 threats.

      GET /web/api/v2.1/threats?updatedAt__gte=T&sortBy=updatedAt&sortOrder=asc&limit=N[&cursor=C]
      Authorization: ApiToken <token>
    → {"data": [...], "pagination": {"nextCursor": "…" | null, "totalItems": N}}

    Checkpoint: threatInfo.updatedAt + id (connectors.h, source_cursor_t).
    An API user with the "Viewer" role (or a service user scoped to the
    account/site) suffices. */
#include "connectors.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    http_client_t *http;
    json_t *config;
    int page_size, max_pages;
    char name[96];
} s1_t;

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
        fs_err_set(e, "SentinelOne response has no data array%s%.200s", msg ? ": " : "", msg ? msg : "");
        json_decref(j);
        return NULL;
    }
    size_t i;
    json_t *v;
    json_array_foreach(data, i, v) {
        if (!json_is_object(v)) {
            fs_err_set(e, "SentinelOne response: data[%zu] is not an object", i);
            json_decref(j);
            return NULL;
        }
    }
    const char *cur = json_string_value(json_object_get(json_object_get(j, "pagination"), "nextCursor"));
    if (cur && *cur && strlen(cur) < 2048)
        *next_cursor = strdup(cur);
    json_incref(data);
    json_decref(j);
    return data;
}

static void cleanup(void **state_p)
{
    s1_t *s = *state_p;
    if (!s)
        return;
    http_client_destroy(&s->http);
    json_decref(s->config);
    free(s);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    s1_t *s = calloc(1, sizeof *s);
    s->config = json_deep_copy(config);
    if (!json_object_get(s->config, "auth"))
        json_object_set_new(s->config, "auth", json_string("apitoken"));
    const char *name = json_string_value(json_object_get(config, "name"));
    snprintf(s->name, sizeof s->name, "sentinelone-threats %s", name ? name : "");
    s->page_size = connector_page_size(config, 500, 1000);
    s->max_pages = connector_max_pages(config);
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
    s1_t *s = state;
    source_cursor_t base, next;
    *next_cp = NULL;
    if (source_cursor_load(&base, checkpoint, s->config, e) != 0) {
        source_cursor_clear(&base);
        return -1;
    }
    source_cursor_copy(&next, &base);
    char *since = http_escape(base.ts), *cursor = NULL;
    int rc = 0, taken = 0;
    for (int page = 0;; page++) {
        if (page == s->max_pages) {
            rc = 1;
            break;
        }
        char url[4096];
        char *qc = cursor ? http_escape(cursor) : NULL;
        int n = snprintf(url, sizeof url,
                         "/web/api/v2.1/threats?updatedAt__gte=%s&sortBy=updatedAt&sortOrder=asc&limit=%d%s%s", since,
                         s->page_size, qc ? "&cursor=" : "", qc ? qc : "");
        free(qc);
        if (n >= (int)sizeof url) {
            rc = fs_err_set(e, "%s: pagination cursor too long", s->name);
            break;
        }
        http_response_t r;
        if (http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, e) != 0) {
            http_response_clear(&r);
            rc = -1;
            break;
        }
        fs_err_t pe = {{0}};
        free(cursor);
        json_t *threats = sentinelone_parse_page(r.body, r.len, &cursor, &pe);
        http_response_clear(&r);
        if (!threats) {
            rc = fs_err_set(e, "%s: GET /web/api/v2.1/threats: %s", s->name, pe.text);
            break;
        }
        size_t i;
        json_t *t;
        json_array_foreach(threats, i, t) {
            const char *ts = json_string_value(json_object_get(json_object_get(t, "threatInfo"), "updatedAt"));
            const char *id = json_string_value(json_object_get(t, "id"));
            if (!source_cursor_take(&base, &next, ts, id))
                continue;
            if (emit(arg, t) != 0 || ++taken > CONNECTOR_MAX_RECORDS) {
                rc = fs_err_set(e, "%s: more than %d records in one poll", s->name, CONNECTOR_MAX_RECORDS);
                break;
            }
        }
        json_decref(threats);
        if (rc < 0 || !cursor)
            break;
    }
    free(cursor);
    free(since);
    if (rc >= 0)
        *next_cp = source_cursor_dump(&next);
    source_cursor_clear(&base);
    source_cursor_clear(&next);
    return rc;
}

const source_ops_t source_sentinelone_threats = {
    .api_version = SOURCE_API_VERSION,
    .type = "sentinelone-threats",
    .source_id = "sentinelone.threat",
    .summary = "SentinelOne Management API 2.1 threats (ApiToken; updatedAt__gte + cursor paging)",
    .init = init,
    .poll = poll,
    .cleanup = cleanup,
};
