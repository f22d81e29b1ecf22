/*  rollout.h — the pure rules of a phased rollout (docs/governance.md
    "Phased rollout"): the phases a playbook version goes through at one
    site (observe -> shadow -> supervised -> automated), the promotion
    criteria of a plan (defaults and the --criteria file), and the signed
    payload a governance board member signs to promote
    ("fedsoar-promotion/1").  The broker stores plans and checks criteria
    (broker/rollout.c); this face has no storage and no engine, so that
    fedsoarctl signs exactly what the broker verifies.

    Part of the fedsoar_governance library.  Ownership: returned texts and
    objects are the caller's; every json_t passed in is borrowed. */
#ifndef FEDSOAR_ROLLOUT_H
#define FEDSOAR_ROLLOUT_H

#include "common.h"

typedef enum {
    ROLLOUT_OBSERVE,    /* triggers evaluated on live events and counted; nothing runs */
    ROLLOUT_SHADOW,     /* a shadow run per trigger (recorded, nothing sent) */
    ROLLOUT_SUPERVISED, /* live, every command and responder action waits for an approval */
    ROLLOUT_AUTOMATED,  /* live, as any active version */
    ROLLOUT_PHASE_COUNT
} rollout_phase_t;

/* "observe", "shadow", "supervised", "automated"; NULL out of range. */
const char *rollout_phase_name(rollout_phase_t p);
/* The phase named, or ROLLOUT_PHASE_COUNT when the text is not one. */
rollout_phase_t rollout_phase_parse(const char *name);

/* Promotion criteria of a plan: {"shadow_min_runs": 50, "shadow_agreement":
   0.95, "supervised_min_runs": 20, "mttr_ratio_max": 1.2,
   "mttr_window_days": 7, "supervised_role": "analyst",
   "supervised_quorum": 1}; a criteria file gives any of these members.
   Returns the full object (defaults for what is absent), or NULL with e
   naming the JSON path of the first bad member ("$.shadow_agreement: a
   number between 0 and 1"). Caller owns. */
json_t *rollout_criteria_parse(const json_t *given, fs_err_t *e);

#define ROLLOUT_PROMOTION_TYPE "fedsoar-promotion/1"

/* The payload a board member signs to promote (canonical JSON; caller owns,
   free()): {"from":PHASE,"member":M,"playbook":NAME,"proposal":ID,
   "site":S,"time":MS,"to":PHASE,"type":"fedsoar-promotion/1",
   "version":SHA256HEX}. */
char *rollout_promotion_payload(const char *playbook, const char *site, const char *from,
                                const char *to, const char *version, uint64_t proposal,
                                const char *member, int64_t time_ms);
/* Parses and checks one: at most 1024 bytes, exactly these members, their
   types (phases, names, a 64-hex version, a positive proposal id), and the
   canonical form. Caller owns; NULL with e ("promotion payload: WHY"). */
json_t *rollout_promotion_parse(const char *payload, size_t len, fs_err_t *e);

#endif
