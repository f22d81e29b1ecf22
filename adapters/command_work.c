/*  command_work.c — COMMANDs and REQUESTs off the daemon's loop: the
    worker pool's lanes (one per actuator and per analyzer/responder), the
    group write of the command journal once per loop turn, and the answers
    sent after it (private/command_work.h). */
#include "command_work.h"

#include <string.h>

/* A lane's limits from its config object (borrowed, may be NULL):
   "rate_limit" jobs started per minute (0 or absent: unlimited). An
   instance runs one job at a time (its plugin's callbacks are never called
   concurrently, plugin.h), except an `exec` connector with "concurrency"
   N: each call forks its own process and shares nothing. */
static double rate_of(const json_t *cfg)
{
    json_t *r = json_object_get(cfg, "rate_limit");
    return json_is_number(r) && json_number_value(r) > 0 ? json_number_value(r) : 0;
}

static json_t *actuator_run(void *state, const json_t *input)
{
    const actuator_slot_t *slot = state;
    return slot->plugin->execute(slot->state, input);
}

static int actuator_tick(void *state)
{
    const actuator_slot_t *slot = state;
    return slot->plugin->tick ? slot->plugin->tick(slot->state) : 0;
}

static json_t *connector_run(void *state, const json_t *input)
{
    const connector_slot_t *slot = state;
    return slot->plugin->run(slot->state, input);
}

static void lane_init(work_lane_t *l, worker_lane_t *lane, double rate_per_min, bool has_tick)
{
    l->lane = lane;
    l->depth = WORK_LANE_DEPTH;
    l->rate_per_min = rate_per_min;
    l->burst = rate_per_min / 60.0 < 1.0 ? 1.0 : rate_per_min / 60.0;
    l->tokens = l->burst;
    l->tokens_at = fs_mono_ms();
    l->waiting_end = &l->waiting;
    l->has_tick = has_tick;
}

int adapter_work_start(adapter_t *a, fs_err_t *e)
{
    struct adapter_work *w = fs_xcalloc(1, sizeof *w);
    a->work = w;
    w->start_end = &w->to_start;
    w->answer_end = &w->to_answer;
    w->send_end = &w->to_send;
    w->inflight = zhashx_new();
    snprintf(w->endpoint, sizeof w->endpoint, "inproc://fedsoar-adapter-work-%p", (void *)a);
    if (!(w->results = zsock_new(ZMQ_PULL)) || zsock_bind(w->results, "%s", w->endpoint) != 0)
        return fs_err_set(e, "cannot make the workers' results socket: %s",
                          zmq_strerror(zmq_errno()));
    w->threads = worker_pool_threads_default();
    if (!(w->pool = worker_pool_new(w->threads, w->endpoint, e)))
        return -1;
    /* "actuator_config": {"limits": {"TYPE": {"rate_limit": N}}} */
    const json_t *limits = json_object_get(a->cfg.actuator_config, "limits");
    for (size_t i = 0; i < a->actuator_count; i++) {
        actuator_slot_t *s = &a->actuators[i];
        lane_init(&w->lanes[w->lane_count++],
                  worker_pool_lane(w->pool, s->plugin->type, s, actuator_run, actuator_tick, 1),
                  rate_of(json_object_get(limits, s->plugin->type)), s->plugin->tick != NULL);
    }
    for (size_t i = 0; i < a->connector_count; i++) {
        connector_slot_t *c = &a->connectors[i];
        const json_t *cfg = NULL;
        size_t k;
        json_t *v;
        json_array_foreach(a->cfg.connectors, k, v)
        {
            const char *name = json_string_value(json_object_get(v, "name"));
            if (name && strcmp(name, c->name) == 0)
                cfg = v;
        }
        json_int_t n = json_integer_value(json_object_get(cfg, "concurrency"));
        unsigned concurrency = n > 1 ? (unsigned)n : 1;
        if (concurrency > 1 && strcmp(c->plugin->type, "exec") != 0)
            return fs_err_set(e,
                              "connectors: \"%s\" (%s): concurrency %u: a %s instance is called "
                              "one call at a time (its HTTP client and token are per instance); "
                              "configure a second instance instead",
                              c->name, c->plugin->type, concurrency, c->plugin->type);
        if (concurrency > 1 && concurrency >= w->threads)
            return fs_err_set(e,
                              "connectors: \"%s\": concurrency %u: at most %zu, one less than "
                              "the worker threads (FEDSOAR_ADAPTER_WORKERS=%zu), so that it "
                              "never takes them all",
                              c->name, concurrency, w->threads - 1, w->threads);
        lane_init(&w->lanes[w->lane_count++],
                  worker_pool_lane(w->pool, c->name, c, connector_run, NULL, concurrency),
                  rate_of(cfg), false);
    }
    fs_log(FS_LOG_DEBUG, "adapter", "workers", "site=%s threads=%zu lanes=%zu", a->cfg.site,
           w->threads, w->lane_count);
    return 0;
}

static void free_list(worker_job_t *j)
{
    while (j) {
        worker_job_t *next = j->next;
        worker_job_destroy(&j);
        j = next;
    }
}

void adapter_work_stop(adapter_t *a)
{
    struct adapter_work *w = a->work;
    if (!w)
        return;
    /* Workers first: they finish what they run (its answer is lost with
       the process; the journal says "started" and a restart answers 500). */
    worker_pool_destroy(&w->pool);
    worker_job_t *j;
    while (w->results && (j = worker_pool_take(w->results)))
        worker_job_destroy(&j);
    zsock_destroy(&w->results);
    free_list(w->to_start);
    free_list(w->to_answer);
    free_list(w->to_send);
    for (size_t i = 0; i < w->lane_count; i++)
        free_list(w->lanes[i].waiting);
    zhashx_destroy(&w->inflight);
    free(w);
    a->work = NULL;
}

zsock_t *adapter_work_socket(adapter_t *a)
{
    return a->work ? a->work->results : NULL;
}

bool adapter_work_inflight(adapter_t *a, const char *key)
{
    return zhashx_lookup(a->work->inflight, key) != NULL;
}

bool adapter_work_idle(adapter_t *a)
{
    return !a->work || zhashx_size(a->work->inflight) == 0;
}

bool adapter_work_has_room(adapter_t *a)
{
    return a->work->waiting < WORKER_POOL_QUEUE_MAX;
}

void adapter_work_queue(adapter_t *a, worker_job_t *job)
{
    struct adapter_work *w = a->work;
    work_lane_t *l = &w->lanes[job->lane_no];
    job->lane = l->lane;
    zhashx_insert(w->inflight, job->key, (void *)1);
    job->next = NULL;
    *l->waiting_end = job;
    l->waiting_end = &job->next;
    w->waiting++;
}

/* Whether the lane's rate limit lets one more job start now. */
static bool lane_token(work_lane_t *l, int64_t now)
{
    if (l->rate_per_min <= 0)
        return true;
    l->tokens += l->rate_per_min * (double)(now - l->tokens_at) / 60000.0;
    l->tokens_at = now;
    if (l->tokens > l->burst)
        l->tokens = l->burst;
    return l->tokens >= 1.0;
}

/* Moves the jobs that may go to their lane now (fewer than its depth
   handed over, a token) to this turn's "started" list; a due tick goes
   first and is not journaled. Round robin over the lanes, one job per
   lane per pass. */
static void dispatch(adapter_t *a)
{
    struct adapter_work *w = a->work;
    int64_t now = fs_mono_ms();
    bool moved = true;
    while (moved) {
        moved = false;
        for (size_t i = 0; i < w->lane_count; i++) {
            work_lane_t *l = &w->lanes[i];
            if (l->submitted >= l->depth)
                continue;
            if (l->tick_due) {
                worker_job_t *t = worker_job_new(WORKER_JOB_TICK, NULL, NULL, NULL);
                t->lane = l->lane;
                t->lane_no = i;
                l->tick_due = false;
                l->tick_out = true;
                l->submitted++;
                worker_pool_submit(w->pool, t);
                moved = true;
                continue;
            }
            if (!l->waiting || !lane_token(l, now))
                continue;
            worker_job_t *j = l->waiting;
            l->waiting = j->next;
            if (!l->waiting)
                l->waiting_end = &l->waiting;
            w->waiting--;
            if (l->rate_per_min > 0)
                l->tokens -= 1.0;
            l->submitted++;
            j->next = NULL;
            *w->start_end = j;
            w->start_end = &j->next;
            moved = true;
        }
    }
}

void adapter_work_answer_job(adapter_t *a, worker_job_t *job)
{
    struct adapter_work *w = a->work;
    zhashx_insert(w->inflight, job->key, (void *)1);
    *w->answer_end = job;
    w->answer_end = &job->next;
}

int adapter_work_send(adapter_t *a, const worker_job_t *job)
{
    json_t *reply;
    int rc = -1;
    if (job->kind == WORKER_JOB_COMMAND) {
        reply = json_pack("{s:s, s:O}", "command_id", job->id, "response", job->output);
        if (a->dealer)
            rc = fsp_send(a->dealer, NULL, FSP_RESPONSE, reply);
    } else {
        const json_t *o = job->output;
        reply = json_pack("{s:s, s:O, s:O?, s:O?}", "request_id", job->id, "status",
                          json_object_get(o, "status"), "result", json_object_get(o, "result"),
                          "error", json_object_get(o, "error"));
        if (a->dealer)
            rc = fsp_send(a->dealer, NULL, FSP_RESULT, reply);
    }
    json_decref(reply);
    return rc;
}

/* Sends the journaled answers in order while the DEALER takes them; the
   rest wait for the next turn (a full pipe, or no connection yet). */
static void send_answers(adapter_t *a)
{
    struct adapter_work *w = a->work;
    while (w->to_send && a->dealer) {
        worker_job_t *j = w->to_send;
        if (adapter_work_send(a, j) != 0)
            return;
        w->to_send = j->next;
        if (!w->to_send)
            w->send_end = &w->to_send;
        zhashx_delete(w->inflight, j->key);
        worker_job_destroy(&j);
    }
}

static void log_done(adapter_t *a, const worker_job_t *j)
{
    if (j->kind == WORKER_JOB_COMMAND)
        fs_log(FS_LOG_INFO, "adapter", "command_executed", "site=%s command_id=%s status=%d",
               a->cfg.site, j->id, (int)json_integer_value(json_object_get(j->output, "status")));
    else
        fs_log(FS_LOG_INFO, "adapter", "request_done", "site=%s request_id=%s %s status=%s",
               a->cfg.site, j->id, j->what ? j->what : "",
               json_string_value(json_object_get(j->output, "status")));
}

void adapter_work_turn(adapter_t *a)
{
    struct adapter_work *w = a->work;
    if (!w)
        return;
    worker_job_t *done;
    while ((done = worker_pool_take(w->results))) {
        w->lanes[done->lane_no].submitted--;
        if (done->kind == WORKER_JOB_TICK) {
            w->lanes[done->lane_no].tick_out = false;
            worker_job_destroy(&done);
            continue;
        }
        if (!done->output) /* a plugin that returned nothing: say so, never hang */
            done->output = done->kind == WORKER_JOB_COMMAND
                               ? json_pack("{s:i, s:s}", "status", 500, "status_text",
                                           "the actuator returned no response")
                               : json_pack("{s:s, s:s}", "status", "error", "error",
                                           "the connector returned no result");
        log_done(a, done);
        done->next = NULL;
        *w->answer_end = done;
        w->answer_end = &done->next;
    }
    send_answers(a);
    dispatch(a);
    if (!w->to_start && !w->to_answer)
        return;
    /* One write for the whole turn: every "started" and every answer. */
    fs_err_t e = {0};
    bool ok = true;
    for (worker_job_t *j = w->to_start; ok && j; j = j->next)
        ok = journal_begin(a->outbox, j->key, j->record ? j->record : j->input, &e) == 0;
    for (worker_job_t *j = w->to_answer; ok && j; j = j->next)
        ok = journal_finish(a->outbox, j->key, j->output, &e) == 0;
    if (ok)
        ok = journal_write(a->outbox, &e) == 0;
    else
        journal_drop(a->outbox);
    worker_job_t *start = w->to_start, *answer = w->to_answer;
    w->to_start = w->to_answer = NULL;
    w->start_end = &w->to_start;
    w->answer_end = &w->to_answer;
    if (!ok && !w->journal_failing)
        fs_log(FS_LOG_ERROR, "adapter", "journal_failed", "site=%s reason=\"%s\" msg=\"%s\"",
               a->cfg.site, e.text,
               start ? "the commands received are held, not executed, until their journal "
                       "entry is written (retried every turn)"
                     : "answers are sent unjournaled");
    else if (ok && w->journal_failing)
        fs_log(FS_LOG_INFO, "adapter", "journal_recovered", "site=%s", a->cfg.site);
    w->journal_failing = !ok;
    while (start) {
        worker_job_t *j = start;
        start = j->next;
        j->next = NULL;
        if (ok) {
            worker_pool_submit(w->pool, j);
        } else {
            /* Held for the next turn's commit: the broker sends a command
               again only when the site reconnects, so dropping it here
               would leave it pending until then (found by the nemesis
               suite). */
            *w->start_end = j;
            w->start_end = &j->next;
        }
    }
    /* As before the pool: an answer is sent even when its journal write
       failed (the broker is waiting; a restart would answer 500). */
    if (answer) {
        *w->send_end = answer;
        while (answer->next)
            answer = answer->next;
        w->send_end = &answer->next;
    }
    send_answers(a);
}

void adapter_work_tick(adapter_t *a)
{
    struct adapter_work *w = a->work;
    /* Due now, run between the lane's commands (dispatch, next turn). */
    for (size_t i = 0; w && i < w->lane_count; i++)
        if (w->lanes[i].has_tick && !w->lanes[i].tick_out) /* one at a time */
            w->lanes[i].tick_due = true;
}

double adapter_work_rate_limit(adapter_t *a)
{
    double sum = 0;
    for (size_t i = 0; a->work && i < a->actuator_count; i++) {
        if (a->work->lanes[i].rate_per_min <= 0)
            return 0;
        sum += a->work->lanes[i].rate_per_min;
    }
    return sum;
}
