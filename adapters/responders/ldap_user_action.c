/*  ldap_user_action.c — responders on an Active Directory account
    (playbook `action` steps):
      ldap-disable-account        userAccountControl |= 0x2 (ACCOUNTDISABLE)
      ldap-force-password-reset   pwdLastSet = 0 (the user must change the
                                  password at the next logon)
    Input "user" (sAMAccountName, DOMAIN\name or userPrincipalName).  The
    service account needs write access to those attributes only (AD:
    delegate "Read/write userAccountControl" and "pwdLastSet" on the OU).

    Disabling reads userAccountControl and writes it back with the bit set,
    keeping every other flag; an account already disabled is reported as
    such and not written.  Read-then-write is not atomic: a flag an admin
    changes between the two would be overwritten (LDAP has no "set bit";
    AD's permissive modify does not help).  Neither action ends sessions
    that already hold Kerberos tickets (they live until the ticket expires). */
#include "connector_support.h"
#include "ldap_directory.h"

#include <stdlib.h>
#include <string.h>

static const char *const act_user_keys[] = {"user", "upn", "email", "data", NULL};

static void *init(const json_t *config, const char *state_dir, fs_err_t *e, const char *type)
{
    (void)state_dir;
    const char *name = json_string_value(json_object_get(config, "name"));
    char what[96];
    snprintf(what, sizeof what, "%s %s", type, name ? name : "");
    return ldap_dir_new(config, what, e);
}
static void *init_disable(const json_t *c, const char *s, fs_err_t *e)
{
    return init(c, s, e, "ldap-disable-account");
}
static void *init_reset(const json_t *c, const char *s, fs_err_t *e)
{
    return init(c, s, e, "ldap-force-password-reset");
}

static void cleanup(void **state_p)
{
    ldap_dir_destroy((ldap_dir_t **)state_p);
}

static json_t *act(void *state, const json_t *input, bool disable)
{
    const char *user = connector_input_string(input, act_user_keys);
    if (!user)
        return connector_error("input needs \"user\" (sAMAccountName, DOMAIN\\name or UPN)");
    static const char *const attrs[] = {"userAccountControl", NULL};
    fs_err_t e = {0};
    json_t *entry = ldap_dir_find_user(state, user, attrs, &e);
    if (!entry)
        return connector_error("%s", e.text);
    const char *dn = json_string_value(json_object_get(entry, "dn"));
    json_t *res = NULL;
    if (disable) {
        const char *uac = json_string_value(json_array_get(
            json_object_get(json_object_get(entry, "attrs"), "useraccountcontrol"), 0));
        uint64_t flags;
        if (!uac || fs_parse_u64(uac, &flags) != 0 || flags > 0xFFFFFFFFULL) {
            res = connector_error("%s has no usable userAccountControl (%s): not changed", dn,
                                  uac ? uac : "absent");
        } else if (flags & LDAP_UAC_ACCOUNTDISABLE) {
            res = connector_ok(json_pack("{s:s, s:s, s:I}", "dn", dn, "done", "already disabled",
                                         "user_account_control", (json_int_t)flags));
        } else {
            char v[24];
            snprintf(v, sizeof v, "%llu", (unsigned long long)(flags | LDAP_UAC_ACCOUNTDISABLE));
            res = ldap_dir_replace(state, dn, "userAccountControl", v, &e) != 0
                      ? connector_error("%s", e.text)
                      : connector_ok(json_pack("{s:s, s:s, s:I}", "dn", dn, "done", "disabled",
                                               "user_account_control",
                                               (json_int_t)(flags | LDAP_UAC_ACCOUNTDISABLE)));
        }
    } else {
        res = ldap_dir_replace(state, dn, "pwdLastSet", "0", &e) != 0
                  ? connector_error("%s", e.text)
                  : connector_ok(json_pack("{s:s, s:s}", "dn", dn, "done",
                                           "password change required at next logon"));
    }
    fs_log(FS_LOG_INFO, "connector", disable ? "ldap_disable_account" : "ldap_force_password_reset",
           "dn=\"%s\" ok=%d", dn,
           json_is_string(json_object_get(res, "status")) &&
               strcmp(json_string_value(json_object_get(res, "status")), "ok") == 0);
    json_decref(entry);
    return res;
}

static json_t *run_disable(void *state, const json_t *input)
{
    return act(state, input, true);
}
static json_t *run_reset(void *state, const json_t *input)
{
    return act(state, input, false);
}

static const fs_schema_t ldap_act_schema = {.type = FS_SCHEMA_OBJECT, .fields = {ldap_dir_fields}};

const adapter_plugin_t connector_ldap_disable_account = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "ldap-disable-account",
    .summary = "disable an Active Directory account (userAccountControl |= 0x2, libldap)",
    .init = init_disable,
    .run = run_disable,
    .cleanup = cleanup,
    .config_schema = &ldap_act_schema,
};

const adapter_plugin_t connector_ldap_force_password_reset = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "ldap-force-password-reset",
    .summary = "force an Active Directory password change at next logon (pwdLastSet = 0, libldap)",
    .init = init_reset,
    .run = run_reset,
    .cleanup = cleanup,
    .config_schema = &ldap_act_schema,
};
