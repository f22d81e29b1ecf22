/*  teams_message.c — responder "teams-message": posts a card to a Microsoft
    Teams channel through its incoming webhook (or a Workflows webhook).
      POST <webhook URL>   MessageCard {"@type": "MessageCard", "title", "text"}
                           or ("format": "adaptive") {"type": "message", "attachments":
                           [{"contentType": "application/vnd.microsoft.card.adaptive", "content":
   AdaptiveCard}]} The webhook URL is the credential (anyone holding it may post), so it is read
   from webhook_url_file | webhook_url_env and never appears in a log or an error: errors name only
   the HTTP status, and calls are not retried (a retry would log the URL's path).  Legacy connectors
   answer 200 "1"; Workflows answer 202; a 200 with other text is Teams refusing the card. Input:
   "text" (or "message"), optional "title". */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    http_client_t *http;
    char path[HTTP_SECRET_MAX];
    bool adaptive;
} teams_t;

int teams_parse_answer(long status, const char *body, size_t len, char *why, size_t size)
{
    why[0] = '\0';
    if (status == 202 || (status == 200 && ((len == 1 && body[0] == '1') || len == 0)))
        return 0;
    snprintf(why, size, "Teams answered HTTP %ld: %.*s", status, (int)(len < 120 ? len : 120),
             body ? body : "");
    for (char *p = why; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    return -1;
}

static void cleanup(void **state_p)
{
    teams_t *t = *state_p;
    if (!t)
        return;
    http_client_destroy(&t->http);
    explicit_bzero(t->path, sizeof t->path);
    free(t);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    char url[HTTP_SECRET_MAX];
    if (http_secret_load(config, "webhook_url", url, sizeof url, e) != 0)
        return NULL;
    const char *scheme_end = strstr(url, "://");
    const char *slash = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
    if (!slash || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)) {
        explicit_bzero(url, sizeof url);
        fs_err_set(e, "webhook_url_file / webhook_url_env: not an http(s) URL with a path");
        return NULL;
    }
    teams_t *t = fs_xcalloc(1, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", slash);
    json_t *c = json_deep_copy(config);
    json_object_set_new(c, "base_url", json_stringn(url, (size_t)(slash - url)));
    json_object_set_new(c, "auth", json_string("none"));
    json_object_set_new(c, "max_retries", json_integer(0));
    explicit_bzero(url, sizeof url);
    t->http = connector_http_new(c, "teams", NULL, e);
    json_decref(c);
    const char *format = json_string_value(json_object_get(config, "format"));
    t->adaptive = format && strcmp(format, "adaptive") == 0;
    if (!t->http) {
        void *p = t;
        cleanup(&p);
        return NULL;
    }
    return t;
}

static json_t *card(bool adaptive, const char *title, const char *text)
{
    if (!adaptive)
        return json_pack("{s:s, s:s, s:s, s:s, s:s}", "@type", "MessageCard", "@context",
                         "https://schema.org/extensions", "summary", title, "title", title, "text",
                         text);
    return json_pack(
        "{s:s, s:[{s:s, s:{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:b}, {s:s, s:s, s:b}]}}]}", "type",
        "message", "attachments", "contentType", "application/vnd.microsoft.card.adaptive",
        "content", "type", "AdaptiveCard", "$schema",
        "http://adaptivecards.io/schemas/adaptive-card.json", "version", "1.4", "body", "type",
        "TextBlock", "text", title, "weight", "Bolder", "wrap", 1, "type", "TextBlock", "text",
        text, "wrap", 1);
}

static json_t *run(void *state, const json_t *input)
{
    teams_t *t = state;
    static const char *const tk[] = {"text", "message", NULL}, *const hk[] = {"title", "summary",
                                                                              NULL};
    const char *text = connector_input_string(input, tk);
    const char *title = connector_input_string(input, hk);
    if (!text)
        return connector_error("input needs \"text\"");
    if (strlen(text) > 20000)
        return connector_error("text longer than 20000 bytes (Teams cards are limited to 28 KB)");
    json_t *body = card(t->adaptive, title ? title : "fedsoar", text);
    if (!body)
        return connector_error("text or title is not valid UTF-8");
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    http_response_t r;
    fs_err_t e = {0};
    http_client_request(t->http, "POST", t->path, s, 0, &r, &e);
    free(s);
    char why[200];
    /* Never e.text: it names the URL, whose path is the secret. */
    json_t *res =
        r.status == 0 ? connector_error("Teams webhook: no answer (connection failed or timed out)")
        : teams_parse_answer(r.status, r.body, r.len, why, sizeof why) != 0
            ? connector_error("%s", why)
            : connector_ok(json_pack("{s:s, s:b}", "format",
                                     t->adaptive ? "adaptive" : "messagecard", "posted", 1));
    http_response_clear(&r);
    return res;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t teams_fields[] = {
    FS_FIELD("webhook_url_file", FS_S_STRING),
    FS_FIELD("webhook_url_env", FS_S_STRING),
    FS_FIELD(
        "webhook_url",
        FS_S_INLINE_SECRET("no inline webhook URL (it is the credential: name a file with "
                           "webhook_url_file or an environment variable with webhook_url_env)")),
    FS_FIELD("format", FS_S_ENUM("messagecard", "adaptive")),
    FS_FIELDS_END,
};
static const fs_schema_t teams_schema = {.type = FS_SCHEMA_OBJECT,
                                         .fields = {teams_fields, http_client_fields}};

const adapter_plugin_t connector_teams_message = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "teams-message",
    .summary = "responder: post a MessageCard / Adaptive Card to a Teams incoming webhook",
    .init = init,
    .run = run,
    .cleanup = cleanup,
    .config_schema = &teams_schema,
};
