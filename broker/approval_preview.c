/*  approval_preview.c — approval.show: a gate and exactly what approving
    it will do, so that a person can decide from one page (GET
    /api/v1/approvals/{id}, fedsoarctl approvals show ID):

      "effects":  the steps that run after the gate, from the run's own
                  playbook version (CASESTORE_DB_PLAYBOOKS): each OpenC2
                  command rendered as the run would send it and routed
                  (route_decide: the sites it goes to), requests, case
                  changes, further gates. A template that needs what only
                  the run will know (a later step's result, a loop's item)
                  is shown as the template, with "rendered": false and why;
      "evidence": the case (title, severity, status, sites, alerts,
                  observables, ATT&CK techniques);
      "quorum":   needed, approvals so far, every vote (operator, role,
                  decision, time, signed or not);
      "vote_payloads": the canonical text a voter signs to approve or deny
                  (governance_vote_payload, "time" = now: re-make it when
                  signing later than an hour from now), so a browser can
                  sign it.

    Read-only: nothing here is stored. Bounded: PREVIEW_MAX entries. */
#include "broker_internal.h"

#include <stdlib.h>
#include <string.h>

#define PREVIEW_MAX 32 /* effects listed */
#define FOREACH_MAX 16 /* commands listed for one openc2 step's foreach */
#define FRAMES_MAX 16  /* nesting followed up from the gate */

typedef struct {
    broker_t *b;
    const playbook_t *pb;
    json_t *ctx;       /* what templates see: event, case, steps, sites, run, item, each */
    const json_t *run; /* borrowed */
    json_t *out;       /* the effects */
} preview_t;

/* ---- where the gate is ------------------------------------------------------ */

typedef struct {
    const json_t *list; /* the step list */
    size_t index;       /* the step's position in it */
    char pointer[256];  /* JSON pointer of the step in the document */
} frame_t;

/* Resolves an engine path ("2/then/0", "3/1/0", "4/b0/1", "6/err/0";
   docs/playbooks.md "Durable runs") to the chain of step lists it goes
   through. Returns the number of frames (innermost last), 0 when the path
   does not resolve (or enters a sub-playbook, whose document is another). */
static size_t resolve_path(const json_t *doc, const char *path, frame_t *f, size_t max)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path ? path : "");
    const json_t *list = json_object_get(doc, "steps");
    char pointer[256] = "/steps";
    size_t n = 0;
    char *save = NULL;
    for (char *seg = strtok_r(buf, "/", &save); seg && n < max; seg = strtok_r(NULL, "/", &save)) {
        if (strspn(seg, "0123456789") != strlen(seg))
            return 0;
        size_t i = (size_t)strtoul(seg, NULL, 10);
        const json_t *step = json_array_get(list, i);
        if (!step)
            return 0;
        f[n].list = list;
        f[n].index = i;
        if (snprintf(f[n].pointer, sizeof f[n].pointer, "%s/%zu", pointer, i) >=
            (int)sizeof f[n].pointer)
            return 0; /* deeper than any playbook we keep */
        snprintf(pointer, sizeof pointer, "%s", f[n].pointer);
        n++;
        char *sel = strtok_r(NULL, "/", &save);
        if (!sel)
            return n;
        const char *key = NULL;
        char sub[32] = "";
        if (strcmp(sel, "then") == 0 || strcmp(sel, "else") == 0) {
            key = sel;
            list = json_object_get(step, sel);
        } else if (strcmp(sel, "err") == 0) {
            key = "on_error";
            list = json_object_get(step, "on_error");
        } else if (sel[0] == 'b' && sel[1] && strspn(sel + 1, "0123456789") == strlen(sel + 1)) {
            snprintf(sub, sizeof sub, "branches/%s", sel + 1);
            key = sub;
            list = json_array_get(json_object_get(step, "branches"),
                                  (size_t)strtoul(sel + 1, NULL, 10));
        } else if (strspn(sel, "0123456789") == strlen(sel)) {
            key = "steps"; /* item N of a foreach */
            list = json_object_get(step, "steps");
        } else {
            return 0; /* "sub": a sub-playbook */
        }
        if (!json_is_array(list))
            return 0;
        char next[256];
        if (snprintf(next, sizeof next, "%s/%s", pointer, key) >= (int)sizeof next)
            return 0;
        snprintf(pointer, sizeof pointer, "%s", next);
    }
    return n;
}

/* ---- templates ----------------------------------------------------------------- */

/* Why a template cannot be rendered now, or NULL when it can: it names a
   loop's item, or the result of a step that has not run yet. */
static const char *needs_run_time(const preview_t *p, const json_t *tmpl, bool in_loop)
{
    char *text = json_dumps(tmpl, JSON_COMPACT | JSON_ENCODE_ANY);
    const char *why = NULL;
    if (!text || !strstr(text, "{{")) {
        free(text);
        return NULL;
    }
    if (!in_loop && (strstr(text, ".item") || strstr(text, ".each")))
        why = "it uses the item of a loop the run has not reached";
    const json_t *done = json_object_get(p->ctx, "steps");
    for (const char *s = text; !why && (s = strstr(s, ".steps.")); s += 7) {
        char id[32];
        size_t n = strspn(s + 7, "abcdefghijklmnopqrstuvwxyz0123456789_-");
        snprintf(id, sizeof id, "%.*s", (int)(n < sizeof id ? n : sizeof id - 1), s + 7);
        if (!json_object_get(done, id))
            why = "it uses the result of a step that has not run yet";
    }
    free(text);
    return why;
}

/* Renders tmpl into entry[field] when it can be, else puts the template
   there with "rendered": false and "why". Returns the rendered value
   (caller owns) or NULL. */
static json_t *render_into(preview_t *p, json_t *entry, const char *field, const json_t *tmpl,
                           bool in_loop)
{
    const char *why = needs_run_time(p, tmpl, in_loop);
    fs_err_t re = {0};
    json_t *v = why ? NULL : playbook_render(p->pb, tmpl, p->ctx, &re);
    if (!v) {
        json_object_set(entry, field, (json_t *)tmpl);
        json_object_set_new(entry, "rendered", json_false());
        json_object_set_new(entry, "why", json_string(why ? why : re.text));
        return NULL;
    }
    json_object_set(entry, field, v);
    if (!json_object_get(entry, "rendered"))
        json_object_set_new(entry, "rendered", json_true());
    return v;
}

/* ---- what each step does -------------------------------------------------------- */

/* The sites a command goes to, as commands_journal would route it. */
static void route_into(preview_t *p, json_t *cmd_entry, const json_t *cmd, const json_t *site)
{
    json_t *probe = json_deep_copy(cmd);
    if (!json_string_value(json_object_get(probe, "command_id")))
        json_object_set_new(probe, "command_id", json_string("preview"));
    char reason[256] = "";
    int verdict = openc2_validate_command(probe, reason, sizeof reason);
    if (verdict != OPENC2_VALID) {
        json_object_set_new(cmd_entry, "sites", json_array());
        json_object_set_new(cmd_entry, "refused",
                            json_pack("{s:i, s:s}", "status", verdict, "reason", reason));
    } else {
        const char *explicit_site = json_string_value(site);
        json_t *route = NULL;
        json_t *sites = route_decide(
            p->b->routes, probe, explicit_site && *explicit_site ? explicit_site : NULL, &route);
        json_object_set_new(cmd_entry, "sites", sites);
        json_object_set_new(cmd_entry, "route",
                            json_pack("{s:O?, s:O?}", "decision",
                                      json_object_get(route, "decision"), "reason",
                                      json_object_get(route, "reason")));
        json_decref(route);
    }
    json_decref(probe);
}

static void openc2_effect(preview_t *p, const json_t *step, json_t *entry)
{
    json_object_set_new(entry, "critical",
                        json_boolean(json_is_true(json_object_get(step, "critical"))));
    const json_t *tmpl = json_object_get(step, "command"), *site_t = json_object_get(step, "site");
    const json_t *fe = json_object_get(step, "foreach");
    json_t *items = NULL;
    if (fe) {
        json_object_set(entry, "foreach", (json_t *)fe);
        fs_err_t re = {0};
        const char *why = needs_run_time(p, fe, false);
        items = why ? NULL : playbook_eval(p->pb, json_string_value(fe), p->ctx, &re);
        if (!items) {
            json_object_set(entry, "command", (json_t *)tmpl);
            json_object_set_new(entry, "rendered", json_false());
            json_object_set_new(entry, "why", json_string(why ? why : re.text));
            return;
        }
    } else {
        items = json_pack("[n]");
    }
    json_t *commands = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        if (i >= FOREACH_MAX) {
            json_object_set_new(entry, "more",
                                json_integer((json_int_t)(json_array_size(items) - i)));
            break;
        }
        json_object_set(p->ctx, "item", item);
        json_t *c = json_object();
        json_t *cmd = render_into(p, c, "command", tmpl, fe != NULL);
        json_t *site = site_t ? render_into(p, c, "site", site_t, fe != NULL) : json_null();
        if (cmd && site)
            route_into(p, c, cmd, site);
        if (!site_t)
            json_object_set_new(c, "site", json_null());
        json_decref(cmd);
        json_decref(site);
        json_array_append_new(commands, c);
    }
    json_object_set_new(p->ctx, "item", json_null());
    json_decref(items);
    json_object_set_new(entry, "commands", commands);
}

static void add_steps(preview_t *p, const json_t *list, size_t from, const char *pointer,
                      const char *when, int depth);

static void add_step(preview_t *p, const json_t *step, const char *pointer, const char *when,
                     int depth)
{
    if (json_array_size(p->out) >= PREVIEW_MAX) {
        return;
    }
    const char *type = json_string_value(json_object_get(step, "type"));
    if (!type)
        return;
    char sub[320], cond[320];
    if (strcmp(type, "condition") == 0) {
        snprintf(cond, sizeof cond, "if %s", json_string_value(json_object_get(step, "if")));
        if (snprintf(sub, sizeof sub, "%s/then", pointer) >= (int)sizeof sub)
            return;
        add_steps(p, json_object_get(step, "then"), 0, sub, cond, depth + 1);
        snprintf(cond, sizeof cond, "unless %s", json_string_value(json_object_get(step, "if")));
        if (snprintf(sub, sizeof sub, "%s/else", pointer) >= (int)sizeof sub)
            return;
        add_steps(p, json_object_get(step, "else"), 0, sub, cond, depth + 1);
        return;
    }
    if (strcmp(type, "foreach") == 0 || strcmp(type, "parallel") == 0) {
        if (type[0] == 'f') {
            snprintf(cond, sizeof cond, "for each of %s",
                     json_string_value(json_object_get(step, "items")));
            if (snprintf(sub, sizeof sub, "%s/steps", pointer) >= (int)sizeof sub)
                return;
            add_steps(p, json_object_get(step, "steps"), 0, sub, cond, depth + 1);
        } else {
            size_t i;
            json_t *br;
            json_array_foreach(json_object_get(step, "branches"), i, br)
            {
                if (snprintf(sub, sizeof sub, "%s/branches/%zu", pointer, i) >= (int)sizeof sub)
                    return;
                add_steps(p, br, 0, sub, "in parallel", depth + 1);
            }
        }
        return;
    }
    json_t *entry = json_pack("{s:s, s:O?, s:s, s:O?, s:s?}", "pointer", pointer, "step",
                              json_object_get(step, "id"), "type", type, "title",
                              json_object_get(step, "title"), "when", when);
    if (strcmp(type, "openc2") == 0) {
        openc2_effect(p, step, entry);
    } else if (strcmp(type, "set") == 0) {
        json_decref(render_into(p, entry, "case", json_object_get(step, "case"), false));
    } else if (strcmp(type, "enrich") == 0 || strcmp(type, "action") == 0) {
        const char *who = type[0] == 'e' ? "analyzer" : "responder";
        json_object_set(entry, who, json_object_get(step, who));
        if (json_object_get(step, "site"))
            json_decref(render_into(p, entry, "site", json_object_get(step, "site"), false));
    } else if (strcmp(type, "approval") == 0) {
        json_object_set(entry, "role", json_object_get(step, "role"));
        json_object_set(entry, "quorum", json_object_get(step, "quorum"));
    } else if (strcmp(type, "wait") == 0) {
        json_object_set(entry, "duration", json_object_get(step, "duration"));
    } else if (strcmp(type, "playbook") == 0) {
        json_object_set(entry, "name", json_object_get(step, "name"));
        json_object_set_new(entry, "why",
                            json_string("a sub-playbook: its steps are the version active at the "
                                        "site when the run reaches it"));
    }
    json_array_append_new(p->out, entry);
}

static void add_steps(preview_t *p, const json_t *list, size_t from, const char *pointer,
                      const char *when, int depth)
{
    if (depth > 8)
        return;
    for (size_t i = from; i < json_array_size(list); i++) {
        char ptr[320];
        if (snprintf(ptr, sizeof ptr, "%s/%zu", pointer, i) >= (int)sizeof ptr)
            return;
        add_step(p, json_array_get(list, i), ptr, when, depth);
    }
}

/* The steps after the gate at `path`: its later siblings, then those of
   each enclosing step, up to the root. */
static json_t *effects_after(preview_t *p, const json_t *doc, const char *path, json_t *ap)
{
    frame_t f[FRAMES_MAX];
    size_t n = resolve_path(doc, path, f, FRAMES_MAX);
    if (!n) {
        json_object_set_new(ap, "effects_note",
                            json_string("the gate is inside a sub-playbook: see that playbook's "
                                        "steps after this gate"));
        return p->out;
    }
    for (size_t k = n; k-- > 0;) {
        char list_ptr[256];
        snprintf(list_ptr, sizeof list_ptr, "%s", f[k].pointer);
        char *slash = strrchr(list_ptr, '/');
        if (slash)
            *slash = '\0';
        add_steps(p, f[k].list, f[k].index + 1, list_ptr, NULL, 0);
    }
    if (json_array_size(p->out) >= PREVIEW_MAX)
        json_object_set_new(ap, "effects_truncated", json_true());
    return p->out;
}

/* ---- the case, the quorum, the payloads ----------------------------------------- */

static json_t *evidence_of(const json_t *c)
{
    if (!c)
        return json_null();
    json_t *alerts = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(c, "alerts"), i, a)
    {
        if (i >= 50)
            break;
        json_array_append(alerts, a);
    }
    return json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:o, s:O?, s:O?}", "case_id",
                     json_object_get(c, "id"), "title", json_object_get(c, "title"), "severity_id",
                     json_object_get(c, "severity_id"), "status", json_object_get(c, "status"),
                     "sites", json_object_get(c, "sites"), "alert_count",
                     json_object_get(c, "alert_count"), "alerts", alerts, "observables",
                     json_object_get(c, "observables"), "attack_techniques",
                     json_object_get(c, "attacks"));
}

static json_t *quorum_of(const json_t *ap)
{
    json_t *votes = json_array();
    size_t i, approvals = 0;
    json_t *v;
    json_array_foreach(json_object_get(ap, "votes"), i, v)
    {
        const char *d = json_string_value(json_object_get(v, "decision"));
        approvals += d && strcmp(d, "approve") == 0;
        json_array_append_new(
            votes, json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:b}", "operator",
                             json_object_get(v, "operator"), "role", json_object_get(v, "role"),
                             "decision", json_object_get(v, "decision"), "time",
                             json_object_get(v, "time"), "comment", json_object_get(v, "comment"),
                             "signed", json_object_get(v, "signature") != NULL));
    }
    return json_pack("{s:O?, s:I, s:O?, s:o}", "needed", json_object_get(ap, "quorum"), "approvals",
                     (json_int_t)approvals, "role", json_object_get(ap, "role"), "votes", votes);
}

static json_t *payloads_of(const json_t *ap, const caller_t *who)
{
    uint64_t id = (uint64_t)json_integer_value(json_object_get(ap, "id"));
    uint64_t run = (uint64_t)json_integer_value(json_object_get(ap, "run_id"));
    int q = (int)json_integer_value(json_object_get(ap, "quorum"));
    int64_t now = fs_now_ms();
    char *yes = governance_vote_payload(id, run, "approve", who->operator_name, q, now);
    char *no = governance_vote_payload(id, run, "deny", who->operator_name, q, now);
    json_t *out = json_pack("{s:s?, s:s?, s:s, s:s}", "approve", yes, "deny", no, "signer",
                            who->operator_name, "note",
                            "sign the exact text with your operator Ed25519 signing key and send "
                            "it as payload with the signature; its time must be within an hour "
                            "of the broker's clock");
    free(yes);
    free(no);
    return out;
}

static int collect_site_name(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)val;
    json_array_append_new(arg, json_stringn(key->data, key->len));
    return 0;
}

json_t *control_approval_show(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e)
{
    json_t *ap = control_row_by_id(b, txn, args, who, CASESTORE_DB_APPROVALS, "approval", e);
    if (!ap)
        return NULL;
    unsigned char key[8];
    fs_u64_to_be((uint64_t)json_integer_value(json_object_get(ap, "run_id")), key);
    json_t *run = casestore_get_json(b->store, txn, CASESTORE_DB_RUNS, key, 8);
    json_t *kase = casestore_case_get(b->store, txn,
                                      (uint64_t)json_integer_value(json_object_get(ap, "case_id")));
    const char *version = json_string_value(json_object_get(run, "version"));
    json_t *doc = version ? casestore_get_json(b->store, txn, CASESTORE_DB_PLAYBOOKS, version,
                                               strlen(version))
                          : NULL;
    fs_err_t pe = {0};
    playbook_t *pb = doc ? playbook_parse(doc, version, &pe) : NULL;
    json_t *effects = json_array();
    if (pb) {
        json_t *event = casestore_event_view(
            b->store, txn, (uint64_t)json_integer_value(json_object_get(run, "event_id")));
        json_t *sites = json_array();
        casestore_foreach(b->store, txn, CASESTORE_DB_SITES, false, collect_site_name, sites);
        preview_t p = {
            b, pb,
            json_pack("{s:o, s:O, s:O, s:o, s:{s:O?}, s:n, s:{}}", "event",
                      event ? event : json_object(), "case", kase ? kase : json_null(), "steps",
                      json_object_get(run, "steps") ? json_object_get(run, "steps") : json_null(),
                      "sites", sites, "run", "id", json_object_get(run, "id"), "item", "each"),
            run, effects};
        json_t *console = runs_console_context(b);
        if (console)
            json_object_set_new(p.ctx, "console", console);
        effects_after(&p, doc, json_string_value(json_object_get(ap, "path")), ap);
        json_decref(p.ctx);
    } else {
        json_object_set_new(ap, "effects_note",
                            json_string(run ? "the run's playbook version is not stored"
                                            : "the gate's run is not stored"));
    }
    json_object_set_new(ap, "effects", effects);
    json_object_set_new(ap, "evidence", evidence_of(kase));
    json_object_set_new(ap, "quorum_state", quorum_of(ap));
    const char *status = json_string_value(json_object_get(ap, "status"));
    if (status && strcmp(status, "open") == 0)
        json_object_set_new(ap, "vote_payloads", payloads_of(ap, who));
    playbook_destroy(&pb);
    json_decref(doc);
    json_decref(kase);
    json_decref(run);
    return ap;
}
