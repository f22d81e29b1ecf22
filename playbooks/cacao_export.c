/*  cacao_export.c — a fedsoar playbook as a CACAO v2.0 playbook
    (docs/cacao.md has the table). The nested steps become a graph: each
    sequence is emitted from its end backwards, so every step knows the id
    of the one after it; a branch's last step leads to its branching
    step's on_completion, a foreach body's last step back to its
    while-condition. Ids are UUID v5 of "NAME/STEP-ID", so exporting the
    same playbook again gives the same document. Each step also carries
    its own fedsoar fields (all but the nested lists) in the fedsoar step
    extension, which is how an import of an export is the same playbook. */
#include "cacao_internal.h"
#include "playbook_cacao.h"
#include "playbooks.h"

#include <stdio.h>
#include <string.h>

typedef struct exp {
    const char *name;
    json_t *wf, *agents;
    char identity[64];
} exp_t;

static void make_id(const exp_t *x, const char *type, const char *what, char out[96])
{
    char key[400], u[37];
    snprintf(key, sizeof key, "%.64s/%.300s", x->name, what);
    playbook_cacao_uuid5(key, u);
    snprintf(out, 96, "%.40s--%s", type, u);
}

/* The agent of a step: its site (x-fedsoar-site), a role of people
   (group), or the broker itself (x-fedsoar-broker; routing picks the
   site: the reporting one). */
static const char *agent(exp_t *x, const char *type, const char *name, char out[96])
{
    char what[128];
    snprintf(what, sizeof what, "agent:%s:%s", type, name);
    char u[37];
    playbook_cacao_uuid5(what, u);
    snprintf(out, 96, "%.40s--%s", type, u);
    if (!json_object_get(x->agents, out)) {
        char label[160];
        snprintf(label, sizeof label,
                 strcmp(type, "group") == 0            ? "fedsoar role %s"
                 : strcmp(type, "x-fedsoar-site") == 0 ? "%s"
                                                       : "%s",
                 name);
        json_object_set_new(x->agents, out, json_pack("{s:s, s:s}", "type", type, "name", label));
    }
    return out;
}

static const char *site_agent(exp_t *x, const json_t *step, char out[96])
{
    const char *site = json_string_value(json_object_get(step, "site"));
    return site ? agent(x, "x-fedsoar-site", site, out)
                : agent(x, "x-fedsoar-broker", "fedsoar broker (routing: the reporting site)", out);
}

static json_t *b64_command(const char *type, const char *command, const json_t *content)
{
    char *jcs = playbook_cacao_jcs(content);
    char *b64 = cacao_base64_encode(jcs, strlen(jcs));
    json_t *c = json_pack("{s:s, s:s, s:s}", "type", type, "command", command, "content_b64", b64);
    free(jcs);
    free(b64);
    return c;
}

static const char *emit_seq(exp_t *x, const json_t *steps, const char *next, char out[96]);

/* The CACAO id of one fedsoar step, emitted with next as its successor. */
static const char *emit(exp_t *x, const json_t *s, const char *next, char out[96])
{
    const char *id = json_string_value(json_object_get(s, "id"));
    const char *type = json_string_value(json_object_get(s, "type"));
    const char *title = json_string_value(json_object_get(s, "title"));
    json_t *ext = json_deep_copy(s);
    static const char *const nested[] = {"then", "else", "steps", "branches", NULL};
    /* the graph carries the nested steps; an empty list stays, so that
       an absent branch and an empty one come back as they were */
    for (size_t i = 0; nested[i]; i++)
        if (json_array_size(json_object_get(ext, nested[i])) > 0)
            json_object_del(ext, nested[i]);
    const json_t *on_error = json_object_get(s, "on_error");
    if (json_is_array(on_error))
        json_object_del(ext, "on_error");
    json_t *c = json_pack("{s:s}", "name", title ? title : id);
    char a[96], first[96], cid[96];
    if (strcmp(type, "condition") == 0) {
        make_id(x, "if-condition", id, cid);
        json_object_set_new(c, "type", json_string("if-condition"));
        json_object_set(c, "condition", json_object_get(s, "if"));
        json_object_set_new(c, "on_true",
                            json_string(emit_seq(x, json_object_get(s, "then"), next, first)));
        if (json_array_size(json_object_get(s, "else")) > 0)
            json_object_set_new(c, "on_false",
                                json_string(emit_seq(x, json_object_get(s, "else"), next, first)));
    } else if (strcmp(type, "foreach") == 0) {
        make_id(x, "while-condition", id, cid);
        json_object_set_new(c, "type", json_string("while-condition"));
        json_object_set(c, "condition", json_object_get(s, "items"));
        json_object_set_new(c, "on_true",
                            json_string(emit_seq(x, json_object_get(s, "steps"), cid, first)));
    } else if (strcmp(type, "parallel") == 0) {
        make_id(x, "parallel", id, cid);
        json_object_set_new(c, "type", json_string("parallel"));
        json_t *ns = json_array();
        size_t i;
        json_t *b;
        json_array_foreach(json_object_get(s, "branches"), i, b)
            json_array_append_new(ns, json_string(emit_seq(x, b, next, first)));
        json_object_set_new(c, "next_steps", ns);
    } else if (strcmp(type, "playbook") == 0) {
        make_id(x, "playbook-action", id, cid);
        char key[128], u[37], pid[96];
        snprintf(key, sizeof key, "playbook:%s", json_string_value(json_object_get(s, "name")));
        playbook_cacao_uuid5(key, u);
        snprintf(pid, sizeof pid, "playbook--%s", u);
        json_object_set_new(c, "type", json_string("playbook-action"));
        json_object_set_new(c, "playbook_id", json_string(pid));
    } else {
        make_id(x, "action", id, cid);
        json_object_set_new(c, "type", json_string("action"));
        json_t *cmd;
        if (strcmp(type, "openc2") == 0) {
            cmd =
                b64_command("openc2-http", "POST /openc2 HTTP/1.1", json_object_get(s, "command"));
            json_object_set_new(
                cmd, "headers",
                json_pack("{s:[s]}", "Content-Type", "application/openc2+json;version=1.0"));
            json_object_set_new(c, "agent", json_string(site_agent(x, s, a)));
        } else if (strcmp(type, "enrich") == 0 || strcmp(type, "action") == 0) {
            bool en = strcmp(type, "enrich") == 0;
            char line[200];
            snprintf(line, sizeof line, "POST /fedsoar/%s/%s HTTP/1.1",
                     en ? "analyzers" : "responders",
                     json_string_value(json_object_get(s, en ? "analyzer" : "responder")));
            json_t *in = json_object_get(s, "input");
            json_t *empty = json_object();
            cmd = b64_command("http-api", line, in ? in : empty);
            json_decref(empty);
            json_object_set_new(c, "agent", json_string(site_agent(x, s, a)));
        } else if (strcmp(type, "approval") == 0) {
            const char *reason = json_string_value(json_object_get(s, "reason"));
            const char *role = json_string_value(json_object_get(s, "role"));
            char *text = fs_xasprintf("Approve (role %s, %lld of them): %s", role,
                                      (long long)json_integer_value(json_object_get(s, "quorum")),
                                      reason ? reason : "(no reason given)");
            cmd = json_pack("{s:s, s:s}", "type", "manual", "command", text);
            free(text);
            json_object_set_new(c, "agent", json_string(agent(x, "group", role, a)));
        } else {
            /* set, wait: the broker's own work, no CACAO command says it */
            char t[40];
            snprintf(t, sizeof t, "x-fedsoar-%s", strcmp(type, "set") == 0 ? "case" : type);
            cmd = json_pack("{s:s}", "type", t);
            json_object_set_new(c, "agent",
                                json_string(agent(x, "x-fedsoar-broker", "fedsoar broker", a)));
            int64_t ms;
            if (strcmp(type, "wait") == 0 &&
                playbook_duration_ms(json_object_get(s, "duration"), &ms) == 0 && ms > 0)
                json_object_set_new(c, "delay", json_integer(ms));
        }
        json_object_set_new(c, "commands", json_pack("[o]", cmd));
    }
    int64_t ms;
    if (json_object_get(s, "timeout") &&
        playbook_duration_ms(json_object_get(s, "timeout"), &ms) == 0)
        json_object_set_new(c, "timeout", json_integer(ms));
    if (json_is_string(on_error) && strcmp(json_string_value(on_error), "continue") == 0) {
        json_object_set_new(c, "on_success", json_string(next));
        json_object_set_new(c, "on_failure", json_string(next));
    } else if (json_is_array(on_error)) {
        json_object_set_new(c, "on_success", json_string(next));
        json_object_set_new(c, "on_failure", json_string(emit_seq(x, on_error, next, first)));
    } else {
        json_object_set_new(c, "on_completion", json_string(next));
    }
    json_object_set_new(c, "step_extensions",
                        json_pack("{s:{s:o}}", PLAYBOOK_CACAO_EXTENSION, "step", ext));
    json_object_set_new(x->wf, cid, c);
    snprintf(out, 96, "%s", cid);
    return out;
}

static const char *emit_seq(exp_t *x, const json_t *steps, const char *next, char out[96])
{
    char cur[96];
    snprintf(cur, sizeof cur, "%s", next);
    for (size_t i = json_array_size(steps); i-- > 0;) {
        char id[96];
        emit(x, json_array_get(steps, i), cur, id);
        snprintf(cur, sizeof cur, "%s", id);
    }
    snprintf(out, 96, "%s", cur);
    return out;
}

static json_t *signatures(const exp_t *x, const json_t *approvals, const char *pb_id,
                          const char *modified, const char *version, fs_err_t *e)
{
    json_t *out = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(approvals, i, a)
    {
        const char *member = json_string_value(json_object_get(a, "member"));
        const char *sig = json_string_value(json_object_get(a, "signature"));
        const char *key = json_string_value(json_object_get(a, "public_key"));
        json_int_t t = json_integer_value(json_object_get(a, "time"));
        if (!member || !sig || !key || t <= 0) {
            json_decref(out);
            fs_err_set(e, "approvals[%zu]: needs member, time, signature and public_key", i);
            return NULL;
        }
        char what[160], sid[96], ts[32];
        snprintf(what, sizeof what, "signature:%s:%s:%lld", version, member, (long long)t);
        make_id(x, "signature", what, sid);
        cacao_timestamp(t, ts);
        json_array_append_new(
            out,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "jss",
                      "id", sid, "created_by", x->identity, "created", ts, "modified", ts, "signee",
                      member, "related_to", pb_id, "related_version", modified, "hash_algorithm",
                      "sha256", "algorithm", "Ed25519", "public_key", key, "value", sig));
    }
    return out;
}

json_t *playbook_cacao_export(const json_t *doc, const json_t *approvals, int64_t time_ms,
                              fs_err_t *e)
{
    playbook_t *pb = playbook_parse(doc, "the playbook", e);
    if (!pb)
        return NULL;
    exp_t x = {playbook_name(pb), json_object(), json_object(), ""};
    char u[37], pb_id[96], start[96], end[96], first[96], ts[32];
    playbook_cacao_uuid5("identity:fedsoar", u);
    snprintf(x.identity, sizeof x.identity, "identity--%s", u);
    char key[128];
    snprintf(key, sizeof key, "playbook:%s", x.name);
    playbook_cacao_uuid5(key, u);
    snprintf(pb_id, sizeof pb_id, "playbook--%s", u);
    make_id(&x, "start", "(start)", start);
    make_id(&x, "end", "(end)", end);
    json_object_set_new(x.wf, end, json_pack("{s:s, s:s}", "type", "end", "name", "end"));
    emit_seq(&x, json_object_get(doc, "steps"), end, first);
    json_object_set_new(
        x.wf, start,
        json_pack("{s:s, s:s, s:s}", "type", "start", "name", "start", "on_completion", first));
    cacao_timestamp(time_ms, ts);
    const char *title = json_string_value(json_object_get(doc, "title"));
    const char *desc = json_string_value(json_object_get(doc, "description"));
    json_t *ext = json_pack("{s:s, s:O, s:s}", "name", x.name, "trigger",
                            json_object_get(doc, "trigger"), "version", playbook_version(pb));
    if (title)
        json_object_set_new(ext, "title", json_string(title));
    json_t *out = json_pack(
        "{s:s, s:s, s:s, s:s, s:s*, s:s, s:s, s:s, s:s, s:o, s:o, s:{s:{s:s, s:s, s:s, s:s, s:s, "
        "s:s}}, s:{s:o}}",
        "type", "playbook", "spec_version", "cacao-2.0", "id", pb_id, "name",
        title ? title : x.name, "description", desc, "created_by", x.identity, "created", ts,
        "modified", ts, "workflow_start", start, "workflow", x.wf, "agent_definitions", x.agents,
        "extension_definitions", PLAYBOOK_CACAO_EXTENSION, "type", "extension-definition", "name",
        "fedsoar", "description",
        "fedsoar playbook semantics: the playbook's trigger, name and version; each step's "
        "fedsoar fields (docs/cacao.md)",
        "created_by", x.identity, "schema", "https://fedsoar.invalid/docs/cacao.md#extension",
        "version", "1", "playbook_extensions", PLAYBOOK_CACAO_EXTENSION, ext);
    if (json_array_size(approvals) > 0) {
        json_t *sigs = signatures(&x, approvals, pb_id, ts, playbook_version(pb), e);
        if (!sigs) {
            json_decref(out);
            out = NULL;
        } else {
            json_object_set_new(out, "signatures", sigs);
        }
    }
    playbook_destroy(&pb);
    return out;
}
