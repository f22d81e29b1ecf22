/*  fuzz_ldap.c — the LDAP result -> JSON conversion of the Active Directory
    connectors (adapters/private/ldap_directory.h): the bytes as an entry's
    attributes ({"name": ["value", ...]}, as ldap_directory.c builds them from
    a search result) through ldap_user_summary, and as a filter value and an
    AD time. */
#include "ldap_directory.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *attrs = json_loadb((const char *)data, size, 0, NULL);
    if (json_is_object(attrs)) {
        json_t *s = ldap_user_summary("CN=fuzz,DC=example", attrs);
        json_decref(s);
    }
    json_decref(attrs);
    char *esc = ldap_filter_escape((const char *)data, size);
    free(esc);
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
        (void)ldap_ad_time_ms(text);
        json_t *dn_only = json_pack("{s:[s]}", "manager", text);
        if (dn_only) { /* NULL when text is not UTF-8 */
            json_t *s = ldap_user_summary(text, dn_only);
            json_decref(s);
            json_decref(dn_only);
        }
        free(text);
    }
    return 0;
}
