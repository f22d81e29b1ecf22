/*  manual_validation.c — a person validates a change IT staff carried out
    by hand (docs/protocol.md §5.4 "Validation by a person").

    The manual actuator at a site, once the ticket is resolved, answers the
    command with a 102 whose results.manual.validation is
    {"approval_role": ROLE, "question": TEXT}.  Storing that RESPONSE opens
    an ordinary approval on the case (CASESTORE_DB_APPROVALS, quorum 1,
    role ROLE, reason TEXT) that also carries "command_id", "site" and
    "kind": "validation"; the command record remembers it as
    "validation": {"approval_id", "role", "status"}.  The site repeats its
    latest answer after every restart, so the approval is opened only when
    the record has none yet.

    Operators decide it like every approval (approval.decide: the role of
    their key in the broker's key store, admin always).  The decision is
    stored on the command record and the COMMAND goes to the site again,
    its body carrying "validation" (commands_body): a COMMAND is resent
    after every WELCOME while the command waits for its final answer, so the
    decision reaches an adapter that was down when it was taken.  The
    approval never wakes the run: the site's final RESPONSE (200 approved,
    500 denied with the reason, 500 when its own validation_timeout_s ran
    out) does, like any other command's. */
#include "manual_validation.h"

#include <string.h>

/* A role is a key-store role name: what `keys init --operators name:role` takes. */
static bool role_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static int open_approval(broker_t *b, casestore_txn_t *txn, const char *site, json_t *rec,
                         const json_t *ask, fs_err_t *e)
{
    const char *role = json_string_value(json_object_get(ask, "approval_role"));
    const char *question = json_string_value(json_object_get(ask, "question"));
    const char *command_id = json_string_value(json_object_get(rec, "command_id"));
    uint64_t case_id = (uint64_t)json_integer_value(json_object_get(rec, "case_id"));
    if (!role_name_ok(role)) {
        /* A site's odd request never refuses its RESPONSE: the stage is
           stored, the case says why nobody was asked. */
        fs_log(FS_LOG_WARN, "broker", "validation_refused",
               "command_id=%s site=%s reason=\"results.manual.validation.approval_role is not a "
               "role name\"",
               command_id, site);
        json_t *entry =
            json_pack("{s:s, s:s, s:s}", "command_id", command_id, "site", site, "reason",
                      "results.manual.validation.approval_role: not a role name "
                      "([a-z0-9_-]{1,32}); no approval opened");
        int rc = casestore_timeline_add(b->store, txn, case_id, "validation_refused", entry, e);
        json_decref(entry);
        return rc;
    }
    uint64_t id = casestore_next_id(b->store, txn, "approval_id", e);
    if (!id)
        return -1;
    char reason[600];
    snprintf(reason, sizeof reason, "%.560s",
             question && *question ? question
                                   : "confirm that the change carried out by hand took effect");
    json_t *ap = json_pack(
        "{s:I, s:O, s:O, s:O, s:O, s:O, s:s, s:i, s:s, s:s, s:[], s:I, s:s, s:s, s:s}", "id",
        (json_int_t)id, "run_id", json_object_get(rec, "run_id"), "case_id",
        json_object_get(rec, "case_id"), "playbook", json_object_get(rec, "playbook"), "path",
        json_object_get(rec, "path"), "step", json_object_get(rec, "step"), "role", role, "quorum",
        1, "reason", reason, "status", "open", "votes", "created", (json_int_t)fs_now_ms(), "kind",
        "validation", "command_id", command_id, "site", site);
    unsigned char key[8];
    fs_u64_to_be(id, key);
    int rc = casestore_put_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8, ap, e);
    json_decref(ap);
    json_object_set_new(rec, "validation",
                        json_pack("{s:I, s:s, s:s}", "approval_id", (json_int_t)id, "role", role,
                                  "status", "open"));
    json_t *entry =
        json_pack("{s:I, s:s, s:s, s:O?, s:s, s:i, s:s, s:b}", "approval_id", (json_int_t)id,
                  "command_id", command_id, "site", site, "step", json_object_get(rec, "step"),
                  "role", role, "quorum", 1, "reason", reason, "validation", 1);
    if (rc == 0)
        rc = casestore_timeline_add(b->store, txn, case_id, "approval_requested", entry, e);
    json_decref(entry);
    fs_log(FS_LOG_INFO, "broker", "validation_requested",
           "approval_id=%llu command_id=%s site=%s role=%s", (unsigned long long)id, command_id,
           site, role);
    return rc;
}

/* The command got its final answer while its approval was still open: the
   approval can no longer change anything, so it is closed. */
static int close_approval(broker_t *b, casestore_txn_t *txn, json_t *rec, int status, fs_err_t *e)
{
    json_t *v = json_object_get(rec, "validation");
    unsigned char key[8];
    fs_u64_to_be((uint64_t)json_integer_value(json_object_get(v, "approval_id")), key);
    json_t *ap = casestore_get_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8);
    int rc = 0;
    const char *now = status == 500 ? "expired" : "closed";
    if (ap && strcmp(json_string_value(json_object_get(ap, "status")) ?: "", "open") == 0) {
        json_object_set_new(ap, "status", json_string(now));
        rc = casestore_put_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8, ap, e);
        json_t *entry = json_pack(
            "{s:O, s:O, s:s, s:i}", "approval_id", json_object_get(v, "approval_id"), "command_id",
            json_object_get(rec, "command_id"), "status", now, "response_status", status);
        if (rc == 0)
            rc = casestore_timeline_add(
                b->store, txn, (uint64_t)json_integer_value(json_object_get(rec, "case_id")),
                "approval_closed", entry, e);
        json_decref(entry);
    }
    json_object_set_new(v, "status", json_string(now));
    json_decref(ap);
    return rc;
}

int manual_validation_on_response(broker_t *b, casestore_txn_t *txn, const char *site, json_t *rec,
                                  const json_t *response, fs_err_t *e)
{
    int status = (int)json_number_value(json_object_get(response, "status"));
    json_t *have = json_object_get(rec, "validation");
    if (status != 102) {
        const char *st = json_string_value(json_object_get(have, "status"));
        return st && strcmp(st, "open") == 0 ? close_approval(b, txn, rec, status, e) : 0;
    }
    const json_t *ask = json_object_get(
        json_object_get(json_object_get(response, "results"), "manual"), "validation");
    if (!json_is_object(ask) || have)
        return 0; /* no request, or asked before (a repeated answer) */
    return open_approval(b, txn, site, rec, ask, e);
}

int manual_validation_decided(broker_t *b, casestore_txn_t *txn, const json_t *ap,
                              const char *outcome, outbound_t *out, fs_err_t *e)
{
    const char *command_id = json_string_value(json_object_get(ap, "command_id"));
    json_t *rec =
        casestore_get_json(b->store, txn, CASESTORE_DB_COMMANDS, command_id, strlen(command_id));
    if (!rec)
        return fs_err_set(e, "approval %lld validates command %s, which the broker does not have",
                          (long long)json_integer_value(json_object_get(ap, "id")), command_id);
    /* The reason is the deciding vote's comment (the last vote: a deny
       closes the approval, and its quorum is 1). */
    json_t *votes = json_object_get(ap, "votes");
    json_t *last = json_array_get(votes, json_array_size(votes) - 1);
    const char *comment = json_string_value(json_object_get(last, "comment"));
    json_t *v =
        json_pack("{s:O, s:s, s:O, s:s, s:I}", "approval_id", json_object_get(ap, "id"), "status",
                  outcome, "operator", json_object_get(last, "operator"), "reason",
                  comment && *comment                ? comment
                  : strcmp(outcome, "approved") == 0 ? "confirmed"
                                                     : "no reason given",
                  "decided", (json_int_t)fs_now_ms());
    json_object_set_new(rec, "validation", v);
    int rc = casestore_put_json(b->store, txn, CASESTORE_DB_COMMANDS, command_id,
                                strlen(command_id), rec, e);
    const char *state = json_string_value(json_object_get(rec, "state"));
    /* Still waiting for its final answer: tell the site now (and after
       every WELCOME until it answers, delivery.c resends pending commands). */
    if (rc == 0 && (!state || strcmp(state, "answered") != 0))
        outbound_push(out, json_string_value(json_object_get(rec, "site")), FSP_COMMAND,
                      commands_body(rec));
    fs_log(FS_LOG_INFO, "broker", "validation_decided", "approval_id=%lld command_id=%s outcome=%s",
           (long long)json_integer_value(json_object_get(ap, "id")), command_id, outcome);
    json_decref(rec);
    return rc;
}
