/*  webhook.c — source "webhook": outside tools (a SIEM's alert action, a
    Logic App, a scanner's export script, an asset inventory) POST records
    to the site's adapter, which normalizes them as the configured source
    id and commits them to the outbox before answering.

      {"type": "webhook", "source": "okta.system_log", "listen": "ADDR:PORT",
       "token_file": F, "cert_file": C, "key_file": K}

    The body is split by the mapping's framing (normalize's splitter): for
    a JSON mapping one object, an array of objects, NDJSON or concatenated
    objects, or the mapping's envelopes; for a line mapping (CEF) one
    record per line.  Every record goes through the normal normalize path.

      202  committed: {"status": "stored", "accepted": n, "refused_total": k,
           "refused": [{"record": i, "offset": byte, "reason": "..."}]}
           (records count from 1; refused records are in the dead letters)
      400  nothing could be kept (same body)
      401  no valid token or signature (nothing stored)
      404 / 405 / 413  another path / method / a body over max_body_bytes
      503  the commit failed, the outbox is full, too many bodies are
           waiting or the adapter is stopping: try again later

    The type "splunk-webhook" is the same source with Splunk's defaults:
    source splunk.notable, path /splunk/alert, 200 instead of 202, plain
    HTTP allowed on a loopback address without insecure_http.

    Threads: the listener (webhook_http.c) queues bodies and suspends their
    connections; this file's poll (the source's worker thread) hands every
    queued body (up to max_batch bodies, max_batch_bytes bytes) to the
    daemon as native text; after poll returns, the same thread (helped by
    the adapter's pool, body by body) normalizes them, and the daemon's
    thread writes them into ONE outbox transaction (sources.c,
    ingest_prepare.c, ingest.c) and calls on_text_record for each record,
    on_record for each body and on_commit once: only then is each sender
    answered.  Nothing is acknowledged before the LMDB commit. */
#include "connector_support.h"
#include "webhook_internal.h"

#include "listen_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WEBHOOK_MAX_BODY_DEFAULT (1u << 20)
#define WEBHOOK_WAIT_MS 1000 /* a poll waits this long for the first body */
#define WEBHOOK_PEM_MAX (1u << 20)

/* ---- the daemon's hooks ---------------------------------------------------------- */

static void on_text_record(void *state, size_t record, size_t record_no, size_t offset,
                           source_record_fate_t fate, const char *reason)
{
    webhook_t *w = state;
    pthread_mutex_lock(&w->mu);
    if (record < w->n_in_poll)
        webhook_answer_add(&w->in_poll[record]->answer, record_no, offset, fate, reason);
    pthread_mutex_unlock(&w->mu);
}

/* Marks r answered (lock held); the caller resumes its connection after
   dropping the lock. */
static void settle(webhook_t *w, webhook_req_t *r, bool committed)
{
    unsigned status = webhook_answer_status(&r->answer, committed, w->style);
    const char *error = !committed      ? "not stored (the outbox commit failed); try again"
                        : status == 503 ? "the outbox is full; kept in the dead letters, try again "
                                          "later"
                        : status == 400 ? "no record could be kept (each refused one is named); "
                                          "kept in the dead letters"
                                        : NULL;
    if (status < 300)
        w->accepted_bodies++;
    else if (status == 400)
        w->rejected_bodies++;
    else
        w->refused_bodies++;
    r->phase = REQ_DONE;
    r->status = status;
    free(r->text);
    r->text = webhook_answer_body(&r->answer, status, error);
}

static void on_commit(void *state, bool committed)
{
    webhook_t *w = state;
    pthread_mutex_lock(&w->mu);
    size_t n = w->n_in_poll;
    webhook_req_t **done = w->in_poll;
    for (size_t i = 0; i < n; i++)
        settle(w, done[i], committed);
    w->in_poll = NULL;
    w->n_in_poll = 0;
    pthread_mutex_unlock(&w->mu);
    for (size_t i = 0; i < n; i++)
        MHD_resume_connection(done[i]->conn);
    if (n)
        fs_log(FS_LOG_DEBUG, "adapter", "webhook_answered", "source=\"%s\" bodies=%zu committed=%s",
               w->name, n, committed ? "yes" : "no");
    free(done);
}

static int poll_hooks(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                      char **next_checkpoint, fs_err_t *e)
{
    (void)checkpoint;
    webhook_t *w = state;
    /* No checkpoint: an answered body is committed, the others not taken. */
    *next_checkpoint = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->n_in_poll) { /* a previous poll's bodies were never settled: answer them */
        pthread_mutex_unlock(&w->mu);
        on_commit(w, false);
        pthread_mutex_lock(&w->mu);
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WEBHOOK_WAIT_MS / 1000;
    while (!w->head && !w->stopping)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) != 0)
            break;
    size_t n = 0, bytes = 0;
    webhook_req_t **batch =
        w->queued ? fs_xcalloc(w->queued < w->max_batch ? w->queued : w->max_batch, sizeof *batch)
                  : NULL;
    while (batch && w->head && n < w->max_batch && (n == 0 || bytes < w->max_batch_bytes)) {
        webhook_req_t *r = w->head;
        w->head = r->next;
        if (!w->head)
            w->tail = NULL;
        r->next = NULL;
        r->phase = REQ_IN_POLL;
        webhook_answer_release(&r->answer);
        batch[n++] = r;
        bytes += r->len;
        w->queued--;
    }
    w->in_poll = batch;
    w->n_in_poll = n;
    pthread_mutex_unlock(&w->mu);
    /* The bodies stay alive: their connections are suspended until settled. */
    for (size_t i = 0; i < n; i++)
        if (source_emit_text(emit, arg, w->name, batch[i]->body, batch[i]->len, e) != 0)
            return -1; /* the daemon's commit hook answers them 503 */
    /* 1 = poll again at once: the source waits inside poll (above), so its
       senders wait for the next commit, not for interval_s. */
    return 1;
}

static void cleanup(void **state_p)
{
    webhook_t *w = *state_p;
    if (!w)
        return;
    if (w->mhd) {
        /* Answer every waiting sender 503 before the listener stops: MHD
           must not be stopped with suspended connections. */
        pthread_mutex_lock(&w->mu);
        w->stopping = true;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        on_commit(w, false);
        pthread_mutex_lock(&w->mu);
        webhook_req_t *r = w->head;
        w->head = w->tail = NULL;
        w->queued = 0;
        for (webhook_req_t *q = r; q; q = q->next) {
            q->phase = REQ_DONE;
            q->status = 503;
            free(q->text);
            q->text = webhook_answer_error("the adapter is stopping; try again");
        }
        pthread_mutex_unlock(&w->mu);
        while (r) {
            webhook_req_t *nx = r->next;
            MHD_resume_connection(r->conn);
            r = nx;
        }
        /* Let the resumed connections be answered (bounded wait). */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 2;
        pthread_mutex_lock(&w->mu);
        while (w->open > 0 && pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0)
            ;
        pthread_mutex_unlock(&w->mu);
        MHD_stop_daemon(w->mhd);
        fs_log(FS_LOG_INFO, "adapter", "webhook_stopped",
               "source=\"%s\" received=%ld stored=%ld rejected=%ld refused=%ld unauthorized=%ld",
               w->name, w->received, w->accepted_bodies, w->rejected_bodies, w->refused_bodies,
               w->unauthorized);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    webhook_auth_release(&w->auth);
    if (w->key_pem)
        explicit_bzero(w->key_pem, strlen(w->key_pem));
    free(w->key_pem);
    free(w->cert_pem);
    free(w);
    *state_p = NULL;
}

/* ---- configuration -------------------------------------------------------------- */

static size_t config_size(const json_t *config, const char *key, size_t dflt, size_t max)
{
    json_int_t n = json_integer_value(json_object_get(config, key));
    return n >= 1 && (uint64_t)n <= max ? (size_t)n : dflt;
}

static char *read_pem(const json_t *config, const char *key, fs_err_t *e)
{
    const char *file = json_string_value(json_object_get(config, key));
    size_t len = 0;
    fs_err_t fe = {0};
    char *pem = fs_file_read(file, WEBHOOK_PEM_MAX, &len, &fe);
    if (!pem)
        fs_err_set(e, "%s: cannot read %s (%s)", key, file, fe.text);
    return pem;
}

/* TLS, or plain HTTP where allowed. 0, or -1 with e set. */
static int setup_transport(webhook_t *w, const json_t *config, const fs_listen_addr_t *la,
                           fs_err_t *e)
{
    bool cert = json_object_get(config, "cert_file") != NULL;
    bool key = json_object_get(config, "key_file") != NULL;
    if (cert != key)
        return fs_err_set(e, "cert_file and key_file: give both (TLS) or neither");
    if (cert) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
            return fs_err_set(e, "cert_file: this libmicrohttpd was built without TLS");
        if (!(w->cert_pem = read_pem(config, "cert_file", e)) ||
            !(w->key_pem = read_pem(config, "key_file", e)))
            return -1;
        return 0;
    }
    bool insecure = json_is_true(json_object_get(config, "insecure_http")) ||
                    (w->style == WEBHOOK_STYLE_SPLUNK &&
                     !json_is_false(json_object_get(config, "insecure_http")));
    if (!insecure)
        return fs_err_set(e, "cert_file and key_file: required (TLS); plain HTTP only with "
                             "\"insecure_http\": true on a loopback address");
    if (!fs_listen_is_loopback(la))
        return fs_err_set(e,
                          "insecure_http: plain HTTP is refused on %s, which is not a loopback "
                          "address (give cert_file and key_file, or listen on 127.0.0.1 / [::1] "
                          "behind a TLS proxy)",
                          w->listen);
    fs_log(FS_LOG_WARN, "adapter", "webhook_plain_http",
           "source=\"%s\" listen=%s msg=\"plain HTTP on loopback: tokens travel in clear\"",
           w->name, w->listen);
    return 0;
}

static void *init_style(const json_t *config, webhook_style_t style, fs_err_t *e)
{
    webhook_t *w = fs_xcalloc(1, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->style = style;
    bool splunk = style == WEBHOOK_STYLE_SPLUNK;
    void *p = w;
    connector_instance_name(w->name, sizeof w->name, splunk ? "splunk-webhook" : "webhook", config);
    const char *listen = json_string_value(json_object_get(config, "listen"));
    const char *path = json_string_value(json_object_get(config, "path"));
    fs_listen_addr_t la;
    if (!listen && !splunk) {
        fs_err_set(e, "listen: required (\"ADDR:PORT\", e.g. \"0.0.0.0:8443\" or \"[::]:8443\")");
        goto fail;
    }
    if (!listen)
        listen = "127.0.0.1:8088";
    if (fs_listen_parse(listen, "listen", &la, e) != 0)
        goto fail;
    snprintf(w->listen, sizeof w->listen, "%s", listen);
    if (snprintf(w->path, sizeof w->path, "%s",
                 path     ? path
                 : splunk ? "/splunk/alert"
                          : "/webhook") >= (int)sizeof w->path ||
        w->path[0] != '/') {
        fs_err_set(e, "path: must start with / and be shorter than %zu bytes", sizeof w->path);
        goto fail;
    }
    if (webhook_auth_init(&w->auth, config, splunk, e) != 0)
        goto fail;
    if (setup_transport(w, config, &la, e) != 0)
        goto fail;
    w->max_body = config_size(config, "max_body_bytes", WEBHOOK_MAX_BODY_DEFAULT, 64u << 20);
    w->max_pending = config_size(config, "max_pending", 1000, 100000);
    w->max_batch = config_size(config, "max_batch", 100, 10000);
    w->max_batch_bytes = config_size(config, "max_batch_bytes", 64u << 20, 1024u << 20);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (la.sa.sa_family == AF_INET6 ? MHD_USE_IPv6 : 0) |
                     (w->cert_pem ? MHD_USE_TLS : 0);
    if (w->cert_pem)
        w->mhd = MHD_start_daemon(
            flags, 0, NULL, NULL, webhook_http_handler, w, MHD_OPTION_SOCK_ADDR, &la.sa,
            MHD_OPTION_NOTIFY_COMPLETED, webhook_http_completed, w, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)(w->max_pending + 64),
            MHD_OPTION_HTTPS_MEM_CERT, w->cert_pem, MHD_OPTION_HTTPS_MEM_KEY, w->key_pem,
            MHD_OPTION_END);
    else
        w->mhd = MHD_start_daemon(flags, 0, NULL, NULL, webhook_http_handler, w,
                                  MHD_OPTION_SOCK_ADDR, &la.sa, MHD_OPTION_NOTIFY_COMPLETED,
                                  webhook_http_completed, w, MHD_OPTION_CONNECTION_TIMEOUT,
                                  (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
                                  (unsigned)(w->max_pending + 64), MHD_OPTION_END);
    if (!w->mhd) {
        fs_err_set(e,
                   "listen: cannot listen on %s (in use, not an address of this host, or the "
                   "certificate and key do not load or match)",
                   w->listen);
        goto fail;
    }
    if (!w->auth.token_on && !w->auth.hmac_on)
        fs_log(FS_LOG_WARN, "adapter", "webhook_unauthenticated",
               "source=\"%s\" listen=%s msg=\"anyone who reaches this port can inject records\"",
               w->name, w->listen);
    fs_log(FS_LOG_INFO, "adapter", "webhook_listening",
           "source=\"%s\" listen=%s path=%s tls=%s token=%s hmac=%s", w->name, w->listen, w->path,
           w->cert_pem ? "yes" : "no", w->auth.token_on ? "yes" : "no",
           !w->auth.hmac_on                        ? "no"
           : w->auth.scheme == WEBHOOK_HMAC_GITHUB ? "github"
                                                   : "timestamped");
    return w;
fail:
    cleanup(&p);
    return NULL;
}

static void *init_general(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return init_style(config, WEBHOOK_STYLE_GENERAL, e);
}

static void *init_splunk(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return init_style(config, WEBHOOK_STYLE_SPLUNK, e);
}

/* ---- the descriptors --------------------------------------------------------------- */

#define WEBHOOK_COMMON_FIELDS                                                                      \
    FS_FIELD("listen", FS_S_STRING), FS_FIELD("path", FS_S_STRING),                                \
        FS_FIELD("token_file", FS_S_STRING), FS_FIELD("token_env", FS_S_STRING),                   \
        FS_FIELD("token", FS_S_INLINE_SECRET("no inline secret (name a file with token_file or "   \
                                             "an environment variable with token_env)")),          \
        FS_FIELD("token_header", FS_S_STRING), FS_FIELD("query_token", FS_S_BOOL),                 \
        FS_FIELD("allow_unauthenticated", FS_S_BOOL), FS_FIELD("cert_file", FS_S_STRING),          \
        FS_FIELD("key_file", FS_S_STRING), FS_FIELD("insecure_http", FS_S_BOOL),                   \
        FS_FIELD("hmac", FS_S_OBJECT(hmac_fields)),                                                \
        FS_FIELD("max_body_bytes", FS_S_INT(1, 64 << 20)),                                         \
        FS_FIELD("max_pending", FS_S_INT(1, 100000)), FS_FIELD("max_batch", FS_S_INT(1, 10000)),   \
        FS_FIELD("max_batch_bytes", FS_S_INT(1, 1024 << 20))

static const fs_schema_field_t hmac_fields[] = {
    FS_FIELD("secret_file", FS_S_STRING),
    FS_FIELD("secret_env", FS_S_STRING),
    FS_FIELD("secret", FS_S_INLINE_SECRET("no inline secret (name a file with secret_file or an "
                                          "environment variable with secret_env)")),
    FS_FIELD("scheme", FS_S_ENUM("github", "timestamped")),
    FS_FIELD("header", FS_S_STRING),
    FS_FIELD("timestamp_header", FS_S_STRING),
    FS_FIELD("max_skew_s", FS_S_INT(1, 86400)),
    FS_FIELD("max_remembered", FS_S_INT(16, 10000000)),
    FS_FIELDS_END,
};

static const fs_schema_field_t webhook_fields[] = {
    FS_REQUIRED("source", FS_S_STRING),
    WEBHOOK_COMMON_FIELDS,
    FS_FIELDS_END,
};
static const fs_schema_t webhook_schema = {.type = FS_SCHEMA_OBJECT, .fields = {webhook_fields}};

static const fs_schema_field_t splunk_fields[] = {
    WEBHOOK_COMMON_FIELDS,
    FS_FIELDS_END,
};
static const fs_schema_t splunk_schema = {.type = FS_SCHEMA_OBJECT, .fields = {splunk_fields}};

const adapter_plugin_t source_webhook = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "webhook",
    .source_id = NULL, /* the config's "source" */
    .summary = "HTTPS listener for any source id (JSON, NDJSON or the mapping's framing; "
               "answers 202 after the outbox commit)",
    .init = init_general,
    .poll = poll_hooks,
    .on_text_record = on_text_record,
    .on_commit = on_commit,
    .cleanup = cleanup,
    .config_schema = &webhook_schema,
};

const adapter_plugin_t source_splunk_webhook = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "splunk-webhook",
    .source_id = "splunk.notable",
    .summary = "Splunk alert webhook receiver (the webhook source with Splunk's defaults; "
               "answers 200 after the outbox commit)",
    .init = init_splunk,
    .poll = poll_hooks,
    .on_text_record = on_text_record,
    .on_commit = on_commit,
    .cleanup = cleanup,
    .config_schema = &splunk_schema,
};
