/*  control_runs.c — control commands about runs and approval gates:
    runs.list, run.show, approvals.list, approval.show, approval.decide. */
#include "broker_internal.h"

#include <string.h>

struct list_ctx {
    json_t *out;
    const char *status; /* only records with this status, or NULL */
};

static int collect_record(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    struct list_ctx *l = arg;
    json_t *r = json_loadb(val->data, val->len, 0, NULL);
    const char *st = json_string_value(json_object_get(r, "status"));
    if (r && (!l->status || (st && strcmp(st, l->status) == 0))) {
        json_object_del(r, "nodes"); /* engine state: not for listings */
        json_array_append(l->out, r);
    }
    json_decref(r);
    return json_array_size(l->out) >= 1000;
}

json_t *control_approvals_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    (void)who, (void)e;
    struct list_ctx l = {json_array(), json_is_true(json_object_get(args, "all")) ? NULL : "open"};
    casestore_foreach(b->store, txn, CASESTORE_DB_APPROVALS, true, collect_record, &l);
    return l.out;
}

json_t *control_approval_decide(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e)
{
    json_int_t id = json_integer_value(json_object_get(args, "id"));
    const char *decision = json_string_value(json_object_get(args, "decision"));
    if (id <= 0 || !decision ||
        (strcmp(decision, "approve") != 0 && strcmp(decision, "deny") != 0)) {
        fs_err_setc(e, BROKER_E_INVALID, "approval.decide needs id and decision approve|deny");
        return NULL;
    }
    json_t *result = NULL;
    if (approvals_decide(b, txn, (uint64_t)id, who->operator_name, who->role, decision[0] == 'a',
                         json_string_value(json_object_get(args, "comment")),
                         json_string_value(json_object_get(args, "signature")),
                         json_string_value(json_object_get(args, "payload")), who->out, &result,
                         e) != 0)
        return NULL;
    return result;
}

/* A row of a table keyed by u64 id (args.id), or BROKER_E_NOT_FOUND. */
static json_t *show_by_id(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          casestore_db_t table, const char *noun, fs_err_t *e)
{
    json_int_t id = json_integer_value(json_object_get(args, "id"));
    unsigned char key[8];
    fs_u64_to_be((uint64_t)(id > 0 ? id : 0), key);
    json_t *row = id > 0 ? casestore_get_json(b->store, txn, table, key, 8) : NULL;
    if (!row)
        fs_err_setc(e, BROKER_E_NOT_FOUND, "no %s %lld", noun, (long long)id);
    return row;
}

json_t *control_approval_show(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e)
{
    (void)who;
    return show_by_id(b, txn, args, CASESTORE_DB_APPROVALS, "approval", e);
}

json_t *control_runs_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e)
{
    (void)who, (void)e;
    struct list_ctx l = {json_array(), json_string_value(json_object_get(args, "status"))};
    casestore_foreach(b->store, txn, CASESTORE_DB_RUNS, true, collect_record, &l);
    return l.out;
}

json_t *control_run_show(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                         fs_err_t *e)
{
    (void)who;
    return show_by_id(b, txn, args, CASESTORE_DB_RUNS, "run", e);
}
