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
   same address) at the depth of its first conversion shares that one
   conversion, as if the conversion had walked it again. Pins are per
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
