/*  sandbox_detonate.c — actuator "joesandbox" (profile x-sandbox): the
    OpenC2 `detonate` action (Language Spec v1.0 3.3.1.1) at Joe Sandbox.

      detonate uri  ->  POST /api/v2/submission/new   apikey, [accept-tac=1,]
                                                      url=URI[, systems=S][, comments=C]
                    <-  {"data": {"submission_id": "140"}}

    The response carries {"results": {"x-sandbox": {"sandbox": "joesandbox",
    "submission_id"}}}, which the joesandbox-verdict analyzer
    (responders/joesandbox_verdict.c) waits on.  A submission is not
    idempotent: it is sent once (no retry after a lost answer).

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

typedef struct detonate {
    http_client_t *http;
    char key[HTTP_SECRET_MAX];
    bool accept_tac;
    char systems[128];
} detonate_t;

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
