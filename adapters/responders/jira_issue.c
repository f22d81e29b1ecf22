/*  jira_issue.c — responder "jira-issue": opens a Jira ticket.
      POST /rest/api/2/issue
      {"fields": {"project": {"key": P}, "summary", "description", "issuetype": {"name": T},
   "labels"}} Config: base_url, project_key, issue_type ("Task"), username + api_token_file|_env
    (basic auth with an Atlassian API token). Input: "summary" (or "title"),
    "description" (or "text"), optional "labels". Not retried after a 5xx:
    creating an issue is not idempotent. */
#include "connector_support.h"

#include <stdlib.h>
#include <string.h>

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

static json_t *run(void *state, const json_t *input)
{
    connector_http_t *s = state;
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
        json_object_set(fields, "labels", labels);
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
    FS_FIELDS_END,
};
static const fs_schema_t jira_schema = {.type = FS_SCHEMA_OBJECT,
                                        .fields = {jira_fields, http_client_fields}};

const adapter_plugin_t connector_jira_issue = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "jira-issue",
    .summary = "responder: open a Jira issue (/rest/api/2/issue)",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &jira_schema,
};
