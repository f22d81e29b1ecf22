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

/* Whether program may index an array with an array: a "[...]" after a
   term (".", a name, "]", ")", a string, "?") holding anything but
   numbers, a slice of them or one plain string (index and indices, which
   do it too, are in jq_fuzz_runnable's list).
   libjq 1.6's jv_array_indexes leaks the elements it compares: the jq 1.6
   command leaks the same under valgrind ('.[[[1]]]' on [[1],[2]]), and
   only the refcounted input it lost shows, so no suppression can name
   it (fuzz_template_reads found it: "[paths[paths]]"). */
static inline bool jq_fuzz_may_index_by_array(const char *program)
{
    for (const char *q = program; (q = strchr(q, '[')); q++) {
        const char *before = q;
        while (before > program && (before[-1] == ' ' || before[-1] == '\t'))
            before--;
        char prev = before > program ? before[-1] : '\0';
        if (!(prev == '.' || prev == ']' || prev == ')' || prev == '"' || prev == '?' ||
              prev == '_' || (prev >= '0' && prev <= '9') || (prev >= 'a' && prev <= 'z') ||
              (prev >= 'A' && prev <= 'Z')))
            continue;
        const char *r = q + 1;
        size_t plain = strspn(r, " 0123456789:.-");
        if (r[plain] == ']')
            continue;
        if (r[plain] == '"' && plain == strspn(r, " ")) {
            const char *end = strpbrk(r + plain + 1, "\"\\");
            if (end && *end == '"' && end[1 + strspn(end + 1, " ")] == ']')
                continue;
        }
        return true;
    }
    return false;
}

/* false for a program that may run unbounded or differ by time (def,
   recurse, repeat, while, until, range, limit, "..", now), reach libjq
   1.6's known interpreter aborts (implode, halt) or its leak (index,
   indices, jq_fuzz_may_index_by_array), or read the process (env,
   input_filename): those are compiled, not run. */
static inline bool jq_fuzz_runnable(const char *program)
{
    static const char *const risky[] = {
        "def", "recurse", "repeat", "while", "until",          "range", "limit",  "..",
        "now", "implode", "halt",   "env",   "input_filename", "index", "indices"};
    for (size_t i = 0; i < sizeof risky / sizeof *risky; i++)
        if (strstr(program, risky[i]))
            return false;
    return strlen(program) < 200 && !jq_fuzz_may_index_by_array(program);
}

#endif
