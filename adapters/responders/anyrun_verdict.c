/*  anyrun_verdict.c — analyzer "anyrun-verdict": waits for the verdict of
    an ANY.RUN task (the `detonate` of the anyrun actuator,
    actuators/sandbox_detonate.c) and returns its IOCs as observables.

      GET /v1/analysis/{taskid}        Authorization: API-Key KEY
        -> {"error": false, "data": {"status": "done"|..., "analysis":
              {"scores": {"verdict": {"score", "threatLevel",
                                      "threatLevelText"}}}}}
      GET /report/{taskid}/ioc/json    the IOCs: [{"category", "type",
                                        "ioc", "reputation"}]

    Polling as joesandbox-verdict: poll_initial_s (5), doubled up to
    poll_max_s (60), until timeout_s (600).  Input: {"taskid"} (or
    {"data"}).  Result: {"taskid", "status", "verdict" (threatLevel 2:
    malicious, 1: suspicious, 0: clean), "verdict_text", "score",
    "observables": [{"type_id", "type", "value", "reputation"}],
    "waited_s"}.  The call blocks its caller while it waits. */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ANYRUN_MAX_OBSERVABLES 500

json_t *anyrun_task_status(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *d = json_object_get(j, "data");
    const char *status = json_string_value(json_object_get(d, "status"));
    if (json_is_true(json_object_get(j, "error")) || !status) {
        const char *m = json_string_value(json_object_get(j, "message"));
        fs_err_set(e, "ANY.RUN answer has no data.status%s%.200s", m ? ": " : "", m ? m : "");
        json_decref(j);
        return NULL;
    }
    json_t *v =
        json_object_get(json_object_get(json_object_get(d, "analysis"), "scores"), "verdict");
    json_t *out = json_pack("{s:s}", "status", status);
    json_t *lvl = json_object_get(v, "threatLevel");
    if (json_is_integer(lvl)) {
        json_int_t l = json_integer_value(lvl);
        json_object_set_new(out, "verdict",
                            json_string(l >= 2   ? "malicious"
                                        : l == 1 ? "suspicious"
                                                 : "clean"));
    }
    const char *text = json_string_value(json_object_get(v, "threatLevelText"));
    if (text)
        json_object_set_new(out, "verdict_text", json_string(text));
    json_t *score = json_object_get(v, "score");
    if (json_is_integer(score))
        json_object_set(out, "score", score);
    json_decref(j);
    return out;
}

json_t *anyrun_iocs(const char *body, size_t len, fs_err_t *e)
{
    static const struct {
        const char *type;
        int id;
        const char *name;
    } map[] = {
        {"ip", 2, "IP Address"}, {"domain", 1, "Hostname"}, {"url", 6, "URL String"},
        {"sha256", 8, "Hash"},   {"sha1", 8, "Hash"},       {"md5", 8, "Hash"},
    };
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    if (!json_is_array(j)) {
        fs_err_set(e, "ANY.RUN IOC report is not an array");
        json_decref(j);
        return NULL;
    }
    json_t *out = json_array();
    size_t i;
    json_t *ioc;
    json_array_foreach(j, i, ioc)
    {
        const char *type = json_string_value(json_object_get(ioc, "type"));
        const char *value = json_string_value(json_object_get(ioc, "ioc"));
        if (!type || !value || json_array_size(out) >= ANYRUN_MAX_OBSERVABLES)
            continue;
        for (size_t k = 0; k < sizeof map / sizeof *map; k++) {
            if (strcmp(type, map[k].type) != 0)
                continue;
            json_t *ob = json_pack("{s:i, s:s, s:s}", "type_id", map[k].id, "type", map[k].name,
                                   "value", value);
            json_t *rep = json_object_get(ioc, "reputation");
            if (json_is_integer(rep))
                json_object_set(ob, "reputation", rep);
            json_array_append_new(out, ob);
            break;
        }
    }
    json_decref(j);
    return out;
}

typedef struct anyrun {
    http_client_t *http;
    int initial_s, max_s, timeout_s;
} anyrun_t;

static int cfg_int(const json_t *config, const char *key, int dflt)
{
    json_t *v = json_object_get(config, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    anyrun_t *s = fs_xcalloc(1, sizeof *s);
    if (!(s->http = connector_http_new(config, "anyrun-verdict",
                                       "{\"auth\": \"header\", \"api_key_header\": "
                                       "\"Authorization\", \"base_url\": \"https://api.any.run\"}",
                                       e))) {
        free(s);
        return NULL;
    }
    s->initial_s = cfg_int(config, "poll_initial_s", 5);
    s->max_s = cfg_int(config, "poll_max_s", 60);
    s->timeout_s = cfg_int(config, "timeout_s", 600);
    return s;
}

static void cleanup(void **state_p)
{
    anyrun_t *s = *state_p;
    if (!s)
        return;
    http_client_destroy(&s->http);
    free(s);
    *state_p = NULL;
}

static void sleep_s(int s)
{
    struct timespec ts = {.tv_sec = s, .tv_nsec = 0};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static json_t *run(void *state, const json_t *input)
{
    anyrun_t *s = state;
    static const char *const keys[] = {"taskid", "data", NULL};
    const char *id = connector_input_string(input, keys);
    if (!id || !*id || strlen(id) > 63 || strspn(id, "0123456789abcdefABCDEF-") != strlen(id))
        return connector_error("input needs {\"taskid\": UUID} (the detonate response's "
                               "results.x-sandbox.taskid)");
    char url[128];
    snprintf(url, sizeof url, "/v1/analysis/%s", id);
    int64_t start = fs_mono_ms(), wait = s->initial_s;
    json_t *info = NULL;
    for (;;) {
        http_response_t r;
        fs_err_t e = {0};
        int rc = http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e);
        json_decref(info);
        info = rc == 0 ? anyrun_task_status(r.body, r.len, &e) : NULL;
        http_response_clear(&r);
        if (!info)
            return connector_error("anyrun-verdict: task %s: %s", id, e.text);
        const char *st = json_string_value(json_object_get(info, "status"));
        if (strcmp(st, "done") == 0)
            break;
        if (strcmp(st, "failed") == 0) {
            json_decref(info);
            return connector_error("anyrun-verdict: task %s failed at ANY.RUN", id);
        }
        int64_t left = s->timeout_s * 1000LL - (fs_mono_ms() - start);
        if (left <= 0) {
            json_t *err =
                connector_error("anyrun-verdict: task %s has no verdict after %d s (status %s)", id,
                                s->timeout_s, st);
            json_decref(info);
            return err;
        }
        sleep_s((int)(wait * 1000 < left ? wait : (left + 999) / 1000));
        wait = wait * 2 > s->max_s ? s->max_s : wait * 2;
    }
    json_object_set_new(info, "taskid", json_string(id));
    json_object_set_new(info, "waited_s", json_integer((fs_mono_ms() - start) / 1000));
    if (!json_object_get(info, "verdict"))
        json_object_set_new(info, "verdict", json_string("unknown"));
    snprintf(url, sizeof url, "/report/%s/ioc/json", id);
    http_response_t r;
    fs_err_t e = {0};
    json_t *obs = NULL;
    if (http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e) == 0)
        obs = anyrun_iocs(r.body, r.len, &e);
    http_response_clear(&r);
    if (!obs) {
        json_decref(info);
        return connector_error("anyrun-verdict: the IOCs of task %s: %s", id, e.text);
    }
    json_object_set_new(info, "observables", obs);
    return connector_ok(info);
}

static const fs_schema_field_t anyrun_fields[] = {
    FS_FIELD("poll_initial_s", FS_S_INT(1, 600)),
    FS_FIELD("poll_max_s", FS_S_INT(1, 3600)),
    FS_FIELD("timeout_s", FS_S_INT(1, 86400)),
    FS_FIELDS_END,
};
static const fs_schema_t anyrun_schema = {.type = FS_SCHEMA_OBJECT,
                                          .fields = {anyrun_fields, http_client_fields}};

const adapter_plugin_t connector_anyrun_verdict = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "anyrun-verdict",
    .summary = "ANY.RUN: wait for a task's verdict (backoff, timeout); its IOCs as observables",
    .init = init,
    .run = run,
    .cleanup = cleanup,
    .config_schema = &anyrun_schema,
};
