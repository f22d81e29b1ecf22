/*  casestore_internal.h — private to libfedsoar_casestore (never installed,
    never included outside casestore/). */
#ifndef FEDSOAR_CASESTORE_INTERNAL_H
#define FEDSOAR_CASESTORE_INTERNAL_H

#include "casestore.h"
#include "ocsf.h"

/* Writes a case document (c is stamped with "updated" and "audit_seq"). */
int casestore__case_put(casestore_t *st, casestore_txn_t *txn, json_t *c, fs_err_t *e);

#endif
