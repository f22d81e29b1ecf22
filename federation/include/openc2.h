/*  openc2.h — the OpenC2 message model and its strict validation: OASIS
    OpenC2 Language Specification v1.0 (CS02) and SLPF v1.0 (docs/openc2.md).
    Verdicts are OpenC2 status codes (400, 501), reasons name the JSON path.

    Ownership is said per function; a validator is immutable once set up
    and may then be shared between threads. */
#ifndef FEDSOAR_OPENC2_H
#define FEDSOAR_OPENC2_H

#include "common.h"

/* Verdicts. A validator returns OPENC2_VALID, or the OpenC2 status a
   Consumer answers with: 400 when the message is malformed (LS v1.0, a
   profile's syntax, I-JSON), 501 when it is well formed but asks for
   something the validator's profile set does not support (an action x
   target pair, an argument, an extension namespace). When both apply, 400
   wins. Reasons name the JSON path: "$.target.ipv4_net: not a CIDR ...". */
#define OPENC2_VALID 0
#define OPENC2_BAD_REQUEST 400
#define OPENC2_NOT_IMPLEMENTED 501

#define OPENC2_REASON_MAX 512         /* a reason buffer this big never truncates a path */
#define OPENC2_MAX_TEXT (1024 * 1024) /* bytes: larger message texts are refused (400) */
#define OPENC2_MAX_PROFILES 16        /* profiles in one validator */

/* Validates a command against the default profile set, "language" + "slpf".
   Borrows cmd. Thread-safe. Returns OPENC2_VALID, 400 or 501; reason
   (may be NULL) receives "" or the reason. */
int openc2_validate_command(const json_t *cmd, char *reason, size_t reason_size);
/* The same for a response. */
int openc2_validate_response(const json_t *rsp, char *reason, size_t reason_size);

/* ---- profiles ------------------------------------------------------------
   A profile says what a validator accepts beyond the Language Spec core:
   its extension namespaces (targets "nsid:name", args.nsid, actuator.nsid,
   results.nsid, each with a shape), the action x target pairs it supports
   and, per command, the arguments it allows. Built in: "language" (every
   LS v1.0 action with every LS target, no extensions) and "slpf" (SLPF
   v1.0 CS01). Other profiles are JSON files (docs/openc2.md, "Profile
   files"; an example is federation/profiles/acme.json). */
typedef struct openc2_profile openc2_profile_t;

/* Builds a profile from its JSON description. Borrows desc. Returns NULL
   with e naming the JSON path of the mistake. Caller owns the result. */
openc2_profile_t *openc2_profile_from_json(const json_t *desc, fs_err_t *e);
/* Loads a profile file. Caller owns the result. */
openc2_profile_t *openc2_profile_load(const char *path, fs_err_t *e);
/* A built-in profile by name ("language", "slpf"), or NULL. Caller owns. */
openc2_profile_t *openc2_profile_builtin(const char *name);
/* Idempotent; sets *p to NULL. */
void openc2_profile_destroy(openc2_profile_t **p);
/* The profile's name ("slpf", "acme"). Borrowed: valid while p lives. */
const char *openc2_profile_name(const openc2_profile_t *p);

/* ---- validators ---------------------------------------------------------
   A validator is an immutable-after-setup set of profiles. Once set up it
   may be used from several threads at once. */
typedef struct openc2_validator openc2_validator_t;

/* An empty validator (accepts nothing until a profile is added). Caller owns. */
openc2_validator_t *openc2_validator_new(void);
/* A validator with "language" + "slpf". Caller owns. */
openc2_validator_t *openc2_validator_new_default(void);
void openc2_validator_destroy(openc2_validator_t **v);
/* Adds a profile and takes *p (sets it to NULL), also on failure. Fails
   when a namespace is already claimed by another profile or the set is full. */
int openc2_validator_add_profile(openc2_validator_t *v, openc2_profile_t **p, fs_err_t *e);
/* Adds a profile by name: a built-in name, a path (contains '/' or ends in
   ".json"), or NAME.json in dir (NULL: $FEDSOAR_OPENC2_PROFILES). */
int openc2_validator_add(openc2_validator_t *v, const char *name, const char *dir, fs_err_t *e);
/* Number of profiles and the i-th one (borrowed). */
size_t openc2_validator_count(const openc2_validator_t *v);
const openc2_profile_t *openc2_validator_profile(const openc2_validator_t *v, size_t i);

/* Validate from a parsed value (borrowed) or from text (I-JSON: UTF-8, no
   duplicate keys, at most OPENC2_MAX_TEXT bytes). Same verdicts as above. */
int openc2_check_command(const openc2_validator_t *v, const json_t *cmd, char *reason,
                         size_t reason_size);
int openc2_check_response(const openc2_validator_t *v, const json_t *rsp, char *reason,
                          size_t reason_size);
int openc2_check_command_text(const openc2_validator_t *v, const char *text, size_t len,
                              char *reason, size_t reason_size);
int openc2_check_response_text(const openc2_validator_t *v, const char *text, size_t len,
                               char *reason, size_t reason_size);

/* The action x target pairs the validator's profiles support, as an LS
   "pairs" object ({"deny": ["ipv4_net", ...], ...}) for a 'query features'
   answer. The "language" profile adds nothing (it is not an actuator).
   Caller owns. */
json_t *openc2_validator_pairs(const openc2_validator_t *v);
/* {"versions": ["1.0"], "profiles": [...], "pairs": {...}} for 'query
   features' (profiles: each namespace of the set). Caller owns. */
json_t *openc2_validator_features(const openc2_validator_t *v);

/* ---- message helpers ----------------------------------------------------- */

/* A response {"status": N, "status_text": T, "results": R}. status_text and
   results may be NULL (then left out). Borrows results (adds a reference).
   Caller owns the result; NULL only on allocation failure. */
json_t *openc2_response_new(int status, const char *status_text, json_t *results);
/* The response a Consumer sends for a verdict of openc2_check_*:
   200 for OPENC2_VALID, else the verdict with reason as status_text. Caller owns. */
json_t *openc2_response_for_verdict(int verdict, const char *reason);
/* Standard text for a status code ("OK", "Bad Request", ...), or NULL. Static. */
const char *openc2_status_text(int status);
/* True for the status codes LS v1.0 defines (102 200 400 401 403 404 500 501 503). */
bool openc2_status_valid(int status);

/* The action and the target key ("ipv4_net", "slpf:rule_number") of a
   command. Borrowed pointers into cmd. Returns 0, or -1 when cmd has no
   string action or not exactly one target. Does not validate otherwise. */
int openc2_command_pair(const json_t *cmd, const char **action, const char **target);
/* The command_id string of a command, or NULL. Borrowed. */
const char *openc2_command_id(const json_t *cmd);

/* ---- errors ----------------------------------------------------------------
   fs_err_t codes of the setup functions (profiles, validators). Verdicts on
   messages are OpenC2 status codes, above. */
typedef enum openc2_errc {
    OPENC2_E_PROFILE = FS_ERR_BASE_OPENC2 + 1, /* "profile": a profile description is wrong */
    OPENC2_E_PROFILE_NOT_FOUND,                /* "profile_not_found" */
    OPENC2_E_CONFLICT,                         /* "conflict": a namespace claimed twice */
    OPENC2_E_FULL,                             /* "full": OPENC2_MAX_PROFILES reached */
    OPENC2_E_LAST_
} openc2_errc_t;
/* The name of an OPENC2_E_* code, "unknown" otherwise. Static. */
const char *openc2_strerror(int code);

#endif
