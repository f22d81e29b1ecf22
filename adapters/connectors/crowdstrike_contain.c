/*  crowdstrike_contain.c — actuator "crowdstrike-falcon": OpenC2 endpoint
    response on CrowdStrike Falcon host containment.

      contain device  → POST /devices/entities/devices-actions/v2?action_name=contain
      allow device    → POST /devices/entities/devices-actions/v2?action_name=lift_containment
    body {"ids": [device_id]}; the device id comes from
    target.device.device_id, else from target.device.hostname through
    GET /devices/queries/devices/v1?filter=hostname:'NAME'.
    Needs the API scope Hosts: Read + Write. */
#include "connectors.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    http_client_t *http;
} falcon_t;

static void cleanup(void **state_p)
{
    falcon_t *f = *state_p;
    if (!f)
        return;
    http_client_destroy(&f->http);
    free(f);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    if (!json_is_object(config)) {
        fs_err_set(e, "needs \"actuator_config\": {\"crowdstrike-falcon\": {\"base_url\", \"client_id\", "
                      "\"client_secret_file\" | \"client_secret_env\"}}");
        return NULL;
    }
    json_t *c = json_deep_copy(config);
    if (!json_object_get(c, "auth"))
        json_object_set_new(c, "auth", json_string("oauth2"));
    if (!json_object_get(c, "token_url"))
        json_object_set_new(c, "token_url", json_string("/oauth2/token"));
    falcon_t *f = calloc(1, sizeof *f);
    f->http = http_client_new(c, "crowdstrike-falcon", e);
    json_decref(c);
    if (!f->http) {
        free(f);
        return NULL;
    }
    return f;
}

static json_t *pairs(void *state)
{
    (void)state;
    return json_pack("{s:[s], s:[s]}", "contain", "device", "allow", "device");
}

/* 0 and id set, or an OpenC2 response (caller owns) saying why not. */
static json_t *device_id(falcon_t *f, const json_t *device, char *id, size_t size)
{
    const char *did = json_string_value(json_object_get(device, "device_id"));
    if (did) {
        if (strlen(did) >= size || strpbrk(did, "/?#&'\" "))
            return openc2_status(400, "device_id \"%.80s\" is not a CrowdStrike device id", did);
        snprintf(id, size, "%s", did);
        return NULL;
    }
    const char *host = json_string_value(json_object_get(device, "hostname"));
    if (!host)
        return openc2_status(400, "contain device needs target.device.device_id or hostname");
    if (strpbrk(host, "'\\") || strlen(host) > 253)
        return openc2_status(400, "hostname \"%.80s\" cannot be looked up", host);
    char filter[300], url[1024];
    snprintf(filter, sizeof filter, "hostname:'%s'", host);
    char *q = http_escape(filter);
    snprintf(url, sizeof url, "/devices/queries/devices/v1?filter=%s&limit=2", q);
    free(q);
    http_response_t r;
    fs_err_t e = {{0}};
    if (http_client_request(f->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e) != 0) {
        http_response_clear(&r);
        return openc2_status(500, "%s", e.text);
    }
    json_int_t total;
    json_t *ids = crowdstrike_parse_page(r.body, r.len, false, &total, NULL, &e);
    http_response_clear(&r);
    if (!ids)
        return openc2_status(500, "crowdstrike-falcon: device lookup: %s", e.text);
    size_t n = json_array_size(ids);
    json_t *res = NULL;
    if (n == 0)
        res = openc2_status(404, "CrowdStrike knows no device with hostname %s", host);
    else if (n > 1)
        res = openc2_status(400, "hostname %s matches several CrowdStrike devices; name the device_id", host);
    else if (snprintf(id, size, "%s", json_string_value(json_array_get(ids, 0))) >= (int)size)
        res = openc2_status(500, "CrowdStrike returned an over-long device id");
    json_decref(ids);
    return res;
}

static json_t *execute(void *state, const json_t *cmd)
{
    falcon_t *f = state;
    const char *action = json_string_value(json_object_get(cmd, "action"));
    const json_t *device = json_object_get(json_object_get(cmd, "target"), "device");
    if (!action || !device)
        return openc2_status(501, "crowdstrike-falcon does contain device and allow device only");
    const char *vendor_action = strcmp(action, "contain") == 0 ? "contain"
                                : strcmp(action, "allow") == 0 ? "lift_containment"
                                                               : NULL;
    if (!vendor_action)
        return openc2_status(501, "crowdstrike-falcon does not %s devices", action);
    char id[128];
    json_t *bad = device_id(f, device, id, sizeof id);
    if (bad)
        return bad;
    char url[256];
    snprintf(url, sizeof url, "/devices/entities/devices-actions/v2?action_name=%s", vendor_action);
    json_t *body = json_pack("{s:[s]}", "ids", id);
    http_response_t r;
    fs_err_t e = {{0}};
    /* Containment is idempotent at CrowdStrike, so a 5xx may be retried. */
    json_t *ans = http_client_json(f->http, "POST", url, body, HTTP_IDEMPOTENT, &r, &e);
    json_decref(body);
    json_t *res;
    if (!ans)
        res = openc2_status(r.status == 404 ? 404 : 500, "%s", e.text);
    else
        res = openc2_status(200, "CrowdStrike %s requested for device %s", vendor_action, id);
    json_decref(ans);
    http_response_clear(&r);
    fs_log(FS_LOG_INFO, "actuator", "crowdstrike_action", "action=%s device_id=%s status=%lld", vendor_action, id,
           (long long)json_integer_value(json_object_get(res, "status")));
    return res;
}

const actuator_ops_t actuator_crowdstrike_falcon = {
    .api_version = ACTUATOR_API_VERSION,
    .name = "crowdstrike-falcon",
    .profile = "er",
    .init = init,
    .pairs = pairs,
    .execute = execute,
    .cleanup = cleanup,
};
