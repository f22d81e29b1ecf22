/*  jq_fuzz.h — shared by the jq differential fuzz targets (fuzz_jq_group,
    fuzz_template_reads): which programs may be run, not only compiled. */
#ifndef FEDSOAR_JQ_FUZZ_H
#define FEDSOAR_JQ_FUZZ_H

#include "common.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* The program: the input up to its first newline, or NULL when that holds
   a NUL byte (the input is skipped); *rest and *rest_len: what follows the
   newline (NULL and 0 when there is none). Caller frees the program. */
static inline char *jq_fuzz_program(const uint8_t *data, size_t size, const char **rest,
                                    size_t *rest_len)
{
    const char *nl = memchr(data, '\n', size);
    size_t plen = nl ? (size_t)(nl - (const char *)data) : size;
    *rest = nl ? nl + 1 : NULL;
    *rest_len = nl ? size - plen - 1 : 0;
    return memchr(data, '\0', plen) ? NULL : fs_xstrndup((const char *)data, plen);
}

/* false for a program that may run unbounded or differ by time (def,
   recurse, repeat, while, until, range, limit, "..", now) or reach libjq
   1.6's known interpreter aborts (implode, halt), or read the process
   (env, input_filename): those are compiled, not run. */
static inline bool jq_fuzz_runnable(const char *program)
{
    static const char *const risky[] = {
        "def", "recurse", "repeat",  "while", "until", "range",         "limit",
        "..",  "now",     "implode", "halt",  "env",   "input_filename"};
    for (size_t i = 0; i < sizeof risky / sizeof *risky; i++)
        if (strstr(program, risky[i]))
            return false;
    return strlen(program) < 200;
}

#endif
