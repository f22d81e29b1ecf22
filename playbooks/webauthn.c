/*  webauthn.c — passkey assertions and registrations (webauthn.h).

    What a WebAuthn assertion proves (W3C WebAuthn Level 2, §7.2): the
    authenticator holding the credential's private key signed
    authenticatorData || SHA-256(clientDataJSON).  authenticatorData starts
    with SHA-256 of the RP ID the browser allowed and a flags byte (UP: a
    person touched it; UV: the person was verified, PIN or biometric);
    clientDataJSON carries the challenge the page asked to be signed.  Here
    the challenge is base64url(SHA-256(payload)), so an assertion binds
    exactly one canonical vote or approval payload: replayed onto another
    payload, the challenge check fails.

    Every field has a size limit, checked on its encoded length before
    anything is decoded.  Each refusal names the check that failed. */
#include "webauthn.h"

#include "governance.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define AUTHDATA_MIN 37 /* rpIdHash 32 + flags 1 + signCount 4 */
#define PEM_MAX 4096

/* ---- base64url ----------------------------------------------------------------- */

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '-' ? 62 : c == '_' ? 63 : -1;
}

size_t governance_b64url_encode(const void *data, size_t len, char *out, size_t out_size)
{
    size_t need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
    if (need + 1 > out_size)
        return 0;
    const unsigned char *p = data;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | p[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = b64url_alphabet[(acc >> bits) & 63];
        }
        acc &= (1u << bits) - 1;
    }
    if (bits)
        out[o++] = b64url_alphabet[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    return o;
}

unsigned char *governance_b64url_decode(const char *text, size_t max, size_t *len)
{
    if (!text)
        return NULL;
    size_t n = strlen(text);
    if (n % 4 == 1 || n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0) > max)
        return NULL;
    unsigned char *out = fs_xmalloc(n / 4 * 3 + 3);
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64url_value((unsigned char)text[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
        acc &= (1u << bits) - 1;
    }
    if (acc != 0) { /* one encoding only: the unused low bits are zero */
        free(out);
        return NULL;
    }
    *len = o;
    return out;
}

/* ---- keys ------------------------------------------------------------------------ */

/* Whether key is of alg's kind: ES256 = EC on P-256, EdDSA = Ed25519. */
static bool key_fits_alg(EVP_PKEY *key, int alg)
{
    if (alg == GOVERNANCE_WEBAUTHN_EDDSA)
        return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519;
    if (alg != GOVERNANCE_WEBAUTHN_ES256 || !EVP_PKEY_is_a(key, "EC"))
        return false;
    char group[64];
    size_t glen = 0;
    return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                          &glen) == 1 &&
           (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0);
}

static void fingerprint_of(EVP_PKEY *key, char out[65])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    if (n > 0)
        fs_sha256_hex(der, (size_t)n, out);
    else
        out[0] = '\0';
    OPENSSL_free(der);
}

static char *pem_of(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, *out = NULL;
    long n = bio && PEM_write_bio_PUBKEY(bio, key) == 1 ? BIO_get_mem_data(bio, &data) : 0;
    if (n > 0) {
        out = fs_xmalloc((size_t)n + 1);
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
    }
    BIO_free(bio);
    return out;
}

bool governance_webauthn_rp_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0, label = 0;
    bool letter = false;
    if (n == 0 || n > GOVERNANCE_WEBAUTHN_RP_ID_MAX || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') || ++label > 63)
            return false;
        letter = letter || (c >= 'a' && c <= 'z');
    }
    return letter;
}

/* ---- the passkey file ------------------------------------------------------------- */

typedef struct passkey {
    unsigned char *credential_id;
    size_t credential_id_len;
    EVP_PKEY *key;
    int alg;
    const char *rp_id; /* borrowed from the document */
} passkey_t;

static void passkey_clear(passkey_t *pk)
{
    free(pk->credential_id);
    EVP_PKEY_free(pk->key);
    memset(pk, 0, sizeof *pk);
}

static int passkey_from_doc(const json_t *doc, passkey_t *pk, char fingerprint[65], fs_err_t *e)
{
#define BAD(...) (passkey_clear(pk), fs_err_setc(e, GOVERNANCE_E_SIGNED, __VA_ARGS__))
    static const char *const known[] = {"credential_id", "public_key_pem", "alg",      "rp_id",
                                        "operator",      "fingerprint",    "enrolled", NULL};
    memset(pk, 0, sizeof *pk);
    if (!json_is_object(doc))
        return BAD("passkey: not a JSON object");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)doc, k, v)
    {
        size_t i = 0;
        while (known[i] && strcmp(known[i], k) != 0)
            i++;
        if (!known[i])
            return BAD("passkey: unknown member \"%.40s\"", k);
    }
    const char *cid = json_string_value(json_object_get(doc, "credential_id"));
    const char *pem = json_string_value(json_object_get(doc, "public_key_pem"));
    const json_t *alg = json_object_get(doc, "alg");
    pk->rp_id = json_string_value(json_object_get(doc, "rp_id"));
    if (!cid ||
        !(pk->credential_id = governance_b64url_decode(cid, GOVERNANCE_WEBAUTHN_CREDENTIAL_ID_MAX,
                                                       &pk->credential_id_len)) ||
        pk->credential_id_len == 0)
        return BAD("passkey: $.credential_id is not base64url of 1-%d bytes",
                   GOVERNANCE_WEBAUTHN_CREDENTIAL_ID_MAX);
    if (!json_is_integer(alg) || (json_integer_value(alg) != GOVERNANCE_WEBAUTHN_ES256 &&
                                  json_integer_value(alg) != GOVERNANCE_WEBAUTHN_EDDSA))
        return BAD("passkey: $.alg is not -7 (ES256) or -8 (EdDSA)");
    pk->alg = (int)json_integer_value(alg);
    if (!governance_webauthn_rp_id_ok(pk->rp_id))
        return BAD("passkey: $.rp_id is not a DNS host name");
    const json_t *op = json_object_get(doc, "operator"), *fp = json_object_get(doc, "fingerprint"),
                 *when = json_object_get(doc, "enrolled");
    if ((op && !fs_is_name(json_string_value(op), 32)) ||
        (fp && (!json_is_string(fp) || json_string_length(fp) != 64)) ||
        (when && !json_is_integer(when)))
        return BAD("passkey: $.operator, $.fingerprint or $.enrolled is malformed");
    if (!pem || strlen(pem) > PEM_MAX)
        return BAD("passkey: $.public_key_pem is not a PEM public key (at most %d bytes)", PEM_MAX);
    BIO *bio = BIO_new_mem_buf(pem, (int)strlen(pem));
    pk->key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!pk->key)
        return BAD("passkey: $.public_key_pem is not a PEM public key");
    if (!key_fits_alg(pk->key, pk->alg))
        return BAD("passkey: $.public_key_pem is not %s key, as $.alg %d says",
                   pk->alg == GOVERNANCE_WEBAUTHN_ES256 ? "an EC P-256" : "an Ed25519", pk->alg);
    fingerprint_of(pk->key, fingerprint);
    if (fp && strcmp(json_string_value(fp), fingerprint) != 0)
        return BAD("passkey: $.fingerprint is not the SHA-256 of the public key");
    return 0;
#undef BAD
}

int governance_webauthn_passkey_check(const json_t *passkey, char fingerprint[65], fs_err_t *e)
{
    passkey_t pk;
    int rc = passkey_from_doc(passkey, &pk, fingerprint, e);
    passkey_clear(&pk);
    return rc;
}

/* ---- clientDataJSON ---------------------------------------------------------------- */

/* The origin a page of the RP may have: https://RP_ID or https://RP_ID:PORT
   (the origin carries the port, the RP ID never does); plain http only for
   localhost, which browsers treat as a secure context. */
static bool origin_fits(const char *origin, const char *rp_id)
{
    const char *rest = NULL;
    if (strncmp(origin, "https://", 8) == 0)
        rest = origin + 8;
    else if (strcmp(rp_id, "localhost") == 0 && strncmp(origin, "http://", 7) == 0)
        rest = origin + 7;
    else
        return false;
    size_t n = strlen(rp_id);
    if (strncmp(rest, rp_id, n) != 0)
        return false;
    rest += n;
    if (*rest == '\0')
        return true;
    if (*rest++ != ':')
        return false;
    size_t digits = strspn(rest, "0123456789");
    return digits >= 1 && digits <= 5 && rest[digits] == '\0';
}

/* Checks clientDataJSON (len bytes): JSON object, type, challenge, origin,
   not made in a cross-origin frame. */
static int client_data_check(const unsigned char *cdj, size_t len, const char *type,
                             const char *challenge, const char *rp_id, const char *what,
                             fs_err_t *e)
{
    fs_err_t pe = {0};
    json_t *c = fs_json_parse((const char *)cdj, len, &pe);
    const char *t = json_string_value(json_object_get(c, "type"));
    const char *ch = json_string_value(json_object_get(c, "challenge"));
    const char *origin = json_string_value(json_object_get(c, "origin"));
    int rc = 0;
    if (!json_is_object(c))
        rc = fs_err_setc(e, GOVERNANCE_E_SIGNED, "%s: client_data_json is not a JSON object", what);
    else if (!t || strcmp(t, type) != 0)
        rc = fs_err_setc(e, GOVERNANCE_E_SIGNED, "%s: client_data_json type is not \"%s\"", what,
                         type);
    else if (!ch || strcmp(ch, challenge) != 0)
        rc = fs_err_setc(e, GOVERNANCE_E_SIGNED, "%s: the challenge is not %s", what,
                         strcmp(type, "webauthn.get") == 0
                             ? "the SHA-256 of this payload (signed for another payload, or "
                               "replayed)"
                             : "this enrollment's (made for another link, or replayed)");
    else if (!origin || !origin_fits(origin, rp_id))
        rc = fs_err_setc(e, GOVERNANCE_E_SIGNED,
                         "%s: made on another site (origin is not https://%s[:port])", what, rp_id);
    else if (json_is_true(json_object_get(c, "crossOrigin")))
        rc = fs_err_setc(e, GOVERNANCE_E_SIGNED, "%s: made in a cross-origin frame", what);
    json_decref(c);
    return rc;
}

/* ---- assertions -------------------------------------------------------------------- */

typedef struct assertion {
    unsigned char *credential_id, *authdata, *cdj, *sig;
    size_t credential_id_len, authdata_len, cdj_len, sig_len;
} assertion_t;

static void assertion_clear(assertion_t *a)
{
    free(a->credential_id);
    free(a->authdata);
    free(a->cdj);
    free(a->sig);
}

static int assertion_parse(const char *text, assertion_t *a, fs_err_t *e)
{
    static const struct {
        const char *name;
        size_t max;
        size_t off_data, off_len;
    } fields[] = {
        {"credential_id", GOVERNANCE_WEBAUTHN_CREDENTIAL_ID_MAX,
         offsetof(assertion_t, credential_id), offsetof(assertion_t, credential_id_len)},
        {"authenticator_data", GOVERNANCE_WEBAUTHN_AUTHDATA_MAX, offsetof(assertion_t, authdata),
         offsetof(assertion_t, authdata_len)},
        {"client_data_json", GOVERNANCE_WEBAUTHN_CLIENT_DATA_MAX, offsetof(assertion_t, cdj),
         offsetof(assertion_t, cdj_len)},
        {"signature", GOVERNANCE_WEBAUTHN_SIGNATURE_MAX, offsetof(assertion_t, sig),
         offsetof(assertion_t, sig_len)},
    };
    size_t n = strlen(text);
    if (n > GOVERNANCE_WEBAUTHN_ASSERTION_MAX)
        return fs_err_setc(e, GOVERNANCE_E_SIGNED, "passkey assertion: longer than %d bytes",
                           GOVERNANCE_WEBAUTHN_ASSERTION_MAX);
    fs_err_t pe = {0};
    json_t *j = fs_json_parse(text, n, &pe);
    const char *type = json_string_value(json_object_get(j, "type"));
    int rc = 0;
    if (!json_is_object(j) || json_object_size(j) != 5 || !type || strcmp(type, "webauthn") != 0)
        rc = fs_err_setc(e, GOVERNANCE_E_SIGNED,
                         "passkey assertion: not an object with exactly type \"webauthn\", "
                         "credential_id, authenticator_data, client_data_json, signature");
    for (size_t i = 0; rc == 0 && i < sizeof fields / sizeof *fields; i++) {
        unsigned char **data = (unsigned char **)((char *)a + fields[i].off_data);
        size_t *len = (size_t *)((char *)a + fields[i].off_len);
        *data = governance_b64url_decode(json_string_value(json_object_get(j, fields[i].name)),
                                         fields[i].max, len);
        if (!*data || *len == 0)
            rc = fs_err_setc(e, GOVERNANCE_E_SIGNED,
                             "passkey assertion: $.%s is not base64url (no padding) of 1-%zu bytes",
                             fields[i].name, fields[i].max);
    }
    json_decref(j);
    return rc;
}

static int signature_check(const passkey_t *pk, const assertion_t *a, fs_err_t *e)
{
    size_t mlen = a->authdata_len + 32;
    unsigned char *msg = fs_xmalloc(mlen);
    memcpy(msg, a->authdata, a->authdata_len);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok =
        EVP_Digest(a->cdj, a->cdj_len, msg + a->authdata_len, NULL, EVP_sha256(), NULL) == 1 &&
        ctx &&
        EVP_DigestVerifyInit(ctx, NULL, pk->alg == GOVERNANCE_WEBAUTHN_ES256 ? EVP_sha256() : NULL,
                             NULL, pk->key) == 1 &&
        EVP_DigestVerify(ctx, a->sig, a->sig_len, msg, mlen) == 1;
    EVP_MD_CTX_free(ctx);
    free(msg);
    return ok ? 0
              : fs_err_setc(e, GOVERNANCE_E_SIGNED,
                            "passkey assertion: the %s signature does not verify with the enrolled "
                            "public key",
                            pk->alg == GOVERNANCE_WEBAUTHN_ES256 ? "ES256" : "EdDSA");
}

bool governance_webauthn_is_assertion(const char *signature)
{
    return signature && signature[0] == '{';
}

int governance_webauthn_verify(const char *passkey_path, const char *payload, size_t len,
                               const char *assertion, fs_err_t *e)
{
    if (!assertion || !payload)
        return fs_err_setc(e, GOVERNANCE_E_SIGNED, "passkey assertion: missing");
    assertion_t a = {0};
    passkey_t pk = {0};
    int rc = -1;
    char fingerprint[65];
    if (assertion_parse(assertion, &a, e) != 0)
        goto done;
    if (access(passkey_path, R_OK) != 0) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED,
                    "no enrolled passkey %s (unknown operator, not enrolled, or revoked)",
                    passkey_path);
        goto done;
    }
    fs_err_t fe = {0};
    size_t flen = 0;
    char *text = fs_file_read(passkey_path, GOVERNANCE_WEBAUTHN_PASSKEY_FILE_MAX, &flen, &fe);
    json_t *doc = text ? fs_json_parse(text, flen, &fe) : NULL;
    free(text);
    if (!doc) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED, "%s: %s", passkey_path, fe.text);
        goto done;
    }
    rc = passkey_from_doc(doc, &pk, fingerprint, &fe);
    if (rc != 0) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED, "%s: %s", passkey_path, fe.text);
        json_decref(doc);
        goto done;
    }
    rc = -1;
    unsigned char digest[32], rp_hash[32];
    char challenge[48];
    EVP_Digest(payload, len, digest, NULL, EVP_sha256(), NULL);
    governance_b64url_encode(digest, sizeof digest, challenge, sizeof challenge);
    EVP_Digest(pk.rp_id, strlen(pk.rp_id), rp_hash, NULL, EVP_sha256(), NULL);
    if (a.credential_id_len != pk.credential_id_len ||
        memcmp(a.credential_id, pk.credential_id, a.credential_id_len) != 0)
        fs_err_setc(e, GOVERNANCE_E_SIGNED,
                    "passkey assertion: made with another credential than the one enrolled in %s",
                    passkey_path);
    else if (client_data_check(a.cdj, a.cdj_len, "webauthn.get", challenge, pk.rp_id,
                               "passkey assertion", e) != 0)
        ;
    else if (a.authdata_len < AUTHDATA_MIN)
        fs_err_setc(e, GOVERNANCE_E_SIGNED,
                    "passkey assertion: authenticator_data is shorter than %d bytes", AUTHDATA_MIN);
    else if (memcmp(a.authdata, rp_hash, 32) != 0)
        fs_err_setc(e, GOVERNANCE_E_SIGNED,
                    "passkey assertion: the rpIdHash is not SHA-256 of \"%s\" (made for another "
                    "site)",
                    pk.rp_id);
    else if (!(a.authdata[32] & FLAG_UP))
        fs_err_setc(e, GOVERNANCE_E_SIGNED, "passkey assertion: flag UP (user present) is not set");
    else if (!(a.authdata[32] & FLAG_UV))
        fs_err_setc(e, GOVERNANCE_E_SIGNED,
                    "passkey assertion: flag UV (user verified: PIN or biometric) is not set");
    else
        rc = signature_check(&pk, &a, e);
    json_decref(doc);
done:
    passkey_clear(&pk);
    assertion_clear(&a);
    return rc;
}

/* ---- registrations ----------------------------------------------------------------- */

json_t *governance_webauthn_registration_check(const char *rp_id, const char *challenge_b64url,
                                               const char *credential_id_b64url,
                                               const char *public_key_b64url, int alg,
                                               const char *client_data_b64url, fs_err_t *e)
{
    size_t cid_len = 0, der_len = 0, cdj_len = 0;
    unsigned char *cid = governance_b64url_decode(credential_id_b64url,
                                                  GOVERNANCE_WEBAUTHN_CREDENTIAL_ID_MAX, &cid_len);
    unsigned char *der =
        governance_b64url_decode(public_key_b64url, GOVERNANCE_WEBAUTHN_PUBLIC_KEY_MAX, &der_len);
    unsigned char *cdj =
        governance_b64url_decode(client_data_b64url, GOVERNANCE_WEBAUTHN_CLIENT_DATA_MAX, &cdj_len);
    EVP_PKEY *key = NULL;
    json_t *out = NULL;
    if (!governance_webauthn_rp_id_ok(rp_id)) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED, "passkey registration: the RP ID is not a host name");
    } else if (!cid || cid_len == 0) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED,
                    "passkey registration: credential_id is not base64url of 1-%d bytes",
                    GOVERNANCE_WEBAUTHN_CREDENTIAL_ID_MAX);
    } else if (!cdj || cdj_len == 0) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED,
                    "passkey registration: client_data_json is not base64url of 1-%d bytes",
                    GOVERNANCE_WEBAUTHN_CLIENT_DATA_MAX);
    } else if (alg != GOVERNANCE_WEBAUTHN_ES256 && alg != GOVERNANCE_WEBAUTHN_EDDSA) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED,
                    "passkey registration: alg %d is neither -7 (ES256) nor -8 (EdDSA)", alg);
    } else if (client_data_check(cdj, cdj_len, "webauthn.create", challenge_b64url, rp_id,
                                 "passkey registration", e) != 0) {
        ;
    } else {
        const unsigned char *p = der;
        key = der ? d2i_PUBKEY(NULL, &p, (long)der_len) : NULL;
        if (!key || p != der + der_len) {
            fs_err_setc(e, GOVERNANCE_E_SIGNED,
                        "passkey registration: public_key is not base64url of an SPKI DER public "
                        "key (at most %d bytes; getPublicKey())",
                        GOVERNANCE_WEBAUTHN_PUBLIC_KEY_MAX);
        } else if (!key_fits_alg(key, alg)) {
            fs_err_setc(e, GOVERNANCE_E_SIGNED,
                        "passkey registration: the public key is not %s key, as alg %d says",
                        alg == GOVERNANCE_WEBAUTHN_ES256 ? "an EC P-256" : "an Ed25519", alg);
        } else {
            char fingerprint[65], *pem = pem_of(key);
            fingerprint_of(key, fingerprint);
            if (pem)
                out = json_pack("{s:s, s:s, s:i, s:s, s:s}", "credential_id", credential_id_b64url,
                                "public_key_pem", pem, "alg", alg, "rp_id", rp_id, "fingerprint",
                                fingerprint);
            else
                fs_err_setc(e, GOVERNANCE_E_SIGNED, "passkey registration: cannot encode the key");
            free(pem);
        }
    }
    EVP_PKEY_free(key);
    free(cid);
    free(der);
    free(cdj);
    return out;
}
