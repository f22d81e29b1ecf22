/*  entra_user_context.c — the entra-user-context analyzer: who a user is at the identity
    provider, their groups and recent sign-ins (identity_context.c has the
    answer's shape, the paging and the parsers).
      GET /v1.0/users/{upn}?$select=id,userPrincipalName,displayName,mail,accountEnabled,
          otherMails,proxyAddresses   (linked_emails: mail, otherMails, SMTP proxyAddresses)
      GET /v1.0/users/{upn}/memberOf, then @odata.nextLink
      GET /v1.0/auditLogs/signIns?$filter=userPrincipalName eq 'UPN'&$top=N, then @odata.nextLink */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return connector_http_state(
        config, "entra",
        "{\"auth\": \"oauth2\", \"base_url\": \"https://graph.microsoft.com\", "
        "\"scope\": \"https://graph.microsoft.com/.default\"}",
        e);
}

static json_t *run(void *state, const json_t *input)
{
    connector_http_t *s = state;
    const char *user = connector_input_string(input, identity_user_keys);
    if (!user || strlen(user) > 256)
        return connector_error("input needs \"user\" (a user principal name or object id)");
    char url[2048];
    char *q = http_escape(user);
    /* Graph returns proxyAddresses, otherMails and accountEnabled only when
       $select names them. */
    snprintf(url, sizeof url, "/v1.0/users/%s?$select=%s", q,
             "id,userPrincipalName,displayName,mail,accountEnabled,otherMails,proxyAddresses");
    json_t *err = NULL;
    json_t *res = identity_get_summary(s, url, "Entra ID", user, entra_user_summary, &err);
    if (!res) {
        free(q);
        return err;
    }
    int max_pages = (int)identity_cfg_size(s->config, "max_pages", IDC_DEFAULT_PAGES, 100);
    fs_err_t e = {0};
    snprintf(url, sizeof url, "/v1.0/users/%s/memberOf?$select=displayName", q);
    free(q);
    json_t *groups = identity_collect(s->http, url, identity_graph_page, identity_member_name,
                                      IDC_MAX_GROUPS, max_pages, &e);
    if (!groups) {
        json_decref(res);
        return connector_error("%s", e.text);
    }
    json_object_set_new(res, "groups", groups);
    /* OData string literal: a quote is doubled. */
    char upn[520], filter[600];
    size_t o = 0;
    for (const char *p = json_string_value(json_object_get(res, "login"));
         p && *p && o + 2 < sizeof upn; p++) {
        if (*p == '\'')
            upn[o++] = '\'';
        upn[o++] = *p;
    }
    upn[o] = '\0';
    snprintf(filter, sizeof filter, "userPrincipalName eq '%s'", o ? upn : user);
    char *fq = http_escape(filter);
    snprintf(url, sizeof url, "/v1.0/auditLogs/signIns?$filter=%s&$top=%zu", fq,
             identity_cfg_size(s->config, "page_size", IDC_DEFAULT_SIGNINS, 1000));
    free(fq);
    json_t *signins = identity_collect(
        s->http, url, identity_graph_page, entra_signin_summary,
        identity_cfg_size(s->config, "max_signins", IDC_DEFAULT_SIGNINS, 1000), max_pages, &e);
    if (!signins) {
        json_decref(res);
        return connector_error("%s", e.text);
    }
    json_object_set_new(res, "recent_signins", signins);
    return connector_ok(res);
}

const adapter_plugin_t connector_entra_user_context = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "entra-user-context",
    .summary = "analyzer: an Entra ID user, their groups/roles and recent sign-ins (Graph)",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &identity_context_schema,
};
