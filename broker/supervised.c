/*  supervised.c — a supervised run (docs/governance.md "Phased rollout"):
    the run of a playbook whose rollout is in phase supervised at the run's
    site.  Every effect that acts outside the broker — an OpenC2 command, a
    responder (action) request — is held behind an approval gate on the
    case (role and quorum of the plan's criteria: analyst, 1 unless
    configured) and carried out only when the gate is approved; a denied or
    expired gate fails the step (its on_error decides).  The broker decides
    this from the rollout state, never from the playbook's text, so a
    playbook cannot opt out.  Enrichment requests (analyzers: they read, not
    act), approval steps, timers and case changes go on as in a live run.

    The gate is an ordinary row of CASESTORE_DB_APPROVALS with
    "supervised": true, "site", "version" and "held": {"kind", "doc"} (the
    effect as the engine emitted it); it is remembered on the run's node as
    "supervision_id", not "approval_id", so it never becomes the proof of a
    critical command (that stays the playbook's own gate). */
#include "rollout_internal.h"

#include <string.h>

static int hold(run_ctx_t *c, const playbook_effect_t *fx)
{
    broker_t *b = c->b;
    const char *name = json_string_value(json_object_get(c->run, "playbook"));
    char role[40] = "analyst";
    int quorum = 1;
    rollout_is_supervised(b, c->txn, c->site, name, role, sizeof role, &quorum);
    uint64_t id = casestore_next_id(b->store, c->txn, "approval_id", c->e);
    if (!id)
        return -1;
    const json_t *cmd = json_object_get(fx->doc, "command");
    char reason[512];
    if (fx->kind == PLAYBOOK_EFFECT_COMMAND) {
        /* the gate says what it holds: action, target, site (the whole
           command is in "held", shown by approval.show) */
        char *target = json_dumps(json_object_get(cmd, "target"), JSON_COMPACT | JSON_SORT_KEYS);
        snprintf(reason, sizeof reason,
                 "supervised rollout: OpenC2 %s %.300s before it is sent to %s",
                 json_string_value(json_object_get(cmd, "action")) ?: "command",
                 target ? target : "", runs_target_site(c, fx) ?: "its site");
        free(target);
    } else
        snprintf(reason, sizeof reason, "supervised rollout: responder %s before it runs at %s",
                 json_string_value(json_object_get(fx->doc, "name")) ?: "action",
                 runs_target_site(c, fx) ?: "its site");
    json_t *rec = json_pack(
        "{s:I, s:I, s:I, s:O, s:O, s:O, s:s, s:i, s:s, s:s, s:[], s:I, s:b, s:s, s:O, s:{s:s, "
        "s:O}}",
        "id", (json_int_t)id, "run_id", (json_int_t)runs_id_of(c->run), "case_id",
        (json_int_t)runs_case_id_of(c->run), "playbook", json_object_get(c->run, "playbook"),
        "path", json_object_get(fx->doc, "path"), "step", json_object_get(fx->doc, "step"), "role",
        role, "quorum", quorum, "reason", reason, "status", "open", "votes", "created",
        (json_int_t)fs_now_ms(), "supervised", 1, "site", c->site ? c->site : "", "version",
        json_object_get(c->run, "version"), "held", "kind", playbook_effect_kind_name(fx->kind),
        "doc", fx->doc);
    unsigned char key[8];
    fs_u64_to_be(id, key);
    int rc = casestore_put_json(b->store, c->txn, CASESTORE_DB_APPROVALS, key, 8, rec, c->e);
    json_decref(rec);
    json_t *node = json_object_get(json_object_get(c->run, "nodes"),
                                   json_string_value(json_object_get(fx->doc, "path")));
    json_object_set_new(node, "supervision_id", json_integer((json_int_t)id));
    json_object_set_new(c->run, "supervised", json_string(c->site ? c->site : ""));
    if (rc == 0)
        rc =
            runs_timeline(c, "approval_requested",
                          json_pack("{s:I, s:O, s:s, s:i, s:s, s:b}", "approval_id", (json_int_t)id,
                                    "step", json_object_get(fx->doc, "step"), "role", role,
                                    "quorum", quorum, "reason", reason, "supervised", 1));
    fs_log(FS_LOG_INFO, "broker", "supervised_hold",
           "approval_id=%llu run_id=%llu step=%s kind=%s role=%s", (unsigned long long)id,
           (unsigned long long)runs_id_of(c->run), fx->step ? fx->step : "-",
           playbook_effect_kind_name(fx->kind), role);
    return rc;
}

static int supervised_command(void *arg, const playbook_effect_t *fx)
{
    return hold(arg, fx);
}

static int supervised_request(void *arg, const playbook_effect_t *fx)
{
    const char *type = json_string_value(json_object_get(fx->doc, "type"));
    if (type && strcmp(type, "enrich") == 0)
        return effects_durable.on[PLAYBOOK_EFFECT_REQUEST](arg, fx);
    return hold(arg, fx); /* "action", and anything not known to only read */
}

static int as_durable(void *arg, const playbook_effect_t *fx)
{
    playbook_effect_fn *fn = effects_durable.on[fx->kind];
    return fn ? fn(arg, fx) : 0;
}

const playbook_effect_handlers_t effects_supervised = {{
    [PLAYBOOK_EFFECT_COMMAND] = supervised_command,
    [PLAYBOOK_EFFECT_REQUEST] = supervised_request,
    [PLAYBOOK_EFFECT_APPROVAL] = as_durable,
    [PLAYBOOK_EFFECT_TIMER] = as_durable,
    [PLAYBOOK_EFFECT_CASE] = as_durable,
    [PLAYBOOK_EFFECT_TIMELINE] = as_durable,
}};

int supervised_release(broker_t *b, casestore_txn_t *txn, const json_t *ap, const char *outcome,
                       outbound_t *out, fs_err_t *e)
{
    uint64_t run_id = (uint64_t)json_integer_value(json_object_get(ap, "run_id"));
    const json_t *held = json_object_get(ap, "held");
    const json_t *doc = json_object_get(held, "doc");
    const char *path = json_string_value(json_object_get(doc, "path"));
    int index = (int)json_integer_value(json_object_get(doc, "index"));
    if (strcmp(outcome, "approved") != 0) {
        char why[160];
        snprintf(why, sizeof why, "supervised rollout: the gate (approval %lld) was %s",
                 (long long)json_integer_value(json_object_get(ap, "id")), outcome);
        json_t *v = json_pack("{s:i, s:s}", "status", 403, "status_text", why);
        int rc = runs_wake(b, txn, run_id, path, index, "error", v, out, e);
        json_decref(v);
        return rc;
    }
    unsigned char key[8];
    fs_u64_to_be(run_id, key);
    json_t *run = casestore_get_json(b->store, txn, CASESTORE_DB_RUNS, key, 8);
    if (!run)
        return 0; /* the run is gone: nothing to carry out */
    json_t *event = casestore_event_view(
        b->store, txn, (uint64_t)json_integer_value(json_object_get(run, "event_id")));
    if (!event)
        event = json_object();
    run_ctx_t c = {.b = b,
                   .txn = txn,
                   .run = run,
                   .event = event,
                   .site = json_string_value(json_object_get(event, "site")),
                   .out = out,
                   .immediate = json_array(),
                   .e = e};
    playbook_effect_t fx = {
        .kind = playbook_effect_kind(doc),
        .path = path,
        .step = json_string_value(json_object_get(doc, "step")),
        .doc = doc,
    };
    int rc = 0;
    if (fx.kind == PLAYBOOK_EFFECT_COMMAND)
        rc = commands_journal(&c, &fx);
    else if (fx.kind == PLAYBOOK_EFFECT_REQUEST)
        rc = requests_journal(&c, &fx);
    if (rc == 0)
        rc = casestore_put_json(b->store, txn, CASESTORE_DB_RUNS, key, 8, run, e);
    /* refused at once (invalid, no route): the step learns it now */
    size_t i;
    json_t *d;
    json_array_foreach(c.immediate, i, d) if (rc == 0) rc = runs_wake(
        b, txn, run_id, json_string_value(json_object_get(d, "path")),
        (int)json_integer_value(json_object_get(d, "index")),
        json_string_value(json_object_get(d, "outcome")), json_object_get(d, "value"), out, e);
    json_decref(c.immediate);
    json_decref(event);
    json_decref(run);
    return rc;
}
