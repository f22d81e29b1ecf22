/*  ldap_user_context.c — analyzer "ldap-user-context": who a user is in
    Active Directory (or an LDAP directory with AD's attributes): groups
    (memberOf), manager, last logon (lastLogonTimestamp), enabled
    (userAccountControl bit 0x2 clear), mail, password last set.

    Input: "user" (sAMAccountName, DOMAIN\name or userPrincipalName; also
    "upn", "email", "data").  The connection is ldap_directory.c's.
    lastLogonTimestamp is replicated lazily by AD (up to 14 days behind the
    true last logon by default): it says "not used for weeks", never "not
    used today". */
#include "connector_support.h"
#include "ldap_directory.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const ctx_user_keys[] = {"user", "upn", "email", "data", NULL};
static const char *const ctx_attrs[] = {
    "sAMAccountName", "userPrincipalName",  "displayName",        "mail",       "memberOf",
    "manager",        "userAccountControl", "lastLogonTimestamp", "pwdLastSet", NULL};

int64_t ldap_ad_time_ms(const char *text)
{
    uint64_t ticks;
    if (!text || fs_parse_u64(text, &ticks) != 0)
        return -2;
    /* 100 ns ticks since 1601-01-01; 11644473600 s lie between 1601 and 1970 */
    const uint64_t epoch_ticks = 116444736000000000ULL;
    if (ticks <= epoch_ticks || ticks == UINT64_MAX / 2 /* 0x7FFF...: "never" */)
        return -1;
    return (int64_t)((ticks - epoch_ticks) / 10000);
}

static const char *first(const json_t *attrs, const char *name)
{
    return json_string_value(json_array_get(json_object_get(attrs, name), 0));
}

/* {"dn", "name": the first RDN's value when it is a CN} */
static json_t *dn_and_name(const char *dn)
{
    json_t *o = json_pack("{s:s}", "dn", dn);
    if (strncasecmp(dn, "CN=", 3) == 0) {
        const char *v = dn + 3;
        size_t n = 0;
        while (v[n] && v[n] != ',') /* an escaped comma (\,) stays in the name */
            n += (v[n] == '\\' && v[n + 1]) ? 2 : 1;
        json_object_set_new(o, "name", json_stringn(v, n));
    }
    return o;
}

static void put_time(json_t *out, json_t *warnings, const char *key, const char *attr,
                     const char *text)
{
    if (!text)
        return;
    int64_t ms = ldap_ad_time_ms(text);
    char buf[40];
    if (ms == -2)
        json_array_append_new(warnings,
                              json_sprintf("%s: \"%.40s\" is not an AD time", attr, text));
    else if (ms == -1)
        json_object_set_new(out, key,
                            strcmp(text, "0") == 0 && strcmp(attr, "pwdLastSet") == 0
                                ? json_string("must change")
                                : json_null());
    else
        json_object_set_new(out, key, json_string(fs_time_format(ms, buf, sizeof buf)));
}

json_t *ldap_user_summary(const char *dn, const json_t *attrs)
{
    json_t *out = json_pack("{s:s}", "dn", dn ? dn : "");
    json_t *warnings = json_array();
    static const struct {
        const char *attr, *key;
    } plain[] = {{"samaccountname", "sam_account_name"},
                 {"userprincipalname", "user_principal_name"},
                 {"displayname", "display_name"},
                 {"mail", "mail"}};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        const char *v = first(attrs, plain[i].attr);
        if (v)
            json_object_set_new(out, plain[i].key, json_string(v));
    }
    const char *uac = first(attrs, "useraccountcontrol");
    uint64_t flags;
    if (uac && fs_parse_u64(uac, &flags) == 0 && flags <= 0xFFFFFFFFULL) {
        json_object_set_new(out, "user_account_control", json_integer((json_int_t)flags));
        json_object_set_new(out, "enabled", json_boolean(!(flags & LDAP_UAC_ACCOUNTDISABLE)));
    } else if (uac) {
        json_array_append_new(warnings, json_sprintf("userAccountControl: \"%.40s\" is not a "
                                                     "32-bit unsigned integer",
                                                     uac));
    }
    json_t *groups = json_array();
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(attrs, "memberof"), i, g)
    {
        if (json_is_string(g))
            json_array_append_new(groups, dn_and_name(json_string_value(g)));
    }
    json_object_set_new(out, "groups", groups);
    const char *mgr = first(attrs, "manager");
    if (mgr)
        json_object_set_new(out, "manager", dn_and_name(mgr));
    put_time(out, warnings, "last_logon", "lastLogonTimestamp", first(attrs, "lastlogontimestamp"));
    put_time(out, warnings, "password_last_set", "pwdLastSet", first(attrs, "pwdlastset"));
    if (json_array_size(warnings))
        json_object_set_new(out, "warnings", warnings);
    else
        json_decref(warnings);
    return out;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    const char *name = json_string_value(json_object_get(config, "name"));
    char what[96];
    snprintf(what, sizeof what, "ldap-user-context %s", name ? name : "");
    return ldap_dir_new(config, what, e);
}

static void cleanup(void **state_p)
{
    ldap_dir_destroy((ldap_dir_t **)state_p);
}

static json_t *run(void *state, const json_t *input)
{
    const char *user = connector_input_string(input, ctx_user_keys);
    if (!user)
        return connector_error("input needs \"user\" (sAMAccountName, DOMAIN\\name or UPN)");
    fs_err_t e = {0};
    json_t *entry = ldap_dir_find_user(state, user, ctx_attrs, &e);
    if (!entry)
        return connector_error("%s", e.text);
    json_t *res = ldap_user_summary(json_string_value(json_object_get(entry, "dn")),
                                    json_object_get(entry, "attrs"));
    json_decref(entry);
    return connector_ok(res);
}

static const fs_schema_t ldap_ctx_schema = {.type = FS_SCHEMA_OBJECT, .fields = {ldap_dir_fields}};

const adapter_plugin_t connector_ldap_user_context = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "ldap-user-context",
    .summary = "Active Directory / LDAP user context: groups, manager, last logon, enabled "
               "(libldap, ldaps or StartTLS)",
    .init = init,
    .run = run,
    .cleanup = cleanup,
    .config_schema = &ldap_ctx_schema,
};
