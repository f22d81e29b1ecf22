/*  keys.h — key layout and signing: the CURVE keypairs of the broker,
    the sites and the operators (zcert files), and the Ed25519 signing keys
    people and the broker sign with (signing.c).  What is signed and what a
    signature means (votes, playbook approvals) is governance's, in
    playbooks/governance.h (signed.c); this face only makes, loads, signs and verifies.

    Ownership: every returned pointer is the caller's (free() / zcert_destroy). */
#ifndef FEDSOAR_KEYS_H
#define FEDSOAR_KEYS_H

#include "common.h"

#include <czmq.h>

/* ==== Keys ================================================================
   A key layout (docs/operations.md):
     DIR/broker.cert, DIR/broker.cert_secret       the broker's keypair
     DIR/sites/NAME.cert[_secret]                  a site adapter's keypair
     DIR/operators/NAME.cert[_secret]              an operator's keypair
     DIR/trusted/sites/NAME.cert                   public, metadata site=NAME
     DIR/trusted/operators/NAME.cert               public, metadata operator=NAME role=R [site=S]
   The broker needs broker.cert_secret and trusted/; an adapter needs its
   site's secret and broker.cert; fedsoarctl its operator's secret and
   broker.cert. */

/* Creates a whole layout (refuses to overwrite existing keys), with the
   Ed25519 signing keys below. operators_csv: name[:role[:site]],... (a
   site-admin names its site: "sam:site-admin:alpha"). */
int keys_init(const char *dir, const char *sites_csv, const char *operators_csv, const char *role,
              fs_err_t *e);
/* Loads a keypair or a public cert. Caller owns. */
zcert_t *keys_load_secret(const char *dir, const char *kind, const char *name, fs_err_t *e);
/* The broker's public key (Z85, 40 chars) from DIR/broker.cert. Caller owns. */
char *keys_load_broker_public(const char *dir, fs_err_t *e);
/* Path of the trusted public certs (for zauth's CURVE store). Caller owns. */
char *keys_trusted_dir(const char *dir);

/* ---- Ed25519 signing keys (signing.c; docs/governance.md "Keys") ----------
   CURVE keys cannot sign, so keys_init also writes
     DIR/broker.sign.pem (0600), DIR/broker.sign.pub.pem
     DIR/operators/NAME.sign.pem (0600), DIR/signing/operators/NAME.sign.pub.pem
   (the public halves are not under trusted/, which must hold CURVE certs only)
   Signatures are base64 (88 chars). Errors name files, never key bytes. */

/* The private and public key paths of `who` ("broker" or NULL = the broker,
   else an operator name) in the layout DIR. -1 when a path does not fit. */
int keys_signing_paths(const char *dir, const char *who, char *priv, size_t priv_size, char *pub,
                       size_t pub_size);
/* Generates a keypair into the two files (refuses to overwrite). */
int keys_make_signing_key(const char *priv_path, const char *pub_path, fs_err_t *e);
/* Signs msg with the private key file (read and parsed at each call: for
   one-off signers such as fedsoarctl). Returns the base64 signature
   (caller owns, free()), or NULL with e set. */
char *keys_sign(const char *priv_path, const void *msg, size_t len, fs_err_t *e);

/* A private signing key read once and held in memory (the broker's
   checkpoint key). The file is not read again: a process that must follow
   a replaced file loads a new signer (the broker does on SIGHUP).
   keys_signer_load: caller owns the result (keys_signer_destroy, which
   clears the key bytes), NULL with e naming the file. keys_signer_sign:
   as keys_sign, from memory (the broker signs on its loop thread only). */
typedef struct keys_signer keys_signer_t;
keys_signer_t *keys_signer_load(const char *priv_path, fs_err_t *e);
char *keys_signer_sign(const keys_signer_t *self, const void *msg, size_t len, fs_err_t *e);
/* The file the key was read from (borrowed, lives as long as self). */
const char *keys_signer_path(const keys_signer_t *self);
void keys_signer_destroy(keys_signer_t **self_p);
/* 0 when sig_b64 is a valid signature of msg by the public key file; -1
   with e saying why (missing key = unknown or revoked, bad encoding, bad
   signature). */
int keys_verify(const char *pub_path, const void *msg, size_t len, const char *sig_b64,
                fs_err_t *e);

#endif
