/*  jira_issue.c — responder "jira-issue": opens, reads and closes Jira issues.
      POST /rest/api/2/issue
      {"fields": {"project": {"key": P}, "summary", "description", "issuetype": {"name": T},
   "labels"}} Config: base_url, project_key, issue_type ("Task"), username + api_token_file|_env
    (basic auth with an Atlassian API token). Input: "summary" (or "title"),
    "description" (or "text"), optional "labels". Not retried after a 5xx:
    creating an issue is not idempotent.

    It also speaks the ticket contract of the manual actuator
    (docs/connectors.md, "Ticket contract"), chosen by input "op":
      create  as above; "case_id" becomes the label fedsoar-case-N; the
              result's "id" is the issue's id (Jira takes id or key in URLs)
      get     GET /rest/api/2/issue/{id}?fields=status,summary → "state":
              "closed" when the status is named closed_status ("Closed"),
              "resolved" when its statusCategory is "done", else "open"
      close   POST /rest/api/2/issue/{id}/comment {"body": notes}, then the
              transition to closed_status if the workflow offers one now
              (GET …/transitions; POST …/transitions {"transition": {"id"}});
              an issue already in a done status without such a transition
              keeps its status (the comment says the outcome). */
#include "connector_support.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    const char *project = json_string_value(json_object_get(config, "project_key"));
    if (!project || !*project) {
        fs_err_set(e, "project_key: required (the Jira project to open tickets in)");
        return NULL;
    }
    return connector_http_state(config, "jira", "{\"auth\": \"basic\", \"issue_type\": \"Task\"}",
                                e);
}

static json_t *create(connector_http_t *s, const json_t *input);

static bool issue_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n <= 64 &&
           strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

static json_t *get_issue(connector_http_t *s, const char *id)
{
    char url[160];
    snprintf(url, sizeof url, "/rest/api/2/issue/%s?fields=status,summary", id);
    fs_err_t e = {0};
    json_t *ans = http_client_json(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, NULL, &e);
    if (!ans)
        return connector_error("%s", e.text);
    const json_t *status = json_object_get(json_object_get(ans, "fields"), "status");
    const char *name = json_string_value(json_object_get(status, "name"));
    const char *cat =
        json_string_value(json_object_get(json_object_get(status, "statusCategory"), "key"));
    const char *closed = json_string_value(json_object_get(s->config, "closed_status"));
    if (!name || !cat) {
        json_decref(ans);
        return connector_error("Jira answered issue %s without fields.status.name and "
                               "statusCategory.key",
                               id);
    }
    const char *state = strcasecmp(name, closed ? closed : "Closed") == 0 ? "closed"
                        : strcmp(cat, "done") == 0                        ? "resolved"
                                                                          : "open";
    json_t *res =
        json_pack("{s:s, s:O?, s:s, s:s, s:s}", "id", id, "key", json_object_get(ans, "key"),
                  "status", name, "status_category", cat, "state", state);
    json_decref(ans);
    return connector_ok(res);
}

static json_t *close_issue(connector_http_t *s, const char *id, const char *notes)
{
    char url[160];
    snprintf(url, sizeof url, "/rest/api/2/issue/%s/comment", id);
    fs_err_t e = {0};
    json_t *body = json_pack("{s:s}", "body", notes ? notes : "closed by fedsoar");
    json_t *ans = http_client_json(s->http, "POST", url, body, 0, NULL, &e);
    json_decref(body);
    if (!ans)
        return connector_error("comment on %s: %s", id, e.text);
    json_decref(ans);
    snprintf(url, sizeof url, "/rest/api/2/issue/%s/transitions", id);
    ans = http_client_json(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, NULL, &e);
    if (!ans)
        return connector_error("transitions of %s: %s", id, e.text);
    const char *closed = json_string_value(json_object_get(s->config, "closed_status"));
    if (!closed)
        closed = "Closed";
    const char *tid = NULL;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(ans, "transitions"), i, t)
    {
        const char *to = json_string_value(json_object_get(json_object_get(t, "to"), "name"));
        if (to && strcasecmp(to, closed) == 0 && !tid)
            tid = json_string_value(json_object_get(t, "id"));
    }
    json_t *res;
    if (!tid) {
        res = connector_ok(json_pack("{s:s, s:s, s:s}", "id", id, "action", "commented", "note",
                                     "no transition to the closed status from the issue's "
                                     "status: it keeps it"));
    } else {
        body = json_pack("{s:{s:s}}", "transition", "id", tid);
        json_t *done = http_client_json(s->http, "POST", url, body, HTTP_IDEMPOTENT, NULL, &e);
        json_decref(body);
        res = done ? connector_ok(json_pack("{s:s, s:s, s:s}", "id", id, "action", "closed",
                                            "transition", tid))
                   : connector_error("transition %s of %s: %s", tid, id, e.text);
        json_decref(done);
    }
    json_decref(ans);
    return res;
}

static json_t *run(void *state, const json_t *input)
{
    connector_http_t *s = state;
    const char *op = json_string_value(json_object_get(input, "op"));
    if (!op || strcmp(op, "create") == 0)
        return create(s, input);
    const json_t *idj = json_object_get(input, "id");
    char id[80] = "";
    if (json_is_string(idj))
        snprintf(id, sizeof id, "%s", json_string_value(idj));
    else if (json_is_integer(idj))
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(idj));
    if (strcmp(op, "get") != 0 && strcmp(op, "close") != 0)
        return connector_error("op \"%.40s\": create, get or close", op);
    if (!issue_id_ok(id))
        return connector_error("op %s needs \"id\": a Jira issue id or key", op);
    return strcmp(op, "get") == 0
               ? get_issue(s, id)
               : close_issue(s, id, json_string_value(json_object_get(input, "notes")));
}

static json_t *create(connector_http_t *s, const json_t *input)
{
    static const char *const sk[] = {"summary", "title", NULL}, *const dk[] = {"description",
                                                                               "text", NULL};
    const char *summary = connector_input_string(input, sk);
    const char *desc = connector_input_string(input, dk);
    if (!summary)
        return connector_error("input needs \"summary\"");
    const char *type = json_string_value(json_object_get(s->config, "issue_type"));
    json_t *fields =
        json_pack("{s:{s:s}, s:s%, s:s, s:{s:s}}", "project", "key",
                  json_string_value(json_object_get(s->config, "project_key")), "summary", summary,
                  strlen(summary) > 250 ? (size_t)250 : strlen(summary), "description",
                  desc ? desc : "", "issuetype", "name", type ? type : "Task");
    if (!fields)
        return connector_error("summary or description is not valid UTF-8");
    json_t *labels = json_object_get(input, "labels");
    if (json_is_array(labels))
        json_object_set_new(fields, "labels", json_deep_copy(labels));
    json_t *case_id = json_object_get(input, "case_id");
    if (json_is_integer(case_id)) {
        if (!json_is_array(json_object_get(fields, "labels")))
            json_object_set_new(fields, "labels", json_array());
        json_array_append_new(
            json_object_get(fields, "labels"),
            json_sprintf("fedsoar-case-%lld", (long long)json_integer_value(case_id)));
    }
    json_t *body = json_pack("{s:o}", "fields", fields);
    http_response_t r;
    fs_err_t e = {0};
    json_t *ans = http_client_json(s->http, "POST", "/rest/api/2/issue", body, 0, &r, &e);
    json_decref(body);
    http_response_clear(&r);
    if (!ans)
        return connector_error("%s", e.text);
    const char *key = json_string_value(json_object_get(ans, "key"));
    if (!key) {
        json_decref(ans);
        return connector_error("Jira answered without an issue key");
    }
    char url[1200];
    snprintf(url, sizeof url, "%s/browse/%s", http_client_base(s->http), key);
    json_t *res =
        json_pack("{s:s, s:O?, s:s}", "key", key, "id", json_object_get(ans, "id"), "url", url);
    json_decref(ans);
    return connector_ok(res);
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t jira_fields[] = {
    FS_REQUIRED("project_key", FS_S_STRING),
    FS_FIELD("issue_type", FS_S_STRING),
    FS_FIELD("closed_status", FS_S_STRING_LEN(1, 64)),
    FS_FIELDS_END,
};
static const fs_schema_t jira_schema = {.type = FS_SCHEMA_OBJECT,
                                        .fields = {jira_fields, http_client_fields}};

const adapter_plugin_t connector_jira_issue = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "jira-issue",
    .summary = "responder: open, read or close a Jira issue (/rest/api/2/issue); speaks the "
               "ticket contract (op create/get/close)",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &jira_schema,
};
