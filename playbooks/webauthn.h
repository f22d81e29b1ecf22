/*  webauthn.h — passkeys (WebAuthn) as a second way to sign a governance
    payload (signed.c dispatches here): the check of an assertion made in
    the approver's browser against the operator's enrolled passkey
    (KEYS/signing/operators/NAME.passkey.json), and the checks of a new
    registration the broker relays during enrollment (docs/security.md
    "Passkeys", docs/internals/governance.md).

    Part of fedsoar_governance: the broker and every site verify with the
    same code. Pure apart from reading the passkey file; OpenSSL EVP for
    SHA-256, ECDSA P-256 (COSE alg -7, ES256) and Ed25519 (alg -8, EdDSA).

    An assertion travels as the signature string of a vote or an approval:
      {"type":"webauthn","credential_id":B64URL,"authenticator_data":B64URL,
       "client_data_json":B64URL,"signature":B64URL}
    (base64url without padding). A passkey file:
      {"credential_id":B64URL,"public_key_pem":PEM SPKI,"alg":-7|-8,
       "rp_id":HOST[,"operator":NAME,"fingerprint":HEX,"enrolled":MS]}

    Ownership: every returned json_t / string is the caller's; every
    argument is borrowed. Errors never carry key bytes. */
#ifndef FEDSOAR_WEBAUTHN_H
#define FEDSOAR_WEBAUTHN_H

#include "common.h"

/* Size limits (decoded bytes unless said otherwise); more is refused. */
#define GOVERNANCE_WEBAUTHN_ASSERTION_MAX 4096    /* the signature string (JSON text) */
#define GOVERNANCE_WEBAUTHN_CREDENTIAL_ID_MAX 255 /* credential id */
#define GOVERNANCE_WEBAUTHN_AUTHDATA_MAX 1024     /* authenticatorData (37 + extensions) */
#define GOVERNANCE_WEBAUTHN_CLIENT_DATA_MAX 2048  /* clientDataJSON */
#define GOVERNANCE_WEBAUTHN_SIGNATURE_MAX 128     /* DER ECDSA (<= 72) or Ed25519 (64) */
#define GOVERNANCE_WEBAUTHN_PUBLIC_KEY_MAX 512    /* SPKI DER of a new credential */
#define GOVERNANCE_WEBAUTHN_PASSKEY_FILE_MAX 8192 /* NAME.passkey.json */
#define GOVERNANCE_WEBAUTHN_RP_ID_MAX 253         /* a DNS name */

#define GOVERNANCE_WEBAUTHN_ES256 (-7)
#define GOVERNANCE_WEBAUTHN_EDDSA (-8)

/* Whether a signature string is a WebAuthn assertion (a JSON object)
   rather than a base64 Ed25519 signature: its first character is '{'. */
bool governance_webauthn_is_assertion(const char *signature);

/* Verifies assertion (the JSON text above) over payload (len bytes) with
   the passkey file at passkey_path: credential id, clientDataJSON (type
   "webauthn.get", challenge == base64url(SHA-256(payload)), origin
   https://RP_ID[:PORT] or http://localhost[:PORT], not cross-origin),
   authenticatorData (rpIdHash == SHA-256(rp_id), flags UP and UV) and the
   signature over authenticatorData || SHA-256(clientDataJSON). 0, or -1
   with e naming the check that failed. */
int governance_webauthn_verify(const char *passkey_path, const char *payload, size_t len,
                               const char *assertion, fs_err_t *e);

/* Checks a passkey document (borrowed): the four required members, their
   sizes, rp_id a DNS name, the PEM a public key of alg's kind (-7: EC
   P-256; -8: Ed25519), no unknown members. On 0 writes the key's
   fingerprint (SHA-256 hex of its SPKI DER) into fingerprint. */
int governance_webauthn_passkey_check(const json_t *passkey, char fingerprint[65], fs_err_t *e);

/* A new credential relayed by the broker during enrollment
   (navigator.credentials.create): client_data_b64url decodes to JSON with
   type "webauthn.create", challenge == challenge_b64url and an origin of
   rp_id (as above); public_key_b64url is SPKI DER of alg's kind. Returns
   the passkey document {"credential_id","public_key_pem","alg","rp_id",
   "fingerprint"} (caller owns), or NULL with e set. */
json_t *governance_webauthn_registration_check(const char *rp_id, const char *challenge_b64url,
                                               const char *credential_id_b64url,
                                               const char *public_key_b64url, int alg,
                                               const char *client_data_b64url, fs_err_t *e);

/* Whether s is usable as a WebAuthn RP ID: a DNS host name ([a-z0-9.-],
   labels of 1-63, at most 253) with a letter; browsers refuse IP
   addresses. */
bool governance_webauthn_rp_id_ok(const char *s);

/* base64url without padding of len bytes into out (>= 4*len/3 + 2 bytes).
   Returns the length written, or 0 when out is too small. */
size_t governance_b64url_encode(const void *data, size_t len, char *out, size_t out_size);
/* Decodes base64url without padding (only [A-Za-z0-9_-], canonical last
   character) of at most max bytes into a new buffer (caller owns, free()).
   NULL when it is not such text or longer than max. */
unsigned char *governance_b64url_decode(const char *text, size_t max, size_t *len);

#endif
