/*  sources.c — the configured sources and the daemon's poll step: each
    source polls its vendor every interval_s; its records are normalized
    and committed to the outbox TOGETHER with the source's new checkpoint
    (one LMDB transaction), so a restart resumes exactly where the last
    commit left off: no gap, no duplicate.

    Threads: each source polls on its own worker thread, so a slow or
    rate-limited vendor never holds up heartbeats, commands or the other
    sources. The worker only talks HTTP and collects records; everything
    that touches LMDB or the normalizer (reading the checkpoint, mapping,
    committing) stays on the daemon's thread. A worker polls only when the
    daemon hands it a checkpoint and waits until the daemon has committed
    its result, so a source never has two polls in flight. */
#include "adapter_internal.h"
#include "push_source.h" /* hook: push sources (splunk-webhook) learn each record's fate */

#include <pthread.h>
#include <string.h>

typedef enum { WORKER_IDLE, WORKER_RUNNING, WORKER_READY } worker_phase_t;

struct source_worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    worker_phase_t phase;
    bool stop, started;
    source_slot_t *slot;
    char *checkpoint; /* in: the committed checkpoint (NULL = none) */
    json_t *records;  /* out */
    char *next;       /* out */
    int rc;           /* out */
    fs_err_t err;     /* out */
    int64_t started_ms;
};

static int collect(void *arg, const json_t *record);

static void *worker_main(void *arg)
{
    struct source_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->phase != WORKER_RUNNING && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stop)
            break;
        char *checkpoint = w->checkpoint;
        pthread_mutex_unlock(&w->mu);
        json_t *records = json_array();
        char *next = NULL;
        fs_err_t err = {{0}};
        int rc = w->slot->ops->poll(w->slot->state, checkpoint, collect, records, &next, &err);
        pthread_mutex_lock(&w->mu);
        w->records = records;
        w->next = next;
        w->rc = rc;
        w->err = err;
        w->phase = WORKER_READY;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

#define SOURCE_DEFAULT_INTERVAL_S 60
#define SOURCE_MAX_BACKOFF_FACTOR 8
#define ADAPTER_SOURCE_MAX_RECORDS 20000 /* per poll; a source past it fails the poll */

const source_ops_t *const adapter_known_sources[] = {&source_crowdstrike_alerts,
                                                     &source_okta_logs,
                                                     &source_graph_alerts,
                                                     &source_mde_alerts,
                                                     &source_entra_signins,
                                                     &source_entra_audits,
                                                     &source_sentinel_incidents,
                                                     &source_sentinelone_threats,
                                                     &source_splunk_export,
                                                     &source_file_tail,
                                                     &source_syslog,
                                                     &source_splunk_webhook};
const size_t adapter_known_source_count =
    sizeof adapter_known_sources / sizeof *adapter_known_sources;

int adapter_add_sources(adapter_t *a, fs_err_t *e)
{
    size_t i;
    json_t *c;
    if (a->cfg.sources && !json_is_array(a->cfg.sources))
        return fs_err_set(e, "sources: must be an array of {\"name\", \"type\", …}");
    json_array_foreach(a->cfg.sources, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *type = json_string_value(json_object_get(c, "type"));
        if (!name || !*name || strlen(name) > 64 || strchr(name, ':'))
            return fs_err_set(e, "sources[%zu].name: required, 1-64 chars, no ':'", i);
        const source_ops_t *ops = NULL;
        for (size_t k = 0; type && k < adapter_known_source_count; k++)
            if (strcmp(adapter_known_sources[k]->type, type) == 0)
                ops = adapter_known_sources[k];
        if (!ops)
            return fs_err_set(e,
                              "sources[%zu].type: unknown source type \"%s\" (fedsoar-adapter "
                              "--list-connectors lists them)",
                              i, type ? type : "(none)");
        if (ops->api_version != SOURCE_API_VERSION)
            return fs_err_set(e, "sources[%zu]: %s speaks API %d, not %d", i, type,
                              ops->api_version, SOURCE_API_VERSION);
        /* A type without a fixed source id (file-tail) takes it from the config. */
        const char *source_id =
            ops->source_id ? ops->source_id : json_string_value(json_object_get(c, "source_id"));
        if (!source_id)
            return fs_err_set(
                e, "sources[%zu] (%s): source_id: required for type %s (a normalize source id)", i,
                name, type);
        if (!normalizer_has_source(a->normalizer, source_id))
            return fs_err_set(e, "sources[%zu] (%s): the mappings have no source id %s", i, name,
                              source_id);
        for (size_t k = 0; k < a->source_count; k++)
            if (strcmp(a->sources[k].name, name) == 0)
                return fs_err_set(e, "sources[%zu].name: \"%s\" is used twice", i, name);
        if (a->source_count == ADAPTER_MAX_SOURCES)
            return fs_err_set(e, "more than %d sources", ADAPTER_MAX_SOURCES);
        json_t *iv = json_object_get(c, "interval_s");
        if (iv &&
            (!json_is_integer(iv) || json_integer_value(iv) < 1 || json_integer_value(iv) > 86400))
            return fs_err_set(e, "sources[%zu].interval_s: an integer from 1 to 86400", i);
        source_slot_t *slot = &a->sources[a->source_count];
        fs_err_t ie = {{0}};
        if (!(slot->state = ops->init(c, a->cfg.state_dir, &ie)))
            return fs_err_set(e, "sources[%zu] (%s): %s", i, name, ie.text);
        slot->ops = ops;
        snprintf(slot->name, sizeof slot->name, "%s", name);
        snprintf(slot->source_id, sizeof slot->source_id, "%s", source_id);
        slot->interval_ms = (iv ? json_integer_value(iv) : SOURCE_DEFAULT_INTERVAL_S) * 1000;
        slot->next_poll = 0; /* at once */
        a->source_count++;
        struct source_worker *w = calloc(1, sizeof *w);
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->cv, NULL);
        w->slot = slot;
        slot->worker = w;
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
            return fs_err_set(e, "sources[%zu] (%s): cannot start its polling thread", i, name);
        w->started = true;
        fs_log(FS_LOG_INFO, "adapter", "source_ready",
               "site=%s source=%s type=%s source_id=%s interval_s=%lld", a->cfg.site, name, type,
               source_id, (long long)(slot->interval_ms / 1000));
    }
    return 0;
}

void adapter_remove_sources(adapter_t *a)
{
    for (size_t i = 0; i < a->source_count; i++) {
        struct source_worker *w = a->sources[i].worker;
        if (w) {
            pthread_mutex_lock(&w->mu);
            w->stop = true;
            pthread_cond_signal(&w->cv);
            pthread_mutex_unlock(&w->mu);
            if (w->started)
                pthread_join(w->thread,
                             NULL); /* an HTTP call in flight ends at its timeout or SIGTERM */
            pthread_mutex_destroy(&w->mu);
            pthread_cond_destroy(&w->cv);
            free(w->checkpoint);
            free(w->next);
            json_decref(w->records);
            free(w);
            a->sources[i].worker = NULL;
        }
        a->sources[i].ops->cleanup(&a->sources[i].state);
    }
    a->source_count = 0;
}

/* The emit callback, on the worker thread: arg is the poll's record array. */
static int collect(void *arg, const json_t *record)
{
    json_t *records = arg;
    if (!json_is_object(record) && !json_is_string(record))
        return 0; /* not a record: ignored (sources never send these) */
    if (json_array_size(records) >= ADAPTER_SOURCE_MAX_RECORDS)
        return -1;
    json_array_append(records, (json_t *)record);
    return 0;
}

/* Native text (a string record): framed and mapped by normalizer_run. */
typedef struct {
    adapter_t *a;
    source_slot_t *s;
    size_t *added, *rejected;
    bool failed;
    fs_err_t *e;
    size_t refused; /* events the full outbox refused (dead-lettered) */
} text_ctx_t;

static void on_text_event(void *arg, json_t *event, size_t record_no)
{
    (void)record_no;
    text_ctx_t *t = arg;
    if (t->failed)
        return;
    int rc = outbox_add(t->a->outbox, event, t->e);
    if (rc < 0)
        t->failed = true;
    else if (rc == 0)
        (*t->added)++;
    else
        t->refused++;
}

static void on_text_reject(void *arg, size_t record_no, size_t offset, const char *reason,
                           const char *raw, size_t raw_len)
{
    text_ctx_t *t = arg;
    fs_log(FS_LOG_WARN, "adapter", "record_rejected",
           "site=%s source=%s record=%zu offset=%zu reason=\"%s\"", t->a->cfg.site, t->s->name,
           record_no, offset, reason);
    (*t->rejected)++;
    if (!t->failed && outbox_dead_letter(t->a->outbox, t->s->source_id, record_no, offset, reason,
                                         raw, raw_len, t->e) != 0)
        t->failed = true;
}

/* Normalizes the records and commits them with the checkpoint, all or nothing. */
static int commit(adapter_t *a, source_slot_t *s, json_t *records, const char *checkpoint,
                  size_t *added, size_t *rejected, fs_err_t *e)
{
    char key[96];
    snprintf(key, sizeof key, "source:%s:checkpoint", s->name);
    if (outbox_begin(a->outbox, e) != 0)
        return -1;
    normalize_opts_t opts = {.site = a->cfg.site, .keep_raw = a->cfg.keep_raw};
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        if (json_is_string(rec)) {
            size_t added0 = *added;
            text_ctx_t t = {a, s, added, rejected, false, e, 0};
            long r = normalizer_run(a->normalizer, s->source_id, &opts, json_string_value(rec),
                                    json_string_length(rec), on_text_event, on_text_reject, &t, e);
            if (r < 0 || t.failed) {
                outbox_abort(a->outbox);
                return -1;
            }
            /* Push-source hook: what became of this record (answered after the commit). */
            push_source_record(s->ops, s->state, i,
                               t.refused                   ? PUSH_REFUSED
                               : r > 0 || *added == added0 ? PUSH_REJECTED
                                                           : PUSH_ADDED);
            continue;
        }
        fs_err_t me = {{0}};
        json_t *ev = normalizer_map(a->normalizer, s->source_id, &opts, rec, &me);
        int rc;
        if (ev) {
            rc = outbox_add(a->outbox, ev, e);
            json_decref(ev);
            if (rc == 0)
                (*added)++;
            push_source_record(s->ops, s->state, i, rc == 0 ? PUSH_ADDED : PUSH_REFUSED); /* hook */
        } else {
            push_source_record(s->ops, s->state, i, PUSH_REJECTED); /* hook */
            char *raw = json_dumps(rec, JSON_COMPACT);
            fs_log(FS_LOG_WARN, "adapter", "record_rejected",
                   "site=%s source=%s record=%zu reason=\"%s\"", a->cfg.site, s->name, i + 1,
                   me.text);
            rc = outbox_dead_letter(a->outbox, s->source_id, i + 1, 0, me.text, raw ? raw : "",
                                    raw ? strlen(raw) : 0, e);
            free(raw);
            (*rejected)++;
        }
        if (rc < 0) {
            outbox_abort(a->outbox);
            return -1;
        }
    }
    if (checkpoint && outbox_set_meta(a->outbox, key, checkpoint, e) != 0) {
        outbox_abort(a->outbox);
        return -1;
    }
    return outbox_commit(a->outbox, e);
}

/* Commits a finished poll (daemon thread) and schedules the next one. */
static void finish_poll(adapter_t *a, source_slot_t *s, json_t *records, const char *next, int rc,
                        fs_err_t *pe, int64_t started)
{
    fs_err_t e = *pe;
    size_t added = 0, rejected = 0;
    if (rc >= 0 && commit(a, s, records, next, &added, &rejected, &e) != 0)
        rc = -1;
    push_source_committed(s->ops, s->state,
                          rc >= 0); /* hook: a push source answers its senders now */
    int64_t now = fs_mono_ms();
    if (rc < 0) {
        s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : s->interval_ms;
        if (s->backoff_ms > s->interval_ms * SOURCE_MAX_BACKOFF_FACTOR)
            s->backoff_ms = s->interval_ms * SOURCE_MAX_BACKOFF_FACTOR;
        s->next_poll = now + s->backoff_ms;
        char q[600];
        fs_log(FS_LOG_WARN, "adapter", "source_poll_failed",
               "site=%s source=%s retry_in_ms=%lld reason=%s", a->cfg.site, s->name,
               (long long)s->backoff_ms, fs_log_quote(q, sizeof q, e.text));
    } else {
        s->backoff_ms = 0;
        s->next_poll = rc == 1 ? now : now + s->interval_ms;
        if (added || rejected)
            fs_log(FS_LOG_INFO, "adapter", "source_polled",
                   "site=%s source=%s records=%zu events=%zu rejected=%zu more=%s ms=%lld",
                   a->cfg.site, s->name, json_array_size(records), added, rejected,
                   rc == 1 ? "yes" : "no", (long long)(now - started));
    }
}

void adapter_poll_sources(adapter_t *a)
{
    for (size_t i = 0; i < a->source_count && !zsys_interrupted; i++) {
        source_slot_t *s = &a->sources[i];
        struct source_worker *w = s->worker;
        pthread_mutex_lock(&w->mu);
        if (w->phase == WORKER_READY) {
            /* Take the result and commit it here, on the daemon's thread. */
            json_t *records = w->records;
            char *next = w->next;
            int rc = w->rc;
            fs_err_t err = w->err;
            w->records = NULL;
            w->next = NULL;
            free(w->checkpoint);
            w->checkpoint = NULL;
            w->phase = WORKER_IDLE;
            pthread_mutex_unlock(&w->mu);
            finish_poll(a, s, records, next, rc, &err, w->started_ms);
            json_decref(records);
            free(next);
        } else if (w->phase == WORKER_IDLE && fs_mono_ms() >= s->next_poll) {
            char key[96];
            snprintf(key, sizeof key, "source:%s:checkpoint", s->name);
            w->checkpoint = outbox_get_meta(a->outbox, key);
            w->started_ms = fs_mono_ms();
            w->phase = WORKER_RUNNING;
            pthread_cond_signal(&w->cv);
            pthread_mutex_unlock(&w->mu);
        } else {
            pthread_mutex_unlock(&w->mu);
        }
    }
}
