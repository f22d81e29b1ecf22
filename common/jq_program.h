/*  jq_program.h — one jq program over jansson values, the only wrapper of
    libjq in fedsoar: mapping rules ("jq": ...) in normalize, conditions,
    filters and templates in playbooks.

    Values cross between jansson and libjq as JSON text (jv and jansson do
    not share a value model): exact, and it costs a serialization each way,
    so callers keep jq off their hot paths (docs/internals/common.md "jq").

    Ownership: fs_jq_compile returns a program the caller owns (destroy it
    with fs_jq_destroy); inputs are borrowed; results belong to the caller.
    A program holds a jq state: not thread-safe, one program per thread. */
#ifndef FEDSOAR_JQ_PROGRAM_H
#define FEDSOAR_JQ_PROGRAM_H

#include "common.h"

typedef struct fs_jq fs_jq_t;

/* Compiles a jq program. NULL with e = "jq program does not compile:
   JQ'S MESSAGE" (FS_E_INVALID). */
fs_jq_t *fs_jq_compile(const char *program, fs_err_t *e);
/* Idempotent; sets *self_p to NULL. */
void fs_jq_destroy(fs_jq_t **self_p);

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

#endif
