/*  okta_suspend_user.c — the okta-suspend-user responder:
      POST /api/v1/users/{id}/lifecycle/suspend
    (okta_user_action.c finds the user and does the call.) */
#include "connector_support.h"

static json_t *run(void *state, const json_t *input)
{
    return okta_user_action(state, input, true);
}

const adapter_plugin_t connector_okta_suspend_user = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "okta-suspend-user",
    .summary = "responder: suspend an Okta user (lifecycle/suspend)",
    .init = okta_user_action_new,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &user_action_schema,
};
