/*  defender_isolate.c — actuator "defender-endpoint": OpenC2 endpoint
    response on Microsoft Defender for Endpoint machine isolation.

      contain device → POST /api/machines/{id}/isolate   {"Comment", "IsolationType": "Full"|"Selective"}
      allow device   → POST /api/machines/{id}/unisolate {"Comment"}
    The machine id comes from target.device.device_id, else from
    target.device.hostname through GET /api/machines?$filter=computerDnsName eq 'NAME'.
    Needs the application permission Machine.Isolate (and Machine.Read.All
    for hostname look-ups). OAuth2 client credentials against the
    configured token_url (https://login.microsoftonline.com/TENANT/oauth2/v2.0/token). */
#include "connectors.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    http_client_t *http;
    char isolation[16];
} mde_t;

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
    if (!json_is_object(config)) {
        fs_err_set(e, "needs \"actuator_config\": {\"defender-endpoint\": {\"base_url\", \"token_url\", "
                      "\"client_id\", \"client_secret_file\" | \"client_secret_env\"}}");
        return NULL;
    }
    json_t *c = json_deep_copy(config);
    if (!json_object_get(c, "auth"))
        json_object_set_new(c, "auth", json_string("oauth2"));
    if (!json_object_get(c, "scope"))
        json_object_set_new(c, "scope", json_string("https://api.securitycenter.microsoft.com/.default"));
    mde_t *m = calloc(1, sizeof *m);
    const char *iso = json_string_value(json_object_get(config, "isolation_type"));
    snprintf(m->isolation, sizeof m->isolation, "%s", iso && strcmp(iso, "Selective") == 0 ? "Selective" : "Full");
    m->http = http_client_new(c, "defender-endpoint", e);
    json_decref(c);
    if (!m->http) {
        free(m);
        return NULL;
    }
    return m;
}

static json_t *pairs(void *state)
{
    (void)state;
    return json_pack("{s:[s], s:[s]}", "contain", "device", "allow", "device");
}

static json_t *machine_id(mde_t *m, const json_t *device, char *id, size_t size)
{
    const char *did = json_string_value(json_object_get(device, "device_id"));
    if (did) {
        if (strlen(did) >= size || strpbrk(did, "/?#&'\" %"))
            return openc2_status(400, "device_id \"%.80s\" is not a Defender machine id", did);
        snprintf(id, size, "%s", did);
        return NULL;
    }
    const char *host = json_string_value(json_object_get(device, "hostname"));
    if (!host)
        return openc2_status(400, "contain device needs target.device.device_id or hostname");
    if (strpbrk(host, "'\\") || strlen(host) > 253)
        return openc2_status(400, "hostname \"%.80s\" cannot be looked up", host);
    char filter[300], url[1024];
    snprintf(filter, sizeof filter, "computerDnsName eq '%s'", host);
    char *q = http_escape(filter);
    snprintf(url, sizeof url, "/api/machines?$filter=%s", q);
    free(q);
    http_response_t r;
    fs_err_t e = {{0}};
    if (http_client_request(m->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e) != 0) {
        http_response_clear(&r);
        return openc2_status(500, "%s", e.text);
    }
    json_t *machines = graph_parse_page(r.body, r.len, NULL, &e);
    http_response_clear(&r);
    if (!machines)
        return openc2_status(500, "defender-endpoint: machine lookup: %s", e.text);
    const char *mid = json_string_value(json_object_get(json_array_get(machines, 0), "id"));
    json_t *res = NULL;
    if (json_array_size(machines) == 0 || !mid)
        res = openc2_status(404, "Defender knows no machine named %s", host);
    else if (json_array_size(machines) > 1)
        res = openc2_status(400, "hostname %s matches several Defender machines; name the device_id", host);
    else if (strlen(mid) >= size || strpbrk(mid, "/?#&'\" %"))
        res = openc2_status(500, "Defender returned an unusable machine id");
    else
        snprintf(id, size, "%s", mid);
    json_decref(machines);
    return res;
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
    json_t *bad = machine_id(m, device, id, sizeof id);
    if (bad)
        return bad;
    char url[256];
    snprintf(url, sizeof url, "/api/machines/%s/%s", id, contain ? "isolate" : "unisolate");
    json_t *body = contain ? json_pack("{s:s, s:s}", "Comment", "fedsoar: OpenC2 contain device", "IsolationType",
                                       m->isolation)
                           : json_pack("{s:s}", "Comment", "fedsoar: OpenC2 allow device");
    http_response_t r;
    fs_err_t e = {{0}};
    json_t *ans = http_client_json(m->http, "POST", url, body, HTTP_IDEMPOTENT, &r, &e);
    json_decref(body);
    json_t *res;
    if (!ans)
        res = openc2_status(r.status == 404 ? 404 : 500, "%s", e.text);
    else
        res = openc2_status(200, "Defender %s requested for machine %s (action %s)", contain ? "isolation" : "release",
                            id, json_string_value(json_object_get(ans, "id")) ? json_string_value(json_object_get(ans, "id")) : "?");
    json_decref(ans);
    http_response_clear(&r);
    return res;
}

const actuator_ops_t actuator_defender_endpoint = {
    .api_version = ACTUATOR_API_VERSION,
    .name = "defender-endpoint",
    .profile = "er",
    .init = init,
    .pairs = pairs,
    .execute = execute,
    .cleanup = cleanup,
};
