/*  shadow.c — the effect handlers of a shadow run (a version activated in
    shadow at a site, docs/governance.md): every effect is recorded on the
    run ("shadow_effects", at most 500) and answered at once as if it had
    succeeded; nothing is journaled, sent, asked or changed.  Timers are
    real rows (a shadow run waits like a live one); timeline lines are not
    kept (runs_timeline writes an audit entry instead). */
#include "broker_internal.h"

#include <string.h>

#define SHADOW_MAX_EFFECTS 500

static void shadow_record(run_ctx_t *c, json_t *what)
{
    json_t *list = json_object_get(c->run, "shadow_effects");
    if (!list)
        json_object_set_new(c->run, "shadow_effects", list = json_array());
    if (json_array_size(list) < SHADOW_MAX_EFFECTS)
        json_array_append(list, what);
    json_decref(what);
}

static int shadow_command(void *arg, const playbook_effect_t *fx)
{
    run_ctx_t *c = arg;
    const json_t *cmd = json_object_get(fx->doc, "command");
    char *target = json_dumps(json_object_get(cmd, "target"), JSON_COMPACT | JSON_SORT_KEYS);
    shadow_record(c, json_pack("{s:s, s:s?, s:s?, s:O?, s:s?}", "kind", "command", "step", fx->step,
                               "site", runs_target_site(c, fx), "action",
                               json_object_get(cmd, "action"), "target", target));
    free(target);
    runs_answer_at_once(c, fx, "ok",
                        json_pack("{s:i, s:s}", "status", 200, "status_text", "shadow: not sent"));
    return 0;
}

static int shadow_request(void *arg, const playbook_effect_t *fx)
{
    run_ctx_t *c = arg;
    shadow_record(c,
                  json_pack("{s:s, s:s?, s:s?, s:O?}", "kind", "request", "step", fx->step, "site",
                            runs_target_site(c, fx), "name", json_object_get(fx->doc, "name")));
    runs_answer_at_once(c, fx, "ok", json_pack("{s:b}", "shadow", 1));
    return 0;
}

static int shadow_approval(void *arg, const playbook_effect_t *fx)
{
    run_ctx_t *c = arg;
    shadow_record(c, json_pack("{s:s, s:s?, s:O?}", "kind", "approval", "step", fx->step, "role",
                               json_object_get(fx->doc, "role")));
    runs_answer_at_once(
        c, fx, "approved",
        json_pack("{s:s, s:[], s:b}", "decision", "approved", "votes", "shadow", 1));
    return 0;
}

static int shadow_case(void *arg, const playbook_effect_t *fx)
{
    shadow_record(arg, json_pack("{s:s, s:O?}", "kind", "case", "fields",
                                 json_object_get(fx->doc, "fields")));
    return 0;
}

const playbook_effect_handlers_t effects_shadow = {{
    [PLAYBOOK_EFFECT_COMMAND] = shadow_command,
    [PLAYBOOK_EFFECT_REQUEST] = shadow_request,
    [PLAYBOOK_EFFECT_APPROVAL] = shadow_approval,
    [PLAYBOOK_EFFECT_TIMER] = effects_timer,
    [PLAYBOOK_EFFECT_CASE] = shadow_case,
    [PLAYBOOK_EFFECT_TIMELINE] = NULL, /* not kept for a shadow run */
}};
