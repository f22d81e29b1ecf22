/*  template.h — private to libfedsoar_playbooks: JSON templates with jq. */
#ifndef FEDSOAR_TEMPLATE_H
#define FEDSOAR_TEMPLATE_H

#include "jq_program.h"
#include "playbooks.h"

typedef struct template_exprs template_exprs_t;

/* Adds every {{ expr }} in tmpl (borrowed) to *list, each expression a
   member of group (jq_program.h) that runs once fs_jq_group_compile has
   compiled it; `path` names tmpl in errors ("$.steps[1].command"), the
   group's compile error included. -1 with e set for "{{" without "}}". */
int template_compile(const json_t *tmpl, template_exprs_t **list, fs_jq_group_t *group,
                     const char *path, fs_err_t *e);
/* Renders tmpl against ctx. Caller owns the result; NULL with e set. */
json_t *template_render(const json_t *tmpl, template_exprs_t *list, const json_t *ctx, fs_err_t *e);
/* Destroys the list and its expressions (the group may be gone already). */
void template_exprs_destroy(template_exprs_t **list);
/* Adds a bare jq program to *list (once per distinct text) as a member of
   group; `where` names it in the group's compile error. */
void template_add_program(template_exprs_t **list, fs_jq_group_t *group, const char *program,
                          const char *where);
/* Runs a program compiled into list: an array of all outputs (caller owns),
   or NULL with e set. */
json_t *template_eval_program(template_exprs_t *list, const char *program, const json_t *ctx,
                              fs_err_t *e);
/* The one top-level field of the context that an expression or program of
   list can read ("event" for ".event.site" or ".event | ..."), which is
   all it is given; NULL when it gets the whole context (or is not in
   list). Both give the same outputs; this only spares converting the case
   to jq for it. For tests and measurements. */
const char *template_reads(const template_exprs_t *list, const char *text);

/* openc2_check.c: an openc2 step's command template (borrowed) checked with
   the OpenC2 validator at load; fields inside "{{ }}" are left to the
   check after rendering. 0, or -1 with e = "WHERE: OpenC2 400: REASON". */
int playbook_check_openc2(const json_t *cmd, const char *where, fs_err_t *e);

#endif
