/*  manual_validation.h — validation by a person of a change carried out
    by hand (the manual actuator, docs/protocol.md §5.4 "Validation by a
    person"): a site's 102 RESPONSE that asks for it opens an approval on
    the case, tied to the command; the decision goes back to the site in
    the COMMAND body (broker/manual_validation.c).  Private to
    libfedsoar_broker; every function runs in the caller's transaction and
    borrows what it is given. */
#ifndef FEDSOAR_BROKER_MANUAL_VALIDATION_H
#define FEDSOAR_BROKER_MANUAL_VALIDATION_H

#include "broker_internal.h"

/* commands.c, for every RESPONSE of a command before its record (rec,
   modified in place, the caller stores it) is written: a 102 whose
   results.manual.validation asks for a person opens the approval once
   (rec gains "validation": {"approval_id", "role", "status": "open"}); a
   final answer while it is still open closes it ("expired" when the site
   gave up waiting, "closed" otherwise).  0, or -1 with e set. */
int manual_validation_on_response(broker_t *b, casestore_txn_t *txn, const char *site, json_t *rec,
                                  const json_t *response, fs_err_t *e);

/* approvals.c, when an approval that carries "command_id" is decided
   (outcome "approved" or "denied"; ap the approval record): the command
   record keeps the decision, and the COMMAND goes to its site again with
   it ("validation": {"approval_id", "status", "operator", "reason"}).
   0, or -1 with e set. */
int manual_validation_decided(broker_t *b, casestore_txn_t *txn, const json_t *ap,
                              const char *outcome, outbound_t *out, fs_err_t *e);

#endif
