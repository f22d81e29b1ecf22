/*  jq_expr.c — jq expressions inside mapping rules ("jq": "..."), for the
    few shapes paths, maps and functions cannot express (e.g. pairing two
    parallel arrays, picking an element by a sibling's value).  The program
    is compiled once at load; per record the input value is handed to libjq
    as text (jv and jansson do not share a value model) and the first output
    is parsed back.  That round trip costs, so mappings use jq only off the
    hot fields; docs/normalize.md lists where.  A jq state is not thread
    safe: one normalizer per thread. */
#include "internal.h"

#include <jq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nz_jq {
    jq_state *jq;
    char err[256];
};

static void on_error(void *data, jv msg)
{
    struct nz_jq *j = data;
    if (jv_get_kind(msg) == JV_KIND_STRING)
        snprintf(j->err, sizeof j->err, "%s", jv_string_value(msg));
    else
        snprintf(j->err, sizeof j->err, "jq error");
    jv_free(msg);
}

nz_jq_t *nz_jq_compile(const char *program, fs_err_t *e)
{
    struct nz_jq *j = calloc(1, sizeof *j);
    if (!j || !(j->jq = jq_init())) {
        free(j);
        fs_err_set(e, "jq: cannot initialise");
        return NULL;
    }
    jq_set_error_cb(j->jq, on_error, j);
    if (!jq_compile(j->jq, program)) {
        fs_err_set(e, "jq program does not compile: %s", j->err[0] ? j->err : "syntax error");
        jq_teardown(&j->jq);
        free(j);
        return NULL;
    }
    return j;
}

json_t *nz_jq_run(nz_jq_t *j, json_t *v, fs_err_t *e)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text) {
        fs_err_set(e, "jq: cannot serialise input");
        return NULL;
    }
    jv in = jv_parse(text);
    free(text);
    if (!jv_is_valid(in)) {
        jv_free(in);
        fs_err_set(e, "jq: input not accepted");
        return NULL;
    }
    j->err[0] = '\0';
    jq_start(j->jq, in, 0);
    jv out = jq_next(j->jq);
    json_t *res = NULL;
    bool more_outputs = jv_is_valid(out);
    if (more_outputs) {
        jv s = jv_dump_string(out, 0); /* consumes out */
        res = json_loads(jv_string_value(s), JSON_DECODE_ANY, NULL);
        jv_free(s);
        if (!res)
            fs_err_set(e, "jq: output not representable");
    } else {
        if (jv_invalid_has_msg(jv_copy(out))) {
            jv msg = jv_invalid_get_msg(out);
            snprintf(j->err, sizeof j->err, "%s",
                     jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "error");
            jv_free(msg);
            fs_err_set(e, "jq: %s", j->err);
        } else {
            jv_free(out);
            fs_err_set(e, "jq: no output");
        }
    }
    /* drain remaining outputs so the state is ready for the next record */
    for (int guard = 0; more_outputs && guard < 1000; guard++) {
        jv more = jq_next(j->jq);
        bool valid = jv_is_valid(more);
        jv_free(more);
        if (!valid)
            break;
    }
    return res;
}

void nz_jq_free(nz_jq_t *j)
{
    if (!j)
        return;
    jq_teardown(&j->jq);
    free(j);
}
