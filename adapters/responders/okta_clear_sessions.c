/*  okta_clear_sessions.c — the okta-clear-sessions responder:
      DELETE /api/v1/users/{id}/sessions
    (okta_user_action.c finds the user and does the call.) */
#include "connector_support.h"

static json_t *run(void *state, const json_t *input)
{
    return okta_user_action(state, input, false);
}

const adapter_plugin_t connector_okta_clear_sessions = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "okta-clear-sessions",
    .summary = "responder: clear an Okta user's sessions",
    .init = okta_user_action_new,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &user_action_schema,
};
