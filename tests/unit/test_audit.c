/*  test_audit.c — the audit chain (broker/audit.c): entries appended in the
    caller's transaction (an aborted change leaves no entry), hash links,
    signed checkpoints every CASESTORE_AUDIT_CHECKPOINT_EVERY entries, verification
    catching an altered, removed and reordered entry and a bad signature,
    paged export, and that case timeline lines are audited. */
#include "casestore.h"
#include "check.h"
#include "keys.h"

#include <stdlib.h>

/* jansson's canonical form, what the chain has always hashed and stored. */
#define CANONICAL (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

static void put_raw(casestore_t *st, uint64_t seq, const char *text)
{
    casestore_txn_t *txn;
    unsigned char k[8];
    fs_u64_to_be(seq, k);
    casestore_begin(st, true, &txn, NULL);
    casestore_put(st, txn, CASESTORE_DB_AUDIT, k, 8, text, strlen(text), NULL);
    casestore_commit(&txn, NULL);
}

static char *get_raw(casestore_t *st, uint64_t seq)
{
    casestore_txn_t *txn;
    casestore_val_t v;
    unsigned char k[8];
    fs_u64_to_be(seq, k);
    casestore_begin(st, false, &txn, NULL);
    char *out = casestore_get(st, txn, CASESTORE_DB_AUDIT, k, 8, &v, NULL) == 0
                    ? strndup(v.data, v.len)
                    : NULL;
    casestore_abort(&txn);
    return out;
}

/* The newest timeline row, as stored (caller frees). */
static int last_row(void *arg, const casestore_val_t *k, const casestore_val_t *v)
{
    (void)k;
    *(char **)arg = strndup(v->data, v->len);
    return 1;
}

static char *last_timeline_row(casestore_t *st)
{
    casestore_txn_t *txn;
    char *row = NULL;
    casestore_begin(st, false, &txn, NULL);
    casestore_foreach(st, txn, CASESTORE_DB_TIMELINE, true, last_row, &row);
    casestore_abort(&txn);
    return row;
}

static json_t *verify(casestore_t *st, const char *pub)
{
    casestore_txn_t *txn;
    casestore_begin(st, false, &txn, NULL);
    json_t *r = casestore_audit_verify(st, txn, pub, NULL);
    casestore_abort(&txn);
    return r;
}

static long long bad_seq(const json_t *r)
{
    return json_is_true(json_object_get(r, "ok"))
               ? 0
               : json_integer_value(json_object_get(json_object_get(r, "error"), "seq"));
}

int main(void)
{
    char dir[] = "/tmp/fedsoar-audit-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char state[4200], priv[4200], pub[4200];
    snprintf(state, sizeof state, "%s/state", dir);
    snprintf(priv, sizeof priv, "%s/broker.sign.pem", dir);
    snprintf(pub, sizeof pub, "%s/broker.sign.pub.pem", dir);
    fs_err_t e = {0};
    CHECK_INT(keys_make_signing_key(priv, pub, &e), 0);
    casestore_t *st = casestore_open(state, 64, &e);
    CHECK(st != NULL);
    if (!st)
        return check_summary();
    casestore_set_signer(st, keys_signer_load(priv, &e));
    CHECK(casestore_signer(st) != NULL);

    casestore_txn_t *txn;
    /* An aborted change leaves no entry. */
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    CHECK_INT(casestore_audit_append(st, txn, "test.x", "broker", NULL, NULL, &e), 0);
    casestore_abort(&txn);
    json_t *r = verify(st, pub);
    CHECK_INT(json_integer_value(json_object_get(r, "entries")), 0);
    json_decref(r);

    /* 2500 entries: checkpoints at 1000 and 2000 (seq 1001 and 2002). */
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    json_t *subject = json_pack("{s:I}", "case_id", (json_int_t)1);
    for (int i = 0; i < 2500; i++) {
        json_t *details = json_pack("{s:i}", "i", i);
        CHECK_INT(
            casestore_audit_append(st, txn, "test.entry", "operator:alice", subject, details, &e),
            0);
        json_decref(details);
    }
    /* A case timeline line is an audit entry too. */
    json_t *f = json_pack("{s:s}", "operator", "bob");
    CHECK_INT(casestore_timeline_add(st, txn, 9, "note", f, &e), 0);
    json_decref(f);
    CHECK_INT(casestore_audit_checkpoint(st, txn, "stop", &e), 0);
    CHECK_INT(casestore_commit(&txn, &e), 0);
    r = verify(st, pub);
    CHECK(json_is_true(json_object_get(r, "ok")));
    CHECK_INT(json_integer_value(json_object_get(r, "entries")), 2504);
    CHECK_INT(json_integer_value(json_object_get(r, "checkpoints")), 3);
    CHECK_INT(json_integer_value(json_object_get(r, "unsigned_tail")), 0);
    json_decref(r);
    char *last = get_raw(st, 2503);
    CHECK(last && strstr(last, "\"kind\":\"case.note\"") &&
          strstr(last, "\"actor\":\"operator:bob\""));
    free(last);

    /* The stored row is the whole entry's canonical JSON and "hash" the
       SHA-256 of it without "hash", byte for byte (audit.c writes the entry
       member by member with fs_json_write; stores written before must keep
       verifying), and the caller's subject and details are left as they
       were, even with keys that sort like the entry's own inside them.
       "Canonical" here is jansson's own json_dumps, not fs_json_canonical,
       so the check does not lean on the writer it checks. */
    json_t *odd_subject = json_pack("{s:I, s:s}", "z", (json_int_t)3, "hash", "not the entry's");
    json_t *odd_details = json_pack("{s:s, s:{s:s, s:[i, s]}, s:s}", "kind", "inner", "a", "prev",
                                    "x", "list", 1, "\u00e9\"\\", "zz", "");
    json_t *subject_before = json_deep_copy(odd_subject);
    json_t *details_before = json_deep_copy(odd_details);
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    CHECK_INT(casestore_audit_append(st, txn, "test.odd", NULL, odd_subject, odd_details, &e), 0);
    CHECK_INT(casestore_audit_append(st, txn, "test.empty", "broker", NULL, NULL, &e), 0);
    /* A timeline line (seq 2507) with escapes, unicode, big and negative
       integers, a real and empty containers: its row is in insertion order,
       byte for byte what json_dumps(JSON_COMPACT) of the entry gives. */
    json_t *tl = json_loads("{\"operator\":\"b\\u00f6b\",\"text\":\"\\\"\\\\\\n\\u0001 "
                            "\\u65e5 \\ud83d\\ude00\",\"n\":-9223372036854775808,"
                            "\"big\":9223372036854775807,\"r\":0.1,\"z\":{},\"a\":[[],{}]}",
                            0, NULL);
    CHECK(tl != NULL);
    CHECK_INT(casestore_timeline_add(st, txn, 9, "note", tl, &e), 0);
    CHECK_INT(casestore_commit(&txn, &e), 0);
    char *tl_row = last_timeline_row(st);
    json_t *tl_entry = tl_row ? json_loads(tl_row, 0, NULL) : NULL;
    char *tl_want = tl_entry ? json_dumps(tl_entry, JSON_COMPACT) : NULL;
    CHECK(tl_want && strcmp(tl_want, tl_row) == 0);
    CHECK(tl_row && strncmp(tl_row, "{\"time\":", 8) == 0 &&
          strstr(tl_row,
                 ",\"kind\":\"note\",\"operator\":\"b\u00f6b\",\"text\":\"\\\"\\\\\\n\\u0001 "));
    json_t *tl_details = tl_entry ? json_deep_copy(tl_entry) : NULL;
    free(tl_want), free(tl_row);
    json_decref(tl_entry), json_decref(tl);
    CHECK(json_equal(odd_subject, subject_before) && json_equal(odd_details, details_before));
    const uint64_t rows[] = {1, 1001, 2503, 2504, 2505, 2506, 2507};
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *row = get_raw(st, rows[i]);
        json_t *entry = row ? json_loads(row, 0, NULL) : NULL;
        char *canon = entry ? json_dumps(entry, CANONICAL) : NULL;
        CHECK(canon && strcmp(canon, row) == 0);
        const char *h = json_string_value(json_object_get(entry, "hash"));
        char stored[65] = "", again[65] = "-";
        snprintf(stored, sizeof stored, "%s", h ? h : "");
        json_object_del(entry, "hash");
        char *unhashed = entry ? json_dumps(entry, CANONICAL) : NULL;
        if (unhashed)
            fs_sha256_hex(unhashed, strlen(unhashed), again);
        CHECK(h && unhashed && strcmp(stored, again) == 0);
        free(unhashed), free(canon), free(row);
        json_decref(entry);
    }
    /* ... and the line's audit entry holds it as its details. */
    char *tl_audit = get_raw(st, 2507);
    json_t *tl_audit_entry = tl_audit ? json_loads(tl_audit, 0, NULL) : NULL;
    CHECK(tl_details && json_equal(json_object_get(tl_audit_entry, "details"), tl_details));
    free(tl_audit);
    json_decref(tl_audit_entry), json_decref(tl_details);
    char *odd = get_raw(st, 2505);
    CHECK(odd && strstr(odd, "\"actor\":\"broker\",\"details\":{\"a\":{\"list\"") &&
          strstr(odd, "\"kind\":\"test.odd\""));
    free(odd);
    json_decref(odd_subject), json_decref(odd_details);
    json_decref(subject_before), json_decref(details_before);
    r = verify(st, pub);
    CHECK(json_is_true(json_object_get(r, "ok")));
    CHECK_INT(json_integer_value(json_object_get(r, "entries")), 2507);
    json_decref(r);

    /* export pages */
    CHECK_INT(casestore_begin(st, false, &txn, &e), 0);
    json_t *page = json_array();
    uint64_t upto = casestore_audit_export(st, txn, 10, 2000, 0, page);
    CHECK(json_array_size(page) >= 1 &&
          json_integer_value(json_object_get(json_array_get(page, 0), "seq")) == 11);
    CHECK(upto == 10 + json_array_size(page));
    json_decref(page);
    /* a count limit stops the page there, and says where it ended */
    page = json_array();
    upto = casestore_audit_export(st, txn, 10, 512 * 1024, 3, page);
    CHECK_INT(json_array_size(page), 3);
    CHECK(upto == 13);
    json_decref(page);
    casestore_abort(&txn);

    /* altered */
    char *orig = get_raw(st, 500);
    char *alt = strdup(orig);
    char *p = strstr(alt, "alice");
    memcpy(p, "mallo", 5);
    put_raw(st, 500, alt);
    r = verify(st, pub);
    CHECK_INT(bad_seq(r), 500);
    CHECK(strstr(json_string_value(json_object_get(json_object_get(r, "error"), "reason")),
                 "altered") != NULL);
    json_decref(r);
    put_raw(st, 500, orig);
    /* reordered */
    char *next = get_raw(st, 501);
    put_raw(st, 500, next);
    put_raw(st, 501, orig);
    r = verify(st, pub);
    CHECK_INT(bad_seq(r), 500);
    json_decref(r);
    put_raw(st, 500, orig);
    put_raw(st, 501, next);
    /* removed */
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    unsigned char k[8];
    fs_u64_to_be(700, k);
    casestore_del(st, txn, CASESTORE_DB_AUDIT, k, 8, &e);
    casestore_commit(&txn, &e);
    r = verify(st, pub);
    CHECK_INT(bad_seq(r), 700);
    json_decref(r);
    /* a checkpoint signed by another key */
    char opriv[4200], opub[4200];
    snprintf(opriv, sizeof opriv, "%s/other.pem", dir);
    snprintf(opub, sizeof opub, "%s/other.pub.pem", dir);
    CHECK_INT(keys_make_signing_key(opriv, opub, &e), 0);
    r = verify(st, opub);
    CHECK(!json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    free(orig), free(alt), free(next);
    json_decref(subject);
    casestore_close(&st);

    /* read-only open of the same store */
    casestore_t *ro = casestore_open_readonly(state, &e);
    CHECK(ro != NULL && casestore_has(ro, CASESTORE_DB_AUDIT));
    casestore_close(&ro);
    CHECK(casestore_open_readonly("/nonexistent/fedsoar", &e) == NULL &&
          strstr(e.text, "not a directory"));

    check_remove_dir(dir);
    return check_summary();
}
