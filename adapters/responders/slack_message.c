/*  slack_message.c — responder "slack-message": posts to a Slack channel.
      POST /api/chat.postMessage  {"channel", "text"}   Authorization: Bearer xoxb-…
    Slack answers 200 with {"ok": false, "error": "…"} for most failures;
    that is an error here.  Config: base_url ("https://slack.com"), channel
    (default for inputs without one), api_token_file|_env (a bot token with
    chat:write).  Input: "text" (or "message"), optional "channel". */
#include "connector_support.h"

#include <stdlib.h>
#include <string.h>

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return connector_http_state(config, "slack",
                                "{\"auth\": \"bearer\", \"base_url\": \"https://slack.com\"}", e);
}

static json_t *run(void *state, const json_t *input)
{
    connector_http_t *s = state;
    static const char *const tk[] = {"text", "message", NULL}, *const ck[] = {"channel", NULL};
    const char *text = connector_input_string(input, tk);
    const char *channel = connector_input_string(input, ck);
    if (!channel)
        channel = json_string_value(json_object_get(s->config, "channel"));
    if (!text || !channel)
        return connector_error("input needs \"text\", and \"channel\" unless the config names one");
    if (strlen(text) > 40000)
        return connector_error("text longer than Slack's 40000 characters");
    json_t *body = json_pack("{s:s, s:s}", "channel", channel, "text", text);
    http_response_t r;
    fs_err_t e = {0};
    json_t *ans = http_client_json(s->http, "POST", "/api/chat.postMessage", body, 0, &r, &e);
    json_decref(body);
    http_response_clear(&r);
    if (!ans)
        return connector_error("%s", e.text);
    json_t *res;
    if (!json_is_true(json_object_get(ans, "ok"))) {
        const char *err = json_string_value(json_object_get(ans, "error"));
        res = connector_error("Slack refused the message: %.100s", err ? err : "unknown error");
    } else {
        res = connector_ok(
            json_pack("{s:s, s:O?}", "channel", channel, "ts", json_object_get(ans, "ts")));
    }
    json_decref(ans);
    return res;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t slack_fields[] = {
    FS_FIELD("channel", FS_S_STRING),
    FS_FIELDS_END,
};
static const fs_schema_t slack_schema = {.type = FS_SCHEMA_OBJECT,
                                         .fields = {slack_fields, http_client_fields}};

const adapter_plugin_t connector_slack_message = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "slack-message",
    .summary = "responder: post to a Slack channel (chat.postMessage)",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &slack_schema,
};
