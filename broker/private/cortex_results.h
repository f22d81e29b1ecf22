/*  cortex_results.h — what a Cortex analyzer's or responder's result does
    to the case (broker/cortex_results.c, docs/connectors.md "Cortex results
    on the case").  Private to libfedsoar_broker. */
#ifndef FEDSOAR_BROKER_CORTEX_RESULTS_H
#define FEDSOAR_BROKER_CORTEX_RESULTS_H

#include "broker_internal.h"

/* Called by requests.c in the transaction that stores an "ok" RESULT,
   before the run is woken.  request is the journaled request record
   (borrowed), site the site that answered (from its key); result (borrowed,
   annotated in place) is the connector's result.  When it has Cortex's
   shape — "summary": {"taxonomies": [...]}, "artifacts": [...] or
   "operations": [...] — each taxonomy becomes a "cortex_taxonomy" line on
   the case timeline, each artifact of a known dataType an observable of
   the case (OCSF type), and the operations AddTagToCase, AddCustomFields
   and AddArtifactToCase are applied to the case; any other operation, an
   artifact of an unknown dataType and a malformed entry are refused by
   name.  result gains "case_applied": {"taxonomies", "observables",
   "tags", "custom_fields", "refused": [{"what", "reason"}]}; the case
   timeline gets one "cortex_applied" line with the same.  A result of
   another shape is left alone.  Returns the number of changes to the case
   (0 for none), or -1 with e set (the caller aborts the transaction); a
   site's odd entries never refuse its RESULT. */
int cortex_results_apply(broker_t *b, casestore_txn_t *txn, const json_t *request, const char *site,
                         json_t *result, fs_err_t *e);

#endif
