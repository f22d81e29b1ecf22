/*  control_runs.c — control commands about runs and approval gates:
    runs.list, run.show, approvals.list, approval.show, approval.decide
    (what approving will do is approval_preview.c).

    Lists are pages, newest first: {"items": [...], "next_cursor": "ID" |
    null}. Runs and approvals are keyed by their id (u64 BE), handed out in
    order, so a page is a walk down the ids from the cursor by point reads:
    at most LIST_SCAN_MAX rows are read per call. A page cut short by that
    bound (filters that match rarely) has fewer than `limit` items and a
    next_cursor to go on from; only next_cursor null means "no more".
    A site-admin sees only runs and gates of cases of its own site. */
#include "broker_internal.h"

#include <stdlib.h>
#include <string.h>

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 500
#define LIST_SCAN_MAX 5000 /* rows read per page, whatever the filters */

/* An id argument: a positive integer, or its decimal text (HTTP path
   parameters). 0 when absent or not one. */
static json_int_t arg_id(const json_t *args, const char *name)
{
    const json_t *v = json_object_get(args, name);
    if (json_is_integer(v))
        return json_integer_value(v) > 0 ? json_integer_value(v) : 0;
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) > 19 || strspn(s, "0123456789") != strlen(s))
        return 0;
    long long n = strtoll(s, NULL, 10);
    return n > 0 ? (json_int_t)n : 0;
}

/* The page arguments: limit (default 50, 1..500) and cursor (an id from
   next_cursor). -1 with BROKER_E_INVALID naming the argument. */
static int page_args(const json_t *args, size_t *limit, uint64_t *below, fs_err_t *e)
{
    const json_t *l = json_object_get(args, "limit");
    json_int_t n = LIST_LIMIT_DEFAULT;
    if (l && !json_is_null(l)) {
        n = json_is_integer(l) ? json_integer_value(l) : arg_id(args, "limit");
        if (n < 1 || n > LIST_LIMIT_MAX)
            return fs_err_setc(e, BROKER_E_INVALID, "limit: a number of items from 1 to %d",
                               LIST_LIMIT_MAX);
    }
    *limit = (size_t)n;
    const json_t *c = json_object_get(args, "cursor");
    *below = 0;
    if (c && !json_is_null(c)) {
        json_int_t id = arg_id(args, "cursor");
        if (!id)
            return fs_err_setc(e, BROKER_E_INVALID,
                               "cursor: not a cursor of this list (use next_cursor as given)");
        *below = (uint64_t)id;
    }
    return 0;
}

/* The case of a run or gate, once per case id in a row (lists are grouped
   by case more often than not). */
typedef struct {
    broker_t *b;
    casestore_txn_t *txn;
    const caller_t *who;
    json_int_t case_id;
    bool visible;
} visibility_t;

static bool visible(visibility_t *v, const json_t *row)
{
    if (!v->who->role || strcmp(v->who->role, "site-admin") != 0)
        return true;
    json_int_t id = json_integer_value(json_object_get(row, "case_id"));
    if (id != v->case_id) {
        json_t *c = casestore_case_get(v->b->store, v->txn, (uint64_t)id);
        v->visible = c && control_case_visible(v->who, c);
        v->case_id = id;
        json_decref(c);
    }
    return v->visible;
}

typedef bool(row_filter_fn)(const json_t *args, const json_t *row);

/* One page of a table keyed by u64 BE id, newest first. */
static json_t *page(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                    casestore_db_t table, const char *counter, row_filter_fn *keep, fs_err_t *e)
{
    size_t limit = 0;
    uint64_t below = 0;
    if (page_args(args, &limit, &below, e) != 0)
        return NULL;
    uint64_t top = casestore_counter(b->store, txn, counter);
    uint64_t id = below && below - 1 < top ? below - 1 : top; /* the first id to read */
    json_t *items = json_array();
    visibility_t vis = {b, txn, who, -1, false};
    size_t scanned = 0;
    for (; id > 0 && json_array_size(items) < limit && scanned < LIST_SCAN_MAX; id--, scanned++) {
        unsigned char key[8];
        fs_u64_to_be(id, key);
        json_t *row = casestore_get_json(b->store, txn, table, key, 8);
        if (row && keep(args, row) && visible(&vis, row)) {
            json_object_del(row, "nodes"); /* engine state: for run.show */
            json_array_append(items, row);
        }
        json_decref(row);
    }
    char next[24];
    snprintf(next, sizeof next, "%llu", (unsigned long long)(id + 1));
    return json_pack("{s:o, s:s?}", "items", items, "next_cursor", id > 0 ? next : NULL);
}

static bool str_is(const json_t *row, const char *field, const json_t *want)
{
    const char *w = json_string_value(want), *have = json_string_value(json_object_get(row, field));
    return !w || (have && strcmp(have, w) == 0);
}

static bool keep_run(const json_t *args, const json_t *row)
{
    json_int_t case_id = arg_id(args, "case_id");
    return str_is(row, "status", json_object_get(args, "status")) &&
           str_is(row, "playbook", json_object_get(args, "playbook")) &&
           (!case_id || json_integer_value(json_object_get(row, "case_id")) == case_id);
}

static bool keep_approval(const json_t *args, const json_t *row)
{
    if (json_is_true(json_object_get(args, "all")))
        return true;
    const char *st = json_string_value(json_object_get(row, "status"));
    return st && strcmp(st, "open") == 0;
}

static int check_filters(const json_t *args, fs_err_t *e)
{
    static const char *const strings[] = {"status", "playbook"};
    for (size_t i = 0; i < 2; i++) {
        const json_t *v = json_object_get(args, strings[i]);
        if (v && !json_is_null(v) && !json_is_string(v))
            return fs_err_setc(e, BROKER_E_INVALID, "%s: a string", strings[i]);
    }
    const json_t *c = json_object_get(args, "case_id");
    if (c && !json_is_null(c) && !arg_id(args, "case_id"))
        return fs_err_setc(e, BROKER_E_INVALID, "case_id: a case id (a positive integer)");
    return 0;
}

json_t *control_runs_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e)
{
    if (check_filters(args, e) != 0)
        return NULL;
    return page(b, txn, args, who, CASESTORE_DB_RUNS, "run_id", keep_run, e);
}

json_t *control_approvals_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    const json_t *all = json_object_get(args, "all");
    if (all && !json_is_boolean(all) && !json_is_null(all)) {
        fs_err_setc(e, BROKER_E_INVALID, "all: true (every gate) or false (open ones)");
        return NULL;
    }
    return page(b, txn, args, who, CASESTORE_DB_APPROVALS, "approval_id", keep_approval, e);
}

json_t *control_approval_decide(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e)
{
    json_int_t id = arg_id(args, "id");
    const char *decision = json_string_value(json_object_get(args, "decision"));
    if (id <= 0) {
        fs_err_setc(e, BROKER_E_INVALID, "id: approval.decide needs an approval id");
        return NULL;
    }
    if (!decision || (strcmp(decision, "approve") != 0 && strcmp(decision, "deny") != 0)) {
        fs_err_setc(e, BROKER_E_INVALID, "decision: approve or deny");
        return NULL;
    }
    json_t *result = NULL;
    if (approvals_decide(b, txn, (uint64_t)id, who->operator_name, who->role, decision[0] == 'a',
                         json_string_value(json_object_get(args, "comment")),
                         json_string_value(json_object_get(args, "signature")),
                         json_string_value(json_object_get(args, "payload")), who->out, &result,
                         e) != 0) {
        if (!e->code || e->code == FS_E_GENERIC)
            e->code = BROKER_E_INVALID; /* a vote refused for what it carries */
        return NULL;
    }
    return result;
}

json_t *control_row_by_id(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, casestore_db_t table, const char *noun, fs_err_t *e)
{
    json_int_t id = arg_id(args, "id");
    if (!id) {
        fs_err_setc(e, BROKER_E_INVALID, "id: a %s id (a positive integer)", noun);
        return NULL;
    }
    unsigned char key[8];
    fs_u64_to_be((uint64_t)id, key);
    json_t *row = casestore_get_json(b->store, txn, table, key, 8);
    visibility_t vis = {b, txn, who, -1, false};
    if (row && !visible(&vis, row)) {
        json_decref(row);
        fs_err_setc(e, BROKER_E_DENIED,
                    "%s %lld is about a case that does not involve site %s: a site-admin sees "
                    "only its own site's",
                    noun, (long long)id, who->site ? who->site : "(none)");
        return NULL;
    }
    if (!row)
        fs_err_setc(e, BROKER_E_NOT_FOUND, "no %s %lld", noun, (long long)id);
    return row;
}

/* Each started step as the console draws it: path, id, type, state,
   attempts, times, outcome, in path order. */
static json_t *steps_of(const json_t *nodes)
{
    json_t *out = json_array();
    const char *path;
    json_t *n;
    json_object_foreach((json_t *)nodes, path, n)
    {
        const char *s = json_string_value(json_object_get(n, "s"));
        static const struct {
            const char *s, *state;
        } states[] = {{"wait", "waiting"},  {"retry", "retry_scheduled"},   {"run", "running"},
                      {"failed", "failed"}, {"handling", "handling_error"}, {"done", "done"}};
        const char *state = "pending";
        for (size_t i = 0; s && i < sizeof states / sizeof *states; i++)
            if (strcmp(states[i].s, s) == 0)
                state = states[i].state;
        if (state[0] == 'd' && json_is_true(json_object_get(n, "denied")))
            state = "denied";
        json_t *step = json_pack(
            "{s:s, s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "path", path, "state", state,
            "attempt", json_object_get(n, "attempt"), "started", json_object_get(n, "started"),
            "deadline", json_object_get(n, "deadline"), "retry_at", json_object_get(n, "retry_at"),
            "error", json_object_get(n, "error"), "approval_id", json_object_get(n, "approval_id"),
            "branch", json_object_get(n, "branch"));
        json_t *result = json_object_get(n, "result");
        if (result)
            json_object_set(step, "outcome", result);
        json_array_append_new(out, step);
    }
    return out;
}

json_t *control_run_show(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                         fs_err_t *e)
{
    json_t *run = control_row_by_id(b, txn, args, who, CASESTORE_DB_RUNS, "run", e);
    if (run)
        json_object_set_new(run, "step_states", steps_of(json_object_get(run, "nodes")));
    return run;
}
