/*  engine.c — durable playbook runs.

    A run's state is one JSON object the caller keeps in LMDB:
      {"status": "running|waiting|completed|failed|denied",
       "nodes": {PATH: node}, "steps": {STEP_ID: result}, "error": …}
    PATH names a step by position ("2", "2/then/0", "3/1/0" for item 1 of a
    foreach, "4/b0/1" for a parallel branch, "5/sub/0" inside a sub-playbook,
    "6/err/0" inside an on_error list).  A node is absent until the step
    starts; then s = wait | retry | run | failed | handling | done.

    playbook_advance() walks the tree from the root every time, skipping
    nodes that are done, and appends to `effects` what the caller must do in
    the same transaction that stores the new state.  Walking again after a
    crash therefore repeats nothing: a node that emitted its effect is
    already `wait` in the state that was committed with that effect. */
#include "template.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { FAILED = -1, BLOCKED = 0, DONE = 1 };

typedef struct {
    json_t *run;
    json_t *nodes;
    json_t *ctx; /* {"event","case","steps","run","item"} */
    json_t *effects;
    int64_t now;
    playbook_lookup_fn *lookup;
    void *lookup_arg;
    fs_err_t *e;
    int depth;
} walk_t;

static int walk_seq(walk_t *w, const playbook_t *pb, const json_t *steps, const char *prefix);

static json_t *node_get(walk_t *w, const char *path)
{
    return json_object_get(w->nodes, path);
}

static json_t *node_new(walk_t *w, const char *path)
{
    json_t *n = json_object_get(w->nodes, path);
    if (!n) {
        n = json_pack("{s:i}", "attempt", 1);
        json_object_set_new(w->nodes, path, n);
    }
    return n;
}

static const char *node_s(const json_t *n)
{
    const char *s = json_string_value(json_object_get(n, "s"));
    return s ? s : "";
}

static void set_s(json_t *n, const char *s)
{
    json_object_set_new(n, "s", json_string(s));
}

static void effect(walk_t *w, json_t *fx)
{
    json_array_append_new(w->effects, fx);
}

static void timeline(walk_t *w, const json_t *step, const char *path, const char *what,
                     json_t *detail)
{
    json_t *fx =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "timeline", "step",
                  json_string_value(json_object_get(step, "id")), "type",
                  json_string_value(json_object_get(step, "type")), "path", path, "what", what);
    if (detail)
        json_object_set_new(fx, "detail", detail);
    effect(w, fx);
}

/* Records a finished step: its result under steps.ID for later templates,
   and a timeline line. Steps finished by playbook_deliver() are recorded on
   the next walk. */
static void record(walk_t *w, const json_t *step, json_t *n, const char *path)
{
    json_t *result = json_object_get(n, "result");
    json_object_set(json_object_get(w->run, "steps"),
                    json_string_value(json_object_get(step, "id")), result ? result : json_null());
    json_object_set_new(n, "recorded", json_true());
    /* A timeline line for steps that acted or waited; `set` steps are on the
       timeline as case updates already, and containers say nothing new. */
    const char *type = json_string_value(json_object_get(step, "type"));
    bool show = strcmp(type, "openc2") == 0 || strcmp(type, "approval") == 0 ||
                strcmp(type, "enrich") == 0 || strcmp(type, "action") == 0 ||
                strcmp(type, "wait") == 0;
    if (show)
        timeline(w, step, path, "done", result ? json_incref(result) : NULL);
}

static void finish(walk_t *w, const json_t *step, json_t *n, const char *path, json_t *result)
{
    set_s(n, "done");
    json_object_set(n, "result", result ? result : json_null());
    json_decref(result);
    record(w, step, n, path);
}

__attribute__((format(printf, 2, 3))) static int fail_node(json_t *n, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    set_s(n, "failed");
    json_object_set_new(n, "error", json_string(text));
    return 0;
}

static void arm_timeout(walk_t *w, const json_t *step, json_t *n, const char *path)
{
    int64_t ms;
    if (playbook_duration_ms(json_object_get(step, "timeout"), &ms) == 0) {
        json_object_set_new(n, "deadline", json_integer(w->now + ms));
        effect(w, json_pack("{s:s, s:s, s:I}", "kind", "timer", "path", path, "at",
                            (json_int_t)(w->now + ms)));
    }
}

/* Renders a template; failure marks the node failed with the reason. */
static json_t *render(walk_t *w, const playbook_t *pb, const json_t *tmpl, json_t *n)
{
    fs_err_t re = {0};
    json_t *v = playbook_render(pb, tmpl, w->ctx, &re);
    if (!v)
        fail_node(n, "template: %s", re.text);
    return v;
}

static json_t *eval(walk_t *w, const playbook_t *pb, const json_t *program, json_t *n)
{
    fs_err_t re = {0};
    json_t *v = playbook_eval(pb, json_string_value(program), w->ctx, &re);
    if (!v)
        fail_node(n, "jq: %s", re.text);
    return v;
}

static int start_step(walk_t *w, const playbook_t *pb, const json_t *step, json_t *n,
                      const char *path)
{
    const char *type = json_string_value(json_object_get(step, "type"));
    json_object_set_new(n, "started", json_integer(w->now));
    if (strcmp(type, "set") == 0) {
        json_t *fields = render(w, pb, json_object_get(step, "case"), n);
        if (!fields)
            return 0;
        effect(w, json_pack("{s:s, s:O}", "kind", "case", "fields", fields));
        finish(w, step, n, path, fields);
        return 0;
    }
    if (strcmp(type, "condition") == 0) {
        json_t *out = eval(w, pb, json_object_get(step, "if"), n);
        if (!out)
            return 0;
        json_t *first = json_array_get(out, 0);
        bool yes = first && !json_is_false(first) && !json_is_null(first);
        json_decref(out);
        json_object_set_new(n, "branch", json_string(yes ? "then" : "else"));
        set_s(n, "run");
        return 0;
    }
    if (strcmp(type, "foreach") == 0) {
        json_t *items = eval(w, pb, json_object_get(step, "items"), n);
        if (!items)
            return 0;
        if (json_array_size(items) > 1000) {
            json_decref(items);
            return fail_node(n, "foreach: more than 1000 items");
        }
        json_object_set_new(n, "items", items);
        json_object_set_new(n, "i", json_integer(0));
        set_s(n, "run");
        return 0;
    }
    if (strcmp(type, "parallel") == 0 || strcmp(type, "playbook") == 0) {
        set_s(n, "run");
        return 0;
    }
    if (strcmp(type, "wait") == 0) {
        int64_t ms = 0;
        playbook_duration_ms(json_object_get(step, "duration"), &ms);
        json_object_set_new(n, "wake", json_integer(w->now + ms));
        effect(w, json_pack("{s:s, s:s, s:I}", "kind", "timer", "path", path, "at",
                            (json_int_t)(w->now + ms)));
        set_s(n, "wait");
        timeline(w, step, path, "waiting", NULL);
        return 0;
    }
    if (strcmp(type, "approval") == 0) {
        int64_t ms = 0;
        playbook_duration_ms(json_object_get(step, "timeout"), &ms);
        json_t *reason = json_object_get(step, "reason")
                             ? render(w, pb, json_object_get(step, "reason"), n)
                             : json_string("");
        if (!reason)
            return 0;
        json_t *q = json_object_get(step, "quorum");
        const char *ot = json_string_value(json_object_get(step, "on_timeout"));
        effect(w, json_pack("{s:s, s:s, s:O, s:I, s:I, s:s, s:o, s:s}", "kind", "approval", "path",
                            path, "role", json_object_get(step, "role"), "quorum",
                            (json_int_t)(q ? json_integer_value(q) : 1), "deadline",
                            (json_int_t)(w->now + ms), "on_timeout", ot ? ot : "deny", "reason",
                            reason, "step", json_string_value(json_object_get(step, "id"))));
        json_object_set_new(n, "deadline", json_integer(w->now + ms));
        json_object_set_new(n, "on_timeout", json_string(ot ? ot : "deny"));
        effect(w, json_pack("{s:s, s:s, s:I}", "kind", "timer", "path", path, "at",
                            (json_int_t)(w->now + ms)));
        set_s(n, "wait");
        timeline(w, step, path, "awaiting approval", NULL);
        return 0;
    }
    if (strcmp(type, "openc2") == 0) {
        json_t *items;
        if (json_object_get(step, "foreach")) {
            json_t *all = eval(w, pb, json_object_get(step, "foreach"), n);
            if (!all)
                return 0;
            items = json_array();
            size_t i, j;
            json_t *v, *u;
            json_array_foreach(all, i, v)
            {
                bool dup = false;
                json_array_foreach(items, j, u) dup = dup || json_equal(v, u);
                if (!dup)
                    json_array_append(items, v);
            }
            json_decref(all);
        } else {
            items = json_pack("[n]");
        }
        size_t k;
        json_t *item, *saved = json_incref(json_object_get(w->ctx, "item"));
        json_t *cmds = json_array();
        json_array_foreach(items, k, item)
        {
            json_object_set(w->ctx, "item", item);
            json_t *cmd = render(w, pb, json_object_get(step, "command"), n);
            json_t *site = cmd && json_object_get(step, "site")
                               ? render(w, pb, json_object_get(step, "site"), n)
                               : json_null();
            if (!cmd || !site) {
                json_decref(cmd);
                json_decref(site);
                json_decref(cmds);
                cmds = NULL;
                break;
            }
            json_array_append_new(cmds, json_pack("{s:o, s:o}", "command", cmd, "site", site));
        }
        json_object_set_new(w->ctx, "item", saved ? saved : json_null());
        json_decref(items);
        if (!cmds)
            return 0;
        if (json_array_size(cmds) == 0) {
            json_decref(cmds);
            finish(w, step, n, path, json_array());
            return 0;
        }
        json_t *c;
        json_array_foreach(cmds, k, c)
        {
            effect(w,
                   json_pack("{s:s, s:s, s:I, s:I, s:O, s:O, s:b, s:s}", "kind", "command", "path",
                             path, "index", (json_int_t)k, "attempt",
                             json_integer_value(json_object_get(n, "attempt")), "site",
                             json_object_get(c, "site"), "command", json_object_get(c, "command"),
                             "critical", json_is_true(json_object_get(step, "critical")), "step",
                             json_string_value(json_object_get(step, "id"))));
        }
        json_object_set_new(n, "pending", json_integer((json_int_t)json_array_size(cmds)));
        json_object_set_new(n, "results", json_array());
        json_object_set_new(n, "multi", json_boolean(json_object_get(step, "foreach") != NULL));
        json_decref(cmds);
        set_s(n, "wait");
        arm_timeout(w, step, n, path);
        return 0;
    }
    if (strcmp(type, "enrich") == 0 || strcmp(type, "action") == 0) {
        const char *what = type[0] == 'e' ? "analyzer" : "responder";
        json_t *input = json_object_get(step, "input")
                            ? render(w, pb, json_object_get(step, "input"), n)
                            : json_pack("{s:O}", "event", json_object_get(w->ctx, "event"));
        json_t *site = input && json_object_get(step, "site")
                           ? render(w, pb, json_object_get(step, "site"), n)
                           : json_null();
        if (!input || !site) {
            json_decref(input);
            json_decref(site);
            return 0;
        }
        effect(w, json_pack("{s:s, s:s, s:s, s:O, s:o, s:o, s:I, s:s}", "kind", "request", "path",
                            path, "type", type, "name", json_object_get(step, what), "site", site,
                            "input", input, "attempt",
                            json_integer_value(json_object_get(n, "attempt")), "step",
                            json_string_value(json_object_get(step, "id"))));
        json_object_set_new(n, "pending", json_integer(1));
        json_object_set_new(n, "results", json_array());
        set_s(n, "wait");
        arm_timeout(w, step, n, path);
        return 0;
    }
    return fail_node(n, "unknown step type %s", type);
}

/* A failed node: retry with backoff, or take its on_error path. */
static int on_failure(walk_t *w, const json_t *step, json_t *n, const char *path)
{
    const json_t *retry = json_object_get(step, "retry");
    json_int_t attempt = json_integer_value(json_object_get(n, "attempt"));
    bool denied = json_is_true(json_object_get(n, "denied"));
    if (retry && !denied && attempt <= json_integer_value(json_object_get(retry, "max"))) {
        int64_t backoff = 1000;
        playbook_duration_ms(json_object_get(retry, "backoff"), &backoff);
        double factor = json_object_get(retry, "factor")
                            ? json_number_value(json_object_get(retry, "factor"))
                            : 2.0;
        int64_t delay = (int64_t)((double)backoff * pow(factor, (double)(attempt - 1)));
        json_object_set_new(n, "retry_at", json_integer(w->now + delay));
        effect(w, json_pack("{s:s, s:s, s:I}", "kind", "timer", "path", path, "at",
                            (json_int_t)(w->now + delay)));
        timeline(w, step, path, "retry scheduled",
                 json_pack("{s:O, s:I, s:I}", "error", json_object_get(n, "error"), "attempt",
                           attempt + 1, "in_ms", (json_int_t)delay));
        set_s(n, "retry");
        return BLOCKED;
    }
    const json_t *on_error = json_object_get(step, "on_error");
    timeline(w, step, path, "failed", json_pack("{s:O}", "error", json_object_get(n, "error")));
    if (json_is_string(on_error) && strcmp(json_string_value(on_error), "continue") == 0) {
        finish(w, step, n, path, json_pack("{s:O}", "error", json_object_get(n, "error")));
        return DONE;
    }
    if (json_is_array(on_error)) {
        set_s(n, "handling");
        return BLOCKED; /* the caller walks the handler next */
    }
    if (!json_object_get(w->run, "error")) {
        char text[700];
        snprintf(text, sizeof text, "step %s: %s", json_string_value(json_object_get(step, "id")),
                 json_string_value(json_object_get(n, "error")));
        json_object_set_new(w->run, "error", json_string(text));
        if (denied)
            json_object_set_new(w->run, "denied", json_true());
    }
    return FAILED;
}

static int walk_container(walk_t *w, const playbook_t *pb, const json_t *step, json_t *n,
                          const char *path)
{
    const char *type = json_string_value(json_object_get(step, "type"));
    char sub[512];
    int rc = DONE;
    if (strcmp(type, "condition") == 0) {
        const char *branch = json_string_value(json_object_get(n, "branch"));
        const json_t *steps = json_object_get(step, branch);
        if (snprintf(sub, sizeof sub, "%s/%s", path, branch) >= (int)sizeof sub)
            return fail_node(n, "step nesting too deep"), FAILED;
        rc = steps ? walk_seq(w, pb, steps, sub) : DONE;
        if (rc == DONE)
            finish(w, step, n, path, json_string(branch));
    } else if (strcmp(type, "foreach") == 0) {
        json_t *items = json_object_get(n, "items");
        json_t *saved = json_incref(json_object_get(w->ctx, "item"));
        json_t *each = json_object_get(w->ctx, "each");
        const char *id = json_string_value(json_object_get(step, "id"));
        size_t i = (size_t)json_integer_value(json_object_get(n, "i"));
        for (; i < json_array_size(items); i++) {
            json_object_set(w->ctx, "item", json_array_get(items, i));
            /* Nested loops: .each.ID is this loop's item, whatever .item is. */
            json_object_set(each, id, json_array_get(items, i));
            if (snprintf(sub, sizeof sub, "%s/%zu", path, i) >= (int)sizeof sub)
                return fail_node(n, "step nesting too deep"), FAILED;
            rc = walk_seq(w, pb, json_object_get(step, "steps"), sub);
            if (rc != DONE)
                break;
            json_object_set_new(n, "i", json_integer((json_int_t)i + 1));
        }
        json_object_set_new(w->ctx, "item", saved ? saved : json_null());
        json_object_del(each, id);
        if (rc == DONE)
            finish(w, step, n, path, json_incref(items));
    } else if (strcmp(type, "parallel") == 0) {
        size_t b;
        json_t *branch;
        json_array_foreach(json_object_get(step, "branches"), b, branch)
        {
            if (snprintf(sub, sizeof sub, "%s/b%zu", path, b) >= (int)sizeof sub)
                return fail_node(n, "step nesting too deep"), FAILED;
            int r = walk_seq(w, pb, branch, sub);
            if (r == FAILED)
                return FAILED;
            if (r == BLOCKED)
                rc = BLOCKED;
        }
        if (rc == DONE)
            finish(w, step, n, path, NULL);
    } else if (strcmp(type, "playbook") == 0) {
        const char *name = json_string_value(json_object_get(step, "name"));
        const playbook_t *subpb = w->lookup ? w->lookup(w->lookup_arg, name) : NULL;
        if (!subpb || w->depth > 8) {
            if (subpb)
                fail_node(n, "sub-playbooks nested deeper than 8 (at %s)", name);
            else
                fail_node(n, "no playbook named %s is loaded", name);
            return on_failure(w, step, n, path);
        }
        if (snprintf(sub, sizeof sub, "%s/sub", path) >= (int)sizeof sub)
            return fail_node(n, "step nesting too deep"), FAILED;
        w->depth++;
        rc = walk_seq(w, subpb, json_object_get(playbook_doc(subpb), "steps"), sub);
        w->depth--;
        if (rc == DONE)
            finish(w, step, n, path, NULL);
    }
    return rc;
}

static int walk_step(walk_t *w, const playbook_t *pb, const json_t *step, const char *path)
{
    json_t *n = node_get(w, path);
    if (!n) {
        n = node_new(w, path);
        start_step(w, pb, step, n, path);
    }
    const char *s = node_s(n);
    if (strcmp(s, "") == 0) { /* restarted after a retry delay */
        start_step(w, pb, step, n, path);
        s = node_s(n);
    }
    if (strcmp(s, "done") == 0) {
        if (!json_is_true(json_object_get(n, "recorded")))
            record(w, step, n, path);
        return DONE;
    }
    if (strcmp(s, "wait") == 0 || strcmp(s, "retry") == 0)
        return BLOCKED;
    if (strcmp(s, "run") == 0) {
        int rc = walk_container(w, pb, step, n, path);
        if (rc != FAILED)
            return rc;
        s = node_s(n);
        if (strcmp(s, "failed") != 0)
            return FAILED; /* a child failed: the failure is already the run's */
    }
    if (strcmp(s, "failed") == 0) {
        int rc = on_failure(w, step, n, path);
        if (rc != BLOCKED || strcmp(node_s(n), "handling") != 0)
            return rc;
    }
    if (strcmp(node_s(n), "handling") == 0) {
        char sub[512];
        if (snprintf(sub, sizeof sub, "%s/err", path) >= (int)sizeof sub)
            return fail_node(n, "step nesting too deep"), FAILED;
        int rc = walk_seq(w, pb, json_object_get(step, "on_error"), sub);
        if (rc == DONE)
            finish(w, step, n, path, json_pack("{s:O}", "error", json_object_get(n, "error")));
        return rc;
    }
    return BLOCKED;
}

static int walk_seq(walk_t *w, const playbook_t *pb, const json_t *steps, const char *prefix)
{
    size_t i;
    json_t *step;
    json_array_foreach(steps, i, step)
    {
        char path[512];
        if (snprintf(path, sizeof path, "%s%s%zu", prefix ? prefix : "", prefix ? "/" : "", i) >=
            (int)sizeof path)
            return FAILED;
        int rc = walk_step(w, pb, step, path);
        if (rc != DONE)
            return rc;
    }
    return DONE;
}

int playbook_advance(const playbook_t *pb, json_t *run, const json_t *context, int64_t now,
                     playbook_lookup_fn *lookup, void *lookup_arg, json_t *effects, fs_err_t *e)
{
    if (!json_object_get(run, "nodes"))
        json_object_set_new(run, "nodes", json_object());
    if (!json_object_get(run, "steps"))
        json_object_set_new(run, "steps", json_object());
    walk_t w = {
        run, json_object_get(run, "nodes"), json_object(), effects, now, lookup, lookup_arg, e, 0};
    json_object_set(w.ctx, "event", json_object_get(context, "event"));
    json_object_set(w.ctx, "case", json_object_get(context, "case"));
    json_t *sites = json_object_get(context, "sites");
    json_object_set_new(w.ctx, "sites", sites ? json_incref(sites) : json_array());
    json_object_set(w.ctx, "steps", json_object_get(run, "steps"));
    json_object_set_new(w.ctx, "run", json_pack("{s:O?}", "id", json_object_get(run, "id")));
    json_object_set_new(w.ctx, "item", json_null());
    json_object_set_new(w.ctx, "each", json_object());
    /* The case's people and each one's accounts at every site, from the
       identity crosswalk (.persons[].accounts[]: {site, account, source}). */
    json_t *persons = json_object_get(context, "persons");
    json_object_set_new(w.ctx, "persons", persons ? json_incref(persons) : json_array());
    /* The broker's console link base, when it serves one (templates: .console.url). */
    if (json_object_get(context, "console"))
        json_object_set(w.ctx, "console", json_object_get(context, "console"));
    int rc = walk_seq(&w, pb, json_object_get(playbook_doc(pb), "steps"), NULL);
    json_decref(w.ctx);
    const char *status = rc == DONE                                     ? "completed"
                         : rc == BLOCKED                                ? "waiting"
                         : json_is_true(json_object_get(run, "denied")) ? "denied"
                                                                        : "failed";
    json_object_set_new(run, "status", json_string(status));
    if (rc != BLOCKED && !json_object_get(run, "finished"))
        json_object_set_new(run, "finished", json_integer(now));
    return rc;
}

int playbook_deliver(json_t *run, const char *path, int index, const char *outcome,
                     const json_t *value, int64_t now)
{
    json_t *n = json_object_get(json_object_get(run, "nodes"), path);
    const char *s = node_s(n);
    if (strcmp(outcome, "timer") == 0) {
        if (strcmp(s, "retry") == 0 && now >= json_integer_value(json_object_get(n, "retry_at"))) {
            /* A new attempt is a new execution: forget the last one's outcome. */
            static const char *const per_attempt[] = {"s",       "results",  "errors",  "error",
                                                      "pending", "deadline", "retry_at"};
            for (size_t i = 0; i < sizeof per_attempt / sizeof *per_attempt; i++)
                json_object_del(n, per_attempt[i]);
            json_object_set_new(
                n, "attempt", json_integer(json_integer_value(json_object_get(n, "attempt")) + 1));
            return 0;
        }
        if (strcmp(s, "wait") != 0)
            return 1;
        if (json_object_get(n, "wake") && now >= json_integer_value(json_object_get(n, "wake"))) {
            set_s(n, "done");
            json_object_set_new(n, "result", json_pack("{s:I}", "waited_until", (json_int_t)now));
            return 0;
        }
        json_t *deadline = json_object_get(n, "deadline");
        if (!deadline || now < json_integer_value(deadline))
            return 1;
        const char *ot = json_string_value(json_object_get(n, "on_timeout"));
        if (ot && strcmp(ot, "approve") == 0) {
            set_s(n, "done");
            json_object_set_new(n, "result", json_pack("{s:s}", "decision", "approved (timeout)"));
        } else if (ot && strcmp(ot, "deny") == 0) {
            fail_node(n, "approval timed out: denied");
            json_object_set_new(n, "denied", json_true());
        } else {
            fail_node(n, "timed out");
        }
        return 0;
    }
    if (strcmp(s, "wait") != 0)
        return 1;
    if (strcmp(outcome, "approved") == 0 || strcmp(outcome, "denied") == 0) {
        if (outcome[0] == 'a') {
            set_s(n, "done");
            json_object_set(n, "result", value ? (json_t *)value : json_null());
        } else {
            fail_node(n, "denied");
            json_object_set_new(n, "denied", json_true());
            json_object_set(n, "result", value ? (json_t *)value : json_null());
        }
        return 0;
    }
    /* A command or request result. */
    json_t *results = json_object_get(n, "results");
    if (!results)
        json_object_set_new(n, "results", results = json_array());
    while (json_array_size(results) <= (size_t)index)
        json_array_append_new(results, json_null());
    if (!json_is_null(json_array_get(results, (size_t)index)))
        return 1; /* already delivered */
    json_array_set(results, (size_t)index, value ? (json_t *)value : json_null());
    if (strcmp(outcome, "error") == 0)
        json_object_set_new(n, "errors",
                            json_integer(json_integer_value(json_object_get(n, "errors")) + 1));
    json_int_t pending = json_integer_value(json_object_get(n, "pending")) - 1;
    json_object_set_new(n, "pending", json_integer(pending > 0 ? pending : 0));
    if (pending > 0)
        return 0;
    if (json_integer_value(json_object_get(n, "errors")) > 0) {
        char text[300];
        json_t *first_err = NULL;
        size_t i;
        json_t *r;
        json_array_foreach(results, i, r) if (!first_err && json_is_object(r) &&
                                              json_object_get(r, "status_text")) first_err = r;
        snprintf(text, sizeof text, "%lld of %zu failed%s%s",
                 (long long)json_integer_value(json_object_get(n, "errors")),
                 json_array_size(results), first_err ? ": " : "",
                 first_err ? json_string_value(json_object_get(first_err, "status_text")) : "");
        fail_node(n, "%s", text);
        return 0;
    }
    set_s(n, "done");
    json_t *result = json_is_true(json_object_get(n, "multi"))
                         ? json_incref(results)
                         : json_incref(json_array_get(results, 0));
    json_object_set_new(n, "result", result);
    return 0;
}

const char *playbook_node_state(const json_t *run, const char *path)
{
    return node_s(json_object_get(json_object_get(run, "nodes"), path));
}
