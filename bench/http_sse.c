/*  http_sse.c — bench/http's fan-out: many GET /api/v1/stream clients at
    once (one libcurl multi handle on its own thread, one connection and
    one token each), then case changes made with PATCH /api/v1/cases/{id}
    on the main thread, each with its own assignee ("bench-sse-K"), so each
    case.updated event a stream carries names the write that caused it.
    The latency is from just before the PATCH is sent to the moment a
    client's bytes carrying the event arrive; the broker's threads and
    memory are read from /proc meanwhile. */
#include "http_bench.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SSE_CONNECT_TIMEOUT_MS 120000
#define SSE_DRAIN_TIMEOUT_MS 20000
#define SSE_ASSIGNEE "bench-sse-"

typedef struct sse_client {
    struct sse_shared *shared;
    CURL *curl;
    struct curl_slist *headers;
    char line[4096]; /* the line being read */
    size_t line_len;
    bool in_update;  /* the current event is a case.updated */
    bool opened;     /* the first bytes (the stream's retry:) arrived */
    int64_t *got_us; /* per event: when it arrived, 0 not yet */
} sse_client_t;

typedef struct sse_shared {
    size_t events;
    atomic_size_t opened, delivered, ended;
    atomic_bool stop;
} sse_shared_t;

/* One complete line of the stream. */
static void on_line(sse_client_t *c, const char *line, size_t len, int64_t now)
{
    if (len == 0) {
        c->in_update = false;
    } else if (len > 7 && strncmp(line, "event: ", 7) == 0) {
        c->in_update =
            len - 7 == strlen("case.updated") && memcmp(line + 7, "case.updated", 12) == 0;
    } else if (c->in_update && len > 6 && strncmp(line, "data: ", 6) == 0) {
        json_t *d = json_loadb(line + 6, len - 6, 0, NULL);
        const char *who = json_string_value(json_object_get(d, "assignee"));
        size_t plen = strlen(SSE_ASSIGNEE);
        if (who && strncmp(who, SSE_ASSIGNEE, plen) == 0) {
            size_t k = strtoull(who + plen, NULL, 10);
            if (k < c->shared->events && !c->got_us[k]) {
                c->got_us[k] = now;
                atomic_fetch_add(&c->shared->delivered, 1);
            }
        }
        json_decref(d);
    }
}

static size_t on_bytes(char *data, size_t size, size_t n, void *arg)
{
    sse_client_t *c = arg;
    int64_t now = hb_now_us();
    size_t total = size * n;
    if (!c->opened) {
        c->opened = true;
        atomic_fetch_add(&c->shared->opened, 1);
    }
    for (size_t i = 0; i < total; i++) {
        if (data[i] == '\n') {
            on_line(c, c->line, c->line_len, now);
            c->line_len = 0;
        } else if (c->line_len < sizeof c->line - 1) {
            c->line[c->line_len++] = data[i];
        }
    }
    return total;
}

typedef struct sse_loop {
    CURLM *multi;
    sse_shared_t *shared;
} sse_loop_t;

static void *multi_thread(void *arg)
{
    sse_loop_t *l = arg;
    int running = 1;
    while (!atomic_load(&l->shared->stop)) {
        curl_multi_perform(l->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(l->multi, &left)))
            if (m->msg == CURLMSG_DONE)
                atomic_fetch_add(&l->shared->ended, 1);
        curl_multi_poll(l->multi, NULL, 0, 100, NULL);
    }
    return NULL;
}

static void sample_proc(pid_t pid, hb_sse_result_t *out)
{
    long threads, rss, anon;
    hb_proc_status(pid, &threads, &rss, &anon);
    if (threads > out->threads_max)
        out->threads_max = threads;
    if (rss > out->rss_max_kb)
        out->rss_max_kb = rss;
    if (anon > out->anon_max_kb)
        out->anon_max_kb = anon;
}

int hb_sse_run(const hb_broker_t *b, const char *const *tokens, size_t clients,
               const char *api_token, const uint64_t *case_ids, size_t n_ids, size_t events,
               unsigned interval_ms, hb_sse_result_t *out)
{
    memset(out, 0, sizeof *out);
    out->clients = clients;
    out->events = events;
    out->expected = clients * events;
    long anon;
    hb_proc_status(b->pid, &out->threads_before, &out->rss_before_kb, &anon);
    sse_shared_t shared = {.events = events};
    sse_client_t *cs = fs_xcalloc(clients, sizeof *cs);
    int64_t *sent_us = fs_xcalloc(events ? events : 1, sizeof *sent_us);
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/api/v1/stream", b->http_port);
    CURLM *multi = curl_multi_init();
    for (size_t i = 0; i < clients; i++) {
        sse_client_t *c = &cs[i];
        char auth[256];
        c->shared = &shared;
        c->got_us = fs_xcalloc(events ? events : 1, sizeof *c->got_us);
        c->curl = curl_easy_init();
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", tokens[i]);
        c->headers = curl_slist_append(NULL, auth);
        c->headers = curl_slist_append(c->headers, "Accept: text/event-stream");
        curl_easy_setopt(c->curl, CURLOPT_URL, url);
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
        curl_easy_setopt(c->curl, CURLOPT_CAINFO, b->ca);
        curl_easy_setopt(c->curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
        curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_bytes);
        curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
        curl_easy_setopt(c->curl, CURLOPT_FAILONERROR, 1L);
        curl_multi_add_handle(multi, c->curl);
    }
    sse_loop_t loop = {multi, &shared};
    pthread_t th;
    int64_t t0 = hb_now_us();
    pthread_create(&th, NULL, multi_thread, &loop);
    int64_t deadline = fs_mono_ms() + SSE_CONNECT_TIMEOUT_MS;
    while (atomic_load(&shared.opened) + atomic_load(&shared.ended) < clients &&
           fs_mono_ms() < deadline) {
        sample_proc(b->pid, out);
        usleep(50 * 1000);
    }
    out->connected = atomic_load(&shared.opened);
    out->connect_s = (double)(hb_now_us() - t0) / 1e6;
    hb_client_t w;
    hb_client_init(&w, b->http_port, b->ca, api_token);
    for (size_t k = 0; k < events && out->connected == clients; k++) {
        char path[64], body[96];
        snprintf(path, sizeof path, "/api/v1/cases/%llu", (unsigned long long)case_ids[k % n_ids]);
        snprintf(body, sizeof body, "{\"assignee\": \"" SSE_ASSIGNEE "%zu\"}", k);
        int64_t next = hb_now_us() + (int64_t)interval_ms * 1000;
        double us;
        sent_us[k] = hb_now_us();
        long st = hb_client_do(&w, "PATCH", path, body, &us);
        if (st == 200)
            hb_samples_add(&out->patch, us);
        else
            out->failed_patches++;
        sample_proc(b->pid, out);
        int64_t left = next - hb_now_us();
        if (left > 0)
            usleep((useconds_t)left);
    }
    hb_client_free(&w);
    deadline = fs_mono_ms() + SSE_DRAIN_TIMEOUT_MS;
    while (atomic_load(&shared.delivered) < out->expected && fs_mono_ms() < deadline) {
        sample_proc(b->pid, out);
        usleep(50 * 1000);
    }
    atomic_store(&shared.stop, true);
    pthread_join(th, NULL);
    out->delivered = atomic_load(&shared.delivered);
    out->ended = atomic_load(&shared.ended);
    for (size_t k = 0; k < events; k++) {
        int64_t first = 0, last = 0;
        for (size_t i = 0; i < clients; i++) {
            int64_t t = cs[i].got_us[k];
            if (t && (!first || t < first))
                first = t;
            if (t > last)
                last = t;
        }
        if (first)
            hb_samples_add(&out->spread, (double)(last - first));
    }
    for (size_t i = 0; i < clients; i++) {
        size_t got = 0;
        for (size_t k = 0; k < events; k++)
            if (cs[i].got_us[k]) {
                hb_samples_add(&out->latency, (double)(cs[i].got_us[k] - sent_us[k]));
                got++;
            }
        out->clients_complete += got == events;
        curl_multi_remove_handle(multi, cs[i].curl);
        curl_easy_cleanup(cs[i].curl);
        curl_slist_free_all(cs[i].headers);
        free(cs[i].got_us);
    }
    curl_multi_cleanup(multi);
    free(cs);
    free(sent_us);
    return out->connected == clients && out->delivered == out->expected && !out->failed_patches &&
                   !out->ended
               ? 0
               : -1;
}

void hb_sse_result_free(hb_sse_result_t *r)
{
    hb_samples_free(&r->latency);
    hb_samples_free(&r->patch);
    hb_samples_free(&r->spread);
}
