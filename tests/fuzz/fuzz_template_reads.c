/*  fuzz_template_reads.c — differential: a playbook program run as the
    engine runs it (playbooks/private/template.h: on one field of the run
    context when template_reads says it reads only that one) gives the same
    first output or error as the same program compiled alone on the whole
    context. This is the property that the narrowing never hides the case
    (or anything else) from a program that reads it.
    Input: the program (up to the first newline; a NUL byte skips the
    input). The context is fixed: every top-level field a playbook sees,
    with a case whose fields would show in any output that reached it.
    Programs that may run unbounded or differ by time, and those reaching
    libjq 1.6's known interpreter aborts, are compiled, not run (as in
    fuzz_jq_group). Aborts on the first difference. */
#include "template.h"
#include "jq_fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first output as compact text, or the error. */
static char *first_of(json_t *all, const fs_err_t *e)
{
    json_t *v = json_array_get(all, 0);
    char *text = !all ? fs_xasprintf("error: %s", e->text)
                 : v  ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))
                      : fs_xstrdup("(no output)");
    json_decref(all);
    return text ? text : fs_xstrdup("(not serialisable)");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *rest;
    size_t rest_len;
    char *program = jq_fuzz_program(data, size, &rest, &rest_len);
    if (!program)
        return 0;
    json_t *ctx =
        json_pack("{s:{s:s, s:[{s:{s:s}}]}, s:{s:i, s:s, s:[s]}, s:{}, s:{s:i}, s:s, "
                  "s:{}, s:[s], s:[], s:{}}",
                  "event", "site", "alpha", "evidences", "src_endpoint", "ip", "203.0.113.9",
                  "case", "id", 7, "status", "new", "alerts", "a1", "steps", "run", "id", 3, "item",
                  "198.51.100.4", "each", "sites", "alpha", "persons", "console");
    fs_jq_group_t *group = fs_jq_group_new();
    template_exprs_t *list = NULL;
    template_add_program(&list, group, program, "$.fuzz");
    fs_err_t e = {0};
    fs_jq_t *alone = fs_jq_compile(program, &e);
    if (fs_jq_group_compile(group, &(fs_err_t){0}) == 0 && alone && jq_fuzz_runnable(program)) {
        fs_err_t ne = {0}, ae = {0};
        char *narrow = first_of(template_eval_program(list, program, ctx, &ne), &ne);
        char *whole = first_of(fs_jq_all(alone, ctx, &ae), &ae);
        if (strcmp(narrow, whole) != 0) {
            const char *reads = template_reads(list, program);
            fprintf(stderr, "program [%s] (reads %s)\nnarrowed %s\nwhole    %s\n", program,
                    reads ? reads : "the whole context", narrow, whole);
            abort();
        }
        free(narrow);
        free(whole);
    }
    fs_jq_destroy(&alone);
    template_exprs_destroy(&list);
    fs_jq_group_destroy(&group);
    json_decref(ctx);
    free(program);
    return 0;
}
