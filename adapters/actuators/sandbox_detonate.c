/*  sandbox_detonate.c — actuators "joesandbox" and "anyrun" (profile
    x-sandbox): the OpenC2 `detonate` action (Language Spec v1.0 3.3.1.1)
    at Joe Sandbox and ANY.RUN.

      joesandbox  POST /api/v2/submission/new   apikey, [accept-tac=1,]
                                                url=URI[, systems=S]
                  <- {"data": {"submission_id": "140"}}
      anyrun      POST /v1/analysis             Authorization: API-Key KEY
                                                obj_type=url, obj_url=URI[, env_os=S]
                  <- {"error": false, "data": {"taskid": "UUID"}}

    The response carries {"results": {"x-sandbox": {"sandbox", and
    "submission_id" (Joe) or "taskid" (ANY.RUN)}}}, which the verdict
    analyzers (responders/joesandbox_verdict.c, anyrun_verdict.c) wait on.
    A submission is not idempotent: it is sent once (a 429 is retried: the
    vendor did not take it; nothing else is).

    `detonate file` is not offered: the HTTP client sends bodies as text
    (strlen), so a sample's bytes cannot be uploaded as multipart yet, and
    the project has no case evidence store to take them from (docs/
    connectors.md, "Sandboxes"). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

json_t *joesandbox_submission_id(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *sid = json_object_get(json_object_get(j, "data"), "submission_id");
    json_t *out = NULL;
    if (json_is_string(sid) && json_string_length(sid) > 0 && json_string_length(sid) < 64)
        out = json_incref(sid);
    else if (json_is_integer(sid) && json_integer_value(sid) >= 0)
        out = json_sprintf("%lld", (long long)json_integer_value(sid));
    else
        fs_err_set(e, "Joe Sandbox answer has no data.submission_id");
    json_decref(j);
    return out;
}

/* The first error message of a Joe Sandbox error answer {"errors": [{"message"}]}. */
static const char *jbx_error(const json_t *j)
{
    const char *m = json_string_value(
        json_object_get(json_array_get(json_object_get(j, "errors"), 0), "message"));
    return m ? m : "(no message)";
}

json_t *anyrun_taskid(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *id = json_object_get(json_object_get(j, "data"), "taskid");
    const char *s = json_string_value(id);
    json_t *out = NULL;
    if (json_is_true(json_object_get(j, "error")))
        fs_err_set(e, "ANY.RUN reported an error: %.200s",
                   json_string_value(json_object_get(j, "message"))
                       ? json_string_value(json_object_get(j, "message"))
                       : "(no message)");
    else if (s && *s && strlen(s) < 64 && strspn(s, "0123456789abcdefABCDEF-") == strlen(s))
        out = json_incref(id);
    else
        fs_err_set(e, "ANY.RUN answer has no data.taskid (a UUID)");
    json_decref(j);
    return out;
}

typedef struct detonate {
    http_client_t *http;
    char key[HTTP_SECRET_MAX];
    bool accept_tac;
    char systems[128];
} detonate_t;

static void *init_anyrun(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    if (!json_is_object(config)) {
        fs_err_set(e, "anyrun needs actuator_config.anyrun {\"api_token_file\"} (the file holds "
                      "\"API-Key KEY\")");
        return NULL;
    }
    detonate_t *d = fs_xcalloc(1, sizeof *d);
    if (!(d->http = connector_http_new(config, "actuator anyrun",
                                       "{\"auth\": \"header\", \"api_key_header\": "
                                       "\"Authorization\", \"base_url\": \"https://api.any.run\"}",
                                       e))) {
        free(d);
        return NULL;
    }
    const char *os = json_string_value(json_object_get(config, "env_os"));
    snprintf(d->systems, sizeof d->systems, "%s", os ? os : "");
    return d;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    if (!json_is_object(config)) {
        fs_err_set(
            e, "joesandbox needs actuator_config.joesandbox {\"base_url\", \"api_token_file\"}");
        return NULL;
    }
    detonate_t *d = fs_xcalloc(1, sizeof *d);
    if (http_secret_load(config, "api_token", d->key, sizeof d->key, e) != 0 ||
        !(d->http = connector_http_new(config, "actuator joesandbox", "{\"auth\": \"none\"}", e))) {
        free(d);
        return NULL;
    }
    d->accept_tac = json_is_true(json_object_get(config, "accept_tac"));
    const char *sys = json_string_value(json_object_get(config, "systems"));
    snprintf(d->systems, sizeof d->systems, "%s", sys ? sys : "");
    return d;
}

static void cleanup(void **state_p)
{
    detonate_t *d = *state_p;
    if (!d)
        return;
    http_client_destroy(&d->http);
    memset(d->key, 0, sizeof d->key);
    free(d);
    *state_p = NULL;
}

static json_t *pairs(void *state)
{
    (void)state;
    return json_pack("{s:[s]}", "detonate", "uri");
}

static json_t *execute(void *state, const json_t *command)
{
    detonate_t *d = state;
    const char *action = json_string_value(json_object_get(command, "action"));
    json_t *target = json_object_get(command, "target");
    const char *uri = json_string_value(json_object_get(target, "uri"));
    if (!action || strcmp(action, "detonate") != 0 || !uri)
        return openc2_status(501, "joesandbox does detonate uri only (detonate file needs a "
                                  "binary upload the adapter does not have yet)");
    if (strlen(uri) > 2048)
        return openc2_status(400, "uri is longer than 2048 characters");
    char *qk = http_escape(d->key), *qu = http_escape(uri), *qs = http_escape(d->systems);
    size_t n = strlen(qk) + strlen(qu) + strlen(qs) + 96;
    char *form = fs_xmalloc(n);
    snprintf(form, n, "apikey=%s%s&url=%s%s%s", qk, d->accept_tac ? "&accept-tac=1" : "", qu,
             d->systems[0] ? "&systems=" : "", qs);
    free(qk);
    free(qu);
    free(qs);
    http_response_t r;
    fs_err_t e = {0};
    int rc =
        http_client_request(d->http, "POST", "/api/v2/submission/new", form, HTTP_FORM, &r, &e);
    memset(form, 0, n);
    free(form);
    json_t *res;
    if (rc != 0) {
        json_t *j = r.len ? json_loads(r.body, 0, NULL) : NULL;
        res = openc2_status(r.status == 400 || r.status == 403 ? (int)r.status : 500,
                            "joesandbox: %s%s%s", e.text, j ? ": " : "", j ? jbx_error(j) : "");
        json_decref(j);
    } else {
        json_t *sid = joesandbox_submission_id(r.body, r.len, &e);
        if (!sid) {
            res = openc2_status(500, "joesandbox: POST /api/v2/submission/new: %s", e.text);
        } else {
            res = openc2_status(200, "submitted %.200s to Joe Sandbox as submission %s", uri,
                                json_string_value(sid));
            json_object_set_new(res, "results",
                                json_pack("{s:{s:s, s:o}}", "x-sandbox", "sandbox", "joesandbox",
                                          "submission_id", sid));
        }
    }
    http_response_clear(&r);
    return res;
}

static json_t *execute_anyrun(void *state, const json_t *command)
{
    detonate_t *d = state;
    const char *action = json_string_value(json_object_get(command, "action"));
    const char *uri = json_string_value(json_object_get(json_object_get(command, "target"), "uri"));
    if (!action || strcmp(action, "detonate") != 0 || !uri)
        return openc2_status(501, "anyrun does detonate uri only (detonate file needs a binary "
                                  "upload the adapter does not have yet)");
    if (strlen(uri) > 2048)
        return openc2_status(400, "uri is longer than 2048 characters");
    char *qu = http_escape(uri), *qs = http_escape(d->systems);
    size_t n = strlen(qu) + strlen(qs) + 64;
    char *form = fs_xmalloc(n);
    snprintf(form, n, "obj_type=url&obj_url=%s%s%s", qu, d->systems[0] ? "&env_os=" : "", qs);
    free(qu);
    free(qs);
    http_response_t r;
    fs_err_t e = {0};
    int rc = http_client_request(d->http, "POST", "/v1/analysis", form, HTTP_FORM, &r, &e);
    free(form);
    json_t *res;
    if (rc != 0) {
        json_t *j = r.len ? json_loads(r.body, 0, NULL) : NULL;
        const char *m = json_string_value(json_object_get(j, "message"));
        res = openc2_status(r.status == 400 || r.status == 401 || r.status == 403 ? (int)r.status
                                                                                  : 500,
                            "anyrun: %s%s%s", e.text, m ? ": " : "", m ? m : "");
        json_decref(j);
    } else {
        json_t *id = anyrun_taskid(r.body, r.len, &e);
        if (!id) {
            res = openc2_status(500, "anyrun: POST /v1/analysis: %s", e.text);
        } else {
            res = openc2_status(200, "submitted %.200s to ANY.RUN as task %s", uri,
                                json_string_value(id));
            json_object_set_new(
                res, "results",
                json_pack("{s:{s:s, s:o}}", "x-sandbox", "sandbox", "anyrun", "taskid", id));
        }
    }
    http_response_clear(&r);
    return res;
}

static const fs_schema_field_t anyrun_fields[] = {
    FS_FIELD("env_os", FS_S_STRING_LEN(1, 63)),
    FS_FIELDS_END,
};
static const fs_schema_t anyrun_schema = {.type = FS_SCHEMA_OBJECT,
                                          .fields = {anyrun_fields, http_client_fields}};

const adapter_plugin_t actuator_anyrun = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_ACTUATOR,
    .type = "anyrun",
    .summary = "OpenC2 detonate uri -> ANY.RUN task (API v1); anyrun-verdict waits for the verdict",
    .profile = "x-sandbox",
    .init = init_anyrun,
    .pairs = pairs,
    .execute = execute_anyrun,
    .cleanup = cleanup,
    .config_schema = &anyrun_schema,
};

static const fs_schema_field_t det_fields[] = {
    FS_FIELD("accept_tac", FS_S_BOOL),
    FS_FIELD("systems", FS_S_STRING_LEN(1, 127)),
    FS_FIELDS_END,
};
static const fs_schema_t det_schema = {.type = FS_SCHEMA_OBJECT,
                                       .fields = {det_fields, http_client_fields}};

const adapter_plugin_t actuator_joesandbox = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_ACTUATOR,
    .type = "joesandbox",
    .summary = "OpenC2 detonate uri -> Joe Sandbox submission (API v2); joesandbox-verdict waits "
               "for the verdict",
    .profile = "x-sandbox",
    .init = init,
    .pairs = pairs,
    .execute = execute,
    .cleanup = cleanup,
    .config_schema = &det_schema,
};
