/*  jqexpr.c — jq programs over jansson values.  Values cross between the two
    libraries as JSON text: simple and exact, and playbooks are not on the
    per-event hot path (only matched findings reach them). */
#include "playbooks.h"

#include <jq.h>
#include <stdlib.h>
#include <string.h>

struct jqexpr {
    jq_state *jq;
    char error[256];
};

static void on_error(void *data, jv msg)
{
    jqexpr_t *self = data;
    if (jv_get_kind(msg) == JV_KIND_STRING)
        snprintf(self->error, sizeof self->error, "%s", jv_string_value(msg));
    else
        snprintf(self->error, sizeof self->error, "jq error");
    jv_free(msg);
}

jqexpr_t *jqexpr_compile(const char *program, fs_err_t *e)
{
    jqexpr_t *self = calloc(1, sizeof *self);
    if (!self || !(self->jq = jq_init())) {
        free(self);
        fs_err_set(e, "out of memory");
        return NULL;
    }
    jq_set_error_cb(self->jq, on_error, self);
    if (!jq_compile(self->jq, program)) {
        fs_err_set(e, "jq program does not compile: %s",
                   self->error[0] ? self->error : "syntax error");
        jqexpr_destroy(&self);
        return NULL;
    }
    return self;
}

void jqexpr_destroy(jqexpr_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    jq_teardown(&(*self_p)->jq);
    free(*self_p);
    *self_p = NULL;
}

json_t *jqexpr_eval(jqexpr_t *self, const json_t *input, fs_err_t *e)
{
    char *text = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
    jv in = jv_parse(text ? text : "null");
    free(text);
    self->error[0] = '\0';
    jq_start(self->jq, in, 0);
    json_t *out = json_array();
    jv r;
    while (jv_is_valid(r = jq_next(self->jq))) {
        jv dumped = jv_dump_string(r, 0);
        json_t *v = json_loads(jv_string_value(dumped), JSON_DECODE_ANY, NULL);
        jv_free(dumped);
        if (v)
            json_array_append_new(out, v);
    }
    if (jv_invalid_has_msg(jv_copy(r))) {
        jv msg = jv_invalid_get_msg(r);
        fs_err_set(e, "jq: %s",
                   jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "runtime error");
        jv_free(msg);
        json_decref(out);
        return NULL;
    }
    jv_free(r);
    return out;
}

bool jqexpr_test(jqexpr_t *self, const json_t *input, fs_err_t *e)
{
    json_t *all = jqexpr_eval(self, input, e);
    json_t *first = all ? json_array_get(all, 0) : NULL;
    bool truthy = first && !json_is_false(first) && !json_is_null(first);
    json_decref(all);
    return truthy;
}
