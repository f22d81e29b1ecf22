/*  worker_pool.c — the threads that run analyzers, responders and
    actuators off the daemon's loop, lane by lane (private/worker_pool.h). */
#include "worker_pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define LANES_MAX 64

struct worker_lane {
    char name[80];
    void *state;
    worker_run_fn *run;
    worker_tick_fn *tick;
    unsigned concurrency, running;
    worker_job_t *head, *tail;
};

struct worker_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t threads[WORKER_POOL_THREADS_MAX];
    size_t thread_count;
    worker_lane_t *lanes[LANES_MAX];
    size_t lane_count, next_lane;
    bool stopping;
    char endpoint[128];
};

worker_job_t *worker_job_new(worker_job_kind_t kind, const char *key, const char *id, json_t *input)
{
    worker_job_t *j = fs_xcalloc(1, sizeof *j);
    j->kind = kind;
    j->key = key ? fs_xstrdup(key) : NULL;
    j->id = id ? fs_xstrdup(id) : NULL;
    j->input = input;
    return j;
}

void worker_job_destroy(worker_job_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    worker_job_t *j = *self_p;
    free(j->key);
    free(j->id);
    free(j->what);
    json_decref(j->input);
    json_decref(j->record);
    json_decref(j->output);
    free(j);
    *self_p = NULL;
}

size_t worker_pool_threads_default(void)
{
    const char *env = getenv("FEDSOAR_ADAPTER_WORKERS");
    if (env && *env) {
        char *end;
        unsigned long n = strtoul(env, &end, 10);
        if (*end == '\0' && n >= 1 && n <= WORKER_POOL_THREADS_MAX)
            return n;
        fs_log(FS_LOG_WARN, "adapter", "workers_ignored",
               "FEDSOAR_ADAPTER_WORKERS=\"%s\" reason=\"not a number of 1..%d\" using=%d", env,
               WORKER_POOL_THREADS_MAX, WORKER_POOL_THREADS_DEFAULT);
    }
    return WORKER_POOL_THREADS_DEFAULT;
}

/* The next job that may start, round robin over the lanes, or NULL.
   Under mu. */
static worker_job_t *next_job(worker_pool_t *p)
{
    for (size_t k = 0; k < p->lane_count; k++) {
        worker_lane_t *l = p->lanes[(p->next_lane + k) % p->lane_count];
        if (!l->head || l->running >= l->concurrency)
            continue;
        worker_job_t *j = l->head;
        l->head = j->next;
        if (!l->head)
            l->tail = NULL;
        j->next = NULL;
        l->running++;
        p->next_lane = (p->next_lane + k + 1) % p->lane_count;
        return j;
    }
    return NULL;
}

static void *worker_main(void *arg)
{
    worker_pool_t *p = arg;
    zsock_t *out = zsock_new(ZMQ_PUSH);
    if (!out || zsock_connect(out, "%s", p->endpoint) != 0) {
        fs_log(FS_LOG_ERROR, "adapter", "worker_failed", "reason=\"cannot connect to %s: %s\"",
               p->endpoint, zmq_strerror(zmq_errno()));
        zsock_destroy(&out);
        return NULL;
    }
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        worker_job_t *j = next_job(p);
        if (!j) {
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        worker_lane_t *l = j->lane;
        if (j->kind == WORKER_JOB_TICK) {
            if (l->tick)
                l->tick(l->state);
        } else {
            j->output = l->run(l->state, j->input);
        }
        /* Every job comes back, a tick too (the loop counts what runs per
           lane). Blocks only when the loop is 1000 results behind (the
           PUSH's send HWM); the pointer travels, the job is the loop's now.
           Sent first: the loop waits for it, the lane's count does not. */
        zsock_send(out, "p", (void *)j);
        pthread_mutex_lock(&p->mu);
        l->running--;
        /* A job of this lane its limit held back may start now: this
           thread takes it at the top of the loop, or another one does.
           Waking every idle worker after every job (a broadcast) put them
           all on the CPUs just as the loop had a result to journal. */
        if (l->head)
            pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    zsock_destroy(&out);
    return NULL;
}

worker_pool_t *worker_pool_new(size_t threads, const char *results_endpoint, fs_err_t *e)
{
    if (threads < 1)
        threads = 1;
    if (threads > WORKER_POOL_THREADS_MAX)
        threads = WORKER_POOL_THREADS_MAX;
    worker_pool_t *p = fs_xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    snprintf(p->endpoint, sizeof p->endpoint, "%s", results_endpoint);
    for (size_t i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0) {
            fs_err_set(e, "cannot start worker thread %zu of %zu", i + 1, threads);
            worker_pool_destroy(&p);
            return NULL;
        }
        p->thread_count++;
    }
    return p;
}

void worker_pool_destroy(worker_pool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    worker_pool_t *p = *self_p;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->thread_count; i++)
        pthread_join(p->threads[i], NULL);
    for (size_t i = 0; i < p->lane_count; i++) {
        worker_lane_t *l = p->lanes[i];
        while (l->head) {
            worker_job_t *j = l->head;
            l->head = j->next;
            worker_job_destroy(&j);
        }
        free(l);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
    *self_p = NULL;
}

worker_lane_t *worker_pool_lane(worker_pool_t *self, const char *name, void *state,
                                worker_run_fn *run, worker_tick_fn *tick, unsigned concurrency)
{
    if (self->lane_count == LANES_MAX)
        return NULL;
    worker_lane_t *l = fs_xcalloc(1, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s", name);
    l->state = state;
    l->run = run;
    l->tick = tick;
    l->concurrency = concurrency ? concurrency : 1;
    pthread_mutex_lock(&self->mu);
    self->lanes[self->lane_count++] = l;
    pthread_mutex_unlock(&self->mu);
    return l;
}

void worker_pool_submit(worker_pool_t *self, worker_job_t *job)
{
    worker_lane_t *l = job->lane;
    pthread_mutex_lock(&self->mu);
    if (l->tail)
        l->tail->next = job;
    else
        l->head = job;
    l->tail = job;
    pthread_cond_signal(&self->cv);
    pthread_mutex_unlock(&self->mu);
}

worker_job_t *worker_pool_take(zsock_t *results)
{
    void *ptr = NULL;
    int n = zmq_recv(zsock_resolve(results), &ptr, sizeof ptr, ZMQ_DONTWAIT);
    return n == (int)sizeof ptr ? ptr : NULL;
}
