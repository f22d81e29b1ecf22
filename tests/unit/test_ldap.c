/*  test_ldap.c — the conversions of the Active Directory / LDAP connectors
    (adapters/private/ldap_directory.h): RFC 4515 filter escaping, AD Large
    Integer times, and the user summary (groups, manager, enabled, times,
    warnings for values that do not convert). */
#include "check.h"
#include "ldap_directory.h"

static void test_escape(void)
{
    struct {
        const char *in;
        size_t len;
        const char *out;
    } cases[] = {
        {"asmith", 6, "asmith"},
        {"a*", 2, "a\\2a"},
        {"*)(uid=*))(|(uid=*", 18, "\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a"}, /* injection */
        {"x\\y", 3, "x\\5cy"},
        {"a\0b", 3, "a\\00b"},
        {"Jos\xc3\xa9", 5, "Jos\xc3\xa9"}, /* UTF-8 passes as is (RFC 4515 allows it) */
        {"", 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = ldap_filter_escape(cases[i].in, cases[i].len);
        CHECK_STR(got, cases[i].out);
        free(got);
    }
}

static void test_times(void)
{
    CHECK_INT(ldap_ad_time_ms("134404992000000000"), 1796025600000LL); /* 2026-11-30T08:00:00Z */
    CHECK_INT(ldap_ad_time_ms("116444736000000001"), 0);               /* 100 ns after 1970 */
    CHECK_INT(ldap_ad_time_ms("0"), -1);                               /* never */
    CHECK_INT(ldap_ad_time_ms("9223372036854775807"), -1);             /* "never" (0x7FFF…) */
    CHECK_INT(ldap_ad_time_ms("12x"), -2);
    CHECK_INT(ldap_ad_time_ms("-5"), -2);
    CHECK_INT(ldap_ad_time_ms(NULL), -2);
}

static void test_summary(void)
{
    json_t *attrs = json_pack("{s:[s], s:[s], s:[s,s], s:[s], s:[s], s:[s]}", "samaccountname",
                              "asmith", "useraccountcontrol", "514", "memberof",
                              "CN=Finance Admins,OU=Groups,DC=beta,DC=example",
                              "CN=Smith\\, Ops,OU=Groups,DC=beta,DC=example", "manager",
                              "CN=Bob Jones,OU=Users,DC=beta,DC=example", "lastlogontimestamp",
                              "134404992000000000", "pwdlastset", "0");
    json_t *s = ldap_user_summary("CN=Alice Smith,OU=Users,DC=beta,DC=example", attrs);
    CHECK(json_is_false(json_object_get(s, "enabled")));
    CHECK_INT(json_integer_value(json_object_get(s, "user_account_control")), 514);
    CHECK_INT(json_array_size(json_object_get(s, "groups")), 2);
    CHECK_STR(
        json_string_value(json_object_get(json_array_get(json_object_get(s, "groups"), 0), "name")),
        "Finance Admins");
    CHECK_STR(
        json_string_value(json_object_get(json_array_get(json_object_get(s, "groups"), 1), "name")),
        "Smith\\, Ops");
    CHECK_STR(json_string_value(json_object_get(json_object_get(s, "manager"), "name")),
              "Bob Jones");
    CHECK_STR(json_string_value(json_object_get(s, "last_logon")), "2026-11-30T08:00:00.000Z");
    CHECK_STR(json_string_value(json_object_get(s, "password_last_set")), "must change");
    CHECK(json_object_get(s, "warnings") == NULL);
    json_decref(s);
    json_decref(attrs);

    /* values that do not convert are left out and named; the rest is kept */
    attrs = json_pack("{s:[s], s:[s], s:[s]}", "useraccountcontrol", "lots", "lastlogontimestamp",
                      "yesterday", "mail", "a@beta.example");
    s = ldap_user_summary("CN=x", attrs);
    CHECK(json_object_get(s, "enabled") == NULL);
    CHECK(json_object_get(s, "last_logon") == NULL);
    CHECK_STR(json_string_value(json_object_get(s, "mail")), "a@beta.example");
    CHECK_INT(json_array_size(json_object_get(s, "warnings")), 2);
    json_decref(s);
    json_decref(attrs);
}

int main(void)
{
    test_escape();
    test_times();
    test_summary();
    return check_summary();
}
