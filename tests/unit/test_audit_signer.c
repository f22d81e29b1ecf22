/*  test_audit_signer.c — the broker's checkpoint key held in memory
    (federation/signing.c keys_signer_*, casestore_set_signer): a signature
    made from memory verifies with the public key file, as keys_sign's does;
    the loaded key does not change when its file is replaced on disk, a key
    loaded again (the broker's SIGHUP reload) signs with the new file, and
    a store given the reloaded key writes checkpoints that verify with the
    new public key only; missing and non-Ed25519 files are refused with
    their path. */
#include "casestore.h"
#include "check.h"
#include "keys.h"

#include <stdlib.h>
#include <unistd.h>

/* The latest checkpoint's signature checked against pub (0 = verifies). */
static int last_checkpoint_verifies(casestore_t *st, const char *pub)
{
    casestore_txn_t *txn;
    CHECK_INT(casestore_begin(st, false, &txn, NULL), 0);
    json_t *last = casestore_audit_last_checkpoint(st, txn);
    casestore_abort(&txn);
    CHECK(last != NULL);
    /* The signed payload, as casestore/audit.c builds it. */
    json_t *p = json_pack("{s:s, s:O, s:O}", "type", "fedsoar-audit-checkpoint/1", "upto_seq",
                          json_object_get(last, "upto_seq"), "upto_hash",
                          json_object_get(last, "upto_hash"));
    char *payload = fs_json_canonical(p);
    fs_err_t e = {0};
    int rc = keys_verify(pub, payload, strlen(payload),
                         json_string_value(json_object_get(last, "signature")), &e);
    free(payload);
    json_decref(p);
    json_decref(last);
    return rc;
}

static int checkpoint(casestore_t *st, const char *reason)
{
    casestore_txn_t *txn;
    fs_err_t e = {0};
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    CHECK_INT(casestore_audit_append(st, txn, "test.entry", "broker", NULL, NULL, &e), 0);
    int rc = casestore_audit_checkpoint(st, txn, reason, &e);
    CHECK_INT(casestore_commit(&txn, &e), 0);
    return rc;
}

int main(void)
{
    char dir[] = "/tmp/fedsoar-signer-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char priv[4200], pub[4200], priv2[4200], pub2[4200], state[4200], cmd[8600];
    snprintf(priv, sizeof priv, "%s/broker.sign.pem", dir);
    snprintf(pub, sizeof pub, "%s/broker.sign.pub.pem", dir);
    snprintf(priv2, sizeof priv2, "%s/next.sign.pem", dir);
    snprintf(pub2, sizeof pub2, "%s/next.sign.pub.pem", dir);
    snprintf(state, sizeof state, "%s/state", dir);
    fs_err_t e = {0};
    CHECK_INT(keys_make_signing_key(priv, pub, &e), 0);
    CHECK_INT(keys_make_signing_key(priv2, pub2, &e), 0);

    /* From memory: verifies with the public key, not with another one, and
       not for another message; the same as keys_sign (Ed25519 signatures
       are deterministic). */
    keys_signer_t *s = keys_signer_load(priv, &e);
    CHECK(s != NULL);
    if (!s)
        return check_summary();
    CHECK_STR(keys_signer_path(s), priv);
    char *sig = keys_signer_sign(s, "hello", 5, &e);
    CHECK(sig && strlen(sig) == 88);
    CHECK_INT(keys_verify(pub, "hello", 5, sig, &e), 0);
    CHECK_INT(keys_verify(pub, "hellp", 5, sig, &e), -1);
    CHECK_INT(keys_verify(pub2, "hello", 5, sig, &e), -1);
    char *from_file = keys_sign(priv, "hello", 5, &e);
    CHECK_STR(sig, from_file);
    free(from_file);
    free(sig);
    /* The empty message signs and verifies too. */
    sig = keys_signer_sign(s, "", 0, &e);
    CHECK(sig != NULL);
    CHECK_INT(keys_verify(pub, "", 0, sig, &e), 0);
    free(sig);

    /* The file replaced on disk (pub kept as the old public half): the
       loaded key is not read again, a key loaded again is the new one. */
    char oldpub[4300];
    snprintf(oldpub, sizeof oldpub, "%s.old", pub);
    CHECK_INT(rename(pub, oldpub), 0);
    CHECK_INT(rename(priv2, priv), 0);
    CHECK_INT(rename(pub2, pub), 0);
    sig = keys_signer_sign(s, "after", 5, &e);
    CHECK_INT(keys_verify(oldpub, "after", 5, sig, &e), 0);
    CHECK_INT(keys_verify(pub, "after", 5, sig, &e), -1);
    free(sig);
    keys_signer_t *fresh = keys_signer_load(priv, &e);
    CHECK(fresh != NULL);
    if (!fresh)
        return check_summary();
    sig = keys_signer_sign(fresh, "after", 5, &e);
    CHECK_INT(keys_verify(pub, "after", 5, sig, &e), 0);
    CHECK_INT(keys_verify(oldpub, "after", 5, sig, &e), -1);
    free(sig);

    /* A store: no signer, no checkpoint; the first key's checkpoint
       verifies with its public half; after casestore_set_signer(fresh)
       (the reload) the next one verifies with the new half only. */
    casestore_t *st = casestore_open(state, 64, &e);
    CHECK(st != NULL);
    if (!st)
        return check_summary();
    CHECK(casestore_signer(st) == NULL);
    CHECK_INT(checkpoint(st, "none"), 0);
    casestore_txn_t *txn;
    CHECK_INT(casestore_begin(st, false, &txn, NULL), 0);
    CHECK(casestore_audit_last_checkpoint(st, txn) == NULL);
    casestore_abort(&txn);
    casestore_set_signer(st, s);
    CHECK(casestore_signer(st) == s);
    CHECK_INT(checkpoint(st, "first"), 0);
    CHECK_INT(last_checkpoint_verifies(st, oldpub), 0);
    CHECK_INT(last_checkpoint_verifies(st, pub), -1);
    casestore_set_signer(st, fresh); /* destroys s */
    CHECK(casestore_signer(st) == fresh);
    CHECK_INT(checkpoint(st, "reloaded"), 0);
    CHECK_INT(last_checkpoint_verifies(st, pub), 0);
    CHECK_INT(last_checkpoint_verifies(st, oldpub), -1);
    casestore_close(&st); /* destroys fresh */

    /* Refused with the file named: missing, a public key, not a key. */
    char junk[4300];
    snprintf(junk, sizeof junk, "%s/junk.pem", dir);
    CHECK(keys_signer_load(junk, &e) == NULL);
    CHECK(strstr(e.text, junk) != NULL);
    e = (fs_err_t){0};
    CHECK(keys_signer_load(pub, &e) == NULL);
    CHECK(strstr(e.text, pub) && strstr(e.text, "not an Ed25519"));
    FILE *f = fopen(junk, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n", f);
        fclose(f);
    }
    e = (fs_err_t){0};
    CHECK(keys_signer_load(junk, &e) == NULL);
    CHECK(strstr(e.text, junk) != NULL);
    keys_signer_t *none = NULL; /* destroy is NULL-safe */
    keys_signer_destroy(&none);
    keys_signer_destroy(NULL);

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return check_summary();
}
