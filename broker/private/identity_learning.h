/*  identity_learning.h — learning identity-crosswalk links from what an
    identity analyzer answered (broker/identity_learning.c,
    docs/identities.md "Learned links").  Private to libfedsoar_broker. */
#ifndef FEDSOAR_BROKER_IDENTITY_LEARNING_H
#define FEDSOAR_BROKER_IDENTITY_LEARNING_H

#include "broker_internal.h"

/* Called by requests.c in the transaction that stores a RESULT.  request is
   the journaled request record ({"type", "name", "input", "case_id", …}),
   site the site that answered (from its key), result the analyzer's
   answer; all borrowed.  When request is an "enrich" and result has
   "linked_emails": [{"attribute", "value"}], links the analyzed account
   (site, result's "login", else the input's user) to the person who owns
   a value as an account (the first such entry, in the analyzer's order), source
   "learned:NAME:ATTRIBUTE" (NAME: the analyzer's name at the site); never over a CSV link.  Each
   new link is an audit entry "identities.learned" (actor "site:SITE") and a line "identity_learned"
   on the case's timeline.  Returns the number of links written (0 or 1), or -1 with e set (the
   caller aborts the transaction).  Malformed linked_emails entries are skipped: a site's odd answer
   never refuses its RESULT. */
int identity_learning_from_result(broker_t *b, casestore_txn_t *txn, const json_t *request,
                                  const char *site, const json_t *result, fs_err_t *e);

#endif
