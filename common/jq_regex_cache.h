/*  jq_regex_cache.h — libjq 1.6's regular expressions compiled once per
    process instead of once per call.

    libjq 1.6 (Debian 12) compiles the pattern of `test`, `match`, `capture`,
    `scan`, `split/2`, `sub` and `gsub` with Oniguruma's onig_new on every
    call and frees it with onig_free right after: a playbook trigger filter
    such as `test("^(T1078|T1550|...)")` paid a regex compile for every
    finding (12 % of the broker's CPU per alert, bench/roundtrip.sh, perf).
    jq_regex_cache.c defines onig_new and onig_free in the program itself:
    the dynamic linker binds libjq's calls to them, they hand out one compiled
    regex per (pattern, options, encoding, syntax) and pass everything else to
    Oniguruma (dlsym RTLD_NEXT). Results are unchanged: a compiled regex is
    only read by onig_search.

    The object is linked in by calling one of the functions below (fedsoar-
    broker and fedsoar-adapter call fs_jq_regex_cache_release at exit).
    Thread rules: lookups are locked; a cached regex is never freed before
    fs_jq_regex_cache_release, so a thread never sees one disappear; two
    threads may share one regex only if they never run jq at the same time
    (the broker runs jq on its loop thread only, the adapter under
    normalize's jq lock). At most FS_JQ_REGEX_CACHE_MAX patterns of at most
    FS_JQ_REGEX_CACHE_PATTERN_MAX bytes are kept; others are compiled per
    call as before. */
#ifndef FEDSOAR_JQ_REGEX_CACHE_H
#define FEDSOAR_JQ_REGEX_CACHE_H

#include <stddef.h>

#define FS_JQ_REGEX_CACHE_MAX 512
#define FS_JQ_REGEX_CACHE_PATTERN_MAX 4096

typedef struct {
    size_t kept;     /* compiled regexes held */
    size_t hits;     /* onig_new calls answered from the cache */
    size_t compiles; /* onig_new calls that compiled (kept or not) */
} fs_jq_regex_cache_stats_t;

/* Counters since the start or the last release. */
fs_jq_regex_cache_stats_t fs_jq_regex_cache_stats(void);
/* Frees every kept regex (at exit, when no jq program is running). */
void fs_jq_regex_cache_release(void);

#endif
