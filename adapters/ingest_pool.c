/*  ingest_pool.c — the adapter's small pool of normalizing threads
    (adapter_internal.h, ingest_pool_t): a source's worker that has several
    records to normalize runs them as one job, taking records itself while
    the pool's helpers take the others.  Jobs of several workers share the
    helpers, oldest job first.  The work function must be safe on any
    thread (ingest_prepare.c: the normalizer and outbox_encode are). */
#include "adapter_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define INGEST_POOL_MAX_THREADS 8

typedef struct pool_job {
    ingest_pool_fn *fn;
    void *ctx;
    size_t n, next, done;
    struct pool_job *older, *newer;
} pool_job_t;

struct ingest_pool {
    pthread_mutex_t mu;
    pthread_cond_t work; /* a job has records left, or stop */
    pthread_cond_t done; /* a job finished its last record */
    pool_job_t *oldest, *newest;
    bool stop;
    size_t helpers;
    pthread_t thread[INGEST_POOL_MAX_THREADS];
};

/* The oldest job with a record nobody took yet (lock held). */
static pool_job_t *open_job(ingest_pool_t *p)
{
    for (pool_job_t *j = p->oldest; j; j = j->newer)
        if (j->next < j->n)
            return j;
    return NULL;
}

/* Runs one record of j (lock held on entry and on return). */
static void run_one(ingest_pool_t *p, pool_job_t *j)
{
    size_t i = j->next++;
    pthread_mutex_unlock(&p->mu);
    j->fn(j->ctx, i);
    pthread_mutex_lock(&p->mu);
    if (++j->done == j->n)
        pthread_cond_broadcast(&p->done);
}

static void *helper_main(void *arg)
{
    ingest_pool_t *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        pool_job_t *j = open_job(p);
        if (j)
            run_one(p, j);
        else
            pthread_cond_wait(&p->work, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

size_t ingest_pool_threads_default(void)
{
    const char *env = getenv("FEDSOAR_ADAPTER_NORMALIZE_THREADS");
    uint64_t n = 0;
    if (!env || fs_parse_u64(env, &n) != 0 || n < 1) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (uint64_t)cpus : 1;
    }
    return n > INGEST_POOL_MAX_THREADS + 1 ? INGEST_POOL_MAX_THREADS + 1 : (size_t)n;
}

ingest_pool_t *ingest_pool_new(size_t helpers)
{
    ingest_pool_t *p = fs_xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    if (helpers > INGEST_POOL_MAX_THREADS)
        helpers = INGEST_POOL_MAX_THREADS;
    for (size_t i = 0; i < helpers; i++) {
        if (pthread_create(&p->thread[i], NULL, helper_main, p) != 0)
            break; /* fewer helpers: the callers do the work themselves */
        p->helpers++;
    }
    return p;
}

void ingest_pool_destroy(ingest_pool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ingest_pool_t *p = *self_p;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->helpers; i++)
        pthread_join(p->thread[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p);
    *self_p = NULL;
}

void ingest_pool_run(ingest_pool_t *p, size_t n, ingest_pool_fn *fn, void *ctx)
{
    if (!p || p->helpers == 0 || n < 2) {
        for (size_t i = 0; i < n; i++)
            fn(ctx, i);
        return;
    }
    pool_job_t j = {.fn = fn, .ctx = ctx, .n = n};
    pthread_mutex_lock(&p->mu);
    j.older = p->newest;
    if (p->newest)
        p->newest->newer = &j;
    else
        p->oldest = &j;
    p->newest = &j;
    pthread_cond_broadcast(&p->work);
    while (j.next < j.n) /* the caller works on its own job too */
        run_one(p, &j);
    while (j.done < j.n)
        pthread_cond_wait(&p->done, &p->mu);
    if (j.older)
        j.older->newer = j.newer;
    else
        p->oldest = j.newer;
    if (j.newer)
        j.newer->older = j.older;
    else
        p->newest = j.older;
    pthread_mutex_unlock(&p->mu);
}
