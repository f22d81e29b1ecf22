/*  test_case_pending.c — case rows written at commit (casestore/cases.c,
    issue 19): alerts that join one case in one write transaction write its
    row once, at the commit; until then the case's reads answer what the
    transaction wrote, a read of the row by key or a scan of the cases table
    finds it written, a refused update loses nothing, an abort forgets it,
    and what is committed carries its audit_seq and survives a reopen.

    Linked with --wrap=fs_lmdb_put (tests/unit/tests.cmake): every row put
    into the cases table is counted. */
#include "casestore.h"
#include "check.h"
#include "lmdb_env.h"

#include <stdlib.h>

static int case_puts;

int __real_fs_lmdb_put(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const void *key, size_t klen,
                       const void *val, size_t vlen, unsigned flags, fs_err_t *e);
int __wrap_fs_lmdb_put(fs_lmdb_t *self, MDB_txn *txn, unsigned db, const void *key, size_t klen,
                       const void *val, size_t vlen, unsigned flags, fs_err_t *e)
{
    if (db == CASESTORE_DB_CASES)
        case_puts++;
    return __real_fs_lmdb_put(self, txn, db, key, klen, val, vlen, flags, e);
}

static json_t *alert(const char *addr)
{
    return json_pack("{s:i, s:s, s:s, s:i, s:{s:s}, s:[{s:i, s:s}]}", "class_uid", 2004, "site",
                     "alpha", "source", "test", "severity_id", 3, "finding_info", "title", "t",
                     "observables", "type_id", 2, "value", addr);
}

static uint64_t attach(casestore_t *st, casestore_txn_t *txn, const char *addr, uint64_t event_id)
{
    json_t *a = alert(addr);
    bool created;
    fs_err_t e = {0};
    uint64_t id = casestore_case_attach_alert(st, txn, a, event_id, 3600000, &created, &e);
    json_decref(a);
    return id;
}

static long long count_of(json_t *c)
{
    long long n = json_integer_value(json_object_get(c, "alert_count"));
    json_decref(c);
    return n;
}

/* The alert_count in the case's row as LMDB returns it, -1 when none. */
static long long row_count(casestore_t *st, casestore_txn_t *txn, uint64_t id)
{
    unsigned char k[8];
    casestore_val_t v;
    fs_u64_to_be(id, k);
    if (casestore_get(st, txn, CASESTORE_DB_CASES, k, 8, &v, NULL) != 0)
        return -1;
    return count_of(json_loadb(v.data, v.len, 0, NULL));
}

static int count_row(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key, (void)val;
    ++*(int *)arg;
    return 0;
}

int main(void)
{
    char dir[] = "/tmp/fedsoar-pending-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_err_t e = {0};
    casestore_t *st = casestore_open(dir, 64, &e);
    CHECK(st != NULL);
    casestore_txn_t *txn;

    /* Five alerts join one case: no row until the commit, then one. */
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    uint64_t id = attach(st, txn, "203.0.113.7", 1);
    CHECK(id != 0);
    for (uint64_t ev = 2; ev <= 5; ev++)
        CHECK(attach(st, txn, "203.0.113.7", ev) == id);
    CHECK_INT(case_puts, 0);
    CHECK_INT(count_of(casestore_case_view(st, txn, id)), 5); /* reads see the transaction's case */
    CHECK_INT(count_of(casestore_case_get(st, txn, id)), 5);
    /* A copy: changing it changes nothing of the case. */
    json_t *copy = casestore_case_get(st, txn, id);
    json_object_set_new(copy, "alert_count", json_integer(99));
    json_decref(copy);
    CHECK_INT(count_of(casestore_case_view(st, txn, id)), 5);
    /* A refused update (the status is checked before the case is taken)
       loses none of the alerts. */
    json_t *bad = json_pack("[{s:s}, {s:s}]", "note", "seen", "status", "solved");
    CHECK_INT(casestore_case_update_all(st, txn, id, bad, "test", &e), -1);
    json_decref(bad);
    CHECK_INT(count_of(casestore_case_view(st, txn, id)), 5);
    CHECK_INT(case_puts, 0);
    /* An update that changes nothing gives the case back, still unwritten. */
    json_t *same = json_pack("[{s:s}]", "status", "new");
    CHECK_INT(casestore_case_update_all(st, txn, id, same, "test", &e), 0);
    json_decref(same);
    CHECK_INT(case_puts, 0);
    CHECK_INT(casestore_commit(&txn, &e), 0);
    CHECK_INT(case_puts, 1);

    /* A read of the row by key writes that case's row first; a scan, every case's. */
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    case_puts = 0;
    CHECK(attach(st, txn, "203.0.113.7", 6) == id);
    uint64_t other = attach(st, txn, "198.51.100.9", 7);
    CHECK(other != 0 && other != id);
    CHECK_INT(row_count(st, txn, id), 6);
    CHECK_INT(case_puts, 1);
    int rows = 0;
    CHECK_INT(casestore_foreach(st, txn, CASESTORE_DB_CASES, false, count_row, &rows), 0);
    CHECK_INT(rows, 2); /* the new case is in the table */
    CHECK_INT(case_puts, 2);
    CHECK_INT(casestore_commit(&txn, &e), 0);
    CHECK_INT(case_puts, 2); /* nothing was left to write */

    /* An abort forgets what it attached, in LMDB and in the reads after. */
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    CHECK(attach(st, txn, "203.0.113.7", 8) == id);
    CHECK_INT(count_of(casestore_case_view(st, txn, id)), 7);
    casestore_abort(&txn);
    CHECK_INT(casestore_begin(st, false, &txn, &e), 0);
    CHECK_INT(count_of(casestore_case_view(st, txn, id)), 6);
    casestore_abort(&txn);

    /* The committed row has the audit chain's head of its commit and
       survives a reopen. */
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    CHECK(attach(st, txn, "203.0.113.7", 9) == id);
    CHECK_INT(casestore_audit_append(st, txn, "test", "tester", NULL, NULL, &e), 0);
    uint64_t head = casestore_audit_head(st, txn);
    CHECK_INT(casestore_commit(&txn, &e), 0);
    casestore_close(&st);
    st = casestore_open(dir, 64, &e);
    CHECK(st != NULL);
    CHECK_INT(casestore_begin(st, false, &txn, &e), 0);
    json_t *c = casestore_case_get(st, txn, id);
    CHECK_INT(json_integer_value(json_object_get(c, "alert_count")), 7);
    CHECK(head != 0 && (uint64_t)json_integer_value(json_object_get(c, "audit_seq")) == head);
    json_decref(c);
    casestore_abort(&txn);
    casestore_close(&st);
    check_remove_dir(dir);
    return check_summary();
}
