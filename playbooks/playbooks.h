/*  playbooks.h — playbook model, parser/validator, trigger matching and the
    planning of steps (docs/playbooks.md).  Expressions are jq (libjq): a
    playbook's conditions, data selection and templates.

    Steps: set, condition, openc2, approval, wait, foreach, parallel,
    playbook (sub-playbook), enrich, action; per step timeout, retry with
    backoff and on_error. Runs are durable: see playbook_advance().  jq
    programs run through common's one wrapper (jq_program.h). */
#ifndef FEDSOAR_PLAYBOOKS_H
#define FEDSOAR_PLAYBOOKS_H

#include "common.h"
#include "config_schema.h"
#include "governance.h"

/* ---- errors -----------------------------------------------------------------
   fs_err_t codes this library sets (common.h: one range per library). */
typedef enum playbook_errc {
    PLAYBOOK_E_INVALID = FS_ERR_BASE_PLAYBOOK + 1, /* "invalid": breaks the playbook language */
    PLAYBOOK_E_OPENC2,    /* "openc2": an openc2 step's literal command is refused */
    PLAYBOOK_E_TOO_BIG,   /* "too_big": over PLAYBOOK_MAX_BYTES */
    PLAYBOOK_E_DUPLICATE, /* "duplicate": a name already used in the set */
    PLAYBOOK_E_LAST_
} playbook_errc_t;
/* The name of a PLAYBOOK_E_* or GOVERNANCE_E_* code, "unknown" otherwise. Static. */
const char *playbook_strerror(int code);

/* ---- playbooks ----------------------------------------------------------- */

typedef struct playbook playbook_t;

/* Parses and validates a playbook document (borrowed). `origin` (a file name)
   prefixes errors, which name the JSON path: "x.json: $.steps[1].type: ...".
   Caller owns. */
playbook_t *playbook_parse(const json_t *doc, const char *origin, fs_err_t *e);
void playbook_destroy(playbook_t **self_p);
const char *playbook_name(const playbook_t *self);
/* SHA-256 of the canonical JSON: the version's identity (DESIGN.md §7). */
const char *playbook_version(const playbook_t *self);

/* Whether the trigger (class, source, site, jq filter) matches an OCSF
   event (borrowed). A filter that fails at run time does not match and
   sets e. */
bool playbook_matches(const playbook_t *self, const json_t *event, fs_err_t *e);
/* Whether the trigger could match events of this OCSF class (no class
   list = any class). */
bool playbook_wants_class(const playbook_t *self, json_int_t class_uid);

/* The validated document (borrowed). */
const json_t *playbook_doc(const playbook_t *self);
/* Runs a jq program / renders a template that appears in this playbook
   (compiled when it was parsed) against ctx. Caller owns the result (for
   playbook_eval: the array of all outputs); NULL with e set on error. */
json_t *playbook_eval(const playbook_t *self, const char *program, const json_t *ctx, fs_err_t *e);
json_t *playbook_render(const playbook_t *self, const json_t *tmpl, const json_t *ctx, fs_err_t *e);
/* A duration: integer seconds, or "500ms", "30s", "5m", "2h", "1d". */
int playbook_duration_ms(const json_t *v, int64_t *ms);

/* ---- durable runs (engine.c) ------------------------------------------------
   A run's state is a JSON object the caller stores (LMDB) and passes back:
   {"id", "status", "nodes": {PATH: …}, "steps": {STEP_ID: result}, "error"}.
   playbook_advance() walks the steps from the root, skipping finished ones,
   starts what is next, and appends to `effects` what the caller must carry
   out in the SAME transaction that stores the new state:
     {"kind":"command",  "path","index","attempt","site","command","critical","step"}
     {"kind":"request",  "path","type":"enrich"|"action","name","site","input","attempt","step"}
     {"kind":"approval", "path","role","quorum","deadline","on_timeout","reason","step"}
     {"kind":"timer",    "path","at"}            wake the run at `at` (epoch ms)
     {"kind":"case",     "fields"}               set case fields
     {"kind":"timeline", "step","type","path","what","detail"?}
   The context holds "event", "case", "sites" (names of known sites),
   "persons" (the case's people: [{"person", "accounts": [{"site",
   "account", "source"}]}], absent: []) and,
   when the broker serves its console, "console" ({"url": BASE}) (borrowed). Sub-playbooks are found
   through lookup. Returns 1 completed, 0 waiting, -1 failed (run "status"
   is set accordingly: completed, waiting, failed or denied). */
typedef const playbook_t *(playbook_lookup_fn)(void *arg, const char *name);
int playbook_advance(const playbook_t *pb, json_t *run, const json_t *context, int64_t now,
                     playbook_lookup_fn *lookup, void *lookup_arg, json_t *effects, fs_err_t *e);
/* Tells a run what happened to a waiting step at PATH: outcome "ok" or
   "error" (value: the response or result; index: which of the step's
   commands), "approved"/"denied" (value: the decision), or "timer" (a timer
   for PATH fired at `now`). Returns 0 when it changed the run (advance it
   next), 1 when it was stale or a duplicate (nothing to do). */
int playbook_deliver(json_t *run, const char *path, int index, const char *outcome,
                     const json_t *value, int64_t now);
/* The state of the node at PATH ("" when not started). */
const char *playbook_node_state(const json_t *run, const char *path);

/* ---- a directory of playbooks --------------------------------------------- */

typedef struct playbook_set playbook_set_t;

/* Loads every *.json in dir; any invalid one fails the load. Caller owns. */
playbook_set_t *playbook_set_load(const char *dir, fs_err_t *e);
void playbook_set_destroy(playbook_set_t **self_p);
size_t playbook_set_count(const playbook_set_t *self);
const playbook_t *playbook_set_get(const playbook_set_t *self, size_t index);

/* Governance (versions, approvals, signed payloads): governance.h. */

#endif
