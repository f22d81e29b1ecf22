/*  passkey_internal.h — private to libfedsoar_broker: enrolling an
    operator's passkey (passkey_enroll.c; docs/security.md "Passkeys",
    docs/internals/passkeys.md).

      passkey.enroll {operator?}        CURVE only: a one-time enrollment link
      passkey.options {nonce}           public (the nonce is the credential):
                                        PublicKeyCredentialCreationOptions
      passkey.register {nonce, credential_id, public_key, alg, client_data_json}
                                        public: the browser's new credential
      passkey.enroll.result {nonce}     CURVE only: waiting, or the credential

    Pending enrollments live in memory only (b->http.auth->passkeys), each
    for PASSKEY_ENROLL_TTL_MS, single use; a restart forgets them. The broker
    never writes a passkey into the key store: fedsoarctl does, with the
    operator's key-holding action. Loop thread only. */
#ifndef FEDSOAR_PASSKEY_INTERNAL_H
#define FEDSOAR_PASSKEY_INTERNAL_H

#include "http_auth_internal.h"

#define PASSKEY_ENROLL_TTL_MS (5LL * 60 * 1000) /* the ceremony takes a person a while */
#define PASSKEY_ENROLL_MAX 64                   /* pending enrollments; more is refused */
#define PASSKEY_REGISTER_TRIES 5                /* failed registrations before the link dies */

json_t *control_passkey_enroll(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e);
json_t *control_passkey_enroll_result(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                      const caller_t *who, fs_err_t *e);
/* The public commands passkey.options and passkey.register (from
   http_auth_public): the bridge reply {"status", "result"} or a problem.
   Caller owns. */
json_t *passkey_public(broker_t *b, const char *cmd, const json_t *args, const json_t *auth);

#endif
