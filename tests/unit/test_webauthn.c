/*  test_webauthn.c — passkey signatures (playbooks/webauthn.c, signed.c):
    an EC P-256 key and an Ed25519 key made here act as authenticators
    (authenticatorData = SHA-256(rp_id) || flags || signCount, a
    clientDataJSON, a signature over authenticatorData || SHA-256(it)).
    Good ES256 and EdDSA; a replay onto another payload; wrong RP ID,
    origin, type; UP or UV missing; bad signature; another credential;
    truncated and oversized fields; garbage; the passkey file's checks;
    registrations; and the site's side: a critical command's proof whose
    vote is a passkey assertion (governance_proof_verify, what
    adapters/commands.c calls), a forged one refused. */
#include "check.h"
#include "governance.h"
#include "keys.h"
#include "webauthn.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <unistd.h>

#define RP "console.example.org"
#define ORIGIN "https://console.example.org:8443"

typedef struct authenticator {
    EVP_PKEY *key;
    int alg;
    char cid[64]; /* base64url */
} authenticator_t;

static char *b64(const void *data, size_t len)
{
    char *out = malloc(len * 4 / 3 + 8);
    governance_b64url_encode(data, len, out, len * 4 / 3 + 8);
    return out;
}

static void sha256(const void *data, size_t len, unsigned char out[32])
{
    EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL);
}

/* What the browser and the authenticator would make for payload. */
typedef struct ceremony {
    const char *type;   /* clientDataJSON type, default webauthn.get */
    const char *rp_id;  /* the rpIdHash's input, default RP */
    const char *origin; /* default ORIGIN */
    unsigned char flags;
    bool flip_signature;
    bool cross_origin;
    size_t authdata_len; /* 0 = 37 */
} ceremony_t;

static char *assert_with(const authenticator_t *a, const char *payload, const ceremony_t *c)
{
    unsigned char digest[32];
    sha256(payload, strlen(payload), digest);
    char *challenge = b64(digest, 32);
    char cdj[1024];
    snprintf(cdj, sizeof cdj,
             "{\"type\":\"%s\",\"challenge\":\"%s\",\"origin\":\"%s\",\"crossOrigin\":%s}",
             c->type ? c->type : "webauthn.get", challenge, c->origin ? c->origin : ORIGIN,
             c->cross_origin ? "true" : "false");
    free(challenge);
    unsigned char authdata[64] = {0};
    size_t alen = c->authdata_len ? c->authdata_len : 37;
    const char *rp = c->rp_id ? c->rp_id : RP;
    sha256(rp, strlen(rp), authdata);
    authdata[32] = c->flags;
    authdata[36] = 7; /* signCount */
    unsigned char msg[128];
    memcpy(msg, authdata, alen);
    sha256(cdj, strlen(cdj), msg + alen);
    unsigned char sig[128];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, NULL, a->alg == -7 ? EVP_sha256() : NULL, NULL, a->key);
    EVP_DigestSign(ctx, sig, &siglen, msg, alen + 32);
    EVP_MD_CTX_free(ctx);
    if (c->flip_signature)
        sig[siglen - 1] ^= 1;
    char *ad = b64(authdata, alen), *cd = b64(cdj, strlen(cdj)), *sg = b64(sig, siglen);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "webauthn", "credential_id", a->cid,
                          "authenticator_data", ad, "client_data_json", cd, "signature", sg);
    char *out = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    free(ad), free(cd), free(sg);
    return out;
}

static char *assertion(const authenticator_t *a, const char *payload)
{
    ceremony_t c = {.flags = 0x05};
    return assert_with(a, payload, &c);
}

static char *pem_of(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *out = malloc((size_t)n + 1);
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    BIO_free(bio);
    return out;
}

static void authenticator_make(authenticator_t *a, int alg, unsigned char id_byte)
{
    a->alg = alg;
    a->key = alg == -7 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                       : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    unsigned char id[20];
    memset(id, id_byte, sizeof id);
    governance_b64url_encode(id, sizeof id, a->cid, sizeof a->cid);
}

/* Writes DIR/NAME.passkey.json for a. */
static void enroll(const char *dir, const char *name, const authenticator_t *a, const char *rp)
{
    char *pem = pem_of(a->key);
    json_t *doc = json_pack("{s:s, s:s, s:i, s:s}", "credential_id", a->cid, "public_key_pem", pem,
                            "alg", a->alg, "rp_id", rp);
    char path[512];
    snprintf(path, sizeof path, "%s/%s.passkey.json", dir, name);
    json_dump_file(doc, path, 0);
    json_decref(doc);
    free(pem);
}

static int verify(const char *dir, const char *name, const char *payload, const char *sig,
                  fs_err_t *e)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.passkey.json", dir, name);
    return governance_webauthn_verify(path, payload, strlen(payload), sig, e);
}

static void check_refused(const char *dir, const char *name, const char *payload, char *sig,
                          const char *why)
{
    fs_err_t e = {0};
    int rc = verify(dir, name, payload, sig, &e);
    CHECK_INT(rc, -1);
    if (rc == 0 || !strstr(e.text, why))
        fprintf(stderr, "  expected \"%s\", got \"%s\"\n", why, e.text);
    CHECK(strstr(e.text, why) != NULL);
    CHECK(strstr(e.text, "PRIVATE") == NULL && strstr(e.text, "BEGIN") == NULL);
    free(sig);
}

static void test_base64url(void)
{
    char out[64];
    CHECK_INT(governance_b64url_encode("\xfb\xff", 2, out, sizeof out), 3);
    CHECK_STR(out, "-_8");
    size_t n = 0;
    unsigned char *d = governance_b64url_decode("-_8", 16, &n);
    CHECK(d && n == 2 && d[0] == 0xfb && d[1] == 0xff);
    free(d);
    CHECK(governance_b64url_decode("-_9", 16, &n) == NULL);     /* non-zero unused bits */
    CHECK(governance_b64url_decode("ab+/", 16, &n) == NULL);    /* standard alphabet */
    CHECK(governance_b64url_decode("YQ==", 16, &n) == NULL);    /* padding */
    CHECK(governance_b64url_decode("A", 16, &n) == NULL);       /* impossible length */
    CHECK(governance_b64url_decode("AAAAAAAA", 5, &n) == NULL); /* 6 bytes > 5 */
    CHECK_INT(governance_b64url_encode("abc", 3, out, 4), 0);   /* no room for the NUL */
}

static void test_assertions(const char *dir)
{
    authenticator_t es = {0}, ed = {0}, other = {0};
    authenticator_make(&es, -7, 0x11);
    authenticator_make(&ed, -8, 0x22);
    authenticator_make(&other, -7, 0x11); /* same credential id, another key */
    enroll(dir, "alice", &es, RP);
    enroll(dir, "bob", &ed, RP);
    const char *payload = "{\"approval_id\":7,\"decision\":\"approve\"}";
    const char *another = "{\"approval_id\":8,\"decision\":\"approve\"}";
    fs_err_t e = {0};

    char *good = assertion(&es, payload);
    CHECK(governance_webauthn_is_assertion(good));
    CHECK(!governance_webauthn_is_assertion("AAAA"));
    CHECK_INT(verify(dir, "alice", payload, good, &e), 0);
    /* replay: the same assertion on another payload */
    CHECK_INT(verify(dir, "alice", another, good, &e), -1);
    CHECK(strstr(e.text, "challenge") && strstr(e.text, "replayed"));
    /* alice's assertion checked as bob's: another credential */
    CHECK_INT(verify(dir, "bob", payload, good, &e), -1);
    CHECK(strstr(e.text, "another credential") != NULL);
    CHECK_INT(verify(dir, "carol", payload, good, &e), -1); /* never enrolled */
    CHECK(strstr(e.text, "no enrolled passkey") != NULL);
    free(good);

    char *good_ed = assertion(&ed, payload);
    CHECK_INT(verify(dir, "bob", payload, good_ed, &e), 0);
    free(good_ed);

    ceremony_t c;
#define REFUSED(who, auth, ...)                                                                    \
    do {                                                                                           \
        c = (ceremony_t){__VA_ARGS__};                                                             \
        c.flags = c.flags ? c.flags : 0x05; /* UP|UV unless the case sets flags */                 \
        check_refused(dir, who, payload, assert_with(auth, payload, &c), WHY);                     \
    } while (0)
#define WHY "rpIdHash"
    REFUSED("alice", &es, .rp_id = "evil.example.org");
#undef WHY
#define WHY "flag UP"
    REFUSED("alice", &es, .flags = 0x04);
#undef WHY
#define WHY "flag UV"
    REFUSED("alice", &es, .flags = 0x01);
    REFUSED("bob", &ed, .flags = 0x41);
#undef WHY
#define WHY "does not verify"
    REFUSED("alice", &es, .flip_signature = true);
    REFUSED("bob", &ed, .flip_signature = true);
    REFUSED("alice", &other); /* right credential id, wrong key */
#undef WHY
#define WHY "type is not \"webauthn.get\""
    REFUSED("alice", &es, .type = "webauthn.create");
#undef WHY
#define WHY "another site"
    REFUSED("alice", &es, .origin = "https://evil.example.org");
    REFUSED("alice", &es, .origin = "http://console.example.org");
    REFUSED("alice", &es, .origin = "https://console.example.org.evil.net");
    REFUSED("alice", &es, .origin = "https://console.example.org:84x");
#undef WHY
#define WHY "cross-origin"
    REFUSED("alice", &es, .cross_origin = true);
#undef WHY
#define WHY "shorter than 37"
    REFUSED("alice", &es, .authdata_len = 36);
#undef WHY
    /* extensions after the 37 bytes are fine */
    c = (ceremony_t){.flags = 0x85, .authdata_len = 40};
    char *ext = assert_with(&es, payload, &c);
    CHECK_INT(verify(dir, "alice", payload, ext, &e), 0);
    free(ext);
    /* an ES256 key enrolled as EdDSA is refused with the file named */
    enroll(dir, "mallory", &es, RP);
    char path[512];
    snprintf(path, sizeof path, "%s/mallory.passkey.json", dir);
    json_t *doc = json_load_file(path, 0, NULL);
    json_object_set_new(doc, "alg", json_integer(-8));
    json_dump_file(doc, path, 0);
    json_decref(doc);
    char *m = assertion(&es, payload);
    check_refused(dir, "mallory", payload, m, "not an Ed25519 key");

    /* malformed assertions */
    const char *garbage[] = {
        "{",
        "{}",
        "{\"type\":\"webauthn\"}",
        "[1,2]",
        "{\"type\":\"u2f\",\"credential_id\":\"AA\",\"authenticator_data\":\"AA\","
        "\"client_data_json\":\"AA\",\"signature\":\"AA\"}",
        "{\"type\":\"webauthn\",\"credential_id\":\"AA\",\"authenticator_data\":\"AA\","
        "\"client_data_json\":\"AA\",\"signature\":\"AA\",\"extra\":1}",
        "{\"type\":\"webauthn\",\"credential_id\":\"A+\",\"authenticator_data\":\"AA\","
        "\"client_data_json\":\"AA\",\"signature\":\"AA\"}",
        "{\"type\":\"webauthn\",\"credential_id\":\"\",\"authenticator_data\":\"AA\","
        "\"client_data_json\":\"AA\",\"signature\":\"AA\"}",
        "{\"type\":\"webauthn\",\"credential_id\":1,\"authenticator_data\":\"AA\","
        "\"client_data_json\":\"AA\",\"signature\":\"AA\"}",
    };
    for (size_t i = 0; i < sizeof garbage / sizeof *garbage; i++) {
        CHECK_INT(verify(dir, "alice", payload, garbage[i], &e), -1);
        CHECK(strstr(e.text, "passkey assertion") != NULL);
    }
    /* client_data_json that is not JSON */
    char *g = assertion(&es, payload);
    json_t *gj = json_loads(g, 0, NULL);
    json_object_set_new(gj, "client_data_json", json_string("bm90IGpzb24"));
    free(g);
    g = json_dumps(gj, JSON_COMPACT);
    json_decref(gj);
    check_refused(dir, "alice", payload, g, "not a JSON object");

    /* oversized fields: each limit is checked before decoding */
    const char *fields[] = {"credential_id", "authenticator_data", "client_data_json", "signature"};
    size_t limits[] = {GOVERNANCE_WEBAUTHN_CREDENTIAL_ID_MAX, GOVERNANCE_WEBAUTHN_AUTHDATA_MAX,
                       GOVERNANCE_WEBAUTHN_CLIENT_DATA_MAX, GOVERNANCE_WEBAUTHN_SIGNATURE_MAX};
    for (size_t i = 0; i < 4; i++) {
        size_t n = (limits[i] + 1) * 4 / 3 + 4;
        if (n + 400 > GOVERNANCE_WEBAUTHN_ASSERTION_MAX)
            n = (limits[i] + 3) / 3 * 4; /* just above the limit, below the total */
        char *big = malloc(n + 1);
        memset(big, 'A', n);
        big[n] = '\0';
        char *s = assertion(&es, payload);
        json_t *j = json_loads(s, 0, NULL);
        json_object_set_new(j, fields[i], json_string(big));
        free(s);
        s = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        CHECK_INT(verify(dir, "alice", payload, s, &e), -1);
        CHECK(strstr(e.text, fields[i]) != NULL || strstr(e.text, "longer than") != NULL);
        free(s);
        free(big);
    }
    char *huge = malloc(GOVERNANCE_WEBAUTHN_ASSERTION_MAX + 10);
    memset(huge, ' ', GOVERNANCE_WEBAUTHN_ASSERTION_MAX + 9);
    huge[0] = '{';
    huge[GOVERNANCE_WEBAUTHN_ASSERTION_MAX + 9] = '\0';
    CHECK_INT(verify(dir, "alice", payload, huge, &e), -1);
    CHECK(strstr(e.text, "longer than 4096") != NULL);
    free(huge);

    /* the passkey file's own checks */
    char fp[65];
    char *pem = pem_of(es.key);
    json_t *pk = json_pack("{s:s, s:s, s:i, s:s}", "credential_id", es.cid, "public_key_pem", pem,
                           "alg", -7, "rp_id", RP);
    CHECK_INT(governance_webauthn_passkey_check(pk, fp, &e), 0);
    CHECK_INT(strlen(fp), 64);
    json_object_set_new(pk, "fingerprint", json_string(fp));
    CHECK_INT(governance_webauthn_passkey_check(pk, fp, &e), 0);
    json_object_set_new(pk, "fingerprint",
                        json_string("00000000000000000000000000000000000000000000000000"
                                    "00000000000000"));
    CHECK_INT(governance_webauthn_passkey_check(pk, fp, &e), -1);
    CHECK(strstr(e.text, "fingerprint") != NULL);
    json_object_del(pk, "fingerprint");
    json_object_set_new(pk, "rp_id", json_string("127.0.0.1"));
    CHECK_INT(governance_webauthn_passkey_check(pk, fp, &e), -1);
    CHECK(strstr(e.text, "rp_id") != NULL);
    json_object_set_new(pk, "rp_id", json_string(RP));
    json_object_set_new(pk, "colour", json_string("blue"));
    CHECK_INT(governance_webauthn_passkey_check(pk, fp, &e), -1);
    CHECK(strstr(e.text, "unknown member") != NULL);
    json_object_del(pk, "colour");
    json_object_set_new(pk, "public_key_pem", json_string("-----BEGIN PUBLIC KEY-----\nAAAA\n"));
    CHECK_INT(governance_webauthn_passkey_check(pk, fp, &e), -1);
    json_decref(pk);
    free(pem);

    EVP_PKEY_free(es.key);
    EVP_PKEY_free(ed.key);
    EVP_PKEY_free(other.key);
}

static void test_registration(void)
{
    authenticator_t a = {0};
    authenticator_make(&a, -7, 0x33);
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(a.key, &der);
    char *spki = b64(der, (size_t)n);
    const char *challenge = "q1w2e3r4t5y6u7i8o9p0q1w2e3r4t5y6u7i8o9p0abc";
    char cdj[512];
    snprintf(cdj, sizeof cdj,
             "{\"type\":\"webauthn.create\",\"challenge\":\"%s\",\"origin\":\"" ORIGIN "\"}",
             challenge);
    char *cd = b64(cdj, strlen(cdj));
    fs_err_t e = {0};
    json_t *doc = governance_webauthn_registration_check(RP, challenge, a.cid, spki, -7, cd, &e);
    CHECK(doc != NULL);
    char fp[65];
    CHECK_INT(governance_webauthn_passkey_check(doc, fp, &e), 0);
    CHECK_STR(json_string_value(json_object_get(doc, "fingerprint")), fp);
    json_decref(doc);
    CHECK(governance_webauthn_registration_check(RP, "other", a.cid, spki, -7, cd, &e) == NULL);
    CHECK(strstr(e.text, "this enrollment's") != NULL);
    CHECK(governance_webauthn_registration_check(RP, challenge, a.cid, spki, -8, cd, &e) == NULL);
    CHECK(strstr(e.text, "not an Ed25519 key") != NULL);
    CHECK(governance_webauthn_registration_check(RP, challenge, a.cid, spki, -257, cd, &e) == NULL);
    CHECK(governance_webauthn_registration_check("evil.example.org", challenge, a.cid, spki, -7, cd,
                                                 &e) == NULL);
    CHECK(strstr(e.text, "another site") != NULL);
    CHECK(governance_webauthn_registration_check(RP, challenge, a.cid, "AAAA", -7, cd, &e) == NULL);
    CHECK(strstr(e.text, "SPKI") != NULL);
    CHECK(governance_webauthn_registration_check(RP, challenge, "", spki, -7, cd, &e) == NULL);
    char get[512];
    snprintf(get, sizeof get,
             "{\"type\":\"webauthn.get\",\"challenge\":\"%s\",\"origin\":\"" ORIGIN "\"}",
             challenge);
    char *gd = b64(get, strlen(get));
    CHECK(governance_webauthn_registration_check(RP, challenge, a.cid, spki, -7, gd, &e) == NULL);
    CHECK(strstr(e.text, "webauthn.create") != NULL);
    free(gd);
    free(cd);
    free(spki);
    OPENSSL_free(der);
    EVP_PKEY_free(a.key);
}

/* Issue 14.3, EdDSA: an Ed25519 credential (COSE alg -8; the console sends
   getPublicKey()'s SPKI DER and getPublicKeyAlgorithm()) goes through the
   enrollment check; the passkey document it returns verifies an assertion
   signed with that key and refuses a tampered one; an Ed25519 key claimed
   as ES256 is refused. Then the site's side: a critical command's proof
   whose vote is an EdDSA assertion. */
static void test_registration_eddsa(void)
{
    char dir[] = "/tmp/fedsoar-webauthn-eddsa-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    authenticator_t a = {0}, forger = {0};
    authenticator_make(&a, -8, 0x55);
    authenticator_make(&forger, -8, 0x55); /* same credential id, another key */
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(a.key, &der);
    CHECK_INT(n, 44); /* Ed25519 SPKI: 12-byte header + 32-byte key */
    char *spki = b64(der, (size_t)n);
    const char *challenge = "Ed25519Ed25519Ed25519Ed25519Ed25519Ed25519";
    char cdj[512];
    snprintf(cdj, sizeof cdj,
             "{\"type\":\"webauthn.create\",\"challenge\":\"%s\",\"origin\":\"" ORIGIN
             "\",\"crossOrigin\":false}",
             challenge);
    char *cd = b64(cdj, strlen(cdj));
    fs_err_t e = {0};
    json_t *doc = governance_webauthn_registration_check(RP, challenge, a.cid, spki, -8, cd, &e);
    CHECK(doc != NULL);
    if (!doc)
        fprintf(stderr, "  Ed25519 registration refused: %s\n", e.text);
    CHECK_INT(json_integer_value(json_object_get(doc, "alg")), -8);
    CHECK_STR(json_string_value(json_object_get(doc, "credential_id")), a.cid);
    CHECK_STR(json_string_value(json_object_get(doc, "rp_id")), RP);
    char fp[65];
    CHECK_INT(governance_webauthn_passkey_check(doc, fp, &e), 0);
    unsigned char digest[32];
    sha256(der, (size_t)n, digest);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    CHECK_STR(fp, hex); /* the fingerprint is SHA-256 of the SPKI DER */
    /* an Ed25519 key claimed as ES256 is refused */
    CHECK(governance_webauthn_registration_check(RP, challenge, a.cid, spki, -7, cd, &e) == NULL);
    CHECK(strstr(e.text, "P-256") != NULL || strstr(e.text, "EC") != NULL ||
          strstr(e.text, "ES256") != NULL);
    if (!strstr(e.text, "P-256") && !strstr(e.text, "EC") && !strstr(e.text, "ES256"))
        fprintf(stderr, "  Ed25519 as -7: \"%s\"\n", e.text);

    /* what the CLI writes (KEYS/signing/operators/NAME.passkey.json) verifies */
    char path[512];
    snprintf(path, sizeof path, "%s/dana.passkey.json", dir);
    CHECK_INT(json_dump_file(doc, path, 0), 0);
    json_decref(doc);
    const char *payload = "{\"approval_id\":11,\"decision\":\"approve\"}";
    char *good = assertion(&a, payload);
    CHECK_INT(verify(dir, "dana", payload, good, &e), 0);
    CHECK_INT(verify(dir, "dana", "{\"approval_id\":12,\"decision\":\"approve\"}", good, &e), -1);
    CHECK(strstr(e.text, "challenge") != NULL);
    /* one byte of the signature changed */
    ceremony_t c = {.flags = 0x05, .flip_signature = true};
    check_refused(dir, "dana", payload, assert_with(&a, payload, &c), "does not verify");
    /* another Ed25519 key under dana's credential id */
    check_refused(dir, "dana", payload, assertion(&forger, payload), "does not verify");
    /* UV missing */
    c = (ceremony_t){.flags = 0x01};
    check_refused(dir, "dana", payload, assert_with(&a, payload, &c), "flag UV");
    free(good);

    /* the site: a proof whose one vote is dana's EdDSA assertion */
    int64_t now = fs_now_ms();
    char *v = governance_vote_payload(21, 3, "approve", "dana", 1, now);
    char *s = assertion(&a, v);
    json_t *proof =
        json_pack("[{s:s, s:s, s:s}]", "operator", "dana", "signature", s, "payload", v);
    char reason[512] = "";
    CHECK_INT(governance_proof_verify(proof, 3, dir, now, 3600000, reason, sizeof reason), 0);
    if (reason[0])
        fprintf(stderr, "  EdDSA proof: %s\n", reason);
    json_decref(proof);
    /* the same proof carried by a command of another run */
    proof = json_pack("[{s:s, s:s, s:s}]", "operator", "dana", "signature", s, "payload", v);
    CHECK_INT(governance_proof_verify(proof, 4, dir, now, 3600000, reason, sizeof reason), -1);
    json_decref(proof);
    char *forged = assertion(&forger, v);
    proof = json_pack("[{s:s, s:s, s:s}]", "operator", "dana", "signature", forged, "payload", v);
    CHECK_INT(governance_proof_verify(proof, 3, dir, now, 3600000, reason, sizeof reason), -1);
    CHECK(strstr(reason, "does not verify") != NULL);
    json_decref(proof);
    free(v), free(s), free(forged);

    free(cd);
    free(spki);
    OPENSSL_free(der);
    EVP_PKEY_free(a.key);
    EVP_PKEY_free(forger.key);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* The site's side: a critical command's proof, one vote signed with a
   passkey, one with an Ed25519 key file; both from the trusted dir. */
static void test_proof(void)
{
    char dir[] = "/tmp/fedsoar-webauthn-proof-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_err_t e = {0};
    CHECK_INT(keys_init(dir, NULL, "alice:approver,bob:approver", "admin", &e), 0);
    char trusted[600], priv[4096], pub[4096];
    snprintf(trusted, sizeof trusted, "%s/signing/operators", dir);
    authenticator_t a = {0}, forger = {0};
    authenticator_make(&a, -7, 0x44);
    authenticator_make(&forger, -7, 0x44);
    enroll(trusted, "alice", &a, RP);
    int64_t now = fs_now_ms();
    char *va = governance_vote_payload(9, 5, "approve", "alice", 2, now),
         *vb = governance_vote_payload(9, 5, "approve", "bob", 2, now);
    char *sa = assertion(&a, va);
    CHECK_INT(keys_signing_paths(dir, "bob", priv, sizeof priv, pub, sizeof pub), 0);
    char *sb = keys_sign(priv, vb, strlen(vb), &e);
    json_t *proof =
        json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "operator", "alice", "signature", sa,
                  "payload", va, "operator", "bob", "signature", sb, "payload", vb);
    char reason[512];
    CHECK_INT(governance_proof_verify(proof, 5, trusted, now, 3600000, reason, sizeof reason), 0);
    /* the broker's check of the same vote, through the key layout */
    CHECK_INT(governance_signature_check(dir, "alice", va, sa, &e), 0);
    CHECK_INT(governance_signature_check(dir, "alice", vb, sa, &e), -1);
    CHECK_INT(governance_signature_check(dir, "bob", vb, sb, &e), 0); /* Ed25519 unchanged */
    json_decref(proof);

    /* forged: a key the site never trusted, the same credential id */
    char *forged = assertion(&forger, va);
    proof = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "operator", "alice", "signature",
                      forged, "payload", va, "operator", "bob", "signature", sb, "payload", vb);
    CHECK_INT(governance_proof_verify(proof, 5, trusted, now, 3600000, reason, sizeof reason), -1);
    CHECK(strstr(reason, "proof[0]: alice's signature refused") &&
          strstr(reason, "does not verify"));
    json_decref(proof);
    /* replayed: alice's assertion for her vote carried with another payload */
    char *vc = governance_vote_payload(9, 6, "approve", "alice", 1, now);
    proof = json_pack("[{s:s, s:s, s:s}]", "operator", "alice", "signature", sa, "payload", vc);
    CHECK_INT(governance_proof_verify(proof, 6, trusted, now, 3600000, reason, sizeof reason), -1);
    CHECK(strstr(reason, "challenge") != NULL);
    json_decref(proof);
    /* bob has no passkey: an assertion in his name is refused */
    proof = json_pack("[{s:s, s:s, s:s}]", "operator", "bob", "signature", sa, "payload", vb);
    CHECK_INT(governance_proof_verify(proof, 5, trusted, now, 3600000, reason, sizeof reason), -1);
    CHECK(strstr(reason, "no enrolled passkey") != NULL);
    json_decref(proof);
    free(va), free(vb), free(vc), free(sa), free(sb), free(forged);
    EVP_PKEY_free(a.key);
    EVP_PKEY_free(forger.key);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

int main(void)
{
    char dir[] = "/tmp/fedsoar-webauthn-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    test_base64url();
    test_assertions(dir);
    test_registration();
    test_registration_eddsa();
    test_proof();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
    return check_summary();
}
