/*  fuzz_jq_convert.c — differential: a jq program over a JSON value gives
    the same outputs, or the same error, whether values cross between jansson
    and libjq directly (jq_program.c's walk) or as JSON text (the reference).
    Input: a program line, then the JSON value (any JSON text jansson loads,
    NUL in strings allowed); no newline: the whole input is the value and the
    program is ".". The program is one of a fixed table (the line names it,
    or picks one by its bytes): the subject is the conversion, not libjq 1.6's
    interpreter, whose own crashes on odd programs (`input` without a
    callback was one, now closed in jq_program.c) would only make this target
    flaky. Aborts on the first difference. */
#include "jq_program.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a caller of fs_jq_all, then of fs_jq_first, sees: the outputs as
   text (every digit and sign of a real) or the error. */
static char *outcome(fs_jq_t *jq, const json_t *input)
{
    fs_err_t e = {0};
    json_t *all = fs_jq_all(jq, input, &e);
    json_t *first = fs_jq_first(jq, input, &e);
    json_t *both = json_pack("[o?,o?,s]", all, first, e.text);
    char *text =
        both ? json_dumps(both, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(both);
    return text ? text : fs_xstrdup("(not serialisable)");
}

/* Programs whose outputs carry the input's values back (every kind, key
   order, numbers through arithmetic, strings through tostring/tojson). */
static const char *const programs[] = {
    ".",
    ".[] | {a: .}",
    "[., -., . * 1e16]",
    "pow(2;60), 1e17, nan, infinite, -0, \"\\u0000\"",
    "tojson",
    "tostring",
    "keys?",
    "[paths]",
    "to_entries?",
    "[.[]?]",
    "[..]",
    "walk(.)",
    ". as $x | [$x, $x]",
    "[.. | numbers | . + 1]",
    "[.. | strings | length]",
    "input",
};
#define NPROGRAMS (sizeof programs / sizeof *programs)

/* The table's program the line names, or one its bytes pick. */
static const char *program_for(const char *line, size_t len)
{
    unsigned sum = 0;
    for (size_t i = 0; i < NPROGRAMS; i++)
        if (strlen(programs[i]) == len && memcmp(programs[i], line, len) == 0)
            return programs[i];
    for (size_t i = 0; i < len; i++)
        sum = sum * 31 + (unsigned char)line[i];
    return programs[sum % NPROGRAMS];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    const char *program =
        nl ? program_for((const char *)data, (size_t)(nl - (const char *)data)) : ".";
    const char *json = nl ? nl + 1 : (const char *)data;
    size_t json_len = size - (size_t)(json - (const char *)data);
    json_t *input = json_loadb(json, json_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    fs_err_t e = {0};
    fs_jq_t *direct = input ? fs_jq_compile(program, &e) : NULL;
    fs_jq_t *text = direct ? fs_jq_compile(program, &e) : NULL;
    if (text) {
        fs_jq_use_text_path(text, true);
        char *a = outcome(direct, input), *b = outcome(text, input);
        if (strcmp(a, b) != 0) {
            fprintf(stderr, "program %s\ndirect %s\ntext   %s\n", program, a, b);
            abort();
        }
        free(a);
        free(b);
    }
    fs_jq_destroy(&text);
    fs_jq_destroy(&direct);
    json_decref(input);
    return 0;
}
