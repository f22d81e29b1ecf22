/*  crowdstrike_alerts.c — source "crowdstrike-alerts": CrowdStrike Falcon
    Alerts API v2.

      POST /oauth2/token                               (client credentials)
      GET  /alerts/queries/alerts/v2?filter=updated_timestamp:>='TS'
           &sort=updated_timestamp.asc&limit=N[&offset=K | &after=T]
      POST /alerts/entities/alerts/v2   {"composite_ids": [...]}

    The checkpoint is the newest updated_timestamp taken plus the composite
    ids taken at exactly that time (connectors.h, source_cursor_t). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

#define CS_PAGE_MAX 1000 /* the entities endpoint takes at most 1000 ids */

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
    json_array_foreach(res, i, v)
    {
        if (want_objects ? !json_is_object(v) : !json_is_string(v)) {
            fs_err_set(e, "CrowdStrike response: resources[%zu] is not %s", i,
                       want_objects ? "an object" : "a string");
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
        *next_after = fs_xstrdup(after);
    json_decref(j);
    return res;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return source_http_new(config, "crowdstrike-alerts",
                           "{\"auth\": \"oauth2\", \"token_url\": \"/oauth2/token\"}", 500,
                           CS_PAGE_MAX, e);
}

/* One poll's paging: the query's `after` token when it gives one, else the offset. */
typedef struct {
    source_http_t *s;
    char *after;
    json_int_t offset;
} cs_pages_t;

/* A page is two requests: the query for composite ids, then their alerts. */
static int fetch_page(void *ctx, const source_cursor_t *base, int page, json_t **records,
                      fs_err_t *e)
{
    (void)page;
    cs_pages_t *p = ctx;
    source_http_t *s = p->s;
    char filter[128];
    snprintf(filter, sizeof filter, "updated_timestamp:>='%s'", base->ts);
    char *qfilter = http_escape(filter);
    char url[4096];
    char *qafter = p->after ? http_escape(p->after) : NULL;
    int n = qafter ? snprintf(url, sizeof url,
                              "/alerts/queries/alerts/"
                              "v2?filter=%s&sort=updated_timestamp.asc&limit=%d&after=%s",
                              qfilter, s->page_size, qafter)
                   : snprintf(url, sizeof url,
                              "/alerts/queries/alerts/"
                              "v2?filter=%s&sort=updated_timestamp.asc&limit=%d&offset=%lld",
                              qfilter, s->page_size, (long long)p->offset);
    free(qafter);
    free(qfilter);
    if (n >= (int)sizeof url)
        return fs_err_set(e, "%s: pagination token too long", s->name);
    http_response_t r;
    if (http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, e) != 0) {
        http_response_clear(&r);
        return -1;
    }
    json_int_t total;
    free(p->after);
    p->after = NULL;
    fs_err_t pe = {0};
    json_t *ids = crowdstrike_parse_page(r.body, r.len, false, &total, &p->after, &pe);
    http_response_clear(&r);
    if (!ids)
        return fs_err_set(e, "%s: GET /alerts/queries/alerts/v2: %s", s->name, pe.text);
    size_t count = json_array_size(ids);
    if (count == 0) {
        json_decref(ids);
        return 0;
    }
    json_t *req = json_pack("{s:O}", "composite_ids", ids);
    json_decref(ids);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    int q = http_client_request(s->http, "POST", "/alerts/entities/alerts/v2", body,
                                HTTP_IDEMPOTENT, &r, e);
    free(body);
    if (q != 0) {
        http_response_clear(&r);
        return -1;
    }
    json_int_t entity_total; /* entity answers carry no pagination: keep the query's total */
    *records = crowdstrike_parse_page(r.body, r.len, true, &entity_total, NULL, &pe);
    http_response_clear(&r);
    if (!*records)
        return fs_err_set(e, "%s: POST /alerts/entities/alerts/v2: %s", s->name, pe.text);
    p->offset += (json_int_t)count;
    if (!p->after && (total < 0 || p->offset >= total || count < (size_t)s->page_size))
        return 0;
    return 1;
}

static void record_key(void *ctx, const json_t *alert, const char **ts, const char **id)
{
    (void)ctx;
    *ts = json_string_value(json_object_get(alert, "updated_timestamp"));
    if (!*ts)
        *ts = json_string_value(json_object_get(alert, "created_timestamp"));
    *id = json_string_value(json_object_get(alert, "composite_id"));
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_cp, fs_err_t *e)
{
    source_http_t *s = state;
    cs_pages_t pages = {.s = s};
    source_pager_t pager = {s->name, s->config, s->max_pages, fetch_page, record_key, &pages};
    int rc = source_poll_pages(&pager, checkpoint, emit, arg, next_cp, e);
    free(pages.after);
    return rc;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t cs_alert_fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, CS_PAGE_MAX)),
    FS_FIELDS_END,
};
static const fs_schema_t cs_alert_schema = {
    .type = FS_SCHEMA_OBJECT, .fields = {cs_alert_fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_crowdstrike_alerts = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "crowdstrike-alerts",
    .source_id = "crowdstrike.alert",
    .summary = "CrowdStrike Falcon Alerts API v2 (OAuth2; queries + entities, offset/after paging)",
    .init = init,
    .poll = poll,
    .cleanup = source_http_destroy,
    .config_schema = &cs_alert_schema,
};
