/*  fuzz_jq_group.c — differential: a jq program compiled alone and as the
    middle member of a group (common/jq_group.c, between two neighbours)
    gives the same outcome: both refuse it, the group's error being
    "$.member: " and then the alone error word for word, or both compile it
    and give the same first output or error on the input; the neighbours
    still give theirs. This is the property that the combined text never
    accepts a program that fails alone, nor reads one differently.
    Input: the program (up to the first newline; a NUL byte skips the
    input), then the JSON value (null when it does not load). Programs that
    may run unbounded or differ by time (def, recurse, repeat, while, until,
    range, limit, "..", now) and those reaching libjq 1.6's known interpreter
    aborts (implode, halt) are compiled, not run. Aborts on the first
    difference. */
#include "jq_program.h"
#include "jq_fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fs_jq_first's outcome: the output as compact text, or the error. */
static char *first(fs_jq_t *jq, const json_t *input)
{
    fs_err_t e = {0};
    json_t *v = fs_jq_first(jq, input, &e);
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))
                   : fs_xasprintf("error: %s", e.text);
    json_decref(v);
    return text ? text : fs_xstrdup("(not serialisable)");
}

static void differ(const char *what, const char *program, const char *alone, const char *grouped)
{
    fprintf(stderr, "%s differs for program [%s]\nalone   %s\ngrouped %s\n", what, program, alone,
            grouped);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json;
    size_t json_len;
    char *program = jq_fuzz_program(data, size, &json, &json_len);
    if (!program)
        return 0;
    json_t *input = json ? json_loadb(json, json_len, JSON_DECODE_ANY, NULL) : NULL;
    if (!input)
        input = json_null();

    fs_err_t alone_e = {0}, group_e = {0};
    fs_jq_t *alone = fs_jq_compile(program, &alone_e);
    fs_jq_group_t *g = fs_jq_group_new();
    fs_jq_t *before = fs_jq_group_add(g, ".a? # before", "$.before");
    fs_jq_t *member = fs_jq_group_add(g, program, "$.member");
    fs_jq_t *after = fs_jq_group_add(g, "[.[]?] | length", "$.after");
    int rc = fs_jq_group_compile(g, &group_e);
    fs_jq_group_destroy(&g);
    if (!alone) {
        char *want = fs_xasprintf("$.member: %s", alone_e.text);
        if (rc == 0 || strcmp(want, group_e.text) != 0)
            differ("compile", program, want, rc == 0 ? "(compiled)" : group_e.text);
        free(want);
    } else if (rc != 0) {
        differ("compile", program, "(compiled)", group_e.text);
    } else if (jq_fuzz_runnable(program)) {
        char *a = first(alone, input), *m = first(member, input);
        if (strcmp(a, m) != 0)
            differ("first output", program, a, m);
        free(a);
        free(m);
    }
    /* the neighbours are untouched by whatever the member was */
    json_t *obj = json_pack("{s:i,s:[i,i]}", "a", 1, "b", 2, 3);
    char *b = first(before, obj), *c = first(after, obj);
    if (strcmp(b, "1") != 0 || strcmp(c, "2") != 0)
        differ("neighbours", program, "1 / 2", b);
    free(b);
    free(c);
    json_decref(obj);
    fs_jq_destroy(&member);
    fs_jq_destroy(&alone);
    fs_jq_destroy(&before);
    fs_jq_destroy(&after);
    json_decref(input);
    free(program);
    return 0;
}
