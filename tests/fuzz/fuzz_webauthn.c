/*  fuzz_webauthn.c — what a browser (or anyone posing as one) hands to the
    passkey code (playbooks/webauthn.c): the signature string of a vote or
    an approval (checked by the broker and by every site against an
    enrolled passkey), a passkey document (NAME.passkey.json) and a
    registration relayed during enrollment. The input is all three in turn.
    None may crash, none may verify without the key, every refusal says
    why, and base64url decoding is one-to-one.

    The enrolled passkey is made once per process (EC P-256, rp_id
    fuzz.example, credential id 16 zero bytes: "AAAAAAAAAAAAAAAAAAAAAA"),
    so seeds that get the credential id and the challenge of the payload
    "fuzz-payload" right reach the authenticator data and signature checks. */
#include "webauthn.h"

#include <assert.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char passkey_path[256];
static char passkey_dir[] = "/tmp/fedsoar-fuzz-webauthn-XXXXXX";

static void remove_passkey(void)
{
    unlink(passkey_path);
    rmdir(passkey_dir);
}

static void enroll_once(void)
{
    if (passkey_path[0])
        return;
    if (!mkdtemp(passkey_dir))
        abort();
    snprintf(passkey_path, sizeof passkey_path, "%s/fuzz.passkey.json", passkey_dir);
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long pem_len =
        key && bio && PEM_write_bio_PUBKEY(bio, key) == 1 ? BIO_get_mem_data(bio, &pem) : 0;
    if (pem_len <= 0)
        abort();
    json_t *doc =
        json_pack("{s:s, s:s%, s:i, s:s}", "credential_id", "AAAAAAAAAAAAAAAAAAAAAA",
                  "public_key_pem", pem, (size_t)pem_len, "alg", -7, "rp_id", "fuzz.example");
    if (!doc || json_dump_file(doc, passkey_path, 0) != 0)
        abort();
    json_decref(doc);
    BIO_free(bio);
    EVP_PKEY_free(key);
    atexit(remove_passkey);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enroll_once();
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    fs_err_t e = {0};

    /* a signature string: never verifies without the key */
    if (governance_webauthn_verify(passkey_path, "fuzz-payload", 12, text, &e) == 0 || !e.text[0])
        abort();

    /* base64url: what decodes re-encodes to the same text */
    size_t n = 0;
    unsigned char *bytes = governance_b64url_decode(text, 4096, &n);
    if (bytes) {
        char *again = malloc(n * 4 / 3 + 8);
        if (governance_b64url_encode(bytes, n, again, n * 4 / 3 + 8) != strlen(text) ||
            strcmp(again, text) != 0)
            abort();
        free(again);
        free(bytes);
    }

    json_t *doc = fs_json_parse(text, size, &e);
    if (doc) {
        /* a passkey document */
        char fingerprint[65];
        e.text[0] = '\0';
        if (governance_webauthn_passkey_check(doc, fingerprint, &e) != 0 && !e.text[0])
            abort();
        /* a registration, its fields from the object */
        e.text[0] = '\0';
        json_t *r = governance_webauthn_registration_check(
            "fuzz.example", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            json_string_value(json_object_get(doc, "credential_id")),
            json_string_value(json_object_get(doc, "public_key")),
            (int)json_integer_value(json_object_get(doc, "alg")),
            json_string_value(json_object_get(doc, "client_data_json")), &e);
        if (!r && !e.text[0])
            abort();
        json_decref(r);
        json_decref(doc);
    }
    free(text);
    return 0;
}
