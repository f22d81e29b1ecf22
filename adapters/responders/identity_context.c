/*  identity_context.c — what the analyzers "okta-user-context"
    (okta_user_context.c) and "entra-user-context" (entra_user_context.c)
    share, and their parsers: who a user is at the identity provider, the groups
    they are in and their recent sign-ins, for playbook `enrich` steps.
    Both answer {"id", "login", "email", "status", "display_name",
    "linked_emails": [{"attribute", "value"}], "groups": [names],
    "recent_signins": [{"time", "outcome", "ip", "city", "country", …}]}
    with at most max_signins sign-ins (default 20), newest first, read in
    pages of page_size (default 20) over at most max_pages pages (default 5).
    "linked_emails" are the directory attributes that name the user's email
    addresses (Okta profile.secondEmail and profile.email; Entra/AD mail,
    otherMails and the SMTP entries of proxyAddresses without their prefix):
    the broker learns identity-crosswalk links from them
    (broker/identity_learning.c, docs/identities.md).

      okta-user-context   GET /api/v1/users/{login}
                          GET /api/v1/users/{id}/groups
                          GET /api/v1/logs?filter=actor.id eq
   "ID"&since=T&limit=N&sortOrder=DESCENDING, then Link rel="next"  (T = now - signin_lookback_s,
   default 7 days) entra-user-context  GET /v1.0/users/{upn} GET /v1.0/users/{upn}/memberOf, then
   @odata.nextLink GET /v1.0/auditLogs/signIns?$filter=userPrincipalName eq 'UPN'&$top=N, then
   @odata.nextLink */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const identity_user_keys[] = {"user", "login", "upn", "email", "data", NULL};

/* ---- parsers ------------------------------------------------------------------------ */

/* The string at a dotted path of objects ("client.geographicalContext.city"). */
static json_t *at(const json_t *obj, const char *path)
{
    char key[64];
    while (obj && *path) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof key, "%.*s", (int)(n < sizeof key ? n : sizeof key - 1), path);
        obj = json_object_get(obj, key);
        path += n + (path[n] == '.');
    }
    return (json_t *)obj;
}

/* {"out": value at path} for each pair of a NULL-terminated list; absent → skipped. */
static json_t *project(const json_t *obj, const char *const (*map)[2])
{
    json_t *res = json_object();
    for (; (*map)[0]; map++) {
        json_t *v = at(obj, (*map)[1]);
        if (v && !json_is_null(v))
            json_object_set(res, (*map)[0], v);
    }
    return res;
}

/* ---- linked emails ------------------------------------------------------------------ */

/* Adds {"attribute", "value"} to list unless the value is not an address
   (no '@', over IDC_EMAIL_MAX bytes, a control character or a blank) or
   the same pair is there; at most IDC_MAX_LINKED_EMAILS entries. */
#define IDC_EMAIL_MAX 256
#define IDC_MAX_LINKED_EMAILS 32
static void add_email(json_t *list, const char *attribute, const char *value)
{
    if (!value || !strchr(value, '@') || strlen(value) > IDC_EMAIL_MAX ||
        json_array_size(list) >= IDC_MAX_LINKED_EMAILS)
        return;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return;
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it)
    {
        if (strcmp(json_string_value(json_object_get(it, "attribute")), attribute) == 0 &&
            strcasecmp(json_string_value(json_object_get(it, "value")), value) == 0)
            return;
    }
    json_array_append_new(list, json_pack("{s:s, s:s}", "attribute", attribute, "value", value));
}

/* The strings of an array attribute; for proxyAddresses only the "SMTP:"
   (primary) and "smtp:" entries, without the prefix (the others are SIP:,
   X500:, … addresses of other systems). */
static void add_email_array(json_t *list, const char *attribute, const json_t *arr, bool smtp)
{
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        const char *v = json_string_value(it);
        if (!v)
            continue;
        if (smtp) {
            if (strncasecmp(v, "smtp:", 5) != 0)
                continue;
            v += 5;
        }
        add_email(list, attribute, v);
    }
}

json_t *okta_user_summary(const char *body, size_t len, fs_err_t *e)
{
    static const char *const map[][2] = {{"id", "id"},
                                         {"login", "profile.login"},
                                         {"email", "profile.email"},
                                         {"status", "status"},
                                         {"display_name", "profile.displayName"},
                                         {"last_login", "lastLogin"},
                                         {NULL, NULL}};
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *res = json_is_string(json_object_get(j, "id")) ? project(j, map) : NULL;
    if (!res) {
        fs_err_set(e, "Okta answered a user without an id");
    } else {
        json_t *emails = json_array();
        add_email(emails, "secondEmail", json_string_value(at(j, "profile.secondEmail")));
        add_email(emails, "email", json_string_value(at(j, "profile.email")));
        json_object_set_new(res, "linked_emails", emails);
    }
    json_decref(j);
    return res;
}

json_t *okta_group_names(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    if (!json_is_array(j)) {
        json_decref(j);
        fs_err_set(e, "Okta groups answer is not an array");
        return NULL;
    }
    json_t *names = json_array();
    size_t i;
    json_t *g;
    json_array_foreach(j, i, g)
    {
        json_t *name = at(g, "profile.name");
        if (json_is_string(name) && json_array_size(names) < IDC_MAX_GROUPS)
            json_array_append(names, name);
    }
    json_decref(j);
    return names;
}

json_t *okta_signin_summary(const json_t *event)
{
    static const char *const map[][2] = {{"time", "published"},
                                         {"event_type", "eventType"},
                                         {"outcome", "outcome.result"},
                                         {"reason", "outcome.reason"},
                                         {"ip", "client.ipAddress"},
                                         {"city", "client.geographicalContext.city"},
                                         {"country", "client.geographicalContext.country"},
                                         {"user_agent", "client.userAgent.rawUserAgent"},
                                         {NULL, NULL}};
    return json_is_object(event) ? project(event, map) : NULL;
}

json_t *entra_user_summary(const char *body, size_t len, fs_err_t *e)
{
    static const char *const map[][2] = {{"id", "id"},
                                         {"login", "userPrincipalName"},
                                         {"email", "mail"},
                                         {"display_name", "displayName"},
                                         {NULL, NULL}};
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *res = json_is_string(json_object_get(j, "id")) ? project(j, map) : NULL;
    json_t *enabled = json_object_get(j, "accountEnabled");
    if (!res)
        fs_err_set(e, "Microsoft Graph answered a user without an id");
    else if (json_is_boolean(enabled))
        json_object_set_new(res, "status",
                            json_string(json_is_true(enabled) ? "enabled" : "disabled"));
    if (res) {
        json_t *emails = json_array();
        add_email(emails, "mail", json_string_value(json_object_get(j, "mail")));
        add_email_array(emails, "otherMails", json_object_get(j, "otherMails"), false);
        add_email_array(emails, "proxyAddresses", json_object_get(j, "proxyAddresses"), true);
        json_object_set_new(res, "linked_emails", emails);
    }
    json_decref(j);
    return res;
}

const char *entra_member_name(const json_t *obj)
{
    return json_string_value(json_object_get(obj, "displayName"));
}

json_t *entra_signin_summary(const json_t *signin)
{
    static const char *const map[][2] = {{"time", "createdDateTime"},
                                         {"app", "appDisplayName"},
                                         {"error_code", "status.errorCode"},
                                         {"reason", "status.failureReason"},
                                         {"ip", "ipAddress"},
                                         {"city", "location.city"},
                                         {"country", "location.countryOrRegion"},
                                         {"browser", "deviceDetail.browser"},
                                         {NULL, NULL}};
    if (!json_is_object(signin))
        return NULL;
    json_t *res = project(signin, map);
    json_t *code = json_object_get(res, "error_code");
    if (json_is_integer(code))
        json_object_set_new(res, "outcome",
                            json_string(json_integer_value(code) == 0 ? "success" : "failure"));
    return res;
}

/* ---- paging -------------------------------------------------------------------------- */

json_t *identity_collect(http_client_t *http, const char *url, identity_page_fn *parse,
                         identity_item_fn *map, size_t max, int max_pages, fs_err_t *e)
{
    json_t *out = json_array();
    char *next = fs_xstrdup(url);
    for (int page = 0; next && page < max_pages && json_array_size(out) < max; page++) {
        http_response_t r;
        char *after = NULL;
        json_t *items = NULL;
        if (http_client_request(http, "GET", next, NULL, HTTP_IDEMPOTENT, &r, e) == 0)
            items = parse(&r, &after, e);
        http_response_clear(&r);
        free(next);
        next = after;
        if (!items) {
            free(next);
            json_decref(out);
            return NULL;
        }
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            json_t *v = json_array_size(out) < max ? map(it) : NULL;
            if (v)
                json_array_append_new(out, v);
        }
        if (json_array_size(items) == 0) { /* Okta always links a next page: an empty one ends it */
            free(next);
            next = NULL;
        }
        json_decref(items);
    }
    free(next);
    return out;
}

json_t *identity_okta_logs_page(const http_response_t *r, char **next, fs_err_t *e)
{
    json_t *items = okta_parse_logs(r->body, r->len, e);
    *next = items && r->link_next ? fs_xstrdup(r->link_next) : NULL;
    return items;
}

json_t *identity_graph_page(const http_response_t *r, char **next, fs_err_t *e)
{
    return graph_parse_page(r->body, r->len, next, e);
}

json_t *identity_member_name(const json_t *obj)
{
    const char *n = entra_member_name(obj);
    return n ? json_string(n) : NULL;
}

size_t identity_cfg_size(const json_t *config, const char *key, size_t dflt, size_t max)
{
    json_int_t n = json_integer_value(json_object_get(config, key));
    return n >= 1 && (size_t)n <= max ? (size_t)n : dflt;
}

/* GETs one JSON object and summarizes it; NULL with *err set (the error result). */
json_t *identity_get_summary(connector_http_t *s, const char *url, const char *who,
                             const char *user,
                             json_t *(*summarize)(const char *, size_t, fs_err_t *), json_t **err)
{
    http_response_t r;
    fs_err_t e = {0};
    json_t *res = NULL;
    int rc = http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e);
    if (rc == 0)
        res = summarize(r.body, r.len, &e);
    if (!res)
        *err = rc != 0 && r.status == 404 ? connector_error("%s has no user %s", who, user)
                                          : connector_error("%s", e.text);
    http_response_clear(&r);
    return res;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t idc_fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, 1000)),
    FS_FIELD("max_signins", FS_S_INT(1, 1000)),
    FS_FIELD("max_pages", FS_S_INT(1, 100)),
    FS_FIELD("signin_lookback_s", FS_S_INT(1, 315360000)),
    FS_FIELDS_END,
};
const fs_schema_t identity_context_schema = {.type = FS_SCHEMA_OBJECT,
                                             .fields = {idc_fields, http_client_fields}};
