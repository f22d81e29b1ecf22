/*  openc2_validate.c — the strict validator: OpenC2 LS v1.0 (CS02) commands
    (3.3.1) and responses (3.3.2), extensions (3.1.4), and the profile
    checks (action x target pairs, per-command arguments, profile rules)
    that turn a well-formed but unsupported request into 501.

    Order: the whole message is checked for 400 first (I-JSON, fields,
    shapes); profile support (501) is judged only for a well-formed
    message, so 400 always wins over 501. */
#include "openc2_internal.h"

#include <stdio.h>
#include <string.h>

static const char *const command_fields[] = {"action",   "target",     "args",
                                             "actuator", "command_id", NULL};
static const char *const response_fields[] = {"status", "status_text", "results", NULL};
static const char *const ls_args[] = {"start_time", "stop_time", "duration", "response_requested",
                                      NULL};
static const char *const response_types[] = {"none", "ack", "status", "complete", NULL};
/* OASIS profile nsids: not "x-", so a missing one is "not enabled" (501),
   not a malformed name (400). */
static const char *const oasis_nsids[] = {"slpf", "er", "pf", "sbom", "pac", NULL};

#define MAX_BOUND 4

typedef struct cmd_state {
    const char *action;
    const char *target; /* target key */
    bool target_known;  /* LS target or a target of an enabled namespace */
    const openc2_profile_t *bound[MAX_BOUND];
    size_t nbound;
} cmd_state_t;

static void bind_profile(cmd_state_t *s, const openc2_profile_t *p)
{
    for (size_t i = 0; i < s->nbound; i++)
        if (s->bound[i] == p)
            return;
    if (s->nbound < MAX_BOUND)
        s->bound[s->nbound++] = p;
}

/* An extension namespace used at the current path: the profile owning it,
   or NULL after recording why (400 malformed, 501 not enabled). */
static const openc2_profile_t *resolve_namespace(oc2_ctx_t *c, const char *nsid, const char *part,
                                                 const json_t **shape)
{
    const json_t *ns = NULL;
    *shape = NULL;
    if (!oc2_valid_nsid(nsid)) {
        oc2_bad(c,
                "not a valid extension name: a namespace is \"x-\" followed by [a-z0-9] and "
                "[a-z0-9_-], at most %d characters, or a profile nsid (LS 3.1.4)",
                OC2_NAME_MAX);
        return NULL;
    }
    const openc2_profile_t *p = oc2_find_namespace(c->v, nsid, &ns);
    if (!p) {
        if (strncmp(nsid, "x-", 2) == 0)
            oc2_unsupported(
                c, "extension namespace %s is not supported by this validator's profiles", nsid);
        else if (oc2_in_list(nsid, oasis_nsids))
            oc2_unsupported(c, "profile %s is not enabled in this validator", nsid);
        else
            oc2_bad(c, "unknown property (extensions are \"x-\" namespaces or profile nsids)");
        return NULL;
    }
    *shape = json_object_get(ns, part);
    if (!*shape) {
        oc2_bad(c, "profile %s defines no %s for namespace %s", openc2_profile_name(p), part, nsid);
        return NULL;
    }
    return p;
}

/* ---- command parts ------------------------------------------------------- */

static bool check_target(oc2_ctx_t *c, const json_t *target, cmd_state_t *s)
{
    if (!json_is_object(target))
        return oc2_bad(c, "target must be an object with exactly one member");
    if (json_object_size(target) != 1)
        return oc2_bad(c, "target must contain exactly one type of Target, found %zu (LS 3.3.1.2)",
                       json_object_size(target));
    void *it = json_object_iter((json_t *)target);
    const char *key = json_object_iter_key(it);
    const json_t *val = json_object_iter_value(it);
    s->target = key;
    size_t mark = oc2_push_key(c, key);
    bool ok = true;
    if (oc2_is_ls_target(key)) {
        s->target_known = true;
        ok = oc2_check_ls_target(c, key, val);
    } else if (strchr(key, ':')) {
        char nsid[OC2_NAME_MAX + 1];
        const char *name = NULL;
        if (!oc2_split_ext_target(key, nsid, sizeof nsid, &name)) {
            ok = oc2_bad(c,
                         "not a valid extended target name: nsid:name, nsid \"x-\"... or a "
                         "profile nsid, name [a-z][a-z0-9_]*, at most %d characters (LS 3.1.4)",
                         OC2_NAME_MAX);
        } else {
            const json_t *targets = NULL;
            const openc2_profile_t *p = resolve_namespace(c, nsid, "targets", &targets);
            if (p) {
                const json_t *shape = json_object_get(targets, name);
                if (!shape) {
                    ok = oc2_bad(c, "profile %s defines no target %s", openc2_profile_name(p), key);
                } else {
                    s->target_known = true;
                    bind_profile(s, p);
                    ok = oc2_check_shape(c, shape, val);
                }
            } else {
                ok = !c->bad;
            }
        }
    } else {
        ok = oc2_bad(c, "unknown target type (LS 3.3.1.2 targets, or nsid:name for an extension)");
    }
    oc2_pop(c, mark);
    return ok;
}

static bool check_time(oc2_ctx_t *c, const json_t *v, const char *what)
{
    int64_t n;
    if (!oc2_integral(v, &n) || n < 0)
        return oc2_bad(c, "%s must be an integer >= 0 (milliseconds%s)", what,
                       strcmp(what, "duration") == 0 ? "" : " since the epoch, LS 3.4.2.2");
    return true;
}

static bool check_args(oc2_ctx_t *c, const json_t *args, cmd_state_t *s)
{
    if (!json_is_object(args))
        return oc2_bad(c, "args must be an object");
    if (json_object_size(args) == 0)
        return oc2_bad(c, "args must contain at least one argument when present (LS 3.3.1)");
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)args, k, m)
    {
        size_t mark = oc2_push_key(c, k);
        bool ok = true;
        if (strcmp(k, "start_time") == 0 || strcmp(k, "stop_time") == 0 ||
            strcmp(k, "duration") == 0) {
            ok = check_time(c, m, k);
        } else if (strcmp(k, "response_requested") == 0) {
            if (!json_is_string(m) || !oc2_in_list(json_string_value(m), response_types))
                ok = oc2_bad(c, "response_requested must be one of none, ack, status, complete");
        } else {
            const json_t *shape = NULL;
            const openc2_profile_t *p = resolve_namespace(c, k, "args", &shape);
            if (p) {
                bind_profile(s, p);
                ok = oc2_check_shape(c, shape, m);
            } else {
                ok = !c->bad;
            }
        }
        oc2_pop(c, mark);
        if (!ok)
            return false;
    }
    const json_t *st = json_object_get(args, "start_time");
    const json_t *sp = json_object_get(args, "stop_time");
    const json_t *du = json_object_get(args, "duration");
    if (st && sp && du)
        return oc2_bad(c,
                       "only two of start_time, stop_time and duration are allowed (LS 3.3.1.4)");
    int64_t a, b;
    if (st && sp && oc2_integral(st, &a) && oc2_integral(sp, &b) && b < a) {
        size_t mark = oc2_push_key(c, "stop_time");
        oc2_bad(c, "stop_time is before start_time");
        oc2_pop(c, mark);
        return false;
    }
    return true;
}

static bool check_actuator(oc2_ctx_t *c, const json_t *act, cmd_state_t *s)
{
    if (!json_is_object(act))
        return oc2_bad(c, "actuator must be an object with exactly one member");
    if (json_object_size(act) != 1)
        return oc2_bad(c, "actuator must name exactly one actuator profile, found %zu (LS 3.3.1.3)",
                       json_object_size(act));
    void *it = json_object_iter((json_t *)act);
    const char *key = json_object_iter_key(it);
    size_t mark = oc2_push_key(c, key);
    const json_t *shape = NULL;
    bool ok = true;
    const openc2_profile_t *p = resolve_namespace(c, key, "actuator", &shape);
    if (p) {
        bind_profile(s, p);
        ok = oc2_check_shape(c, shape, json_object_iter_value(it));
    } else {
        ok = !c->bad;
    }
    oc2_pop(c, mark);
    return ok;
}

/* LS 4.1: 'query features' MAY carry "response_requested": "complete" and
   MUST NOT carry any other LS argument. Extension arguments are left to
   their profiles (the TC's own test data uses them). */
static bool check_query_features(oc2_ctx_t *c, const json_t *args)
{
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)args, k, m)
    {
        if (!oc2_in_list(k, ls_args))
            continue;
        bool ok = strcmp(k, "response_requested") == 0 && json_is_string(m) &&
                  strcmp(json_string_value(m), "complete") == 0;
        if (!ok) {
            size_t mark = oc2_push_key(c, "args");
            size_t m2 = oc2_push_key(c, k);
            oc2_bad(c,
                    "'query features' allows only \"response_requested\": \"complete\" (LS 4.1)");
            oc2_pop(c, m2);
            oc2_pop(c, mark);
            return false;
        }
    }
    return true;
}

/* ---- profile support (501) --------------------------------------------- */

/* Is every argument of the command allowed by p for this pair? On no,
 *arg names the first one that is not. */
static bool args_allowed(const openc2_profile_t *p, const cmd_state_t *s, const json_t *args,
                         char *arg, size_t size)
{
    const json_t *allowed = oc2_profile_arguments(p, s->action, s->target);
    if (!allowed || !args)
        return true;
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)args, k, m)
    {
        bool whole = false;
        size_t i;
        json_t *a;
        json_array_foreach(allowed, i, a) whole = whole || strcmp(json_string_value(a), k) == 0;
        if (whole)
            continue;
        if (oc2_in_list(k, ls_args) || !json_is_object(m)) {
            snprintf(arg, size, "%s", k);
            return false;
        }
        const char *f;
        json_t *fv;
        json_object_foreach(m, f, fv)
        {
            char name[2 * OC2_NAME_MAX + 8];
            bool ok = false;
            snprintf(name, sizeof name, "%s.%s", k, f);
            json_array_foreach(allowed, i, a) ok = ok || strcmp(json_string_value(a), name) == 0;
            if (!ok) {
                snprintf(arg, size, "%s", name);
                return false;
            }
        }
    }
    return true;
}

static void report_arg(oc2_ctx_t *c, const char *arg, const cmd_state_t *s,
                       const openc2_profile_t *p)
{
    char key[OC2_NAME_MAX + 1];
    const char *dot = strchr(arg, '.');
    size_t n = dot ? (size_t)(dot - arg) : strlen(arg);
    if (n >= sizeof key)
        n = sizeof key - 1;
    memcpy(key, arg, n);
    key[n] = '\0';
    size_t mark = oc2_push_key(c, "args");
    size_t m2 = oc2_push_key(c, key);
    size_t m3 = dot ? oc2_push_key(c, dot + 1) : m2;
    oc2_unsupported(c, "argument %s is not supported for '%s %s' by profile %s", arg, s->action,
                    s->target, openc2_profile_name(p));
    oc2_pop(c, m3);
    oc2_pop(c, m2);
    oc2_pop(c, mark);
}

static void report_pair(oc2_ctx_t *c, const cmd_state_t *s, const char *who)
{
    size_t mark = oc2_push_key(c, "target");
    size_t m2 = oc2_push_key(c, s->target);
    oc2_unsupported(c, "'%s %s' is not supported by %s", s->action, s->target, who);
    oc2_pop(c, m2);
    oc2_pop(c, mark);
}

static void check_support(oc2_ctx_t *c, const json_t *cmd, cmd_state_t *s)
{
    const json_t *args = json_object_get(cmd, "args");
    char arg[2 * OC2_NAME_MAX + 8];
    if (!s->target_known)
        return; /* already 501: the target's namespace is not enabled */
    if (s->nbound > 0) {
        /* the command names its profile(s): each must accept it */
        for (size_t i = 0; i < s->nbound; i++) {
            const openc2_profile_t *p = s->bound[i];
            char who[64];
            snprintf(who, sizeof who, "profile %s", openc2_profile_name(p));
            if (oc2_profile_has_pairs(p) && !oc2_profile_supports(p, s->action, s->target)) {
                report_pair(c, s, who);
                return;
            }
            if (!args_allowed(p, s, args, arg, sizeof arg)) {
                report_arg(c, arg, s, p);
                return;
            }
            oc2_rule_fn rules = oc2_profile_rules(p);
            if (rules && !rules(c, cmd, s->action, s->target))
                return;
        }
        return;
    }
    /* no profile named: some profile of the set must accept it */
    const openc2_profile_t *first = NULL;
    char first_arg[sizeof arg];
    for (size_t i = 0; i < openc2_validator_count(c->v); i++) {
        const openc2_profile_t *p = openc2_validator_profile(c->v, i);
        if (!oc2_profile_has_pairs(p) || !oc2_profile_supports(p, s->action, s->target))
            continue;
        if (args_allowed(p, s, args, arg, sizeof arg)) {
            oc2_rule_fn rules = oc2_profile_rules(p);
            if (rules)
                rules(c, cmd, s->action, s->target);
            return;
        }
        if (!first) {
            first = p;
            snprintf(first_arg, sizeof first_arg, "%s", arg);
        }
    }
    if (first) {
        report_arg(c, first_arg, s, first);
        return;
    }
    char who[200] = "any profile of this validator";
    size_t n = openc2_validator_count(c->v);
    if (n > 0) {
        size_t o = (size_t)snprintf(who, sizeof who, "any profile of this validator (");
        for (size_t i = 0; i < n && o < sizeof who; i++)
            o += (size_t)snprintf(who + o, sizeof who - o, "%s%s", i ? ", " : "",
                                  openc2_profile_name(openc2_validator_profile(c->v, i)));
        if (o < sizeof who)
            snprintf(who + o, sizeof who - o, ")");
    }
    report_pair(c, s, who);
}

/* ---- command ---------------------------------------------------------------- */

int openc2_check_command(const openc2_validator_t *v, const json_t *cmd, char *reason,
                         size_t reason_size)
{
    oc2_ctx_t ctx, *c = &ctx;
    cmd_state_t s;
    memset(&s, 0, sizeof s);
    oc2_ctx_init(c, v);
    if (!v) {
        oc2_bad(c, "no validator");
        return oc2_finish(c, reason, reason_size);
    }
    if (!cmd || !json_is_object(cmd)) {
        oc2_bad(c, "a command must be a JSON object");
        return oc2_finish(c, reason, reason_size);
    }
    if (!oc2_check_ijson(c, cmd, 0))
        return oc2_finish(c, reason, reason_size);

    const char *k;
    json_t *m;
    json_object_foreach((json_t *)cmd, k, m)
    {
        if (!oc2_in_list(k, command_fields)) {
            size_t mark = oc2_push_key(c, k);
            oc2_bad(c, "unknown field (a command has only action, target, args, actuator, "
                       "command_id; LS 3.3.1)");
            oc2_pop(c, mark);
            return oc2_finish(c, reason, reason_size);
        }
    }
    const json_t *action = json_object_get(cmd, "action");
    const json_t *target = json_object_get(cmd, "target");
    if (!action)
        oc2_bad(c, "action is required (LS 3.3.1)");
    else if (!target)
        oc2_bad(c, "target is required (LS 3.3.1)");
    if (c->bad)
        return oc2_finish(c, reason, reason_size);

    size_t mark = oc2_push_key(c, "action");
    if (!json_is_string(action) || !oc2_is_action(json_string_value(action)))
        oc2_bad(c, "not an action of LS 3.3.1.1 (scan, locate, query, deny, contain, allow, "
                   "start, stop, restart, cancel, set, update, redirect, create, delete, "
                   "detonate, restore, copy, investigate, remediate)");
    oc2_pop(c, mark);
    if (c->bad)
        return oc2_finish(c, reason, reason_size);
    s.action = json_string_value(action);

    mark = oc2_push_key(c, "target");
    bool ok = check_target(c, target, &s);
    oc2_pop(c, mark);

    const json_t *args = json_object_get(cmd, "args");
    if (ok && args) {
        mark = oc2_push_key(c, "args");
        ok = check_args(c, args, &s);
        oc2_pop(c, mark);
    }
    const json_t *act = json_object_get(cmd, "actuator");
    if (ok && act) {
        mark = oc2_push_key(c, "actuator");
        ok = check_actuator(c, act, &s);
        oc2_pop(c, mark);
    }
    const json_t *id = json_object_get(cmd, "command_id");
    if (ok && id) {
        mark = oc2_push_key(c, "command_id");
        if (!json_is_string(id) || !oc2_fmt_command_id(json_string_value(id)))
            ok = oc2_bad(c, "command_id must be a string matching ^\\S{0,36}$ (LS 3.4.2.16)");
        oc2_pop(c, mark);
    }
    if (ok && args && strcmp(s.action, "query") == 0 && strcmp(s.target, "features") == 0)
        ok = check_query_features(c, args);
    if (ok && !c->bad)
        check_support(c, cmd, &s);
    return oc2_finish(c, reason, reason_size);
}

/* ---- response ---------------------------------------------------------------- */

static bool check_string_list(oc2_ctx_t *c, const json_t *v, size_t min, size_t maxlen, bool unique,
                              const char *what)
{
    if (!json_is_array(v))
        return oc2_bad(c, "%s must be an array", what);
    if (json_array_size(v) < min)
        return oc2_bad(c, "%s must not be empty", what);
    size_t i;
    json_t *it;
    json_array_foreach(v, i, it)
    {
        size_t mark = oc2_push_index(c, i);
        bool ok = true;
        if (!json_is_string(it))
            ok = oc2_bad(c, "must be a string");
        else if (maxlen &&
                 (json_string_length(it) == 0 || oc2_utf8_len(json_string_value(it)) > maxlen))
            ok = oc2_bad(c, "must be 1..%zu characters", maxlen);
        for (size_t j = 0; ok && unique && j < i; j++)
            if (json_equal(json_array_get(v, j), it))
                ok = oc2_bad(c, "duplicate item (items must be unique)");
        oc2_pop(c, mark);
        if (!ok)
            return false;
    }
    return true;
}

static bool any_profile_supports(const openc2_validator_t *v, const char *action, const char *t)
{
    for (size_t i = 0; i < openc2_validator_count(v); i++) {
        const openc2_profile_t *p = openc2_validator_profile(v, i);
        if (oc2_profile_has_pairs(p) && oc2_profile_supports(p, action, t))
            return true;
    }
    return false;
}

/* LS 3.4.2.1 Action-Targets: MapOf(Action, Targets){1..*}; Targets is
   ArrayOf(Enum(Target)){1..*} unique. */
static bool check_pairs(oc2_ctx_t *c, const json_t *pairs)
{
    if (!json_is_object(pairs))
        return oc2_bad(c, "pairs must be an object: action -> [targets]");
    if (json_object_size(pairs) == 0)
        return oc2_bad(c, "pairs must hold at least one action (LS 3.4.2.1)");
    const char *action;
    json_t *list;
    json_object_foreach((json_t *)pairs, action, list)
    {
        size_t mark = oc2_push_key(c, action);
        bool ok = true;
        if (!oc2_is_action(action))
            ok = oc2_bad(c, "not an action of LS 3.3.1.1");
        else if (!json_is_array(list) || json_array_size(list) == 0)
            ok = oc2_bad(c, "must be a non-empty array of target names (LS 3.4.2.1)");
        size_t i;
        json_t *t;
        if (ok) {
            json_array_foreach(list, i, t)
            {
                size_t m2 = oc2_push_index(c, i);
                const char *tn = json_string_value(t);
                char nsid[OC2_NAME_MAX + 1];
                const char *name = NULL;
                if (!tn) {
                    ok = oc2_bad(c, "must be a target name");
                } else if (oc2_is_ls_target(tn)) {
                    if (!any_profile_supports(c->v, action, tn))
                        oc2_unsupported(c,
                                        "'%s %s' is not supported by any profile of this validator",
                                        action, tn);
                } else if (oc2_split_ext_target(tn, nsid, sizeof nsid, &name)) {
                    const json_t *targets = NULL;
                    const openc2_profile_t *p = resolve_namespace(c, nsid, "targets", &targets);
                    if (p && !json_object_get(targets, name))
                        ok = oc2_bad(c, "profile %s defines no target %s", openc2_profile_name(p),
                                     tn);
                    else if (p && !any_profile_supports(c->v, action, tn))
                        oc2_unsupported(c,
                                        "'%s %s' is not supported by any profile of this validator",
                                        action, tn);
                    ok = ok && !c->bad;
                } else {
                    ok = oc2_bad(c, "'%s' is not a target name", tn);
                }
                for (size_t j = 0; ok && j < i; j++)
                    if (json_equal(json_array_get(list, j), t))
                        ok = oc2_bad(c, "duplicate target (targets must be unique)");
                oc2_pop(c, m2);
                if (!ok)
                    break;
            }
        }
        oc2_pop(c, mark);
        if (!ok)
            return false;
    }
    return true;
}

static bool check_results(oc2_ctx_t *c, const json_t *results)
{
    if (!json_is_object(results))
        return oc2_bad(c, "results must be an object");
    if (json_object_size(results) == 0)
        return oc2_bad(c, "results must contain at least one result when present (LS 3.3.2.2)");
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)results, k, m)
    {
        size_t mark = oc2_push_key(c, k);
        bool ok = true;
        if (strcmp(k, "versions") == 0) {
            ok = check_string_list(c, m, 1, 0, true, "versions");
        } else if (strcmp(k, "profiles") == 0) {
            ok = check_string_list(c, m, 0, OC2_NSID_MAX, false, "profiles");
        } else if (strcmp(k, "pairs") == 0) {
            ok = check_pairs(c, m);
        } else if (strcmp(k, "rate_limit") == 0) {
            if (!json_is_number(m) || json_number_value(m) < 0)
                ok = oc2_bad(c, "rate_limit must be a number >= 0 (LS 3.3.2.2)");
        } else {
            const json_t *shape = NULL;
            const openc2_profile_t *p = resolve_namespace(c, k, "results", &shape);
            ok = p ? oc2_check_shape(c, shape, m) : !c->bad;
        }
        oc2_pop(c, mark);
        if (!ok)
            return false;
    }
    return true;
}

int openc2_check_response(const openc2_validator_t *v, const json_t *rsp, char *reason,
                          size_t reason_size)
{
    oc2_ctx_t ctx, *c = &ctx;
    oc2_ctx_init(c, v);
    if (!v) {
        oc2_bad(c, "no validator");
        return oc2_finish(c, reason, reason_size);
    }
    if (!rsp || !json_is_object(rsp)) {
        oc2_bad(c, "a response must be a JSON object");
        return oc2_finish(c, reason, reason_size);
    }
    if (!oc2_check_ijson(c, rsp, 0))
        return oc2_finish(c, reason, reason_size);
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)rsp, k, m)
    {
        if (!oc2_in_list(k, response_fields)) {
            size_t mark = oc2_push_key(c, k);
            oc2_bad(c, "unknown field (a response has only status, status_text, results; "
                       "LS 3.3.2)");
            oc2_pop(c, mark);
            return oc2_finish(c, reason, reason_size);
        }
    }
    const json_t *status = json_object_get(rsp, "status");
    if (!status) {
        oc2_bad(c, "status is required (LS 3.3.2)");
        return oc2_finish(c, reason, reason_size);
    }
    size_t mark = oc2_push_key(c, "status");
    int64_t n;
    if (!oc2_integral(status, &n))
        oc2_bad(c, "status must be an integer");
    else if (n < 0 || n > 999 || !openc2_status_valid((int)n))
        oc2_bad(c,
                "status %lld is not one of 102, 200, 400, 401, 403, 404, 500, 501, 503 "
                "(LS 3.3.2.1)",
                (long long)n);
    oc2_pop(c, mark);
    const json_t *text = json_object_get(rsp, "status_text");
    if (!c->bad && text && !json_is_string(text)) {
        mark = oc2_push_key(c, "status_text");
        oc2_bad(c, "status_text must be a string");
        oc2_pop(c, mark);
    }
    const json_t *results = json_object_get(rsp, "results");
    if (!c->bad && results) {
        mark = oc2_push_key(c, "results");
        check_results(c, results);
        oc2_pop(c, mark);
    }
    return oc2_finish(c, reason, reason_size);
}

/* ---- from text ------------------------------------------------------------------ */

static json_t *parse_text(oc2_ctx_t *c, const char *text, size_t len)
{
    if (!text) {
        oc2_bad(c, "no message");
        return NULL;
    }
    if (len > OPENC2_MAX_TEXT) {
        oc2_bad(c, "message is %zu bytes, more than the %d allowed", len, OPENC2_MAX_TEXT);
        return NULL;
    }
    fs_err_t e;
    json_t *j = fs_json_parse(text, len, &e);
    if (!j)
        oc2_bad(c, "not I-JSON (RFC 7493): %s", e.text);
    return j;
}

int openc2_check_command_text(const openc2_validator_t *v, const char *text, size_t len,
                              char *reason, size_t reason_size)
{
    oc2_ctx_t c;
    oc2_ctx_init(&c, v);
    json_t *j = parse_text(&c, text, len);
    if (!j)
        return oc2_finish(&c, reason, reason_size);
    int r = openc2_check_command(v, j, reason, reason_size);
    json_decref(j);
    return r;
}

int openc2_check_response_text(const openc2_validator_t *v, const char *text, size_t len,
                               char *reason, size_t reason_size)
{
    oc2_ctx_t c;
    oc2_ctx_init(&c, v);
    json_t *j = parse_text(&c, text, len);
    if (!j)
        return oc2_finish(&c, reason, reason_size);
    int r = openc2_check_response(v, j, reason, reason_size);
    json_decref(j);
    return r;
}
