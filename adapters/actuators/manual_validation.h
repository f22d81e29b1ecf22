/*  manual_validation.h — the manual actuator's two ways of deciding that a
    change carried out by hand took effect (manual_validation.c): a
    configured analyzer's verdict, or a person's decision on an approval
    the broker opens on the case (docs/protocol.md §5.4 "Validation by a
    person").  Pure functions: nothing here talks or stores. */
#ifndef FEDSOAR_MANUAL_VALIDATION_H
#define FEDSOAR_MANUAL_VALIDATION_H

#include "common.h"

/* The analyzer's answer r (a connector result, borrowed): 1 in effect,
   0 not, -1 it could not tell; why receives the reason. */
int manual_analyzer_verdict(const json_t *r, char *why, size_t size);

/* The 102 that asks the broker for an approval by a person with role:
   {"status": 102, "status_text", "results": {"manual": {"validation":
   {"approval_role", "question"}}}}.  rec is the command's record
   (borrowed), site the adapter's.  Caller owns. */
json_t *manual_validation_ask(const json_t *rec, const char *role, const char *site);

/* A decision the broker sent in a COMMAND body's "validation" (borrowed):
   1 approved, 0 denied, -1 not a decision (still open, or malformed).
   text receives the outcome's status_text. */
int manual_validation_outcome(const json_t *decision, const char *role, char *text, size_t size);

#endif
