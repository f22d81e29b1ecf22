/*  control.c — operator requests on the control socket (fedsoarctl).
    One handler per command; every request is CONTROL {"cmd", "args"} and
    every answer REPLY {"ok": true, "result"} or {"ok": false, "error"}. */
#include "broker_internal.h"

#include <string.h>

/* A site-admin sees and changes only cases that involve its own site. */
static bool case_visible(const caller_t *who, const json_t *c)
{
    if (!who->role || strcmp(who->role, "site-admin") != 0)
        return true;
    size_t i;
    json_t *site;
    json_array_foreach(json_object_get(c, "sites"), i,
                       site) if (who->site &&
                                 strcmp(json_string_value(site), who->site) == 0) return true;
    return false;
}

typedef json_t *(control_fn)(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e);

static int collect_site(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    json_t *out = arg;
    char site[64];
    snprintf(site, sizeof site, "%.*s", (int)key->len, (const char *)key->data);
    json_t *rec = json_loadb(val->data, val->len, 0, NULL);
    if (rec)
        json_object_set_new(out, site, rec);
    return 0;
}

static json_t *site_records(broker_t *b, casestore_txn_t *txn)
{
    json_t *out = json_object();
    casestore_foreach(b->store, txn, CASESTORE_DB_SITES, false, collect_site, out);
    return out;
}

/* Counters "refused/SITE/REASON" -> {"SITE": {"REASON": n}}. */
static int collect_refused(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    json_t *out = arg;
    char name[128];
    if (key->len >= sizeof name || val->len != 8)
        return 0;
    memcpy(name, key->data, key->len);
    name[key->len] = '\0';
    char *site = strncmp(name, "refused/", 8) == 0 ? name + 8 : NULL;
    char *reason = site ? strchr(site, '/') : NULL;
    if (!reason)
        return 0;
    *reason++ = '\0';
    json_t *per = json_object_get(out, site);
    if (!per)
        json_object_set_new(out, site, per = json_object());
    json_object_set_new(per, reason, json_integer((json_int_t)fs_u64_from_be(val->data)));
    return 0;
}

static json_t *do_stats(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                        fs_err_t *e)
{
    (void)args, (void)e, (void)who;
    json_t *records = site_records(b, txn);
    json_t *ev_per = json_object(), *dl_per = json_object(), *connected = json_array();
    json_int_t dl_total = 0;
    const char *site;
    json_t *rec;
    json_object_foreach(records, site, rec)
    {
        char name[96];
        snprintf(name, sizeof name, "events/%s", site);
        json_object_set_new(ev_per, site,
                            json_integer((json_int_t)casestore_counter(b->store, txn, name)));
        json_int_t dl = json_integer_value(json_object_get(rec, "dead_letters"));
        json_object_set_new(dl_per, site, json_integer(dl));
        dl_total += dl;
        session_t *s = zhashx_lookup(b->sessions, site);
        if (s && s->connected)
            json_array_append_new(connected, json_string(site));
    }
    json_t *dup_per = json_object(), *refused = json_object();
    json_object_foreach(records, site, rec)
    {
        char name[96];
        snprintf(name, sizeof name, "duplicates/%s", site);
        json_object_set_new(dup_per, site,
                            json_integer((json_int_t)casestore_counter(b->store, txn, name)));
    }
    casestore_foreach(b->store, txn, CASESTORE_DB_COUNTERS, false, collect_refused, refused);
    json_decref(records);
    uint64_t cmds = casestore_counter(b->store, txn, "commands");
    uint64_t answered = casestore_counter(b->store, txn, "commands/answered");
    return json_pack(
        "{s:{s:I, s:o, s:o, s:o}, s:{s:I, s:o}, s:I, s:I, s:{s:I, s:I, s:I}, s:o, s:{s:I}}",
        "events", "total", (json_int_t)casestore_counter(b->store, txn, "events"), "per_site",
        ev_per, "duplicates_per_site", dup_per, "refused_per_site", refused, "dead_letters",
        "total", dl_total, "per_site", dl_per, "cases",
        (json_int_t)casestore_counter(b->store, txn, "cases"), "runs",
        (json_int_t)casestore_counter(b->store, txn, "runs"), "commands", "total", (json_int_t)cmds,
        "answered", (json_int_t)answered, "pending", (json_int_t)(cmds - answered),
        "connected_sites", connected, "handshakes", "refused", (json_int_t)b->handshakes.refused);
}

static json_t *do_sites(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                        fs_err_t *e)
{
    (void)args, (void)e, (void)who;
    json_t *records = site_records(b, txn);
    const char *site;
    json_t *rec;
    json_object_foreach(records, site, rec)
    {
        session_t *s = zhashx_lookup(b->sessions, site);
        char name[96];
        snprintf(name, sizeof name, "events/%s", site);
        json_object_set_new(rec, "connected", json_boolean(s && s->connected));
        json_object_set_new(rec, "events_received",
                            json_integer((json_int_t)casestore_counter(b->store, txn, name)));
    }
    return records;
}

struct case_list_ctx {
    json_t *out;
    const caller_t *who;
};

static int collect_case(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    struct case_list_ctx *l = arg;
    json_t *out = l->out;
    json_t *c = json_loadb(val->data, val->len, 0, NULL);
    if (!c)
        return 0;
    if (!case_visible(l->who, c)) {
        json_decref(c);
        return 0;
    }
    json_array_append_new(
        out,
        json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(c, "id"),
                  "title", json_object_get(c, "title"), "status", json_object_get(c, "status"),
                  "severity_id", json_object_get(c, "severity_id"), "sites",
                  json_object_get(c, "sites"), "alert_count", json_object_get(c, "alert_count"),
                  "assignee", json_object_get(c, "assignee"), "created",
                  json_object_get(c, "created"), "updated", json_object_get(c, "updated")));
    json_decref(c);
    return json_array_size(out) >= 1000; /* newest first, bounded */
}

static json_t *do_case_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                            const caller_t *who, fs_err_t *e)
{
    (void)args, (void)e;
    struct case_list_ctx l = {json_array(), who};
    casestore_foreach(b->store, txn, CASESTORE_DB_CASES, true, collect_case, &l);
    return l.out;
}

static json_t *do_case_show(broker_t *b, casestore_txn_t *txn, const json_t *args,
                            const caller_t *who, fs_err_t *e)
{
    json_int_t id = json_integer_value(json_object_get(args, "id"));
    json_t *c = id > 0 ? casestore_case_get(b->store, txn, (uint64_t)id) : NULL;
    if (c && !case_visible(who, c)) {
        json_decref(c);
        fs_err_set(
            e, "case %lld does not involve site %s: a site-admin sees only its own site's cases",
            (long long)id, who->site ? who->site : "(none)");
        return NULL;
    }
    if (!c) {
        fs_err_set(e, "no case %lld", (long long)id);
        return NULL;
    }
    json_object_set_new(c, "timeline", casestore_timeline(b->store, txn, (uint64_t)id, 10000));
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

static json_t *do_case_update(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e)
{
    json_int_t id = json_integer_value(json_object_get(args, "id"));
    json_t *fields = json_object_get(args, "fields");
    char by[96];
    snprintf(by, sizeof by, "operator:%s", who->operator_name);
    json_t *c = id > 0 ? casestore_case_get(b->store, txn, (uint64_t)id) : NULL;
    bool visible = !c || case_visible(who, c);
    json_decref(c);
    if (!visible) {
        fs_err_set(
            e, "case %lld does not involve site %s: a site-admin changes only its own site's cases",
            (long long)id, who->site ? who->site : "(none)");
        return NULL;
    }
    if (id <= 0 || !json_is_object(fields) ||
        casestore_case_update(b->store, txn, (uint64_t)id, fields, by, e) != 0) {
        if (!e->text[0])
            fs_err_set(e, "case.update needs id and fields");
        return NULL;
    }
    return casestore_case_get(b->store, txn, (uint64_t)id);
}

static json_t *do_metrics(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e)
{
    (void)args, (void)who, (void)e;
    return casestore_case_metrics(b->store, txn);
}

struct list_ctx {
    json_t *out;
    const char *status; /* only records with this status, or NULL */
};

static int collect_record(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    struct list_ctx *l = arg;
    json_t *r = json_loadb(val->data, val->len, 0, NULL);
    const char *st = json_string_value(json_object_get(r, "status"));
    if (r && (!l->status || (st && strcmp(st, l->status) == 0))) {
        json_object_del(r, "nodes"); /* engine state: not for listings */
        json_array_append(l->out, r);
    }
    json_decref(r);
    return json_array_size(l->out) >= 1000;
}

static json_t *do_approvals_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                 const caller_t *who, fs_err_t *e)
{
    (void)who, (void)e;
    struct list_ctx l = {json_array(), json_is_true(json_object_get(args, "all")) ? NULL : "open"};
    casestore_foreach(b->store, txn, CASESTORE_DB_APPROVALS, true, collect_record, &l);
    return l.out;
}

static json_t *do_approval_decide(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                  const caller_t *who, fs_err_t *e)
{
    json_int_t id = json_integer_value(json_object_get(args, "id"));
    const char *decision = json_string_value(json_object_get(args, "decision"));
    if (id <= 0 || !decision ||
        (strcmp(decision, "approve") != 0 && strcmp(decision, "deny") != 0)) {
        fs_err_set(e, "approval.decide needs id and decision approve|deny");
        return NULL;
    }
    json_t *result = NULL;
    if (runs_decide(b, txn, (uint64_t)id, who->operator_name, who->role, decision[0] == 'a',
                    json_string_value(json_object_get(args, "comment")),
                    json_string_value(json_object_get(args, "signature")),
                    json_string_value(json_object_get(args, "payload")), who->outgoing, &result,
                    e) != 0)
        return NULL;
    return result;
}

static json_t *do_approval_show(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e)
{
    (void)who;
    json_int_t id = json_integer_value(json_object_get(args, "id"));
    unsigned char key[8];
    fs_u64_to_be((uint64_t)(id > 0 ? id : 0), key);
    json_t *ap = id > 0 ? casestore_get_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8) : NULL;
    if (!ap)
        fs_err_set(e, "no approval %lld", (long long)id);
    return ap;
}

static json_t *do_audit_verify(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    (void)who;
    const json_t *witnesses = json_object_get(args, "witnesses");
    if (witnesses && !json_is_array(witnesses)) {
        fs_err_set(e,
                   "audit.verify: args.witnesses must be an array of {\"site\", \"checkpoint\"}");
        return NULL;
    }
    return casestore_audit_verify(b->store, txn, b->sign_pub[0] ? b->sign_pub : NULL, witnesses);
}

static json_t *do_audit_export(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    (void)who, (void)e;
    json_int_t since = json_integer_value(json_object_get(args, "since"));
    json_t *entries = json_array();
    /* A page stays well under the 1 MiB reply limit (protocol §4). */
    uint64_t last =
        casestore_audit_export(b->store, txn, since > 0 ? (uint64_t)since : 0, 512 * 1024, entries);
    return json_pack("{s:o, s:I}", "entries", entries, "last", (json_int_t)last);
}

static json_t *do_runs_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                            const caller_t *who, fs_err_t *e)
{
    (void)who, (void)e;
    struct list_ctx l = {json_array(), json_string_value(json_object_get(args, "status"))};
    casestore_foreach(b->store, txn, CASESTORE_DB_RUNS, true, collect_record, &l);
    return l.out;
}

static json_t *do_run_show(broker_t *b, casestore_txn_t *txn, const json_t *args,
                           const caller_t *who, fs_err_t *e)
{
    (void)who;
    json_int_t id = json_integer_value(json_object_get(args, "id"));
    unsigned char key[8];
    fs_u64_to_be((uint64_t)(id > 0 ? id : 0), key);
    json_t *run = id > 0 ? casestore_get_json(b->store, txn, CASESTORE_DB_RUNS, key, 8) : NULL;
    if (!run)
        fs_err_set(e, "no run %lld", (long long)id);
    return run;
}

static json_t *do_route_explain(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e)
{
    (void)txn, (void)who;
    const json_t *command = json_object_get(args, "command");
    char reason[256];
    int verdict =
        json_is_object(command) ? openc2_validate_command(command, reason, sizeof reason) : 400;
    if (verdict != OPENC2_VALID) {
        fs_err_set(e, "%d %s", verdict,
                   json_is_object(command) ? reason : "args.command: an OpenC2 command object");
        return NULL;
    }
    json_t *ex = NULL;
    json_t *sites =
        route_decide(b->routes, command, json_string_value(json_object_get(args, "site")), &ex);
    json_decref(sites);
    if (!ex)
        fs_err_set(e, "out of memory");
    return ex;
}

/* Roles (docs/governance.md "Roles"): who may run each command, by the
   role= metadata of the operator's key. NULL = any trusted operator.
   site-admin is further limited to its own site (site= metadata) inside
   the handlers: cases of its site, activation and rollback at its site. */
#define ANY NULL
#define ADMIN "admin"
static const struct {
    const char *name;
    control_fn *fn;
    bool write;
    const char *roles;
} commands[] = {
    {"stats", do_stats, false, ANY},
    {"sites", do_sites, false, ANY},
    {"case.list", do_case_list, false, ANY},
    {"case.show", do_case_show, false, ANY},
    {"case.update", do_case_update, true, "analyst,site-admin," ADMIN},
    {"metrics", do_metrics, false, ANY},
    {"approvals.list", do_approvals_list, false, ANY},
    {"approval.show", do_approval_show, false, ANY},
    {"approval.decide", do_approval_decide, true, ANY}, /* the gate's own role, checked there */
    {"runs.list", do_runs_list, false, ANY},
    {"run.show", do_run_show, false, ANY},
    {"route.explain", do_route_explain, false, ANY},
    {"playbook.submit", governance_ctl_submit, true, "analyst,approver,site-admin," ADMIN},
    {"playbook.get", governance_ctl_get, false, ANY},
    {"playbook.history", governance_ctl_history, false, ANY},
    {"playbook.status", governance_ctl_status, false, ANY},
    {"playbook.compare", governance_ctl_compare, false, ANY},
    {"playbook.decide", governance_ctl_decide, true, "approver," ADMIN}, /* and board membership */
    {"playbook.activate", governance_ctl_activate, true, "site-admin," ADMIN},
    {"playbook.rollback", governance_ctl_rollback, true, "site-admin," ADMIN},
    {"playbook.retire", governance_ctl_retire, true, ADMIN},
    {"audit.verify", do_audit_verify, false, "approver," ADMIN},
    {"audit.export", do_audit_export, false, "approver," ADMIN},
};

static bool role_allowed(const char *roles, const char *role)
{
    if (!roles)
        return true;
    if (!role)
        return false;
    size_t n = strlen(role);
    for (const char *p = roles; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, role, n) == 0)
            return true;
        p += len + (comma ? 1 : 0);
    }
    return false;
}

void broker_on_control_message(broker_t *b)
{
    fsp_msg_t m;
    fs_err_t e = {{0}};
    json_t *reply = NULL;
    const key_identity_t *id = NULL;
    if (fsp_recv(b->control, true, &m, &e) != 0) {
        reply = json_pack("{s:b, s:s}", "ok", 0, "error", e.text);
    } else if (m.type != FSP_CONTROL) {
        reply = json_pack("{s:b, s:s}", "ok", 0, "error", "§6: only CONTROL on this socket");
    } else if (!b->cfg.insecure &&
               (!(id = keystore_lookup(b->keys, m.peer_key)) || id->kind != KEY_OPERATOR)) {
        /* The ZAP handler admits only operator keys here: not reached. */
        fs_log(FS_LOG_WARN, "broker", "control_refused", "reason=\"key is not an operator key\"");
        reply = json_pack("{s:b, s:s}", "ok", 0, "error", "§6: this key is not an operator key");
    } else {
        const char *cmd = json_string_value(json_object_get(m.body, "cmd"));
        int found = -1;
        for (size_t i = 0; cmd && i < sizeof commands / sizeof *commands; i++)
            if (strcmp(commands[i].name, cmd) == 0)
                found = (int)i;
        /* Who is asking: the key store's record of this key, nothing else. */
        caller_t who = {id ? id->name : "insecure", id ? id->role : "admin",
                        id && id->site[0] ? id->site : NULL, json_array()};
        casestore_txn_t *txn = NULL;
        json_t *result = NULL;
        if (found < 0) {
            fs_err_set(&e, "unknown control command \"%s\"", cmd ? cmd : "(none)");
        } else if (!role_allowed(commands[found].roles, who.role)) {
            fs_err_set(&e, "%s needs role %s; operator %s has role %s", cmd, commands[found].roles,
                       who.operator_name, who.role ? who.role : "(none)");
            fs_log(FS_LOG_WARN, "broker", "control_denied", "operator=%s role=%s cmd=%s",
                   who.operator_name, who.role ? who.role : "-", cmd);
        } else if (casestore_begin(b->store, commands[found].write, &txn, &e) == 0) {
            result = commands[found].fn(b, txn, json_object_get(m.body, "args"), &who, &e);
            if (commands[found].write && result && casestore_commit(&txn, &e) != 0) {
                json_decref(result);
                result = NULL;
            }
            casestore_abort(&txn);
            if (result)
                runs_send(b, who.outgoing);
        }
        json_decref(who.outgoing);
        reply = result ? json_pack("{s:b, s:o}", "ok", 1, "result", result)
                       : json_pack("{s:b, s:s}", "ok", 0, "error", e.text);
    }
    if (m.peer)
        fsp_send(b->control, m.peer, FSP_REPLY, reply);
    json_decref(reply);
    fsp_msg_clear(&m);
}
