/*  okta_user_context.c — the okta-user-context analyzer: who a user is at the identity
    provider, their groups and recent sign-ins (identity_context.c has the
    answer's shape, the paging and the parsers).
      GET /api/v1/users/{login}   (linked_emails: profile.secondEmail, profile.email)
      GET /api/v1/users/{id}/groups
      GET /api/v1/logs?filter=actor.id eq "ID"&since=T&limit=N&sortOrder=DESCENDING,
          then Link rel="next"  (T = now - signin_lookback_s, default 7 days) */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return connector_http_state(config, "okta", "{\"auth\": \"ssws\"}", e);
}

static json_t *run(void *state, const json_t *input)
{
    connector_http_t *s = state;
    const char *user = connector_input_string(input, identity_user_keys);
    if (!user || strlen(user) > 256)
        return connector_error("input needs \"user\" (an Okta login or email)");
    char url[2048];
    char *q = http_escape(user);
    snprintf(url, sizeof url, "/api/v1/users/%s", q);
    free(q);
    json_t *err = NULL;
    json_t *res = identity_get_summary(s, url, "Okta", user, okta_user_summary, &err);
    if (!res)
        return err;
    const char *id = json_string_value(json_object_get(res, "id"));
    if (strpbrk(id, "/?#&%\" ") || strlen(id) > 64) {
        json_decref(res);
        return connector_error("Okta returned a user without a usable id");
    }
    snprintf(url, sizeof url, "/api/v1/users/%s/groups", id);
    http_response_t r;
    fs_err_t e = {0};
    json_t *groups = NULL;
    if (http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e) == 0)
        groups = okta_group_names(r.body, r.len, &e);
    http_response_clear(&r);
    if (!groups) {
        json_decref(res);
        return connector_error("%s", e.text);
    }
    json_object_set_new(res, "groups", groups);
    json_int_t lookback = json_integer_value(json_object_get(s->config, "signin_lookback_s"));
    char since[64], filter[128];
    fs_time_format(fs_now_ms() - (lookback > 0 ? lookback : 7 * 86400) * 1000, since, sizeof since);
    snprintf(filter, sizeof filter, "actor.id eq \"%s\"", id);
    char *fq = http_escape(filter), *sq = http_escape(since);
    snprintf(url, sizeof url, "/api/v1/logs?filter=%s&since=%s&limit=%zu&sortOrder=DESCENDING", fq,
             sq, identity_cfg_size(s->config, "page_size", IDC_DEFAULT_SIGNINS, 1000));
    free(fq);
    free(sq);
    json_t *signins = identity_collect(
        s->http, url, identity_okta_logs_page, okta_signin_summary,
        identity_cfg_size(s->config, "max_signins", IDC_DEFAULT_SIGNINS, 1000),
        (int)identity_cfg_size(s->config, "max_pages", IDC_DEFAULT_PAGES, 100), &e);
    if (!signins) {
        json_decref(res);
        return connector_error("%s", e.text);
    }
    json_object_set_new(res, "recent_signins", signins);
    return connector_ok(res);
}

const adapter_plugin_t connector_okta_user_context = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "okta-user-context",
    .summary = "analyzer: an Okta user, their groups and recent sign-ins (System Log)",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &identity_context_schema,
};
