/*  virustotal.c — analyzer "virustotal": VirusTotal API v3 reputation.
      GET /api/v3/ip_addresses/{ip} | /api/v3/files/{hash} | /api/v3/domains/{d} | /api/v3/urls/{id}
    (url id = unpadded base64url of the URL), header x-apikey.
    Input Cortex-style {"data", "dataType": ip|hash|file|domain|fqdn|url}
    or one of "ip", "hash", "domain", "url".  Result: {"verdict":
    malicious|suspicious|harmless|unknown, "malicious", "suspicious",
    "harmless", "undetected", "reputation", "found", "link"}.
    Config: base_url ("https://www.virustotal.com"), api_token_file|_env,
    malicious_threshold (engines, default 3). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

json_t *virustotal_summarize(const char *body, size_t len, int threshold, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *attrs = json_object_get(json_object_get(j, "data"), "attributes");
    json_t *stats = json_object_get(attrs, "last_analysis_stats");
    if (!json_is_object(attrs)) {
        fs_err_set(e, "VirusTotal response has no data.attributes object");
        json_decref(j);
        return NULL;
    }
    json_int_t m = json_integer_value(json_object_get(stats, "malicious"));
    json_int_t su = json_integer_value(json_object_get(stats, "suspicious"));
    json_int_t h = json_integer_value(json_object_get(stats, "harmless"));
    json_int_t u = json_integer_value(json_object_get(stats, "undetected"));
    const char *verdict = !json_is_object(stats)                 ? "unknown"
                          : m >= (threshold > 0 ? threshold : 1) ? "malicious"
                          : m > 0 || su > 0                      ? "suspicious"
                          : h > 0                                ? "harmless"
                                                                 : "unknown";
    json_t *res = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:O?}", "verdict", verdict, "found", 1,
                            "malicious", m, "suspicious", su, "harmless", h, "undetected", u,
                            "reputation", json_object_get(attrs, "reputation"));
    json_decref(j);
    return res;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return connector_http_state(config, "virustotal",
                                "{\"auth\": \"header\", \"api_key_header\": \"x-apikey\", "
                                "\"base_url\": \"https://www.virustotal.com\"}",
                                e);
}

static char *b64url(const char *s)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = strlen(s), o = 0;
    char *out = fs_xmalloc(n / 3 * 4 + 5);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = tbl[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = tbl[v & 63];
    }
    out[o] = '\0';
    return out;
}

static bool all_hex(const char *s)
{
    size_t n = strlen(s);
    if (n != 32 && n != 40 && n != 64)
        return false;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return false;
    return true;
}

static json_t *run(void *state, const json_t *input)
{
    connector_http_t *s = state;
    const char *type = json_string_value(json_object_get(input, "dataType"));
    const char *data = json_string_value(json_object_get(input, "data"));
    static const char *const kinds[] = {"ip", "hash", "domain", "url", NULL};
    for (int i = 0; !data && kinds[i]; i++)
        if ((data = json_string_value(json_object_get(input, kinds[i]))))
            type = kinds[i];
    if (!data || !type || strlen(data) > 2048)
        return connector_error("input needs {\"data\", \"dataType\": ip|hash|domain|url} or one of "
                               "ip, hash, domain, url");
    const char *coll;
    char *id;
    if (strcmp(type, "ip") == 0) {
        coll = "ip_addresses";
        id = http_escape(data);
    } else if (strcmp(type, "hash") == 0 || strcmp(type, "file") == 0) {
        if (!all_hex(data))
            return connector_error("hash \"%.80s\" is not an MD5, SHA-1 or SHA-256", data);
        coll = "files";
        id = fs_xstrdup(data);
    } else if (strcmp(type, "domain") == 0 || strcmp(type, "fqdn") == 0) {
        coll = "domains";
        id = http_escape(data);
    } else if (strcmp(type, "url") == 0) {
        coll = "urls";
        id = b64url(data);
    } else {
        return connector_error("dataType \"%.40s\" is not ip, hash, domain or url", type);
    }
    char url[4096];
    snprintf(url, sizeof url, "/api/v3/%s/%s", coll, id);
    free(id);
    http_response_t r;
    fs_err_t e = {0};
    int rc = http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e);
    json_t *res;
    if (rc != 0 && r.status == 404) {
        res = connector_ok(
            json_pack("{s:s, s:b, s:s}", "verdict", "unknown", "found", 0, "data", data));
    } else if (rc != 0) {
        res = connector_error("%s", e.text);
    } else {
        int threshold = (int)json_integer_value(json_object_get(s->config, "malicious_threshold"));
        json_t *sum = virustotal_summarize(r.body, r.len, threshold ? threshold : 3, &e);
        if (sum) {
            json_object_set_new(sum, "data", json_string(data));
            res = connector_ok(sum);
        } else {
            res = connector_error("%s", e.text);
        }
    }
    http_response_clear(&r);
    return res;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t vt_fields[] = {
    FS_FIELD("malicious_threshold", FS_S_INT(1, 1000)),
    FS_FIELDS_END,
};
static const fs_schema_t vt_schema = {.type = FS_SCHEMA_OBJECT,
                                      .fields = {vt_fields, http_client_fields}};

const adapter_plugin_t connector_virustotal = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "virustotal",
    .summary = "analyzer: VirusTotal v3 verdict for an ip, hash, domain or url",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &vt_schema,
};
