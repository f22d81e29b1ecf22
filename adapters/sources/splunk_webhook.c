/*  splunk_webhook.c — source "splunk-webhook": receives Splunk's alert
    webhook (the "Webhook" alert action, or any sender of the same body) and
    normalizes each body as splunk.notable.

      POST <path>        {"result": {...first result row...}, "sid", "search_name",
                          "results_link", "owner", "app"}

    An HTTP listener (libmicrohttpd, its own polling thread) takes the body,
    checks the shared secret and the size, and queues it; the connection is
    suspended.  The source's poll (its worker thread) hands the queued bodies
    to the daemon as native text; the daemon normalizes them and commits them
    to the outbox in one transaction (sources.c); the commit hook
    (adapter_plugin_t.on_record / on_commit) then tells each sender what became of its body:

      200  committed to the outbox (it will reach the broker)
      400  not a notable the mapping understands (bad JSON, no result row):
           committed to the dead letters, with the reason
      401  missing or wrong shared secret (nothing stored)
      404 / 405  another path / method
      413  body larger than max_body_bytes
      503  the outbox refused it (full: kept in the dead letters as "outbox
           full"), the commit failed, the queue is full, or the adapter is
           stopping — the sender may try again later

    Nothing is acknowledged before the LMDB commit; the HTTP thread never
    touches LMDB.  There is no checkpoint: a body is either answered 200
    (committed) or not taken.  A sender that retries after losing a 200
    sends the body twice; the broker then sees it twice.

    Config: "listen" ("127.0.0.1:8088", IPv4), "path" ("/splunk/alert"),
    "token_file" | "token_env" (shared secret; required unless
    "allow_unauthenticated": true), "token_header" ("X-Fedsoar-Token"; the
    secret may also come as "Authorization: Bearer T" or, for Splunk's
    webhook action, which cannot set headers, as the query parameter
    "token"), "max_body_bytes" (1 MiB), "max_pending" (1000 queued bodies),
    "max_batch" (100 bodies per commit).  Plain HTTP: bind it to loopback or
    put a TLS proxy in front. */
#include "connector_support.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WEBHOOK_MAX_BODY_DEFAULT (1u << 20)
#define WEBHOOK_WAIT_MS 1000 /* a poll waits this long for the first body */

typedef enum { REQ_RECEIVING, REQ_QUEUED, REQ_IN_POLL, REQ_DONE } req_phase_t;

/* One webhook on one connection; freed when MHD completes the connection. */
typedef struct hook_req {
    struct MHD_Connection *conn;
    char *body;
    size_t len;
    bool too_big;
    req_phase_t phase;
    source_record_fate_t outcome;
    unsigned status;       /* when REQ_DONE */
    const char *text;      /* static answer text */
    struct hook_req *next; /* in the queue */
} hook_req_t;

typedef struct {
    struct MHD_Daemon *mhd;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    hook_req_t *head, *tail; /* queued, oldest first */
    size_t queued, open;     /* queued bodies; requests not yet completed */
    hook_req_t **in_poll;    /* the bodies the current poll handed over, in order */
    size_t n_in_poll, max_batch, max_pending, max_body;
    bool stopping, auth;
    char token[HTTP_SECRET_MAX];
    char token_header[64];
    char path[256];
    char listen[64];
    char name[96];
    long received, accepted, rejected, refused, unauthorized;
} webhook_t;

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *text)
{
    json_t *j = json_pack("{s:s}", status < 300 ? "status" : "error", text);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Constant-time comparison of a presented secret with the configured one. */
static bool secret_equal(const char *given, const char *want)
{
    size_t gl = strlen(given), wl = strlen(want);
    unsigned char diff = (unsigned char)(gl != wl);
    for (size_t i = 0; i < wl; i++)
        diff |= (unsigned char)(want[i] ^ (i < gl ? given[i] : 0));
    return diff == 0;
}

static bool authorized(webhook_t *w, struct MHD_Connection *c)
{
    if (!w->auth)
        return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, w->token_header);
    const char *bearer =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    if (h)
        return secret_equal(h, w->token);
    if (bearer && strncmp(bearer, "Bearer ", 7) == 0)
        return secret_equal(bearer + 7, w->token);
    return q && secret_equal(q, w->token);
}

/* The final call for a request that was not queued: the status to answer
   at once, or 0 when the body may be queued. */
static unsigned check_request(webhook_t *w, struct MHD_Connection *c, const char *url,
                              const char *method, hook_req_t *r, const char **text)
{
    if (strcmp(url, w->path) != 0)
        return *text = "no such path", 404;
    if (strcmp(method, "POST") != 0)
        return *text = "POST the alert body", 405;
    if (!authorized(w, c))
        return *text = "missing or wrong shared secret", 401;
    if (r->too_big)
        return *text = "body larger than max_body_bytes", 413;
    if (r->len == 0)
        return *text = "empty body", 400;
    return 0;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    webhook_t *w = cls;
    hook_req_t *r = *con_cls;
    if (!r) {
        r = fs_xcalloc(1, sizeof *r);
        r->conn = c;
        *con_cls = r;
        pthread_mutex_lock(&w->mu);
        w->open++;
        pthread_mutex_unlock(&w->mu);
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->too_big || r->len + *upload_size > w->max_body) {
            r->too_big = true; /* read and dropped; answered 413 at the end */
        } else {
            r->body = fs_xrealloc(r->body, r->len + *upload_size + 1);
            memcpy(r->body + r->len, upload, *upload_size);
            r->len += *upload_size;
            r->body[r->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&w->mu);
    if (r->phase == REQ_DONE) { /* resumed after the commit */
        unsigned status = r->status;
        const char *text = r->text;
        pthread_mutex_unlock(&w->mu);
        return answer(c, status, text);
    }
    const char *text = NULL;
    unsigned status = check_request(w, c, url, method, r, &text);
    w->received++;
    if (status == 401)
        w->unauthorized++;
    if (!status && (w->stopping || w->queued >= w->max_pending))
        status = 503,
        text = w->stopping ? "the adapter is stopping" : "too many alerts waiting; try again";
    if (status) {
        pthread_mutex_unlock(&w->mu);
        if (status != 404)
            fs_log(FS_LOG_WARN, "adapter", "webhook_refused",
                   "source=\"%s\" status=%u reason=\"%s\"", w->name, status, text);
        return answer(c, status, text);
    }
    /* Queue and suspend under the lock, so the commit hook (which resumes
       under the same lock) can never resume it before it is suspended. */
    r->phase = REQ_QUEUED;
    if (w->tail)
        w->tail->next = r;
    else
        w->head = r;
    w->tail = r;
    w->queued++;
    MHD_suspend_connection(c);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return MHD_YES;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)c, (void)toe;
    webhook_t *w = cls;
    hook_req_t *r = *con_cls;
    if (!r)
        return;
    pthread_mutex_lock(&w->mu);
    w->open--;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    free(r->body);
    free(r);
    *con_cls = NULL;
}

/* Marks r answered (lock held); the caller resumes its connection after
   dropping the lock. */
static void settle(hook_req_t *r, unsigned status, const char *text)
{
    r->phase = REQ_DONE;
    r->status = status;
    r->text = text;
}

static void on_record(void *state, size_t record, source_record_fate_t outcome)
{
    webhook_t *w = state;
    pthread_mutex_lock(&w->mu);
    if (record < w->n_in_poll)
        w->in_poll[record]->outcome = outcome;
    pthread_mutex_unlock(&w->mu);
}

static void on_commit(void *state, bool committed)
{
    webhook_t *w = state;
    pthread_mutex_lock(&w->mu);
    size_t n = w->n_in_poll;
    hook_req_t **done = w->in_poll;
    for (size_t i = 0; i < n; i++) {
        hook_req_t *r = done[i];
        if (!committed)
            settle(r, 503, "not stored (the outbox commit failed); try again");
        else if (r->outcome == SOURCE_RECORD_ADDED)
            settle(r, 200, "stored"), w->accepted++;
        else if (r->outcome == SOURCE_RECORD_REJECTED)
            settle(r, 400,
                   "not a Splunk alert body (bad JSON or no result row); kept in the dead letters"),
                w->rejected++;
        else
            settle(r, 503, "the outbox is full; kept in the dead letters, try again later"),
                w->refused++;
    }
    w->in_poll = NULL;
    w->n_in_poll = 0;
    pthread_mutex_unlock(&w->mu);
    for (size_t i = 0; i < n; i++)
        MHD_resume_connection(done[i]->conn);
    if (n)
        fs_log(FS_LOG_INFO, "adapter", "webhook_answered", "source=\"%s\" bodies=%zu committed=%s",
               w->name, n, committed ? "yes" : "no");
    free(done);
}

static int poll_hooks(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                      char **next_checkpoint, fs_err_t *e)
{
    (void)checkpoint;
    webhook_t *w = state;
    *next_checkpoint =
        NULL; /* no checkpoint: answered bodies are committed, the others not taken */
    pthread_mutex_lock(&w->mu);
    if (w->n_in_poll) { /* a previous poll's bodies were never settled: never leave a sender hanging
                         */
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
    size_t n = 0;
    hook_req_t **batch =
        w->queued ? fs_xcalloc(w->queued < w->max_batch ? w->queued : w->max_batch, sizeof *batch)
                  : NULL;
    while (batch && w->head && n < w->max_batch) {
        hook_req_t *r = w->head;
        w->head = r->next;
        if (!w->head)
            w->tail = NULL;
        r->next = NULL;
        r->phase = REQ_IN_POLL;
        r->outcome = SOURCE_RECORD_REJECTED; /* until the daemon says otherwise */
        batch[n++] = r;
        w->queued--;
    }
    w->in_poll = batch;
    w->n_in_poll = n;
    pthread_mutex_unlock(&w->mu);
    /* The bodies stay alive: their connections are suspended until settled. */
    for (size_t i = 0; i < n; i++)
        if (source_emit_text(emit, arg, w->name, batch[i]->body, batch[i]->len, e) != 0)
            return -1; /* the daemon's commit hook answers them 503 */
    /* 1 = poll again at once: a webhook source waits inside poll (above),
       so its senders wait for the next commit, not for interval_s. */
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
        hook_req_t *r = w->head;
        w->head = w->tail = NULL;
        w->queued = 0;
        for (hook_req_t *q = r; q; q = q->next)
            settle(q, 503, "the adapter is stopping; try again");
        pthread_mutex_unlock(&w->mu);
        while (r) {
            hook_req_t *nx = r->next;
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
               w->name, w->received, w->accepted, w->rejected, w->refused, w->unauthorized);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    explicit_bzero(w->token, sizeof w->token);
    free(w);
    *state_p = NULL;
}

/* "A.B.C.D:PORT" into a loopback-or-any IPv4 socket address. */
static int parse_listen(const char *spec, struct sockaddr_in *sa, fs_err_t *e)
{
    const char *colon = spec ? strrchr(spec, ':') : NULL;
    char host[INET_ADDRSTRLEN];
    uint64_t port = 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (!colon || (size_t)(colon - spec) >= sizeof host || fs_parse_u64(colon + 1, &port) != 0 ||
        port < 1 || port > 65535)
        return fs_err_set(e, "listen: \"%s\" is not IPV4:PORT (e.g. \"127.0.0.1:8088\")",
                          spec ? spec : "");
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return fs_err_set(e, "listen: \"%s\" is not an IPv4 address", host);
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

static size_t config_size(const json_t *config, const char *key, size_t dflt, size_t max)
{
    json_int_t n = json_integer_value(json_object_get(config, key));
    return n >= 1 && (uint64_t)n <= max ? (size_t)n : dflt;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    webhook_t *w = fs_xcalloc(1, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    void *p = w;
    connector_instance_name(w->name, sizeof w->name, "splunk-webhook", config);
    const char *listen = json_string_value(json_object_get(config, "listen"));
    const char *path = json_string_value(json_object_get(config, "path"));
    const char *th = json_string_value(json_object_get(config, "token_header"));
    struct sockaddr_in sa;
    if (parse_listen(listen ? listen : "127.0.0.1:8088", &sa, e) != 0)
        goto fail;
    snprintf(w->listen, sizeof w->listen, "%s", listen ? listen : "127.0.0.1:8088");
    if (snprintf(w->path, sizeof w->path, "%s", path ? path : "/splunk/alert") >=
            (int)sizeof w->path ||
        w->path[0] != '/') {
        fs_err_set(e, "path: must start with / and be shorter than %zu bytes", sizeof w->path);
        goto fail;
    }
    if (snprintf(w->token_header, sizeof w->token_header, "%s", th ? th : "X-Fedsoar-Token") >=
        (int)sizeof w->token_header) {
        fs_err_set(e, "token_header: at most %zu bytes", sizeof w->token_header - 1);
        goto fail;
    }
    w->auth = !json_is_true(json_object_get(config, "allow_unauthenticated"));
    if (w->auth && http_secret_load(config, "token", w->token, sizeof w->token, e) != 0)
        goto fail;
    if (w->auth && !w->token[0]) {
        fs_err_set(e, "token_file or token_env: the shared secret is empty");
        goto fail;
    }
    w->max_body = config_size(config, "max_body_bytes", WEBHOOK_MAX_BODY_DEFAULT, 64u << 20);
    w->max_pending = config_size(config, "max_pending", 1000, 100000);
    w->max_batch = config_size(config, "max_batch", 100, 10000);
    w->mhd = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, handler, w, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, completed, w,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(w->max_pending + 64), MHD_OPTION_END);
    if (!w->mhd) {
        fs_err_set(e, "listen: cannot listen on %s (in use, or not an address of this host)",
                   w->listen);
        goto fail;
    }
    if (!w->auth)
        fs_log(FS_LOG_WARN, "adapter", "webhook_unauthenticated",
               "source=\"%s\" listen=%s msg=\"anyone who reaches this port can inject alerts\"",
               w->name, w->listen);
    fs_log(FS_LOG_INFO, "adapter", "webhook_listening", "source=\"%s\" listen=%s path=%s", w->name,
           w->listen, w->path);
    return w;
fail:
    cleanup(&p);
    return NULL;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t webhook_fields[] = {
    FS_FIELD("listen", FS_S_STRING),
    FS_FIELD("path", FS_S_STRING),
    FS_FIELD("token_file", FS_S_STRING),
    FS_FIELD("token_env", FS_S_STRING),
    FS_FIELD("token",
             FS_S_INLINE_SECRET("no inline secret (name a file with token_file or an environment "
                                "variable with token_env)")),
    FS_FIELD("token_header", FS_S_STRING),
    FS_FIELD("allow_unauthenticated", FS_S_BOOL),
    FS_FIELD("max_body_bytes", FS_S_INT(1, 64 << 20)),
    FS_FIELD("max_pending", FS_S_INT(1, 100000)),
    FS_FIELD("max_batch", FS_S_INT(1, 10000)),
    FS_FIELDS_END,
};
static const fs_schema_t webhook_schema = {.type = FS_SCHEMA_OBJECT, .fields = {webhook_fields}};

const adapter_plugin_t source_splunk_webhook = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "splunk-webhook",
    .source_id = "splunk.notable",
    .summary = "Splunk alert webhook receiver (HTTP listener; answers 200 after the outbox commit)",
    .init = init,
    .poll = poll_hooks,
    .on_record = on_record,
    .on_commit = on_commit,
    .cleanup = cleanup,
    .config_schema = &webhook_schema,
};
