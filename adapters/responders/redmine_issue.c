/*  redmine_issue.c — responder "redmine-issue": opens, reads, updates,
    resolves and closes Redmine issues through its REST API (JSON), with
    the user's API key in X-Redmine-API-Key.
      create   POST /issues.json            {"issue": {project_id, subject, description,
                                              tracker_id?, priority_id?, custom_fields}}
      get      GET  /issues/{id}.json
      update   PUT  /issues/{id}.json       {"issue": {"notes"?, "status_id"?}}
      resolve  PUT  … status_id = resolved_status_id (default 3, "Resolved")
      close    PUT  … status_id = closed_status_id (default 5, "Closed")
    Input "op" picks one (default: "update" when the input has "id", else
    "create").  create takes "summary" (or "subject"/"title"), "description"
    (or "text") and "case_id", which goes into the custom field
    case_field_id when the config names one (Redmine identifies a custom
    field by its numeric id).  Result: create {"id", "url", "action":
    "created"}; get {"id", "subject", "status_id", "status", "state":
    "open"|"resolved"|"closed"}; update/resolve/close {"id", "action"}.
    This is the ticket contract the manual actuator speaks (actuators/manual.c).
    Errors: 401 (a wrong key: Redmine answers with an empty body), 404, and
    422 with Redmine's "errors" array, quoted.  Redmine has no API rate
    limit of its own; a 429 from a proxy in front of it is honoured by the
    HTTP client (Retry-After).  Creating is not idempotent, so a 5xx is not
    retried; a PUT is (it sets fields). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

json_t *redmine_parse_issue(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *issue = json_object_get(j, "issue");
    json_t *id = json_object_get(issue, "id");
    json_t *status = json_object_get(issue, "status");
    json_t *res = NULL;
    if (!json_is_integer(id) || json_integer_value(id) <= 0)
        fs_err_set(e, "Redmine answered without issue.id (a positive integer)");
    else if (json_object_get(issue, "status") && !json_is_integer(json_object_get(status, "id")))
        fs_err_set(e, "Redmine answered issue.status without an integer id");
    else
        res = json_pack(
            "{s:I, s:O?, s:O?, s:O?, s:b}", "id", json_integer_value(id), "subject",
            json_is_string(json_object_get(issue, "subject")) ? json_object_get(issue, "subject")
                                                              : NULL,
            "status_id", json_object_get(status, "id"), "status",
            json_is_string(json_object_get(status, "name")) ? json_object_get(status, "name")
                                                            : NULL,
            "is_closed", json_is_true(json_object_get(status, "is_closed")));
    json_decref(j);
    return res;
}

void redmine_error_text(const char *body, size_t len, char *out, size_t size)
{
    out[0] = '\0';
    json_t *j = json_loadb(body, len, 0, NULL);
    size_t i, used = 0;
    json_t *v;
    json_array_foreach(json_object_get(j, "errors"), i, v)
    {
        const char *s = json_string_value(v);
        if (!s || used + 3 >= size)
            continue;
        int n = snprintf(out + used, size - used, "%s%.200s", used ? "; " : "", s);
        if (n < 0)
            break;
        used = (size_t)n >= size - used ? size - 1 : used + (size_t)n;
    }
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    json_decref(j);
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    json_t *project = json_object_get(config, "project_id");
    if (!json_is_string(project) && !json_is_integer(project)) {
        fs_err_set(e, "project_id: required (the Redmine project's identifier or numeric id)");
        return NULL;
    }
    return connector_http_state(
        config, "redmine", "{\"auth\": \"header\", \"api_key_header\": \"X-Redmine-API-Key\"}", e);
}

/* Redmine's default statuses: 3 "Resolved", 5 "Closed". */
#define REDMINE_RESOLVED 3
#define REDMINE_CLOSED 5

static json_int_t cfg_int(const connector_http_t *s, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(s->config, key));
    if (v <= 0 && strcmp(key, "resolved_status_id") == 0)
        return REDMINE_RESOLVED;
    if (v <= 0 && strcmp(key, "closed_status_id") == 0)
        return REDMINE_CLOSED;
    return v;
}

/* One call whose answer is an issue (create, get) or nothing (PUT). */
static json_t *call(connector_http_t *s, const char *method, const char *url, json_t *body,
                    int flags, json_t **issue)
{
    http_response_t r;
    fs_err_t e = {0};
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    int rc = http_client_request(s->http, method, url, text, flags, &r, &e);
    free(text);
    json_t *err = NULL;
    if (rc != 0) {
        char why[600];
        redmine_error_text(r.body ? r.body : "", r.len, why, sizeof why);
        err = connector_error("%s%s%s%s", e.text, why[0] ? ": " : "", why,
                              r.status == 401 ? " (check the API key and that the REST API is "
                                                "enabled in Administration > Settings > API)"
                                              : "");
    } else if (issue && !(*issue = redmine_parse_issue(r.body, r.len, &e))) {
        err = connector_error("%s %s: %s", method, url, e.text);
    }
    http_response_clear(&r);
    return err;
}

static json_t *create(connector_http_t *s, const json_t *input)
{
    static const char *const sk[] = {"summary", "subject", "title", NULL}, *const dk[] = {
                                                                               "description",
                                                                               "text", NULL};
    const char *subject = connector_input_string(input, sk);
    const char *desc = connector_input_string(input, dk);
    if (!subject || !*subject)
        return connector_error("input needs \"summary\" (or \"subject\") to open an issue");
    json_t *issue =
        json_pack("{s:O, s:s%, s:s}", "project_id", json_object_get(s->config, "project_id"),
                  "subject", subject, strlen(subject) > 255 ? (size_t)255 : strlen(subject),
                  "description", desc ? desc : "");
    if (!issue)
        return connector_error("summary or description is not valid UTF-8");
    static const char *const ints[] = {"tracker_id", "priority_id", NULL};
    for (size_t i = 0; ints[i]; i++)
        if (cfg_int(s, ints[i]) > 0)
            json_object_set_new(issue, ints[i], json_integer(cfg_int(s, ints[i])));
    json_t *case_id = json_object_get(input, "case_id");
    if (cfg_int(s, "case_field_id") > 0 && (json_is_string(case_id) || json_is_integer(case_id))) {
        char value[32];
        if (json_is_integer(case_id))
            snprintf(value, sizeof value, "%lld", (long long)json_integer_value(case_id));
        else
            snprintf(value, sizeof value, "%.31s", json_string_value(case_id));
        json_object_set_new(
            issue, "custom_fields",
            json_pack("[{s:I, s:s}]", "id", cfg_int(s, "case_field_id"), "value", value));
    }
    json_t *body = json_pack("{s:o}", "issue", issue), *got = NULL;
    json_t *err = call(s, "POST", "/issues.json", body, 0, &got);
    json_decref(body);
    if (err)
        return err;
    char url[1200];
    json_int_t id = json_integer_value(json_object_get(got, "id"));
    snprintf(url, sizeof url, "%s/issues/%lld", http_client_base(s->http), (long long)id);
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    json_t *res = json_pack("{s:s, s:s, s:s}", "id", idtext, "url", url, "action", "created");
    json_decref(got);
    return connector_ok(res);
}

/* The issue id of input "id": a positive integer or its decimal text. */
static json_int_t issue_id(const json_t *input)
{
    const json_t *id = json_object_get(input, "id");
    if (json_is_integer(id))
        return json_integer_value(id);
    const char *s = json_string_value(id);
    if (!s || !*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
        return -1;
    return strtoll(s, NULL, 10);
}

static json_t *get(connector_http_t *s, json_int_t id)
{
    char url[64];
    snprintf(url, sizeof url, "/issues/%lld.json", (long long)id);
    json_t *got = NULL, *err = call(s, "GET", url, NULL, HTTP_IDEMPOTENT, &got);
    if (err)
        return err;
    json_int_t st = json_integer_value(json_object_get(got, "status_id"));
    const char *state =
        json_is_true(json_object_get(got, "is_closed")) || st == cfg_int(s, "closed_status_id")
            ? "closed"
        : st == cfg_int(s, "resolved_status_id") ? "resolved"
                                                 : "open";
    json_object_set_new(got, "state", json_string(state));
    json_object_del(got, "is_closed");
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    json_object_set_new(got, "id", json_string(idtext));
    return connector_ok(got);
}

static json_t *put(connector_http_t *s, json_int_t id, const json_t *input, json_int_t status,
                   const char *action)
{
    json_t *issue = json_object();
    json_t *notes = json_object_get(input, "notes");
    if (!notes)
        notes = json_object_get(input, "text");
    if (json_is_string(notes))
        json_object_set(issue, "notes", notes);
    if (status <= 0 && json_is_integer(json_object_get(input, "status_id")))
        status = json_integer_value(json_object_get(input, "status_id"));
    if (status > 0)
        json_object_set_new(issue, "status_id", json_integer(status));
    if (json_object_size(issue) == 0) {
        json_decref(issue);
        return connector_error("input has \"id\" but nothing to change (notes, status_id)");
    }
    char url[64];
    snprintf(url, sizeof url, "/issues/%lld.json", (long long)id);
    json_t *body = json_pack("{s:o}", "issue", issue);
    json_t *err = call(s, "PUT", url, body, HTTP_IDEMPOTENT, NULL);
    json_decref(body);
    if (err)
        return err;
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    return connector_ok(json_pack("{s:s, s:s}", "id", idtext, "action", action));
}

static json_t *run(void *state, const json_t *input)
{
    connector_http_t *s = state;
    const char *op = json_string_value(json_object_get(input, "op"));
    if (!op)
        op = json_object_get(input, "id") ? "update" : "create";
    if (strcmp(op, "create") == 0)
        return create(s, input);
    json_int_t id = issue_id(input);
    if (id <= 0)
        return connector_error("op \"%.20s\" needs \"id\": a Redmine issue number", op);
    if (strcmp(op, "get") == 0)
        return get(s, id);
    if (strcmp(op, "update") == 0)
        return put(s, id, input, 0, "updated");
    if (strcmp(op, "resolve") == 0)
        return put(s, id, input, cfg_int(s, "resolved_status_id"), "resolved");
    if (strcmp(op, "close") == 0)
        return put(s, id, input, cfg_int(s, "closed_status_id"), "closed");
    return connector_error("op \"%.20s\": one of create, get, update, resolve, close", op);
}

/* The written schema of its config (docs/connectors.md). */
static const fs_schema_field_t redmine_fields[] = {
    FS_REQUIRED("project_id", FS_S_ANY),
    FS_FIELD("tracker_id", FS_S_INT(1, 1000000000)),
    FS_FIELD("priority_id", FS_S_INT(1, 1000000000)),
    FS_FIELD("case_field_id", FS_S_INT(1, 1000000000)),
    FS_FIELD("resolved_status_id", FS_S_INT(1, 1000000000)),
    FS_FIELD("closed_status_id", FS_S_INT(1, 1000000000)),
    FS_FIELDS_END,
};
static const fs_schema_t redmine_schema = {.type = FS_SCHEMA_OBJECT,
                                           .fields = {redmine_fields, http_client_fields}};

const adapter_plugin_t connector_redmine_issue = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "redmine-issue",
    .summary = "responder: open, read, update, resolve or close a Redmine issue (REST API)",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &redmine_schema,
};
