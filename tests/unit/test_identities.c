/*  test_identities.c — the identity crosswalk (casestore/identities.c,
    identities_csv.c; issue 15 clause 1): the strict CSV reader names every
    bad row and loads nothing; a load replaces the CSV links atomically;
    show by person, SITE:ACCOUNT or account; a learned link never overrides
    a CSV one; a person's alerts at two sites meet in one case. */
#include "casestore_identities.h"
#include "check.h"
#include "ocsf.h"

#include <stdlib.h>
#include <string.h>

#define HOUR_MS (3600 * 1000)

static casestore_t *st;
static casestore_txn_t *txn;

static bool two_sites(void *arg, const char *site)
{
    (void)arg;
    return strcmp(site, "alpha") == 0 || strcmp(site, "beta") == 0;
}

static json_t *parse(const char *text, json_t **errors, fs_err_t *e)
{
    return casestore_identities_parse_csv(text, strlen(text), "people.csv", two_sites, NULL, errors,
                                          e);
}

/* The reason given for `line` in errors, NULL when none. */
static const char *reason_at(const json_t *errors, int line)
{
    size_t i;
    json_t *err;
    json_array_foreach(errors, i, err)
    {
        if (json_integer_value(json_object_get(err, "line")) == line)
            return json_string_value(json_object_get(err, "reason"));
    }
    return NULL;
}

static void a_good_file_parses(void)
{
    fs_err_t e = {0};
    json_t *errors = NULL;
    json_t *p = parse("person,site,account\r\n"
                      "jane.doe,alpha,j.doe@alpha.example\r\n"
                      "\"jane.doe\",beta,\"jane.doe@beta.example\"\r\n"
                      "\n"
                      "\"Smith, Alice\",alpha,\"CORP\\asmith\"\n"
                      "jane.doe,alpha,J.Doe@alpha.example\n", /* the same link again: once */
                      &errors, &e);
    CHECK(p != NULL && errors == NULL);
    json_t *rows = json_object_get(p, "rows");
    CHECK_INT(json_array_size(rows), 3);
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 2), "person")),
              "Smith, Alice");
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 2), "account")),
              "CORP\\asmith");
    CHECK_INT(json_integer_value(json_object_get(json_array_get(rows, 2), "line")), 5);
    json_decref(p);
    /* A spreadsheet's byte order mark and a header in capitals. */
    p = parse("\xef\xbb\xbfPerson,Site,Account\nx,alpha,y\n", &errors, &e);
    CHECK(p != NULL);
    json_decref(p);
}

static void every_bad_row_is_named_and_nothing_is_loaded(void)
{
    fs_err_t e = {0};
    json_t *errors = NULL;
    json_t *p = parse("person,site,account\n"
                      "jane.doe,alpha,j.doe@alpha.example\n" /* 2 good */
                      "jane.doe,gamma,jd@gamma.example\n"    /* 3 unknown site */
                      ",alpha,nobody\n"                      /* 4 empty person */
                      "bob,beta,\n"                          /* 5 empty account */
                      "mallory,alpha,J.DOE@alpha.example\n"  /* 6 claimed by two */
                      "eve,alpha\n"                          /* 7 two fields */
                      "eve,alpha,a,b\n"                      /* 8 four fields */
                      "eve,alpha,ab\"c\n"                    /* 9 stray quote */
                      "\"eve\"x,alpha,abc\n"                 /* 10 text after quote */
                      "eve,alpha,\"line\nbreak\"\n"          /* 11 break inside a field */
                      "eve,alpha,\xff\xfe\n"                 /* 13 not UTF-8 */
                      "eve,beta,\"never closed\n",           /* 14 unterminated */
                      &errors, &e);
    CHECK(p == NULL);
    CHECK(errors != NULL);
    CHECK_INT(json_array_size(errors), 11);
    CHECK(reason_at(errors, 2) == NULL);
    CHECK(reason_at(errors, 3) && strstr(reason_at(errors, 3), "unknown site \"gamma\""));
    CHECK(reason_at(errors, 4) && strstr(reason_at(errors, 4), "empty person"));
    CHECK(reason_at(errors, 5) && strstr(reason_at(errors, 5), "empty account"));
    CHECK(reason_at(errors, 6) && strstr(reason_at(errors, 6), "claimed by mallory") &&
          strstr(reason_at(errors, 6), "by jane.doe on line 2"));
    CHECK(reason_at(errors, 7) && strstr(reason_at(errors, 7), "2 fields"));
    CHECK(reason_at(errors, 8) && strstr(reason_at(errors, 8), "4 fields"));
    CHECK(reason_at(errors, 9) && strstr(reason_at(errors, 9), "quote inside unquoted"));
    CHECK(reason_at(errors, 10) && strstr(reason_at(errors, 10), "after the closing quote"));
    CHECK(reason_at(errors, 11) && strstr(reason_at(errors, 11), "line break"));
    CHECK(reason_at(errors, 13) && strstr(reason_at(errors, 13), "not UTF-8"));
    CHECK(reason_at(errors, 14) && strstr(reason_at(errors, 14), "never closed"));
    /* The error names the file, the first bad line and the count. */
    CHECK(strstr(e.text, "people.csv:3: unknown site") != NULL);
    CHECK(strstr(e.text, "11 bad rows") != NULL);
    CHECK_INT(e.code, CASESTORE_E_INVALID);
    json_decref(errors);

    /* No header; a NUL byte. */
    CHECK(parse("jane,alpha,j\n", &errors, &e) == NULL);
    CHECK(reason_at(errors, 1) && strstr(reason_at(errors, 1), "header"));
    json_decref(errors);
    CHECK(casestore_identities_parse_csv("person,site,account\n\0", 21, "x", NULL, NULL, &errors,
                                         &e) == NULL);
    json_decref(errors);
    /* An empty file has no header either. */
    CHECK(parse("", &errors, &e) == NULL);
    json_decref(errors);
}

static void too_many_bad_rows_are_counted(void)
{
    size_t n = CASESTORE_IDENTITIES_ERRORS_MAX + 7;
    char *text = fs_xmalloc(32 + n * 16);
    strcpy(text, "person,site,account\n");
    for (size_t i = 0; i < n; i++)
        strcat(text, "p,nowhere,a\n");
    fs_err_t e = {0};
    json_t *errors = NULL;
    CHECK(parse(text, &errors, &e) == NULL);
    CHECK_INT(json_array_size(errors), CASESTORE_IDENTITIES_ERRORS_MAX + 1);
    CHECK_STR(json_string_value(json_object_get(
                  json_array_get(errors, (size_t)CASESTORE_IDENTITIES_ERRORS_MAX), "reason")),
              "... and 7 more");
    json_decref(errors);
    free(text);
}

static json_t *load(const char *text)
{
    fs_err_t e = {0};
    json_t *p = parse(text, NULL, &e);
    CHECK(p != NULL);
    json_t *r = casestore_identities_replace_csv(st, txn, p, &e);
    CHECK(r != NULL);
    json_decref(p);
    return r;
}

static void a_load_replaces_the_csv_links(void)
{
    json_t *r = load("person,site,account\n"
                     "jane.doe,alpha,j.doe@alpha.example\n"
                     "jane.doe,beta,jane.doe@beta.example\n"
                     "old.person,alpha,old@alpha.example\n");
    CHECK_INT(json_integer_value(json_object_get(r, "loaded")), 3);
    CHECK_INT(json_integer_value(json_object_get(r, "persons")), 2);
    json_decref(r);
    r = load("person,site,account\n"
             "jane.doe,alpha,j.doe@alpha.example\n"
             "jane.doe,beta,jane.doe@beta.example\n"
             "alice.smith,alpha,asmith\n"
             "avery.smith,beta,BETA\\asmith\n");
    CHECK_INT(json_integer_value(json_object_get(r, "removed")), 1);
    json_decref(r);
    CHECK(casestore_identity_link(st, txn, "alpha", "old@alpha.example") == NULL);
    CHECK(casestore_identity_person(st, txn, "old.person") == NULL);

    /* Accounts compare case-insensitively. */
    json_t *link = casestore_identity_link(st, txn, "alpha", "J.DOE@ALPHA.EXAMPLE");
    CHECK_STR(json_string_value(json_object_get(link, "person")), "jane.doe");
    CHECK_STR(json_string_value(json_object_get(link, "source")), "csv");
    CHECK_STR(json_string_value(json_object_get(link, "account")), "j.doe@alpha.example");
    json_decref(link);
    /* Same name, other site: not linked. */
    CHECK(casestore_identity_link(st, txn, "beta", "j.doe@alpha.example") == NULL);

    json_t *person = casestore_identity_person(st, txn, "jane.doe");
    json_t *accounts = json_object_get(person, "accounts");
    CHECK_INT(json_array_size(accounts), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(accounts, 0), "site")), "alpha");
    CHECK_STR(json_string_value(json_object_get(json_array_get(accounts, 1), "account")),
              "jane.doe@beta.example");
    json_decref(person);
}

static void show_finds_a_person_by_any_name(void)
{
    static const char *const queries[] = {"jane.doe", "beta:jane.doe@beta.example",
                                          "JANE.DOE@beta.example", "alpha:J.Doe@alpha.example"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        json_t *s = casestore_identities_show(st, txn, queries[i]);
        json_t *m = json_object_get(s, "matches");
        CHECK_INT(json_array_size(m), 1);
        CHECK_STR(json_string_value(json_object_get(json_array_get(m, 0), "person")), "jane.doe");
        CHECK_INT(json_array_size(json_object_get(json_array_get(m, 0), "accounts")), 2);
        json_decref(s);
    }
    json_t *s = casestore_identities_show(st, txn, "nobody");
    CHECK_INT(json_array_size(json_object_get(s, "matches")), 0);
    json_decref(s);
    json_t *l = casestore_identities_list(st, txn, 100);
    CHECK_INT(json_array_size(json_object_get(l, "persons")), 3);
    CHECK_INT(json_integer_value(json_object_get(l, "links")), 4);
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(l, "persons"), 0), "person")),
              "alice.smith");
    json_decref(l);
}

static void a_learned_link_never_overrides_a_csv_link(void)
{
    fs_err_t e = {0};
    char *person = NULL;
    /* Entra says beta's jdoe2 has otherMails j.doe@alpha.example: jane's. */
    CHECK_INT(casestore_identities_learn(st, txn, "beta", "jdoe2@beta.example",
                                         "J.Doe@alpha.example", "entra-users", "otherMails",
                                         &person, &e),
              1);
    CHECK_STR(person, "jane.doe");
    free(person);
    json_t *link = casestore_identity_link(st, txn, "beta", "jdoe2@beta.example");
    CHECK_STR(json_string_value(json_object_get(link, "source")), "learned:entra-users:otherMails");
    json_decref(link);
    /* Learning it again: nothing new. */
    CHECK_INT(casestore_identities_learn(st, txn, "beta", "jdoe2@beta.example",
                                         "j.doe@alpha.example", "entra-users", "otherMails", NULL,
                                         &e),
              0);
    /* An attribute naming someone else never moves a CSV link. */
    CHECK_INT(casestore_identities_learn(st, txn, "alpha", "asmith", "jane.doe@beta.example", "ad",
                                         "mail", NULL, &e),
              0);
    link = casestore_identity_link(st, txn, "alpha", "asmith");
    CHECK_STR(json_string_value(json_object_get(link, "person")), "alice.smith");
    json_decref(link);
    /* No owner of the email: nothing. */
    CHECK_INT(casestore_identities_learn(st, txn, "beta", "x", "nobody@x.example", "okta",
                                         "secondEmail", NULL, &e),
              0);
    /* A CSV load that names the learned account makes it a CSV link. */
    json_t *r = load("person,site,account\n"
                     "jane.doe,alpha,j.doe@alpha.example\n"
                     "jane.doe,beta,jane.doe@beta.example\n"
                     "alice.smith,alpha,asmith\n"
                     "avery.smith,beta,BETA\\asmith\n"
                     "jane.doe,beta,JDOE2@beta.example\n");
    CHECK_INT(json_integer_value(json_object_get(r, "replaced_learned")), 1);
    json_decref(r);
    link = casestore_identity_link(st, txn, "beta", "jdoe2@beta.example");
    CHECK_STR(json_string_value(json_object_get(link, "source")), "csv");
    json_decref(link);
}

static json_t *user_alert(const char *site, const char *user)
{
    return json_pack("{s:i, s:s, s:s, s:i, s:{s:s}, s:[{s:i, s:s}]}", "class_uid",
                     OCSF_CLASS_DETECTION_FINDING, "site", site, "source", "test", "severity_id", 3,
                     "finding_info", "title", "t", "observables", "type_id",
                     OCSF_OBSERVABLE_USER_NAME, "value", user);
}

static uint64_t attach(json_t *ev, uint64_t event_id, bool *created)
{
    fs_err_t e = {0};
    uint64_t id = casestore_case_attach_alert(st, txn, ev, event_id, HOUR_MS, created, &e);
    json_decref(ev);
    return id;
}

/* §15.1 correlation joins a person's alerts across sites into one case. */
static void a_person_alerts_meet_in_one_case(void)
{
    bool created;
    uint64_t a = attach(user_alert("alpha", "j.doe@alpha.example"), 1, &created);
    CHECK(created);
    uint64_t b = attach(user_alert("beta", "Jane.Doe@beta.example"), 2, &created);
    CHECK(a == b && !created);
    json_t *c = casestore_case_get(st, txn, a);
    CHECK_INT(json_array_size(json_object_get(c, "persons")), 1);
    CHECK_STR(json_string_value(json_array_get(json_object_get(c, "persons"), 0)), "jane.doe");
    json_decref(c);
    /* Alice asmith at alpha and Avery BETA\asmith at beta: two people, two
       cases — and neither is jane's. */
    uint64_t x = attach(user_alert("alpha", "asmith"), 3, &created);
    CHECK(created && x != a);
    uint64_t y = attach(user_alert("beta", "BETA\\asmith"), 4, &created);
    CHECK(created && y != x);
    /* An account linked at one site is not the person at another. */
    uint64_t z = attach(user_alert("beta", "asmith"), 5, &created);
    CHECK(created && z != x && z != y);
    c = casestore_case_get(st, txn, z);
    CHECK(json_object_get(c, "persons") == NULL);
    json_decref(c);
}

int main(void)
{
    char dir[] = "/tmp/fedsoar-identities-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_err_t e = {0};
    st = casestore_open(dir, 64, &e);
    CHECK(st != NULL);
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);

    a_good_file_parses();
    every_bad_row_is_named_and_nothing_is_loaded();
    too_many_bad_rows_are_counted();
    a_load_replaces_the_csv_links();
    show_finds_a_person_by_any_name();
    a_learned_link_never_overrides_a_csv_link();
    a_person_alerts_meet_in_one_case();

    casestore_abort(&txn);
    casestore_close(&st);
    check_remove_dir(dir);
    return check_summary();
}
