/*  memory.c — the out-of-memory policy (docs/internals/common.md "Out of
    memory").

    An allocation that fails ends the process with one log line. fedsoar
    acknowledges nothing before its LMDB commit, and every commit is atomic,
    so a process that dies loses nothing it acknowledged; a process that
    limps on with half-built state could acknowledge what it did not store.
    Every queue, body and store has a documented bound, so running out of
    memory means a bound is set wrong, not a load to shed. */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fs_oom(size_t size)
{
    /* No fs_log here: it may allocate. */
    fprintf(stderr,
            "level=error comp=memory event=out_of_memory size=%zu msg=\"cannot allocate: stopping "
            "(nothing unacknowledged is lost; check the configured bounds)\"\n",
            size);
    abort();
}

void *fs_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        fs_oom(size);
    return p;
}

void *fs_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        fs_oom(n * size);
    return p;
}

void *fs_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        fs_oom(size);
    return p;
}

char *fs_xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        fs_oom(strlen(s) + 1);
    return p;
}

char *fs_xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p)
        fs_oom(n + 1);
    return p;
}

char *fs_xvasprintf(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) /* an encoding error: the caller's format, not memory */
        return fs_xstrdup("");
    char *p = fs_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *fs_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = fs_xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void fs_memory_policy_install(void)
{
    json_set_alloc_funcs(fs_xmalloc, free);
}
