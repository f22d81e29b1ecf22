/*  playbook.c — parse and validate a playbook (the whole step language of
    docs/playbooks.md), compile every jq expression once, match triggers.
    Running steps is engine.c. */
#include "template.h"

#include <stdlib.h>
#include <string.h>

/* The largest playbook, measured as compact JSON (docs/cli.md "Input size
   limits"; fedsoarctl refuses a bigger file before parsing it). Every path
   into the broker goes through playbook_parse: the playbook directory, a
   submitted version, a stored version. */
#define PLAYBOOK_MAX_BYTES (1024u * 1024u)

struct playbook {
    char name[65];
    char version[65];
    json_t *doc;     /* the validated document */
    json_t *classes; /* array of class_uid, empty = any */
    json_t *sources; /* array of strings or NULL */
    json_t *sites;   /* array of strings or NULL */
    fs_jq_t *filter;
    template_exprs_t *exprs; /* every jq program and template in the steps */
};

typedef struct {
    playbook_t *pb;
    json_t *ids;          /* step ids seen: unique across all nesting */
    fs_jq_group_t *group; /* every jq program of the playbook, compiled once at the end */
    fs_err_t *e;
} parse_ctx_t;

/* Every key of obj must be in `common` or `own` (NULL-terminated lists). */
static int only_keys(const json_t *obj, const char *const *common, const char *const *own,
                     const char *where, fs_err_t *e)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        bool ok = false;
        for (const char *const *a = common; a && *a; a++)
            ok = ok || strcmp(*a, k) == 0;
        for (const char *const *a = own; a && *a; a++)
            ok = ok || strcmp(*a, k) == 0;
        if (!ok)
            return fs_err_set(e, "%s.%s: unknown field", where, k);
    }
    return 0;
}

int playbook_duration_ms(const json_t *v, int64_t *ms)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *ms = json_integer_value(v) * 1000;
        return 0;
    }
    const char *s = json_string_value(v);
    if (!s || !*s)
        return -1;
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end == s || n < 0)
        return -1;
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (strcmp(end, units[i].unit) == 0) {
            *ms = (int64_t)n * units[i].ms;
            return 0;
        }
    return -1;
}

static int need_duration(const json_t *s, const char *key, bool required, const char *where,
                         fs_err_t *e)
{
    json_t *v = json_object_get(s, key);
    int64_t ms;
    if (!v)
        return required ? fs_err_set(e, "%s.%s: required (a duration: 30, \"30s\", \"5m\", \"2h\")",
                                     where, key)
                        : 0;
    if (playbook_duration_ms(v, &ms) != 0)
        return fs_err_set(
            e, "%s.%s: not a duration (seconds, or \"500ms\", \"30s\", \"5m\", \"2h\", \"1d\")",
            where, key);
    return 0;
}

static int compile_template(parse_ctx_t *c, const json_t *tmpl, const char *where)
{
    return template_compile(tmpl, &c->pb->exprs, c->group, where, c->e);
}

/* A bare jq program (not a {{ }} template). */
static int compile_program(parse_ctx_t *c, const json_t *s, const char *key, bool required,
                           const char *where)
{
    json_t *v = json_object_get(s, key);
    if (!v)
        return required ? fs_err_set(c->e, "%s.%s: required jq program", where, key) : 0;
    if (!json_is_string(v))
        return fs_err_set(c->e, "%s.%s: must be a jq program (string)", where, key);
    char at[600];
    snprintf(at, sizeof at, "%s.%s", where, key);
    template_add_program(&c->pb->exprs, c->group, json_string_value(v), at);
    return 0;
}

static int parse_steps(parse_ctx_t *c, const json_t *steps, const char *where, bool allow_empty);

/* Builds the JSON path of a nested field into `sub`; paths are bounded, so
   absurdly deep nesting is an error rather than a truncated message. */
#define SUBPATH(...)                                                                               \
    do {                                                                                           \
        if (snprintf(sub, sizeof sub, __VA_ARGS__) >= (int)sizeof sub)                             \
            return fs_err_set(c->e, "%s: nested too deeply", where);                               \
    } while (0)

static int parse_step(parse_ctx_t *c, const json_t *s, const char *where)
{
    static const char *const common[] = {"id",    "type",     "title", "timeout",
                                         "retry", "on_error", NULL};
    fs_err_t *e = c->e;
    char sub[512];
    if (!json_is_object(s))
        return fs_err_set(e, "%s: a step is a JSON object", where);
    const char *id = json_string_value(json_object_get(s, "id"));
    const char *type = json_string_value(json_object_get(s, "type"));
    if (!id || !fs_is_name(id, 24))
        return fs_err_set(e, "%s.id: required, 1-24 of [a-z0-9_-]", where);
    if (json_object_get(c->ids, id))
        return fs_err_set(e, "%s.id: \"%s\" is used by another step", where, id);
    json_object_set_new(c->ids, id, json_true());
    if (!type)
        return fs_err_set(e, "%s.type: required", where);
    if (need_duration(s, "timeout", false, where, e) != 0)
        return -1;
    const json_t *retry = json_object_get(s, "retry");
    if (retry) {
        static const char *const rkeys[] = {"max", "backoff", "factor", NULL};
        SUBPATH("%s.retry", where);
        json_t *max = json_object_get(retry, "max"), *factor = json_object_get(retry, "factor");
        if (!json_is_object(retry) || only_keys(retry, rkeys, NULL, sub, e) != 0)
            return json_is_object(retry) ? -1 : fs_err_set(e, "%s: must be an object", sub);
        if (!json_is_integer(max) || json_integer_value(max) < 1 || json_integer_value(max) > 100)
            return fs_err_set(e, "%s.max: required, 1-100 attempts after the first", sub);
        if (need_duration(retry, "backoff", false, sub, e) != 0)
            return -1;
        if (factor && (!json_is_number(factor) || json_number_value(factor) < 1 ||
                       json_number_value(factor) > 10))
            return fs_err_set(e, "%s.factor: a number from 1 to 10", sub);
    }
    const json_t *on_error = json_object_get(s, "on_error");
    if (on_error) {
        SUBPATH("%s.on_error", where);
        if (json_is_array(on_error)) {
            if (parse_steps(c, on_error, sub, false) != 0)
                return -1;
        } else if (!json_is_string(on_error) ||
                   (strcmp(json_string_value(on_error), "fail") != 0 &&
                    strcmp(json_string_value(on_error), "continue") != 0)) {
            return fs_err_set(e, "%s: \"fail\", \"continue\" or an array of steps", sub);
        }
    }

    if (strcmp(type, "set") == 0) {
        static const char *const own[] = {"case", NULL};
        if (only_keys(s, common, own, where, e) != 0)
            return -1;
        const json_t *fields = json_object_get(s, "case");
        if (!json_is_object(fields) || json_object_size(fields) == 0)
            return fs_err_set(e,
                              "%s.case: required object of case fields (status, severity_id, "
                              "assignee, note)",
                              where);
        static const char *const fkeys[] = {"status", "severity_id", "assignee", "note", NULL};
        SUBPATH("%s.case", where);
        if (only_keys(fields, fkeys, NULL, sub, e) != 0)
            return -1;
        return compile_template(c, fields, sub);
    }
    if (strcmp(type, "condition") == 0) {
        static const char *const own[] = {"if", "then", "else", NULL};
        if (only_keys(s, common, own, where, e) != 0 ||
            compile_program(c, s, "if", true, where) != 0)
            return -1;
        const json_t *then = json_object_get(s, "then"), *els = json_object_get(s, "else");
        if (!then && !els)
            return fs_err_set(e, "%s: needs \"then\" or \"else\" steps", where);
        SUBPATH("%s.then", where);
        if (then && parse_steps(c, then, sub, true) != 0)
            return -1;
        SUBPATH("%s.else", where);
        return els ? parse_steps(c, els, sub, true) : 0;
    }
    if (strcmp(type, "openc2") == 0) {
        static const char *const own[] = {"command", "site", "foreach", "critical", NULL};
        if (only_keys(s, common, own, where, e) != 0)
            return -1;
        const json_t *cmd = json_object_get(s, "command");
        if (!json_is_object(cmd) || !json_object_get(cmd, "action") ||
            !json_object_get(cmd, "target"))
            return fs_err_set(e, "%s.command: required OpenC2 command with action and target",
                              where);
        SUBPATH("%s.command", where);
        if (compile_template(c, cmd, sub) != 0 || playbook_check_openc2(cmd, sub, e) != 0)
            return -1;
        const json_t *site = json_object_get(s, "site");
        if (site && !json_is_string(site))
            return fs_err_set(e, "%s.site: a site name or a template", where);
        SUBPATH("%s.site", where);
        if (site && compile_template(c, site, sub) != 0)
            return -1;
        const json_t *crit = json_object_get(s, "critical");
        if (crit && !json_is_boolean(crit))
            return fs_err_set(e, "%s.critical: true or false", where);
        return compile_program(c, s, "foreach", false, where);
    }
    if (strcmp(type, "approval") == 0) {
        static const char *const own[] = {"role", "quorum", "on_timeout", "reason", NULL};
        if (only_keys(s, common, own, where, e) != 0)
            return -1;
        const char *role = json_string_value(json_object_get(s, "role"));
        if (!role || !fs_is_name(role, 32))
            return fs_err_set(e, "%s.role: required (the operator role that may decide)", where);
        const json_t *q = json_object_get(s, "quorum");
        if (q && (!json_is_integer(q) || json_integer_value(q) < 1 || json_integer_value(q) > 16))
            return fs_err_set(e, "%s.quorum: 1-16 distinct approvers", where);
        if (need_duration(s, "timeout", true, where, e) != 0)
            return -1;
        const char *ot = json_string_value(json_object_get(s, "on_timeout"));
        if (json_object_get(s, "on_timeout") &&
            (!ot ||
             (strcmp(ot, "deny") != 0 && strcmp(ot, "approve") != 0 && strcmp(ot, "fail") != 0)))
            return fs_err_set(e, "%s.on_timeout: \"deny\" (default), \"approve\" or \"fail\"",
                              where);
        const json_t *reason = json_object_get(s, "reason");
        SUBPATH("%s.reason", where);
        if (reason && (!json_is_string(reason) || compile_template(c, reason, sub) != 0))
            return json_is_string(reason) ? -1 : fs_err_set(e, "%s: a text template", sub);
        return 0;
    }
    if (strcmp(type, "wait") == 0) {
        static const char *const own[] = {"duration", NULL};
        if (only_keys(s, common, own, where, e) != 0)
            return -1;
        return need_duration(s, "duration", true, where, e);
    }
    if (strcmp(type, "foreach") == 0) {
        static const char *const own[] = {"items", "steps", NULL};
        if (only_keys(s, common, own, where, e) != 0 ||
            compile_program(c, s, "items", true, where) != 0)
            return -1;
        SUBPATH("%s.steps", where);
        return parse_steps(c, json_object_get(s, "steps"), sub, false);
    }
    if (strcmp(type, "parallel") == 0) {
        static const char *const own[] = {"branches", NULL};
        if (only_keys(s, common, own, where, e) != 0)
            return -1;
        const json_t *br = json_object_get(s, "branches");
        if (!json_is_array(br) || json_array_size(br) < 1 || json_array_size(br) > 16)
            return fs_err_set(e, "%s.branches: 1-16 arrays of steps", where);
        size_t i;
        json_t *b;
        json_array_foreach(br, i, b)
        {
            SUBPATH("%s.branches[%zu]", where, i);
            if (parse_steps(c, b, sub, false) != 0)
                return -1;
        }
        return 0;
    }
    if (strcmp(type, "playbook") == 0) {
        static const char *const own[] = {"name", NULL};
        if (only_keys(s, common, own, where, e) != 0)
            return -1;
        const char *name = json_string_value(json_object_get(s, "name"));
        if (!name || !fs_is_name(name, 64))
            return fs_err_set(e, "%s.name: required, the sub-playbook's name", where);
        if (strcmp(name, c->pb->name) == 0)
            return fs_err_set(e, "%s.name: a playbook cannot call itself", where);
        return 0;
    }
    if (strcmp(type, "enrich") == 0 || strcmp(type, "action") == 0) {
        const char *what = type[0] == 'e' ? "analyzer" : "responder";
        const char *own[] = {"site", what, "input", NULL};
        if (only_keys(s, common, own, where, e) != 0)
            return -1;
        const char *name = json_string_value(json_object_get(s, what));
        if (!name || !*name)
            return fs_err_set(e, "%s.%s: required (the %s's name at the site)", where, what, what);
        const json_t *site = json_object_get(s, "site"), *input = json_object_get(s, "input");
        if (site && !json_is_string(site))
            return fs_err_set(e, "%s.site: a site name or a template", where);
        SUBPATH("%s.site", where);
        if (site && compile_template(c, site, sub) != 0)
            return -1;
        SUBPATH("%s.input", where);
        return input ? compile_template(c, input, sub) : 0;
    }
    return fs_err_set(e,
                      "%s.type: unknown step type \"%s\" (set, condition, openc2, approval, "
                      "wait, foreach, parallel, playbook, enrich, action)",
                      where, type);
}

static int parse_steps(parse_ctx_t *c, const json_t *steps, const char *where, bool allow_empty)
{
    if (!json_is_array(steps) || (!allow_empty && json_array_size(steps) == 0))
        return fs_err_set(c->e, "%s: required, a%s array of steps", where,
                          allow_empty ? "n" : " non-empty");
    if (json_array_size(steps) > 256)
        return fs_err_set(c->e, "%s: at most 256 steps", where);
    size_t i;
    json_t *s;
    char sub[512];
    json_array_foreach(steps, i, s)
    {
        SUBPATH("%s[%zu]", where, i);
        if (parse_step(c, s, sub) != 0)
            return -1;
    }
    return 0;
}

/* A critical OpenC2 step must come after an approval gate: an approval
   step earlier in the same step list or in an enclosing one (an approval
   inside a branch that ended does not count). The site refuses a critical
   command without the approvers' signatures (docs/governance.md). */
static int check_critical(const json_t *steps, bool gated, const char *where, fs_err_t *e)
{
    size_t i;
    json_t *s;
    char sub[512];
    json_array_foreach(steps, i, s)
    {
        const char *type = json_string_value(json_object_get(s, "type"));
        if (snprintf(sub, sizeof sub, "%s[%zu]", where, i) >= (int)sizeof sub)
            return fs_err_set(e, "%s: nested too deeply", where);
        if (strcmp(type, "openc2") == 0 && json_is_true(json_object_get(s, "critical")) && !gated)
            return fs_err_set(
                e,
                "%s: a critical command needs an approval step before it (in the same "
                "list or an enclosing one): its site refuses it without the approvers' "
                "signatures",
                sub);
        static const char *const lists[] = {"then", "else", "steps", "on_error"};
        for (size_t k = 0; k < sizeof lists / sizeof *lists; k++) {
            const json_t *inner = json_object_get(s, lists[k]);
            char sub2[600];
            if (json_is_array(inner) &&
                snprintf(sub2, sizeof sub2, "%s.%s", sub, lists[k]) < (int)sizeof sub2 &&
                check_critical(inner, gated, sub2, e) != 0)
                return -1;
        }
        size_t j;
        json_t *br;
        json_array_foreach(json_object_get(s, "branches"), j, br)
        {
            char sub2[600];
            if (snprintf(sub2, sizeof sub2, "%s.branches[%zu]", sub, j) < (int)sizeof sub2 &&
                check_critical(br, gated, sub2, e) != 0)
                return -1;
        }
        if (strcmp(type, "approval") == 0)
            gated = true;
    }
    return 0;
}

static json_t *string_array(const json_t *v, const char *where, fs_err_t *e, int *bad)
{
    if (!v)
        return NULL;
    size_t i;
    json_t *s;
    if (!json_is_array(v)) {
        *bad = fs_err_set(e, "%s: must be an array of strings", where);
        return NULL;
    }
    json_array_foreach(v, i, s) if (!json_is_string(s))
    {
        *bad = fs_err_set(e, "%s[%zu]: must be a string", where, i);
        return NULL;
    }
    return json_incref((json_t *)v);
}

static int parse_trigger(playbook_t *pb, fs_jq_group_t *group, const json_t *t, fs_err_t *e)
{
    static const char *const keys[] = {"class_uid", "sources", "sites", "filter", NULL};
    if (!json_is_object(t))
        return fs_err_set(e, "$.trigger: must be an object");
    if (only_keys(t, keys, NULL, "$.trigger", e) != 0)
        return -1;
    const json_t *cls = json_object_get(t, "class_uid");
    pb->classes = json_array();
    if (json_is_integer(cls)) {
        json_array_append(pb->classes, (json_t *)cls);
    } else if (json_is_array(cls)) {
        size_t i;
        json_t *c;
        json_array_foreach(cls, i, c)
        {
            if (!json_is_integer(c))
                return fs_err_set(e, "$.trigger.class_uid[%zu]: must be an integer", i);
            json_array_append(pb->classes, c);
        }
    } else if (cls) {
        return fs_err_set(e, "$.trigger.class_uid: must be an integer or an array of them");
    }
    int bad = 0;
    pb->sources = string_array(json_object_get(t, "sources"), "$.trigger.sources", e, &bad);
    pb->sites = bad ? NULL : string_array(json_object_get(t, "sites"), "$.trigger.sites", e, &bad);
    if (bad)
        return -1;
    const json_t *filter = json_object_get(t, "filter");
    if (filter) {
        if (!json_is_string(filter))
            return fs_err_set(e, "$.trigger.filter: must be a jq program (string)");
        pb->filter = fs_jq_group_add(group, json_string_value(filter), "$.trigger.filter");
    }
    return 0;
}

playbook_t *playbook_parse(const json_t *doc, const char *origin, fs_err_t *e)
{
    static const char *const keys[] = {"name", "title", "description", "trigger", "steps", NULL};
    fs_err_t inner = {0};
    playbook_t *pb = fs_xcalloc(1, sizeof *pb);
    parse_ctx_t c = {pb, json_object(), fs_jq_group_new(), &inner};
    const char *name = json_string_value(json_object_get(doc, "name"));
    int rc = -1;
    size_t size = json_is_object(doc) ? json_dumpb(doc, NULL, 0, JSON_COMPACT) : 0;
    if (!json_is_object(doc))
        fs_err_set(&inner, "$: a playbook is a JSON object");
    else if (size > PLAYBOOK_MAX_BYTES)
        fs_err_setc(&inner, PLAYBOOK_E_TOO_BIG,
                    "$: %zu bytes as compact JSON, over the %u-byte playbook limit", size,
                    PLAYBOOK_MAX_BYTES);
    else if (only_keys(doc, keys, NULL, "$", &inner) != 0)
        ;
    else if (!name || !fs_is_name(name, 64))
        fs_err_set(&inner, "$.name: required, 1-64 of [a-z0-9_-]");
    else if (!json_object_get(doc, "trigger"))
        fs_err_set(&inner, "$.trigger: required");
    else if (parse_trigger(pb, c.group, json_object_get(doc, "trigger"), &inner) != 0)
        ;
    else {
        snprintf(pb->name, sizeof pb->name, "%s", name);
        rc = parse_steps(&c, json_object_get(doc, "steps"), "$.steps", false);
        if (rc == 0)
            rc = check_critical(json_object_get(doc, "steps"), false, "$.steps", &inner);
    }
    /* Every jq program at once: libjq pays its start-up once (jq_program.h
       "groups"). Also after another error: a program added before it (the
       document order) that does not compile is the first error, as when
       each was compiled where it was read. */
    fs_err_t jq_e = {0};
    if (fs_jq_group_compile(c.group, &jq_e) != 0) {
        inner = jq_e;
        rc = -1;
    }
    fs_jq_group_destroy(&c.group);
    json_decref(c.ids);
    if (rc == 0) {
        pb->doc = json_deep_copy(doc);
        char *canon = fs_json_canonical(doc);
        fs_sha256_hex(canon, strlen(canon), pb->version);
        free(canon);
        return pb;
    }
    /* Codes: too big and openc2 as set; any other refusal is "invalid". */
    fs_err_setc(e,
                inner.code == PLAYBOOK_E_TOO_BIG || inner.code == PLAYBOOK_E_OPENC2
                    ? inner.code
                    : PLAYBOOK_E_INVALID,
                "%s: %s", origin ? origin : "playbook", inner.text);
    playbook_destroy(&pb);
    return NULL;
}

const char *playbook_strerror(int code)
{
    switch (code) {
    case PLAYBOOK_E_INVALID:
        return "invalid";
    case PLAYBOOK_E_OPENC2:
        return "openc2";
    case PLAYBOOK_E_TOO_BIG:
        return "too_big";
    case PLAYBOOK_E_DUPLICATE:
        return "duplicate";
    case GOVERNANCE_E_SIGNED:
        return "signed";
    default:
        return "unknown";
    }
}

void playbook_destroy(playbook_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    playbook_t *pb = *self_p;
    json_decref(pb->doc);
    json_decref(pb->classes);
    json_decref(pb->sources);
    json_decref(pb->sites);
    fs_jq_destroy(&pb->filter);
    template_exprs_destroy(&pb->exprs);
    free(pb);
    *self_p = NULL;
}

const char *playbook_name(const playbook_t *self)
{
    return self->name;
}

const char *playbook_version(const playbook_t *self)
{
    return self->version;
}

const json_t *playbook_doc(const playbook_t *self)
{
    return self->doc;
}

json_t *playbook_eval(const playbook_t *self, const char *program, const json_t *ctx, fs_err_t *e)
{
    return template_eval_program(self->exprs, program, ctx, e);
}

json_t *playbook_render(const playbook_t *self, const json_t *tmpl, const json_t *ctx, fs_err_t *e)
{
    return template_render(tmpl, self->exprs, ctx, e);
}

static bool in_strings(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (s && strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

bool playbook_wants_class(const playbook_t *self, json_int_t class_uid)
{
    if (json_array_size(self->classes) == 0)
        return true;
    size_t i;
    json_t *c;
    json_array_foreach(self->classes, i, c) if (json_integer_value(c) == class_uid) return true;
    return false;
}

bool playbook_matches(const playbook_t *self, const json_t *event, fs_err_t *e)
{
    if (json_array_size(self->classes)) {
        json_int_t cls = json_integer_value(json_object_get(event, "class_uid"));
        bool found = false;
        size_t i;
        json_t *c;
        json_array_foreach(self->classes, i, c) found = found || json_integer_value(c) == cls;
        if (!found)
            return false;
    }
    if (self->sources &&
        !in_strings(self->sources, json_string_value(json_object_get(event, "source"))))
        return false;
    if (self->sites && !in_strings(self->sites, json_string_value(json_object_get(event, "site"))))
        return false;
    return !self->filter || fs_jq_test(self->filter, event, e);
}
