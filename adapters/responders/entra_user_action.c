/*  entra_user_action.c — what the two responders on Microsoft Entra ID
    users share (Graph v1.0):
      entra-disable-account   PATCH /v1.0/users/{id|upn}  {"accountEnabled": false}
      entra-revoke-sessions   POST  /v1.0/users/{id|upn}/revokeSignInSessions
    Input "user" (user principal name or object id; also "upn", "user_id",
    "email"). Application permission User.ReadWrite.All (disable) and
    User.RevokeSessions.All (revoke); OAuth2 client credentials. */
#include "connector_support.h"

#include <stdlib.h>
#include <string.h>

static const char *const user_keys[] = {"user", "upn", "user_id", "email", "data", NULL};

void *entra_user_action_new(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return connector_http_state(
        config, "entra",
        "{\"auth\": \"oauth2\", \"base_url\": \"https://graph.microsoft.com\", "
        "\"scope\": \"https://graph.microsoft.com/.default\"}",
        e);
}

json_t *entra_user_action(void *state, const json_t *input, bool disable)
{
    connector_http_t *s = state;
    const char *user = connector_input_string(input, user_keys);
    if (!user || strlen(user) > 256)
        return connector_error("input needs \"user\" (a user principal name or object id)");
    char *q = http_escape(user);
    char url[1024];
    snprintf(url, sizeof url, "/v1.0/users/%s%s", q, disable ? "" : "/revokeSignInSessions");
    free(q);
    json_t *body = disable ? json_pack("{s:b}", "accountEnabled", 0) : NULL;
    http_response_t r;
    fs_err_t e = {0};
    json_t *ans =
        http_client_json(s->http, disable ? "PATCH" : "POST", url, body, HTTP_IDEMPOTENT, &r, &e);
    long status = r.status;
    json_decref(body);
    http_response_clear(&r);
    if (!ans)
        return status == 404 ? connector_error("Entra ID has no user %s", user)
                             : connector_error("%s", e.text);
    json_decref(ans);
    return connector_ok(json_pack("{s:s, s:s}", "user", user, "done",
                                  disable ? "account disabled" : "sign-in sessions revoked"));
}
