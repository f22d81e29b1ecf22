/*  test_correlation.c — how alerts join cases (casestore/correlate.c):
    one shared observable of a correlating type (host, IP, user, email, URL,
    hash) within the window puts two alerts in one case, whichever site
    reported them (a user name only as an email/UPN: other user names stay
    at their site); other types never do; the recipients of a reported email
    never do; a sighting older than the window does not (a recent one is not
    rewritten at each alert); a closed case is never joined. */
#include "casestore.h"
#include "check.h"
#include "ocsf.h"

#include <stdlib.h>
#include <string.h>

#define HOUR_MS (3600 * 1000)

static casestore_t *st;
static casestore_txn_t *txn;
static uint64_t next_event = 1;

/* A finding from `site` with one observable (type_id, value, name). */
static json_t *finding(const char *site, int type_id, const char *value, const char *name)
{
    return json_pack("{s:i, s:s, s:s, s:i, s:{s:s}, s:[{s:i, s:s, s:s?}]}", "class_uid",
                     OCSF_CLASS_DETECTION_FINDING, "site", site, "source", "test", "severity_id", 3,
                     "finding_info", "title", "t", "observables", "type_id", type_id, "value",
                     value, "name", name);
}

/* Attaches a finding and returns its case id; *created says whether new. */
static uint64_t attach(json_t *event, int64_t window_ms, bool *created)
{
    fs_err_t e = {0};
    uint64_t id = casestore_case_attach_alert(st, txn, event, next_event++, window_ms, created, &e);
    if (!id)
        fprintf(stderr, "attach: %s\n", e.text);
    json_decref(event);
    return id;
}

/* Two alerts from two sites sharing (type_id, value): one case or two. */
static bool same_case(int type_id, const char *v1, const char *v2)
{
    bool created;
    uint64_t a = attach(finding("alpha", type_id, v1, NULL), HOUR_MS, &created);
    uint64_t b = attach(finding("beta", type_id, v2, NULL), HOUR_MS, &created);
    CHECK(a != 0 && b != 0);
    return a == b;
}

/* Moves the last sighting of an observable back in time by age_ms. */
static void age_sighting(int type_id, const char *value, int64_t age_ms)
{
    char key[256];
    snprintf(key, sizeof key, "%d:%s", type_id, value);
    json_t *row = casestore_get_json(st, txn, CASESTORE_DB_OBS, key, strlen(key));
    CHECK(row != NULL);
    json_object_set_new(row, "time", json_integer(fs_now_ms() - age_ms));
    fs_err_t e = {0};
    CHECK_INT(casestore_put_json(st, txn, CASESTORE_DB_OBS, key, strlen(key), row, &e), 0);
    json_decref(row);
}

static void each_correlating_type_joins_across_sites(void)
{
    CHECK(same_case(OCSF_OBSERVABLE_HOSTNAME, "ws-042.corp.example", "ws-042.corp.example"));
    CHECK(same_case(OCSF_OBSERVABLE_IP_ADDRESS, "203.0.113.7", "203.0.113.7"));
    CHECK(same_case(OCSF_OBSERVABLE_USER_NAME, "j.doe@corp.example", "j.doe@corp.example"));
    CHECK(
        same_case(OCSF_OBSERVABLE_EMAIL_ADDRESS, "attacker@evil.example", "attacker@evil.example"));
    CHECK(
        same_case(OCSF_OBSERVABLE_URL_STRING, "https://evil.example/x", "https://evil.example/x"));
    CHECK(same_case(OCSF_OBSERVABLE_HASH, "e3b0c44298fc1c149afbf4c8996fb924",
                    "e3b0c44298fc1c149afbf4c8996fb924"));
}

static void case_folding_follows_the_type(void)
{
    /* Names and addresses are case-insensitive; URLs and hashes are not. */
    CHECK(same_case(OCSF_OBSERVABLE_HOSTNAME, "DC01.corp.example", "dc01.CORP.example"));
    CHECK(same_case(OCSF_OBSERVABLE_USER_NAME, "Admin.Two@Corp.example", "admin.two@corp.example"));
    CHECK(same_case(OCSF_OBSERVABLE_EMAIL_ADDRESS, "Boss@Corp.example", "boss@corp.example"));
    CHECK(!same_case(OCSF_OBSERVABLE_URL_STRING, "https://evil.example/Payload",
                     "https://evil.example/payload"));
    CHECK(!same_case(OCSF_OBSERVABLE_HASH, "ABCDEF0123456789", "abcdef0123456789"));
}

static void other_types_never_join(void)
{
    CHECK(!same_case(OCSF_OBSERVABLE_FILE_NAME, "invoice.pdf.exe", "invoice.pdf.exe"));
    CHECK(!same_case(OCSF_OBSERVABLE_PROCESS_NAME, "powershell.exe", "powershell.exe"));
    CHECK(!same_case(OCSF_OBSERVABLE_MAC_ADDRESS, "00:11:22:33:44:55", "00:11:22:33:44:55"));
    /* Different values of a correlating type: two cases. */
    CHECK(!same_case(OCSF_OBSERVABLE_IP_ADDRESS, "198.51.100.1", "198.51.100.2"));
}

/* §15.1 People, not strings: a user name is global only as an email or UPN;
   DOMAIN\name and bare names belong to the site that reported them. */
static void user_names_without_at_stay_at_their_site(void)
{
    /* Alice asmith at alpha, Avery BETA\asmith at beta: two people. */
    CHECK(!same_case(OCSF_OBSERVABLE_USER_NAME, "asmith", "BETA\\asmith"));
    /* Even the same bare name, or the same DOMAIN\name (two companies may
       both have a CORP domain), at two sites: two cases. */
    CHECK(!same_case(OCSF_OBSERVABLE_USER_NAME, "bsmith", "bsmith"));
    CHECK(!same_case(OCSF_OBSERVABLE_USER_NAME, "CORP\\csmith", "CORP\\csmith"));
    /* At one site they are one account (case-insensitive): one case. */
    bool created;
    uint64_t a = attach(finding("alpha", OCSF_OBSERVABLE_USER_NAME, "CORP\\dsmith", NULL), HOUR_MS,
                        &created);
    uint64_t b = attach(finding("alpha", OCSF_OBSERVABLE_USER_NAME, "corp\\DSMITH", NULL), HOUR_MS,
                        &created);
    CHECK(a == b && !created);
    /* The index key names the site. */
    json_t *row = casestore_get_json(st, txn, CASESTORE_DB_OBS, "4:alpha:corp\\dsmith", 19);
    CHECK(row != NULL);
    json_decref(row);
    /* A finding without a site never correlates a local name. */
    json_t *ev = finding("alpha", OCSF_OBSERVABLE_USER_NAME, "esmith", NULL);
    json_object_del(ev, "site");
    uint64_t c = attach(ev, HOUR_MS, &created);
    ev = finding("alpha", OCSF_OBSERVABLE_USER_NAME, "esmith", NULL);
    json_object_del(ev, "site");
    CHECK(attach(ev, HOUR_MS, &created) != c && created);
}

static void email_recipients_are_excluded(void)
{
    /* Two unrelated phishing reports to the same person stay two cases... */
    static const char *const victim[] = {"email.to", "email.cc", "email.bcc"};
    for (size_t i = 0; i < sizeof victim / sizeof *victim; i++) {
        bool created;
        char rcpt[64];
        snprintf(rcpt, sizeof rcpt, "victim%zu@corp.example", i);
        uint64_t a = attach(finding("alpha", OCSF_OBSERVABLE_EMAIL_ADDRESS, rcpt, victim[i]),
                            HOUR_MS, &created);
        CHECK(created);
        uint64_t b = attach(finding("beta", OCSF_OBSERVABLE_EMAIL_ADDRESS, rcpt, victim[i]),
                            HOUR_MS, &created);
        CHECK(created && a != b);
    }
    /* ... while the same sender joins them. */
    bool created;
    uint64_t a =
        attach(finding("alpha", OCSF_OBSERVABLE_EMAIL_ADDRESS, "phisher@bad.example", "email.from"),
               HOUR_MS, &created);
    uint64_t b =
        attach(finding("beta", OCSF_OBSERVABLE_EMAIL_ADDRESS, "phisher@bad.example", "email.from"),
               HOUR_MS, &created);
    CHECK(a == b && !created);
}

static void the_window_runs_from_the_last_sighting(void)
{
    bool created;
    const char *ip = "192.0.2.99";
    uint64_t first =
        attach(finding("alpha", OCSF_OBSERVABLE_IP_ADDRESS, ip, NULL), HOUR_MS, &created);
    CHECK(created);
    /* Seen 59 minutes ago: still inside a one-hour window. */
    age_sighting(OCSF_OBSERVABLE_IP_ADDRESS, ip, HOUR_MS - 60 * 1000);
    CHECK(attach(finding("beta", OCSF_OBSERVABLE_IP_ADDRESS, ip, NULL), HOUR_MS, &created) ==
              first &&
          !created);
    /* That alert refreshed the sighting; now age it past the window. */
    age_sighting(OCSF_OBSERVABLE_IP_ADDRESS, ip, HOUR_MS + 60 * 1000);
    uint64_t later =
        attach(finding("alpha", OCSF_OBSERVABLE_IP_ADDRESS, ip, NULL), HOUR_MS, &created);
    CHECK(created && later != first);
    /* The index now points at the new case. */
    CHECK(attach(finding("beta", OCSF_OBSERVABLE_IP_ADDRESS, ip, NULL), HOUR_MS, &created) ==
          later);
}

static int64_t sighting_age(int type_id, const char *value)
{
    char key[256];
    snprintf(key, sizeof key, "%d:%s", type_id, value);
    json_t *row = casestore_get_json(st, txn, CASESTORE_DB_OBS, key, strlen(key));
    int64_t age = fs_now_ms() - json_integer_value(json_object_get(row, "time"));
    json_decref(row);
    return age;
}

/* A storm sees the same key in every alert: its row is rewritten (a page
   of the commit) at most once a minute, not at each alert; the window is
   then at most that much short. */
static void a_recent_sighting_is_not_rewritten(void)
{
    bool created;
    const char *host = "ws-storm.corp.example";
    uint64_t first =
        attach(finding("alpha", OCSF_OBSERVABLE_HOSTNAME, host, NULL), HOUR_MS, &created);
    age_sighting(OCSF_OBSERVABLE_HOSTNAME, host, 30 * 1000);
    CHECK(attach(finding("beta", OCSF_OBSERVABLE_HOSTNAME, host, NULL), HOUR_MS, &created) ==
          first);
    int64_t age = sighting_age(OCSF_OBSERVABLE_HOSTNAME, host);
    CHECK(age >= 30 * 1000 && age < 40 * 1000); /* kept as it was */
    age_sighting(OCSF_OBSERVABLE_HOSTNAME, host, 61 * 1000);
    CHECK(attach(finding("beta", OCSF_OBSERVABLE_HOSTNAME, host, NULL), HOUR_MS, &created) ==
          first);
    CHECK(sighting_age(OCSF_OBSERVABLE_HOSTNAME, host) < 10 * 1000); /* refreshed */
    /* A short window refreshes at a sixty-fourth of it (here 1 s of 64 s). */
    age_sighting(OCSF_OBSERVABLE_HOSTNAME, host, 2 * 1000);
    CHECK(attach(finding("beta", OCSF_OBSERVABLE_HOSTNAME, host, NULL), 64 * 1000, &created) ==
          first);
    CHECK(sighting_age(OCSF_OBSERVABLE_HOSTNAME, host) < 1000);
}

static void a_closed_case_is_not_joined(void)
{
    bool created;
    uint64_t a =
        attach(finding("alpha", OCSF_OBSERVABLE_HOSTNAME, "srv-9", NULL), HOUR_MS, &created);
    fs_err_t e = {0};
    json_t *closed = json_pack("{s:s}", "status", "closed");
    CHECK_INT(casestore_case_update(st, txn, a, closed, "test", &e), 0);
    json_decref(closed);
    uint64_t b =
        attach(finding("beta", OCSF_OBSERVABLE_HOSTNAME, "srv-9", NULL), HOUR_MS, &created);
    CHECK(created && b != a);
}

static void a_joined_case_lists_both_sites(void)
{
    bool created;
    uint64_t a =
        attach(finding("alpha", OCSF_OBSERVABLE_HASH, "feedface", NULL), HOUR_MS, &created);
    attach(finding("beta", OCSF_OBSERVABLE_HASH, "feedface", NULL), HOUR_MS, &created);
    json_t *c = casestore_case_get(st, txn, a);
    CHECK_INT(json_array_size(json_object_get(c, "sites")), 2);
    CHECK_INT(json_integer_value(json_object_get(c, "alert_count")), 2);
    /* The timeline says which alert opened it and which joined. */
    json_t *tl = casestore_timeline(st, txn, a, 10);
    CHECK_INT(json_array_size(tl), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(tl, 0), "kind")), "opened");
    CHECK_STR(json_string_value(json_object_get(json_array_get(tl, 1), "kind")), "alert");
    json_decref(tl);
    json_decref(c);
}

/* A storm: the case lists its newest CASESTORE_CASE_ALERTS_LISTED alerts
   and counts every one; the timeline has them all. */
static void a_case_lists_its_newest_alerts(void)
{
    bool created;
    int n = CASESTORE_CASE_ALERTS_LISTED + 50;
    uint64_t first_event = next_event, id = 0;
    for (int i = 0; i < n; i++)
        id = attach(finding("alpha", OCSF_OBSERVABLE_HOSTNAME, "storm-host", NULL), HOUR_MS,
                    &created);
    json_t *c = casestore_case_get(st, txn, id);
    json_t *alerts = json_object_get(c, "alerts");
    CHECK_INT(json_integer_value(json_object_get(c, "alert_count")), n);
    CHECK_INT(json_array_size(alerts), CASESTORE_CASE_ALERTS_LISTED);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(alerts, 0), "event_id")),
              (long long)(first_event + 50));
    CHECK_INT(json_integer_value(json_object_get(
                  json_array_get(alerts, CASESTORE_CASE_ALERTS_LISTED - 1), "event_id")),
              (long long)(first_event + (uint64_t)n - 1));
    json_t *tl = casestore_timeline(st, txn, id, 1000);
    CHECK_INT(json_array_size(tl), n);
    json_decref(tl);
    json_decref(c);
}

/* A case lists each observable once, the first 200 it saw (docs/internals/
   casestore.md, "Case documents are bounded"; correlation reads the
   index, which has them all). */
static void a_case_lists_each_observable_once(void)
{
    bool created;
    uint64_t id = 0;
    for (int i = 0; i < 250; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "10.9.%d.%d", i / 200, i % 200 + 1);
        json_t *ev = finding("alpha", OCSF_OBSERVABLE_HOSTNAME, "obs-storm-host", NULL);
        json_array_append_new(
            json_object_get(ev, "observables"),
            json_pack("{s:i, s:s}", "type_id", OCSF_OBSERVABLE_IP_ADDRESS, "value", ip));
        id = attach(ev, HOUR_MS, &created);
        if (i == 1) {
            json_t *c = casestore_case_get(st, txn, id);
            CHECK_INT(json_array_size(json_object_get(c, "observables")), 3);
            json_decref(c);
        }
    }
    json_t *c = casestore_case_get(st, txn, id);
    json_t *listed = json_object_get(c, "observables");
    CHECK_INT(json_array_size(listed), 200);
    CHECK_STR(json_string_value(json_object_get(json_array_get(listed, 0), "value")),
              "obs-storm-host");
    CHECK_STR(json_string_value(json_object_get(json_array_get(listed, 199), "value")),
              "10.9.0.199");
    size_t hosts = 0, i;
    json_t *o;
    json_array_foreach(listed, i, o) hosts +=
        strcmp(json_string_value(json_object_get(o, "value")), "obs-storm-host") == 0;
    CHECK_INT(hosts, 1);
    CHECK_INT(json_integer_value(json_object_get(c, "alert_count")), 250);
    json_decref(c);
}

static const char *status_of(const json_t *c)
{
    return json_string_value(json_object_get(c, "status"));
}

/* casestore's case cache (cases.c) never gives anything but the stored row:
   after a write by another path, after an aborted transaction, and a copy
   changed by its caller changes nothing shared. */
static void the_case_cache_follows_the_stored_row(void)
{
    fs_err_t e = {0};
    bool created;
    uint64_t a =
        attach(finding("alpha", OCSF_OBSERVABLE_HOSTNAME, "cache-host", NULL), HOUR_MS, &created);
    CHECK(created && a != 0);
    CHECK_INT(casestore_commit(&txn, &e), 0);
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    CHECK(casestore_case_view(st, txn, 999999) == NULL);
    CHECK(casestore_case_get(st, txn, 999999) == NULL);

    json_t *v1 = casestore_case_view(st, txn, a), *v2 = casestore_case_view(st, txn, a);
    CHECK(v1 != NULL && v1 == v2); /* unchanged row: one shared document */
    char *committed = json_dumps(v1, JSON_COMPACT);
    const char *first_status = status_of(v1);
    CHECK(first_status && strcmp(first_status, "analysis") != 0);
    json_t *own = casestore_case_get(st, txn, a);
    CHECK(own != v1 && json_equal(own, v1));
    json_object_set_new(own, "status", json_string("analysis"));
    CHECK(strcmp(status_of(v1), "analysis") != 0);

    /* a row written by another path than the case writer */
    unsigned char key[8];
    fs_u64_to_be(a, key);
    CHECK_INT(casestore_put_json(st, txn, CASESTORE_DB_CASES, key, 8, own, &e), 0);
    json_t *v3 = casestore_case_view(st, txn, a);
    CHECK(v3 != v1);
    CHECK_STR(status_of(v3), "analysis");
    json_decref(v3);
    json_decref(own);

    /* aborted: the committed row again, not what the cache last saw */
    casestore_abort(&txn);
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    json_t *v4 = casestore_case_view(st, txn, a);
    char *now = json_dumps(v4, JSON_COMPACT);
    CHECK_STR(now, committed);
    free(now);
    json_decref(v4);

    /* the case writer's own document is the next read's, held or not */
    json_t *fields = json_pack("{s:s}", "status", "containment");
    CHECK_INT(casestore_case_update(st, txn, a, fields, "tester", &e), 0);
    json_decref(fields);
    json_t *held = casestore_case_view(st, txn, a);
    CHECK_STR(status_of(held), "containment");
    json_t *copy = casestore_case_get(st, txn, a); /* a copy: the view is still held */
    CHECK(copy != held && json_equal(copy, held));
    json_object_set_new(copy, "status", json_string("closed"));
    CHECK_STR(status_of(held), "containment");
    json_decref(copy);
    json_decref(held);
    json_t *sole = casestore_case_get(st, txn, a); /* nobody holds it: handed over */
    CHECK_STR(status_of(sole), "containment");
    json_object_set_new(sole, "status", json_string("closed"));
    json_decref(sole);
    json_t *again = casestore_case_view(st, txn, a);
    CHECK_STR(status_of(again), "containment");
    json_decref(again);

    json_decref(v1);
    json_decref(v2);
    free(committed);
}

int main(void)
{
    char dir[] = "/tmp/fedsoar-correlation-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_err_t e = {0};
    st = casestore_open(dir, 64, &e);
    CHECK(st != NULL);
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);

    each_correlating_type_joins_across_sites();
    case_folding_follows_the_type();
    other_types_never_join();
    user_names_without_at_stay_at_their_site();
    email_recipients_are_excluded();
    the_window_runs_from_the_last_sighting();
    a_recent_sighting_is_not_rewritten();
    a_closed_case_is_not_joined();
    a_joined_case_lists_both_sites();
    a_case_lists_its_newest_alerts();
    a_case_lists_each_observable_once();
    the_case_cache_follows_the_stored_row();

    casestore_abort(&txn);
    casestore_close(&st);
    check_remove_dir(dir);
    return check_summary();
}
