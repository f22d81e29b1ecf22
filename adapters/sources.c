/*  sources.c — the configured sources and the daemon's poll step: each
    source polls its vendor every interval_s; its records are normalized
    and committed to the outbox TOGETHER with the source's new checkpoint
    (one LMDB transaction), so a restart resumes exactly where the last
    commit left off: no gap, no duplicate.

    Threads: each source polls on its own worker thread, so a slow or
    rate-limited vendor never holds up heartbeats, commands or the other
    sources. The worker talks HTTP, collects the records and normalizes
    them (ingest_prepare.c: mapped and serialized, helped by the adapter's
    pool when a poll has several records); everything that touches LMDB
    (reading the checkpoint, writing the events and dead letters,
    committing) and every hook that tells the source what became of its
    records stays on the daemon's thread. A worker polls only when the
    daemon hands it a checkpoint and waits until the daemon has committed
    its result, so a source never has two polls in flight; it wakes the
    daemon (adapter_t.wake) when its result is ready.

    One-shot sources (replay) have no thread: adapter_run_one_shot runs
    them at once on the daemon's thread, through the same commit path
    (ingest.c) and the same checkpoint rules. */
#include "adapter_internal.h"

#include <pthread.h>
#include <string.h>

typedef enum { WORKER_IDLE, WORKER_RUNNING, WORKER_READY } worker_phase_t;

struct source_worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    worker_phase_t phase;
    bool stop, started;
    adapter_t *a;
    source_slot_t *slot;
    char *checkpoint;            /* in: the committed checkpoint (NULL = none) */
    json_t *records;             /* out */
    ingest_prepared_t *prepared; /* out: one per record when rc >= 0 (ingest_prepare.c) */
    char *next;                  /* out */
    int rc;                      /* out */
    fs_err_t err;                /* out */
    int64_t started_ms;
};

static int collect(void *arg, const json_t *record);

static void *worker_main(void *arg)
{
    struct source_worker *w = arg;
    /* Its own PUSH to the daemon's wake PULL (a socket is one thread's). */
    zsock_t *wake = zsock_new(ZMQ_PUSH);
    if (wake && zsock_connect(wake, "%s", w->a->wake_endpoint) != 0)
        zsock_destroy(&wake);
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
        fs_err_t err = {0};
        int rc = w->slot->plugin->poll(w->slot->state, checkpoint, collect, records, &next, &err);
        /* Normalized here, not on the daemon's thread: it only writes. */
        ingest_prepared_t *prepared =
            rc >= 0 ? ingest_prepare_all(w->a, w->slot->source_id, records) : NULL;
        pthread_mutex_lock(&w->mu);
        w->records = records;
        w->prepared = prepared;
        w->next = next;
        w->rc = rc;
        w->err = err;
        w->phase = WORKER_READY;
        if (wake)
            zmq_send(zsock_resolve(wake), "", 0, ZMQ_DONTWAIT); /* a wake already waiting will do */
    }
    pthread_mutex_unlock(&w->mu);
    zsock_destroy(&wake);
    return NULL;
}

#define SOURCE_DEFAULT_INTERVAL_S 60
#define SOURCE_MAX_BACKOFF_FACTOR 8
#define ADAPTER_SOURCE_MAX_RECORDS 20000 /* per poll; a source past it fails the poll */

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
        fs_err_t fe = {0};
        const adapter_plugin_t *ops = adapter_plugin_find(ADAPTER_PLUGIN_SOURCE, type, &fe);
        if (fe.text[0])
            return fs_err_set(e, "sources[%zu]: %s", i, fe.text);
        if (!ops || (ops->flags & ADAPTER_PLUGIN_INTERNAL))
            return fs_err_set(e,
                              "sources[%zu].type: unknown source type \"%s\" (fedsoar-adapter "
                              "--list-connectors lists them)",
                              i, type ? type : "(none)");
        /* A type without a fixed source id takes it from the config:
           "source_id" (file-tail, syslog) or "source" (webhook). */
        const char *source_id = ops->source_id ? ops->source_id
                                : json_object_get(c, "source_id")
                                    ? json_string_value(json_object_get(c, "source_id"))
                                    : json_string_value(json_object_get(c, "source"));
        if (!source_id)
            return fs_err_set(
                e, "sources[%zu] (%s): source_id: required for type %s (a normalize source id)", i,
                name, type);
        if (!normalizer_has_source(a->normalizer, source_id)) {
            char known[1024] = "";
            size_t used = 0;
            for (size_t k = 0; k < normalizer_source_count(a->normalizer); k++) {
                int n = snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "",
                                 normalizer_source_id(a->normalizer, k));
                if (n < 0 || (size_t)n >= sizeof known - used)
                    break;
                used += (size_t)n;
            }
            return fs_err_set(e, "sources[%zu] (%s): the mappings have no source id %s (known: %s)",
                              i, name, source_id, known);
        }
        for (size_t k = 0; k < a->source_count; k++)
            if (strcmp(a->sources[k].name, name) == 0)
                return fs_err_set(e, "sources[%zu].name: \"%s\" is used twice", i, name);
        if (a->source_count == ADAPTER_MAX_SOURCES)
            return fs_err_set(e, "more than %d sources", ADAPTER_MAX_SOURCES);
        json_t *iv = json_object_get(c, "interval_s");
        if (iv &&
            (!json_is_integer(iv) || json_integer_value(iv) < 1 || json_integer_value(iv) > 86400))
            return fs_err_set(e, "sources[%zu].interval_s: an integer from 1 to 86400", i);
        json_t *sa = json_object_get(c, "silence_alert_s");
        if (sa && (!json_is_integer(sa) || json_integer_value(sa) < 1 ||
                   json_integer_value(sa) > 31536000))
            return fs_err_set(e, "sources[%zu].silence_alert_s: an integer from 1 to 31536000", i);
        source_slot_t *slot = &a->sources[a->source_count];
        fs_err_t ie = {0};
        if (!(slot->state = ops->init(c, a->cfg.state_dir, &ie)))
            return fs_err_set(e, "sources[%zu] (%s): %s", i, name, ie.text);
        slot->plugin = ops;
        snprintf(slot->name, sizeof slot->name, "%s", name);
        snprintf(slot->source_id, sizeof slot->source_id, "%s", source_id);
        slot->interval_ms = (iv ? json_integer_value(iv) : SOURCE_DEFAULT_INTERVAL_S) * 1000;
        slot->next_poll = 0; /* at once */
        json_t *silence = json_object_get(c, "silence_alert_s");
        slot->silence_alert_s =
            silence ? json_integer_value(silence) : ADAPTER_SILENCE_ALERT_DEFAULT_S;
        a->source_count++;
        struct source_worker *w = fs_xcalloc(1, sizeof *w);
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->cv, NULL);
        w->a = a;
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
            ingest_prepared_free(&w->prepared, json_array_size(w->records));
            json_decref(w->records);
            free(w);
            a->sources[i].worker = NULL;
        }
        a->sources[i].plugin->cleanup(&a->sources[i].state);
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

/* The outbox meta name of a source's checkpoint. */
static void checkpoint_key(const source_slot_t *s, char *out, size_t size)
{
    if (s->plugin->checkpoint_key)
        s->plugin->checkpoint_key(s->state, out, size);
    else
        snprintf(out, size, "source:%s:checkpoint", s->name);
}

/* Writes a poll's records, normalized on the worker's thread, and commits
   them with the checkpoint, all or nothing (ingest.c). */
static int commit(adapter_t *a, source_slot_t *s, json_t *records,
                  const ingest_prepared_t *prepared, const char *checkpoint, size_t *added,
                  size_t *rejected, fs_err_t *e)
{
    char key[160];
    checkpoint_key(s, key, sizeof key);
    ingest_t in = {
        .a = a, .name = s->name, .source_id = s->source_id, .plugin = s->plugin, .state = s->state};
    if (ingest_begin(&in, e) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < json_array_size(records); i++) {
        int fate = ingest_apply(&in, &prepared[i], i);
        if (fate < 0) {
            rc = -1;
            break;
        }
        if (s->plugin->on_record) /* a push source learns each record's fate */
            s->plugin->on_record(s->state, i, (source_record_fate_t)fate);
    }
    if (rc == 0)
        rc = ingest_commit(&in, key, checkpoint, false);
    else
        ingest_abort(&in);
    *added = in.added;
    *rejected = in.rejected;
    return rc;
}

/* Commits a finished poll (daemon thread) and schedules the next one. */
static void finish_poll(adapter_t *a, source_slot_t *s, json_t *records,
                        const ingest_prepared_t *prepared, const char *next, int rc, fs_err_t *pe,
                        int64_t started)
{
    fs_err_t e = *pe;
    size_t added = 0, rejected = 0;
    if (rc >= 0 && commit(a, s, records, prepared, next, &added, &rejected, &e) != 0)
        rc = -1;
    if (rc >= 0) { /* what HEARTBEAT "sources" reports (daemon.c) */
        s->normalized += added;
        s->dead_letters += rejected;
        if (added)
            s->last_event_ms = fs_now_ms();
    }
    if (s->plugin->on_commit) /* a push source answers its senders now */
        s->plugin->on_commit(s->state, rc >= 0);
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
            ingest_prepared_t *prepared = w->prepared;
            char *next = w->next;
            int rc = w->rc;
            fs_err_t err = w->err;
            w->records = NULL;
            w->prepared = NULL;
            w->next = NULL;
            free(w->checkpoint);
            w->checkpoint = NULL;
            w->phase = WORKER_IDLE;
            pthread_mutex_unlock(&w->mu);
            finish_poll(a, s, records, prepared, next, rc, &err, w->started_ms);
            ingest_prepared_free(&prepared, json_array_size(records));
            json_decref(records);
            free(next);
            /* A source with more waiting (a push source's next senders)
               polls again at once, not one loop turn later. */
            pthread_mutex_lock(&w->mu);
        }
        if (w->phase == WORKER_IDLE && fs_mono_ms() >= s->next_poll) {
            char key[160];
            checkpoint_key(s, key, sizeof key);
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

/* ---- one-shot sources (replay) ------------------------------------------------------
   Run at once on the daemon's thread: the plugin's stream() feeds its input
   through the normalizer's splitter into the open ingest transaction and
   commits it with its checkpoint as it goes (source_sink_commit); what is
   left open when it returns is committed here. */

struct source_sink {
    ingest_t in;
    normalize_opts_t opts; /* the splitter keeps a pointer to it */
    char key[160];         /* the checkpoint's meta name */
};

normalize_stream_t *source_sink_stream(source_sink_t *k, const char *position, fs_err_t *e)
{
    adapter_t *a = k->in.a;
    return normalize_stream_new(a->normalizer, k->in.source_id, &k->opts, position, ingest_event,
                                ingest_reject, &k->in, e);
}

int source_sink_commit(source_sink_t *k, const char *checkpoint, bool more, fs_err_t *e)
{
    k->in.e = e;
    return ingest_commit(&k->in, k->key, checkpoint, more);
}

size_t source_sink_pending(const source_sink_t *k)
{
    return k->in.pending;
}

size_t source_sink_added(const source_sink_t *k)
{
    return k->in.added;
}

size_t source_sink_rejected(const source_sink_t *k)
{
    return k->in.rejected;
}

bool source_sink_failed(const source_sink_t *k)
{
    return k->in.failed;
}

const char *source_sink_site(const source_sink_t *k)
{
    return k->in.a->cfg.site;
}

int adapter_run_one_shot(adapter_t *a, const json_t *config, fs_err_t *e)
{
    const char *type = json_string_value(json_object_get(config, "type"));
    fs_err_t fe = {0};
    const adapter_plugin_t *p = adapter_plugin_find(ADAPTER_PLUGIN_SOURCE, type, &fe);
    if (!p || !p->stream)
        return fs_err_set(e, "%s", fe.text[0] ? fe.text : "no such one-shot source type");
    source_slot_t slot = {.plugin = p};
    snprintf(slot.name, sizeof slot.name, "%s",
             json_string_value(json_object_get(config, "name")) ?: type);
    snprintf(slot.source_id, sizeof slot.source_id, "%s",
             p->source_id ? p->source_id : json_string_value(json_object_get(config, "source_id")));
    if (!(slot.state = p->init(config, a->cfg.state_dir, e)))
        return -1;
    source_sink_t sink = {
        .in = {.a = a, .name = slot.name, .source_id = slot.source_id},
        .opts = {.site = a->cfg.site, .keep_raw = a->cfg.keep_raw},
    };
    sink.in.file = json_string_value(json_object_get(config, "file"));
    checkpoint_key(&slot, sink.key, sizeof sink.key);
    char *checkpoint = outbox_get_meta(a->outbox, sink.key);
    int rc = ingest_begin(&sink.in, e);
    if (rc == 0)
        rc = p->stream(slot.state, checkpoint, &sink, e);
    if (rc == 0 && sink.in.open)
        rc = ingest_commit(&sink.in, sink.key, NULL, false);
    ingest_abort(&sink.in); /* what a failed run left open */
    free(checkpoint);
    p->cleanup(&slot.state);
    return rc < 0 ? -1 : (int)(sink.in.rejected > INT32_MAX ? INT32_MAX : sink.in.rejected);
}

long adapter_replay(adapter_t *a, const char *source, const char *file, fs_err_t *e)
{
    if (!normalizer_has_source(a->normalizer, source))
        return fs_err_set(e,
                          "--replay %s:%s: unknown source id \"%s\" (fedsoarctl normalize "
                          "--list-sources lists them)",
                          source, file, source);
    json_t *config = json_pack("{s:s, s:s, s:s, s:s}", "name", source, "type", "replay",
                               "source_id", source, "file", file);
    long rc = adapter_run_one_shot(a, config, e);
    json_decref(config);
    return rc;
}
