/*  playbook.c — parse and validate a playbook, match its trigger, plan its
    steps (docs/playbooks.md). */
#include "template.h"

#include <stdlib.h>
#include <string.h>

typedef enum { STEP_OPENC2, STEP_SET } step_kind_t;

typedef struct {
    char id[17];
    step_kind_t kind;
    json_t *command;   /* openc2: template */
    json_t *site;      /* openc2: template, may be NULL */
    jqexpr_t *foreach; /* openc2: list of items, may be NULL */
    json_t *case_set;  /* set: template of case fields */
} step_t;

struct playbook {
    char name[65];
    char version[65];
    json_t *classes; /* array of class_uid, may be empty = any */
    json_t *sources; /* array of strings or NULL */
    json_t *sites;   /* array of strings or NULL */
    jqexpr_t *filter;
    step_t *steps;
    size_t step_count;  /* parsed */
    size_t step_alloc;  /* allocated (zeroed), freed in full */
    template_exprs_t *exprs;
};

/* Step types of the full language (issue #6) that this broker does not run yet. */
static const char *const planned_types[] = {"enrich", "action",   "approval", "condition",
                                            "parallel", "foreach", "wait",    "playbook"};

static bool valid_id(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return false;
    return true;
}

/* Every key of obj must be one of allowed (NULL-terminated). */
static int only_keys(const json_t *obj, const char *const *allowed, const char *where, fs_err_t *e)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok = ok || strcmp(*a, k) == 0;
        if (!ok)
            return fs_err_set(e, "%s.%s: unknown field", where, k);
    }
    return 0;
}

static json_t *string_array(const json_t *v, const char *where, fs_err_t *e)
{
    if (!v)
        return NULL;
    size_t i;
    json_t *s;
    if (!json_is_array(v)) {
        fs_err_set(e, "%s: must be an array of strings", where);
        return NULL;
    }
    json_array_foreach(v, i, s) if (!json_is_string(s))
    {
        fs_err_set(e, "%s[%zu]: must be a string", where, i);
        return NULL;
    }
    return json_incref((json_t *)v);
}

static int parse_trigger(playbook_t *pb, const json_t *t, fs_err_t *e)
{
    static const char *const keys[] = {"class_uid", "sources", "sites", "filter", NULL};
    if (!json_is_object(t))
        return fs_err_set(e, "$.trigger: must be an object");
    if (only_keys(t, keys, "$.trigger", e) != 0)
        return -1;
    const json_t *cls = json_object_get(t, "class_uid");
    pb->classes = json_array();
    if (json_is_integer(cls)) {
        json_array_append(pb->classes, (json_t *)cls);
    } else if (json_is_array(cls)) {
        size_t i;
        json_t *c;
        json_array_foreach(cls, i, c) {
            if (!json_is_integer(c))
                return fs_err_set(e, "$.trigger.class_uid[%zu]: must be an integer", i);
            json_array_append(pb->classes, c);
        }
    } else if (cls) {
        return fs_err_set(e, "$.trigger.class_uid: must be an integer or an array of them");
    }
    fs_err_t inner = {{0}};
    pb->sources = string_array(json_object_get(t, "sources"), "$.trigger.sources", &inner);
    if (!pb->sources && inner.text[0])
        return fs_err_set(e, "%s", inner.text);
    pb->sites = string_array(json_object_get(t, "sites"), "$.trigger.sites", &inner);
    if (!pb->sites && inner.text[0])
        return fs_err_set(e, "%s", inner.text);
    const json_t *filter = json_object_get(t, "filter");
    if (filter) {
        if (!json_is_string(filter))
            return fs_err_set(e, "$.trigger.filter: must be a jq program (string)");
        if (!(pb->filter = jqexpr_compile(json_string_value(filter), &inner)))
            return fs_err_set(e, "$.trigger.filter: %s", inner.text);
    }
    return 0;
}

static int parse_step(playbook_t *pb, step_t *st, const json_t *s, size_t i, fs_err_t *e)
{
    char where[64], sub[96];
    snprintf(where, sizeof where, "$.steps[%zu]", i);
    if (!json_is_object(s))
        return fs_err_set(e, "%s: must be an object", where);
    const char *id = json_string_value(json_object_get(s, "id"));
    const char *type = json_string_value(json_object_get(s, "type"));
    if (!id || !valid_id(id, 16))
        return fs_err_set(e, "%s.id: required, 1-16 of [a-z0-9_-]", where);
    for (size_t j = 0; j < i; j++)
        if (strcmp(pb->steps[j].id, id) == 0)
            return fs_err_set(e, "%s.id: \"%s\" is used by an earlier step", where, id);
    snprintf(st->id, sizeof st->id, "%s", id);
    if (!type)
        return fs_err_set(e, "%s.type: required", where);
    for (size_t j = 0; j < sizeof planned_types / sizeof *planned_types; j++)
        if (strcmp(type, planned_types[j]) == 0)
            return fs_err_set(e, "%s.type: \"%s\" steps are not supported by this broker yet "
                                 "(durable run engine, issue #6)", where, type);
    if (strcmp(type, "set") == 0) {
        static const char *const keys[] = {"id", "type", "case", NULL};
        if (only_keys(s, keys, where, e) != 0)
            return -1;
        st->kind = STEP_SET;
        st->case_set = json_object_get(s, "case");
        if (!json_is_object(st->case_set))
            return fs_err_set(e, "%s.case: required object of case fields", where);
        json_incref(st->case_set);
        snprintf(sub, sizeof sub, "%s.case", where);
        return template_compile(st->case_set, &pb->exprs, sub, e);
    }
    if (strcmp(type, "openc2") == 0) {
        static const char *const keys[] = {"id", "type", "command", "site", "foreach", NULL};
        if (only_keys(s, keys, where, e) != 0)
            return -1;
        st->kind = STEP_OPENC2;
        st->command = json_object_get(s, "command");
        if (!json_is_object(st->command) || !json_object_get(st->command, "action") ||
            !json_object_get(st->command, "target"))
            return fs_err_set(e, "%s.command: required OpenC2 command with action and target",
                              where);
        json_incref(st->command);
        snprintf(sub, sizeof sub, "%s.command", where);
        if (template_compile(st->command, &pb->exprs, sub, e) != 0)
            return -1;
        st->site = json_object_get(s, "site");
        if (st->site) {
            if (!json_is_string(st->site))
                return fs_err_set(e, "%s.site: must be a string (a site or a template)", where);
            json_incref(st->site);
            snprintf(sub, sizeof sub, "%s.site", where);
            if (template_compile(st->site, &pb->exprs, sub, e) != 0)
                return -1;
        }
        const json_t *fe = json_object_get(s, "foreach");
        if (fe) {
            fs_err_t inner = {{0}};
            if (!json_is_string(fe) || !(st->foreach = jqexpr_compile(json_string_value(fe), &inner)))
                return fs_err_set(e, "%s.foreach: %s", where,
                                  inner.text[0] ? inner.text : "must be a jq program");
        }
        return 0;
    }
    return fs_err_set(e, "%s.type: unknown step type \"%s\"", where, type);
}

playbook_t *playbook_parse(const json_t *doc, const char *origin, fs_err_t *e)
{
    static const char *const keys[] = {"name", "title", "description", "trigger", "steps", NULL};
    fs_err_t inner = {{0}};
    playbook_t *pb = calloc(1, sizeof *pb);
    const json_t *steps = json_object_get(doc, "steps");
    const char *name = json_string_value(json_object_get(doc, "name"));
    if (!json_is_object(doc)) {
        fs_err_set(&inner, "$: a playbook is a JSON object");
    } else if (only_keys(doc, keys, "$", &inner) != 0) {
    } else if (!name || !valid_id(name, 64)) {
        fs_err_set(&inner, "$.name: required, 1-64 of [a-z0-9_-]");
    } else if (!json_object_get(doc, "trigger")) {
        fs_err_set(&inner, "$.trigger: required");
    } else if (parse_trigger(pb, json_object_get(doc, "trigger"), &inner) != 0) {
    } else if (!json_is_array(steps) || json_array_size(steps) == 0) {
        fs_err_set(&inner, "$.steps: required, a non-empty array");
    } else {
        snprintf(pb->name, sizeof pb->name, "%s", name);
        pb->step_alloc = json_array_size(steps);
        pb->steps = calloc(pb->step_alloc, sizeof *pb->steps);
        size_t i;
        json_t *s;
        json_array_foreach(steps, i, s) {
            if (parse_step(pb, &pb->steps[i], s, i, &inner) != 0)
                break;
            pb->step_count++;
        }
        if (pb->step_count == json_array_size(steps)) {
            char *canon = fs_json_canonical(doc);
            fs_sha256_hex(canon, strlen(canon), pb->version);
            free(canon);
            return pb;
        }
    }
    fs_err_set(e, "%s: %s", origin ? origin : "playbook", inner.text);
    playbook_destroy(&pb);
    return NULL;
}

void playbook_destroy(playbook_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    playbook_t *pb = *self_p;
    for (size_t i = 0; i < pb->step_alloc; i++) {
        json_decref(pb->steps[i].command);
        json_decref(pb->steps[i].site);
        json_decref(pb->steps[i].case_set);
        jqexpr_destroy(&pb->steps[i].foreach);
    }
    free(pb->steps);
    json_decref(pb->classes);
    json_decref(pb->sources);
    json_decref(pb->sites);
    jqexpr_destroy(&pb->filter);
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

static bool in_strings(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (s && strcmp(json_string_value(v), s) == 0) return true;
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
    if (self->sources && !in_strings(self->sources, json_string_value(json_object_get(event, "source"))))
        return false;
    if (self->sites && !in_strings(self->sites, json_string_value(json_object_get(event, "site"))))
        return false;
    return !self->filter || jqexpr_test(self->filter, event, e);
}

static int plan_openc2(const playbook_t *self, const step_t *st, const json_t *context,
                       json_t *actions, fs_err_t *e)
{
    json_t *items;
    if (st->foreach) {
        json_t *all = jqexpr_eval(st->foreach, context, e);
        if (!all)
            return -1;
        /* The same target twice is one command. */
        items = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(all, i, v) {
            bool dup = false;
            size_t j;
            json_t *w;
            json_array_foreach(items, j, w) dup = dup || json_equal(v, w);
            if (!dup)
                json_array_append(items, v);
        }
        json_decref(all);
    } else {
        items = json_pack("[n]");
    }
    size_t i;
    json_t *item;
    int rc = 0;
    json_array_foreach(items, i, item) {
        json_t *ctx = json_deep_copy(context);
        json_object_set(ctx, "item", item);
        json_t *cmd = template_render(st->command, self->exprs, ctx, e);
        json_t *site = st->site ? template_render(st->site, self->exprs, ctx, e) : json_null();
        json_decref(ctx);
        if (!cmd || !site) {
            json_decref(cmd);
            json_decref(site);
            rc = -1;
            break;
        }
        json_array_append_new(actions, json_pack("{s:s, s:s, s:o, s:o}", "step", st->id, "type",
                                                 "openc2", "site", site, "command", cmd));
    }
    json_decref(items);
    return rc;
}

json_t *playbook_plan(const playbook_t *self, const json_t *context, fs_err_t *e)
{
    json_t *actions = json_array();
    for (size_t i = 0; i < self->step_count; i++) {
        const step_t *st = &self->steps[i];
        fs_err_t inner = {{0}};
        int rc = 0;
        if (st->kind == STEP_SET) {
            json_t *fields = template_render(st->case_set, self->exprs, context, &inner);
            if (fields)
                json_array_append_new(actions, json_pack("{s:s, s:s, s:o}", "step", st->id,
                                                         "type", "set", "case", fields));
            else
                rc = -1;
        } else {
            rc = plan_openc2(self, st, context, actions, &inner);
        }
        if (rc != 0) {
            fs_err_set(e, "%s: step %s: %s", self->name, st->id, inner.text);
            json_decref(actions);
            return NULL;
        }
    }
    return actions;
}
