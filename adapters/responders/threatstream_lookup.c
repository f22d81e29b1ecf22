/*  threatstream_lookup.c — analyzer "threatstream-lookup": what Anomali
    ThreatStream knows of one indicator value.

      GET /api/v2/intelligence/?value=V&limit=N&offset=K
      Authorization: apikey USER:KEY   (the token file holds "apikey USER:KEY")

    Pages are followed (offset) while meta.next is set, up to max_pages.
    Input: {"data"} or one of "value", "ip", "domain", "url", "hash", "email".
    Result: {"found", "count", "verdict" (malicious: an active indicator at or
    above malicious_confidence; suspicious: found otherwise; unknown: not
    found), "max_confidence", "indicators": [{"value", "itype", "type",
    "threat_type", "confidence", "severity", "status", "source",
    "modified_ts", "tags"}], "truncated"}.
    Config: base_url ("https://api.threatstream.com"), api_token_file|_env,
    malicious_confidence (0..100, 75), page_size (1..1000, 100), max_pages (5). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

#define TSL_KEEP 500

json_t *threatstream_indicator_summary(const json_t *ind)
{
    json_t *out = json_object();
    static const char *const keys[] = {"value",    "itype",  "type",   "threat_type", "confidence",
                                       "severity", "status", "source", "modified_ts", NULL};
    for (int i = 0; keys[i]; i++) {
        json_t *v = json_object_get(ind, keys[i]);
        if (json_is_string(v) || json_is_integer(v))
            json_object_set(out, keys[i], v);
    }
    json_t *tags = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(ind, "tags"), i, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        if (name)
            json_array_append_new(tags, json_string(name));
    }
    json_object_set_new(out, "tags", tags);
    return out;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return connector_http_state(config, "threatstream-lookup",
                                "{\"auth\": \"header\", \"api_key_header\": \"Authorization\", "
                                "\"base_url\": \"https://api.threatstream.com\"}",
                                e);
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
    json_t *mc = json_object_get(s->config, "malicious_confidence");
    json_int_t threshold = mc ? json_integer_value(mc) : 75;
    char *qv = http_escape(value);
    json_t *found = json_array();
    json_int_t offset = 0, best = -1;
    bool malicious = false, truncated = false;
    for (int page = 0;; page++) {
        if (page == max_pages) {
            truncated = true;
            break;
        }
        char url[8192];
        snprintf(url, sizeof url, "/api/v2/intelligence/?value=%s&limit=%d&offset=%lld", qv, limit,
                 (long long)offset);
        http_response_t r;
        fs_err_t e = {0};
        if (http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e) != 0) {
            http_response_clear(&r);
            free(qv);
            json_decref(found);
            return connector_error("%s", e.text);
        }
        bool more;
        json_int_t total;
        json_t *objs = threatstream_page(r.body, r.len, &more, &total, &e);
        http_response_clear(&r);
        if (!objs) {
            free(qv);
            json_decref(found);
            return connector_error("threatstream-lookup: GET /api/v2/intelligence/ offset %lld: %s",
                                   (long long)offset, e.text);
        }
        size_t i;
        json_t *o;
        json_array_foreach(objs, i, o)
        {
            json_int_t c = json_integer_value(json_object_get(o, "confidence"));
            const char *st = json_string_value(json_object_get(o, "status"));
            if (c > best)
                best = c;
            if (c >= threshold && (!st || strcmp(st, "active") == 0))
                malicious = true;
            if (json_array_size(found) < TSL_KEEP)
                json_array_append_new(found, threatstream_indicator_summary(o));
            else
                truncated = true;
        }
        offset += (json_int_t)json_array_size(objs);
        size_t got = json_array_size(objs);
        json_decref(objs);
        if (!more || got == 0)
            break;
    }
    free(qv);
    size_t n = json_array_size(found);
    const char *verdict = n == 0 ? "unknown" : malicious ? "malicious" : "suspicious";
    json_t *res =
        json_pack("{s:s, s:b, s:I, s:s, s:o, s:b}", "data", value, "found", n > 0, "count",
                  (json_int_t)n, "verdict", verdict, "indicators", found, "truncated", truncated);
    if (best >= 0)
        json_object_set_new(res, "max_confidence", json_integer(best));
    return connector_ok(res);
}

static const fs_schema_field_t tsl_fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, 1000)),
    FS_FIELD("max_pages", FS_S_INT(1, 1000)),
    FS_FIELD("malicious_confidence", FS_S_INT(0, 100)),
    FS_FIELDS_END,
};
static const fs_schema_t tsl_schema = {.type = FS_SCHEMA_OBJECT,
                                       .fields = {tsl_fields, http_client_fields}};

const adapter_plugin_t connector_threatstream_lookup = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "threatstream-lookup",
    .summary = "Anomali ThreatStream indicator lookup (intelligence API v2): verdict, confidence",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &tsl_schema,
};
