/*  command_work.h — private to libfedsoar_adapters: how COMMANDs and
    REQUESTs are carried out off the daemon's loop (issue 19.1, 19.2).

    The loop (commands.c, requests.c) decides what a message needs; what
    runs a plugin becomes a job on the worker pool (worker_pool.h).  Each
    loop turn, adapter_work_turn journals in ONE write every command
    received in the turn ("started") and every result finished in it (the
    answer): one device flush for many (journal_write, outbox.h), then
    hands the started jobs to the workers and sends the answers: nothing
    runs before its "started" is durable, nothing is answered before its
    result is.

    Ownership: a->work is owned by the adapter (adapter_work_start /
    adapter_work_stop); every job passed to adapter_work_* is taken. */
#ifndef FEDSOAR_ADAPTER_COMMAND_WORK_H
#define FEDSOAR_ADAPTER_COMMAND_WORK_H

#include "adapter_internal.h"
#include "worker_pool.h"

/* The loop's side of a lane: the jobs that wait for it (received, not
   journaled: a crash loses them and the broker sends them again), the
   jobs handed to it (journaled "started": at most WORK_LANE_DEPTH, one
   running, the others queued behind it in the pool), and its rate limit
   (a token bucket of one second's worth, at least one token).

   Why a depth and not one at a time: one job at a time per lane means one
   journal write (one flush) per command; handing over up to 32 lets one
   commit start many while the lane works through the previous ones. The
   price: after a kill -9, the jobs handed over but not yet begun are
   answered 500 "interrupted" like the one that was running (never run
   twice, but not run either). */
#define WORK_LANE_DEPTH 32
typedef struct work_lane {
    worker_lane_t *lane;
    unsigned depth, submitted; /* jobs handed to the pool, not back yet */
    double rate_per_min;       /* 0: unlimited */
    double tokens, burst;
    int64_t tokens_at; /* monotonic ms */
    worker_job_t *waiting, **waiting_end;
    bool has_tick, tick_due, tick_out; /* tick_out: handed over, not back yet */
} work_lane_t;

struct adapter_work {
    worker_pool_t *pool;
    zsock_t *results; /* PULL: finished jobs from the workers */
    char endpoint[64];
    size_t threads;
    /* actuator i is lanes[i]; analyzer/responder i is lanes[actuator_count + i] */
    work_lane_t lanes[ADAPTER_MAX_ACTUATORS + ADAPTER_MAX_CONNECTORS];
    size_t lane_count;
    size_t waiting;           /* jobs waiting for their lane, every lane */
    zhashx_t *inflight;       /* journal keys received and not yet answered */
    worker_job_t *to_start;   /* to journal "started", then run (this turn) */
    worker_job_t **start_end; /* its tail's next */
    worker_job_t *to_answer;  /* to journal with their answer, then answer */
    worker_job_t **answer_end;
    worker_job_t *to_send; /* journaled answers the DEALER has not taken yet */
    worker_job_t **send_end;
    bool journal_failing; /* the last turn's journal write failed (a full disk) */
};

/* Whether key is received and not yet answered (a repeat is ignored). */
bool adapter_work_inflight(adapter_t *a, const char *key);
/* Queues job on lane number job->lane_no: journaled "started" and run when
   its lane and a worker are free and its rate limit allows. */
void adapter_work_queue(adapter_t *a, worker_job_t *job);
/* Queues job with its output set: journaled with its answer this turn,
   then answered. */
void adapter_work_answer_job(adapter_t *a, worker_job_t *job);
/* Sends the answer of a finished job (COMMAND: RESPONSE; REQUEST: RESULT).
   0, or -1 when the DEALER did not take it (full pipe, no connection). */
int adapter_work_send(adapter_t *a, const worker_job_t *job);
/* Whether another job may wait (WORKER_POOL_QUEUE_MAX). */
bool adapter_work_has_room(adapter_t *a);

#endif
