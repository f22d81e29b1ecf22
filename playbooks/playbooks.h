/*  playbooks.h — playbook model, parser/validator, trigger matching and the
    planning of steps (docs/playbooks.md).  Expressions are jq (libjq): a
    playbook's conditions, data selection and templates.

    This is the foundation subset: trigger + the step types `openc2` (with
    `foreach`) and `set`.  The durable run engine, approvals and the other
    step types come with issue #6; a playbook using them is rejected at load
    with a message saying so. */
#ifndef FEDSOAR_PLAYBOOKS_H
#define FEDSOAR_PLAYBOOKS_H

#include "common.h"

/* ---- jq expressions ------------------------------------------------------ */

typedef struct jqexpr jqexpr_t;

/* Compiles a jq program. Errors quote jq's message. Caller owns. */
jqexpr_t *jqexpr_compile(const char *program, fs_err_t *e);
void jqexpr_destroy(jqexpr_t **self_p);
/* Runs the program on input (borrowed) and returns an array of all its
   outputs (caller owns), or NULL with e set on a jq runtime error. */
json_t *jqexpr_eval(jqexpr_t *self, const json_t *input, fs_err_t *e);
/* jq truthiness of the first output (false/null/no output are false). */
bool jqexpr_test(jqexpr_t *self, const json_t *input, fs_err_t *e);

/* ---- playbooks ----------------------------------------------------------- */

typedef struct playbook playbook_t;

/* Parses and validates a playbook document (borrowed). `origin` (a file name)
   prefixes errors, which name the JSON path: "x.json: $.steps[1].type: ...".
   Caller owns. */
playbook_t *playbook_parse(const json_t *doc, const char *origin, fs_err_t *e);
void playbook_destroy(playbook_t **self_p);
const char *playbook_name(const playbook_t *self);
/* SHA-256 of the canonical JSON: the version's identity (DESIGN.md §7). */
const char *playbook_version(const playbook_t *self);

/* Whether the trigger (class, source, site, jq filter) matches an OCSF
   event (borrowed). A filter that fails at run time does not match and
   sets e. */
bool playbook_matches(const playbook_t *self, const json_t *event, fs_err_t *e);

/* Evaluates the steps against a context {"event":…, "case":…} (borrowed)
   and returns the actions they produce, in order (caller owns):
     {"step": ID, "type": "openc2", "site": S|null, "command": {OpenC2}}
     {"step": ID, "type": "set", "case": {fields}}
   Returns NULL with e set (naming the step) when a template fails. */
json_t *playbook_plan(const playbook_t *self, const json_t *context, fs_err_t *e);

/* ---- a directory of playbooks --------------------------------------------- */

typedef struct playbook_set playbook_set_t;

/* Loads every *.json in dir; any invalid one fails the load. Caller owns. */
playbook_set_t *playbook_set_load(const char *dir, fs_err_t *e);
void playbook_set_destroy(playbook_set_t **self_p);
size_t playbook_set_count(const playbook_set_t *self);
const playbook_t *playbook_set_get(const playbook_set_t *self, size_t index);

#endif
