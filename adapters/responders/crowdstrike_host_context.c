/*  crowdstrike_host_context.c — analyzer "crowdstrike-host-context": what
    Falcon knows of a host, for playbook `enrich` steps (e.g. host-context).
      GET  /devices/queries/devices/v1?filter=hostname:'H'&limit=2   (when no device_id is given)
      GET  /devices/entities/devices/v2?ids=ID
      POST /devices/combined/devices/login-history/v1 {"ids": [ID]}  (recent logons; optional)
    Input {"hostname"} or {"device_id"} (also "host", Cortex "data").
    Result {"device_id", "hostname", "platform", "os_version", "local_ip",
    "external_ip", "last_seen", "status", "tags", "users": [{"user",
    "login_time"}]}; when the login history is refused (scope missing) the
    host context is still answered, with "users_error" instead of "users".
    API client scope Hosts: Read (and Hosts: Read for login history). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

#define CS_ID_REJECT "/?#&'\"% "
#define CS_MAX_USERS 10

static const char *const host_keys[] = {"hostname", "host", "data", NULL};

/* The first resource of an entities page, parsed (caller owns), or NULL. */
static json_t *first_resource(const char *body, size_t len, fs_err_t *e)
{
    json_int_t total;
    json_t *res = crowdstrike_parse_page(body, len, true, &total, NULL, e);
    json_t *first = json_incref(json_array_get(res, 0));
    if (res && !first)
        fs_err_set(e, "CrowdStrike answered no device");
    json_decref(res);
    return first;
}

json_t *crowdstrike_host_summary(const char *body, size_t len, fs_err_t *e)
{
    json_t *d = first_resource(body, len, e);
    if (!d)
        return NULL;
    json_t *tags = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(d, "tags"), i, t) if (json_is_string(t))
        json_array_append(tags, t);
    json_t *res = json_pack(
        "{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:o}", "device_id",
        json_object_get(d, "device_id"), "hostname", json_object_get(d, "hostname"), "platform",
        json_object_get(d, "platform_name"), "os_version", json_object_get(d, "os_version"),
        "local_ip", json_object_get(d, "local_ip"), "external_ip",
        json_object_get(d, "external_ip"), "last_seen", json_object_get(d, "last_seen"), "status",
        json_object_get(d, "status"), "tags", tags);
    json_decref(d);
    if (!json_is_string(json_object_get(res, "device_id"))) {
        fs_err_set(e, "CrowdStrike answered a device without device_id");
        json_decref(res);
        return NULL;
    }
    return res;
}

json_t *crowdstrike_login_users(const char *body, size_t len, size_t max, fs_err_t *e)
{
    json_t *d = first_resource(body, len, e);
    json_t *users = d ? json_array() : NULL;
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(d, "recent_logins"), i, l)
    {
        const char *u = json_string_value(json_object_get(l, "user_name"));
        if (!u || json_array_size(users) == max)
            continue;
        json_array_append_new(users, json_pack("{s:s, s:O?}", "user", u, "login_time",
                                               json_object_get(l, "login_time")));
    }
    json_decref(d);
    return users;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return connector_http_state(config, "crowdstrike",
                                "{\"auth\": \"oauth2\", \"token_url\": \"/oauth2/token\"}", e);
}

/* The device id for a hostname: NULL with id set, or the error result. */
static json_t *find_device(connector_http_t *s, const char *host, char *id, size_t size)
{
    if (strpbrk(host, "'\\") || strlen(host) > 253)
        return connector_error("hostname \"%.80s\" cannot be looked up", host);
    char filter[300], url[1024];
    snprintf(filter, sizeof filter, "hostname:'%s'", host);
    char *q = http_escape(filter);
    snprintf(url, sizeof url, "/devices/queries/devices/v1?filter=%s&limit=2", q);
    free(q);
    http_response_t r;
    fs_err_t e = {0};
    json_int_t total;
    json_t *ids = NULL;
    if (http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e) == 0)
        ids = crowdstrike_parse_page(r.body, r.len, false, &total, NULL, &e);
    http_response_clear(&r);
    if (!ids)
        return connector_error("%s", e.text);
    size_t n = json_array_size(ids);
    const char *first = json_string_value(json_array_get(ids, 0));
    json_t *res =
        n == 0  ? connector_error("CrowdStrike knows no device with hostname %s", host)
        : n > 1 ? connector_error("hostname %s matches several CrowdStrike devices; give device_id",
                                  host)
        : strlen(first) >= size || strpbrk(first, CS_ID_REJECT)
            ? connector_error("CrowdStrike returned an unusable device id")
            : NULL;
    if (!res)
        snprintf(id, size, "%s", first);
    json_decref(ids);
    return res;
}

static json_t *run(void *state, const json_t *input)
{
    connector_http_t *s = state;
    char id[128];
    const char *did = json_string_value(json_object_get(input, "device_id"));
    const char *host = connector_input_string(input, host_keys);
    if (did) {
        if (strlen(did) >= sizeof id || strpbrk(did, CS_ID_REJECT))
            return connector_error("device_id \"%.80s\" is not a CrowdStrike device id", did);
        snprintf(id, sizeof id, "%s", did);
    } else if (!host) {
        return connector_error("input needs \"hostname\" or \"device_id\"");
    } else {
        json_t *bad = find_device(s, host, id, sizeof id);
        if (bad)
            return bad;
    }
    char url[256];
    snprintf(url, sizeof url, "/devices/entities/devices/v2?ids=%s", id);
    http_response_t r;
    fs_err_t e = {0};
    json_t *ctx = NULL;
    int rc = http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e);
    long status = r.status;
    if (rc == 0)
        ctx = crowdstrike_host_summary(r.body, r.len, &e);
    http_response_clear(&r);
    if (!ctx)
        return status == 404 ? connector_error("CrowdStrike has no device %s", id)
                             : connector_error("%s", e.text);
    /* Logged-on users: a read, so retried like a GET; its failure leaves the host context intact.
     */
    json_t *body = json_pack("{s:[s]}", "ids", id);
    fs_err_t le = {0};
    json_t *users = NULL;
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (http_client_request(s->http, "POST", "/devices/combined/devices/login-history/v1", text,
                            HTTP_IDEMPOTENT, &r, &le) == 0)
        users = crowdstrike_login_users(r.body, r.len, CS_MAX_USERS, &le);
    http_response_clear(&r);
    free(text);
    if (users)
        json_object_set_new(ctx, "users", users);
    else
        json_object_set_new(ctx, "users_error", json_string(le.text));
    return connector_ok(ctx);
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_t host_context_schema = {.type = FS_SCHEMA_OBJECT,
                                                .fields = {http_client_fields}};

const adapter_plugin_t connector_crowdstrike_host_context = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "crowdstrike-host-context",
    .summary =
        "analyzer: a host as Falcon knows it (device, IPs, last seen, tags, logged-on users)",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &host_context_schema,
};
