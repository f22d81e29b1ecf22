/*  control_audit.c — audit.verify and audit.export on the live store (the
    offline check is fedsoarctl audit verify --state-dir, over casestore). */
#include "broker_internal.h"

#include <string.h>

json_t *control_audit_verify(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e)
{
    (void)who;
    const json_t *witnesses = json_object_get(args, "witnesses");
    if (witnesses && !json_is_array(witnesses)) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "audit.verify: args.witnesses must be an array of {\"site\", \"checkpoint\"}");
        return NULL;
    }
    return casestore_audit_verify(b->store, txn, b->sign_pub[0] ? b->sign_pub : NULL, witnesses);
}

/* args: since (seq), limit (at most that many entries; 0 or absent: no
   count limit), page_bytes (the HTTP stream's smaller pages, 16 KiB..512
   KiB). A page stays well under the 1 MiB reply limit (protocol §4) and
   holds the loop for one bounded read. */
json_t *control_audit_export(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e)
{
    (void)who, (void)e;
    json_int_t since = json_integer_value(json_object_get(args, "since"));
    json_int_t limit = json_integer_value(json_object_get(args, "limit"));
    json_int_t page = json_integer_value(json_object_get(args, "page_bytes"));
    size_t max_bytes = 512 * 1024;
    if (page >= 16 * 1024 && page < (json_int_t)max_bytes)
        max_bytes = (size_t)page;
    json_t *entries = json_array();
    uint64_t last = casestore_audit_export(b->store, txn, since > 0 ? (uint64_t)since : 0,
                                           max_bytes, limit > 0 ? (size_t)limit : 0, entries);
    return json_pack("{s:o, s:I}", "entries", entries, "last", (json_int_t)last);
}
