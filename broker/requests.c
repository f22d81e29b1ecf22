/*  requests.c — analyzer (enrich) and responder (action) requests: a
    step's request journaled in the run's transaction
    (CASESTORE_DB_REQUESTS + CASESTORE_DB_PENDING), the REQUEST body, and
    the site's RESULT (§5.8) stored and handed back to the run; an
    analyzer's linked_emails teach the identity crosswalk
    (identity_learning.c); a Cortex job's taxonomies, artifacts and
    operations reach the case (cortex_results.c). */
#include "broker_internal.h"
#include "cortex_results.h"
#include "identity_learning.h"

#include <string.h>

json_t *requests_body(const json_t *rec)
{
    return json_pack("{s:O, s:O, s:O, s:O, s:O}", "request_id", json_object_get(rec, "request_id"),
                     "type", json_object_get(rec, "type"), "name", json_object_get(rec, "name"),
                     "input", json_object_get(rec, "input"), "case_id",
                     json_object_get(rec, "case_id"));
}

int requests_journal(run_ctx_t *c, const playbook_effect_t *fx)
{
    broker_t *b = c->b;
    const char *path = json_string_value(json_object_get(fx->doc, "path"));
    char id[40];
    runs_exec_id(b, runs_id_of(c->run), path, 0,
                 json_integer_value(json_object_get(fx->doc, "attempt")), id);
    const char *site = runs_target_site(c, fx);
    if (!site) {
        runs_fail_at_once(c, fx, 404, "no site to send the request to");
        return runs_timeline(c, "request_refused",
                             json_pack("{s:s, s:O, s:s}", "request_id", id, "step",
                                       json_object_get(fx->doc, "step"), "reason", "no site"));
    }
    json_t *rec = json_pack(
        "{s:s, s:s, s:I, s:I, s:O, s:O, s:O, s:O, s:O, s:s, s:I}", "request_id", id, "site", site,
        "case_id", (json_int_t)runs_case_id_of(c->run), "run_id", (json_int_t)runs_id_of(c->run),
        "path", json_object_get(fx->doc, "path"), "type", json_object_get(fx->doc, "type"), "name",
        json_object_get(fx->doc, "name"), "input", json_object_get(fx->doc, "input"), "step",
        json_object_get(fx->doc, "step"), "state", "pending", "created", (json_int_t)fs_now_ms());
    int rc = casestore_put_json(b->store, c->txn, CASESTORE_DB_REQUESTS, id, strlen(id), rec, c->e);
    if (rc == 0)
        rc = delivery_pending_put(b, c->txn, site, id, 'R', c->e);
    if (rc == 0)
        rc = runs_timeline(c, "request",
                           json_pack("{s:s, s:s, s:O, s:O, s:O}", "request_id", id, "site", site,
                                     "type", json_object_get(fx->doc, "type"), "name",
                                     json_object_get(fx->doc, "name"), "step",
                                     json_object_get(fx->doc, "step")));
    outbound_push(c->out, site, FSP_REQUEST, requests_body(rec));
    json_decref(rec);
    return rc;
}

int broker_store_result(broker_t *b, casestore_txn_t *txn, const char *site, const json_t *body,
                        outbound_t *out, fs_err_t *e)
{
    const char *request_id = json_string_value(json_object_get(body, "request_id"));
    const char *status = json_string_value(json_object_get(body, "status"));
    if (!request_id || !status || (strcmp(status, "ok") != 0 && strcmp(status, "error") != 0))
        return fs_err_set(e, "§5.8: RESULT needs \"request_id\" and \"status\" ok|error");
    json_t *rec =
        casestore_get_json(b->store, txn, CASESTORE_DB_REQUESTS, request_id, strlen(request_id));
    if (!rec)
        return fs_err_set(e, "§5.8: RESULT for unknown request %s", request_id);
    int rc = 0;
    const char *sent_to = json_string_value(json_object_get(rec, "site"));
    if (!sent_to || strcmp(sent_to, site) != 0) {
        rc = fs_err_set(e, "§5.8: request %s was not sent to site %s", request_id, site);
    } else if (strcmp(json_string_value(json_object_get(rec, "state")), "pending") == 0) {
        json_t *value = strcmp(status, "ok") == 0
                            ? json_incref(json_object_get(body, "result"))
                            : json_pack("{s:s, s:O?}", "status_text", "failed", "error",
                                        json_object_get(body, "error"));
        json_object_set_new(rec, "state", json_string(status));
        json_object_set(rec, "result", value ? value : json_null());
        rc = casestore_put_json(b->store, txn, CASESTORE_DB_REQUESTS, request_id,
                                strlen(request_id), rec, e);
        if (rc == 0)
            rc = delivery_pending_del(b, txn, site, request_id, e);
        json_t *entry =
            json_pack("{s:s, s:s, s:s, s:O?, s:O?, s:O?}", "request_id", request_id, "site", site,
                      "status", status, "name", json_object_get(rec, "name"), "result", value,
                      "run_id", json_object_get(rec, "run_id"));
        if (rc == 0)
            rc = casestore_timeline_add(
                b->store, txn, (uint64_t)json_integer_value(json_object_get(rec, "case_id")),
                "result", entry, e);
        json_decref(entry);
        if (rc == 0 && strcmp(status, "ok") == 0)
            rc = identity_learning_from_result(b, txn, rec, site, value, e) < 0 ? -1 : 0;
        if (rc == 0 && strcmp(status, "ok") == 0)
            rc = cortex_results_apply(b, txn, rec, site, value, e) < 0 ? -1 : 0;
        if (rc == 0)
            rc = runs_wake(b, txn, (uint64_t)json_integer_value(json_object_get(rec, "run_id")),
                           json_string_value(json_object_get(rec, "path")), 0, status, value, out,
                           e);
        json_decref(value);
    }
    json_decref(rec);
    return rc;
}
