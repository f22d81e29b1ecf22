/*  entra_revoke_sessions.c — the entra-revoke-sessions responder:
      POST /v1.0/users/{id|upn}/revokeSignInSessions
    (entra_user_action.c finds the user and does the call.) */
#include "connector_support.h"

static json_t *run(void *state, const json_t *input)
{
    return entra_user_action(state, input, false);
}

const adapter_plugin_t connector_entra_revoke_sessions = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "entra-revoke-sessions",
    .summary = "responder: revoke an Entra ID user's sign-in sessions",
    .init = entra_user_action_new,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &user_action_schema,
};
