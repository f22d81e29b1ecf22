/*  rollout_internal.h — private to libfedsoar_broker: phased rollout
    (docs/governance.md "Phased rollout").  broker/rollout.c keeps plans and
    checks promotion criteria, broker/rollout_promote.c takes signed
    promotions and rollbacks, broker/supervised.c holds every command and
    responder action of a supervised run behind an approval gate.

    Rows in CASESTORE_DB_GOVERNANCE:
      "rollout:NAME"      the plan of playbook NAME (rollout.c writes it):
                          {"name","version","sites","criteria","by","created",
                           "phases": {SITE: {"phase","since"}},
                           "proposals": [...], "promotions": [...], "rollbacks": [...]}
      "rollout-site:SITE" what the run path reads per event: {NAME: {"phase","version",
                          "observed","role","quorum"}}

    Ownership: json_t passed in are borrowed; returned ones are the caller's. */
#ifndef FEDSOAR_ROLLOUT_INTERNAL_H
#define FEDSOAR_ROLLOUT_INTERNAL_H

#include "broker_internal.h"
#include "rollout.h"

/* Control commands (the table in control.c). */
json_t *rollout_ctl_plan(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                         fs_err_t *e);
/* Every plan, short: {"configured","quorum","items": [{"name","version","sites","phases",
   "open_proposals"}]}. */
json_t *rollout_ctl_list(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                         fs_err_t *e);
json_t *rollout_ctl_status(broker_t *b, casestore_txn_t *txn, const json_t *args,
                           const caller_t *who, fs_err_t *e);
json_t *rollout_ctl_promote(broker_t *b, casestore_txn_t *txn, const json_t *args,
                            const caller_t *who, fs_err_t *e);
json_t *rollout_ctl_sign(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                         fs_err_t *e);
json_t *rollout_ctl_rollback(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e);

/* ---- shared by rollout.c and rollout_promote.c ---- */
json_t *rollout_get(broker_t *b, casestore_txn_t *txn, const char *prefix, const char *id);
int rollout_put(broker_t *b, casestore_txn_t *txn, const char *prefix, const char *id,
                const json_t *row, fs_err_t *e);
/* An audit entry in txn; steals subject and details. */
int rollout_audit(broker_t *b, casestore_txn_t *txn, const char *actor, const char *kind,
                  json_t *subject, json_t *details, fs_err_t *e);
/* The plan of NAME, or NULL with BROKER_E_NOT_FOUND / INVALID in e. */
json_t *rollout_plan_load(broker_t *b, casestore_txn_t *txn, const char *name, fs_err_t *e);
/* The phase of plan (borrowed) at site, ROLLOUT_PHASE_COUNT when the site is not in it. */
rollout_phase_t rollout_plan_phase(const json_t *plan, const char *site);
/* Each criterion of the promotion out of the site's current phase, measured
   now: {"site","phase","next","criteria": [{"name","value","need","pass","detail"?}],
   "pass"} ("next" null and no criteria when the site is automated). */
json_t *rollout_criteria_check(broker_t *b, casestore_txn_t *txn, const json_t *plan,
                               const char *site);
/* Writes the site's phase into the plan (borrowed, modified) and the
   per-site index row, and makes the governance site row say what the
   phase needs (the version in shadow, live, or neither), restoring
   `restore` ({"active","shadow"} of NAME, null = absent) when given.
   Returns {"active","shadow"} as they were before. */
json_t *rollout_apply_phase(broker_t *b, casestore_txn_t *txn, json_t *plan, const char *site,
                            rollout_phase_t phase, const json_t *restore, fs_err_t *e);

/* ---- the run path ---- */
/* On a finding at a site (runs.c, governance on): counts each version in
   observe there whose trigger matches the event. */
int rollout_observe(broker_t *b, casestore_txn_t *txn, const json_t *event, fs_err_t *e);
/* Whether playbook NAME is supervised at site; *role and *quorum (may be
   NULL) get the gate's (the role copied into role_buf). */
bool rollout_is_supervised(broker_t *b, casestore_txn_t *txn, const char *site, const char *name,
                           char *role_buf, size_t role_size, int *quorum);

/* supervised.c: the handlers of a supervised run (a live run whose playbook
   is in phase supervised at the run's site): commands and responder
   actions wait for an approval gate; the rest as effects_durable. */
extern const playbook_effect_handlers_t effects_supervised;
/* A supervision gate (ap, borrowed) was decided (outcome "approved",
   "denied" or "expired"): carries out the held effect, or fails the step. */
int supervised_release(broker_t *b, casestore_txn_t *txn, const json_t *ap, const char *outcome,
                       outbound_t *out, fs_err_t *e);

#endif
