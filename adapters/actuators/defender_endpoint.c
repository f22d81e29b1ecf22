/*  defender_isolate.c — actuator "defender-endpoint": OpenC2 endpoint
    response on Microsoft Defender for Endpoint machine isolation.

      contain device → POST /api/machines/{id}/isolate   {"Comment", "IsolationType":
   "Full"|"Selective"} allow device   → POST /api/machines/{id}/unisolate {"Comment"} The machine id
   comes from target.device.device_id, else from target.device.hostname through GET
   /api/machines?$filter=computerDnsName eq 'NAME'. Needs the application permission Machine.Isolate
   (and Machine.Read.All for hostname look-ups). OAuth2 client credentials against the configured
   token_url (https://login.microsoftonline.com/TENANT/oauth2/v2.0/token). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    http_client_t *http;
    char isolation[16];
} mde_t;

#define MDE_ID_REJECT "/?#&'\" %"

/* The machines collection answers whole Machine objects; their "id" is
   what the isolate and unisolate paths take. */
static json_t *pick_machine(const char *body, size_t len, const char *host, char *id, size_t size)
{
    fs_err_t e = {0};
    json_t *machines = graph_parse_page(body, len, NULL, &e);
    if (!machines)
        return openc2_status(500, "defender-endpoint: machine lookup: %s", e.text);
    const char *mid = json_string_value(json_object_get(json_array_get(machines, 0), "id"));
    json_t *res = NULL;
    if (json_array_size(machines) == 0 || !mid)
        res = openc2_status(404, "Defender knows no machine named %s", host);
    else if (json_array_size(machines) > 1)
        res = openc2_status(
            400, "hostname %s matches several Defender machines; name the device_id", host);
    else if (strlen(mid) >= size || strpbrk(mid, MDE_ID_REJECT))
        res = openc2_status(500, "Defender returned an unusable machine id");
    else
        snprintf(id, size, "%s", mid);
    json_decref(machines);
    return res;
}

static const edr_vendor_t defender = {
    .id_what = "Defender machine id",
    .id_reject = MDE_ID_REJECT,
    .lookup_path = "/api/machines?$filter=",
    .lookup_field = "computerDnsName eq ",
    .lookup_tail = "",
    .lookup_pick = pick_machine,
};

static void cleanup(void **state_p)
{
    mde_t *m = *state_p;
    if (!m)
        return;
    http_client_destroy(&m->http);
    free(m);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    http_client_t *http = edr_http_new(
        config, "defender-endpoint",
        "{\"auth\": \"oauth2\", \"scope\": \"https://api.securitycenter.microsoft.com/.default\"}",
        "needs \"actuator_config\": {\"defender-endpoint\": {\"base_url\", \"token_url\", "
        "\"client_id\", \"client_secret_file\" | \"client_secret_env\"}}",
        e);
    if (!http)
        return NULL;
    mde_t *m = fs_xcalloc(1, sizeof *m);
    m->http = http;
    const char *iso = json_string_value(json_object_get(config, "isolation_type"));
    snprintf(m->isolation, sizeof m->isolation, "%s",
             iso && strcmp(iso, "Selective") == 0 ? "Selective" : "Full");
    return m;
}

static json_t *execute(void *state, const json_t *cmd)
{
    mde_t *m = state;
    const char *action = json_string_value(json_object_get(cmd, "action"));
    const json_t *device = json_object_get(json_object_get(cmd, "target"), "device");
    bool contain = action && strcmp(action, "contain") == 0;
    if (!device || !action || (!contain && strcmp(action, "allow") != 0))
        return openc2_status(501, "defender-endpoint does contain device and allow device only");
    char id[128];
    json_t *bad = edr_device_id(m->http, &defender, device, id, sizeof id);
    if (bad)
        return bad;
    char url[256];
    snprintf(url, sizeof url, "/api/machines/%s/%s", id, contain ? "isolate" : "unisolate");
    json_t *body = contain ? json_pack("{s:s, s:s}", "Comment", "fedsoar: OpenC2 contain device",
                                       "IsolationType", m->isolation)
                           : json_pack("{s:s}", "Comment", "fedsoar: OpenC2 allow device");
    json_t *res;
    json_t *ans = edr_post_action(m->http, url, body, &res);
    json_decref(body);
    if (ans) {
        const char *action_id = json_string_value(json_object_get(ans, "id"));
        res = openc2_status(200, "Defender %s requested for machine %s (action %s)",
                            contain ? "isolation" : "release", id, action_id ? action_id : "?");
    }
    json_decref(ans);
    return res;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t defender_fields[] = {
    FS_FIELD("isolation_type", FS_S_ENUM("Full", "Selective")),
    FS_FIELDS_END,
};
static const fs_schema_t defender_schema = {.type = FS_SCHEMA_OBJECT,
                                            .fields = {defender_fields, http_client_fields}};

const adapter_plugin_t actuator_defender_endpoint = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_ACTUATOR,
    .type = "defender-endpoint",
    .summary = "OpenC2 contain/allow device -> Defender for Endpoint machine isolate/unisolate",
    .profile = "er",
    .init = init,
    .pairs = edr_pairs,
    .execute = execute,
    .cleanup = cleanup,
    .config_schema = &defender_schema,
};
