/*  commands.c — OpenC2 commands at the site: validate, proof of critical
    commands, pick the actuator for the action/target pair; the journal,
    the run on a worker and the answer are command_work.c's. */
#include "command_work.h"
#include "governance.h"
#include "manual_actuator.h"

#include <string.h>

json_t *adapter_features(adapter_t *a, const json_t *features)
{
    json_t *results = json_object();
    size_t i;
    json_t *f;
    json_array_foreach(features, i, f)
    {
        const char *name = json_string_value(f);
        if (!name)
            continue;
        if (strcmp(name, "versions") == 0) {
            json_object_set_new(results, "versions", json_pack("[s]", "1.0"));
        } else if (strcmp(name, "profiles") == 0) {
            json_t *profiles = json_array();
            for (size_t j = 0; j < a->actuator_count; j++) {
                json_t *p = json_string(a->actuators[j].plugin->profile);
                size_t k;
                json_t *q;
                bool dup = false;
                json_array_foreach(profiles, k, q) dup = dup || json_equal(p, q);
                if (dup)
                    json_decref(p);
                else
                    json_array_append_new(profiles, p);
            }
            json_object_set_new(results, "profiles", profiles);
        } else if (strcmp(name, "pairs") == 0) {
            json_t *pairs = json_object();
            json_object_set_new(pairs, "query", json_pack("[s]", "features"));
            for (size_t j = 0; j < a->actuator_count; j++) {
                const char *action;
                json_t *targets;
                json_object_foreach(a->actuators[j].pairs, action, targets)
                {
                    json_t *have = json_object_get(pairs, action);
                    if (!have)
                        json_object_set_new(pairs, action, have = json_array());
                    size_t k;
                    json_t *t;
                    json_array_foreach(targets, k, t)
                    {
                        bool dup = false;
                        size_t m;
                        json_t *u;
                        json_array_foreach(have, m, u) dup = dup || json_equal(t, u);
                        if (!dup)
                            json_array_append(have, t);
                    }
                }
            }
            json_object_set_new(results, "pairs", pairs);
        } else if (strcmp(name, "rate_limit") == 0) {
            /* Commands per minute (LS 3.3.2.2), the sum of the actuators'
               limits; absent while one of them has none. */
            double limit = adapter_work_rate_limit(a);
            if (limit > 0)
                json_object_set_new(results, "rate_limit",
                                    limit == (double)(json_int_t)limit
                                        ? json_integer((json_int_t)limit)
                                        : json_real(limit));
        }
    }
    /* `query features` with an empty list is the OpenC2 heartbeat: 200, no results. */
    if (json_object_size(results) == 0) {
        json_decref(results);
        return json_pack("{s:i}", "status", 200);
    }
    return json_pack("{s:i, s:o}", "status", 200, "results", results);
}

static const char *target_type(const json_t *cmd)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(cmd, "target"), k, v) return k;
    return NULL;
}

static actuator_slot_t *pick(adapter_t *a, const char *action, const char *target)
{
    for (size_t i = 0; i < a->actuator_count; i++) {
        json_t *targets = json_object_get(a->actuators[i].pairs, action);
        size_t j;
        json_t *t;
        json_array_foreach(targets, j, t) if (strcmp(json_string_value(t), target) ==
                                              0) return &a->actuators[i];
    }
    return NULL;
}

/* What the loop answers itself (a bad command, `query features`, no
   actuator for the pair), or NULL with *slot set: the actuator to run it. */
static json_t *answer_or_pick(adapter_t *a, const json_t *cmd, actuator_slot_t **slot)
{
    char reason[256] = "";
    int verdict = openc2_validate_command(cmd, reason, sizeof reason);
    if (verdict != OPENC2_VALID)
        return json_pack("{s:i, s:s}", "status", verdict, "status_text", reason);
    const char *action = json_string_value(json_object_get(cmd, "action"));
    const char *target = target_type(cmd);
    if (strcmp(action, "query") == 0 && strcmp(target, "features") == 0)
        return adapter_features(a, json_object_get(json_object_get(cmd, "target"), "features"));
    /* No actuator claims it: people do, when the manual one is the fallback. */
    if (!(*slot = pick(a, action, target)) && !(*slot = adapter_manual_fallback(a))) {
        char text[256];
        snprintf(text, sizeof text, "site %s has no actuator for %s %s", a->cfg.site, action,
                 target);
        return json_pack("{s:i, s:s}", "status", 501, "status_text", text);
    }
    return NULL;
}

/* Whether the site itself counts this command as critical: its action, or
   "action:target", is in the config's critical_actions. */
static bool site_critical(const adapter_t *a, const json_t *cmd)
{
    const char *action = json_string_value(json_object_get(cmd, "action"));
    const char *target = target_type(cmd);
    char pair[160];
    if (!action ||
        snprintf(pair, sizeof pair, "%s:%s", action, target ? target : "") >= (int)sizeof pair)
        return false;
    size_t i;
    json_t *v;
    json_array_foreach(a->cfg.critical_actions, i, v)
    {
        const char *s = json_string_value(v);
        if (s && (strcmp(s, action) == 0 || strcmp(s, pair) == 0))
            return true;
    }
    return false;
}

/* A critical command runs only with the approvers' signatures
   (docs/governance.md "Critical commands carry proof"): a broker alone
   cannot make this site act. NULL = go ahead; else the 403 response. */
static json_t *check_proof(adapter_t *a, const json_t *body, const json_t *cmd)
{
    if (!json_is_true(json_object_get(body, "critical")) && !site_critical(a, cmd))
        return NULL;
    char dir[4096], reason[512];
    if (a->cfg.trusted_operators_dir)
        snprintf(dir, sizeof dir, "%s", a->cfg.trusted_operators_dir);
    else
        snprintf(dir, sizeof dir, "%s/signing/operators", a->cfg.keys_dir);
    json_int_t run_id = json_integer_value(json_object_get(body, "run_id"));
    if (run_id > 0 &&
        governance_proof_verify(json_object_get(body, "proof"), (uint64_t)run_id, dir, fs_now_ms(),
                                a->cfg.proof_max_age_ms, reason, sizeof reason) == 0)
        return NULL;
    if (run_id <= 0)
        snprintf(reason, sizeof reason,
                 "a critical command needs proof: run_id and the approvers' signed votes");
    char text[700];
    snprintf(text, sizeof text, "critical command refused: %s", reason);
    return json_pack("{s:i, s:s}", "status", 403, "status_text", text);
}

/* A COMMAND (docs/protocol.md §5.4): answered from the journal when it
   was seen before, answered 500 when a restart interrupted it, else
   journaled "started" in this turn's batch and run on its actuator's lane
   (command_work.c), or answered by the loop itself (refused, features). */
void adapter_on_command(adapter_t *a, const json_t *body)
{
    const char *command_id = json_string_value(json_object_get(body, "command_id"));
    const json_t *cmd = json_object_get(body, "command");
    if (!command_id || !json_is_object(cmd)) {
        fs_log(FS_LOG_WARN, "adapter", "command_refused",
               "site=%s reason=\"§5.4: COMMAND needs command_id and command\"", a->cfg.site);
        return;
    }
    adapter_manual_context(a, body); /* the case its ticket links (manual actuator) */
    if (adapter_work_inflight(a, command_id))
        return; /* a repeat while it runs: its one answer is on its way */
    json_t *response = NULL;
    worker_job_t *job =
        worker_job_new(WORKER_JOB_COMMAND, command_id, command_id, json_incref((json_t *)cmd));
    int state = journal_lookup(a->outbox, command_id, &response);
    if (state == 2) {
        job->output = response; /* answered before: the same answer again, nothing written */
        adapter_work_send(a, job);
        worker_job_destroy(&job);
        return;
    }
    if (state == 1) {
        /* Journaled but never finished: we died while executing. Never run
           it twice; say so and let a human check the actuator. */
        job->output = json_pack("{s:i, s:s}", "status", 500, "status_text",
                                "execution was interrupted by an adapter restart and is not "
                                "repeated; check the actuator's state");
        fs_log(FS_LOG_WARN, "adapter", "command_interrupted", "site=%s command_id=%s", a->cfg.site,
               command_id);
        adapter_work_answer_job(a, job);
        return;
    }
    actuator_slot_t *slot = NULL;
    if ((response = check_proof(a, body, cmd)))
        fs_log(FS_LOG_WARN, "adapter", "critical_refused", "site=%s command_id=%s reason=\"%s\"",
               a->cfg.site, command_id,
               json_string_value(json_object_get(response, "status_text")));
    else
        response = answer_or_pick(a, cmd, &slot);
    if (response) {
        job->output = response;
        adapter_work_answer_job(a, job);
        return;
    }
    if (!adapter_work_has_room(a)) {
        /* Bounded: not journaled, not executed; the broker may send it again. */
        job->output = json_pack("{s:i, s:s}", "status", 503, "status_text",
                                "the site's workers are full; the command was not executed");
        fs_log(FS_LOG_WARN, "adapter", "command_shed", "site=%s command_id=%s", a->cfg.site,
               command_id);
        adapter_work_send(a, job);
        worker_job_destroy(&job);
        return;
    }
    job->lane_no = (size_t)(slot - a->actuators); /* actuator i is lane i */
    adapter_work_queue(a, job);
}
