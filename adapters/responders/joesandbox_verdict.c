/*  joesandbox_verdict.c — analyzer "joesandbox-verdict": waits for the
    verdict of a Joe Sandbox submission (the `detonate` of the joesandbox
    actuator, actuators/sandbox_detonate.c) and returns the report's IOCs
    as observables.

      POST /api/v2/submission/info      apikey, submission_id
        -> {"data": {"submission_id", "status": submitted|running|finished,
                     "most_relevant_analysis": {"webid", "detection", "score"}}}
      POST /api/v2/analysis/download    apikey, webid, type=misp
        -> the analysis as a MISP event {"Event": {"Attribute": [...], "Object": [...]}}

    Joe Sandbox takes its key as the form field `apikey` (and Joe Sandbox
    Cloud `accept-tac=1`), so the HTTP client adds no header.  Polling: the
    first wait is poll_initial_s (5), then doubled up to poll_max_s (60),
    until timeout_s (600) has passed — then an error saying the last status.
    Input: {"submission_id"} (or {"data"}).  Result: {"submission_id",
    "status", "verdict" (detection: malicious|suspicious|clean|unknown),
    "score", "webid", "observables": [{"type_id", "type", "value"}],
    "waited_s"}.  The call blocks its caller while it waits. */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JBX_MAX_OBSERVABLES 500

/* The OCSF observable type of a MISP attribute type; 0: not an IOC we return. */
static int observable_type(const char *t, const char **name)
{
    static const struct {
        const char *misp;
        int id;
        const char *name;
    } map[] = {
        {"ip-dst", 2, "IP Address"},
        {"ip-src", 2, "IP Address"},
        {"domain", 1, "Hostname"},
        {"hostname", 1, "Hostname"},
        {"url", 6, "URL String"},
        {"md5", 8, "Hash"},
        {"sha1", 8, "Hash"},
        {"sha256", 8, "Hash"},
        {"email-src", 5, "Email Address"},
        {"filename", 7, "File Name"},
        {"email-dst", 5, "Email Address"},
    };
    for (size_t i = 0; t && i < sizeof map / sizeof *map; i++)
        if (strcmp(t, map[i].misp) == 0) {
            *name = map[i].name;
            return map[i].id;
        }
    return 0;
}

json_t *joesandbox_submission_info(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *d = json_object_get(j, "data");
    const char *status = json_string_value(json_object_get(d, "status"));
    if (!json_is_object(d) || !status) {
        fs_err_set(e, "Joe Sandbox answer has no data.status");
        json_decref(j);
        return NULL;
    }
    json_t *mra = json_object_get(d, "most_relevant_analysis");
    json_t *out = json_pack("{s:s}", "status", status);
    const char *det = json_string_value(json_object_get(mra, "detection"));
    const char *webid = json_string_value(json_object_get(mra, "webid"));
    json_t *score = json_object_get(mra, "score");
    if (det)
        json_object_set_new(out, "verdict", json_string(det));
    if (webid)
        json_object_set_new(out, "webid", json_string(webid));
    if (json_is_integer(score))
        json_object_set(out, "score", score);
    json_decref(j);
    return out;
}

json_t *joesandbox_iocs(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    if (!json_is_object(json_object_get(j, "Event"))) {
        fs_err_set(e, "Joe Sandbox MISP report has no Event object");
        json_decref(j);
        return NULL;
    }
    json_t *attrs = misp_event_attributes(j, false);
    json_decref(j);
    json_t *out = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(attrs, i, a)
    {
        const char *name = NULL;
        const char *value = json_string_value(json_object_get(a, "value"));
        int id = observable_type(json_string_value(json_object_get(a, "type")), &name);
        if (!id || !value || json_array_size(out) >= JBX_MAX_OBSERVABLES)
            continue;
        json_t *ob = json_pack("{s:i, s:s, s:s}", "type_id", id, "type", name, "value", value);
        bool dup = false;
        size_t k;
        json_t *x;
        json_array_foreach(out, k, x) dup = dup || json_equal(x, ob);
        if (dup)
            json_decref(ob);
        else
            json_array_append_new(out, ob);
    }
    json_decref(attrs);
    return out;
}

typedef struct jbx {
    http_client_t *http;
    char key[HTTP_SECRET_MAX];
    bool accept_tac;
    int initial_s, max_s, timeout_s;
} jbx_t;

static int cfg_int(const json_t *config, const char *key, int dflt)
{
    json_t *v = json_object_get(config, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    jbx_t *s = fs_xcalloc(1, sizeof *s);
    if (http_secret_load(config, "api_token", s->key, sizeof s->key, e) != 0 ||
        !(s->http = connector_http_new(config, "joesandbox-verdict", "{\"auth\": \"none\"}", e))) {
        free(s);
        return NULL;
    }
    s->accept_tac = json_is_true(json_object_get(config, "accept_tac"));
    s->initial_s = cfg_int(config, "poll_initial_s", 5);
    s->max_s = cfg_int(config, "poll_max_s", 60);
    s->timeout_s = cfg_int(config, "timeout_s", 600);
    return s;
}

static void cleanup(void **state_p)
{
    jbx_t *s = *state_p;
    if (!s)
        return;
    http_client_destroy(&s->http);
    memset(s->key, 0, sizeof s->key);
    free(s);
    *state_p = NULL;
}

/* POSTs the form `fields` (already escaped) with the key; 0 or -1 with e. */
static int jbx_post(jbx_t *s, const char *path, const char *fields, http_response_t *r, fs_err_t *e)
{
    char *qk = http_escape(s->key);
    size_t n = strlen(qk) + strlen(fields) + 32;
    char *form = fs_xmalloc(n);
    snprintf(form, n, "apikey=%s%s&%s", qk, s->accept_tac ? "&accept-tac=1" : "", fields);
    free(qk);
    int rc = http_client_request(s->http, "POST", path, form, HTTP_IDEMPOTENT | HTTP_FORM, r, e);
    memset(form, 0, n);
    free(form);
    return rc;
}

static void sleep_s(int s)
{
    struct timespec ts = {.tv_sec = s, .tv_nsec = 0};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static json_t *run(void *state, const json_t *input)
{
    jbx_t *s = state;
    static const char *const keys[] = {"submission_id", "data", NULL};
    const char *sid = connector_input_string(input, keys);
    if (!sid || !*sid || strlen(sid) > 64 || strspn(sid, "0123456789") != strlen(sid))
        return connector_error("input needs {\"submission_id\": DIGITS} (the detonate "
                               "response's results.x-sandbox.submission_id)");
    char fields[128];
    snprintf(fields, sizeof fields, "submission_id=%s", sid);
    int64_t start = fs_mono_ms(), wait = s->initial_s;
    json_t *info = NULL;
    for (;;) {
        http_response_t r;
        fs_err_t e = {0};
        if (jbx_post(s, "/api/v2/submission/info", fields, &r, &e) != 0) {
            http_response_clear(&r);
            json_decref(info);
            return connector_error("%s", e.text);
        }
        json_decref(info);
        info = joesandbox_submission_info(r.body, r.len, &e);
        http_response_clear(&r);
        if (!info)
            return connector_error("joesandbox-verdict: submission %s: %s", sid, e.text);
        const char *st = json_string_value(json_object_get(info, "status"));
        if (strcmp(st, "finished") == 0)
            break;
        int64_t left = s->timeout_s * 1000LL - (fs_mono_ms() - start);
        if (left <= 0) {
            json_t *err = connector_error("joesandbox-verdict: submission %s has no verdict after "
                                          "%d s (status %s)",
                                          sid, s->timeout_s, st);
            json_decref(info);
            return err;
        }
        int w = (int)(wait * 1000 < left ? wait : (left + 999) / 1000);
        sleep_s(w);
        wait = wait * 2 > s->max_s ? s->max_s : wait * 2;
    }
    json_object_set_new(info, "submission_id", json_string(sid));
    json_object_set_new(info, "waited_s", json_integer((fs_mono_ms() - start) / 1000));
    const char *webid = json_string_value(json_object_get(info, "webid"));
    json_t *obs = json_array();
    if (webid && strlen(webid) < 64 && strspn(webid, "0123456789") == strlen(webid)) {
        snprintf(fields, sizeof fields, "webid=%s&type=misp", webid);
        http_response_t r;
        fs_err_t e = {0};
        json_t *iocs = NULL;
        if (jbx_post(s, "/api/v2/analysis/download", fields, &r, &e) == 0)
            iocs = joesandbox_iocs(r.body, r.len, &e);
        http_response_clear(&r);
        if (!iocs) {
            json_decref(obs);
            json_decref(info);
            return connector_error("joesandbox-verdict: the IOCs of analysis %s: %s", webid,
                                   e.text);
        }
        json_decref(obs);
        obs = iocs;
    }
    json_object_set_new(info, "observables", obs);
    if (!json_object_get(info, "verdict"))
        json_object_set_new(info, "verdict", json_string("unknown"));
    return connector_ok(info);
}

static const fs_schema_field_t jbx_fields[] = {
    FS_FIELD("accept_tac", FS_S_BOOL),
    FS_FIELD("poll_initial_s", FS_S_INT(1, 600)),
    FS_FIELD("poll_max_s", FS_S_INT(1, 3600)),
    FS_FIELD("timeout_s", FS_S_INT(1, 86400)),
    FS_FIELDS_END,
};
static const fs_schema_t jbx_schema = {.type = FS_SCHEMA_OBJECT,
                                       .fields = {jbx_fields, http_client_fields}};

const adapter_plugin_t connector_joesandbox_verdict = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "joesandbox-verdict",
    .summary = "Joe Sandbox: wait for a submission's verdict (backoff, timeout); the report's "
               "IOCs as observables",
    .init = init,
    .run = run,
    .cleanup = cleanup,
    .config_schema = &jbx_schema,
};
