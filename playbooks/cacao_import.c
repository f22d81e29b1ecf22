/*  cacao_import.c — a CACAO v2.0 playbook as a fedsoar playbook
    (docs/cacao.md has the table). CACAO's workflow is a graph of steps
    joined by on_completion/on_true/next_steps…; fedsoar's steps are nested
    lists. The walk follows each chain from a step until it reaches the
    branching step's on_completion (the join) or an end step; a step that
    two chains reach without joining there cannot be nested, and is
    refused. Checks first (cacao_check.c), validates the result with
    playbook_parse last. */
#include "cacao_internal.h"
#include "jq_program.h"
#include "openc2.h"
#include "playbook_cacao.h"
#include "playbooks.h"

#include <stdio.h>
#include <string.h>

#define P 512

typedef struct imp {
    const json_t *doc, *wf;
    const playbook_cacao_import_opts_t *o;
    json_t *seen; /* CACAO step ids converted */
    json_t *ids;  /* fedsoar step ids used */
    fs_err_t *e;
} imp_t;

static const json_t *ext_of(const json_t *obj, const char *member)
{
    return json_object_get(json_object_get(obj, member), PLAYBOOK_CACAO_EXTENSION);
}

/* Literal text inside a fedsoar template: "{{" would open a jq
   expression, so it is written as the expression giving "{{". */
static json_t *literal(const char *text)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, "{{")); p += 2)
        n++;
    if (!n)
        return json_string(text);
    char *out = fs_xmalloc(strlen(text) + n * 12 + 1), *w = out;
    for (const char *p = text; *p;) {
        if (p[0] == '{' && p[1] == '{') {
            memcpy(w, "{{ \"{{\" }}", 10);
            w += 10;
            p += 2;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    json_t *j = json_string(out);
    free(out);
    return j ? j : json_string("");
}

/* The fedsoar id of a CACAO step: the extension's, else TYPE-8HEX. */
static int step_id(imp_t *m, const char *cacao_id, const json_t *ext, const char *suffix,
                   char out[32], const char *path)
{
    const char *given = json_string_value(json_object_get(json_object_get(ext, "step"), "id"));
    if (given && !suffix) {
        snprintf(out, 32, "%.24s", given);
    } else {
        size_t tlen = 0;
        cacao_is_identifier(cacao_id, &tlen);
        static const char *const short_names[][2] = {{"action", "action"},
                                                     {"if-condition", "if"},
                                                     {"while-condition", "while"},
                                                     {"switch-condition", "switch"},
                                                     {"parallel", "parallel"},
                                                     {"playbook-action", "playbook"},
                                                     {NULL, NULL}};
        const char *prefix = "step";
        for (size_t i = 0; short_names[i][0]; i++)
            if (strlen(short_names[i][0]) == tlen &&
                strncmp(cacao_id, short_names[i][0], tlen) == 0)
                prefix = short_names[i][1];
        /* the UUID's first 8 hex digits, or its last 12 when another step
           of the workflow shares those 8 (ids made by hand often do) */
        const char *uuid = cacao_id + tlen + 2, *k;
        json_t *v;
        bool shared = false;
        json_object_foreach((json_t *)m->wf, k, v)
        {
            const char *other = strstr(k, "--");
            shared = shared || (k != cacao_id && strcmp(k, cacao_id) != 0 && other &&
                                strncmp(other + 2, uuid, 8) == 0);
        }
        snprintf(out, 32, "%s-%.*s%s%s", prefix, shared ? 12 : 8, shared ? uuid + 24 : uuid,
                 suffix ? "-" : "", suffix ? suffix : "");
        if (given)
            snprintf(out, 32, "%.16s-%s", given, suffix);
    }
    if (strlen(out) > 24)
        return fs_err_set(m->e, "%s: its fedsoar step id \"%s\" is longer than 24 characters", path,
                          out);
    if (json_object_get(m->ids, out))
        return fs_err_set(m->e, "%s: its fedsoar step id \"%s\" is taken by another step", path,
                          out);
    json_object_set_new(m->ids, out, json_true());
    return 0;
}

/* The value of a CACAO variable reference __name__:value in text, from the
   step's variables, else the playbook's: known constant values replace
   the reference; others stay as written. Caller owns. */
static char *substitute(const char *text, const json_t *step_vars, const json_t *pb_vars)
{
    size_t cap = strlen(text) + 1, n = 0;
    char *out = fs_xmalloc(cap);
    for (const char *p = text; *p;) {
        const char *end = p[0] == '_' && p[1] == '_' ? strstr(p + 2, "__:value") : NULL;
        const char *val = NULL;
        size_t len = 0;
        if (end && end - p < 204) {
            char name[208];
            snprintf(name, sizeof name, "%.*s", (int)(end - p + 2), p);
            const json_t *v = json_object_get(step_vars, name);
            if (!v)
                v = json_object_get(pb_vars, name);
            val = json_string_value(json_object_get(v, "value"));
            len = (size_t)(end - p) + 8;
        }
        const char *piece = val ? val : p;
        size_t plen = val ? strlen(val) : 1;
        if (n + plen + 1 > cap) {
            cap = (n + plen + 1) * 2;
            out = fs_xrealloc(out, cap);
        }
        memcpy(out + n, piece, plen);
        n += plen;
        p += val ? len : 1;
    }
    out[n] = '\0';
    return out;
}

/* The text of a command: command, or command_b64 / content_b64 decoded. */
static char *command_text(const json_t *cmd)
{
    const char *t = json_string_value(json_object_get(cmd, "command"));
    const char *b64 = json_string_value(json_object_get(cmd, "command_b64"));
    if (!b64 && !t)
        b64 = json_string_value(json_object_get(cmd, "content_b64"));
    size_t n;
    unsigned char *raw = b64 ? cacao_base64_decode(b64, &n) : NULL;
    if (raw)
        return (char *)raw;
    return fs_xstrdup(t ? t : "");
}

static bool is_site(imp_t *m, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(m->o ? m->o->sites : NULL, i, v)
    {
        if (name && json_string_value(v) && strcmp(name, json_string_value(v)) == 0)
            return true;
    }
    return false;
}

/* The site of an action step: its agent of type x-fedsoar-site, else its
   agent or (the first of) its targets whose name is a known site (opts
   sites); NULL leaves the choice to routing. */
static const char *site_of_agent(imp_t *m, const json_t *s)
{
    const json_t *agent = json_object_get(json_object_get(m->doc, "agent_definitions"),
                                          json_string_value(json_object_get(s, "agent")));
    const char *type = json_string_value(json_object_get(agent, "type"));
    const char *name = json_string_value(json_object_get(agent, "name"));
    if ((type && strcmp(type, "x-fedsoar-site") == 0) || is_site(m, name))
        return name;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(s, "targets"), i, t)
    {
        const char *tn = json_string_value(json_object_get(
            json_object_get(json_object_get(m->doc, "target_definitions"), json_string_value(t)),
            "name"));
        if (is_site(m, tn))
            return tn;
    }
    return NULL;
}

/* Where the targets are, for people and for http-api: "name (address)". */
static void describe_targets(imp_t *m, const json_t *s, char *out, size_t size, char *url,
                             size_t url_size)
{
    size_t i, used = 0;
    json_t *t;
    out[0] = '\0';
    json_array_foreach(json_object_get(s, "targets"), i, t)
    {
        const json_t *d =
            json_object_get(json_object_get(m->doc, "target_definitions"), json_string_value(t));
        const json_t *addr = json_object_get(d, "address");
        const char *a = NULL, *kind = NULL;
        static const char *const kinds[] = {"url", "dname", "ipv4", "ipv6", "l2mac", NULL};
        for (size_t k = 0; kinds[k] && !a; k++)
            if ((a = json_string_value(json_array_get(json_object_get(addr, kinds[k]), 0))))
                kind = kinds[k];
        const char *name = json_string_value(json_object_get(d, "name"));
        if (used < size)
            used += (size_t)snprintf(out + used, size - used, "%s%s%s%s%s", i ? "; " : "",
                                     name ? name : json_string_value(t), a ? " (" : "", a ? a : "",
                                     a ? ")" : "");
        const char *auth = json_string_value(json_object_get(d, "authentication_info"));
        if (auth && used < size)
            used +=
                (size_t)snprintf(out + used, size - used, " [credentials: %s, not copied]", auth);
        if (url && !url[0] && a && kind && strcmp(kind, "l2mac") != 0) {
            const char *port = json_string_value(json_object_get(d, "port"));
            if (strcmp(kind, "url") == 0)
                snprintf(url, url_size, "%s", a);
            else
                snprintf(url, url_size, "%s%s%s%s%s",
                         port && strcmp(port, "80") == 0 ? "http://" : "https://",
                         strcmp(kind, "ipv6") == 0 ? "[" : "", a,
                         strcmp(kind, "ipv6") == 0 ? "]" : "", "");
            if (port && strcmp(kind, "url") != 0 && strcmp(port, "80") != 0 &&
                strcmp(port, "443") != 0) {
                size_t l = strlen(url);
                snprintf(url + l, url_size - l, ":%s", port);
            }
        }
    }
}

static json_t *openc2_of(imp_t *m, const json_t *cmd, const char *path)
{
    const char *b64 = json_string_value(json_object_get(cmd, "content_b64"));
    size_t n;
    unsigned char *raw = b64 ? cacao_base64_decode(b64, &n) : NULL;
    if (!raw) {
        fs_err_set(m->e, "%s.content_b64: required, the OpenC2 command in base64", path);
        return NULL;
    }
    fs_err_t pe = {0};
    json_t *body = fs_json_parse((const char *)raw, n, &pe);
    free(raw);
    if (!body) {
        fs_err_set(m->e, "%s.content_b64: not JSON: %s", path, pe.text);
        return NULL;
    }
    /* An OpenC2-over-HTTPS message carries the command in body.openc2.request;
       its headers (request_id, created, from, to) are transport, which the
       broker makes itself (each run's command gets its own command_id). */
    json_t *c =
        json_object_get(json_object_get(json_object_get(body, "body"), "openc2"), "request");
    c = json_deep_copy(c ? c : body);
    json_decref(body);
    /* OpenC2 LS 1.1's "profile" names the actuator profile, which LS 1.0
       (what fedsoar validates) says as an actuator specifier */
    const char *profile = json_string_value(json_object_get(c, "profile"));
    if (json_is_object(c) && profile && !json_object_get(c, "actuator")) {
        json_object_set_new(c, "actuator", json_pack("{s:{}}", profile));
        json_object_del(c, "profile");
    }
    char reason[256] = "";
    int verdict = openc2_validate_command(c, reason, sizeof reason);
    if (verdict != OPENC2_VALID) {
        fs_err_setc(m->e, PLAYBOOK_E_OPENC2, "%s.content_b64: the OpenC2 command is refused: %d %s",
                    path, verdict, reason);
        json_decref(c);
        return NULL;
    }
    return c;
}

/* One fedsoar step per CACAO command of an action step. */

/* The method and path of a CACAO http-api command ("GET /path HTTP/1.1"; the
   version, when present, is the transport's business). 0, or -1 when either
   word is missing or longer than its buffer — never cut short. */
static int http_request_line(const char *text, char *method, size_t msize, char *path, size_t psize)
{
    if (!text)
        return -1;
    size_t ml = strcspn(text, " \t"); /* the method: text[0, ml) */
    if (ml == 0 || ml >= msize)
        return -1;
    size_t at = ml + strspn(text + ml, " \t"); /* the path: text[at, at + pl) */
    size_t pl = strcspn(text + at, " \t");
    if (pl == 0 || pl >= psize)
        return -1;
    memcpy(method, text, ml);
    method[ml] = '\0';
    memcpy(path, text + at, pl);
    path[pl] = '\0';
    return 0;
}

static int convert_action(imp_t *m, const char *id, const json_t *s, const char *path, json_t *out)
{
    const json_t *ext = ext_of(s, "step_extensions");
    const json_t *cmds = json_object_get(s, "commands");
    size_t n = json_array_size(cmds);
    char fid[32], sub[P];
    if (ext && json_object_get(ext, "step")) {
        if (step_id(m, id, ext, NULL, fid, path) != 0)
            return -1;
        json_array_append_new(out, json_deep_copy(json_object_get(ext, "step")));
        return 0;
    }
    const json_t *pb_vars = json_object_get(m->doc, "playbook_variables");
    const json_t *st_vars = json_object_get(s, "step_variables");
    const char *name = json_string_value(json_object_get(s, "name"));
    const char *site = site_of_agent(m, s);
    json_int_t delay = json_integer_value(json_object_get(s, "delay"));
    json_int_t timeout = json_integer_value(json_object_get(s, "timeout"));
    if (delay > 0) {
        if (step_id(m, id, NULL, "wait", fid, path) != 0)
            return -1;
        char d[32];
        snprintf(d, sizeof d, "%" JSON_INTEGER_FORMAT "ms", delay);
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s}", "id", fid, "type", "wait", "duration", d));
    }
    size_t i;
    json_t *cmd;
    json_array_foreach(cmds, i, cmd)
    {
        snprintf(sub, sizeof sub, "%.400s.commands[%zu]", path, i);
        char num[24];
        snprintf(num, sizeof num, "%zu", i + 1);
        if (step_id(m, id, NULL, n > 1 ? num : NULL, fid, path) != 0)
            return -1;
        const char *type = json_string_value(json_object_get(cmd, "type"));
        json_t *step = json_pack("{s:s}", "id", fid);
        if (name)
            json_object_set_new(step, "title", json_string(name));
        char tmo[32];
        snprintf(tmo, sizeof tmo, "%" JSON_INTEGER_FORMAT "ms", timeout);
        if (strcmp(type, "openc2-http") == 0 || strcmp(type, "openc2") == 0) {
            json_t *c = openc2_of(m, cmd, sub);
            if (!c) {
                json_decref(step);
                return -1;
            }
            json_object_set_new(step, "type", json_string("openc2"));
            json_object_set_new(step, "command", c);
            if (site)
                json_object_set_new(step, "site", literal(site));
        } else if (strcmp(type, "http-api") == 0) {
            char *text =
                substitute(json_string_value(json_object_get(cmd, "command")), st_vars, pb_vars);
            char method[16] = "", target[1024] = "", url[1024] = "", where[1024];
            int bad = http_request_line(text, method, sizeof method, target, sizeof target);
            free(text);
            if (bad) {
                json_decref(step);
                return fs_err_set(m->e,
                                  "%s.command: an http-api command is \"METHOD PATH [VERSION]\" "
                                  "(a method of at most 15 letters, a path of at most 1023 bytes)",
                                  sub);
            }
            describe_targets(m, s, where, sizeof where, url, sizeof url);
            /* The target's URL, then the path; a failed snprintf counts as too long. */
            size_t l = strlen(url);
            if (url[0] && (size_t)snprintf(url + l, sizeof url - l, "%s%s",
                                           target[0] == '/' ? "" : "/", target) >= sizeof url - l) {
                json_decref(step);
                return fs_err_set(m->e,
                                  "%s.command: the target's URL with this path is longer than "
                                  "1023 bytes",
                                  sub);
            }
            json_t *input = json_pack("{s:s, s:o}", "method", method, "path", literal(target));
            if (url[0])
                json_object_set_new(input, "url", literal(url));
            if (json_object_get(cmd, "headers"))
                json_object_set(input, "headers", json_object_get(cmd, "headers"));
            const char *content = json_string_value(json_object_get(cmd, "content"));
            char *body = content ? fs_xstrdup(content) : NULL;
            size_t bl;
            if (!body && json_object_get(cmd, "content_b64"))
                body = (char *)cacao_base64_decode(
                    json_string_value(json_object_get(cmd, "content_b64")), &bl);
            if (body)
                json_object_set_new(input, "body", literal(body));
            free(body);
            json_object_set_new(step, "type", json_string("action"));
            json_object_set_new(
                step, "responder",
                json_string(m->o && m->o->http_responder ? m->o->http_responder : "http-api"));
            json_object_set_new(step, "input", input);
            if (site)
                json_object_set_new(step, "site", literal(site));
        } else if (cacao_known_command(type)) {
            /* manual, and every type no site executes by itself (ssh, bash,
               powershell, …): a person does it and confirms on the case. */
            char *raw = command_text(cmd);
            char *text = substitute(raw, st_vars, pb_vars);
            free(raw);
            char where[1024];
            describe_targets(m, s, where, sizeof where, NULL, 0);
            const json_t *agent = json_object_get(json_object_get(m->doc, "agent_definitions"),
                                                  json_string_value(json_object_get(s, "agent")));
            char *reason = fs_xasprintf(
                "Manual task from CACAO (%s command%s%s%s): %s%s%s%s%s%s. Confirm here once it is "
                "done.",
                type, name ? ", step \"" : "", name ? name : "", name ? "\"" : "", text,
                where[0] ? " — on " : "", where,
                json_string_value(json_object_get(agent, "name")) ? " — by " : "",
                json_string_value(json_object_get(agent, "name"))
                    ? json_string_value(json_object_get(agent, "name"))
                    : "",
                json_array_size(json_object_get(s, "out_args"))
                    ? " — report back the out_args in a case note"
                    : "");
            free(text);
            json_object_set_new(step, "type", json_string("approval"));
            json_object_set_new(
                step, "role",
                json_string(m->o && m->o->manual_role ? m->o->manual_role : "analyst"));
            json_object_set_new(step, "quorum", json_integer(1));
            json_object_set_new(step, "timeout", json_string(timeout > 0 ? tmo : "1d"));
            json_object_set_new(step, "on_timeout", json_string("fail"));
            json_object_set_new(step, "reason", literal(reason));
            free(reason);
            timeout = timeout > 0 ? timeout : 0;
        } else {
            json_decref(step);
            return fs_err_set(m->e,
                              "%s.type: \"%.60s\" is fedsoar's own command type and needs the "
                              "fedsoar step extension",
                              sub, type);
        }
        if (timeout > 0 && !json_object_get(step, "timeout"))
            json_object_set_new(step, "timeout", json_string(tmo));
        json_array_append_new(out, step);
    }
    return 0;
}

static int chain(imp_t *m, const char *from, const char *stop, json_t *out, const char **ended,
                 int depth);

/* on_failure → on_error: the failure path rejoins the success path (a
   list of steps) or is that path ("continue"). */
static int on_failure(imp_t *m, const json_t *s, const char *path, json_t *step, int depth)
{
    const char *fail = json_string_value(json_object_get(s, "on_failure"));
    if (!fail || !step)
        return 0;
    const char *succ = json_string_value(json_object_get(s, "on_success"));
    if (!succ)
        succ = json_string_value(json_object_get(s, "on_completion"));
    if (succ && strcmp(fail, succ) == 0) {
        json_object_set_new(step, "on_error", json_string("continue"));
        return 0;
    }
    json_t *list = json_array();
    const char *ended = NULL;
    if (chain(m, fail, succ, list, &ended, depth + 1) != 0) {
        json_decref(list);
        return -1;
    }
    const json_t *sx = json_object_get(m->wf, succ ? succ : "");
    bool succ_is_end = !succ || strcmp(json_string_value(json_object_get(sx, "type")), "end") == 0;
    if (ended && !succ_is_end) {
        json_decref(list);
        return fs_err_set(m->e,
                          "%s.on_failure: the failure path ends the playbook while the success "
                          "path goes on; fedsoar's on_error steps rejoin the run (refused)",
                          path);
    }
    if (json_array_size(list) == 0) {
        json_decref(list);
        json_object_set_new(step, "on_error", json_string("continue"));
    } else {
        json_object_set_new(step, "on_error", list);
    }
    return 0;
}

static json_t *branch(imp_t *m, const char *from, const char *join, int depth, int *rc)
{
    json_t *list = json_array();
    const char *ended = NULL;
    if (from && *rc == 0)
        *rc = chain(m, from, join, list, &ended, depth + 1);
    return list;
}

static int check_jq(imp_t *m, const json_t *s, const char *key, const char *path)
{
    fs_err_t je = {0};
    fs_jq_t *jq = fs_jq_compile(json_string_value(json_object_get(s, key)), &je);
    if (!jq)
        return fs_err_set(m->e,
                          "%s.%s: fedsoar conditions are jq programs (STIX patterns are not "
                          "read): %s",
                          path, key, je.text);
    fs_jq_destroy(&jq);
    return 0;
}

/* The fedsoar step for a non-action CACAO step; NULL with *rc set on error. */
static json_t *convert_flow(imp_t *m, const char *id, const json_t *s, const char *type,
                            const char *path, int depth, int *rc)
{
    const json_t *ext = json_object_get(ext_of(s, "step_extensions"), "step");
    char fid[32];
    if ((*rc = step_id(m, id, ext_of(s, "step_extensions"), NULL, fid, path)) != 0)
        return NULL;
    json_t *step = ext ? json_deep_copy(ext) : json_pack("{s:s}", "id", fid);
    const char *name = json_string_value(json_object_get(s, "name"));
    if (!ext && name)
        json_object_set_new(step, "title", json_string(name));
    const char *join = json_string_value(json_object_get(s, "on_completion"));
    if (strcmp(type, "if-condition") == 0) {
        if (!ext && (*rc = check_jq(m, s, "condition", path)) != 0)
            goto fail;
        if (!ext) {
            json_object_set_new(step, "type", json_string("condition"));
            json_object_set(step, "if", json_object_get(s, "condition"));
        }
        static const char *const arms[][2] = {{"then", "on_true"}, {"else", "on_false"}};
        for (size_t i = 0; i < 2; i++) {
            json_t *list =
                branch(m, json_string_value(json_object_get(s, arms[i][1])), join, depth, rc);
            /* native: then always, else when it has steps; from the
               extension: as the fedsoar step had them */
            if (json_array_size(list) > 0 || (!ext && i == 0) || json_object_get(ext, arms[i][0]))
                json_object_set_new(step, arms[i][0], list);
            else
                json_decref(list);
        }
    } else if (strcmp(type, "parallel") == 0) {
        json_t *branches = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(s, "next_steps"), i, v)
            json_array_append_new(branches, branch(m, json_string_value(v), join, depth, rc));
        if (!ext)
            json_object_set_new(step, "type", json_string("parallel"));
        json_object_set_new(step, "branches", branches);
    } else if (strcmp(type, "while-condition") == 0) {
        if (!ext || !json_object_get(ext, "items")) {
            *rc = fs_err_set(m->e,
                             "%s: a while-condition repeats until its condition turns false; "
                             "fedsoar loops only over a list of items (foreach, the fedsoar "
                             "extension's items), so this loop has no meaning here (refused, "
                             "not dropped)",
                             path);
            goto fail;
        }
        json_object_set_new(
            step, "steps",
            branch(m, json_string_value(json_object_get(s, "on_true")), id, depth, rc));
    } else if (strcmp(type, "switch-condition") == 0) {
        if ((*rc = check_jq(m, s, "switch", path)) != 0)
            goto fail;
        /* cases in document order become nested conditions; "default" the last else */
        json_decref(step);
        step = NULL;
        json_t *top = NULL, *hole = NULL;
        size_t ncase = 0;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)json_object_get(s, "cases"), k, v)
        {
            if (strcmp(k, "default") == 0)
                continue;
            json_t *key = json_string(k);
            char *kq = key ? json_dumps(key, JSON_ENCODE_ANY) : fs_xstrdup("null");
            json_decref(key);
            char *cond =
                fs_xasprintf("(%s) == %s", json_string_value(json_object_get(s, "switch")), kq);
            free(kq);
            char cid[32];
            snprintf(cid, sizeof cid, "%.16s-case%zu", fid, ++ncase);
            if (top && json_object_get(m->ids, cid)) {
                free(cond);
                json_decref(top);
                *rc = fs_err_set(m->e, "%s: its fedsoar step id \"%s\" is taken", path, cid);
                return NULL;
            }
            json_object_set_new(m->ids, cid, json_true());
            json_t *c =
                json_pack("{s:s, s:s, s:s, s:o}", "id", top ? cid : fid, "type", "condition", "if",
                          cond, "then", branch(m, json_string_value(v), join, depth, rc));
            free(cond);
            if (!top)
                top = c;
            else
                json_object_set_new(hole, "else", json_pack("[o]", c));
            hole = c;
        }
        const char *dflt =
            json_string_value(json_object_get(json_object_get(s, "cases"), "default"));
        if (!top) {
            *rc = fs_err_set(m->e, "%s.cases: needs at least one case besides default", path);
            return NULL;
        }
        json_object_set_new(hole, "else", branch(m, dflt, join, depth, rc));
        step = top;
        if (*rc != 0)
            goto fail;
    } else { /* playbook-action */
        if (!ext || !json_object_get(ext, "name")) {
            *rc = fs_err_set(m->e,
                             "%s.playbook_id: a sub-playbook is named by its fedsoar name, which "
                             "only the fedsoar extension carries; import the called playbook and "
                             "add the extension (refused)",
                             path);
            goto fail;
        }
    }
    if (*rc != 0)
        goto fail;
    return step;
fail:
    json_decref(step);
    if (*rc == 0)
        *rc = -1;
    return NULL;
}

static int chain(imp_t *m, const char *from, const char *stop, json_t *out, const char **ended,
                 int depth)
{
    char path[P];
    if (depth > 64)
        return fs_err_set(m->e, "$.workflow: nested more than 64 deep");
    *ended = NULL;
    for (const char *cur = from; cur && !(stop && strcmp(cur, stop) == 0);) {
        const json_t *s = json_object_get(m->wf, cur);
        const char *type = json_string_value(json_object_get(s, "type"));
        cacao_path(path, sizeof path, "$.workflow", cur);
        if (!type) /* the check makes this unreachable; fail closed anyway */
            return fs_err_set(m->e, "%s: not a workflow step", path);
        if (strcmp(type, "end") == 0) {
            *ended = cur;
            return 0;
        }
        const char *next = json_string_value(json_object_get(s, "on_success"));
        if (!next)
            next = json_string_value(json_object_get(s, "on_completion"));
        if (strcmp(type, "start") == 0) {
            cur = next;
            continue;
        }
        if (json_object_get(m->seen, cur))
            return fs_err_set(m->e,
                              "%s: reached by two paths that do not meet at their branching "
                              "step's on_completion; fedsoar's steps nest, so this graph has "
                              "no fedsoar form (refused)",
                              path);
        json_object_set_new(m->seen, cur, json_true());
        size_t before = json_array_size(out);
        int rc = 0;
        if (strcmp(type, "action") == 0) {
            rc = convert_action(m, cur, s, path, out);
        } else {
            json_t *step = convert_flow(m, cur, s, type, path, depth, &rc);
            if (step)
                json_array_append_new(out, step);
        }
        if (rc == 0 && json_array_size(out) > before)
            rc = on_failure(m, s, path, json_array_get(out, json_array_size(out) - 1), depth);
        if (rc != 0)
            return -1;
        cur = next;
    }
    return 0;
}

static void slug(const char *name, char out[65])
{
    size_t n = 0;
    for (const char *p = name ? name : ""; *p && n < 64; p++) {
        char ch = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
        if (ok)
            out[n++] = ch;
        else if (n && out[n - 1] != '-')
            out[n++] = '-';
    }
    while (n && out[n - 1] == '-')
        n--;
    out[n] = '\0';
}

json_t *playbook_cacao_import(const json_t *cacao, const playbook_cacao_import_opts_t *opts,
                              fs_err_t *e)
{
    if (playbook_cacao_check(cacao, e) != 0)
        return NULL;
    imp_t m = {cacao, json_object_get(cacao, "workflow"), opts, json_object(), json_object(), e};
    const json_t *ext = ext_of(cacao, "playbook_extensions");
    char name[65];
    const char *given = json_string_value(json_object_get(ext, "name"));
    slug(given ? given : json_string_value(json_object_get(cacao, "name")), name);
    if (!name[0])
        snprintf(name, sizeof name, "cacao-%.8s",
                 strstr(json_string_value(json_object_get(cacao, "id")), "--") + 2);
    json_t *pb = json_pack("{s:s}", "name", name);
    const char *title = json_string_value(json_object_get(ext, "title"));
    if (!title && !ext)
        title = json_string_value(json_object_get(cacao, "name"));
    if (title)
        json_object_set_new(pb, "title", json_string(title));
    const char *desc = json_string_value(json_object_get(cacao, "description"));
    if (desc)
        json_object_set_new(pb, "description", json_string(desc));
    const json_t *trigger = opts && opts->trigger ? opts->trigger : json_object_get(ext, "trigger");
    if (trigger)
        json_object_set(pb, "trigger", (json_t *)trigger);
    else
        json_object_set_new(pb, "trigger", json_pack("{s:s}", "filter", "false"));
    json_t *steps = json_array();
    /* playbook variables: a first step that writes them on the case */
    const json_t *vars = json_object_get(cacao, "playbook_variables");
    if (json_object_size(vars) > 0 && !ext) {
        char *note = fs_xstrdup("CACAO playbook variables:");
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)vars, k, v)
        {
            const char *val = json_string_value(json_object_get(v, "value"));
            char *more = fs_xasprintf("%s %s = %s%s%s;", note, k, val ? "\"" : "",
                                      val ? val : "(no value)", val ? "\"" : "");
            free(note);
            note = more;
        }
        json_t *lit = literal(note);
        free(note);
        json_object_set_new(m.ids, "variables", json_true());
        json_array_append_new(steps, json_pack("{s:s, s:s, s:{s:o}}", "id", "variables", "type",
                                               "set", "case", "note", lit));
    }
    const char *ended = NULL;
    int rc = chain(&m, json_string_value(json_object_get(cacao, "workflow_start")), NULL, steps,
                   &ended, 0);
    json_object_set_new(pb, "steps", steps);
    json_decref(m.seen);
    json_decref(m.ids);
    if (rc == 0 && json_array_size(steps) == 0)
        rc = fs_err_set(e, "$.workflow: no step between start and end; a fedsoar playbook needs "
                           "at least one");
    if (rc == 0) {
        fs_err_t pe = {0};
        playbook_t *parsed = playbook_parse(pb, "the imported playbook", &pe);
        if (!parsed)
            rc = fs_err_setc(e, pe.code ? pe.code : PLAYBOOK_E_INVALID, "%s", pe.text);
        playbook_destroy(&parsed);
    }
    if (rc != 0) {
        json_decref(pb);
        return NULL;
    }
    return pb;
}
