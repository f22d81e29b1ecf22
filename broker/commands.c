/*  commands.c — OpenC2 commands: a playbook step's command validated,
    routed (docs/openc2.md "Routing") and journaled in the run's
    transaction (CASESTORE_DB_COMMANDS + CASESTORE_DB_PENDING), the COMMAND
    body sent to the site, and the site's RESPONSE (§5.4) stored and handed
    back to the run.  Command ids are derived from (run, step path, index,
    attempt): the same step execution always carries the same id, which is
    what lets a site drop a duplicate and execute a command at most once. */
#include "broker_internal.h"
#include "manual_validation.h"

#include <string.h>

json_t *commands_body(const json_t *rec)
{
    json_t *body = json_pack(
        "{s:O, s:O, s:O, s:O?, s:O?, s:O?}", "command_id", json_object_get(rec, "command_id"),
        "command", json_object_get(rec, "command"), "case_id", json_object_get(rec, "case_id"),
        "case_url", json_object_get(rec, "case_url"), "playbook", json_object_get(rec, "playbook"),
        "step", json_object_get(rec, "step"));
    if (json_is_true(json_object_get(rec, "critical"))) {
        json_object_set_new(body, "critical", json_true());
        json_object_set(body, "run_id", json_object_get(rec, "run_id"));
        json_t *proof = json_object_get(rec, "proof");
        json_object_set(body, "proof", proof ? proof : json_array());
    }
    if (json_object_get(json_object_get(rec, "validation"), "decided"))
        json_object_set(body, "validation", json_object_get(rec, "validation"));
    return body;
}

static json_t *command_record(run_ctx_t *c, const playbook_effect_t *fx, const json_t *cmd,
                              const char *site)
{
    return json_pack("{s:O, s:s, s:I, s:I, s:O, s:O, s:O, s:O, s:O, s:s, s:I, s:O}", "command_id",
                     json_object_get(cmd, "command_id"), "site", site, "case_id",
                     (json_int_t)runs_case_id_of(c->run), "run_id", (json_int_t)runs_id_of(c->run),
                     "playbook", json_object_get(c->run, "playbook"), "step",
                     json_object_get(fx->doc, "step"), "path", json_object_get(fx->doc, "path"),
                     "index", json_object_get(fx->doc, "index"), "command", cmd, "state", "pending",
                     "created", (json_int_t)fs_now_ms(), "critical",
                     json_object_get(fx->doc, "critical"));
}

/* The approvers' signed votes of the run's latest approved gate: the
   proof a critical command carries to its site (docs/governance.md). */
static json_t *run_proof(run_ctx_t *c)
{
    json_int_t best = 0;
    const char *path;
    json_t *node;
    json_object_foreach(json_object_get(c->run, "nodes"), path, node)
    {
        json_int_t id = json_integer_value(json_object_get(node, "approval_id"));
        if (id > best)
            best = id;
    }
    json_t *proof = json_array();
    if (!best)
        return proof;
    unsigned char key[8];
    fs_u64_to_be((uint64_t)best, key);
    json_t *ap = casestore_get_json(c->b->store, c->txn, CASESTORE_DB_APPROVALS, key, 8);
    const char *status = json_string_value(json_object_get(ap, "status"));
    size_t i;
    json_t *v;
    if (status && strcmp(status, "approved") == 0)
        json_array_foreach(json_object_get(ap, "votes"), i, v)
        {
            const char *d = json_string_value(json_object_get(v, "decision"));
            if (d && strcmp(d, "approve") == 0 && json_object_get(v, "signature"))
                json_array_append_new(proof, json_pack("{s:O, s:O, s:O}", "operator",
                                                       json_object_get(v, "operator"), "signature",
                                                       json_object_get(v, "signature"), "payload",
                                                       json_object_get(v, "payload")));
        }
    json_decref(ap);
    return proof;
}

static int refuse_command(run_ctx_t *c, const playbook_effect_t *fx, const char *command_id,
                          int status, const char *reason, json_t *route)
{
    runs_fail_at_once(c, fx, status, reason);
    fs_log(FS_LOG_WARN, "broker", "command_refused", "command_id=%s status=%d reason=\"%s\"",
           command_id, status, reason);
    return runs_timeline(c, "command_refused",
                         json_pack("{s:s, s:O, s:i, s:s, s:o?}", "command_id", command_id, "step",
                                   json_object_get(fx->doc, "step"), "status", status, "reason",
                                   reason, "route", route));
}

/* Validates, routes (docs/openc2.md "Routing") and journals one OpenC2
   command of a step; a command routed to several sites (a perimeter deny)
   becomes one journaled command per site and one answer to the run when
   every site has answered. */
int commands_journal(run_ctx_t *c, const playbook_effect_t *fx)
{
    broker_t *b = c->b;
    const char *path = json_string_value(json_object_get(fx->doc, "path"));
    json_t *cmd = json_deep_copy(json_object_get(fx->doc, "command"));
    char group[40];
    runs_exec_id(b, runs_id_of(c->run), path, json_integer_value(json_object_get(fx->doc, "index")),
                 json_integer_value(json_object_get(fx->doc, "attempt")), group);
    if (json_string_value(json_object_get(cmd, "command_id")))
        snprintf(group, sizeof group, "%.33s",
                 json_string_value(json_object_get(cmd, "command_id")));
    json_object_set_new(cmd, "command_id", json_string(group));
    char reason[256] = "";
    int verdict = openc2_validate_command(cmd, reason, sizeof reason);
    if (verdict != OPENC2_VALID) {
        int rc = refuse_command(c, fx, group, verdict, reason, NULL);
        json_decref(cmd);
        return rc;
    }
    const char *explicit_site = json_string_value(json_object_get(fx->doc, "site"));
    json_t *route = NULL;
    json_t *sites = route_decide(b->routes, cmd,
                                 explicit_site && *explicit_site ? explicit_site : NULL, &route);
    size_t n = json_array_size(sites);
    if (n == 0) {
        const char *why = json_string_value(json_object_get(route, "reason"));
        snprintf(reason, sizeof reason, "no site to route it to: %s",
                 why ? why : "no site matches");
        int rc = refuse_command(c, fx, group, 404, reason, route);
        json_decref(sites);
        json_decref(cmd);
        return rc;
    }
    char *target = json_dumps(json_object_get(cmd, "target"), JSON_COMPACT | JSON_SORT_KEYS);
    const char *action = json_string_value(json_object_get(cmd, "action"));
    bool critical = json_is_true(json_object_get(fx->doc, "critical"));
    json_t *proof = critical ? run_proof(c) : NULL;
    if (critical && json_array_size(proof) == 0)
        fs_log(FS_LOG_WARN, "broker", "critical_without_proof",
               "command_id=%s run_id=%llu msg=\"no signed approval in this run: the site will "
               "refuse it\"",
               group, (unsigned long long)runs_id_of(c->run));
    int rc = 0;
    size_t i;
    json_t *site_j;
    json_array_foreach(sites, i, site_j)
    {
        const char *site = json_string_value(site_j);
        char id[48];
        if (n == 1)
            snprintf(id, sizeof id, "%s", group);
        else if (snprintf(id, sizeof id, "%.33s-%zu", group, i) >= (int)sizeof id)
            break; /* cannot happen: a group id is at most 33 chars and i < 65536 sites */
        json_t *one = json_deep_copy(cmd);
        json_object_set_new(one, "command_id", json_string(id));
        json_t *rec = command_record(c, fx, one, site);
        char base[320]; /* the case's page, for people at the site (manual actuator tickets) */
        if (broker_public_url(b, base, sizeof base))
            json_object_set_new(
                rec, "case_url",
                json_sprintf("%s/#/cases/%lld", base, (long long)runs_case_id_of(c->run)));
        if (n > 1)
            json_object_set_new(rec, "group", json_string(group));
        if (proof)
            json_object_set(rec, "proof", proof);
        rc = casestore_put_json(b->store, c->txn, CASESTORE_DB_COMMANDS, id, strlen(id), rec, c->e);
        if (rc == 0)
            rc = delivery_pending_put(b, c->txn, site, id, 'C', c->e);
        if (rc == 0)
            rc = casestore_counter_add(b->store, c->txn, "commands", 1, c->e);
        if (rc == 0)
            rc = runs_timeline(c, "command",
                               json_pack("{s:s, s:s, s:s, s:s, s:O, s:O?}", "command_id", id,
                                         "site", site, "action", action ? action : "?", "target",
                                         target ? target : "?", "step",
                                         json_object_get(fx->doc, "step"), "rule",
                                         json_object_get(route, "rule")));
        outbound_push(c->out, site, FSP_COMMAND, commands_body(rec));
        json_decref(rec);
        json_decref(one);
        if (rc != 0)
            break;
    }
    if (rc == 0 && n > 1) {
        char key[64];
        snprintf(key, sizeof key, "fanout:%s", group);
        json_t *fan = json_pack("{s:O, s:{}}", "sites", sites, "responses");
        rc = casestore_put_json(b->store, c->txn, CASESTORE_DB_META, key, strlen(key), fan, c->e);
        json_decref(fan);
    }
    free(target);
    json_decref(proof);
    json_decref(route);
    json_decref(sites);
    json_decref(cmd);
    return rc;
}

int broker_store_response(broker_t *b, casestore_txn_t *txn, const char *site, const json_t *body,
                          outbound_t *out, fs_err_t *e)
{
    const char *command_id = json_string_value(json_object_get(body, "command_id"));
    json_t *response = json_object_get(body, "response");
    json_t *status_j = json_object_get(response, "status");
    if (!command_id || !json_is_object(response) || !json_is_number(status_j))
        return fs_err_set(e, "§5.4: RESPONSE needs \"command_id\" and an OpenC2 \"response\" "
                             "with a status");
    json_t *rec =
        casestore_get_json(b->store, txn, CASESTORE_DB_COMMANDS, command_id, strlen(command_id));
    if (!rec)
        return fs_err_set(e, "§5.4: RESPONSE for unknown command %s", command_id);
    int rc = 0;
    const char *sent_to = json_string_value(json_object_get(rec, "site"));
    const char *state = json_string_value(json_object_get(rec, "state"));
    int status = (int)json_number_value(status_j);
    if (!sent_to || strcmp(sent_to, site) != 0) {
        rc = fs_err_set(e, "§5.4: command %s was not sent to site %s", command_id, site);
    } else if (state && strcmp(state, "answered") == 0) {
        rc = 0; /* a duplicate RESPONSE: already stored */
    } else {
        bool final = status != 102;
        json_object_set(rec, "response", response);
        json_object_set_new(rec, "state", json_string(final ? "answered" : "acknowledged"));
        json_object_set_new(rec, "answered", json_integer(fs_now_ms()));
        rc = manual_validation_on_response(b, txn, site, rec, response, e); /* a person asked? */
        if (rc == 0)
            rc = casestore_put_json(b->store, txn, CASESTORE_DB_COMMANDS, command_id,
                                    strlen(command_id), rec, e);
        if (rc == 0 && final)
            rc = delivery_pending_del(b, txn, site, command_id, e);
        if (rc == 0 && final)
            rc = casestore_counter_add(b->store, txn, "commands/answered", 1, e);
        json_int_t created = json_integer_value(json_object_get(rec, "created"));
        if (rc == 0 && final && created > 0)
            outbound_roundtrip(out, (double)(fs_now_ms() - created) / 1000.0);
        json_t *entry =
            json_pack("{s:s, s:s, s:i, s:O?, s:O?}", "command_id", command_id, "site", site,
                      "status", status, "status_text", json_object_get(response, "status_text"),
                      "run_id", json_object_get(rec, "run_id"));
        if (rc == 0)
            rc = casestore_timeline_add(
                b->store, txn, (uint64_t)json_integer_value(json_object_get(rec, "case_id")),
                "response", entry, e);
        json_decref(entry);
        json_t *value = json_incref(response);
        bool ok = status == 200, complete = true;
        const char *group = json_string_value(json_object_get(rec, "group"));
        if (rc == 0 && final && group) {
            /* A fanned-out command answers the run once every site has. */
            char key[64];
            snprintf(key, sizeof key, "fanout:%s", group);
            json_t *fan = casestore_get_json(b->store, txn, CASESTORE_DB_META, key, strlen(key));
            json_t *resps = json_object_get(fan, "responses");
            json_object_set(resps, site, response);
            complete = json_object_size(resps) >= json_array_size(json_object_get(fan, "sites"));
            const char *k;
            json_t *r;
            json_object_foreach(resps, k, r) ok =
                ok && json_number_value(json_object_get(r, "status")) == 200;
            json_decref(value);
            value = json_pack("{s:i, s:s, s:O}", "status", ok ? 200 : 500, "status_text",
                              ok ? "every site answered 200" : "not every site answered 200",
                              "sites", resps);
            rc =
                fan ? casestore_put_json(b->store, txn, CASESTORE_DB_META, key, strlen(key), fan, e)
                    : 0;
            json_decref(fan);
        }
        if (rc == 0 && final && complete)
            rc = runs_wake(b, txn, (uint64_t)json_integer_value(json_object_get(rec, "run_id")),
                           json_string_value(json_object_get(rec, "path")),
                           (int)json_integer_value(json_object_get(rec, "index")),
                           ok ? "ok" : "error", value, out, e);
        json_decref(value);
        fs_log(FS_LOG_INFO, "broker", "command_answered", "command_id=%s site=%s status=%d",
               command_id, site, status);
    }
    json_decref(rec);
    return rc;
}
