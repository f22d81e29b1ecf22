/*  effect.h — what playbook_advance() asks its caller to do, as a typed
    enum, and the one dispatcher every caller uses: the broker's durable
    runs, its shadow runs, and `fedsoarctl playbook test` (the dry run).
    Each gives its own table of handlers; what an effect holds is written in
    playbooks.h ("durable runs").

    Ownership: the effects array and each effect document are borrowed by
    the handlers for the length of the call. */
#ifndef FEDSOAR_PLAYBOOK_EFFECT_H
#define FEDSOAR_PLAYBOOK_EFFECT_H

#include "common.h"

typedef enum {
    PLAYBOOK_EFFECT_COMMAND,  /* send an OpenC2 command to a site */
    PLAYBOOK_EFFECT_REQUEST,  /* ask a site's analyzer (enrich) or responder (action) */
    PLAYBOOK_EFFECT_APPROVAL, /* open an approval gate for people of a role */
    PLAYBOOK_EFFECT_TIMER,    /* wake the run at "at" (epoch ms) */
    PLAYBOOK_EFFECT_CASE,     /* set case fields */
    PLAYBOOK_EFFECT_TIMELINE, /* a line for the case timeline */
    PLAYBOOK_EFFECT_COUNT
} playbook_effect_kind_t;

/* One effect: its kind, the fields every kind may carry, and the whole
   document (borrowed) for the kind's own fields. */
typedef struct playbook_effect {
    playbook_effect_kind_t kind;
    const char *path; /* the step node it belongs to, or NULL (case) */
    const char *step; /* the step id, or NULL (timer, case) */
    const json_t *doc;
} playbook_effect_t;

/* A handler returns 0 to go on, non-zero to stop the dispatch. */
typedef int(playbook_effect_fn)(void *arg, const playbook_effect_t *fx);
typedef struct playbook_effect_handlers {
    playbook_effect_fn *on[PLAYBOOK_EFFECT_COUNT]; /* NULL: the kind is ignored */
} playbook_effect_handlers_t;

/* The kind named by an effect's "kind", or PLAYBOOK_EFFECT_COUNT if none. */
playbook_effect_kind_t playbook_effect_kind(const json_t *effect);
const char *playbook_effect_kind_name(playbook_effect_kind_t kind);
/* Calls the handler of each effect's kind, in order; stops at the first
   non-zero return and returns it (0 when every handler returned 0).
   Unknown kinds are skipped. */
int playbook_effects_dispatch(const json_t *effects, const playbook_effect_handlers_t *handlers,
                              void *arg);

#endif
