/*  approvals.c — approval gates: a step's gate opened in the run's
    transaction (CASESTORE_DB_APPROVALS), and operators' votes on it (role,
    distinct operators, quorum, one deny closes it; signed votes checked
    against the operator's trusted signing key).  A decided gate wakes its
    run; a gate whose timer fires first is closed by timers.c. */
#include "broker_internal.h"
#include "manual_validation.h"
#include "rollout_internal.h"

#include <string.h>

int approvals_open(run_ctx_t *c, const playbook_effect_t *fx)
{
    broker_t *b = c->b;
    uint64_t id = casestore_next_id(b->store, c->txn, "approval_id", c->e);
    if (!id)
        return -1;
    json_t *rec = json_pack(
        "{s:I, s:I, s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:s, s:[], s:I}", "id",
        (json_int_t)id, "run_id", (json_int_t)runs_id_of(c->run), "case_id",
        (json_int_t)runs_case_id_of(c->run), "playbook", json_object_get(c->run, "playbook"),
        "path", json_object_get(fx->doc, "path"), "step", json_object_get(fx->doc, "step"), "role",
        json_object_get(fx->doc, "role"), "quorum", json_object_get(fx->doc, "quorum"), "deadline",
        json_object_get(fx->doc, "deadline"), "on_timeout", json_object_get(fx->doc, "on_timeout"),
        "reason", json_object_get(fx->doc, "reason"), "status", "open", "votes", "created",
        (json_int_t)fs_now_ms());
    unsigned char key[8];
    fs_u64_to_be(id, key);
    int rc = casestore_put_json(b->store, c->txn, CASESTORE_DB_APPROVALS, key, 8, rec, c->e);
    json_decref(rec);
    /* The run's node remembers its gate, so a timeout can close it. */
    json_t *node = json_object_get(json_object_get(c->run, "nodes"),
                                   json_string_value(json_object_get(fx->doc, "path")));
    json_object_set_new(node, "approval_id", json_integer((json_int_t)id));
    if (rc == 0)
        rc = runs_timeline(c, "approval_requested",
                           json_pack("{s:I, s:O, s:O, s:O, s:O, s:O}", "approval_id",
                                     (json_int_t)id, "step", json_object_get(fx->doc, "step"),
                                     "role", json_object_get(fx->doc, "role"), "quorum",
                                     json_object_get(fx->doc, "quorum"), "deadline",
                                     json_object_get(fx->doc, "deadline"), "reason",
                                     json_object_get(fx->doc, "reason")));
    fs_log(FS_LOG_INFO, "broker", "approval_requested", "approval_id=%llu run_id=%llu role=%s",
           (unsigned long long)id, (unsigned long long)runs_id_of(c->run),
           json_string_value(json_object_get(fx->doc, "role")));
    return rc;
}

/* A signed vote must be this operator's, on this gate of this run, with
   this decision and quorum, recent, and verify with the operator's trusted
   signing key. */
static int check_vote_signature(broker_t *b, const json_t *ap, uint64_t approval_id,
                                const char *operator_name, bool approve, const char *signature,
                                const char *payload, fs_err_t *e)
{
    fs_err_t pe = {0};
    json_t *p = governance_vote_parse(payload, strlen(payload), &pe);
    if (!p)
        return fs_err_set(e, "signed vote refused: %s", pe.text);
    int rc = 0;
    int64_t t = json_integer_value(json_object_get(p, "time")), now = fs_now_ms();
    if ((uint64_t)json_integer_value(json_object_get(p, "approval_id")) != approval_id ||
        json_integer_value(json_object_get(p, "run_id")) !=
            json_integer_value(json_object_get(ap, "run_id")))
        rc = fs_err_set(e,
                        "signed vote refused: it is for approval %lld of run %lld, not approval "
                        "%llu of run %lld",
                        (long long)json_integer_value(json_object_get(p, "approval_id")),
                        (long long)json_integer_value(json_object_get(p, "run_id")),
                        (unsigned long long)approval_id,
                        (long long)json_integer_value(json_object_get(ap, "run_id")));
    else if (strcmp(json_string_value(json_object_get(p, "operator")), operator_name) != 0)
        rc = fs_err_set(e, "signed vote refused: signed for operator %s, sent by %s",
                        json_string_value(json_object_get(p, "operator")), operator_name);
    else if (strcmp(json_string_value(json_object_get(p, "decision")),
                    approve ? "approve" : "deny") != 0)
        rc = fs_err_set(e, "signed vote refused: the signed decision is not %s",
                        approve ? "approve" : "deny");
    else if (json_integer_value(json_object_get(p, "quorum")) !=
             json_integer_value(json_object_get(ap, "quorum")))
        rc = fs_err_set(e, "signed vote refused: signed for quorum %lld, the gate's is %lld",
                        (long long)json_integer_value(json_object_get(p, "quorum")),
                        (long long)json_integer_value(json_object_get(ap, "quorum")));
    else if (t > now + 5 * 60 * 1000 || now - t > 60 * 60 * 1000)
        rc = fs_err_set(
            e, "signed vote refused: its time is more than an hour from the broker's clock");
    else if (governance_signature_check(b->cfg.keys_dir, operator_name, payload, signature, &pe) !=
             0)
        rc = fs_err_set(e, "signed vote refused: %s", pe.text);
    json_decref(p);
    return rc;
}

int approvals_decide(broker_t *b, casestore_txn_t *txn, uint64_t approval_id,
                     const char *operator_name, const char *role, bool approve, const char *comment,
                     const char *signature, const char *payload, outbound_t *out, json_t **result,
                     fs_err_t *e)
{
    unsigned char key[8];
    fs_u64_to_be(approval_id, key);
    json_t *ap = casestore_get_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8);
    if (!ap)
        return fs_err_setc(e, BROKER_E_NOT_FOUND, "no approval %llu",
                           (unsigned long long)approval_id);
    int rc = 0;
    const char *need = json_string_value(json_object_get(ap, "role"));
    const char *status = json_string_value(json_object_get(ap, "status"));
    json_t *votes = json_object_get(ap, "votes");
    size_t i;
    json_t *v;
    bool voted = false;
    json_array_foreach(votes, i, v) voted =
        voted || strcmp(json_string_value(json_object_get(v, "operator")), operator_name) == 0;
    if (strcmp(status, "open") != 0) {
        rc = fs_err_setc(e, BROKER_E_CONFLICT, "approval %llu is %s, no longer open",
                         (unsigned long long)approval_id, status);
    } else if (!role || (strcmp(role, need) != 0 && strcmp(role, "admin") != 0)) {
        rc = fs_err_setc(e, BROKER_E_DENIED, "approval %llu needs role %s; operator %s has role %s",
                         (unsigned long long)approval_id, need, operator_name,
                         role ? role : "(none)");
    } else if (voted) {
        rc = fs_err_setc(e, BROKER_E_CONFLICT, "operator %s has already decided on approval %llu",
                         operator_name, (unsigned long long)approval_id);
    } else if ((signature || payload) && (!signature || !payload)) {
        rc = fs_err_set(e, "a signed vote needs both signature and payload");
    } else if (!signature && b->gov) {
        rc = fs_err_set(e,
                        "governance is on: votes must be signed (operator %s has no signing key "
                        "KEYS/operators/%s.sign.pem?)",
                        operator_name, operator_name);
    } else if (signature && check_vote_signature(b, ap, approval_id, operator_name, approve,
                                                 signature, payload, e) != 0) {
        rc = -1;
    } else {
        json_array_append_new(votes, json_pack("{s:s, s:s, s:s, s:I, s:s?, s:s?, s:s?}", "operator",
                                               operator_name, "role", role, "decision",
                                               approve ? "approve" : "deny", "time",
                                               (json_int_t)fs_now_ms(), "comment", comment,
                                               "signature", signature, "payload", payload));
        size_t approvals = 0;
        json_array_foreach(votes, i, v) approvals +=
            strcmp(json_string_value(json_object_get(v, "decision")), "approve") == 0;
        const char *outcome =
            !approve                                                                 ? "denied"
            : approvals >= (size_t)json_integer_value(json_object_get(ap, "quorum")) ? "approved"
                                                                                     : NULL;
        if (outcome)
            json_object_set_new(ap, "status", json_string(outcome));
        rc = casestore_put_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8, ap, e);
        json_t *entry = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:I, s:O, s:b}", "approval_id",
                                  (json_int_t)approval_id, "operator", operator_name, "role", role,
                                  "decision", approve ? "approve" : "deny", "comment", comment,
                                  "approvals", (json_int_t)approvals, "quorum",
                                  json_object_get(ap, "quorum"), "signed", signature != NULL);
        if (rc == 0)
            rc = casestore_timeline_add(
                b->store, txn, (uint64_t)json_integer_value(json_object_get(ap, "case_id")),
                "approval_vote", entry, e);
        json_decref(entry);
        if (rc == 0 && outcome && json_object_get(ap, "held")) {
            /* a supervised rollout's gate: carry out (or fail) the held effect */
            rc = supervised_release(b, txn, ap, outcome, out, e);
        } else if (rc == 0 && outcome && json_object_get(ap, "command_id")) {
            /* a person's validation of a manual change: the decision goes to the site */
            rc = manual_validation_decided(b, txn, ap, outcome, out, e);
        } else if (rc == 0 && outcome) {
            json_t *decision = json_pack("{s:s, s:O}", "decision", outcome, "votes", votes);
            rc = runs_wake(b, txn, (uint64_t)json_integer_value(json_object_get(ap, "run_id")),
                           json_string_value(json_object_get(ap, "path")), 0, outcome, decision,
                           out, e);
            json_decref(decision);
        }
        fs_log(FS_LOG_INFO, "broker", "approval_vote",
               "approval_id=%llu operator=%s decision=%s status=%s",
               (unsigned long long)approval_id, operator_name, approve ? "approve" : "deny",
               json_string_value(json_object_get(ap, "status")));
        if (rc == 0 && result)
            *result = json_incref(ap);
    }
    json_decref(ap);
    return rc;
}
