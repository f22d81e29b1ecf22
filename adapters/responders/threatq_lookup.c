/*  threatq_lookup.c — analyzer "threatq-lookup": what ThreatQuotient knows
    of one indicator value.

      POST /api/token                      OAuth2 client credentials
      GET  /api/indicators?value=V&with=type,status,score,sources&limit=N&offset=K
        -> {"total", "data": [{"id", "value", "type": {"name"}, "status": {"name"},
                               "score": {"generated_score", "manual_score"},
                               "sources": [{"name"}], "updated_at"}]}

    Input: {"data"} or one of "value", "ip", "domain", "url", "hash", "email".
    Result: {"data", "found", "count", "verdict" (malicious: an Active
    indicator scored at or above malicious_score; suspicious: found
    otherwise; unknown), "max_score", "indicators": [{"id", "value", "type",
    "status", "score", "sources", "updated_at"}], "truncated"}.  The score is
    the manual score when set, else the generated one (ThreatQ's 0-10).
    Config: base_url, client_id, client_secret_file|_env (token_url default
    /api/token), malicious_score (0..10, 7), page_size (1..1000, 100),
    max_pages (5). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

#define TQL_KEEP 500

/* A score member: a number or a decimal string ("9.50"); -1 when absent. */
static double score_of(const json_t *v)
{
    if (json_is_number(v))
        return json_number_value(v);
    const char *s = json_string_value(v);
    char *end;
    double d = s && *s ? strtod(s, &end) : -1;
    return s && *s && *end == '\0' ? d : -1;
}

json_t *threatq_indicator_summary(const json_t *ind)
{
    json_t *sc = json_object_get(ind, "score");
    double score = score_of(json_object_get(sc, "manual_score"));
    if (score < 0)
        score = score_of(json_object_get(sc, "generated_score"));
    if (score < 0)
        score = score_of(sc);
    json_t *out = json_pack(
        "{s:O?, s:O?, s:s?, s:s?, s:s?}", "id", json_object_get(ind, "id"), "value",
        json_object_get(ind, "value"), "type",
        json_string_value(json_object_get(json_object_get(ind, "type"), "name")), "status",
        json_string_value(json_object_get(json_object_get(ind, "status"), "name")), "updated_at",
        json_string_value(json_object_get(ind, "updated_at")));
    if (score >= 0)
        json_object_set_new(out, "score", json_real(score));
    json_t *sources = json_array();
    size_t i;
    json_t *src;
    json_array_foreach(json_object_get(ind, "sources"), i, src)
    {
        const char *name = json_string_value(json_object_get(src, "name"));
        if (name)
            json_array_append_new(sources, json_string(name));
    }
    json_object_set_new(out, "sources", sources);
    return out;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return connector_http_state(config, "threatq-lookup",
                                "{\"auth\": \"oauth2\", \"token_url\": \"/api/token\"}", e);
}

static json_t *run(void *state, const json_t *input)
{
    connector_http_t *s = state;
    static const char *const keys[] = {"data", "value", "ip",   "domain", "url",
                                       "hash", "email", "fqdn", NULL};
    const char *value = connector_input_string(input, keys);
    if (!value || !*value || strlen(value) > 2048)
        return connector_error("input needs {\"data\": INDICATOR} (or value, ip, domain, url, "
                               "hash, email), at most 2048 bytes");
    int limit = connector_page_size(s->config, 100, 1000);
    int max_pages = json_object_get(s->config, "max_pages") ? connector_max_pages(s->config) : 5;
    json_t *ms = json_object_get(s->config, "malicious_score");
    double threshold = json_is_number(ms) ? json_number_value(ms) : 7.0, best = -1;
    char *qv = http_escape(value);
    json_t *found = json_array();
    json_int_t offset = 0;
    bool malicious = false, truncated = false;
    for (int page = 0;; page++) {
        if (page == max_pages) {
            truncated = true;
            break;
        }
        char url[8192];
        snprintf(url, sizeof url,
                 "/api/indicators?value=%s&with=type,status,score,sources&limit=%d&offset=%lld", qv,
                 limit, (long long)offset);
        http_response_t r;
        fs_err_t e = {0};
        json_int_t total;
        json_t *items = NULL;
        bool sent = http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e) == 0;
        if (sent)
            items = threatq_page(r.body, r.len, &total, &e);
        http_response_clear(&r);
        if (!items) {
            free(qv);
            json_decref(found);
            return sent ? connector_error("threatq-lookup: GET /api/indicators offset %lld: %s",
                                          (long long)offset, e.text)
                        : connector_error("%s", e.text);
        }
        size_t i, got = json_array_size(items);
        json_t *o;
        json_array_foreach(items, i, o)
        {
            json_t *sum = threatq_indicator_summary(o);
            double sc = json_is_number(json_object_get(sum, "score"))
                            ? json_number_value(json_object_get(sum, "score"))
                            : -1;
            const char *st = json_string_value(json_object_get(sum, "status"));
            if (sc > best)
                best = sc;
            if (sc >= threshold && (!st || strcmp(st, "Active") == 0))
                malicious = true;
            if (json_array_size(found) < TQL_KEEP)
                json_array_append_new(found, sum);
            else {
                json_decref(sum);
                truncated = true;
            }
        }
        json_decref(items);
        offset += (json_int_t)got;
        if (got < (size_t)limit || (total >= 0 && offset >= total))
            break;
    }
    free(qv);
    size_t n = json_array_size(found);
    const char *verdict = n == 0 ? "unknown" : malicious ? "malicious" : "suspicious";
    json_t *res =
        json_pack("{s:s, s:b, s:I, s:s, s:o, s:b}", "data", value, "found", n > 0, "count",
                  (json_int_t)n, "verdict", verdict, "indicators", found, "truncated", truncated);
    if (best >= 0)
        json_object_set_new(res, "max_score", json_real(best));
    return connector_ok(res);
}

static const fs_schema_field_t tql_fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, 1000)),
    FS_FIELD("max_pages", FS_S_INT(1, 1000)),
    FS_FIELD("malicious_score", FS_S_NUMBER(0, 10)),
    FS_FIELDS_END,
};
static const fs_schema_t tql_schema = {.type = FS_SCHEMA_OBJECT,
                                       .fields = {tql_fields, http_client_fields}};

const adapter_plugin_t connector_threatq_lookup = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "threatq-lookup",
    .summary = "ThreatQuotient indicator lookup (OAuth2; /api/indicators?value=): verdict, score",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &tql_schema,
};
