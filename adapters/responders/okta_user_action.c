/*  okta_user_action.c — what the two responders on Okta users share
    (playbook `action` steps):
      okta-suspend-user    POST   /api/v1/users/{id}/lifecycle/suspend
      okta-clear-sessions  DELETE /api/v1/users/{id}/sessions
    The user is input "user" (login, email or id; also "login", "email",
    "user_id"), resolved with GET /api/v1/users/{login}. SSWS API token of
    an admin allowed to manage users. */
#include "connector_support.h"

#include <stdlib.h>
#include <string.h>

static const char *const user_keys[] = {"user", "user_id", "login", "email", "data", NULL};

void *okta_user_action_new(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return connector_http_state(config, "okta", "{\"auth\": \"ssws\"}", e);
}

/* Resolves the user to an Okta id; NULL result = ok, else the error. */
static json_t *resolve_user(connector_http_t *s, const json_t *input, char *id, size_t size)
{
    const char *user = connector_input_string(input, user_keys);
    if (!user || strlen(user) > 256)
        return connector_error("input needs \"user\" (an Okta login, email or user id)");
    char *q = http_escape(user);
    char url[1024];
    snprintf(url, sizeof url, "/api/v1/users/%s", q);
    free(q);
    http_response_t r;
    fs_err_t e = {0};
    json_t *u = http_client_json(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e);
    long status = r.status;
    http_response_clear(&r);
    if (!u)
        return status == 404 ? connector_error("Okta has no user %s", user)
                             : connector_error("%s", e.text);
    const char *uid = json_string_value(json_object_get(u, "id"));
    json_t *res = NULL;
    if (!uid || strlen(uid) >= size || strpbrk(uid, "/?#&% "))
        res = connector_error("Okta returned a user without a usable id");
    else
        snprintf(id, size, "%s", uid);
    json_decref(u);
    return res;
}

json_t *okta_user_action(void *state, const json_t *input, bool suspend)
{
    connector_http_t *s = state;
    char id[128], url[256];
    json_t *bad = resolve_user(s, input, id, sizeof id);
    if (bad)
        return bad;
    if (suspend)
        snprintf(url, sizeof url, "/api/v1/users/%s/lifecycle/suspend", id);
    else
        snprintf(url, sizeof url, "/api/v1/users/%s/sessions", id);
    http_response_t r;
    fs_err_t e = {0};
    int rc = http_client_request(s->http, suspend ? "POST" : "DELETE", url, NULL, HTTP_IDEMPOTENT,
                                 &r, &e);
    long status = r.status;
    http_response_clear(&r);
    if (rc != 0) {
        if (suspend && status == 400)
            return connector_error(
                "Okta refused to suspend user %s (only ACTIVE users can be suspended)", id);
        return connector_error("%s", e.text);
    }
    return connector_ok(
        json_pack("{s:s, s:s}", "user_id", id, "done", suspend ? "suspended" : "sessions cleared"));
}
