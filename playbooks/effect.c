/*  effect.c — the effect kinds and their one dispatcher (effect.h). */
#include "effect.h"

#include <string.h>

static const char *const kind_names[PLAYBOOK_EFFECT_COUNT] = {
    [PLAYBOOK_EFFECT_COMMAND] = "command",   [PLAYBOOK_EFFECT_REQUEST] = "request",
    [PLAYBOOK_EFFECT_APPROVAL] = "approval", [PLAYBOOK_EFFECT_TIMER] = "timer",
    [PLAYBOOK_EFFECT_CASE] = "case",         [PLAYBOOK_EFFECT_TIMELINE] = "timeline",
};

playbook_effect_kind_t playbook_effect_kind(const json_t *effect)
{
    const char *kind = json_string_value(json_object_get(effect, "kind"));
    for (int k = 0; kind && k < PLAYBOOK_EFFECT_COUNT; k++)
        if (strcmp(kind, kind_names[k]) == 0)
            return (playbook_effect_kind_t)k;
    return PLAYBOOK_EFFECT_COUNT;
}

const char *playbook_effect_kind_name(playbook_effect_kind_t kind)
{
    return kind < PLAYBOOK_EFFECT_COUNT ? kind_names[kind] : "unknown";
}

int playbook_effects_dispatch(const json_t *effects, const playbook_effect_handlers_t *handlers,
                              void *arg)
{
    size_t i;
    json_t *doc;
    json_array_foreach(effects, i, doc)
    {
        playbook_effect_t fx = {playbook_effect_kind(doc),
                                json_string_value(json_object_get(doc, "path")),
                                json_string_value(json_object_get(doc, "step")), doc};
        if (fx.kind == PLAYBOOK_EFFECT_COUNT || !handlers->on[fx.kind])
            continue;
        int rc = handlers->on[fx.kind](arg, &fx);
        if (rc != 0)
            return rc;
    }
    return 0;
}
