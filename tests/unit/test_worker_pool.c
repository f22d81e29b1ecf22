/*  test_worker_pool.c — the adapter's worker pool (private/worker_pool.h,
    issue 19.1), white-box: a lane whose job blocks holds up none of the
    other lanes' jobs; one lane's jobs never run two at once, however many
    threads, and run in the order submitted; every job (a tick too) comes back to the loop's PULL
   socket with its output. No timing: the blocked lane waits on a semaphore the test releases. */
#include "check.h"
#include "worker_pool.h"

#include <semaphore.h>
#include <stdatomic.h>

typedef struct {
    sem_t release; /* the blocking lane waits on it */
    atomic_int inside, max_inside, calls, ticks;
    int order[64]; /* inputs in the order run (one at a time per lane) */
} lane_state_t;

static json_t *blocking_run(void *state, const json_t *input)
{
    lane_state_t *s = state;
    atomic_fetch_add(&s->calls, 1);
    sem_wait(&s->release);
    return json_pack("{s:s, s:O}", "status", "ok", "result", input);
}

static json_t *quick_run(void *state, const json_t *input)
{
    lane_state_t *s = state;
    int now = atomic_fetch_add(&s->inside, 1) + 1;
    int seen = atomic_load(&s->max_inside);
    while (now > seen && !atomic_compare_exchange_weak(&s->max_inside, &seen, now))
        ;
    for (volatile int i = 0; i < 20000; i++) /* long enough for threads to meet */
        ;
    int n = atomic_fetch_add(&s->calls, 1);
    if (n < 64)
        s->order[n] = (int)json_integer_value(input);
    atomic_fetch_sub(&s->inside, 1);
    return json_pack("{s:s, s:O}", "status", "ok", "result", input);
}

static int quick_tick(void *state)
{
    lane_state_t *s = state;
    atomic_fetch_add(&s->ticks, 1);
    return 0;
}

/* The next result, waiting on the socket (no deadline: ctest's timeout). */
static worker_job_t *next_result(zsock_t *pull)
{
    zpoller_t *p = zpoller_new(pull, NULL);
    worker_job_t *j = NULL;
    while (!j) {
        zpoller_wait(p, 1000);
        j = worker_pool_take(pull);
    }
    zpoller_destroy(&p);
    return j;
}

int main(void)
{
    zsys_init();
    zsock_t *pull = zsock_new(ZMQ_PULL);
    CHECK(pull && zsock_bind(pull, "inproc://test-worker-pool") == 0);
    fs_err_t e = {0};
    worker_pool_t *pool = worker_pool_new(3, "inproc://test-worker-pool", &e);
    CHECK(pool != NULL);
    lane_state_t slow = {0}, quick = {0};
    sem_init(&slow.release, 0, 0);
    worker_lane_t *slow_lane = worker_pool_lane(pool, "slow", &slow, blocking_run, NULL, 1);
    worker_lane_t *quick_lane = worker_pool_lane(pool, "quick", &quick, quick_run, quick_tick, 1);
    CHECK(slow_lane && quick_lane);

    /* Two jobs on the blocking lane, then 40 on the quick one and a tick. */
    for (int i = 0; i < 2; i++) {
        char key[24];
        snprintf(key, sizeof key, "slow-%d", i);
        worker_job_t *j = worker_job_new(WORKER_JOB_REQUEST, key, key, json_integer(i));
        j->lane = slow_lane;
        worker_pool_submit(pool, j);
    }
    for (int i = 0; i < 40; i++) {
        char key[24];
        snprintf(key, sizeof key, "quick-%d", i);
        worker_job_t *j = worker_job_new(WORKER_JOB_COMMAND, key, key, json_integer(i));
        j->lane = quick_lane;
        j->lane_no = 1;
        worker_pool_submit(pool, j);
    }
    worker_job_t *t = worker_job_new(WORKER_JOB_TICK, NULL, NULL, NULL);
    t->lane = quick_lane;
    t->lane_no = 1;
    worker_pool_submit(pool, t);

    /* Every quick job and the tick come back while the slow lane's first
       job still blocks (it has not been released). */
    int quick_back = 0, ticks_back = 0;
    while (quick_back + ticks_back < 41) {
        worker_job_t *j = next_result(pull);
        CHECK(j->lane == quick_lane); /* nothing of the blocked lane */
        if (j->kind == WORKER_JOB_TICK) {
            ticks_back++;
            CHECK(j->output == NULL);
        } else {
            quick_back++;
        }
        worker_job_destroy(&j);
    }
    CHECK_INT(quick_back, 40);
    CHECK_INT(ticks_back, 1);
    CHECK_INT(atomic_load(&quick.ticks), 1);
    /* One lane's jobs run in the order submitted (their results may come
       back in another: each worker sends on its own PUSH). */
    int in_order = 1;
    for (int i = 0; i < 40; i++)
        in_order &= quick.order[i] == i;
    CHECK(in_order);
    CHECK_INT(atomic_load(&quick.max_inside), 1); /* never two of one lane at once */
    /* The slow lane's first job may not have reached its run function yet
       (the thread that took it can be descheduled on a loaded machine):
       wait until it has, then its second job must still wait behind it. */
    while (atomic_load(&slow.calls) < 1)
        zclock_sleep(1);                    /* ctest's timeout if never */
    CHECK_INT(atomic_load(&slow.calls), 1); /* its second job waits behind the first */

    /* Released, the blocking lane answers both, in order. */
    sem_post(&slow.release);
    sem_post(&slow.release);
    int slow_seen = 0;
    for (int i = 0; i < 2; i++) {
        worker_job_t *j = next_result(pull);
        CHECK(j->lane == slow_lane);
        CHECK_STR(json_string_value(json_object_get(j->output, "status")), "ok");
        slow_seen |= 1 << json_integer_value(json_object_get(j->output, "result"));
        worker_job_destroy(&j);
    }
    CHECK_INT(slow_seen, 3);               /* both, each once */
    CHECK(worker_pool_take(pull) == NULL); /* nothing else came */

    /* A lane of concurrency 2 (an exec connector's) runs two jobs at once:
       both have started before either is released. */
    lane_state_t pair = {0};
    sem_init(&pair.release, 0, 0);
    worker_lane_t *pair_lane = worker_pool_lane(pool, "pair", &pair, blocking_run, NULL, 2);
    for (int i = 0; i < 3; i++) {
        worker_job_t *j = worker_job_new(WORKER_JOB_REQUEST, "p", "p", json_integer(i));
        j->lane = pair_lane;
        worker_pool_submit(pool, j);
    }
    while (atomic_load(&pair.calls) < 2)
        zclock_sleep(1);                    /* both started (ctest's timeout if never) */
    CHECK_INT(atomic_load(&pair.calls), 2); /* and not the third: at most 2 at once */
    for (int i = 0; i < 3; i++)
        sem_post(&pair.release);
    for (int i = 0; i < 3; i++) {
        worker_job_t *j = next_result(pull);
        CHECK(j->lane == pair_lane);
        worker_job_destroy(&j);
    }
    CHECK_INT(atomic_load(&pair.calls), 3);
    sem_destroy(&pair.release);
    worker_pool_destroy(&pool);
    CHECK(pool == NULL);
    worker_pool_destroy(&pool); /* idempotent */
    sem_destroy(&slow.release);
    zsock_destroy(&pull);
    return check_summary();
}
