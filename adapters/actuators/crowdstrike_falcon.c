/*  crowdstrike_contain.c — actuator "crowdstrike-falcon": OpenC2 endpoint
    response on CrowdStrike Falcon host containment.

      contain device  → POST /devices/entities/devices-actions/v2?action_name=contain
      allow device    → POST /devices/entities/devices-actions/v2?action_name=lift_containment
    body {"ids": [device_id]}; the device id comes from
    target.device.device_id, else from target.device.hostname through
    GET /devices/queries/devices/v1?filter=hostname:'NAME'.
    Needs the API scope Hosts: Read + Write. */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    http_client_t *http;
} falcon_t;

/* The device query answers ids only: at most two are asked for, enough to
   tell one match from several. */
static json_t *pick_device(const char *body, size_t len, const char *host, char *id, size_t size)
{
    fs_err_t e = {0};
    json_int_t total;
    json_t *ids = crowdstrike_parse_page(body, len, false, &total, NULL, &e);
    if (!ids)
        return openc2_status(500, "crowdstrike-falcon: device lookup: %s", e.text);
    size_t n = json_array_size(ids);
    json_t *res = NULL;
    if (n == 0)
        res = openc2_status(404, "CrowdStrike knows no device with hostname %s", host);
    else if (n > 1)
        res = openc2_status(
            400, "hostname %s matches several CrowdStrike devices; name the device_id", host);
    else if (snprintf(id, size, "%s", json_string_value(json_array_get(ids, 0))) >= (int)size)
        res = openc2_status(500, "CrowdStrike returned an over-long device id");
    json_decref(ids);
    return res;
}

static const edr_vendor_t falcon = {
    .id_what = "CrowdStrike device id",
    .id_reject = "/?#&'\" ",
    .lookup_path = "/devices/queries/devices/v1?filter=",
    .lookup_field = "hostname:",
    .lookup_tail = "&limit=2",
    .lookup_pick = pick_device,
};

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
    http_client_t *http = edr_http_new(
        config, "crowdstrike-falcon", "{\"auth\": \"oauth2\", \"token_url\": \"/oauth2/token\"}",
        "needs \"actuator_config\": {\"crowdstrike-falcon\": {\"base_url\", \"client_id\", "
        "\"client_secret_file\" | \"client_secret_env\"}}",
        e);
    if (!http)
        return NULL;
    falcon_t *f = fs_xcalloc(1, sizeof *f);
    f->http = http;
    return f;
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
    json_t *bad = edr_device_id(f->http, &falcon, device, id, sizeof id);
    if (bad)
        return bad;
    char url[256];
    snprintf(url, sizeof url, "/devices/entities/devices-actions/v2?action_name=%s", vendor_action);
    json_t *body = json_pack("{s:[s]}", "ids", id);
    json_t *res;
    json_t *ans = edr_post_action(f->http, url, body, &res);
    json_decref(body);
    if (ans)
        res = openc2_status(200, "CrowdStrike %s requested for device %s", vendor_action, id);
    json_decref(ans);
    fs_log(FS_LOG_INFO, "actuator", "crowdstrike_action", "action=%s device_id=%s status=%lld",
           vendor_action, id, (long long)json_integer_value(json_object_get(res, "status")));
    return res;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_t falcon_schema = {.type = FS_SCHEMA_OBJECT, .fields = {http_client_fields}};

const adapter_plugin_t actuator_crowdstrike_falcon = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_ACTUATOR,
    .type = "crowdstrike-falcon",
    .summary = "OpenC2 contain/allow device -> Falcon host containment (devices-actions/v2)",
    .profile = "er",
    .init = init,
    .pairs = edr_pairs,
    .execute = execute,
    .cleanup = cleanup,
    .config_schema = &falcon_schema,
};
