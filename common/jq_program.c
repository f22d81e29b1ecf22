/*  jq_program.c — one jq program over jansson values (jq_program.h). */
#include "jq_program.h"

#include <jq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FS_JQ_DRAIN_MAX 1000 /* outputs after the first that fs_jq_first reads and drops */

struct fs_jq {
    jq_state *jq;
    char error[256]; /* the last message libjq reported through its callback */
};

static void on_error(void *data, jv msg)
{
    fs_jq_t *self = data;
    if (jv_get_kind(msg) == JV_KIND_STRING)
        snprintf(self->error, sizeof self->error, "%s", jv_string_value(msg));
    else
        snprintf(self->error, sizeof self->error, "jq error");
    jv_free(msg);
}

/* The byte offset of a string literal that never closes, or -1. libjq 1.6's
   parser leaks the literal it was reading when the program ends inside one
   (found by fuzz_playbook), so such programs are refused before it sees
   them. Follows jq's lexer: comments run from '#' to the end of the line
   outside strings, a backslash escapes the next byte inside one, and "\(...)"
   interpolates code, which may hold strings of its own. */
static long unterminated_string(const char *program)
{
    enum { MAX_NESTING = 64 };
    long opened[MAX_NESTING] = {0}; /* where each string still open began */
    int parens[MAX_NESTING] = {0};  /* open parentheses in each interpolation */
    int depth = 0;                  /* strings open; code is read when depth is 0 or
                                       parens[depth - 1] > 0 */
    for (const char *p = program; *p; p++) {
        bool in_code = depth == 0 || parens[depth - 1] > 0;
        if (in_code) {
            if (*p == '#') {
                while (p[1] && p[1] != '\n')
                    p++;
            } else if (*p == '"') {
                if (depth == MAX_NESTING)
                    return p - program; /* refused as unclosed: deeper than any program needs */
                opened[depth] = p - program;
                parens[depth++] = 0;
            } else if (depth > 0 && *p == '(') {
                parens[depth - 1]++;
            } else if (depth > 0 && *p == ')') {
                parens[depth - 1]--; /* back in the string when it reaches 0 */
            }
        } else if (*p == '"') {
            depth--;
        } else if (*p == '\\' && p[1]) {
            if (*++p == '(')
                parens[depth - 1] = 1;
        }
    }
    return depth > 0 ? opened[depth - 1] : -1;
}

fs_jq_t *fs_jq_compile(const char *program, fs_err_t *e)
{
    long open_at = unterminated_string(program);
    if (open_at >= 0) {
        fs_err_setc(e, FS_E_INVALID,
                    "jq program does not compile: the string at byte %ld never closes", open_at);
        return NULL;
    }
    fs_jq_t *self = fs_xcalloc(1, sizeof *self);
    if (!(self->jq = jq_init()))
        fs_oom(sizeof(jq_state *)); /* jq_init fails only when malloc does */
    jq_set_error_cb(self->jq, on_error, self);
    if (!jq_compile(self->jq, program)) {
        fs_err_setc(e, FS_E_INVALID, "jq program does not compile: %s",
                    self->error[0] ? self->error : "syntax error");
        fs_jq_destroy(&self);
        return NULL;
    }
    return self;
}

void fs_jq_destroy(fs_jq_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    jq_teardown(&(*self_p)->jq);
    free(*self_p);
    *self_p = NULL;
}

/* Starts the program on input. 0, or -1 with e set. */
static int start(fs_jq_t *self, const json_t *input, fs_err_t *e)
{
    char *text = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return fs_err_setc(e, FS_E_INVALID, "jq: cannot serialise input");
    jv in = jv_parse(text);
    free(text);
    if (!jv_is_valid(in)) {
        jv_free(in);
        return fs_err_setc(e, FS_E_INVALID, "jq: input not accepted");
    }
    self->error[0] = '\0';
    jq_start(self->jq, in, 0);
    return 0;
}

/* A jv output as a jansson value (consumes v); NULL when JSON cannot hold it. */
static json_t *to_json(jv v)
{
    jv dumped = jv_dump_string(v, 0);
    json_t *out = json_loads(jv_string_value(dumped), JSON_DECODE_ANY, NULL);
    jv_free(dumped);
    return out;
}

/* The message of an invalid jv that ends a run (consumes r): 1 and e set
   when the program failed, 0 when it simply had no more output. */
static int failed(jv r, const char *non_string, fs_err_t *e)
{
    if (!jv_invalid_has_msg(jv_copy(r))) {
        jv_free(r);
        return 0;
    }
    jv msg = jv_invalid_get_msg(r);
    fs_err_set(e, "jq: %s", jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : non_string);
    jv_free(msg);
    return 1;
}

json_t *fs_jq_first(fs_jq_t *self, const json_t *input, fs_err_t *e)
{
    if (start(self, input, e) != 0)
        return NULL;
    jv out = jq_next(self->jq);
    if (!jv_is_valid(out)) {
        if (!failed(out, "error", e))
            fs_err_set(e, "jq: no output");
        return NULL;
    }
    json_t *res = to_json(out);
    if (!res)
        fs_err_set(e, "jq: output not representable");
    /* drain the other outputs so the state is ready for the next input */
    for (int guard = 0; guard < FS_JQ_DRAIN_MAX; guard++) {
        jv more = jq_next(self->jq);
        bool valid = jv_is_valid(more);
        jv_free(more);
        if (!valid)
            break;
    }
    return res;
}

json_t *fs_jq_all(fs_jq_t *self, const json_t *input, fs_err_t *e)
{
    /* An input jansson cannot serialise runs the program on null (as the
       playbook engine always did). */
    if (start(self, input, NULL) != 0 && start(self, json_null(), e) != 0)
        return NULL;
    json_t *out = json_array();
    jv r;
    while (jv_is_valid(r = jq_next(self->jq))) {
        json_t *v = to_json(r);
        if (v)
            json_array_append_new(out, v);
    }
    if (failed(r, "runtime error", e)) {
        json_decref(out);
        return NULL;
    }
    return out;
}

bool fs_jq_test(fs_jq_t *self, const json_t *input, fs_err_t *e)
{
    json_t *all = fs_jq_all(self, input, e);
    json_t *first = all ? json_array_get(all, 0) : NULL;
    bool truthy = first && !json_is_false(first) && !json_is_null(first);
    json_decref(all);
    return truthy;
}
