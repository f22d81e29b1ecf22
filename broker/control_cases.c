/*  control_cases.c — control commands about cases: case.list, case.show,
    case.update, metrics.  A site-admin sees and changes only the cases that
    involve its own site (control_case_visible). */
#include "broker_internal.h"

#include <string.h>

struct case_list_ctx {
    json_t *out;
    const caller_t *who;
};

static int collect_case(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    struct case_list_ctx *l = arg;
    json_t *out = l->out;
    json_t *c = json_loadb(val->data, val->len, 0, NULL);
    if (!c)
        return 0;
    if (!control_case_visible(l->who, c)) {
        json_decref(c);
        return 0;
    }
    json_array_append_new(
        out,
        json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(c, "id"),
                  "title", json_object_get(c, "title"), "status", json_object_get(c, "status"),
                  "severity_id", json_object_get(c, "severity_id"), "sites",
                  json_object_get(c, "sites"), "alert_count", json_object_get(c, "alert_count"),
                  "assignee", json_object_get(c, "assignee"), "created",
                  json_object_get(c, "created"), "updated", json_object_get(c, "updated")));
    json_decref(c);
    return json_array_size(out) >= 1000; /* newest first, bounded */
}

json_t *control_case_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e)
{
    (void)args, (void)e;
    struct case_list_ctx l = {json_array(), who};
    casestore_foreach(b->store, txn, CASESTORE_DB_CASES, true, collect_case, &l);
    return l.out;
}

json_t *control_case_show(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e)
{
    json_int_t id = json_integer_value(json_object_get(args, "id"));
    json_t *c = id > 0 ? casestore_case_get(b->store, txn, (uint64_t)id) : NULL;
    if (c && !control_case_visible(who, c)) {
        json_decref(c);
        fs_err_setc(
            e, BROKER_E_DENIED,
            "case %lld does not involve site %s: a site-admin sees only its own site's cases",
            (long long)id, who->site ? who->site : "(none)");
        return NULL;
    }
    if (!c) {
        fs_err_setc(e, BROKER_E_NOT_FOUND, "no case %lld", (long long)id);
        return NULL;
    }
    json_object_set_new(c, "timeline", casestore_timeline(b->store, txn, (uint64_t)id, 10000));
    /* The commands of the case, with their responses, beside its timeline. */
    json_t *commands = json_array();
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(c, "timeline"), i, entry)
    {
        const char *kind = json_string_value(json_object_get(entry, "kind"));
        const char *cid = json_string_value(json_object_get(entry, "command_id"));
        if (!kind || strcmp(kind, "command") != 0 || !cid)
            continue;
        json_t *rec = casestore_get_json(b->store, txn, CASESTORE_DB_COMMANDS, cid, strlen(cid));
        if (rec)
            json_array_append_new(commands, rec);
    }
    json_object_set_new(c, "commands", commands);
    return c;
}

json_t *control_case_update(broker_t *b, casestore_txn_t *txn, const json_t *args,
                            const caller_t *who, fs_err_t *e)
{
    json_int_t id = json_integer_value(json_object_get(args, "id"));
    json_t *fields = json_object_get(args, "fields");
    json_t *c = id > 0 ? casestore_case_get(b->store, txn, (uint64_t)id) : NULL;
    bool visible = !c || control_case_visible(who, c);
    json_decref(c);
    if (!visible) {
        fs_err_setc(
            e, BROKER_E_DENIED,
            "case %lld does not involve site %s: a site-admin changes only its own site's cases",
            (long long)id, who->site ? who->site : "(none)");
        return NULL;
    }
    if (id <= 0 || !json_is_object(fields) ||
        casestore_case_update(b->store, txn, (uint64_t)id, fields, who->actor, e) != 0) {
        if (!e->text[0])
            fs_err_setc(e, BROKER_E_INVALID, "case.update needs id and fields");
        return NULL;
    }
    return casestore_case_get(b->store, txn, (uint64_t)id);
}

json_t *control_metrics(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                        fs_err_t *e)
{
    (void)args, (void)who, (void)e;
    return casestore_case_metrics(b->store, txn);
}
