/*  admission.c — what an event from a site must be before it is stored
    (docs/security.md "A site speaks only for itself"; docs/protocol.md
    §5.3).

    1. It speaks for its sender: the envelope's "site" is the site whose
       key sent it. An event naming another site (or none) is refused and
       counted; the batch is still acknowledged so the site's outbox does
       not stall behind it.
    2. The same record is stored once: (site, source, metadata.uid) — the
       normalizer's stable id of a vendor record — is remembered for the
       dedup window; a record seen again within it is acknowledged and
       counted, not stored or acted on again. The site is part of the key:
       one site cannot suppress another's records by sending their ids
       first.

    The check reads the bytes once (fs_json_pick) without building a tree.
    Remembered ids live in CASESTORE_DB_DEDUP under a time bucket of one window:
      bucket (u64 BE, now / window) + site \0 source \0 uid -> ""
    A lookup checks this bucket and the one before, so a record is
    remembered for at least one window and at most two; whole buckets older
    than that are deleted from the front of the table, a bounded number of
    rows per turn. */
#include "broker_internal.h"

#include <string.h>

#define DEDUP_KEY_MAX 400
#define DEDUP_PURGE_ROWS 20000

static int dedup_key(unsigned char *key, uint64_t bucket, const char *site,
                     const fs_json_pick_t *source, const fs_json_pick_t *uid)
{
    size_t slen = strlen(site);
    size_t n = 8 + slen + 1 + source->len + 1 + uid->len;
    if (n > DEDUP_KEY_MAX)
        return -1;
    fs_u64_to_be(bucket, key);
    memcpy(key + 8, site, slen + 1);
    memcpy(key + 9 + slen, source->at, source->len);
    key[9 + slen + source->len] = '\0';
    memcpy(key + 10 + slen + source->len, uid->at, uid->len);
    return (int)n;
}

admit_t admission_check(broker_t *b, casestore_txn_t *txn, const char *site, const void *data,
                        size_t len, const char **reason, fs_json_pick_t *source_out, fs_err_t *e)
{
    fs_json_pick_t picks[] = {{.path = "site"}, {.path = "source"}, {.path = "metadata.uid"}};
    if (fs_json_pick(data, len, picks, 3) != 0) {
        *reason = "malformed";
        return ADMIT_REFUSED;
    }
    if (source_out) /* the site activity counts by source (ingest.c): one scan, not two */
        *source_out = picks[1];
    const fs_json_pick_t *named = &picks[0], *source = &picks[1], *uid = &picks[2];
    if (named->found == FS_PICK_ABSENT) {
        *reason = "no_site";
        return ADMIT_REFUSED;
    }
    if (named->found != FS_PICK_STRING || named->len != strlen(site) ||
        memcmp(named->at, site, named->len) != 0) {
        *reason = "other_site";
        return ADMIT_REFUSED;
    }
    int64_t window = b->cfg.dedup_window_ms;
    if (window <= 0 || source->found != FS_PICK_STRING || uid->found != FS_PICK_STRING ||
        uid->len == 0)
        return ADMIT_STORE; /* no stable id: nothing to compare (docs/normalize.md metadata.uid) */
    uint64_t bucket = (uint64_t)(fs_now_ms() / window);
    unsigned char key[DEDUP_KEY_MAX];
    int klen = dedup_key(key, bucket, site, source, uid);
    if (klen < 0)
        return ADMIT_STORE;
    casestore_val_t v;
    for (uint64_t k = 0; k < 2 && bucket >= k; k++) {
        fs_u64_to_be(bucket - k, key);
        int rc = casestore_get(b->store, txn, CASESTORE_DB_DEDUP, key, (size_t)klen, &v, e);
        if (rc < 0)
            return ADMIT_ERROR;
        if (rc == 0)
            return ADMIT_DUPLICATE;
    }
    fs_u64_to_be(bucket, key);
    return casestore_put(b->store, txn, CASESTORE_DB_DEDUP, key, (size_t)klen, "", 0, e) == 0
               ? ADMIT_STORE
               : ADMIT_ERROR;
}

/* A remembered id from a bucket older than keep_from (rows are in bucket
   order: the key starts with the bucket, big-endian). */
static bool bucket_expired(void *arg, const casestore_val_t *key)
{
    return key->len >= 8 && fs_u64_from_be(key->data) < *(const uint64_t *)arg;
}

int admission_purge(broker_t *b, fs_err_t *e)
{
    int64_t window = b->cfg.dedup_window_ms;
    if (window <= 0)
        return 0;
    uint64_t keep_from = (uint64_t)(fs_now_ms() / window);
    keep_from = keep_from ? keep_from - 1 : 0;
    casestore_txn_t *txn;
    if (casestore_begin(b->store, true, &txn, e) != 0)
        return -1;
    int deleted = casestore_trim_front(b->store, txn, CASESTORE_DB_DEDUP, bucket_expired,
                                       &keep_from, DEDUP_PURGE_ROWS, e);
    if (deleted < 0) {
        casestore_abort(&txn);
        return fs_err_set(e, "dedup purge: %s", e->text[0] ? e->text : "cursor failed");
    }
    if (deleted == 0) {
        casestore_abort(&txn);
        return 0;
    }
    return casestore_commit(&txn, e) == 0 ? deleted : -1;
}
