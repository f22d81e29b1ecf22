/*  control_cases.c — control commands about cases: case.list, case.show,
    case.timeline, case.update, case.note, metrics.  They serve fedsoarctl
    and the HTTPS API alike (docs/api.md: GET/PATCH /cases...).  A
    site-admin sees and changes only the cases that involve its own site
    (control_case_visible).  Bad arguments are BROKER_E_INVALID naming the
    argument; a missing case BROKER_E_NOT_FOUND; another site's case
    BROKER_E_DENIED. */
#include "broker_internal.h"

#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN 128 /* an assignee, a site, a filter string */
#define TEXT_FILTER_MAX 256
#define OBSERVABLE_FILTER_MAX 1024
#define TIMELINE_PAGE_DEFAULT 50

static bool is_site_admin(const caller_t *who)
{
    return who->role && strcmp(who->role, "site-admin") == 0;
}

/* ---- arguments ----------------------------------------------------------------- */

/* args[name] as an unsigned integer: a JSON integer >= 0 or a base-10
   string. 1 absent, 0 read, -1 invalid (e filled, naming the argument). */
static int arg_u64(const char *cmd, const json_t *args, const char *name, uint64_t *out,
                   fs_err_t *e)
{
    const json_t *v = json_object_get(args, name);
    if (!v || json_is_null(v))
        return 1;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_string(v) && fs_parse_u64(json_string_value(v), out) == 0)
        return 0;
    return fs_err_setc(e, BROKER_E_INVALID, "%s: argument %s must be a non-negative integer", cmd,
                       name);
}

/* args[name] as a string of 1..max bytes. 1 absent, 0 read, -1 invalid. */
static int arg_string(const char *cmd, const json_t *args, const char *name, size_t max,
                      const char **out, fs_err_t *e)
{
    const json_t *v = json_object_get(args, name);
    if (!v || json_is_null(v))
        return 1;
    size_t n = json_string_length(v);
    if (!json_is_string(v) || n == 0 || n > max)
        return fs_err_setc(e, BROKER_E_INVALID, "%s: argument %s must be a string of 1-%zu bytes",
                           cmd, name, max);
    *out = json_string_value(v);
    return 0;
}

/* Refuses argument names the command does not take (a typo would
   otherwise filter nothing). */
static int only_args(const char *cmd, const json_t *args, const char *const *known, fs_err_t *e)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)args, k, v)
    {
        size_t i = 0;
        while (known[i] && strcmp(known[i], k) != 0)
            i++;
        if (!known[i])
            return fs_err_setc(e, BROKER_E_INVALID, "%s: unknown argument %s", cmd, k);
    }
    return 0;
}

/* The case named by args.id, if the caller may see it: the document
   (caller owns) or NULL with e filled. */
static json_t *visible_case(broker_t *b, casestore_txn_t *txn, const char *cmd, const json_t *args,
                            const caller_t *who, const char *verb, fs_err_t *e)
{
    uint64_t id = 0;
    int rc = arg_u64(cmd, args, "id", &id, e);
    if (rc < 0)
        return NULL;
    if (rc == 1 || id == 0) {
        fs_err_setc(e, BROKER_E_INVALID, "%s: argument id must be a case id (a positive integer)",
                    cmd);
        return NULL;
    }
    json_t *c = casestore_case_get(b->store, txn, id);
    if (!c) {
        fs_err_setc(e, BROKER_E_NOT_FOUND, "no case %llu", (unsigned long long)id);
        return NULL;
    }
    if (!control_case_visible(who, c)) {
        json_decref(c);
        fs_err_setc(e, BROKER_E_DENIED,
                    "case %llu does not involve site %s: a site-admin %s only its own site's cases",
                    (unsigned long long)id, who->site ? who->site : "(none)", verb);
        return NULL;
    }
    return c;
}

/* ---- case.list ------------------------------------------------------------------ */

json_t *control_case_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e)
{
    static const char *const known[] = {"status",     "severity", "site",  "assignee", "text",
                                        "observable", "cursor",   "limit", NULL};
    const char *cmd = "case.list";
    casestore_case_filter_t f = {0};
    uint64_t severity = 0, limit = 50, cursor = 0;
    const char *cursor_text = NULL;
    if (only_args(cmd, args, known, e) != 0 ||
        arg_string(cmd, args, "status", 32, &f.status, e) < 0 ||
        arg_u64(cmd, args, "severity", &severity, e) < 0 ||
        arg_string(cmd, args, "site", NAME_MAX_LEN, &f.site, e) < 0 ||
        arg_string(cmd, args, "assignee", NAME_MAX_LEN, &f.assignee, e) < 0 ||
        arg_string(cmd, args, "text", TEXT_FILTER_MAX, &f.text, e) < 0 ||
        arg_string(cmd, args, "observable", OBSERVABLE_FILTER_MAX, &f.observable, e) < 0 ||
        arg_string(cmd, args, "cursor", 20, &cursor_text, e) < 0 ||
        arg_u64(cmd, args, "limit", &limit, e) < 0)
        return NULL;
    if (f.status && casestore_case_status_index(f.status) < 0) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "%s: argument status \"%s\" is not a case status (one of: %s)", cmd, f.status,
                    CASESTORE_CASE_STATUSES);
        return NULL;
    }
    if (severity > 6) {
        fs_err_setc(e, BROKER_E_INVALID, "%s: argument severity must be 0-6 (a severity_id)", cmd);
        return NULL;
    }
    if (limit < 1 || limit > CASESTORE_CASE_LIST_MAX) {
        fs_err_setc(e, BROKER_E_INVALID, "%s: argument limit must be 1-%d", cmd,
                    CASESTORE_CASE_LIST_MAX);
        return NULL;
    }
    if (cursor_text && (fs_parse_u64(cursor_text, &cursor) != 0 || cursor == 0)) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "%s: argument cursor is not one this broker gave (a next_cursor)", cmd);
        return NULL;
    }
    f.min_severity = (int)severity;
    f.limit = (size_t)limit;
    f.before_id = cursor;
    if (is_site_admin(who))
        f.visible_site = who->site ? who->site : "";
    json_t *page = casestore_case_list(b->store, txn, &f);
    /* The counts by status come from the aggregates: one row read. */
    json_object_set_new(
        page, "counts",
        casestore_case_status_counts(b->store, txn, is_site_admin(who) ? f.visible_site : NULL));
    return page;
}

/* ---- case.show, case.timeline ------------------------------------------------- */

json_t *control_case_show(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e)
{
    json_t *c = visible_case(b, txn, "case.show", args, who, "sees", e);
    if (!c)
        return NULL;
    uint64_t id = (uint64_t)json_integer_value(json_object_get(c, "id"));
    json_object_set_new(c, "timeline", casestore_timeline(b->store, txn, id, 10000));
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

json_t *control_case_timeline(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e)
{
    static const char *const known[] = {"id", "cursor", "limit", NULL};
    const char *cmd = "case.timeline";
    uint64_t limit = TIMELINE_PAGE_DEFAULT, after = 0;
    const char *cursor_text = NULL;
    if (only_args(cmd, args, known, e) != 0 ||
        arg_string(cmd, args, "cursor", 20, &cursor_text, e) < 0 ||
        arg_u64(cmd, args, "limit", &limit, e) < 0)
        return NULL;
    if (limit < 1 || limit > CASESTORE_CASE_LIST_MAX) {
        fs_err_setc(e, BROKER_E_INVALID, "%s: argument limit must be 1-%d", cmd,
                    CASESTORE_CASE_LIST_MAX);
        return NULL;
    }
    if (cursor_text && fs_parse_u64(cursor_text, &after) != 0) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "%s: argument cursor is not one this broker gave (a next_cursor)", cmd);
        return NULL;
    }
    json_t *c = visible_case(b, txn, cmd, args, who, "sees", e);
    if (!c)
        return NULL;
    uint64_t id = (uint64_t)json_integer_value(json_object_get(c, "id"));
    json_decref(c);
    return casestore_timeline_page(b->store, txn, id, after, (size_t)limit);
}

/* ---- case.update, case.note ----------------------------------------------------- */

/* The fields a case.update may set, checked before anything is written:
   0, or -1 with e naming the field. note only over the control socket
   (fedsoarctl case note); the API has POST /cases/{id}/notes. */
static int check_fields(const json_t *fields, const caller_t *who, fs_err_t *e)
{
    if (!json_is_object(fields) || json_object_size(fields) == 0)
        return fs_err_setc(e, BROKER_E_INVALID,
                           "case.update: argument fields must be an object with status, "
                           "assignee or severity_id");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)fields, k, v)
    {
        if (strcmp(k, "status") == 0) {
            if (casestore_case_status_index(json_string_value(v)) < 0)
                return fs_err_setc(e, BROKER_E_INVALID,
                                   "case.update: field status must be one of: %s",
                                   CASESTORE_CASE_STATUSES);
        } else if (strcmp(k, "severity_id") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 6)
                return fs_err_setc(e, BROKER_E_INVALID,
                                   "case.update: field severity_id must be an integer 0-6");
        } else if (strcmp(k, "assignee") == 0) {
            if (!json_is_null(v) && (!json_is_string(v) || json_string_length(v) == 0 ||
                                     json_string_length(v) > NAME_MAX_LEN))
                return fs_err_setc(e, BROKER_E_INVALID,
                                   "case.update: field assignee must be a name of 1-%d bytes or "
                                   "null",
                                   NAME_MAX_LEN);
        } else if (strcmp(k, "note") == 0 && !who->http) {
            if (!json_is_string(v) || json_string_length(v) == 0 ||
                json_string_length(v) > CASESTORE_NOTE_MAX)
                return fs_err_setc(e, BROKER_E_INVALID,
                                   "case.update: field note must be 1-%d characters",
                                   CASESTORE_NOTE_MAX);
        } else {
            return fs_err_setc(e, BROKER_E_INVALID,
                               "case.update: unknown field %s (status, assignee, severity_id)", k);
        }
    }
    return 0;
}

json_t *control_case_update(broker_t *b, casestore_txn_t *txn, const json_t *args,
                            const caller_t *who, fs_err_t *e)
{
    static const char *const known[] = {"id", "fields", NULL};
    json_t *c = NULL;
    if (only_args("case.update", args, known, e) != 0 ||
        !(c = visible_case(b, txn, "case.update", args, who, "changes", e)))
        return NULL;
    uint64_t id = (uint64_t)json_integer_value(json_object_get(c, "id"));
    json_decref(c);
    const json_t *fields = json_object_get(args, "fields");
    if (check_fields(fields, who, e) != 0)
        return NULL;
    if (casestore_case_update(b->store, txn, id, fields, who->actor, e) != 0) {
        if (e->code == CASESTORE_E_INVALID)
            e->code = BROKER_E_INVALID;
        return NULL;
    }
    return casestore_case_get(b->store, txn, id);
}

json_t *control_case_note(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e)
{
    static const char *const known[] = {"id", "text", NULL};
    const char *cmd = "case.note", *text = NULL;
    json_t *c = NULL;
    if (only_args(cmd, args, known, e) != 0)
        return NULL;
    int rc = arg_string(cmd, args, "text", CASESTORE_NOTE_MAX, &text, e);
    if (rc < 0)
        return NULL;
    if (rc == 1) {
        fs_err_setc(e, BROKER_E_INVALID, "%s: argument text is required (1-%d characters)", cmd,
                    CASESTORE_NOTE_MAX);
        return NULL;
    }
    if (!(c = visible_case(b, txn, cmd, args, who, "changes", e)))
        return NULL;
    uint64_t id = (uint64_t)json_integer_value(json_object_get(c, "id"));
    json_decref(c);
    json_t *fields = json_pack("{s:s}", "note", text);
    rc = casestore_case_update(b->store, txn, id, fields, who->actor, e);
    json_decref(fields);
    if (rc != 0)
        return NULL;
    return json_pack("{s:I, s:I, s:s, s:s}", "case_id", (json_int_t)id, "time",
                     (json_int_t)fs_now_ms(), "by", who->actor, "text", text);
}

/* ---- metrics -------------------------------------------------------------------- */

/* "24h", "7d", "30d", "all": whole UTC days, 0 for all. -1 invalid. */
static int window_days(const char *w)
{
    if (!w || strcmp(w, "all") == 0)
        return 0;
    size_t n = strlen(w);
    char num[8];
    uint64_t v;
    if (n < 2 || n > 6)
        return -1;
    memcpy(num, w, n - 1);
    num[n - 1] = '\0';
    if (fs_parse_u64(num, &v) != 0 || v == 0)
        return -1;
    if (w[n - 1] == 'h' && v <= 24 * 3660)
        return (int)((v + 23) / 24);
    if (w[n - 1] == 'd' && v <= 3660)
        return (int)v;
    return -1;
}

json_t *control_metrics(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                        fs_err_t *e)
{
    (void)who;
    static const char *const known[] = {"window", NULL};
    const char *w = NULL;
    if (only_args("metrics", args, known, e) != 0 ||
        arg_string("metrics", args, "window", 8, &w, e) < 0)
        return NULL;
    int days = window_days(w);
    if (days < 0) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "metrics: argument window must be NNh, NNd or all (e.g. 24h, 7d, 30d)");
        return NULL;
    }
    json_t *m = casestore_case_metrics(b->store, txn, days);
    json_object_set_new(m, "window", json_string(w ? w : "all"));
    return m;
}

/* MTTR parity (issue 15 clause 4): per site per day or week, each site's
   ratio to the best and the trend, from the day rows of the window. */
json_t *control_metrics_by_site(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e)
{
    (void)who;
    static const char *const known[] = {"window", "bucket", NULL};
    const char *w = NULL, *bucket = NULL;
    if (only_args("metrics.by_site", args, known, e) != 0 ||
        arg_string("metrics.by_site", args, "window", 8, &w, e) < 0 ||
        arg_string("metrics.by_site", args, "bucket", 8, &bucket, e) < 0)
        return NULL;
    int days = window_days(w ? w : "7d");
    if (days < 1 || days > CASESTORE_METRICS_WINDOW_MAX) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "metrics.by_site: argument window must be NNh or NNd, at most 366 days "
                    "(e.g. 7d, 30d, 90d)");
        return NULL;
    }
    if (bucket && strcmp(bucket, "day") != 0 && strcmp(bucket, "week") != 0) {
        fs_err_setc(e, BROKER_E_INVALID, "metrics.by_site: argument bucket must be day or week");
        return NULL;
    }
    int bucket_days = bucket && strcmp(bucket, "week") == 0 ? 7 : 1;
    json_t *m = casestore_case_metrics_by_site(b->store, txn, fs_now_ms(), days, bucket_days);
    if (m)
        json_object_set_new(m, "window", json_string(w ? w : "7d"));
    else
        fs_err_setc(e, BROKER_E_INVALID, "metrics.by_site: window or bucket out of range");
    return m;
}
