/*  graph_alerts.c — source "graph-alerts": Microsoft Graph security
    alerts_v2 (Defender XDR alerts).

      POST {token_url}   client credentials, scope https://graph.microsoft.com/.default
      GET  /v1.0/security/alerts_v2?$filter=lastUpdateDateTime ge TS&$top=N
    then follows @odata.nextLink.  `ge` plus the ids already taken at TS (the
    checkpoint) instead of `gt`, so alerts sharing the boundary instant are
    neither lost nor repeated.  Needs SecurityAlert.Read.All (application). */
#include "connectors.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    http_client_t *http;
    json_t *config;
    int page_size, max_pages;
    char name[80];
} graph_t;

json_t *graph_parse_page(const char *body, size_t len, char **next_link, fs_err_t *e)
{
    if (next_link)
        *next_link = NULL;
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *value = json_object_get(j, "value");
    if (!json_is_array(value)) {
        const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
        fs_err_set(e, "Graph response has no value array%s%.200s", msg ? ": " : "", msg ? msg : "");
        json_decref(j);
        return NULL;
    }
    size_t i;
    json_t *v;
    json_array_foreach(value, i, v) {
        if (!json_is_object(v)) {
            fs_err_set(e, "Graph response: value[%zu] is not an object", i);
            json_decref(j);
            return NULL;
        }
    }
    const char *nl = json_string_value(json_object_get(j, "@odata.nextLink"));
    if (next_link && nl && *nl && strlen(nl) < 4000)
        *next_link = strdup(nl);
    json_incref(value);
    json_decref(j);
    return value;
}

static void cleanup(void **state_p)
{
    graph_t *s = *state_p;
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
    graph_t *s = calloc(1, sizeof *s);
    s->config = json_deep_copy(config);
    if (!json_object_get(s->config, "auth"))
        json_object_set_new(s->config, "auth", json_string("oauth2"));
    if (!json_object_get(s->config, "scope"))
        json_object_set_new(s->config, "scope", json_string("https://graph.microsoft.com/.default"));
    if (!json_object_get(s->config, "base_url"))
        json_object_set_new(s->config, "base_url", json_string("https://graph.microsoft.com"));
    const char *name = json_string_value(json_object_get(config, "name"));
    snprintf(s->name, sizeof s->name, "graph-alerts %s", name ? name : "");
    s->page_size = connector_page_size(config, 500, 2000);
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
    graph_t *s = state;
    source_cursor_t base, next;
    *next_cp = NULL;
    if (source_cursor_load(&base, checkpoint, s->config, e) != 0) {
        source_cursor_clear(&base);
        return -1;
    }
    source_cursor_copy(&next, &base);
    char filter[128];
    snprintf(filter, sizeof filter, "lastUpdateDateTime ge %s", base.ts);
    char *q = http_escape(filter);
    char first[512];
    snprintf(first, sizeof first, "/v1.0/security/alerts_v2?$filter=%s&$top=%d", q, s->page_size);
    free(q);
    char *url = strdup(first);
    int rc = 0, taken = 0;
    for (int page = 0;; page++) {
        if (page == s->max_pages) {
            rc = 1;
            break;
        }
        http_response_t r;
        if (http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, e) != 0) {
            http_response_clear(&r);
            rc = -1;
            break;
        }
        fs_err_t pe = {{0}};
        char *link = NULL;
        json_t *alerts = graph_parse_page(r.body, r.len, &link, &pe);
        http_response_clear(&r);
        if (!alerts) {
            rc = fs_err_set(e, "%s: GET /v1.0/security/alerts_v2: %s", s->name, pe.text);
            break;
        }
        size_t i;
        json_t *al;
        json_array_foreach(alerts, i, al) {
            const char *ts = json_string_value(json_object_get(al, "lastUpdateDateTime"));
            const char *id = json_string_value(json_object_get(al, "id"));
            if (!source_cursor_take(&base, &next, ts, id))
                continue;
            if (emit(arg, al) != 0 || ++taken > CONNECTOR_MAX_RECORDS) {
                rc = fs_err_set(e, "%s: more than %d records in one poll", s->name, CONNECTOR_MAX_RECORDS);
                break;
            }
        }
        json_decref(alerts);
        if (rc < 0 || !link) {
            free(link);
            break;
        }
        free(url);
        url = link;
    }
    free(url);
    if (rc >= 0)
        *next_cp = source_cursor_dump(&next);
    source_cursor_clear(&base);
    source_cursor_clear(&next);
    return rc;
}

const source_ops_t source_graph_alerts = {
    .api_version = SOURCE_API_VERSION,
    .type = "graph-alerts",
    .source_id = "microsoft.graph_alert",
    .summary = "Microsoft Graph security/alerts_v2 (OAuth2 client credentials; @odata.nextLink)",
    .init = init,
    .poll = poll,
    .cleanup = cleanup,
};
