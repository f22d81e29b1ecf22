/*  cacao_check.c — what CACAO v2.0's JSON Schema cannot say, checked
    before anything is imported: every reference names a step, agent,
    target or credential that exists; every step is reachable from
    workflow_start; no cycle except through a while-condition; agent,
    target and command types are ones this importer knows; identifiers and
    e-mail addresses are well formed; features that have no meaning in
    fedsoar are refused by name. The first refusal is reported with its
    JSON path. */
#include "cacao_internal.h"
#include "playbook_cacao.h"
#include "playbooks.h"

#include <stdio.h>
#include <string.h>

#define P 512 /* a JSON path */

/* Agent and target types: CACAO 2.0's vocabulary, SOARCA's own executors
   ("soarca", "soarca-*": the orchestrator that runs the playbook, here the
   broker) and fedsoar's ("x-fedsoar-*": sites, routing, roles). */
static bool known_agent_type(const char *t)
{
    static const char *const std[] = {
        "group", "individual",  "location",          "organization", "sector", "http-api",
        "linux", "net-address", "security-category", "ssh",          "soarca", NULL};
    for (size_t i = 0; std[i]; i++)
        if (strcmp(t, std[i]) == 0)
            return true;
    return strncmp(t, "soarca-", 7) == 0 || strncmp(t, "x-fedsoar-", 10) == 0;
}

/* Command types of CACAO 2.0 and the OpenC2 extension's "openc2". */
bool cacao_known_command(const char *t)
{
    static const char *const all[] = {"manual",  "bash",    "caldera-cmd", "elastic", "http-api",
                                      "jupyter", "kestrel", "openc2-http", "openc2",  "powershell",
                                      "sigma",   "ssh",     "yara",        NULL};
    for (size_t i = 0; all[i]; i++)
        if (strcmp(t, all[i]) == 0)
            return true;
    return false;
}

typedef struct check {
    const json_t *doc, *wf, *agents, *targets, *auth;
    fs_err_t *e;
} check_t;

/* A reference at path: an identifier naming a member of dict (what: its
   kind, for the error). */
static int ref(check_t *c, const json_t *v, const json_t *dict, const char *dict_name,
               const char *path)
{
    const char *id = json_string_value(v);
    if (!id)
        return fs_err_set(c->e, "%s: must be a string (a CACAO identifier)", path);
    if (!cacao_is_identifier(id, NULL))
        return fs_err_set(c->e, "%s: \"%.80s\" is not a CACAO identifier (TYPE--UUID)", path, id);
    if (!json_object_get(dict, id))
        return fs_err_set(c->e, "%s: \"%.80s\" is not in %s", path, id, dict_name);
    return 0;
}

static int check_contact(check_t *c, const json_t *contact, const char *base)
{
    char path[P], sub[P];
    const json_t *mail = json_object_get(contact, "email");
    if (!mail)
        return 0;
    if (!json_is_object(mail))
        return fs_err_set(c->e, "%s.contact.email: must be an object of addresses", base);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)mail, k, v)
    {
        snprintf(sub, sizeof sub, "%.400s.contact.email", base);
        cacao_path(path, sizeof path, sub, k);
        if (!cacao_is_email(json_string_value(v)))
            return fs_err_set(c->e, "%s: \"%.80s\" is not an e-mail address", path,
                              json_string_value(v) ? json_string_value(v) : "(not a string)");
    }
    return 0;
}

static int check_definitions(check_t *c, const json_t *dict, const char *name, bool agent_target)
{
    if (!dict)
        return 0;
    char base[64], path[P];
    snprintf(base, sizeof base, "$.%s", name);
    if (!json_is_object(dict))
        return fs_err_set(c->e, "%s: must be an object", base);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)dict, k, v)
    {
        cacao_path(path, sizeof path, base, k);
        if (!cacao_is_identifier(k, NULL))
            return fs_err_set(c->e, "%s: \"%.80s\" is not a CACAO identifier (TYPE--UUID)", path,
                              k);
        if (!json_is_object(v))
            return fs_err_set(c->e, "%s: must be an object", path);
        const char *type = json_string_value(json_object_get(v, "type"));
        if (!type)
            return fs_err_set(c->e, "%s.type: required", path);
        if (!agent_target)
            continue;
        if (!known_agent_type(type))
            return fs_err_set(c->e,
                              "%s.type: unknown agent/target type \"%.60s\" (known: CACAO 2.0's "
                              "vocabulary, soarca*, x-fedsoar-*)",
                              path, type);
        if (check_contact(c, json_object_get(v, "contact"), path) != 0)
            return -1;
        const json_t *auth = json_object_get(v, "authentication_info");
        char sub[P];
        snprintf(sub, sizeof sub, "%.400s.authentication_info", path);
        if (auth && ref(c, auth, c->auth, "authentication_info_definitions", sub) != 0)
            return -1;
        if (json_object_get(v, "agent_target_extensions"))
            return fs_err_set(c->e,
                              "%s.agent_target_extensions: agent/target extensions have no "
                              "meaning in fedsoar (refused, not dropped)",
                              path);
    }
    return 0;
}

/* The successors of a step, with the member each comes from. */
typedef struct edge {
    const char *to;
    char from[64];
} edge_t;

static size_t successors(const json_t *s, edge_t *out, size_t max)
{
    static const char *const single[] = {"on_completion", "on_success", "on_failure",
                                         "on_true",       "on_false",   NULL};
    size_t n = 0;
    for (size_t i = 0; single[i] && n < max; i++) {
        const char *to = json_string_value(json_object_get(s, single[i]));
        if (to) {
            out[n].to = to;
            snprintf(out[n++].from, sizeof out[0].from, ".%s", single[i]);
        }
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(s, "next_steps"), i, v)
    {
        if (n < max && json_string_value(v)) {
            out[n].to = json_string_value(v);
            snprintf(out[n++].from, sizeof out[0].from, ".next_steps[%zu]", i);
        }
    }
    const char *k;
    json_object_foreach((json_t *)json_object_get(s, "cases"), k, v)
    {
        if (n < max && json_string_value(v)) {
            out[n].to = json_string_value(v);
            snprintf(out[n++].from, sizeof out[0].from, ".cases[\"%.40s\"]", k);
        }
    }
    return n;
}

#define MAX_EDGES 256

static int check_command(check_t *c, const json_t *cmd, const char *path)
{
    const char *type = json_string_value(json_object_get(cmd, "type"));
    if (!json_is_object(cmd) || !type)
        return fs_err_set(c->e, "%s.type: required (a command is an object with a type)", path);
    if (!cacao_known_command(type) && strncmp(type, "x-fedsoar-", 10) != 0)
        return fs_err_set(c->e, "%s.type: unknown command type \"%.60s\"", path, type);
    if (strcmp(type, "http-api") == 0 && !json_is_string(json_object_get(cmd, "command")))
        return fs_err_set(c->e, "%s.command: required for http-api (\"METHOD PATH\")", path);
    const char *b64 = json_string_value(json_object_get(cmd, "content_b64"));
    if (!b64)
        b64 = json_string_value(json_object_get(cmd, "command_b64"));
    size_t n;
    unsigned char *raw = b64 ? cacao_base64_decode(b64, &n) : NULL;
    if (b64 && !raw)
        return fs_err_set(c->e, "%s: %s is not base64", path,
                          json_object_get(cmd, "content_b64") ? "content_b64" : "command_b64");
    free(raw);
    return 0;
}

static int check_step(check_t *c, const char *id, const json_t *s, const char *path)
{
    size_t tlen = 0;
    if (!cacao_is_identifier(id, &tlen))
        return fs_err_set(c->e, "%s: \"%.80s\" is not a CACAO identifier (TYPE--UUID)", path, id);
    const char *type = json_string_value(json_object_get(s, "type"));
    if (!json_is_object(s) || !type)
        return fs_err_set(c->e, "%s.type: required", path);
    if (strlen(type) != tlen || strncmp(type, id, tlen) != 0)
        return fs_err_set(c->e, "%s.type: \"%.40s\" but the id says \"%.*s\"", path, type,
                          (int)tlen, id);
    static const char *const types[] = {
        "start",    "end",          "action",          "playbook-action",
        "parallel", "if-condition", "while-condition", "switch-condition",
        NULL};
    bool known = false;
    for (size_t i = 0; types[i]; i++)
        known = known || strcmp(type, types[i]) == 0;
    if (!known)
        return fs_err_set(c->e, "%s.type: unknown workflow step type \"%.40s\"", path, type);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(s, "step_extensions"), k, v)
    {
        if (strcmp(k, PLAYBOOK_CACAO_EXTENSION) != 0)
            return fs_err_set(c->e,
                              "%s.step_extensions[\"%.80s\"]: an extension fedsoar does not know "
                              "(refused, not dropped)",
                              path, k);
    }
    char sub[P];
    if (json_array_size(json_object_get(s, "next_steps")) +
            json_object_size(json_object_get(s, "cases")) + 5 >
        MAX_EDGES)
        return fs_err_set(c->e, "%s: more than %d successors", path, MAX_EDGES - 5);
    edge_t edges[MAX_EDGES];
    size_t n = successors(s, edges, MAX_EDGES);
    for (size_t i = 0; i < n; i++) {
        snprintf(sub, sizeof sub, "%.400s%s", path, edges[i].from);
        if (!cacao_is_identifier(edges[i].to, NULL))
            return fs_err_set(c->e, "%s: \"%.80s\" is not a CACAO identifier (TYPE--UUID)", sub,
                              edges[i].to);
        if (!json_object_get(c->wf, edges[i].to))
            return fs_err_set(c->e, "%s: step \"%.80s\" does not exist in $.workflow", sub,
                              edges[i].to);
    }
    if (strcmp(type, "action") == 0) {
        const json_t *cmds = json_object_get(s, "commands");
        if (!json_is_array(cmds) || json_array_size(cmds) == 0)
            return fs_err_set(c->e, "%s.commands: required, a non-empty array", path);
        snprintf(sub, sizeof sub, "%.400s.agent", path);
        if (ref(c, json_object_get(s, "agent"), c->agents, "$.agent_definitions", sub) != 0)
            return -1;
        size_t i;
        json_array_foreach(cmds, i, v)
        {
            snprintf(sub, sizeof sub, "%.400s.commands[%zu]", path, i);
            if (check_command(c, v, sub) != 0)
                return -1;
        }
        json_array_foreach(json_object_get(s, "targets"), i, v)
        {
            snprintf(sub, sizeof sub, "%.400s.targets[%zu]", path, i);
            if (ref(c, v, c->targets, "$.target_definitions", sub) != 0)
                return -1;
        }
    } else if (strcmp(type, "if-condition") == 0 || strcmp(type, "while-condition") == 0) {
        if (!json_is_string(json_object_get(s, "condition")))
            return fs_err_set(c->e, "%s.condition: required", path);
        if (!json_is_string(json_object_get(s, "on_true")))
            return fs_err_set(c->e, "%s.on_true: required", path);
    } else if (strcmp(type, "switch-condition") == 0) {
        if (!json_is_string(json_object_get(s, "switch")) ||
            !json_is_object(json_object_get(s, "cases")))
            return fs_err_set(c->e, "%s: a switch-condition needs switch and cases", path);
    } else if (strcmp(type, "parallel") == 0) {
        if (json_array_size(json_object_get(s, "next_steps")) < 2)
            return fs_err_set(c->e, "%s.next_steps: required, at least 2 steps", path);
    } else if (strcmp(type, "playbook-action") == 0) {
        const char *pid = json_string_value(json_object_get(s, "playbook_id"));
        if (!cacao_is_identifier(pid, NULL))
            return fs_err_set(c->e, "%s.playbook_id: required, a CACAO identifier", path);
    }
    return 0;
}

/* Reachability and cycles: a depth-first walk from workflow_start that
   ignores edges into while-conditions when looking for cycles (a loop
   through a while is the one cycle CACAO means). */
typedef struct walk {
    check_t *c;
    json_t *state; /* id -> 1 on the stack, 2 done */
    int depth;
} walk_t;

static int dfs(walk_t *w, const char *id)
{
    if (++w->depth > 4096)
        return fs_err_set(w->c->e, "$.workflow: more than 4096 steps deep");
    json_object_set_new(w->state, id, json_integer(1));
    const json_t *s = json_object_get(w->c->wf, id);
    edge_t edges[MAX_EDGES];
    size_t n = successors(s, edges, MAX_EDGES);
    char path[P];
    for (size_t i = 0; i < n; i++) {
        const char *to = edges[i].to;
        json_int_t st = json_integer_value(json_object_get(w->state, to));
        const char *ttype =
            json_string_value(json_object_get(json_object_get(w->c->wf, to), "type"));
        bool to_while = ttype && strcmp(ttype, "while-condition") == 0;
        if (st == 1 && !to_while) {
            cacao_path(path, sizeof path, "$.workflow", id);
            return fs_err_set(w->c->e,
                              "%s%s: \"%.80s\" closes a cycle that does not pass through a "
                              "while-condition",
                              path, edges[i].from, to);
        }
        if (st == 0 && dfs(w, to) != 0)
            return -1;
    }
    json_object_set_new(w->state, id, json_integer(2));
    w->depth--;
    return 0;
}

int playbook_cacao_check(const json_t *doc, fs_err_t *e)
{
    if (!json_is_object(doc))
        return fs_err_set(e, "$: a CACAO playbook is a JSON object");
    if (!json_is_string(json_object_get(doc, "type")) ||
        strcmp(json_string_value(json_object_get(doc, "type")), "playbook") != 0)
        return fs_err_set(e, "$.type: must be \"playbook\"");
    if (!json_is_string(json_object_get(doc, "spec_version")) ||
        strcmp(json_string_value(json_object_get(doc, "spec_version")), "cacao-2.0") != 0)
        return fs_err_set(e, "$.spec_version: must be \"cacao-2.0\" (only CACAO v2.0 is read)");
    if (!cacao_is_identifier(json_string_value(json_object_get(doc, "id")), NULL))
        return fs_err_set(e, "$.id: required, a CACAO identifier (playbook--UUID)");
    if (json_object_get(doc, "created_by") &&
        !cacao_is_identifier(json_string_value(json_object_get(doc, "created_by")), NULL))
        return fs_err_set(e, "$.created_by: not a CACAO identifier (identity--UUID)");
    if (json_is_true(json_object_get(doc, "revoked")))
        return fs_err_set(e, "$.revoked: the playbook is revoked by its author");
    static const char *const refused[][2] = {
        {"markings", "data markings (TLP, IEP, statements) would be handling rules fedsoar "
                     "cannot enforce"},
        {"data_marking_definitions", "data markings would be handling rules fedsoar cannot "
                                     "enforce"},
        {NULL, NULL}};
    for (size_t i = 0; refused[i][0]; i++)
        if (json_object_get(doc, refused[i][0]))
            return fs_err_set(e, "$.%s: %s (refused, not dropped)", refused[i][0], refused[i][1]);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(doc, "playbook_extensions"), k, v)
    {
        if (strcmp(k, PLAYBOOK_CACAO_EXTENSION) != 0)
            return fs_err_set(e,
                              "$.playbook_extensions[\"%.80s\"]: an extension fedsoar does not "
                              "know (refused, not dropped)",
                              k);
    }
    check_t c = {doc,
                 json_object_get(doc, "workflow"),
                 json_object_get(doc, "agent_definitions"),
                 json_object_get(doc, "target_definitions"),
                 json_object_get(doc, "authentication_info_definitions"),
                 e};
    if (!json_is_object(c.wf) || json_object_size(c.wf) == 0)
        return fs_err_set(e, "$.workflow: required, an object of workflow steps");
    /* the workflow first: a bad reference is reported where it is used */
    char path[P];
    json_object_foreach((json_t *)c.wf, k, v)
    {
        cacao_path(path, sizeof path, "$.workflow", k);
        if (check_step(&c, k, v, path) != 0)
            return -1;
    }
    if (check_definitions(&c, c.auth, "authentication_info_definitions", false) != 0 ||
        check_definitions(&c, c.agents, "agent_definitions", true) != 0 ||
        check_definitions(&c, c.targets, "target_definitions", true) != 0 ||
        check_definitions(&c, json_object_get(doc, "extension_definitions"),
                          "extension_definitions", false) != 0)
        return -1;
    const char *start = json_string_value(json_object_get(doc, "workflow_start"));
    const json_t *first = json_object_get(c.wf, start ? start : "");
    if (!first)
        return fs_err_set(e, "$.workflow_start: required, a step of $.workflow");
    if (strcmp(json_string_value(json_object_get(first, "type")), "start") != 0)
        return fs_err_set(e, "$.workflow_start: \"%.80s\" is not a start step", start);
    const char *exc = json_string_value(json_object_get(doc, "workflow_exception"));
    if (exc) {
        const json_t *x = json_object_get(c.wf, exc);
        if (!x)
            return fs_err_set(e, "$.workflow_exception: step \"%.80s\" does not exist", exc);
        if (strcmp(json_string_value(json_object_get(x, "type")), "end") != 0)
            return fs_err_set(e, "$.workflow_exception: an exception path with steps has no "
                                 "meaning in fedsoar (a failed run stops; use on_failure on the "
                                 "step): refused, not dropped");
    }
    walk_t w = {&c, json_object(), 0};
    int rc = dfs(&w, start);
    json_object_foreach((json_t *)c.wf, k, v)
    {
        if (rc == 0 && !json_object_get(w.state, k) && !(exc && strcmp(k, exc) == 0)) {
            cacao_path(path, sizeof path, "$.workflow", k);
            rc = fs_err_set(e, "%s: unreachable from workflow_start", path);
        }
    }
    json_decref(w.state);
    return rc;
}
