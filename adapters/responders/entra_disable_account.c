/*  entra_disable_account.c — the entra-disable-account responder:
      PATCH /v1.0/users/{id|upn} {"accountEnabled": false}
    (entra_user_action.c finds the user and does the call.) */
#include "connector_support.h"

static json_t *run(void *state, const json_t *input)
{
    return entra_user_action(state, input, true);
}

const adapter_plugin_t connector_entra_disable_account = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "entra-disable-account",
    .summary = "responder: disable an Entra ID account (accountEnabled=false)",
    .init = entra_user_action_new,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &user_action_schema,
};
