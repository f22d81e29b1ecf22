/*  misp_search.c — analyzer "misp-search": MISP attribute search.

      POST /attributes/restSearch   Authorization: KEY
        {"returnFormat": "json", "value": V, "page": P, "limit": N,
         "includeEventTags": true}
      -> {"response": {"Attribute": [{"id", "type", "category", "value",
            "to_ids", "uuid", "timestamp", "event_id",
            "Event": {"info", "uuid", "threat_level_id", ...}, "Tag": [...]}]}}

    Pages are asked until one is shorter than `limit` or max_pages were read.
    Input: {"data"} or one of "value", "ip", "domain", "url", "hash", "email".
    Result: {"found", "count", "verdict" (malicious when an attribute is
    marked to_ids, suspicious when found without it, unknown otherwise),
    "events" (distinct event uuids), "attributes": [{"type", "category",
    "value", "to_ids", "uuid", "event_uuid", "event_info", "tags"}],
    "truncated" (max_pages reached)}.
    Config: base_url, api_token_file|_env (the MISP auth key), page_size
    (1..1000, 100), max_pages (1..1000, 5). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

#define MISP_SEARCH_PAGE_MAX 1000
#define MISP_SEARCH_KEEP 500 /* attributes kept in one result */

static bool is_to_ids(const json_t *v)
{
    return json_is_true(v) || (json_is_string(v) && strcmp(json_string_value(v), "1") == 0);
}

json_t *misp_attributes_page(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *resp = json_object_get(j, "response");
    json_t *attrs = json_object_get(resp, "Attribute");
    if (json_is_array(resp) && json_array_size(resp) == 0)
        attrs = NULL; /* nothing found: some versions answer "response": [] */
    else if (!json_is_array(attrs)) {
        const char *msg = json_string_value(json_object_get(j, "message"));
        fs_err_set(e, "MISP answer has no response.Attribute array%s%.200s", msg ? ": " : "",
                   msg ? msg : "");
        json_decref(j);
        return NULL;
    }
    json_t *out = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(attrs, i, a)
    {
        const char *value = json_string_value(json_object_get(a, "value"));
        const char *type = json_string_value(json_object_get(a, "type"));
        if (!value || !type) {
            fs_err_set(e, "MISP answer: response.Attribute[%zu] has no string value and type", i);
            json_decref(out);
            json_decref(j);
            return NULL;
        }
        json_t *ev = json_object_get(a, "Event");
        json_t *tags = json_array();
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(a, "Tag"), k, t)
        {
            const char *name = json_string_value(json_object_get(t, "name"));
            if (name)
                json_array_append_new(tags, json_string(name));
        }
        json_t *sum = json_pack("{s:s, s:s, s:b, s:o}", "type", type, "value", value, "to_ids",
                                is_to_ids(json_object_get(a, "to_ids")), "tags", tags);
        static const char *const copy[][2] = {{"category", "category"}, {"uuid", "uuid"}};
        for (size_t c = 0; c < sizeof copy / sizeof *copy; c++) {
            const char *s = json_string_value(json_object_get(a, copy[c][0]));
            if (s)
                json_object_set_new(sum, copy[c][1], json_string(s));
        }
        const char *eu = json_string_value(json_object_get(ev, "uuid"));
        const char *ei = json_string_value(json_object_get(ev, "info"));
        if (eu)
            json_object_set_new(sum, "event_uuid", json_string(eu));
        if (ei)
            json_object_set_new(sum, "event_info", json_string(ei));
        json_array_append_new(out, sum);
    }
    json_decref(j);
    return out;
}

json_t *misp_search_summary(const json_t *attributes, bool truncated)
{
    size_t i, n = json_array_size(attributes);
    json_t *a, *events = json_array();
    bool ids = false;
    json_array_foreach(attributes, i, a)
    {
        ids = ids || json_is_true(json_object_get(a, "to_ids"));
        json_t *eu = json_object_get(a, "event_uuid");
        bool seen = !eu;
        size_t k;
        json_t *x;
        json_array_foreach(events, k, x) seen = seen || json_equal(x, eu);
        if (!seen)
            json_array_append(events, eu);
    }
    const char *verdict = n == 0 ? "unknown" : ids ? "malicious" : "suspicious";
    return json_pack("{s:b, s:I, s:s, s:o, s:O, s:b}", "found", n > 0, "count", (json_int_t)n,
                     "verdict", verdict, "events", events, "attributes", attributes, "truncated",
                     truncated);
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return connector_http_state(config, "misp-search",
                                "{\"auth\": \"header\", \"api_key_header\": \"Authorization\"}", e);
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
    int limit = connector_page_size(s->config, 100, MISP_SEARCH_PAGE_MAX);
    int max_pages = json_object_get(s->config, "max_pages") ? connector_max_pages(s->config) : 5;
    json_t *all = json_array();
    bool truncated = false;
    for (int page = 1;; page++) {
        if (page > max_pages) {
            truncated = true;
            break;
        }
        json_t *req = json_pack("{s:s, s:s, s:i, s:i, s:b}", "returnFormat", "json", "value", value,
                                "page", page, "limit", limit, "includeEventTags", 1);
        http_response_t r;
        fs_err_t e = {0};
        json_t *j = http_client_json(s->http, "POST", "/attributes/restSearch", req,
                                     HTTP_IDEMPOTENT, &r, &e);
        json_decref(req);
        json_decref(j);
        if (!j) {
            http_response_clear(&r);
            json_decref(all);
            return connector_error("%s", e.text);
        }
        json_t *attrs = misp_attributes_page(r.body, r.len, &e);
        http_response_clear(&r);
        if (!attrs) {
            json_decref(all);
            return connector_error("misp-search: POST /attributes/restSearch page %d: %s", page,
                                   e.text);
        }
        size_t got = json_array_size(attrs);
        size_t i;
        json_t *a;
        json_array_foreach(attrs, i, a)
        {
            if (json_array_size(all) < MISP_SEARCH_KEEP)
                json_array_append(all, a);
            else
                truncated = true;
        }
        json_decref(attrs);
        if (got < (size_t)limit)
            break;
    }
    json_t *res = misp_search_summary(all, truncated);
    json_decref(all);
    json_object_set_new(res, "data", json_string(value));
    return connector_ok(res);
}

static const fs_schema_field_t misp_search_fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, MISP_SEARCH_PAGE_MAX)),
    FS_FIELD("max_pages", FS_S_INT(1, 1000)),
    FS_FIELDS_END,
};
static const fs_schema_t misp_search_schema = {.type = FS_SCHEMA_OBJECT,
                                               .fields = {misp_search_fields, http_client_fields}};

const adapter_plugin_t connector_misp_search = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "misp-search",
    .summary = "MISP attribute search (attributes/restSearch, page/limit): verdict, events, "
               "attributes",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &misp_search_schema,
};
