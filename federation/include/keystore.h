/*  keystore.h — the broker's trusted key store: who a CURVE public key is.

    Only these files say who someone is (DESIGN.md §8):
      KEYS/trusted/sites/NAME.cert       a site's public key, metadata site=NAME
      KEYS/trusted/operators/NAME.cert   an operator's, metadata operator=NAME role=R [site=S]
    The kind comes from the folder a certificate lies in, the name, role and
    site from the broker's own copy of it. Nothing a peer sends — handshake
    metadata, message bodies — can change them: the broker's ZAP handler
    looks the peer's public key up here and hands libzmq only that key as
    the User-Id, and every message is attributed by that key alone. */
#ifndef FEDSOAR_KEYSTORE_H
#define FEDSOAR_KEYSTORE_H

#include "common.h"

typedef enum { KEY_SITE, KEY_OPERATOR } key_kind_t;

typedef struct key_identity {
    key_kind_t kind;
    char name[33];        /* the site, or the operator */
    char role[33];        /* operators: their role; "" for sites */
    char site[33];        /* operators: a site-admin's own site, or ""; sites: their name */
    char public_key[41];  /* Z85 */
    char fingerprint[17]; /* first 16 hex of SHA-256 of the 32-byte key: safe to log */
} key_identity_t;

typedef struct keystore keystore_t;

/* Loads every certificate under DIR/trusted/sites and DIR/trusted/operators.
   Fails (and says which file and why) on an unreadable certificate, one
   without the metadata its folder needs, a bad name or role, or the same
   public key twice: a key store that cannot be read whole is not used.
   Caller owns. */
keystore_t *keystore_load(const char *keys_dir, fs_err_t *e);
void keystore_destroy(keystore_t **self_p);
/* The identity of a Z85 public key, or NULL when it is not trusted.
   Borrowed: valid while the store lives. */
const key_identity_t *keystore_lookup(const keystore_t *self, const char *public_z85);
size_t keystore_count(const keystore_t *self);
/* The trusted operator called name, or NULL (none, or the key was removed
   from the store). Borrowed: valid while the store lives. */
const key_identity_t *keystore_find_operator(const keystore_t *self, const char *name);
/* Fingerprint of a raw 32-byte CURVE key (16 hex + NUL), for logs. */
void keystore_fingerprint(const unsigned char key[32], char out[17]);

#endif
