/*  effects.c — carrying out what the engine decided, durably: the effect
    handlers of a live run, all writing into the run's own transaction
    (journaled commands and requests, approval gates, timer rows, case
    changes, timeline lines), so that a broker killed at any instant has
    all of an advance or none of it.  The dispatcher is the playbooks
    library's (effect.h), shared with shadow runs (shadow.c) and the dry run
    (fedsoarctl playbook test). */
#include "broker_internal.h"
#include "rollout_internal.h"

#include <string.h>

static int durable_case(void *arg, const playbook_effect_t *fx)
{
    run_ctx_t *c = arg;
    /* All `set` steps of one advance: one case write (effects_apply). */
    json_array_append(c->case_fields, json_object_get(fx->doc, "fields"));
    return 0;
}

static int durable_timeline(void *arg, const playbook_effect_t *fx)
{
    json_t *f = json_deep_copy(fx->doc);
    json_object_del(f, "kind");
    return runs_timeline(arg, "step", f);
}

static int durable_command(void *arg, const playbook_effect_t *fx)
{
    return commands_journal(arg, fx);
}

static int durable_request(void *arg, const playbook_effect_t *fx)
{
    return requests_journal(arg, fx);
}

static int durable_approval(void *arg, const playbook_effect_t *fx)
{
    return approvals_open(arg, fx);
}

const playbook_effect_handlers_t effects_durable = {{
    [PLAYBOOK_EFFECT_COMMAND] = durable_command,
    [PLAYBOOK_EFFECT_REQUEST] = durable_request,
    [PLAYBOOK_EFFECT_APPROVAL] = durable_approval,
    [PLAYBOOK_EFFECT_TIMER] = effects_timer,
    [PLAYBOOK_EFFECT_CASE] = durable_case,
    [PLAYBOOK_EFFECT_TIMELINE] = durable_timeline,
}};

int effects_apply(run_ctx_t *c, const json_t *effects)
{
    c->case_fields = json_array();
    /* A live run whose rollout is supervised at its site holds every
       command and responder action behind a gate (supervised.c): decided
       here, from the broker's rollout state, not by the playbook; a run
       once supervised stays so, whatever the phase becomes. */
    const playbook_effect_handlers_t *table =
        c->shadow ? &effects_shadow
        : json_object_get(c->run, "supervised") ||
                rollout_is_supervised(c->b, c->txn, c->site,
                                      json_string_value(json_object_get(c->run, "playbook")), NULL,
                                      0, NULL)
            ? &effects_supervised
            : &effects_durable;
    int rc = playbook_effects_dispatch(effects, table, c);
    if (rc == 0 && json_array_size(c->case_fields)) {
        char by[96];
        snprintf(by, sizeof by, "playbook:%s",
                 json_string_value(json_object_get(c->run, "playbook")));
        rc = casestore_case_update_all(c->b->store, c->txn, runs_case_id_of(c->run), c->case_fields,
                                       by, c->e);
    }
    json_decref(c->case_fields);
    c->case_fields = NULL;
    return rc;
}
