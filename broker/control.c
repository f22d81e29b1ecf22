/*  control.c — operator requests on the control socket (fedsoarctl): the
    command table with the roles allowed to run each one, and the dispatch.
    Every request is CONTROL {"cmd", "args"} and every answer REPLY
    {"ok": true, "result"} or {"ok": false, "error"}.  The handlers live by
    area: control_sites.c, control_cases.c, control_runs.c, control_audit.c,
    governance.c (playbook.*). */
#include "broker_internal.h"
#include "http_internal.h"
#include "passkey_internal.h"
#include "rollout_internal.h"
#include "site_coverage.h"

#include <string.h>

/* A site-admin sees and changes only cases that involve its own site. */
bool control_case_visible(const caller_t *who, const json_t *c)
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
    bool curve_only; /* never over HTTPS: sign-in and credentials are made with a key */
} commands[] = {
    {"stats", control_stats, false, ANY, false},
    {"sites", control_sites, false, ANY, false},
    {"sites.gap", control_sites_gap, false, ANY, false},           /* site_gap.c */
    {"sites.coverage", control_sites_coverage, false, ANY, false}, /* source_coverage.c */
    {"case.list", control_case_list, false, ANY, false},
    {"case.show", control_case_show, false, ANY, false},
    {"case.update", control_case_update, true, "analyst,site-admin," ADMIN, false},
    {"metrics", control_metrics, false, ANY, false},
    {"metrics.by_site", control_metrics_by_site, false, ANY, false},
    {"approvals.list", control_approvals_list, false, ANY, false},
    {"approval.show", control_approval_show, false, ANY, false},
    {"approval.decide", control_approval_decide, true, ANY,
     false}, /* the gate's own role, checked there */
    {"runs.list", control_runs_list, false, ANY, false},
    {"run.show", control_run_show, false, ANY, false},
    {"route.explain", control_route_explain, false, ANY, false},
    {"playbook.submit", governance_ctl_submit, true, "analyst,approver,site-admin," ADMIN, false},
    {"playbook.get", governance_ctl_get, false, ANY, false},
    {"playbook.history", governance_ctl_history, false, ANY, false},
    {"playbook.status", governance_ctl_status, false, ANY, false},
    {"playbook.compare", governance_ctl_compare, false, ANY, false},
    {"playbook.decide", governance_ctl_decide, true, "approver," ADMIN,
     false}, /* and board membership */
    {"playbook.activate", governance_ctl_activate, true, "site-admin," ADMIN, false},
    {"playbook.rollback", governance_ctl_rollback, true, "site-admin," ADMIN, false},
    {"playbook.retire", governance_ctl_retire, true, ADMIN, false},
    /* phased rollout (rollout.c, rollout_promote.c): proposing is an admin's
       or a board member's, signing a member's (checked there) */
    {"rollout.plan", rollout_ctl_plan, true, ADMIN, false},
    {"rollout.list", rollout_ctl_list, false, ANY, false},
    {"rollout.status", rollout_ctl_status, false, ANY, false},
    {"rollout.promote", rollout_ctl_promote, true, "approver," ADMIN, false},
    {"rollout.sign", rollout_ctl_sign, true, "approver," ADMIN, false},
    {"rollout.rollback", rollout_ctl_rollback, true, ADMIN, false},
    {"audit.verify", control_audit_verify, false, "approver," ADMIN, false},
    {"audit.export", control_audit_export, false, "approver," ADMIN, false},
    /* a path on the broker's machine: never over HTTPS (control_backup.c) */
    {"backup", control_backup, false, ADMIN, true},
    /* a standby starts serving (fencing.c) */
    {"promote", control_promote, true, ADMIN, true},
    /* the HTTPS API: http_stream.c, http_metrics.c */
    {"events.since", control_events_since, false, ANY, false},
    {"metrics.prometheus", control_metrics_prometheus, false, ANY, false},
    /* sign-in and API tokens: http_auth.c, http_login.c, control_http_auth.c */
    {"login.link", control_login_link, false, ANY, true},
    {"sessions.list", control_sessions_list, false, ANY, false},
    {"session.revoke", control_session_revoke, true, ANY, true}, /* others': admin only */
    {"session.whoami", control_session_whoami, false, ANY, false},
    {"session.logout", control_session_logout, true, ANY, false},
    {"token.create", control_token_create, true, ADMIN, true},
    {"tokens.list", control_tokens_list, false, ADMIN, false},
    {"token.revoke", control_token_revoke, true, ADMIN, true},
    /* passkeys: passkey_enroll.c (others': admin only) */
    {"passkey.enroll", control_passkey_enroll, true, ANY, true},
    {"passkey.enroll.result", control_passkey_enroll_result, false, ANY, true},
    /* resources of the HTTPS API */
    {"playbooks.list", control_playbooks_list, false, ANY, false},
    {"playbook.diff", control_playbook_diff, false, ANY, false},
    {"playbook.bpmn", control_playbook_bpmn, false, ANY, false},
    {"case.timeline", control_case_timeline, false, ANY, false},
    {"case.note", control_case_note, true, "analyst,site-admin," ADMIN, false},
    /* the identity crosswalk: control_identities.c */
    {"identities.check", control_identities_check, false, ADMIN, false},
    {"identities.load", control_identities_load, true, ADMIN, false},
    {"identities.show", control_identities_show, false, ANY, false},
    {"identities.list", control_identities_list, false, ANY, false},
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

const char *const *broker_control_commands(void)
{
    static const char *names[sizeof commands / sizeof *commands + 1];
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        names[i] = commands[i].name;
    return names;
}

json_t *broker_control_execute(broker_t *b, const char *cmd, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    int found = -1;
    for (size_t i = 0; cmd && i < sizeof commands / sizeof *commands; i++)
        if (strcmp(commands[i].name, cmd) == 0)
            found = (int)i;
    if (found < 0) {
        fs_err_setc(e, BROKER_E_UNKNOWN_COMMAND, "unknown control command \"%s\"",
                    cmd ? cmd : "(none)");
        return NULL;
    }
    if (commands[found].curve_only && who->http) {
        fs_err_setc(e, BROKER_E_DENIED,
                    "%s is made only with an operator key, over the control socket (fedsoarctl)",
                    cmd);
        return NULL;
    }
    if (!role_allowed(commands[found].roles, who->role)) {
        fs_err_setc(e, BROKER_E_DENIED, "%s needs role %s; operator %s has role %s", cmd,
                    commands[found].roles, who->operator_name, who->role ? who->role : "(none)");
        fs_log(FS_LOG_WARN, "broker", "control_denied", "operator=%s role=%s cmd=%s",
               who->operator_name, who->role ? who->role : "-", cmd);
        return NULL;
    }
    if (fencing_standby(b) && commands[found].write && commands[found].fn != control_promote) {
        fs_err_setc(e, BROKER_E_DENIED,
                    "%s: this broker is a standby and takes no write until promoted "
                    "(fedsoarctl promote, docs/operations.md \"Failover and promotion\")",
                    cmd);
        return NULL;
    }
    casestore_txn_t *txn = NULL;
    if (casestore_begin(b->store, commands[found].write, &txn, e) != 0)
        return NULL;
    json_t *result = commands[found].fn(b, txn, args, who, e);
    if (commands[found].write && result && casestore_commit(&txn, e) != 0) {
        json_decref(result);
        result = NULL;
    }
    casestore_abort(&txn);
    if (result && commands[found].fn == control_promote)
        fencing_promoted(b, result);
    if (result)
        delivery_flush(b, who->out);
    outbound_clear(who->out);
    return result;
}

void broker_on_control_message(broker_t *b)
{
    fsp_msg_t m;
    fs_err_t e = {0};
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
        /* Who is asking: the key store's record of this key, nothing else. */
        outbound_t out;
        outbound_init(&out);
        char actor[112];
        snprintf(actor, sizeof actor, "operator:%s", id ? id->name : "insecure");
        caller_t who = {id ? id->name : "insecure",
                        id ? id->role : "admin",
                        id && id->site[0] ? id->site : NULL,
                        &out,
                        actor,
                        false,
                        NULL,
                        NULL};
        json_t *result =
            broker_control_execute(b, json_string_value(json_object_get(m.body, "cmd")),
                                   json_object_get(m.body, "args"), &who, &e);
        reply = result ? json_pack("{s:b, s:o}", "ok", 1, "result", result)
                       : json_pack("{s:b, s:s}", "ok", 0, "error", e.text);
    }
    if (m.peer)
        fsp_send(b->control, m.peer, FSP_REPLY, reply);
    json_decref(reply);
    fsp_msg_clear(&m);
}

const char *broker_strerror(int code)
{
    static const char *const names[] = {
        [BROKER_E_CONFIG - FS_ERR_BASE_BROKER] = "config",
        [BROKER_E_UNKNOWN_COMMAND - FS_ERR_BASE_BROKER] = "unknown_command",
        [BROKER_E_DENIED - FS_ERR_BASE_BROKER] = "denied",
        [BROKER_E_INVALID - FS_ERR_BASE_BROKER] = "invalid",
        [BROKER_E_NOT_FOUND - FS_ERR_BASE_BROKER] = "not_found",
        [BROKER_E_CONFLICT - FS_ERR_BASE_BROKER] = "conflict",
    };
    return code > FS_ERR_BASE_BROKER && code < BROKER_E_LAST_ ? names[code - FS_ERR_BASE_BROKER]
                                                              : "unknown";
}
