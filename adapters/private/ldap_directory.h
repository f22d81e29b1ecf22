/*  ldap_directory.h — private to libfedsoar_adapters: what the Active
    Directory / LDAP connectors (responders/ldap_user_context.c,
    responders/ldap_user_action.c) share: the connection (OpenLDAP's
    libldap: ldaps:// or StartTLS, CA file, simple bind with a service
    account), finding one user by sAMAccountName or userPrincipalName, and
    the conversions that tests/fuzz/fuzz_ldap.c and tests/unit/test_ldap.c
    drive directly.

    Ownership: ldap_dir_new's result is the caller's (ldap_dir_destroy);
    every json_t returned is a new reference the caller owns; inputs are
    borrowed. */
#ifndef FEDSOAR_LDAP_DIRECTORY_H
#define FEDSOAR_LDAP_DIRECTORY_H

#include "common.h"
#include "config_schema.h"

#include <stdbool.h>
#include <stddef.h>

/* userAccountControl bits (MS-ADTS 2.2.16) */
#define LDAP_UAC_ACCOUNTDISABLE 0x2

typedef struct ldap_dir ldap_dir_t;

/* From a connector's config (borrowed):
     url (ldaps://HOST[:PORT] or ldap://HOST[:PORT]), starttls (false),
     ca_file, bind_dn, bind_password_file | bind_password_env, base_dn,
     user_filter ("(objectClass=user)"), timeout_s (10),
     allow_plaintext (false: an ldap:// URL without starttls is refused,
     so the bind password never crosses the network in clear).
   Nothing is connected yet.  NULL with e set. */
ldap_dir_t *ldap_dir_new(const json_t *config, const char *what, fs_err_t *e);
void ldap_dir_destroy(ldap_dir_t **self_p);
/* The written schema of those keys. */
extern const fs_schema_field_t ldap_dir_fields[];

/* Finds the one user named `user`: "name@domain" by userPrincipalName,
   "DOMAIN\name" and "name" by sAMAccountName.  Connects and binds when not
   connected (again after a lost connection).  Returns the entry as
   {"dn": "...", "attrs": {"name": ["value", ...]}} (attribute names in
   lower case), or NULL with e set (no such user, several, the directory's
   error). attrs: the attributes to read (NULL-terminated). */
json_t *ldap_dir_find_user(ldap_dir_t *d, const char *user, const char *const *attrs, fs_err_t *e);
/* Replaces attribute `attr` of entry dn with `value`.  0, or -1 with e set. */
int ldap_dir_replace(ldap_dir_t *d, const char *dn, const char *attr, const char *value,
                     fs_err_t *e);

/* ---- conversions (fuzz target tests/fuzz/fuzz_ldap.c, unit test test_ldap) ---- */

/* RFC 4515 section 3: the value with '*', '(', ')', '\' and NUL written as
   \2a \28 \29 \5c \00 (len bytes; a value may hold NUL).  Caller owns. */
char *ldap_filter_escape(const char *value, size_t len);
/* An Active Directory "Large Integer" time (100 ns since 1601-01-01 UTC,
   lastLogonTimestamp, pwdLastSet) -> epoch ms.  0 and values before 1970
   (never) give -1; text that is not a decimal integer gives -2. */
int64_t ldap_ad_time_ms(const char *text);
/* The user context from an entry's attrs ({"name": [values]}, borrowed):
   {"dn", "sam_account_name", "user_principal_name", "display_name", "mail",
    "enabled" (userAccountControl bit 0x2 clear), "user_account_control",
    "groups": [{"dn", "name" (its first CN)}], "manager": {"dn", "name"},
    "last_logon": RFC 3339 or null, "password_last_set": RFC 3339, null
    (never) or "must change" (0)}.  A value that does not convert is left
   out and named in "warnings".  Never NULL. */
json_t *ldap_user_summary(const char *dn, const json_t *attrs);

#endif
