/*  audit.c — the tamper-evident audit log (docs/governance.md "Audit chain").

    One LMDB table, CASESTORE_DB_AUDIT: u64 BE seq -> the entry's canonical JSON.
    Each entry carries the SHA-256 of its own canonical form (without
    "hash") and the hash of the entry before it, so changing, removing,
    inserting or reordering any entry breaks the chain at that entry.  An
    attacker who rewrites the whole chain after a change is caught by the
    checkpoints: entries signed with the broker's Ed25519 key every
    CASESTORE_AUDIT_CHECKPOINT_EVERY entries and at every clean start and stop.  The
    head (last seq and hash) is kept in CASESTORE_DB_META so a removed tail shows.

    Entries are appended in the caller's write transaction: an audit entry
    exists exactly when the change it records does. */
#include "casestore_internal.h"
#include "keys.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_KEY "audit_head"
#define LAST_CHECKPOINT_KEY "audit_checkpoint"
#define CHECKPOINT_TYPE "fedsoar-audit-checkpoint/1"

/* CASESTORE_DB_META "audit_head": 8 bytes BE seq + 64 hex chars of its hash. */
static void head_get(casestore_t *st, casestore_txn_t *txn, uint64_t *seq, char hash[65])
{
    casestore_val_t v;
    *seq = 0;
    snprintf(hash, 65, "%s", CASESTORE_AUDIT_GENESIS);
    if (casestore_has(st, CASESTORE_DB_META) &&
        casestore_get(st, txn, CASESTORE_DB_META, HEAD_KEY, strlen(HEAD_KEY), &v, NULL) == 0 &&
        v.len == 8 + 64) {
        *seq = fs_u64_from_be(v.data);
        memcpy(hash, (const char *)v.data + 8, 64);
        hash[64] = '\0';
    }
}

/* The hash of an entry: SHA-256 of its canonical JSON without "hash". */
static int entry_hash(const json_t *entry, char out[65])
{
    json_t *copy = json_copy((json_t *)entry);
    json_object_del(copy, "hash");
    char *canon = fs_json_canonical(copy);
    json_decref(copy);
    if (!canon)
        return -1;
    fs_sha256_hex(canon, strlen(canon), out);
    free(canon);
    return 0;
}

static char *checkpoint_payload(uint64_t seq, const char *hash)
{
    json_t *p = json_pack("{s:s, s:I, s:s}", "type", CHECKPOINT_TYPE, "upto_seq", (json_int_t)seq,
                          "upto_hash", hash);
    char *text = fs_json_canonical(p);
    json_decref(p);
    return text;
}

/* An entry's canonical form has its keys sorted: actor, details, [hash,]
   kind, prev, seq, subject, time.  "hash" falls between "details" and
   "kind", so the entry is written once, member by member in that order,
   without "hash" (the hashed text), and the stored row is that text with
   `"hash":"…",` put in after "details": byte for byte what
   fs_json_canonical of the whole entry without and then with "hash" gives
   (test_audit checks rows against it, and `audit verify` of stores written
   before checks the chain).  Writing the members directly (fs_json_write,
   common/json_write.c) instead of packing two objects and serialising them
   with json_dumps was most of the cost of a `set` step's timeline line
   (issue 19, bench/README.md). */
/* v's canonical text, or {} for NULL (no details, no subject). */
static int write_object_or_empty(fs_text_t *t, const json_t *v)
{
    if (v)
        return fs_json_write(t, v, true);
    fs_text_append(t, "{}", 2);
    return 0;
}

static int entry_text(fs_text_t *t, size_t *split, const char *kind, const char *actor,
                      const json_t *subject, const json_t *details, uint64_t seq, const char *prev)
{
    fs_text_append(t, "{\"actor\":", 9);
    if (fs_json_write_string(t, actor, strlen(actor)) != 0)
        return -1;
    fs_text_append(t, ",\"details\":", 11);
    if (write_object_or_empty(t, details) != 0)
        return -1;
    *split = t->len;
    fs_text_append(t, ",\"kind\":", 8);
    if (fs_json_write_string(t, kind, strlen(kind)) != 0)
        return -1;
    fs_text_append(t, ",\"prev\":", 8);
    if (fs_json_write_string(t, prev, strlen(prev)) != 0)
        return -1;
    fs_text_append(t, ",\"seq\":", 7);
    fs_json_write_integer(t, (json_int_t)seq);
    fs_text_append(t, ",\"subject\":", 11);
    if (write_object_or_empty(t, subject) != 0)
        return -1;
    fs_text_append(t, ",\"time\":", 8);
    fs_json_write_integer(t, (json_int_t)fs_now_ms());
    fs_text_append(t, "}", 1);
    return 0;
}

static int append_raw(casestore_t *st, casestore_txn_t *txn, const char *kind, const char *actor,
                      const json_t *subject, const json_t *details, uint64_t *seq_out, fs_err_t *e)
{
    uint64_t last;
    char prev[65], hash[65];
    head_get(st, txn, &last, prev);
    uint64_t seq = last + 1;
    fs_text_t *t = casestore__row_text(st);
    size_t split = 0;
    if (entry_text(t, &split, kind, actor ? actor : "broker", subject, details, seq, prev) != 0) {
        casestore__row_text_done(st);
        return fs_err_setc(e, CASESTORE_E_CHAIN, "audit: cannot serialize the %s entry", kind);
    }
    fs_sha256_hex(t->data, t->len, hash);
    /* The row is the text with ,"hash":"<64 hex>" put in at split: the
       tail moves right in place. */
    static const char hash_key[] = ",\"hash\":\"";
    size_t hk = sizeof hash_key - 1, ins = hk + 64 + 1, tail = t->len - split;
    fs_text_reserve(t, ins);
    memmove(t->data + split + ins, t->data + split, tail);
    memcpy(t->data + split, hash_key, hk);
    memcpy(t->data + split + hk, hash, 64);
    t->data[split + hk + 64] = '"';
    t->len += ins;
    t->data[t->len] = '\0';
    unsigned char key[8], row_head[8 + 64];
    fs_u64_to_be(seq, key);
    int rc = casestore_put(st, txn, CASESTORE_DB_AUDIT, key, 8, t->data, t->len, e);
    casestore__row_text_done(st);
    memcpy(row_head, key, 8);
    memcpy(row_head + 8, hash, 64);
    if (rc == 0)
        rc = casestore_put(st, txn, CASESTORE_DB_META, HEAD_KEY, strlen(HEAD_KEY), row_head,
                           sizeof row_head, e);
    if (rc == 0 && seq_out)
        *seq_out = seq;
    return rc;
}

int casestore_audit_checkpoint(casestore_t *st, casestore_txn_t *txn, const char *reason,
                               fs_err_t *e)
{
    const keys_signer_t *key = casestore_signer(st);
    if (!key)
        return 0;
    uint64_t seq;
    char hash[65];
    head_get(st, txn, &seq, hash);
    char *payload = checkpoint_payload(seq, hash);
    fs_err_t se = {0};
    char *sig = payload ? keys_signer_sign(key, payload, strlen(payload), &se) : NULL;
    free(payload);
    if (!sig)
        return fs_err_setc(e, CASESTORE_E_CHAIN, "audit: cannot sign a checkpoint: %s", se.text);
    json_t *details = json_pack("{s:I, s:s, s:s, s:s}", "upto_seq", (json_int_t)seq, "upto_hash",
                                hash, "signature", sig, "reason", reason ? reason : "periodic");
    uint64_t at = 0;
    int rc = append_raw(st, txn, "audit.checkpoint", "broker", NULL, details, &at, e);
    /* The latest checkpoint, as the broker hands it to its witnesses. */
    json_t *last = json_pack("{s:I, s:I, s:s, s:s}", "seq", (json_int_t)at, "upto_seq",
                             (json_int_t)seq, "upto_hash", hash, "signature", sig);
    free(sig);
    char *text = rc == 0 ? fs_json_canonical(last) : NULL;
    if (rc == 0)
        rc = text ? casestore_put(st, txn, CASESTORE_DB_META, LAST_CHECKPOINT_KEY,
                                  strlen(LAST_CHECKPOINT_KEY), text, strlen(text), e)
                  : fs_err_setc(e, CASESTORE_E_CHAIN, "audit: cannot serialize a checkpoint");
    free(text);
    json_decref(last);
    json_decref(details);
    return rc;
}

json_t *casestore_audit_last_checkpoint(casestore_t *st, casestore_txn_t *txn)
{
    casestore_val_t v;
    if (!casestore_has(st, CASESTORE_DB_META) ||
        casestore_get(st, txn, CASESTORE_DB_META, LAST_CHECKPOINT_KEY, strlen(LAST_CHECKPOINT_KEY),
                      &v, NULL) != 0)
        return NULL;
    return json_loadb(v.data, v.len, 0, NULL);
}

uint64_t casestore_audit_head(casestore_t *st, casestore_txn_t *txn)
{
    uint64_t seq;
    char hash[65];
    head_get(st, txn, &seq, hash);
    return seq;
}

int casestore_audit_append(casestore_t *st, casestore_txn_t *txn, const char *kind,
                           const char *actor, const json_t *subject, const json_t *details,
                           fs_err_t *e)
{
    uint64_t seq = 0;
    if (append_raw(st, txn, kind, actor, subject, details, &seq, e) != 0)
        return -1;
    if (seq % casestore_checkpoint_every(st) == 0)
        return casestore_audit_checkpoint(st, txn, "periodic", e);
    return 0;
}

/* ---- verification ------------------------------------------------------------ */

typedef struct {
    casestore_t *st;
    const char *pub;
    uint64_t expect; /* next seq expected */
    char prev[65];   /* hash of the entry before */
    uint64_t entries, checkpoints, last_checkpoint;
    bool bad;
    uint64_t bad_seq;
    char reason[512];
} verify_t;

static int broken(verify_t *v, uint64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int broken(verify_t *v, uint64_t seq, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
    v->bad = true;
    v->bad_seq = seq;
    return 1;
}

static int verify_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    verify_t *v = arg;
    if (key->len != 8)
        return broken(v, v->expect, "a record whose key is not a sequence number was inserted");
    uint64_t seq = fs_u64_from_be(key->data);
    if (seq < v->expect)
        return broken(v, seq, "seq out of order");
    if (seq > v->expect)
        return broken(v, v->expect,
                      "entry missing: the next entry stored is seq %llu (entries were removed)",
                      (unsigned long long)seq);
    json_t *entry = json_loadb(val->data, val->len, JSON_REJECT_DUPLICATES, NULL);
    const char *stored = json_string_value(json_object_get(entry, "hash"));
    char hash[65];
    int rc = 0;
    if (!json_is_object(entry) || !stored || entry_hash(entry, hash) != 0) {
        rc = broken(v, seq, "unreadable entry (altered)");
    } else if ((uint64_t)json_integer_value(json_object_get(entry, "seq")) != seq) {
        rc = broken(
            v, seq,
            "the entry stored here says seq %llu (entries were moved, inserted or reordered)",
            (unsigned long long)json_integer_value(json_object_get(entry, "seq")));
    } else if (strcmp(hash, stored) != 0) {
        rc = broken(v, seq, "content does not match its hash (altered)");
    } else if (!json_is_string(json_object_get(entry, "prev")) ||
               strcmp(json_string_value(json_object_get(entry, "prev")), v->prev) != 0) {
        rc = broken(
            v, seq,
            "prev does not match the hash of the entry before it (an entry before it was altered, "
            "removed, inserted or reordered)");
    } else if (strcmp(json_string_value(json_object_get(entry, "kind")), "audit.checkpoint") == 0) {
        const json_t *d = json_object_get(entry, "details");
        const char *upto_hash = json_string_value(json_object_get(d, "upto_hash"));
        uint64_t upto = (uint64_t)json_integer_value(json_object_get(d, "upto_seq"));
        const char *sig = json_string_value(json_object_get(d, "signature"));
        if (upto != seq - 1 || !upto_hash || strcmp(upto_hash, v->prev) != 0) {
            rc = broken(v, seq, "checkpoint does not cover the entry before it");
        } else if (v->pub) {
            char *payload = checkpoint_payload(upto, upto_hash);
            fs_err_t e = {0};
            if (keys_verify(v->pub, payload, strlen(payload), sig, &e) != 0)
                rc = broken(v, seq, "checkpoint signature refused (the chain was rewritten): %s",
                            e.text);
            free(payload);
        }
        if (rc == 0) {
            v->checkpoints++;
            v->last_checkpoint = seq;
        }
    }
    if (rc == 0) {
        snprintf(v->prev, sizeof v->prev, "%s", stored);
        v->expect = seq + 1;
        v->entries++;
    }
    json_decref(entry);
    return rc;
}

/* ---- truncation: state rows and witnesses ------------------------------------ */

typedef struct {
    uint64_t chain_end, unstamped, rows;
    const char *table;
    bool bad;
    char reason[512];
} rows_t;

static int check_row(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    rows_t *r = arg;
    json_t *row = json_loadb(val->data, val->len, 0, NULL);
    json_t *at = json_object_get(row, "audit_seq");
    r->rows++;
    if (!json_is_integer(at)) {
        r->unstamped++;
    } else if ((uint64_t)json_integer_value(at) > r->chain_end) {
        char name[80];
        if (key->len == 8)
            snprintf(name, sizeof name, "%llu", (unsigned long long)fs_u64_from_be(key->data));
        else
            snprintf(name, sizeof name, "%.*s", (int)(key->len < 64 ? key->len : 64),
                     (const char *)key->data);
        snprintf(
            r->reason, sizeof r->reason,
            "%s %s was written when the chain reached seq %lld, but the chain ends at seq %llu "
            "(entries were removed from the end)",
            r->table, name, (long long)json_integer_value(at), (unsigned long long)r->chain_end);
        r->bad = true;
    }
    json_decref(row);
    return r->bad;
}

/* Every case, run, approval and governance row must point at an entry
   that exists (store.c stamps them). */
static void check_rows(casestore_t *st, casestore_txn_t *txn, uint64_t chain_end, rows_t *r)
{
    static const struct {
        casestore_db_t db;
        const char *name;
    } tables[] = {{CASESTORE_DB_CASES, "case"},
                  {CASESTORE_DB_RUNS, "run"},
                  {CASESTORE_DB_APPROVALS, "approval"},
                  {CASESTORE_DB_GOVERNANCE, "governance row"}};
    r->chain_end = chain_end;
    for (size_t i = 0; i < sizeof tables / sizeof *tables && !r->bad; i++) {
        r->table = tables[i].name;
        if (casestore_has(st, tables[i].db))
            casestore_foreach(st, txn, tables[i].db, false, check_row, r);
    }
}

/* A checkpoint a site holds (witness.json in its state directory) must be
   in the chain, byte for byte. Returns 0, or 1 with reason set. */
static int check_witness(casestore_t *st, casestore_txn_t *txn, const json_t *w, uint64_t chain_end,
                         const char *pub, char *reason, size_t size)
{
    const char *site = json_string_value(json_object_get(w, "site"));
    const json_t *cp = json_object_get(w, "checkpoint");
    uint64_t seq = (uint64_t)json_integer_value(json_object_get(cp, "seq"));
    const char *upto_hash = json_string_value(json_object_get(cp, "upto_hash"));
    const char *sig = json_string_value(json_object_get(cp, "signature"));
    uint64_t upto = (uint64_t)json_integer_value(json_object_get(cp, "upto_seq"));
    if (!site)
        site = "?";
    if (!seq || !upto_hash || !sig) {
        snprintf(reason, size, "witness %s: not a checkpoint record", site);
        return 1;
    }
    if (pub) {
        char *payload = checkpoint_payload(upto, upto_hash);
        fs_err_t e = {0};
        int bad = keys_verify(pub, payload, strlen(payload), sig, &e) != 0;
        free(payload);
        if (bad) {
            snprintf(reason, size,
                     "witness %s: its checkpoint's signature is not the broker's: %.200s", site,
                     e.text);
            return 1;
        }
    }
    if (seq > chain_end) {
        snprintf(reason, size,
                 "site %s witnessed a checkpoint at seq %llu (covering up to %llu), but the chain "
                 "ends at seq %llu "
                 "(entries were removed from the end)",
                 site, (unsigned long long)seq, (unsigned long long)upto,
                 (unsigned long long)chain_end);
        return 1;
    }
    unsigned char key[8];
    fs_u64_to_be(seq, key);
    json_t *entry = casestore_get_json(st, txn, CASESTORE_DB_AUDIT, key, 8);
    const json_t *d = json_object_get(entry, "details");
    const char *kind = json_string_value(json_object_get(entry, "kind"));
    const char *held = json_string_value(json_object_get(d, "upto_hash"));
    int bad = !kind || strcmp(kind, "audit.checkpoint") != 0 ||
              (uint64_t)json_integer_value(json_object_get(d, "upto_seq")) != upto || !held ||
              strcmp(held, upto_hash) != 0;
    if (bad)
        snprintf(reason, size,
                 "site %s witnessed a checkpoint at seq %llu covering %s, which the chain does not "
                 "hold there "
                 "(the chain was rewritten)",
                 site, (unsigned long long)seq, upto_hash);
    json_decref(entry);
    return bad;
}

json_t *casestore_audit_verify(casestore_t *st, casestore_txn_t *txn, const char *broker_pub,
                               const json_t *witnesses)
{
    verify_t v = {.st = st, .pub = broker_pub, .expect = 1};
    snprintf(v.prev, sizeof v.prev, "%s", CASESTORE_AUDIT_GENESIS);
    json_t *warnings = json_array();
    if (!casestore_has(st, CASESTORE_DB_AUDIT))
        return json_pack("{s:b, s:I, s:{s:I, s:s}}", "ok", 0, "entries", (json_int_t)0, "error",
                         "seq", (json_int_t)0, "reason",
                         "this store has no audit log (made by a broker before issue #7)");
    casestore_foreach(st, txn, CASESTORE_DB_AUDIT, false, verify_one, &v);
    uint64_t head_seq;
    char head_hash[65];
    head_get(st, txn, &head_seq, head_hash);
    if (!v.bad && head_seq != v.expect - 1) {
        v.bad = true;
        v.bad_seq = v.expect;
        snprintf(
            v.reason, sizeof v.reason,
            "entry missing: the chain ends at seq %llu but the broker had written up to seq %llu "
            "(entries were removed from the end)",
            (unsigned long long)(v.expect - 1), (unsigned long long)head_seq);
    } else if (!v.bad && v.entries && strcmp(head_hash, v.prev) != 0) {
        v.bad = true;
        v.bad_seq = v.expect - 1;
        snprintf(v.reason, sizeof v.reason,
                 "the last entry is not the one the broker wrote (altered)");
    }
    rows_t rows = {0};
    if (!v.bad) {
        check_rows(st, txn, v.expect - 1, &rows);
        if (rows.bad) {
            v.bad = true;
            v.bad_seq = v.expect;
            snprintf(v.reason, sizeof v.reason, "%s", rows.reason);
        }
    }
    size_t wi;
    json_t *w;
    json_array_foreach(witnesses, wi, w)
    {
        if (!v.bad &&
            check_witness(st, txn, w, v.expect - 1, broker_pub, v.reason, sizeof v.reason)) {
            v.bad = true;
            v.bad_seq = v.expect;
        }
    }
    if (rows.unstamped)
        json_array_append_new(
            warnings, json_sprintf("%llu state rows carry no audit_seq (written before audit "
                                   "stamps): their truncation is not detectable",
                                   (unsigned long long)rows.unstamped));
    if (!broker_pub)
        json_array_append_new(
            warnings,
            json_string("no broker public signing key: checkpoint signatures not checked"));
    if (v.entries && !v.checkpoints)
        json_array_append_new(warnings, json_string("no signed checkpoint yet"));
    /* Authenticated: the chain is consistent AND its checkpoints carry the
       broker's signature. Consistent alone proves nothing: whoever can
       write the file can rebuild a consistent chain. */
    bool authenticated = !v.bad && broker_pub && v.checkpoints > 0;
    json_t *out = json_pack(
        "{s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "ok", !v.bad, "authenticated",
        authenticated, "state_rows_checked", (json_int_t)rows.rows, "witnesses",
        (json_int_t)json_array_size(witnesses), "entries", (json_int_t)v.entries, "checkpoints",
        (json_int_t)v.checkpoints, "last_checkpoint_seq", (json_int_t)v.last_checkpoint,
        "unsigned_tail", (json_int_t)(v.entries - v.last_checkpoint), "head_seq",
        (json_int_t)head_seq, "warnings", warnings);
    if (v.bad)
        json_object_set_new(
            out, "error",
            json_pack("{s:I, s:s}", "seq", (json_int_t)v.bad_seq, "reason", v.reason));
    return out;
}

/* ---- export ------------------------------------------------------------------- */

struct export_page {
    json_t *out;
    size_t bytes, max_bytes, max_entries;
    uint64_t last;
};

static int export_one(void *arg, const casestore_val_t *k, const casestore_val_t *v)
{
    struct export_page *p = arg;
    json_t *entry = k->len == 8 ? json_loadb(v->data, v->len, 0, NULL) : NULL;
    if (entry) {
        json_array_append_new(p->out, entry);
        p->last = fs_u64_from_be(k->data);
    }
    p->bytes += v->len;
    return p->bytes >= p->max_bytes ||
           (p->max_entries && json_array_size(p->out) >= p->max_entries);
}

uint64_t casestore_audit_export(casestore_t *st, casestore_txn_t *txn, uint64_t since,
                                size_t max_bytes, size_t max_entries, json_t *out)
{
    struct export_page p = {out, 0, max_bytes, max_entries, since};
    if (!casestore_has(st, CASESTORE_DB_AUDIT) || max_bytes == 0)
        return since;
    unsigned char start[8];
    fs_u64_to_be(since + 1, start);
    casestore_foreach_from(st, txn, CASESTORE_DB_AUDIT, start, 8, export_one, &p);
    return p.last;
}
