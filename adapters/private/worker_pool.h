/*  worker_pool.h — private to libfedsoar_adapters: the bounded pool of
    threads that runs analyzers, responders and actuators off the
    daemon's loop (issue 19.1, docs/internals/adapters.md "Workers").

    Every connector or actuator instance is a lane: a FIFO of jobs with a
    concurrency limit (how many of its jobs run at once).  A worker takes
    the oldest job of the next lane, round robin, that may start now, so a
    busy lane never holds up the others.  The loop (command_work.c) keeps
    the jobs that wait for their lane, paces them (rate limit) and submits
    one only when its lane and a thread are free, so a submitted job starts
    at once: one slow vendor occupies at most its own concurrency's worth
    of threads.

    Results go back to the daemon's thread as messages: a worker sends the
    finished job's pointer on an inproc PUSH socket of its own, connected
    to the PULL socket the loop polls (worker_pool_take).  Workers touch
    no LMDB and no broker socket; the loop stays the only writer of the
    journal and the only user of the DEALER.

    Ownership: worker_pool_submit takes the job; worker_pool_take gives it
    back (caller owns: worker_job_destroy).  A lane is owned by the pool. */
#ifndef FEDSOAR_ADAPTER_WORKER_POOL_H
#define FEDSOAR_ADAPTER_WORKER_POOL_H

#include "common.h"

#include <czmq.h>

/* Default worker threads (FEDSOAR_ADAPTER_WORKERS overrides, 1..64). */
#define WORKER_POOL_THREADS_DEFAULT 4
#define WORKER_POOL_THREADS_MAX 64
/* Jobs waiting for their lane at the loop, every lane together; past it
   the loop answers 503 without journaling (the command is not executed). */
#define WORKER_POOL_QUEUE_MAX 100000

typedef struct worker_pool worker_pool_t;
typedef struct worker_lane worker_lane_t;

typedef enum {
    WORKER_JOB_COMMAND = 1, /* an actuator's execute: input the OpenC2 command */
    WORKER_JOB_REQUEST,     /* an analyzer's / responder's run: input the step's input */
    WORKER_JOB_TICK,        /* an actuator's tick: no input, no output */
} worker_job_kind_t;

typedef struct worker_job {
    worker_job_kind_t kind;
    worker_lane_t *lane;
    size_t lane_no; /* the loop's index of its lane (command_work.c) */
    char *key;      /* the journal key: command_id, or "request:ID" (owned) */
    char *id;       /* the command_id or request_id the answer names (owned) */
    char *what;     /* REQUEST: "TYPE=NAME" for the log line (owned, may be NULL) */
    json_t *input;  /* what the lane's run gets (owned) */
    json_t *record; /* what the journal keeps as "command" (owned; NULL: input) */
    json_t *output; /* set by the worker (or the loop for answers it makes itself), owned */
    struct worker_job *next;
} worker_job_t;

/* The callbacks a lane runs (the plugin's, on its state). */
typedef json_t *(worker_run_fn)(void *state, const json_t *input);
typedef int(worker_tick_fn)(void *state);

/* threads workers; results are sent to results_endpoint (the loop has
   bound a PULL there).  NULL on failure, with e set. Caller owns. */
worker_pool_t *worker_pool_new(size_t threads, const char *results_endpoint, fs_err_t *e);
/* Stops the workers after the jobs they are running (a job still queued
   is dropped: its command stays "started" in the journal and is answered
   500 after a restart, never run twice) and frees the pool. */
void worker_pool_destroy(worker_pool_t **self_p);
/* A new lane (concurrency >= 1). Before the first submit only (the
   loop's thread). Owned by the pool. */
worker_lane_t *worker_pool_lane(worker_pool_t *self, const char *name, void *state,
                                worker_run_fn *run, worker_tick_fn *tick, unsigned concurrency);
/* Queues job (taken) on job->lane. Loop's thread. */
void worker_pool_submit(worker_pool_t *self, worker_job_t *job);
/* The next finished job (every kind, a TICK too) from the results socket
   (non-blocking), or NULL. Caller owns. */
worker_job_t *worker_pool_take(zsock_t *results);
/* The pool's thread count: FEDSOAR_ADAPTER_WORKERS or the default. */
size_t worker_pool_threads_default(void);

worker_job_t *worker_job_new(worker_job_kind_t kind, const char *key, const char *id,
                             json_t *input);
void worker_job_destroy(worker_job_t **self_p);

#endif
