/*  test_store.c — the broker's LMDB store and case correlation: counters,
    ordered event ids, correlation across sites within the window, closed
    cases not reused, timeline and field updates; the event cache never
    gives anything but the stored event. */
#include "casestore.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static json_t *finding(const char *site, const char *ip, int sev)
{
    return json_pack("{s:i, s:s, s:s, s:i, s:{s:s}, s:[{s:i, s:s}, {s:i, s:s}]}", "class_uid", 2004,
                     "site", site, "source", "test", "severity_id", sev, "finding_info", "title",
                     "t", "observables", "type_id", 2, "value", ip, "type_id", 1, "value", site);
}

/* casestore_event_view (event_cache.c): the document ingest parsed while
   the row holds its bytes; the stored event again when an aborted
   transaction's id was taken by another event; NULL for none. */
static void the_event_cache_follows_the_stored_row(casestore_t *st)
{
    fs_err_t e = {0};
    casestore_txn_t *txn;
    const char *first = "{\"class_uid\":2004,\"message\":\"first\"}";
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    uint64_t id = casestore_append_event(st, txn, first, strlen(first), &e);
    json_t *parsed = json_loads(first, 0, NULL);
    casestore_event_parsed(st, id, first, strlen(first), parsed);
    json_t *v = casestore_event_view(st, txn, id);
    CHECK(v == parsed); /* no parse: the document ingest had */
    json_decref(v);
    json_decref(parsed);
    CHECK(casestore_event_view(st, txn, id + 1000) == NULL);
    casestore_abort(&txn);

    /* The aborted id goes to another event: its own bytes are read. */
    const char *second = "{\"class_uid\":2004,\"message\":\"second\"}";
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    CHECK(casestore_append_event(st, txn, second, strlen(second), &e) == id);
    v = casestore_event_view(st, txn, id);
    CHECK_STR(json_string_value(json_object_get(v, "message")), "second");
    json_decref(v);
    CHECK_INT(casestore_commit(&txn, &e), 0);
}

int main(void)
{
    char dir[] = "/tmp/fedsoar-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_err_t e = {0};
    casestore_t *st = casestore_open(dir, 64, &e);
    CHECK(st != NULL);
    CHECK_INT(strlen(casestore_instance(st)), 8);
    casestore_health_t before;
    casestore_health(st, &before);
    casestore_txn_t *txn;
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    CHECK(casestore_append_event(st, txn, "{}", 2, &e) == 1);
    CHECK(casestore_append_event(st, txn, "{}", 2, &e) == 2);
    CHECK_INT(casestore_counter_add(st, txn, "x", 5, &e), 0);
    CHECK(casestore_counter(st, txn, "x") == 5);

    bool created;
    json_t *a = finding("alpha", "203.0.113.7", 3), *b = finding("beta", "203.0.113.7", 5),
           *c = finding("gamma", "192.0.2.1", 2);
    uint64_t c1 = casestore_case_attach_alert(st, txn, a, 1, 3600000, &created, &e);
    CHECK(c1 == 1 && created);
    uint64_t c2 = casestore_case_attach_alert(st, txn, b, 2, 3600000, &created, &e);
    CHECK(c2 == c1 && !created); /* same IP, other site: same case */
    uint64_t c3 = casestore_case_attach_alert(st, txn, c, 3, 3600000, &created, &e);
    CHECK(c3 == 2 && created);
    json_t *k = casestore_case_get(st, txn, c1);
    CHECK_INT(json_integer_value(json_object_get(k, "severity_id")), 5); /* max */
    CHECK_INT(json_array_size(json_object_get(k, "sites")), 2);
    CHECK_INT(json_integer_value(json_object_get(k, "alert_count")), 2);
    json_decref(k);
    CHECK(casestore_counter(st, txn, "cases") == 2);

    /* A closed case is not reopened by a new alert: a new case starts. */
    json_t *closed = json_pack("{s:s}", "status", "closed");
    CHECK_INT(casestore_case_update(st, txn, c1, closed, "test", &e), 0);
    uint64_t c4 = casestore_case_attach_alert(st, txn, a, 4, 3600000, &created, &e);
    CHECK(c4 == 3 && created);
    /* Outside the window: a new case too. */
    uint64_t c5 = casestore_case_attach_alert(st, txn, c, 5, -1, &created, &e);
    CHECK(c5 == 4 && created);

    json_t *bad = json_pack("{s:s}", "status", "solved");
    CHECK_INT(casestore_case_update(st, txn, c3, bad, "test", &e), -1);
    CHECK(strstr(e.text, "status") != NULL);
    /* The timeline is append-only rows: writing one never creates a case. */
    CHECK_INT(casestore_timeline_add(st, txn, 999, "x", NULL, &e), 0);
    json_t *none = casestore_case_get(st, txn, 999);
    CHECK(none == NULL);
    json_decref(none);
    CHECK_INT(casestore_commit(&txn, &e), 0);
    /* The write commit was timed: counted once, in one bucket of the
       histogram (or past its last bound), within the longest and the sum. */
    casestore_health_t after;
    casestore_health(st, &after);
    uint64_t in_buckets = 0;
    for (int i = 0; i < CASESTORE_COMMIT_BUCKETS; i++)
        in_buckets += after.commit_bucket[i] - before.commit_bucket[i];
    CHECK_INT(after.commits, before.commits + 1);
    CHECK(in_buckets == 1 || (in_buckets == 0 && after.commit_max_us > 1000000));
    CHECK(after.commit_max_us > 0 &&
          after.commit_sum_us - before.commit_sum_us <= after.commit_max_us);

    /* Everything survives a reopen. */
    casestore_close(&st);
    CHECK(st == NULL);
    st = casestore_open(dir, 64, &e);
    CHECK_INT(casestore_begin(st, false, &txn, &e), 0);
    CHECK(casestore_counter(st, txn, "cases") == 4);
    k = casestore_case_get(st, txn, c1);
    CHECK_STR(json_string_value(json_object_get(k, "status")), "closed");
    json_t *tl = casestore_timeline(st, txn, c1, 100);
    CHECK(json_array_size(tl) >= 3); /* opened, alert, updated */
    CHECK_STR(json_string_value(json_object_get(json_array_get(tl, 0), "kind")), "opened");
    json_decref(tl);
    json_decref(k);
    casestore_abort(&txn);
    the_event_cache_follows_the_stored_row(st);
    casestore_close(&st);

    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(closed);
    json_decref(bad);
    check_remove_dir(dir);
    return check_summary();
}
