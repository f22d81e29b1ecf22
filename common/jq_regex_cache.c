/*  jq_regex_cache.c — onig_new and onig_free for libjq, cached
    (jq_regex_cache.h says why and the thread rules). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include "jq_regex_cache.h"

#include <dlfcn.h>
#include <oniguruma.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

typedef int (*onig_new_fn)(regex_t **, const OnigUChar *, const OnigUChar *, OnigOptionType,
                           OnigEncoding, OnigSyntaxType *, OnigErrorInfo *);
typedef void (*onig_free_fn)(regex_t *);

typedef struct {
    unsigned char *pattern;
    size_t len;
    OnigOptionType options;
    OnigEncoding enc;
    OnigSyntaxType *syntax;
    regex_t *reg;
} kept_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static kept_t kept[FS_JQ_REGEX_CACHE_MAX];
static fs_jq_regex_cache_stats_t stats;

/* Oniguruma's own functions, behind ours. */
static onig_new_fn oniguruma_new;
static onig_free_fn oniguruma_free;
static pthread_once_t resolved = PTHREAD_ONCE_INIT;

static void resolve(void)
{
    oniguruma_new = (onig_new_fn)dlsym(RTLD_NEXT, "onig_new");
    oniguruma_free = (onig_free_fn)dlsym(RTLD_NEXT, "onig_free");
    if (!oniguruma_new || !oniguruma_free)
        abort(); /* libjq is linked with Oniguruma: both always resolve */
}

static regex_t *find(const OnigUChar *pattern, size_t len, OnigOptionType options, OnigEncoding enc,
                     OnigSyntaxType *syntax)
{
    for (size_t i = 0; i < stats.kept; i++) {
        const kept_t *k = &kept[i];
        if (k->len == len && k->options == options && k->enc == enc && k->syntax == syntax &&
            memcmp(k->pattern, pattern, len) == 0)
            return k->reg;
    }
    return NULL;
}

static bool is_kept(const regex_t *reg)
{
    for (size_t i = 0; i < stats.kept; i++)
        if (kept[i].reg == reg)
            return true;
    return false;
}

int onig_new(regex_t **reg, const OnigUChar *pattern, const OnigUChar *pattern_end,
             OnigOptionType options, OnigEncoding enc, OnigSyntaxType *syntax, OnigErrorInfo *einfo)
{
    pthread_once(&resolved, resolve);
    size_t len = (size_t)(pattern_end - pattern);
    pthread_mutex_lock(&lock);
    regex_t *hit = find(pattern, len, options, enc, syntax);
    if (hit) {
        stats.hits++;
        *reg = hit;
    }
    pthread_mutex_unlock(&lock);
    if (hit)
        return ONIG_NORMAL;
    /* Compiled outside the lock; failures are never kept (their message
       comes from einfo, filled by this call). */
    int rc = oniguruma_new(reg, pattern, pattern_end, options, enc, syntax, einfo);
    pthread_mutex_lock(&lock);
    stats.compiles++;
    if (rc == ONIG_NORMAL && stats.kept < FS_JQ_REGEX_CACHE_MAX &&
        len <= FS_JQ_REGEX_CACHE_PATTERN_MAX && !find(pattern, len, options, enc, syntax)) {
        kept_t *k = &kept[stats.kept++];
        k->pattern = fs_xmalloc(len ? len : 1);
        memcpy(k->pattern, pattern, len);
        *k = (kept_t){k->pattern, len, options, enc, syntax, *reg};
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void onig_free(regex_t *reg)
{
    pthread_once(&resolved, resolve);
    pthread_mutex_lock(&lock);
    bool keep = is_kept(reg);
    pthread_mutex_unlock(&lock);
    if (!keep)
        oniguruma_free(reg);
}

fs_jq_regex_cache_stats_t fs_jq_regex_cache_stats(void)
{
    pthread_mutex_lock(&lock);
    fs_jq_regex_cache_stats_t s = stats;
    pthread_mutex_unlock(&lock);
    return s;
}

void fs_jq_regex_cache_release(void)
{
    pthread_once(&resolved, resolve);
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < stats.kept; i++) {
        oniguruma_free(kept[i].reg);
        free(kept[i].pattern);
    }
    memset(kept, 0, sizeof kept);
    stats = (fs_jq_regex_cache_stats_t){0};
    pthread_mutex_unlock(&lock);
}
