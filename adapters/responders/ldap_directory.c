/*  ldap_directory.c — one Active Directory / LDAP directory as the LDAP
    connectors see it (ldap_directory.h), over OpenLDAP's libldap.

    TLS is required: ldaps:// or ldap:// with StartTLS, the server's
    certificate verified (LDAP_OPT_X_TLS_REQUIRE_CERT = DEMAND) against
    ca_file or the system's CAs, set per connection (LDAP_OPT_X_TLS_NEWCTX)
    so that two connectors with different CAs never share a TLS context.
    Only allow_plaintext lets a simple bind go in clear (a lab directory).
    The connection is opened at the first job and kept; a server that went
    away (LDAP_SERVER_DOWN) is reconnected once per job. */
#include "connector_support.h"
#include "ldap_directory.h"

#include <ldap.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LDAP_MAX_VALUES 500 /* values kept per attribute (memberOf of a large account) */

struct ldap_dir {
    LDAP *ld;
    char url[512], ca_file[1024], bind_dn[512], base_dn[512], user_filter[256];
    char password[HTTP_SECRET_MAX];
    bool starttls, plaintext;
    int timeout_s;
    char what[96];
};

static const char *cfg(const json_t *c, const char *k)
{
    return json_string_value(json_object_get(c, k));
}

static int copy_cfg(char *out, size_t size, const json_t *c, const char *k, const char *dflt,
                    const char *what, fs_err_t *e)
{
    const char *v = cfg(c, k);
    if (!v)
        v = dflt;
    if (!v)
        return fs_err_set(e, "%s: %s is required", what, k);
    if (snprintf(out, size, "%s", v) >= (int)size)
        return fs_err_set(e, "%s: %s is longer than %zu bytes", what, k, size - 1);
    return 0;
}

ldap_dir_t *ldap_dir_new(const json_t *config, const char *what, fs_err_t *e)
{
    ldap_dir_t *d = fs_xcalloc(1, sizeof *d);
    snprintf(d->what, sizeof d->what, "%s", what);
    d->starttls = json_is_true(json_object_get(config, "starttls"));
    d->plaintext = json_is_true(json_object_get(config, "allow_plaintext"));
    json_t *t = json_object_get(config, "timeout_s");
    d->timeout_s = json_is_integer(t) ? (int)json_integer_value(t) : 10;
    fs_err_t se = {0};
    if (copy_cfg(d->url, sizeof d->url, config, "url", NULL, what, e) != 0 ||
        copy_cfg(d->ca_file, sizeof d->ca_file, config, "ca_file", "", what, e) != 0 ||
        copy_cfg(d->bind_dn, sizeof d->bind_dn, config, "bind_dn", NULL, what, e) != 0 ||
        copy_cfg(d->base_dn, sizeof d->base_dn, config, "base_dn", NULL, what, e) != 0 ||
        copy_cfg(d->user_filter, sizeof d->user_filter, config, "user_filter", "(objectClass=user)",
                 what, e) != 0)
        goto fail;
    bool ldaps = strncmp(d->url, "ldaps://", 8) == 0;
    if (!ldaps && strncmp(d->url, "ldap://", 7) != 0) {
        fs_err_set(e, "%s: url must be ldaps://HOST[:PORT] or ldap://HOST[:PORT]", what);
        goto fail;
    }
    if (!ldaps && !d->starttls && !d->plaintext) {
        fs_err_set(e,
                   "%s: %s would send the bind password in clear: use ldaps://, or \"starttls\": "
                   "true (or \"allow_plaintext\": true for a lab directory)",
                   what, d->url);
        goto fail;
    }
    if (ldaps && d->starttls) {
        fs_err_set(e, "%s: starttls is for ldap:// URLs (ldaps:// is TLS already)", what);
        goto fail;
    }
    if (d->user_filter[0] != '(') {
        fs_err_set(e, "%s: user_filter must be an LDAP filter in parentheses", what);
        goto fail;
    }
    if (http_secret_load(config, "bind_password", d->password, sizeof d->password, &se) != 0) {
        fs_err_set(e, "%s: the bind password: %s", what, se.text);
        goto fail;
    }
    return d;
fail:
    ldap_dir_destroy(&d);
    return NULL;
}

static void disconnect(ldap_dir_t *d)
{
    if (d->ld)
        ldap_unbind_ext_s(d->ld, NULL, NULL);
    d->ld = NULL;
}

void ldap_dir_destroy(ldap_dir_t **self_p)
{
    ldap_dir_t *d = *self_p;
    if (!d)
        return;
    disconnect(d);
    memset(d->password, 0, sizeof d->password);
    free(d);
    *self_p = NULL;
}

/* The server's diagnostic for the last operation, "" when none. */
static const char *diagnostic(LDAP *ld, char *buf, size_t size)
{
    char *msg = NULL;
    buf[0] = '\0';
    if (ld && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg) == LDAP_OPT_SUCCESS && msg) {
        snprintf(buf, size, " (%.200s)", msg);
        ldap_memfree(msg);
    }
    return buf;
}

static int connect_bind(ldap_dir_t *d, fs_err_t *e)
{
    if (d->ld)
        return 0;
    char diag[256];
    int rc = ldap_initialize(&d->ld, d->url);
    if (rc != LDAP_SUCCESS)
        return fs_err_set(e, "%s: %s: %s", d->what, d->url, ldap_err2string(rc));
    int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, off = 0;
    struct timeval tv = {d->timeout_s, 0};
    ldap_set_option(d->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
    ldap_set_option(d->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF); /* credentials stay on this server */
    ldap_set_option(d->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    ldap_set_option(d->ld, LDAP_OPT_TIMEOUT, &tv);
    ldap_set_option(d->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    if (d->ca_file[0])
        ldap_set_option(d->ld, LDAP_OPT_X_TLS_CACERTFILE, d->ca_file);
    ldap_set_option(d->ld, LDAP_OPT_X_TLS_NEWCTX, &off);
    if (d->starttls && (rc = ldap_start_tls_s(d->ld, NULL, NULL)) != LDAP_SUCCESS) {
        fs_err_set(e, "%s: StartTLS with %s failed: %s%s", d->what, d->url, ldap_err2string(rc),
                   diagnostic(d->ld, diag, sizeof diag));
        disconnect(d);
        return -1;
    }
    struct berval cred = {strlen(d->password), d->password};
    rc = ldap_sasl_bind_s(d->ld, d->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
    if (rc != LDAP_SUCCESS) {
        fs_err_set(e, "%s: bind as %s to %s failed: %s%s%s", d->what, d->bind_dn, d->url,
                   ldap_err2string(rc), diagnostic(d->ld, diag, sizeof diag),
                   rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR
                       ? " (is the server up, and does ca_file hold the CA that signed its "
                         "certificate for this host name?)"
                       : "");
        disconnect(d);
        return -1;
    }
    return 0;
}

char *ldap_filter_escape(const char *value, size_t len)
{
    char *out = fs_xmalloc(len * 3 + 1), *o = out;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
            static const char hex[] = "0123456789abcdef";
            *o++ = '\\';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

/* One search for the user; the entry JSON or NULL with e set. */
static json_t *search_user(ldap_dir_t *d, const char *filter, const char *user,
                           const char *const *attrs, int *ldap_rc, fs_err_t *e)
{
    LDAPMessage *res = NULL;
    struct timeval tv = {d->timeout_s, 0};
    char diag[256];
    int rc = *ldap_rc = ldap_search_ext_s(d->ld, d->base_dn, LDAP_SCOPE_SUBTREE, filter,
                                          (char **)attrs, 0, NULL, NULL, &tv, 3, &res);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
        fs_err_set(e, "%s: search for %s under %s failed: %s%s", d->what, user, d->base_dn,
                   ldap_err2string(rc), diagnostic(d->ld, diag, sizeof diag));
        ldap_msgfree(res);
        return NULL;
    }
    int n = ldap_count_entries(d->ld, res);
    if (n != 1) {
        fs_err_set(e, n == 0 ? "%s: no user %s under %s" : "%s: %s names several users under %s",
                   d->what, user, d->base_dn);
        ldap_msgfree(res);
        return NULL;
    }
    LDAPMessage *entry = ldap_first_entry(d->ld, res);
    char *dn = ldap_get_dn(d->ld, entry);
    json_t *out = json_pack("{s:s, s:{}}", "dn", dn ? dn : "", "attrs");
    ldap_memfree(dn);
    json_t *jattrs = json_object_get(out, "attrs");
    BerElement *ber = NULL;
    for (char *a = ldap_first_attribute(d->ld, entry, &ber); a;
         a = ldap_next_attribute(d->ld, entry, ber)) {
        struct berval **vals = ldap_get_values_len(d->ld, entry, a);
        json_t *arr = json_array();
        for (size_t i = 0; vals && vals[i] && i < LDAP_MAX_VALUES; i++) {
            json_t *s = json_stringn(vals[i]->bv_val, vals[i]->bv_len); /* NULL when not UTF-8 */
            if (s)
                json_array_append_new(arr, s);
        }
        ldap_value_free_len(vals);
        for (char *p = a; *p; p++)
            *p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
        json_object_set_new(jattrs, a, arr);
        ldap_memfree(a);
    }
    ber_free(ber, 0);
    ldap_msgfree(res);
    return out;
}

json_t *ldap_dir_find_user(ldap_dir_t *d, const char *user, const char *const *attrs, fs_err_t *e)
{
    if (!user || !*user || strlen(user) > 256)
        return fs_err_set(e, "%s: a user name (sAMAccountName, DOMAIN\\name or UPN) is needed",
                          d->what),
               NULL;
    const char *name = user, *attr = "sAMAccountName";
    const char *bs = strchr(user, '\\');
    if (strchr(user, '@'))
        attr = "userPrincipalName";
    else if (bs)
        name = bs + 1; /* DOMAIN\name: the domain is the directory's own */
    char *v = ldap_filter_escape(name, strlen(name));
    char *filter = fs_xasprintf("(&%s(%s=%s))", d->user_filter, attr, v);
    free(v);
    json_t *out = NULL;
    for (int attempt = 0; attempt < 2 && !out; attempt++) {
        if (connect_bind(d, e) != 0)
            break;
        int rc;
        out = search_user(d, filter, user, attrs, &rc, e);
        if (out || rc != LDAP_SERVER_DOWN)
            break;
        disconnect(d); /* the server went away since the last job: once more */
    }
    free(filter);
    return out;
}

int ldap_dir_replace(ldap_dir_t *d, const char *dn, const char *attr, const char *value,
                     fs_err_t *e)
{
    if (connect_bind(d, e) != 0)
        return -1;
    char *vals[] = {(char *)value, NULL};
    LDAPMod mod = {.mod_op = LDAP_MOD_REPLACE, .mod_type = (char *)attr, .mod_values = vals};
    LDAPMod *mods[] = {&mod, NULL};
    char diag[256];
    int rc = ldap_modify_ext_s(d->ld, dn, mods, NULL, NULL);
    if (rc != LDAP_SUCCESS) {
        fs_err_set(e, "%s: setting %s of %s failed: %s%s", d->what, attr, dn, ldap_err2string(rc),
                   diagnostic(d->ld, diag, sizeof diag));
        if (rc == LDAP_SERVER_DOWN)
            disconnect(d);
        return -1;
    }
    return 0;
}

const fs_schema_field_t ldap_dir_fields[] = {
    FS_REQUIRED("url", FS_S_STRING_LEN(8, 511)),
    FS_FIELD("starttls", FS_S_BOOL),
    FS_FIELD("allow_plaintext", FS_S_BOOL),
    FS_FIELD("ca_file", FS_S_STRING_LEN(1, 1023)),
    FS_REQUIRED("bind_dn", FS_S_STRING_LEN(1, 511)),
    FS_FIELD("bind_password", FS_S_INLINE_SECRET("no inline secret (name a file with "
                                                 "bind_password_file or an environment variable "
                                                 "with bind_password_env)")),
    FS_FIELD("bind_password_file", FS_S_STRING),
    FS_FIELD("bind_password_env", FS_S_STRING),
    FS_REQUIRED("base_dn", FS_S_STRING_LEN(1, 511)),
    FS_FIELD("user_filter", FS_S_STRING_LEN(2, 255)),
    FS_FIELD("timeout_s", FS_S_INT(1, 300)),
    FS_FIELDS_END,
};
