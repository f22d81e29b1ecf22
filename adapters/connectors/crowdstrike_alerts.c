/*  crowdstrike_alerts.c — source "crowdstrike-alerts": CrowdStrike Falcon
    Alerts API v2.

      POST /oauth2/token                               (client credentials)
      GET  /alerts/queries/alerts/v2?filter=updated_timestamp:>='TS'
           &sort=updated_timestamp.asc&limit=N[&offset=K | &after=T]
      POST /alerts/entities/alerts/v2   {"composite_ids": [...]}

    The checkpoint is the newest updated_timestamp taken plus the composite
    ids taken at exactly that time (connectors.h, source_cursor_t). */
#include "connectors.h"

#include <stdlib.h>
#include <string.h>

#define CS_PAGE_MAX 1000 /* the entities endpoint takes at most 1000 ids */

typedef struct {
    http_client_t *http;
    json_t *config;
    int page_size, max_pages;
    char name[80];
} cs_t;

json_t *crowdstrike_parse_page(const char *body, size_t len, bool want_objects, json_int_t *total,
                               char **next_after, fs_err_t *e)
{
    *total = -1;
    if (next_after)
        *next_after = NULL;
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *res = json_object_get(j, "resources");
    json_t *errors = json_object_get(j, "errors");
    if (json_is_array(errors) && json_array_size(errors) > 0) {
        json_t *first = json_array_get(errors, 0);
        const char *msg = json_string_value(json_object_get(first, "message"));
        fs_err_set(e, "CrowdStrike reported an error: %.200s", msg ? msg : "(no message)");
        json_decref(j);
        return NULL;
    }
    if (json_is_null(res) || !res) {
        res = json_array(); /* "resources": null means none */
    } else if (!json_is_array(res)) {
        fs_err_set(e, "CrowdStrike response: resources is not an array");
        json_decref(j);
        return NULL;
    } else {
        json_incref(res);
    }
    size_t i;
    json_t *v;
    json_array_foreach(res, i, v) {
        if (want_objects ? !json_is_object(v) : !json_is_string(v)) {
            fs_err_set(e, "CrowdStrike response: resources[%zu] is not %s", i, want_objects ? "an object" : "a string");
            json_decref(res);
            json_decref(j);
            return NULL;
        }
    }
    json_t *pg = json_object_get(json_object_get(j, "meta"), "pagination");
    json_t *t = json_object_get(pg, "total");
    if (json_is_integer(t) && json_integer_value(t) >= 0)
        *total = json_integer_value(t);
    const char *after = json_string_value(json_object_get(pg, "after"));
    if (next_after && after && *after && strlen(after) < 2048)
        *next_after = strdup(after);
    json_decref(j);
    return res;
}

static void cleanup(void **state_p)
{
    cs_t *s = *state_p;
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
    cs_t *s = calloc(1, sizeof *s);
    s->config = json_deep_copy(config);
    if (!json_object_get(s->config, "auth"))
        json_object_set_new(s->config, "auth", json_string("oauth2"));
    if (!json_object_get(s->config, "token_url"))
        json_object_set_new(s->config, "token_url", json_string("/oauth2/token"));
    const char *name = json_string_value(json_object_get(config, "name"));
    snprintf(s->name, sizeof s->name, "crowdstrike-alerts %s", name ? name : "");
    s->page_size = connector_page_size(config, 500, CS_PAGE_MAX);
    s->max_pages = connector_max_pages(config);
    if (!(s->http = http_client_new(s->config, s->name, e))) {
        void *p = s;
        cleanup(&p);
        return NULL;
    }
    source_cursor_t c;
    if (source_cursor_load(&c, NULL, config, e) != 0) { /* validates start/lookback_s now */
        source_cursor_clear(&c);
        void *p = s;
        cleanup(&p);
        return NULL;
    }
    source_cursor_clear(&c);
    return s;
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg, char **next_cp, fs_err_t *e)
{
    cs_t *s = state;
    source_cursor_t base, next;
    *next_cp = NULL;
    if (source_cursor_load(&base, checkpoint, s->config, e) != 0) {
        source_cursor_clear(&base);
        return -1;
    }
    source_cursor_copy(&next, &base);
    char filter[128];
    snprintf(filter, sizeof filter, "updated_timestamp:>='%s'", base.ts);
    char *qfilter = http_escape(filter);
    char *after = NULL;
    json_int_t offset = 0;
    int rc = 0, taken = 0;
    for (int page = 0;; page++) {
        if (page == s->max_pages) {
            rc = 1; /* more waiting: the daemon polls again at once */
            break;
        }
        char url[4096];
        char *qafter = after ? http_escape(after) : NULL;
        int n = qafter ? snprintf(url, sizeof url, "/alerts/queries/alerts/v2?filter=%s&sort=updated_timestamp.asc&limit=%d&after=%s",
                                  qfilter, s->page_size, qafter)
                       : snprintf(url, sizeof url, "/alerts/queries/alerts/v2?filter=%s&sort=updated_timestamp.asc&limit=%d&offset=%lld",
                                  qfilter, s->page_size, (long long)offset);
        free(qafter);
        if (n >= (int)sizeof url) {
            rc = fs_err_set(e, "%s: pagination token too long", s->name);
            break;
        }
        http_response_t r;
        if (http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, e) != 0) {
            http_response_clear(&r);
            rc = -1;
            break;
        }
        json_int_t total;
        free(after);
        after = NULL;
        fs_err_t pe = {{0}};
        json_t *ids = crowdstrike_parse_page(r.body, r.len, false, &total, &after, &pe);
        http_response_clear(&r);
        if (!ids) {
            rc = fs_err_set(e, "%s: GET /alerts/queries/alerts/v2: %s", s->name, pe.text);
            break;
        }
        size_t count = json_array_size(ids);
        if (count == 0) {
            json_decref(ids);
            break;
        }
        json_t *req = json_pack("{s:O}", "composite_ids", ids);
        json_decref(ids);
        char *body = json_dumps(req, JSON_COMPACT);
        json_decref(req);
        int q = http_client_request(s->http, "POST", "/alerts/entities/alerts/v2", body, HTTP_IDEMPOTENT, &r, e);
        free(body);
        if (q != 0) {
            http_response_clear(&r);
            rc = -1;
            break;
        }
        json_int_t entity_total; /* entity answers carry no pagination: keep the query's total */
        json_t *alerts = crowdstrike_parse_page(r.body, r.len, true, &entity_total, NULL, &pe);
        http_response_clear(&r);
        if (!alerts) {
            rc = fs_err_set(e, "%s: POST /alerts/entities/alerts/v2: %s", s->name, pe.text);
            break;
        }
        size_t i;
        json_t *alert;
        json_array_foreach(alerts, i, alert) {
            const char *ts = json_string_value(json_object_get(alert, "updated_timestamp"));
            if (!ts)
                ts = json_string_value(json_object_get(alert, "created_timestamp"));
            const char *id = json_string_value(json_object_get(alert, "composite_id"));
            if (!source_cursor_take(&base, &next, ts, id))
                continue;
            if (emit(arg, alert) != 0 || ++taken > CONNECTOR_MAX_RECORDS) {
                rc = fs_err_set(e, "%s: more than %d records in one poll", s->name, CONNECTOR_MAX_RECORDS);
                break;
            }
        }
        json_decref(alerts);
        if (rc < 0)
            break;
        offset += (json_int_t)count;
        if (!after && (total < 0 || offset >= total || count < (size_t)s->page_size))
            break;
    }
    free(after);
    free(qfilter);
    if (rc >= 0)
        *next_cp = source_cursor_dump(&next);
    source_cursor_clear(&base);
    source_cursor_clear(&next);
    return rc;
}

const source_ops_t source_crowdstrike_alerts = {
    .api_version = SOURCE_API_VERSION,
    .type = "crowdstrike-alerts",
    .source_id = "crowdstrike.alert",
    .summary = "CrowdStrike Falcon Alerts API v2 (OAuth2; queries + entities, offset/after paging)",
    .init = init,
    .poll = poll,
    .cleanup = cleanup,
};
