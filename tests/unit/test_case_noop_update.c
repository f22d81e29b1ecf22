/*  test_case_noop_update.c — an update that changes nothing of a case
    (casestore/cases.c, issue 19): the case row is not written again and
    `updated` stays the time of the last real change, while the update's
    timeline line and audit entry are still written; a real change (status,
    severity, assignee, a note) writes the case and moves `updated`. */
#include "casestore.h"
#include "check.h"

#include <stdlib.h>
#include <time.h>

static json_t *row_bytes(casestore_t *st, casestore_txn_t *txn, uint64_t id)
{
    unsigned char k[8];
    casestore_val_t v;
    fs_u64_to_be(id, k);
    if (casestore_get(st, txn, CASESTORE_DB_CASES, k, 8, &v, NULL) != 0)
        return NULL;
    return json_stringn(v.data, v.len);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static long long updated_of(casestore_t *st, casestore_txn_t *txn, uint64_t id)
{
    json_t *c = casestore_case_get(st, txn, id);
    long long u = json_integer_value(json_object_get(c, "updated"));
    json_decref(c);
    return u;
}

static size_t timeline_len(casestore_t *st, casestore_txn_t *txn, uint64_t id)
{
    json_t *tl = casestore_timeline(st, txn, id, 1000);
    size_t n = json_array_size(tl);
    json_decref(tl);
    return n;
}

int main(void)
{
    char dir[] = "/tmp/fedsoar-noop-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_err_t e = {0};
    casestore_t *st = casestore_open(dir, 64, &e);
    CHECK(st != NULL);
    casestore_txn_t *txn;
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    bool created;
    json_t *a = json_pack("{s:i, s:s, s:s, s:i, s:{s:s}, s:[{s:i, s:s}]}", "class_uid", 2004,
                          "site", "alpha", "source", "test", "severity_id", 3, "finding_info",
                          "title", "t", "observables", "type_id", 2, "value", "203.0.113.7");
    uint64_t id = casestore_case_attach_alert(st, txn, a, 1, 3600000, &created, &e);
    CHECK(id == 1 && created);
    json_decref(a);
    json_t *set = json_pack("{s:s}", "status", "analysis");
    CHECK_INT(casestore_case_update(st, txn, id, set, "test", &e), 0);
    long long u1 = updated_of(st, txn, id);
    uint64_t audit1 = casestore_audit_head(st, txn);
    size_t tl1 = timeline_len(st, txn, id);
    json_t *row1 = row_bytes(st, txn, id);
    CHECK(row1 != NULL);
    sleep_ms(5);

    /* The same status, severity and assignee again, in one call and as a list: no write. */
    json_t *same =
        json_pack("[{s:s}, {s:i}, {s:n}]", "status", "analysis", "severity_id", 3, "assignee");
    CHECK_INT(casestore_case_update_all(st, txn, id, same, "playbook:x", &e), 0);
    json_t *row2 = row_bytes(st, txn, id);
    CHECK(row2 && json_equal(row1, row2)); /* byte for byte the same row */
    CHECK(updated_of(st, txn, id) == u1);
    CHECK(timeline_len(st, txn, id) == tl1 + 3); /* each update is still on the timeline */
    CHECK(casestore_audit_head(st, txn) == audit1 + 3);
    json_decref(row2);

    /* A real change writes the case and moves `updated`. */
    json_t *sev = json_pack("{s:i}", "severity_id", 5);
    CHECK_INT(casestore_case_update(st, txn, id, sev, "test", &e), 0);
    long long u2 = updated_of(st, txn, id);
    CHECK(u2 > u1);
    json_t *k = casestore_case_get(st, txn, id);
    CHECK_INT(json_integer_value(json_object_get(k, "severity_id")), 5);
    json_decref(k);
    sleep_ms(5);
    json_t *note = json_pack("{s:s}", "note", "seen");
    CHECK_INT(casestore_case_update(st, txn, id, note, "test", &e), 0);
    long long u3 = updated_of(st, txn, id);
    CHECK(u3 > u2);
    sleep_ms(5);
    json_t *who = json_pack("{s:s}", "assignee", "sam");
    CHECK_INT(casestore_case_update(st, txn, id, who, "test", &e), 0);
    CHECK(updated_of(st, txn, id) > u3);
    /* A refused value is still an error and changes nothing. */
    json_t *bad = json_pack("{s:s}", "status", "solved");
    CHECK_INT(casestore_case_update(st, txn, id, bad, "test", &e), -1);
    CHECK_INT(casestore_commit(&txn, &e), 0);

    /* After a reopen the case is what the updates left. */
    casestore_close(&st);
    st = casestore_open(dir, 64, &e);
    CHECK_INT(casestore_begin(st, false, &txn, &e), 0);
    k = casestore_case_get(st, txn, id);
    CHECK_STR(json_string_value(json_object_get(k, "status")), "analysis");
    CHECK_STR(json_string_value(json_object_get(k, "assignee")), "sam");
    CHECK_INT(json_array_size(json_object_get(k, "notes")), 1);
    json_decref(k);
    casestore_abort(&txn);
    casestore_close(&st);
    json_decref(set), json_decref(same), json_decref(sev), json_decref(note), json_decref(who);
    json_decref(bad), json_decref(row1);
    check_remove_dir(dir);
    return check_summary();
}
