/*  fuzz_jq_convert.c — differential: a jq program over a JSON value gives
    the same outputs, or the same error, whether values cross between jansson
    and libjq directly (jq_program.c's walk) or as JSON text (the reference).
    Input: the program on the first line, the JSON value after it (any JSON
    text jansson loads, NUL in strings allowed); no newline: the whole input
    is the value and the program is ".". Aborts on the first difference. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    char *program =
        nl ? fs_xstrndup((const char *)data, (size_t)(nl - (const char *)data)) : fs_xstrdup(".");
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
    free(program);
    return 0;
}
