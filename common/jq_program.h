/*  jq_program.h — one jq program over jansson values, the only wrapper of
    libjq in fedsoar: mapping rules ("jq": ...) in normalize, conditions,
    filters and templates in playbooks.

    Values cross between jansson and libjq node by node (jv_from_json /
    json_from_jv in jq_program.c), giving exactly what the JSON text round
    trip gave (json_dumps + jv_parse in, jv_dump_string + json_loads out):
    numbers as libjq's doubles, integral outputs as jansson integers, key
    order kept; what the walk does not cover (nesting deeper than 128,
    invalid UTF-8, integral numbers from 1e16 up) still crosses as text.
    Each call converts its whole input (docs/internals/common.md "jq"),
    but for a pinned value (fs_jq_pin_new), converted once.

    Ownership: fs_jq_compile returns a program the caller owns (destroy it
    with fs_jq_destroy); inputs are borrowed; results belong to the caller.
    A program holds a jq state: not thread-safe, one program per thread.
    The members of a group (fs_jq_group_new) share one jq state: they must
    not run concurrently either (run them on one thread, or under one lock). */
#ifndef FEDSOAR_JQ_PROGRAM_H
#define FEDSOAR_JQ_PROGRAM_H

#include "common.h"

typedef struct fs_jq fs_jq_t;

/* Compiles a jq program. NULL with e = "jq program does not compile:
   JQ'S MESSAGE" (FS_E_INVALID). */
fs_jq_t *fs_jq_compile(const char *program, fs_err_t *e);
/* Idempotent; sets *self_p to NULL. */
void fs_jq_destroy(fs_jq_t **self_p);

/* ---- groups: several programs compiled as one libjq program -------------
   libjq 1.6 re-reads its whole builtin library in every jq_compile (~15 ms
   here, whatever the program); a group pays it once for all its members
   (a playbook's filter and expressions, a mapping file's "jq" rules).
   Each member becomes a function of one combined program that selects it
   by its number (docs/internals/common.md "jq"). A member behaves exactly
   as if compiled alone: a program that could read differently inside the
   combined text (brackets unbalanced outside strings and comments,
   $__loc__, import/include/module, names starting _fs_jq_, only defs, no
   code), and every member when the combined text does not compile, is
   compiled alone, as fs_jq_compile does.

   Ownership: the caller owns the group (fs_jq_group_destroy) and, apart
   from it, every member fs_jq_group_add returns (fs_jq_destroy); the shared
   jq state lives until its last member is destroyed, so members and group
   may be destroyed in any order. */
typedef struct fs_jq_group fs_jq_group_t;

fs_jq_group_t *fs_jq_group_new(void);
/* Idempotent; sets *group_p to NULL. Members stay valid (or, when not yet
   compiled, stay uncompiled: running them fails "jq: program not
   compiled"). */
void fs_jq_group_destroy(fs_jq_group_t **group_p);
/* A new member for program (copied); `where` (copied; may be NULL) names it
   in fs_jq_group_compile's error. The member runs only after
   fs_jq_group_compile; until then fs_jq_first/all/test fail ("jq: program
   not compiled"). Caller owns the member. */
fs_jq_t *fs_jq_group_add(fs_jq_group_t *group, const char *program, const char *where);
/* Compiles every member added since the last call. 0, or -1 with e =
   "WHERE: jq program does not compile: JQ'S MESSAGE" (fs_jq_compile's text
   after the first failing member's where, in the order added; code
   FS_E_INVALID); the members that compile still run, the failing ones stay
   uncompiled. */
int fs_jq_group_compile(fs_jq_group_t *group, fs_err_t *e);
/* The where of the member whose failure the last fs_jq_group_compile
   reported (owned by the group), or NULL. */
const char *fs_jq_group_failed_where(const fs_jq_group_t *group);
/* true when self runs inside a group's combined program (not compiled
   alone): for tests and measurements. */
bool fs_jq_in_group(const fs_jq_t *self);

/* The first output for input (caller owns), the others drained (at most
   1000). NULL with e set when the program fails ("jq: MESSAGE"), gives no
   output ("jq: no output") or an output JSON cannot hold. */
json_t *fs_jq_first(fs_jq_t *self, const json_t *input, fs_err_t *e);
/* Every output, as an array (caller owns); outputs JSON cannot hold are
   skipped. NULL with e set ("jq: MESSAGE") when the program fails. */
json_t *fs_jq_all(fs_jq_t *self, const json_t *input, fs_err_t *e);
/* jq truthiness of the first output: false, null and no output are false;
   so is a failure (e then set). */
bool fs_jq_test(fs_jq_t *self, const json_t *input, fs_err_t *e);

/* One input converted once for several programs (a template's expressions
   over one run context). fs_jq_input_new borrows input, which must neither
   change nor die before fs_jq_input_destroy; the first fs_jq_all_input
   converts it, the others share the converted value. */
typedef struct fs_jq_input fs_jq_input_t;
fs_jq_input_t *fs_jq_input_new(const json_t *input);
/* Idempotent; sets *in_p to NULL. */
void fs_jq_input_destroy(fs_jq_input_t **in_p);
/* fs_jq_all(self, the input, e), the input converted at most once. */
json_t *fs_jq_all_input(fs_jq_t *self, fs_jq_input_t *in, fs_err_t *e);

/* A value converted once for every call on this thread while it is pinned
   (a playbook run's case in every template and filter of one advance):
   fs_jq_pin_new takes a reference to node, which must not change until
   fs_jq_pin_destroy; every conversion on this thread that meets node (the
   same address) shares its first conversion, as if it had walked node
   again (at any depth where that walk stays within the depth limit; an
   event converted for the trigger filters, then met inside a run's
   context). Pinned twice, node is converted once. Pins are per
   thread; destroy them on the thread that made them, in any order.
   Caller owns the pin. */
typedef struct fs_jq_pin fs_jq_pin_t;
fs_jq_pin_t *fs_jq_pin_new(const json_t *node);
/* Idempotent; sets *pin_p to NULL. */
void fs_jq_pin_destroy(fs_jq_pin_t **pin_p);

/* on: values cross as JSON text, the reference the direct conversion must
   equal (the differential unit and fuzz tests); off (the default): direct. */
void fs_jq_use_text_path(fs_jq_t *self, bool on);

#endif
