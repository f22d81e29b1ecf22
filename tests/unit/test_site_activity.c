/*  test_site_activity.c — the per-site activity aggregates of issue 15.2/15.3
    (casestore/site_activity.c, docs/mna-gap.md): batches noted as the
    broker's ingest notes them, on two days and for two sites, then read
    back over a 1-day and a 7-day window: events per source in the window
    and in all, first/last arrival, classes and techniques of the window
    only, the lag histogram's quantiles (one sample per source per batch,
    findings' own), a site's rows never mixed with another's, and a batch
    with more distinct names than the tally holds folding the rest into
    "(other)" without losing a count. */
#include "casestore_activity.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL
static casestore_t *st;
static const int64_t NOW = 1796558400000LL; /* 2026-12-06T12:00:00Z */

static void note(casestore_activity_t *a, const char *source, json_int_t cls, int64_t time)
{
    json_t *ev = json_pack("{s:s, s:I}", "site", "alpha", "class_uid", cls);
    if (source)
        json_object_set_new(ev, "source", json_string(source));
    if (time)
        json_object_set_new(ev, "time", json_integer(time));
    char *text = json_dumps(ev, JSON_COMPACT);
    casestore_activity_note(a, source, source ? strlen(source) : 0, text, strlen(text), cls);
    free(text);
    json_decref(ev);
}

static void flush(casestore_activity_t **a)
{
    casestore_txn_t *txn;
    fs_err_t e = {0};
    CHECK(casestore_begin(st, true, &txn, &e) == 0);
    CHECK(casestore_activity_flush(st, txn, *a, &e) == 0);
    CHECK(casestore_commit(&txn, &e) == 0);
    casestore_activity_destroy(a);
    casestore_activity_destroy(a); /* idempotent */
}

static json_t *read_site(const char *site, int days)
{
    casestore_txn_t *txn;
    fs_err_t e = {0};
    CHECK(casestore_begin(st, false, &txn, &e) == 0);
    json_t *r = casestore_site_activity(st, txn, site, days, NOW);
    casestore_abort(&txn);
    return r;
}

static json_int_t at(const json_t *r, const char *a, const char *b, const char *c)
{
    const json_t *v = json_object_get(json_object_get(json_object_get(r, a), b), c);
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

int main(void)
{
    char dir[] = "/tmp/fedsoar-activity-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_err_t e = {0};
    st = casestore_open(dir, 64, &e);
    CHECK(st != NULL);
    if (!st)
        return check_summary();
    int64_t d1 = NOW - 3 * DAY_MS;

    /* Three days ago at alpha: suricata x3 (10 s old), crowdstrike x1 (2 h
       old, a finding naming three techniques), one event without a source. */
    casestore_activity_t *a = casestore_activity_new("alpha", d1);
    note(a, "suricata.eve", 2004, d1 - 10000);
    note(a, "suricata.eve", 4001, d1 - 999999999); /* not sampled: the first of its source was */
    note(a, "suricata.eve", 4001, 0);
    note(a, "crowdstrike.alert", 2004, d1 - 7200 * 1000LL);
    json_t *finding = json_pack("{s:{s:[{s:{s:s}}, {s:{s:s}}]}, s:[{s:{s:s}}]}", "finding_info",
                                "attacks", "technique", "uid", "T1071", "technique", "uid", "T1003",
                                "attacks", "technique", "uid", "T1059");
    casestore_activity_note_finding(a, finding);
    json_decref(finding);
    note(a, NULL, 1007, 0);
    flush(&a);
    /* Beta, the same day: never in alpha's answer. */
    a = casestore_activity_new("beta", d1);
    note(a, "microsoft.mde_alert", 2004, d1);
    flush(&a);
    /* Today at alpha: suricata x2 stamped in the future (negative lag). */
    a = casestore_activity_new("alpha", NOW);
    note(a, "suricata.eve", 4003, NOW + 60000);
    note(a, "suricata.eve", 4003, NOW + 60000);
    flush(&a);

    json_t *today = read_site("alpha", 1);
    CHECK_INT(at(today, "sources", "suricata.eve", "events"), 2);
    CHECK_INT(at(today, "sources", "suricata.eve", "events_total"), 5);
    CHECK_INT(at(today, "sources", "suricata.eve", "first_ms"), d1);
    CHECK_INT(at(today, "sources", "suricata.eve", "last_ms"), NOW);
    CHECK_INT(at(today, "sources", "crowdstrike.alert", "events"), 0);
    CHECK_INT(at(today, "sources", "crowdstrike.alert", "last_ms"), d1);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(today, "classes"), "4003")), 2);
    CHECK_INT(json_object_size(json_object_get(today, "classes")), 1);
    CHECK_INT(json_object_size(json_object_get(today, "techniques")), 0);
    CHECK_INT(at(today, "sources", "suricata.eve", "lag_samples"), 1);
    CHECK_INT(at(today, "sources", "suricata.eve", "lag_p50_s"),
              1); /* the future counts as <= 1 s */
    json_decref(today);

    json_t *week = read_site("alpha", 7);
    char *dump = json_dumps(week, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(
        dump,
        "{\"classes\":{\"1007\":1,\"2004\":2,\"4001\":2,\"4003\":2},"
        "\"sources\":{"
        "\"(none)\":{\"events\":1,\"events_total\":1,\"first_ms\":1796299200000,\"lag_p50_s\":"
        "null,\"lag_p95_s\":null,\"lag_samples\":0,\"last_ms\":1796299200000},"
        "\"crowdstrike.alert\":{\"events\":1,\"events_total\":1,\"first_ms\":1796299200000,"
        "\"lag_p50_s\":7200,\"lag_p95_s\":7200,\"lag_samples\":1,\"last_ms\":1796299200000},"
        "\"suricata.eve\":{\"events\":5,\"events_total\":5,\"first_ms\":1796299200000,"
        "\"lag_p50_s\":1,\"lag_p95_s\":10,\"lag_samples\":2,\"last_ms\":1796558400000}},"
        "\"techniques\":{\"T1003\":1,\"T1059\":1,\"T1071\":1}}");
    free(dump);
    json_decref(week);

    casestore_txn_t *txn;
    CHECK(casestore_begin(st, false, &txn, &e) == 0);
    CHECK_INT(casestore_site_source_last(st, txn, "alpha", "suricata.eve"), NOW);
    CHECK_INT(casestore_site_source_last(st, txn, "alpha", "crowdstrike.alert"), d1);
    CHECK_INT(casestore_site_source_last(st, txn, "beta", "suricata.eve"), 0);
    CHECK_INT(casestore_site_source_last(st, txn, "alpha", "okta.system_log"), 0);
    casestore_abort(&txn);

    /* An event two days old is in the open top bucket: 86401, "more than a day". */
    a = casestore_activity_new("late", NOW);
    note(a, "replay", 2004, NOW - 2 * DAY_MS);
    flush(&a);
    json_t *late = read_site("late", 1);
    CHECK_INT(at(late, "sources", "replay", "lag_p50_s"), 86401);
    json_decref(late);

    /* An event the broker has parsed (a finding) gives the same sample
       through casestore_activity_note_event as its bytes would. */
    a = casestore_activity_new("parsed", NOW);
    json_t *ev = json_pack("{s:s, s:i, s:I}", "source", "replay", "class_uid", 2004, "time",
                           (json_int_t)(NOW - 2 * DAY_MS));
    casestore_activity_note_event(a, "replay", 6, ev, 2004);
    json_decref(ev);
    flush(&a);
    json_t *parsed = read_site("parsed", 1);
    CHECK_INT(at(parsed, "sources", "replay", "lag_p50_s"), 86401);
    CHECK_INT(at(parsed, "sources", "replay", "events"), 1);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(parsed, "classes"), "2004")), 1);
    json_decref(parsed);

    json_t *beta = read_site("beta", 7);
    CHECK_INT(json_object_size(json_object_get(beta, "sources")), 1);
    CHECK_INT(at(beta, "sources", "microsoft.mde_alert", "events"), 1);
    json_decref(beta);
    json_t *none = read_site("gamma", 7);
    CHECK_INT(json_object_size(json_object_get(none, "sources")), 0);
    json_decref(none);

    /* 300 distinct sources in one batch (at another site): the tally holds
       256 names; the rest count under "(other)", every event counted. */
    a = casestore_activity_new("wide", NOW);
    for (int i = 0; i < 300; i++) {
        char name[32];
        snprintf(name, sizeof name, "src.%03d", i);
        note(a, name, 1, 0);
    }
    flush(&a);
    json_t *wide = read_site("wide", 1);
    json_int_t total = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(wide, "sources"), k, v) total +=
        json_integer_value(json_object_get(v, "events"));
    CHECK_INT(total, 300);
    CHECK(at(wide, "sources", "(other)", "events") > 0);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(wide, "classes"), "1")), 300);
    json_decref(wide);

    casestore_close(&st);
    check_remove_dir(dir);
    return check_summary();
}
