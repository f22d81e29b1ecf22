/*  audit_tamper.c — tampers with a stopped broker's audit log directly in
    its LMDB file, the way an attacker with disk access would, so the tests
    can check that `fedsoarctl audit verify` notices (tests/integration/
    audit_tamper.sh).  Not installed.

      audit_tamper DIR alter SEQ      change a field of entry SEQ (hash left stale)
      audit_tamper DIR rehash SEQ     change entry SEQ and recompute every hash after it
      audit_tamper DIR remove SEQ     delete entry SEQ
      audit_tamper DIR truncate       delete the last entry
      audit_tamper DIR cut SEQ        delete every entry after SEQ and rewrite the head row to SEQ
                                      (a consistent, shorter chain: only stamps and witnesses tell)
      audit_tamper DIR insert SEQ     insert a forged entry between SEQ and SEQ+1 (renumbering the
   rest) audit_tamper DIR swap SEQ       exchange entries SEQ and SEQ+1 audit_tamper DIR count print
   the number of entries */
#include "common.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MDB_env *env;
static MDB_txn *txn;
static MDB_dbi dbi;

static json_t *get(uint64_t seq)
{
    unsigned char k[8];
    fs_u64_to_be(seq, k);
    MDB_val key = {8, k}, val;
    if (mdb_get(txn, dbi, &key, &val) != 0)
        return NULL;
    return json_loadb(val.mv_data, val.mv_size, 0, NULL);
}

static void put(uint64_t seq, json_t *entry)
{
    unsigned char k[8];
    fs_u64_to_be(seq, k);
    char *text = fs_json_canonical(entry);
    MDB_val key = {8, k}, val = {strlen(text), text};
    if (mdb_put(txn, dbi, &key, &val, 0) != 0) {
        fprintf(stderr, "audit_tamper: put failed\n");
        exit(2);
    }
    free(text);
}

static void del(uint64_t seq)
{
    unsigned char k[8];
    fs_u64_to_be(seq, k);
    MDB_val key = {8, k};
    mdb_del(txn, dbi, &key, NULL);
}

static uint64_t last_seq(void)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint64_t last = 0;
    mdb_cursor_open(txn, dbi, &c);
    if (mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
        last = fs_u64_from_be(k.mv_data);
    mdb_cursor_close(c);
    return last;
}

static void rehash(json_t *entry, const char *prev)
{
    json_object_set_new(entry, "prev", json_string(prev));
    json_object_del(entry, "hash");
    char *canon = fs_json_canonical(entry), h[65];
    fs_sha256_hex(canon, strlen(canon), h);
    free(canon);
    json_object_set_new(entry, "hash", json_string(h));
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(
            stderr,
            "usage: audit_tamper DIR alter|rehash|remove|truncate|cut|insert|swap|count [SEQ]\n");
        return 2;
    }
    const char *op = argv[2];
    uint64_t seq = 0;
    if (argc > 3 && fs_parse_u64(argv[3], &seq) != 0)
        return 2;
    if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 32) ||
        mdb_env_set_mapsize(env, (size_t)1 << 30) || mdb_env_open(env, argv[1], MDB_NOTLS, 0600) ||
        mdb_txn_begin(env, NULL, 0, &txn) || mdb_dbi_open(txn, "audit", 0, &dbi)) {
        fprintf(stderr, "audit_tamper: cannot open the audit table in %s\n", argv[1]);
        return 2;
    }
    uint64_t last = last_seq();
    if (strcmp(op, "count") == 0) {
        printf("%llu\n", (unsigned long long)last);
    } else if (strcmp(op, "alter") == 0 || strcmp(op, "rehash") == 0) {
        json_t *e = get(seq);
        if (!e)
            return 2;
        json_object_set_new(e, "actor", json_string("operator:mallory"));
        if (strcmp(op, "rehash") == 0) {
            /* Rewrite the chain from here on so that every hash agrees again;
               only a signed checkpoint can tell. */
            json_t *before = seq > 1 ? get(seq - 1) : NULL;
            char prev[65];
            snprintf(prev, sizeof prev, "%s",
                     before ? json_string_value(json_object_get(before, "hash"))
                            : "0000000000000000000000000000000000000000000000000000000000000000");
            json_decref(before);
            for (uint64_t s = seq; s <= last; s++) {
                json_t *cur = s == seq ? json_incref(e) : get(s);
                /* A thorough forger also makes each checkpoint cover the
                   rewritten entry before it: only the signature is left. */
                json_t *d = json_object_get(cur, "details");
                const char *kind = json_string_value(json_object_get(cur, "kind"));
                if (kind && strcmp(kind, "audit.checkpoint") == 0 && json_is_object(d))
                    json_object_set_new(d, "upto_hash", json_string(prev));
                rehash(cur, prev);
                snprintf(prev, sizeof prev, "%s", json_string_value(json_object_get(cur, "hash")));
                put(s, cur);
                json_decref(cur);
            }
            /* ... and the head the broker keeps, too. */
            MDB_dbi meta;
            if (mdb_dbi_open(txn, "meta", 0, &meta) == 0) {
                unsigned char head[72];
                fs_u64_to_be(last, head);
                memcpy(head + 8, prev, 64);
                MDB_val k = {10, "audit_head"}, v = {72, head};
                mdb_put(txn, meta, &k, &v, 0);
            }
        } else {
            put(seq, e);
        }
        json_decref(e);
    } else if (strcmp(op, "remove") == 0) {
        del(seq);
    } else if (strcmp(op, "truncate") == 0) {
        del(last);
    } else if (strcmp(op, "cut") == 0) {
        json_t *keep = get(seq);
        if (!keep)
            return 2;
        for (uint64_t s = last; s > seq; s--)
            del(s);
        MDB_dbi meta;
        if (mdb_dbi_open(txn, "meta", 0, &meta) == 0) {
            unsigned char head[72];
            fs_u64_to_be(seq, head);
            memcpy(head + 8, json_string_value(json_object_get(keep, "hash")), 64);
            MDB_val k = {10, "audit_head"}, v = {72, head};
            mdb_put(txn, meta, &k, &v, 0);
        }
        json_decref(keep);
    } else if (strcmp(op, "insert") == 0) {
        for (uint64_t s = last; s > seq; s--) {
            json_t *e = get(s);
            del(s);
            put(s + 1, e);
            json_decref(e);
        }
        json_t *forged = get(seq);
        json_object_set_new(forged, "seq", json_integer((json_int_t)(seq + 1)));
        json_object_set_new(forged, "kind", json_string("case.note"));
        rehash(forged, json_string_value(json_object_get(forged, "hash")));
        put(seq + 1, forged);
        json_decref(forged);
    } else if (strcmp(op, "swap") == 0) {
        json_t *a = get(seq), *b = get(seq + 1);
        if (!a || !b)
            return 2;
        put(seq, b);
        put(seq + 1, a);
        json_decref(a);
        json_decref(b);
    } else {
        fprintf(stderr, "audit_tamper: unknown operation %s\n", op);
        return 2;
    }
    if (mdb_txn_commit(txn) != 0)
        return 2;
    mdb_env_close(env);
    return 0;
}
