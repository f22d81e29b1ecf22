/*  governance.h — governance: who may approve what (the governance config,
    the N-of-M rule, the lifecycle of playbook versions) and the one module
    of signed payloads (signed.c): playbook approvals, approval-gate votes,
    and the proof a critical OpenC2 command carries to its site
    (docs/governance.md, docs/internals/governance.md).

    Built as its own small library, fedsoar_governance (common + federation's
    keys.h, no engine, no libjq), so that a site's adapter can verify a
    proof without linking the playbook engine; fedsoar_playbooks links it.
    Signatures themselves are federation's (keys_sign / keys_verify, Ed25519)
    or a passkey's (webauthn.h, checked here too): this face says what is
    signed and what a signature means.

    Ownership: payload texts and parsed objects returned are the caller's;
    every json_t passed in is borrowed. */
#ifndef FEDSOAR_GOVERNANCE_H
#define FEDSOAR_GOVERNANCE_H

#include "common.h"
#include "config_schema.h"

/* ---- the rules (governance.c) ------------------------------------------------
   The broker stores versions; these are the pure rules. */

typedef struct governance_config governance_config_t;

/* The written schema of the broker config's "governance" (issue 11.4). */
extern const fs_schema_t governance_config_schema;
/* Parses the broker config's "governance": {"quorum": N, "members": [names],
   "revoked": [names]} (borrowed), checked against governance_config_schema
   first. Errors name the JSON path. Caller owns. */
governance_config_t *governance_config_parse(const json_t *g, fs_err_t *e);
void governance_config_destroy(governance_config_t **self_p);
int governance_quorum(const governance_config_t *self);
bool governance_is_member(const governance_config_t *self, const char *name);
bool governance_is_revoked(const governance_config_t *self, const char *name);
/* The member names (borrowed). */
const json_t *governance_members(const governance_config_t *self);

/* Lifecycle: draft -submit-> in_review -approve-> approved -retire-> retired;
   in_review -reject-> rejected; "activate" keeps approved (active is per
   site). Returns the next state, or NULL when the event is not allowed. */
const char *governance_next_state(const char *state, const char *event);
/* N-of-M: distinct, unrevoked board members among approvals
   ([{"member","decision"}], signatures already verified), the author
   excluded. */
size_t governance_count_approvals(const governance_config_t *self, const json_t *approvals,
                                  const char *author);
/* Whether a parsed approval payload (borrowed) may count for the version
   record {"state","author","approvals"} (borrowed): a member, not revoked,
   not the author, not a duplicate, a state that allows it, time within
   max_skew_ms of now (0 = unchecked). 0, or -1 with a clear reason. */
int governance_check_decision(const governance_config_t *self, const json_t *record,
                              const json_t *payload, int64_t now_ms, int64_t max_skew_ms,
                              fs_err_t *e);
/* Structural diff of two documents: [{"path","op":"added|removed|changed",
   "old","new"}] in key order, at most 1000. Caller owns. */
json_t *governance_diff(const json_t *a, const json_t *b);

/* ---- signed payloads (signed.c) ---------------------------------------------
   Every signed payload is canonical JSON (fs_json_canonical: keys sorted,
   compact), at most GOVERNANCE_PAYLOAD_MAX bytes, with a "type" naming its
   format, exactly its keys, and one representation only: a parse refuses
   any other text of the same object.  Errors: "WHAT payload: WHY" with the
   JSON path, code GOVERNANCE_E_SIGNED. */
#define GOVERNANCE_E_SIGNED (FS_ERR_BASE_PLAYBOOK + 50) /* "signed": a signed payload refused */

#define GOVERNANCE_PAYLOAD_MAX 1024
#define GOVERNANCE_PROOF_MAX 16 /* signatures in one proof (gate quorum max) */

/* The payload a board member signs (canonical JSON; caller owns, free()):
   {"decision":"approve"|"reject","member":M,"time":MS,
    "type":"fedsoar-approval/1","version":SHA256HEX} */
char *governance_approval_payload(const char *version, const char *decision, const char *member,
                                  int64_t time_ms);
/* Parses and checks one (exact keys, types, canonical form, <= 1024
   bytes). Caller owns; NULL with e set. */
json_t *governance_approval_parse(const char *payload, size_t len, fs_err_t *e);

/* A vote on an approval gate (canonical JSON; caller owns, free()):
   {"approval_id":N,"decision":"approve"|"deny","operator":NAME,"quorum":Q,
    "run_id":M,"time":MS,"type":"fedsoar-vote/1"} */
char *governance_vote_payload(uint64_t approval_id, uint64_t run_id, const char *decision,
                              const char *operator_name, int quorum, int64_t time_ms);
/* Parses and checks one (exact keys and types, canonical form, quorum
   1..GOVERNANCE_PROOF_MAX). Caller owns; NULL with e set. */
json_t *governance_vote_parse(const char *payload, size_t len, fs_err_t *e);

/* Verifies signature over payload with who's trusted key in the key
   layout keys_dir (who NULL = the broker: base64 Ed25519 only). For an
   operator, signature is either base64 Ed25519, checked with
   signing/operators/NAME.sign.pub.pem (keys.h), or a passkey assertion
   (a JSON object, webauthn.h), checked with
   signing/operators/NAME.passkey.json. 0, or -1 with e saying why (never
   key bytes). */
int governance_signature_check(const char *keys_dir, const char *who, const char *payload,
                               const char *signature, fs_err_t *e);

/* The proof of a critical command, as a site checks it: proof (borrowed)
   is [{"operator","signature","payload"}, ...], each payload a vote; every
   signature valid with trusted_dir/NAME.sign.pub.pem (base64 Ed25519) or
   trusted_dir/NAME.passkey.json (a passkey assertion), approvals only, for
   run run_id, one gate, distinct operators, no vote older than max_age_ms
   (0 = no limit) or dated more than 5 minutes ahead, at least the gate's
   quorum of them. 0 when it holds; -1 with reason (never key material). */
int governance_proof_verify(const json_t *proof, uint64_t run_id, const char *trusted_dir,
                            int64_t now_ms, int64_t max_age_ms, char *reason, size_t reason_size);

#endif
