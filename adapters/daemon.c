/*  daemon.c — the site adapter: outbox to broker over FSP/1 with CURVE,
    heartbeats and liveness, reconnect with backoff, commands back. */
#include "adapter_internal.h"
#include "journal_log.h"
#include "manual_actuator.h"

#include <poll.h>
#include <string.h>
#include <time.h>

static int add_actuators(adapter_t *a, fs_err_t *e)
{
    char list[512];
    snprintf(list, sizeof list, "%s", a->cfg.actuators ? a->cfg.actuators : "record-only");
    char *save = NULL;
    for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        /* Every actuator type is in the one registry (registry.c). */
        fs_err_t fe = {0};
        const adapter_plugin_t *ops = adapter_plugin_find(ADAPTER_PLUGIN_ACTUATOR, name, &fe);
        if (fe.text[0])
            return fs_err_set(e, "actuator %s", fe.text);
        if (!ops)
            return fs_err_set(
                e, "unknown actuator \"%s\" (fedsoar-adapter --list-connectors lists them)", name);
        if (a->actuator_count == ADAPTER_MAX_ACTUATORS)
            return fs_err_set(e, "more than %d actuators", ADAPTER_MAX_ACTUATORS);
        actuator_slot_t *slot = &a->actuators[a->actuator_count];
        /* Per-actuator settings: config "actuator_config": {"NAME": {…}} (NULL when absent). */
        const json_t *acfg = json_object_get(a->cfg.actuator_config, name);
        fs_err_t ie = {0};
        if (!(slot->state = ops->init(acfg, a->cfg.state_dir, &ie)))
            return fs_err_set(e, "actuator %s: %s", name, ie.text);
        slot->plugin = ops;
        slot->pairs = ops->pairs(slot->state);
        a->actuator_count++;
    }
    return 0;
}

/* "A,B,..." into a->brokers: failover in that order (adapter_run). */
static int parse_brokers(adapter_t *a, const char *list, fs_err_t *e)
{
    const char *p = list ? list : "";
    do {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == 0 || n >= sizeof a->brokers[0])
            return fs_err_set(e,
                              "--broker / \"broker\": \"%s\": each endpoint of the comma-separated "
                              "list must be 1-255 characters",
                              list ? list : "");
        if (a->broker_count == ADAPTER_MAX_BROKERS)
            return fs_err_set(e, "--broker / \"broker\": at most %d endpoints",
                              ADAPTER_MAX_BROKERS);
        memcpy(a->brokers[a->broker_count], p, n);
        a->brokers[a->broker_count++][n] = '\0';
        p = comma ? comma + 1 : NULL;
    } while (p);
    return 0;
}

/* The broker endpoint in use. */
static const char *endpoint(const adapter_t *a)
{
    return a->brokers[a->broker_at];
}

adapter_t *adapter_new(const adapter_config_t *cfg, fs_err_t *e)
{
    adapter_t *a = fs_xcalloc(1, sizeof *a);
    a->cfg = *cfg;
    if (parse_brokers(a, cfg->broker, e) != 0)
        goto fail;
    if (!(a->outbox = outbox_open(cfg->state_dir, cfg->outbox_max, e)))
        goto fail;
    outbox_set_reserve(a->outbox, cfg->outbox_reserve_mb << 20);
    outbox_set_retain(a->outbox, cfg->outbox_retain_acked_s * 1000);
    outbox_set_journal_retain(a->outbox, cfg->journal_retain_days * 86400000);
    if (!(a->normalizer = normalizer_new(cfg->mappings_dir, e)))
        goto fail;
    /* Before the sources: their threads normalize with the pool's help and
       wake this thread through `wake` when a poll is ready (sources.c). */
    a->pool = ingest_pool_new(ingest_pool_threads_default() - 1);
    snprintf(a->wake_endpoint, sizeof a->wake_endpoint, "inproc://fedsoar-adapter-wake-%p",
             (void *)a);
    if (!(a->wake = zsock_new(ZMQ_PULL)) || zsock_bind(a->wake, "%s", a->wake_endpoint) != 0) {
        fs_err_set(e, "cannot make the sources' wake-up socket: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    if (add_actuators(a, e) != 0 || adapter_add_connectors(a, e) != 0 ||
        adapter_manual_bind(a, e) != 0 || adapter_add_sources(a, e) != 0)
        goto fail;
    if (cfg->insecure) {
        fs_log(FS_LOG_WARN, "adapter", "insecure_mode",
               "msg=\"CURVE is OFF: traffic is readable and the broker unauthenticated. For "
               "local experiments only.\"");
    } else {
        if (!(a->cert = keys_load_secret(cfg->keys_dir, "sites", cfg->site, e)))
            goto fail;
        if (!(a->broker_key = keys_load_broker_public(cfg->keys_dir, e)))
            goto fail;
    }
    return a;
fail:
    adapter_destroy(&a);
    return NULL;
}

void adapter_destroy(adapter_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    adapter_t *a = *self_p;
    zsock_destroy(&a->monitor);
    zsock_destroy(&a->dealer);
    adapter_remove_sources(a);
    ingest_pool_destroy(&a->pool);
    zsock_destroy(&a->wake);
    adapter_work_stop(a); /* no worker calls a plugin after this */
    for (size_t i = 0; i < a->connector_count; i++)
        a->connectors[i].plugin->cleanup(&a->connectors[i].state);
    for (size_t i = 0; i < a->actuator_count; i++) {
        json_decref(a->actuators[i].pairs);
        a->actuators[i].plugin->cleanup(&a->actuators[i].state);
    }
    zcert_destroy(&a->cert);
    free(a->broker_key);
    normalizer_destroy(&a->normalizer);
    outbox_close(&a->outbox);
    free(a);
    *self_p = NULL;
}

/* ---- the connection ------------------------------------------------------------- */

/* HELLO / HEARTBEAT "sources" (docs/mna-gap.md, coverage): each configured
   source, its silence threshold and its counts since the adapter started. */
static json_t *sources_body(adapter_t *a)
{
    json_t *out = json_array();
    for (size_t i = 0; i < a->source_count; i++) {
        const source_slot_t *s = &a->sources[i];
        json_array_append_new(
            out,
            json_pack("{s:s, s:s, s:s?, s:I, s:I, s:I, s:o}", "name", s->name, "source_id",
                      s->source_id, "type", s->plugin ? s->plugin->type : NULL, "silence_alert_s",
                      (json_int_t)s->silence_alert_s, "normalized", (json_int_t)s->normalized,
                      "dead_letters", (json_int_t)s->dead_letters, "last_event_ms",
                      s->last_event_ms ? json_integer(s->last_event_ms) : json_null()));
    }
    return out;
}

static json_t *status_counts(adapter_t *a)
{
    outbox_stats_t st;
    outbox_stats(a->outbox, &st);
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "site", a->cfg.site, "protocol",
                     FS_PROTOCOL_VERSION, "version", FEDSOAR_VERSION, "outbox_backlog",
                     (json_int_t)st.backlog, "outbox_last_seq", (json_int_t)st.last_seq,
                     "dead_letters", (json_int_t)st.dead_letters, "outbox_full",
                     (json_int_t)st.refused_full);
}

static json_t *status_body(adapter_t *a)
{
    json_t *body = status_counts(a);
    json_object_set_new(body, "sources", sources_body(a));
    /* {source: {field: count}}: values that did not convert since start
       (normalize.h, conversion warnings); `fedsoarctl sites`, /metrics */
    json_object_set_new(body, "normalize_warnings", normalizer_warnings(a->normalizer));
    return body;
}

/* What this site runs (HELLO "connectors", docs/protocol.md §5.1): its
   sources, analyzers and responders by name and type, and its actuators.
   Names and types only: never a URL, a path or a credential. */
static json_t *connectors_body(adapter_t *a)
{
    json_t *out = json_array();
    for (size_t i = 0; i < a->source_count; i++)
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s?, s:s}", "kind", "source", "name", a->sources[i].name,
                           "type", a->sources[i].plugin ? a->sources[i].plugin->type : NULL,
                           "source_id", a->sources[i].source_id));
    for (size_t i = 0; i < a->connector_count; i++)
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s?}", "kind", a->connectors[i].kind, "name",
                           a->connectors[i].name, "type",
                           a->connectors[i].plugin ? a->connectors[i].plugin->type : NULL));
    for (size_t i = 0; i < a->actuator_count; i++)
        json_array_append_new(
            out, json_pack("{s:s, s:s?}", "kind", "actuator", "type",
                           a->actuators[i].plugin ? a->actuators[i].plugin->type : NULL));
    return out;
}

/* The dealer's handshake events: libzmq retries a failed handshake on its
   own and says nothing, so a wrong key would look like a silent broker. */
static void watch_handshakes(adapter_t *a)
{
    zsock_destroy(&a->monitor);
    if (a->cfg.insecure)
        return;
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://fedsoar-adapter-handshakes-%u", ++a->monitor_gen);
    if (zmq_socket_monitor(zsock_resolve(a->dealer), ep,
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) == 0) {
        a->monitor = zsock_new(ZMQ_PAIR);
        if (a->monitor && zsock_connect(a->monitor, "%s", ep) != 0)
            zsock_destroy(&a->monitor);
    }
}

static void on_handshake_event(adapter_t *a)
{
    zframe_t *ev = zframe_recv(a->monitor);
    zframe_t *addr = ev && zframe_more(ev) ? zframe_recv(a->monitor) : NULL;
    uint16_t event = 0;
    if (ev && zframe_size(ev) >= 6)
        memcpy(&event, zframe_data(ev), 2);
    zframe_destroy(&ev);
    zframe_destroy(&addr);
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        a->handshake_failures = 0;
    } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
        if (a->handshake_failures++ % 20 == 0)
            fs_log(
                FS_LOG_ERROR, "adapter", "broker_refused_key",
                "site=%s broker=%s msg=\"the broker refused this site's key (%s/sites/%s.cert): is "
                "trusted/sites/%s.cert in the broker's keys directory?\"",
                a->cfg.site, endpoint(a), a->cfg.keys_dir, a->cfg.site, a->cfg.site);
    } else if (event) {
        /* Most often the broker could not decrypt our HELLO: the copy of its
           public key we hold is not its key. Say so after a few tries. */
        if (++a->handshake_failures % 20 == 3)
            fs_log(FS_LOG_ERROR, "adapter", "broker_handshake_failing",
                   "site=%s broker=%s failures=%u msg=\"the CURVE handshake keeps failing: the "
                   "broker's public "
                   "key in %s/broker.cert probably does not match the broker (or %s is not a "
                   "fedsoar broker)\"",
                   a->cfg.site, endpoint(a), a->handshake_failures, a->cfg.keys_dir, endpoint(a));
    }
}

/* HELLO (§5.1), the first message of each connection. It is said again on
   ERROR hello_first (on_message), which a broker sends for each message
   before one reached it: at most once per heartbeat interval, then. */
static void say_hello(adapter_t *a)
{
    a->next_heartbeat = fs_mono_ms() + FSP_HEARTBEAT_MS;
    json_t *hello = status_body(a);
    json_object_set_new(hello, "epoch", json_string(outbox_epoch(a->outbox)));
    json_t *features = json_pack("[s,s,s,s]", "versions", "profiles", "pairs", "rate_limit");
    json_t *caps = adapter_features(a, features);
    json_object_set(hello, "capabilities", json_object_get(caps, "results"));
    json_decref(caps);
    json_decref(features);
    json_object_set_new(hello, "connectors", connectors_body(a));
    adapter_fence_hello(a, hello);
    fsp_send(a->dealer, NULL, FSP_HELLO, hello);
    json_decref(hello);
}

static void connect_broker(adapter_t *a)
{
    zsock_destroy(&a->monitor);
    zsock_destroy(&a->dealer);
    a->dealer = zsock_new(ZMQ_DEALER);
    zsock_set_linger(a->dealer, 0);
    zsock_set_sndtimeo(a->dealer, 0);
    /* EVENTS are bounded by the window; answers of a turn's commands come
       in bursts (command_work.c keeps what does not fit for the next turn). */
    zsock_set_sndhwm(a->dealer, ADAPTER_WINDOW * 4 + 4096);
    if (!a->cfg.insecure) {
        zcert_apply(a->cert, a->dealer);
        zsock_set_curve_serverkey(a->dealer, a->broker_key);
    }
    watch_handshakes(a);
    if (zsock_connect(a->dealer, "%s", endpoint(a)) != 0)
        fs_log(FS_LOG_ERROR, "adapter", "connect_failed", "site=%s broker=%s reason=\"%s\"",
               a->cfg.site, endpoint(a), zmq_strerror(zmq_errno()));
    a->welcomed = false;
    a->last_rx = fs_mono_ms(); /* the WELCOME is due within the liveness time (adapter_run) */
    say_hello(a);
    fs_log(FS_LOG_INFO, "adapter", "connecting", "site=%s broker=%s curve=%s", a->cfg.site,
           endpoint(a), a->cfg.insecure ? "off" : "on");
}

/* How many events the rate limit allows now (a token bucket holding at most
   one second's worth), or ADAPTER_BATCH when unlimited. The bucket starts
   with one token, not full: a full one let the first second's worth of a
   backlog leave in one EVENTS message, whose runs the broker starts in one
   transaction and whose commands it sends only after that commit (the
   171 ms tail of issue 19); from the first event on it fills at the rate. */
static size_t rate_budget(adapter_t *a)
{
    if (!a->cfg.max_rate)
        return ADAPTER_BATCH;
    int64_t now = fs_mono_us();
    if (!a->tokens_at_us) {
        a->tokens_at_us = now;
        a->tokens = 1;
    }
    a->tokens += (double)a->cfg.max_rate * (double)(now - a->tokens_at_us) / 1e6;
    a->tokens_at_us = now;
    if (a->tokens > (double)a->cfg.max_rate)
        a->tokens = (double)a->cfg.max_rate;
    size_t budget = a->tokens < 1 ? 0 : (size_t)a->tokens;
    return budget < ADAPTER_BATCH ? budget : ADAPTER_BATCH;
}

/* The sockets the loop waits on (the DEALER, the sources' wake, the
   workers' results, the handshake monitor when there is one): both waits
   below take them from here. Returns how many. */
#define LOOP_SOCKETS 4
static size_t loop_sockets(adapter_t *a, zsock_t *socks[LOOP_SOCKETS])
{
    zsock_t *all[LOOP_SOCKETS] = {a->dealer, a->wake, adapter_work_socket(a), a->monitor};
    size_t n = 0;
    for (size_t i = 0; i < LOOP_SOCKETS; i++)
        if (all[i])
            socks[n++] = all[i];
    return n;
}

/* Waits up to due_us (under a millisecond) for any of the loop's sockets,
   at nanosecond resolution: a zpoller waits whole milliseconds. Each
   socket is asked for ZMQ_EVENTS first (something may be waiting
   already); after that its ZMQ_FD, which is edge-triggered, signals the
   next arrival. */
static void wait_under_ms(adapter_t *a, int64_t due_us)
{
    zsock_t *socks[LOOP_SOCKETS];
    struct pollfd fds[LOOP_SOCKETS];
    size_t n = loop_sockets(a, socks);
    for (size_t i = 0; i < n; i++) {
        if (zsock_events(socks[i]) & ZMQ_POLLIN)
            return;
        fds[i] = (struct pollfd){.fd = zsock_fd(socks[i]), .events = POLLIN};
    }
    ppoll(fds, (nfds_t)n, &(struct timespec){.tv_nsec = (long)due_us * 1000}, NULL);
}

/* How long the loop may wait for a message (ms): while the send-rate
   limit's bucket is empty, until its next token is due, else 50 ms. A
   zpoller waits whole milliseconds, so it is woken up to 1 ms early and
   the rest is waited for at finer resolution (wait_under_ms, still
   woken by any message): a paced site sends each event when it is due
   (within the kernel's timer slack, about 50 us), not up to 1 ms late
   (which bench/roundtrip.sh, pacing its alerts so, counted as latency). */
static int loop_wait(adapter_t *a)
{
    if (!a->token_wait)
        return 50;
    int64_t due_us = (int64_t)((1.0 - a->tokens) * 1e6 / (double)a->cfg.max_rate) -
                     (fs_mono_us() - a->tokens_at_us);
    if (due_us >= 1000)
        return due_us >= 50000 ? 50 : (int)(due_us / 1000);
    if (due_us > 0)
        wait_under_ms(a, due_us);
    return 0;
}

static void send_batches(adapter_t *a)
{
    if (a->resend_hold_until && fs_mono_ms() < a->resend_hold_until)
        return; /* the broker asked to resend: paced, not a hot loop */
    a->resend_hold_until = 0;
    a->token_wait = false;
    while (a->welcomed && a->sent_upto < a->acked + (uint64_t)ADAPTER_BATCH * ADAPTER_WINDOW) {
        size_t budget = rate_budget(a);
        if (budget == 0) {
            a->token_wait = true; /* the loop wakes when the next token is due */
            return;
        }
        zmsg_t *frames = zmsg_new();
        json_t *classes = json_array();
        uint64_t first = 0;
        size_t n = outbox_peek(a->outbox, a->sent_upto, budget, 4 << 20, frames, classes, &first);
        if (n == 0) {
            zmsg_destroy(&frames);
            json_decref(classes);
            return;
        }
        json_t *body =
            json_pack("{s:s, s:I, s:o, s:I}", "epoch", outbox_epoch(a->outbox), "first_seq",
                      (json_int_t)first, "classes", classes, "pass", (json_int_t)a->pass);
        int rc = fsp_send_events(a->dealer, body, &frames);
        json_decref(body);
        if (rc != 0) {
            fs_log(FS_LOG_DEBUG, "adapter", "send_deferred",
                   "site=%s first=%llu count=%zu reason=\"%s\"", a->cfg.site,
                   (unsigned long long)first, n, zmq_strerror(zmq_errno()));
            return; /* the pipe is full; try again on the next turn */
        }
        a->sent_upto = first + n - 1;
        a->tokens -= (double)n;
    }
}

/* Records in the outbox the broker's ACK that no batch of this turn wrote
   (on_ack and on_welcome only note it: outbox_ack_later; a turn that
   journals commands writes it in the same commit). When that commit fails
   (a full disk) the ACK stays noted and is retried each tick, not each
   turn: the events are stored at the broker, and without a later ACK the
   backlog would stay until the site restarts and sends them again. */
static void record_ack(adapter_t *a)
{
    fs_err_t e = {0};
    if (outbox_ack_flush(a->outbox, &e) == 0) {
        if (a->ack_failing)
            fs_log(FS_LOG_INFO, "adapter", "ack_recorded", "upto=%llu msg=\"space is back\"",
                   (unsigned long long)a->acked);
        a->ack_failing = false;
        return;
    }
    if (!a->ack_failing)
        fs_log(FS_LOG_ERROR, "adapter", "ack_failed", "upto=%llu reason=\"%s\"",
               (unsigned long long)a->acked, e.text);
    a->ack_failing = true;
}

/* Copies the command journal's log into LMDB and starts it over
   (journal_checkpoint): at the tick, with no command in flight, once a
   quarter of the log is used or a minute has passed, and at shutdown.
   Rarely, because a COMMAND that comes while the copy commits waits for
   it: at 50 commands/s, one copy every half minute or so. The log fills
   only under commands without pause (journal_write then copies it). */
#define JOURNAL_LOG_COPY_MS 60000
static void copy_journal_log(adapter_t *a, bool now)
{
    int64_t at = fs_mono_ms();
    if (!now && !a->journal_log_failing && journal_log_pending(a->outbox) < JOURNAL_LOG_BYTES / 4 &&
        at - a->journal_log_copied_at < JOURNAL_LOG_COPY_MS)
        return; /* a failed copy is tried again at every idle tick */
    a->journal_log_copied_at = at;
    fs_err_t e = {0};
    if (journal_checkpoint(a->outbox, &e) == 0) {
        if (a->journal_log_failing)
            fs_log(FS_LOG_INFO, "adapter", "journal_log_copied", "site=%s", a->cfg.site);
        a->journal_log_failing = false;
        return;
    }
    if (!a->journal_log_failing)
        fs_log(FS_LOG_ERROR, "adapter", "journal_log_copy_failed",
               "site=%s pending_bytes=%zu reason=\"%s\" msg=\"the log keeps the entries; "
               "retried each second\"",
               a->cfg.site, journal_log_pending(a->outbox), e.text);
    a->journal_log_failing = true;
}

static void on_welcome(adapter_t *a, const json_t *body)
{
    uint64_t last = (uint64_t)json_integer_value(json_object_get(body, "last_seq"));
    const char *epoch = json_string_value(json_object_get(body, "epoch"));
    if (!epoch || strcmp(epoch, outbox_epoch(a->outbox)) != 0) {
        fs_log(FS_LOG_WARN, "adapter", "welcome_mismatch", "site=%s", a->cfg.site);
        return;
    }
    if (adapter_fence_welcome(a, body) != 0) {
        a->last_rx = 0; /* a demoted broker: the next endpoint now (adapter_run) */
        return;
    }
    /* Also when last is below an earlier ACK (a broker restored from an
       older copy): what this site retains above it is the backlog again. */
    outbox_ack_later(a->outbox, last);
    a->acked = a->sent_upto = last;
    a->resend_hold_until = 0;
    a->resend_at = 0;
    a->welcomed = true;
    a->last_rx = fs_mono_ms();
    a->backoff_ms = 0;
    adapter_witness(a, json_object_get(body, "audit"));
    fs_log(FS_LOG_INFO, "adapter", "connected", "site=%s broker_last_seq=%llu", a->cfg.site,
           (unsigned long long)last);
}

#define ADAPTER_RESEND_MIN_MS 250
#define ADAPTER_RESEND_MAX_MS 30000

/* RESEND (§5.3): the broker did not store a batch (its store failed, or
   the batch came after one it did not store) and says where to start
   again. Rewind the send cursor there — the outbox still holds every event
   not ACKed — and wait before sending: the broker's hint, doubled while it
   keeps asking for the same place. Answers to batches sent before the last
   rewind (an older "pass") are stale and ignored. */
static void on_resend(adapter_t *a, const json_t *body, uint64_t from)
{
    json_t *pass = json_object_get(body, "pass");
    if (json_is_integer(pass) && (uint32_t)json_integer_value(pass) != a->pass)
        return;
    if (from == 0 || from > a->sent_upto + 1)
        return; /* nothing sent from there yet: nothing to rewind */
    int64_t hint = json_integer_value(json_object_get(body, "retry_after_ms"));
    bool again = a->resend_at == from;
    a->resend_backoff_ms = !again                 ? ADAPTER_RESEND_MIN_MS
                           : a->resend_backoff_ms ? a->resend_backoff_ms * 2
                                                  : ADAPTER_RESEND_MIN_MS;
    if (a->resend_backoff_ms > ADAPTER_RESEND_MAX_MS)
        a->resend_backoff_ms = ADAPTER_RESEND_MAX_MS;
    int64_t wait = hint > a->resend_backoff_ms ? hint : a->resend_backoff_ms;
    if (!again)
        wait = hint; /* progress since the last rewind: the broker's hint alone */
    if (wait > ADAPTER_RESEND_MAX_MS)
        wait = ADAPTER_RESEND_MAX_MS;
    a->resend_at = from;
    a->sent_upto = from - 1;
    a->pass++;
    a->resend_hold_until = fs_mono_ms() + (wait > 0 ? wait : 0);
    const char *reason = json_string_value(json_object_get(body, "reason"));
    char q[300];
    fs_log(again ? FS_LOG_DEBUG : FS_LOG_WARN, "adapter", "broker_resend",
           "site=%s resend_from=%llu retry_in_ms=%lld reason=%s", a->cfg.site,
           (unsigned long long)from, (long long)wait,
           fs_log_quote(q, sizeof q, reason ? reason : ""));
}

static void on_ack(adapter_t *a, const json_t *body)
{
    uint64_t upto = (uint64_t)json_integer_value(json_object_get(body, "upto"));
    if (upto > a->acked) {
        outbox_ack_later(a->outbox, upto);
        a->acked = upto;
        if (a->sent_upto < upto)
            a->sent_upto = upto;
    }
    json_t *from = json_object_get(body, "resend_from");
    if (json_is_integer(from))
        on_resend(a, body, (uint64_t)json_integer_value(from));
}

static void on_message(adapter_t *a)
{
    fsp_msg_t m;
    fs_err_t e = {0};
    if (fsp_recv(a->dealer, false, &m, &e) != 0) {
        fs_log(FS_LOG_WARN, "adapter", "message_refused", "site=%s reason=\"%s\"", a->cfg.site,
               e.text);
        fsp_msg_clear(&m);
        return;
    }
    /* Only a welcomed connection's traffic (and its WELCOME, on_welcome)
       shows that the broker serves this site. A broker that refuses the
       HELLO keeps answering — ERROR identity, then hello_first for each
       HEARTBEAT — and were its answers liveness, the site would never move
       on to the next endpoint of --broker A,B (adapter_run). */
    if (a->welcomed)
        a->last_rx = fs_mono_ms();
    switch (m.type) {
    case FSP_WELCOME:
        on_welcome(a, m.body);
        break;
    case FSP_ACK:
        on_ack(a, m.body);
        break;
    case FSP_COMMAND:
        adapter_on_command(a, m.body);
        break;
    case FSP_REQUEST:
        adapter_on_request(a, m.body);
        break;
    case FSP_HEARTBEAT:
        adapter_witness(a, json_object_get(m.body, "audit"));
        break;
    case FSP_ERROR: {
        const char *reason = json_string_value(json_object_get(m.body, "reason"));
        fs_log(FS_LOG_WARN, "adapter", "broker_error", "site=%s reason=\"%s\"", a->cfg.site,
               reason ? reason : "");
        /* Decided on the ERROR's code, docs/protocol.md §5.7, never on its
           reason text. hello_first after a WELCOME: a restarted broker does
           not know this connection, so a new one now rather than after the
           liveness timeout. Before any WELCOME it means the HELLO itself was
           lost (the broker died with it unread and its successor took the
           heartbeats): HELLO again, still within the same liveness time,
           so a broker that refuses each HELLO is left for the next one. */
        if (fsp_error_code(m.body) == FSP_E_HELLO_FIRST && a->welcomed)
            connect_broker(a);
        else if (fsp_error_code(m.body) == FSP_E_HELLO_FIRST)
            say_hello(a);
        else if (fsp_error_code(m.body) == FSP_E_STANDBY)
            a->last_rx = 0; /* a standby serves no site: the next endpoint now */
        break;
    }
    default:
        fs_log(FS_LOG_WARN, "adapter", "message_refused",
               "site=%s reason=\"§5.2: %s is not sent to sites\"", a->cfg.site,
               fsp_type_name(m.type));
    }
    fsp_msg_clear(&m);
}

int adapter_run(adapter_t *a)
{
    connect_broker(a);
    int64_t next_tick = 0; /* actuators' tick(), about once per second */
    while (!zsys_interrupted) {
        zsock_t *socks[LOOP_SOCKETS];
        size_t nsocks = loop_sockets(a, socks);
        zpoller_t *poller = zpoller_new(NULL);
        for (size_t i = 0; i < nsocks; i++)
            zpoller_add(poller, socks[i]);
        void *which = zpoller_wait(poller, loop_wait(a));
        bool terminated = zpoller_terminated(poller);
        zpoller_destroy(&poller);
        if (which && which == a->wake) {
            char b;
            while (zmq_recv(zsock_resolve(a->wake), &b, 1, ZMQ_DONTWAIT) >= 0)
                ; /* a source's poll is ready: adapter_poll_sources, below */
        } else if (which && which == a->monitor)
            on_handshake_event(a);
        else if (which == a->dealer) {
            /* Everything that has come, up to a bound: the commands of the
               turn share one journal write (adapter_work_turn). */
            for (int n = 0; n < 256 && (n == 0 || (zsock_events(a->dealer) & ZMQ_POLLIN)); n++)
                on_message(a);
        } else if (terminated)
            break;
        adapter_work_turn(a); /* its journal write: the commands' entries */
        /* The broker's ACK once no command is in flight, after the
           RESPONSEs have left, off their path (outbox.h); at the latest
           at the next tick. */
        if (!a->ack_failing && adapter_work_idle(a))
            record_ack(a);
        adapter_manual_flush(a); /* the manual actuator's later stages (RESPONSE 102…200/500) */
        int64_t now = fs_mono_ms();
        if (now >= next_tick) {
            adapter_work_tick(a); /* on the actuators' lanes, between their commands */
            record_ack(a);        /* held by commands in flight, or failing (a full disk) */
            if (adapter_work_idle(a))
                copy_journal_log(a, false);
            next_tick = now + 1000;
        }
        if (now - a->last_rx > (int64_t)FSP_LIVENESS * FSP_HEARTBEAT_MS) {
            /* The broker is silent: the next endpoint of --broker A,B at
               once, and after the last one, back to the first with
               exponential backoff. A broker that answers is kept (no
               return to the first while it serves). */
            const char *was = endpoint(a);
            a->broker_at = (a->broker_at + 1) % a->broker_count;
            int64_t wait = 0;
            if (a->broker_at == 0) {
                a->backoff_ms = a->backoff_ms ? a->backoff_ms * 2 : 500;
                if (a->backoff_ms > ADAPTER_BACKOFF_MAX_MS)
                    a->backoff_ms = ADAPTER_BACKOFF_MAX_MS;
                wait = a->backoff_ms;
            }
            fs_log(FS_LOG_WARN, "adapter", "broker_silent", "site=%s broker=%s retry_in_ms=%lld",
                   a->cfg.site, was, (long long)wait);
            if (a->broker_count > 1)
                fs_log(FS_LOG_WARN, "adapter", "broker_failover", "site=%s from=%s to=%s",
                       a->cfg.site, was, endpoint(a));
            for (int64_t slept = 0; slept < wait && !zsys_interrupted; slept += 100)
                zclock_sleep(100); /* in slices, so SIGTERM is served at once */
            if (zsys_interrupted)
                break;
            connect_broker(a);
        } else if (now >= a->next_heartbeat) {
            json_t *hb = status_body(a);
            fsp_send(a->dealer, NULL, FSP_HEARTBEAT, hb);
            json_decref(hb);
            a->next_heartbeat = now + FSP_HEARTBEAT_MS;
        }
        /* Sources (sources.c): commit the polls their threads finished
           (they wake this loop) and start those that are due. Last in the
           turn, so the next turn reads what the broker sent meanwhile
           before the liveness check above; what they committed leaves now,
           not one poll timeout later. */
        adapter_poll_sources(a);
        send_batches(a);
    }
    record_ack(a); /* one noted in the last turn */
    copy_journal_log(a, true);
    if (a->dealer && a->welcomed) {
        json_t *bye = json_pack("{s:s}", "site", a->cfg.site);
        fsp_send(a->dealer, NULL, FSP_BYE, bye);
        json_decref(bye);
        zclock_sleep(50); /* let BYE leave before the socket closes (linger is 0) */
    }
    fs_log(FS_LOG_INFO, "adapter", "stopped", "site=%s", a->cfg.site);
    return 0;
}
