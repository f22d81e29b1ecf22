/*  signing.c — Ed25519 signing keys (OpenSSL EVP_PKEY_ED25519).

    CURVE keys are X25519 and cannot sign, so the broker and every operator
    also hold an Ed25519 key (docs/governance.md "Keys"):
      DIR/broker.sign.pem (0600)              the broker's: signs audit checkpoints
      DIR/broker.sign.pub.pem                 its public half, for `audit verify`
      DIR/operators/NAME.sign.pem (0600)      an operator's: signs votes and approvals
      DIR/signing/operators/NAME.sign.pub.pem its public half, trusted by broker and sites
    (not under trusted/: czmq's ZAP certificate store reads every file there and
    must find certificates only — docs/operations.md "Keys")
    Signatures travel as standard base64 (88 chars for 64 bytes).  Error
    messages name files, never key material. */
#include "keys.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SIG_BYTES 64
#define SIG_B64 88

int keys_signing_paths(const char *dir, const char *who, char *priv, size_t priv_size, char *pub,
                       size_t pub_size)
{
    int a, b;
    if (!who || strcmp(who, "broker") == 0) {
        a = snprintf(priv, priv_size, "%s/broker.sign.pem", dir);
        b = snprintf(pub, pub_size, "%s/broker.sign.pub.pem", dir);
    } else {
        a = snprintf(priv, priv_size, "%s/operators/%s.sign.pem", dir, who);
        b = snprintf(pub, pub_size, "%s/signing/operators/%s.sign.pub.pem", dir, who);
    }
    return a < 0 || b < 0 || a >= (int)priv_size || b >= (int)pub_size ? -1 : 0;
}

/* PEM text of a key through a memory BIO. Caller owns (free()). */
static char *pem_of(EVP_PKEY *key, bool private_part, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return NULL;
    int ok = private_part ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)
                          : PEM_write_bio_PUBKEY(bio, key);
    char *data = NULL, *out = NULL;
    long n = ok ? BIO_get_mem_data(bio, &data) : 0;
    if (n > 0 && (out = fs_xmalloc((size_t)n + 1))) {
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
        *len = (size_t)n;
    }
    BIO_free(bio);
    return out;
}

int keys_make_signing_key(const char *priv_path, const char *pub_path, fs_err_t *e)
{
    if (access(priv_path, F_OK) == 0)
        return fs_err_set(e, "%s: exists; keys init never overwrites keys", priv_path);
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!key)
        return fs_err_set(e, "%s: cannot generate an Ed25519 key", priv_path);
    size_t plen = 0, qlen = 0;
    char *priv = pem_of(key, true, &plen), *pub = pem_of(key, false, &qlen);
    int rc = -1;
    if (!priv || !pub)
        fs_err_set(e, "%s: cannot encode the Ed25519 key", priv_path);
    else if (fs_file_write_atomic(priv_path, priv, plen, 0600, e) == 0 &&
             fs_file_write_atomic(pub_path, pub, qlen, 0644, e) == 0)
        rc = 0;
    if (priv)
        OPENSSL_cleanse(priv, plen);
    free(priv);
    free(pub);
    EVP_PKEY_free(key);
    return rc;
}

static EVP_PKEY *load_key(const char *path, bool private_part, fs_err_t *e)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fs_err_set(e, "%s: cannot read %s signing key: %s", path,
                   private_part ? "the" : "the public", strerror(errno));
        return NULL;
    }
    EVP_PKEY *key = private_part ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                                 : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (key && EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    if (!key)
        fs_err_set(e, "%s: not an Ed25519 %s key in PEM form", path,
                   private_part ? "private" : "public");
    return key;
}

/* A private key held in memory, so that a broker signing a checkpoint
   every 1000 audit entries does not read and parse its PEM file each time.
   EVP_PKEY_free clears the Ed25519 private bytes (OpenSSL's ecx key free
   is OPENSSL_secure_clear_free). */
struct keys_signer {
    EVP_PKEY *key;
    char *path; /* for error messages: the file it was read from */
};

keys_signer_t *keys_signer_load(const char *priv_path, fs_err_t *e)
{
    EVP_PKEY *key = load_key(priv_path, true, e);
    if (!key)
        return NULL;
    keys_signer_t *self = fs_xcalloc(1, sizeof *self);
    self->key = key;
    self->path = fs_xstrdup(priv_path);
    return self;
}

const char *keys_signer_path(const keys_signer_t *self)
{
    return self->path;
}

void keys_signer_destroy(keys_signer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    EVP_PKEY_free((*self_p)->key);
    free((*self_p)->path);
    free(*self_p);
    *self_p = NULL;
}

char *keys_signer_sign(const keys_signer_t *self, const void *msg, size_t len, fs_err_t *e)
{
    unsigned char sig[SIG_BYTES];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    char *out = NULL;
    if (ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, self->key) == 1 &&
        EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == SIG_BYTES) {
        out = fs_xmalloc(SIG_B64 + 1);
        EVP_EncodeBlock((unsigned char *)out, sig, SIG_BYTES);
    } else
        fs_err_set(e, "%s: signing failed", self->path);
    EVP_MD_CTX_free(ctx);
    return out;
}

char *keys_sign(const char *priv_path, const void *msg, size_t len, fs_err_t *e)
{
    keys_signer_t *signer = keys_signer_load(priv_path, e);
    char *out = signer ? keys_signer_sign(signer, msg, len, e) : NULL;
    keys_signer_destroy(&signer);
    return out;
}

int keys_verify(const char *pub_path, const void *msg, size_t len, const char *sig_b64, fs_err_t *e)
{
    unsigned char sig[SIG_B64];
    if (!sig_b64 || strlen(sig_b64) != SIG_B64 ||
        EVP_DecodeBlock(sig, (const unsigned char *)sig_b64, SIG_B64) != SIG_BYTES + 2)
        return fs_err_set(e, "the signature is not 88 characters of base64 (an Ed25519 signature)");
    if (access(pub_path, R_OK) != 0)
        return fs_err_set(e, "no trusted public signing key %s (unknown or revoked)", pub_path);
    EVP_PKEY *key = load_key(pub_path, false, e);
    if (!key)
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestVerify(ctx, sig, SIG_BYTES, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok ? 0 : fs_err_set(e, "the signature does not verify with %s", pub_path);
}
