/*  bench/http — where people wait on the HTTPS API (issue 13 clause 7),
    each figure beside a raw limit measured in the same run:

    1. With CASES cases stored (made once by casefill, cached under the
       build dir's bench-cache/), GET /api/v1/cases (first page, limit 50)
       and GET /api/v1/cases/{id} (random ids), p50/p99 over one keep-alive
       connection, beside the same client against a bare libmicrohttpd
       server with the broker's TLS setup answering a fixed JSON of the
       same size (http_bare.c), in alternating rounds. GET
       /api/v1/metrics/response with 1,000 cases and with CASES cases: the
       response metrics are aggregates kept as cases change, so both take
       about the same time; a scan would not.
    2. SSE_CLIENTS streams on GET /api/v1/stream at once (one API token
       each), then EVENTS case changes by PATCH: whether every client got
       every event, the write -> receipt latency p50/p99, and the broker's
       threads and RSS from /proc meanwhile (http_sse.c). Raw limit: one
       PATCH's round trip with no stream open.
    3. At the end, the broker stopped, casefill --time on the same store:
       the reads alone, in-process, with no HTTP and no loop.

    bench/http [CASES [SSE_CLIENTS [EVENTS [INTERVAL_MS]]]]
    defaults 1000000 200 100 250 (one PATCH every INTERVAL_MS)
    The broker is the real fedsoar-broker (a child process, --http on a
    loopback port, its certificate from fedsoarctl keys init). Exits 1 on an
    error (a failed request, a client missing an event), never on speed. */
#include "http_bench.h"
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SMALL_CASES 1000
#define ROUNDS 2 /* bare and real alternate: drift falls on both */
#define LIST_REQS 500
#define ID_REQS 2000
#define METRICS_REQS 300
#define PATCH_RAW_REQS 100

/* ---- samples and the client -------------------------------------------------- */

int64_t hb_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void hb_samples_add(hb_samples_t *s, double us)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->us = fs_xrealloc(s->us, s->cap * sizeof *s->us);
    }
    s->us[s->n++] = us;
}

double hb_samples_pct_ms(hb_samples_t *s, double p)
{
    if (!s->n)
        return 0;
    bench_sort(s->us, s->n);
    return bench_quantile(s->us, s->n, p / 100.0) / 1000.0;
}

void hb_samples_free(hb_samples_t *s)
{
    free(s->us);
    memset(s, 0, sizeof *s);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    hb_client_t *c = arg;
    size_t total = size * n;
    if (c->len + total + 1 > c->cap) {
        c->cap = (c->len + total + 1) * 2;
        c->body = fs_xrealloc(c->body, c->cap);
    }
    memcpy(c->body + c->len, data, total);
    c->len += total;
    c->body[c->len] = '\0';
    return total;
}

void hb_client_init(hb_client_t *c, int port, const char *ca, const char *token)
{
    memset(c, 0, sizeof *c);
    snprintf(c->base, sizeof c->base, "https://127.0.0.1:%d", port);
    c->curl = curl_easy_init();
    if (token) {
        char auth[256];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        c->headers = curl_slist_append(c->headers, auth);
    }
    c->headers = curl_slist_append(c->headers, "Content-Type: application/json");
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->curl, CURLOPT_CAINFO, ca);
    curl_easy_setopt(c->curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c->curl, CURLOPT_TCP_NODELAY, 1L);
}

long hb_client_do(hb_client_t *c, const char *method, const char *path, const char *body,
                  double *us)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", c->base, path);
    c->len = 0;
    if (c->body)
        c->body[0] = '\0';
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") ? method : NULL);
    curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    if (body) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
    }
    int64_t t0 = hb_now_us();
    CURLcode rc = curl_easy_perform(c->curl);
    *us = (double)(hb_now_us() - t0);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

void hb_client_free(hb_client_t *c)
{
    curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    free(c->body);
    memset(c, 0, sizeof *c);
}

/* ---- measuring ---------------------------------------------------------------------- */

static int failures;

/* One request that must succeed; its body stays in c->body. */
static bool must(hb_client_t *c, const char *method, const char *path, double *us)
{
    long st = hb_client_do(c, method, path, NULL, us);
    if (st == 200)
        return true;
    if (failures++ < 5)
        fprintf(stderr, "http: %s %s answered %ld: %.200s\n", method, path, st,
                c->body ? c->body : "");
    return false;
}

/* n requests of path (random case ids below max_id when path is NULL). */
static void timed(hb_client_t *c, const char *path, uint64_t max_id, size_t n, hb_samples_t *s)
{
    char buf[64];
    for (size_t i = 0; i < n; i++) {
        double us;
        if (!path)
            snprintf(buf, sizeof buf, "/api/v1/cases/%llu",
                     (unsigned long long)(1 + (uint64_t)random() % (max_id ? max_id : 1)));
        if (must(c, "GET", path ? path : buf, &us))
            hb_samples_add(s, us);
    }
}

static void warm(hb_client_t *c, const char *path, uint64_t max_id)
{
    hb_samples_t s = {0};
    timed(c, path, max_id, 20, &s);
    hb_samples_free(&s);
}

static void print_pair(const char *what, hb_samples_t *real, hb_samples_t *bare, double target_ms)
{
    double p50 = hb_samples_pct_ms(real, 50), p99 = hb_samples_pct_ms(real, 99);
    double b50 = hb_samples_pct_ms(bare, 50), b99 = hb_samples_pct_ms(bare, 99);
    printf("%-34s p50 %6.2f ms  p99 %6.2f ms  (bare HTTPS answer p50 %.2f ms  p99 %.2f ms, "
           "ratio p99 %.1f)  target p99 <= %.0f ms: %s  [%zu requests]\n",
           what, p50, p99, b50, b99, b99 > 0 ? p99 / b99 : 0, target_ms,
           p99 <= target_ms ? "met" : "NOT met", real->n);
}

/* What a store answers: the largest case id on the first page. */
static uint64_t max_case_id(const char *list_body)
{
    json_t *j = json_loads(list_body, 0, NULL);
    uint64_t max = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it)
    {
        json_int_t id = json_integer_value(json_object_get(it, "id"));
        if (id > 0 && (uint64_t)id > max)
            max = (uint64_t)id;
    }
    json_decref(j);
    return max;
}

/* GET /api/v1/metrics/response from the small store's broker and the big
   one's, both running, in alternating rounds: the same answer shape from
   1,000 cases and from CASES cases. */
static void metrics_part(hb_broker_t *small, const char *small_dir, const hb_broker_t *big,
                         const char *big_token, size_t cases)
{
    static const char *const path = "/api/v1/metrics/response";
    char token[128];
    if (hb_broker_token(small, small_dir, "bench-api", "analyst", token, sizeof token) != 0) {
        failures++;
        return;
    }
    hb_client_t cs, cb;
    hb_samples_t ms = {0}, mb = {0};
    hb_client_init(&cs, small->http_port, small->ca, token);
    hb_client_init(&cb, big->http_port, big->ca, big_token);
    warm(&cs, path, 0);
    warm(&cb, path, 0);
    for (int round = 0; round < 2 * ROUNDS; round++) {
        timed(&cs, path, 0, METRICS_REQS / 2, &ms);
        timed(&cb, path, 0, METRICS_REQS / 2, &mb);
    }
    printf("  its answer with %zu cases: %.300s\n", cases, cb.body ? cb.body : "");
    double s50 = hb_samples_pct_ms(&ms, 50), s99 = hb_samples_pct_ms(&ms, 99);
    double b50 = hb_samples_pct_ms(&mb, 50), b99 = hb_samples_pct_ms(&mb, 99);
    printf("GET /api/v1/metrics/response with %d cases: p50 %.2f ms  p99 %.2f ms; with %zu cases: "
           "p50 %.2f ms  p99 %.2f ms\n",
           SMALL_CASES, s50, s99, cases, b50, b99);
    printf("  ratio %zu / %d cases: p50 %.2f  p99 %.2f (about 1: aggregates, not a scan; a scan "
           "would be about %.0f)\n",
           cases, SMALL_CASES, s50 > 0 ? b50 / s50 : 0, s99 > 0 ? b99 / s99 : 0,
           (double)cases / SMALL_CASES);
    hb_client_free(&cs);
    hb_client_free(&cb);
    hb_samples_free(&ms);
    hb_samples_free(&mb);
}

/* Part 1 on the big store: list and case by id beside the bare server. */
static void latency_part(hb_broker_t *b, const char *token, uint64_t *max_id)
{
    static const char *const paths[] = {"/api/v1/cases?limit=50", "/api/v1/case",
                                        "/api/v1/metrics/response"};
    hb_client_t c;
    double us;
    hb_client_init(&c, b->http_port, b->ca, token);
    size_t sizes[3] = {0};
    if (must(&c, "GET", paths[0], &us)) {
        sizes[0] = c.len;
        *max_id = max_case_id(c.body);
    }
    if (*max_id == 0) {
        fprintf(stderr, "http: the case list is empty\n");
        failures++;
        hb_client_free(&c);
        return;
    }
    char one[64];
    snprintf(one, sizeof one, "/api/v1/cases/%llu", (unsigned long long)(*max_id / 2 + 1));
    if (must(&c, "GET", one, &us))
        sizes[1] = c.len;
    if (must(&c, "GET", paths[2], &us))
        sizes[2] = c.len;
    printf("answer sizes: case list page %zu bytes, one case %zu bytes, response metrics %zu "
           "bytes; case ids 1..%llu\n",
           sizes[0], sizes[1], sizes[2], (unsigned long long)*max_id);
    int bare_port = 0;
    hb_bare_t *bare = hb_bare_start(b->keys, paths, sizes, 3, &bare_port);
    if (!bare) {
        failures++;
        hb_client_free(&c);
        return;
    }
    hb_client_t bc;
    hb_client_init(&bc, bare_port, b->ca, NULL);
    hb_samples_t real[3] = {{0}}, raw[3] = {{0}};
    for (int k = 0; k < 3; k++) {
        warm(&c, k == 1 ? NULL : paths[k], *max_id);
        warm(&bc, paths[k], 0);
    }
    for (int round = 0; round < ROUNDS; round++) {
        timed(&bc, paths[0], 0, LIST_REQS, &raw[0]);
        timed(&c, paths[0], 0, LIST_REQS, &real[0]);
        timed(&bc, paths[1], 0, ID_REQS, &raw[1]);
        timed(&c, NULL, *max_id, ID_REQS, &real[1]);
        timed(&bc, paths[2], 0, METRICS_REQS, &raw[2]);
        timed(&c, paths[2], 0, METRICS_REQS, &real[2]);
    }
    print_pair("GET /api/v1/cases (first 50)", &real[0], &raw[0], 10);
    print_pair("GET /api/v1/cases/{id} (random)", &real[1], &raw[1], 2);
    print_pair("GET /api/v1/metrics/response", &real[2], &raw[2], 10);
    for (int k = 0; k < 3; k++) {
        hb_samples_free(&real[k]);
        hb_samples_free(&raw[k]);
    }
    hb_client_free(&bc);
    hb_bare_stop(&bare);
    hb_client_free(&c);
}

/* Part 2: the bare PATCH, then the streams. */
static void stream_part(hb_broker_t *b, const char *dir, const char *token, uint64_t max_id,
                        size_t clients, size_t events, unsigned interval_ms)
{
    hb_client_t c;
    hb_samples_t raw = {0};
    uint64_t ids[16];
    for (size_t i = 0; i < 16; i++)
        ids[i] = 1 + (uint64_t)random() % max_id;
    hb_client_init(&c, b->http_port, b->ca, token);
    for (size_t i = 0; i < PATCH_RAW_REQS; i++) {
        char path[64], body[64];
        double us;
        snprintf(path, sizeof path, "/api/v1/cases/%llu", (unsigned long long)ids[i % 16]);
        snprintf(body, sizeof body, "{\"assignee\": \"bench-raw-%zu\"}", i);
        long st = hb_client_do(&c, "PATCH", path, body, &us);
        if (st == 200 && i >= 5)
            hb_samples_add(&raw, us);
        else if (st != 200 && failures++ < 5)
            fprintf(stderr, "http: PATCH %s answered %ld: %.200s\n", path, st, c.body);
    }
    hb_client_free(&c);
    char **tokens = fs_xcalloc(clients, sizeof *tokens);
    int64_t t0 = hb_now_us();
    for (size_t i = 0; i < clients; i++) {
        char name[32], tok[128];
        snprintf(name, sizeof name, "bench-sse-%03zu", i);
        if (hb_broker_token(b, dir, name, "analyst", tok, sizeof tok) != 0) {
            failures++;
            snprintf(tok, sizeof tok, "none");
        }
        tokens[i] = fs_xstrdup(tok);
    }
    printf("%zu API tokens ready in %.1f s (fedsoarctl token create the first time, cached in "
           "%s/tokens)\n",
           clients, (double)(hb_now_us() - t0) / 1e6, dir);
    hb_sse_result_t r;
    if (hb_sse_run(b, (const char *const *)tokens, clients, token, ids, 16, events, interval_ms,
                   &r) != 0)
        failures++;
    printf("SSE: %zu of %zu clients connected at once (all open after %.1f s); %zu PATCHes, one "
           "every %u ms\n",
           r.connected, r.clients, r.connect_s, r.events, interval_ms);
    printf("  delivered %zu of %zu (client, event) pairs; %zu of %zu clients got every event; "
           "%d PATCHes failed; %zu streams closed early\n",
           r.delivered, r.expected, r.clients_complete, r.clients, r.failed_patches, r.ended);
    printf("  delivery latency, PATCH sent -> client has the event: p50 %.2f ms  p99 %.2f ms  "
           "max %.2f ms\n",
           hb_samples_pct_ms(&r.latency, 50), hb_samples_pct_ms(&r.latency, 99),
           hb_samples_pct_ms(&r.latency, 100));
    printf("  fan-out spread, first client -> last client per event: p50 %.2f ms  max %.2f ms\n",
           hb_samples_pct_ms(&r.spread, 50), hb_samples_pct_ms(&r.spread, 100));
    printf("  PATCH round trip with the streams open: p50 %.2f ms  p99 %.2f ms\n",
           hb_samples_pct_ms(&r.patch, 50), hb_samples_pct_ms(&r.patch, 99));
    double raw50 = hb_samples_pct_ms(&raw, 50), raw99 = hb_samples_pct_ms(&raw, 99);
    printf("  raw limit, one PATCH round trip, no stream open: p50 %.2f ms  p99 %.2f ms  "
           "(ratio delivery p50 / PATCH p50: %.1f)\n",
           raw50, raw99, raw50 > 0 ? hb_samples_pct_ms(&r.latency, 50) / raw50 : 0);
    printf("  broker: threads %ld before, %ld at most; VmRSS %ld MB before, %ld MB at most "
           "(anonymous at most %ld MB; the rest is LMDB's file mapping)\n",
           r.threads_before, r.threads_max, r.rss_before_kb / 1024, r.rss_max_kb / 1024,
           r.anon_max_kb / 1024);
    hb_sse_result_free(&r);
    hb_samples_free(&raw);
    for (size_t i = 0; i < clients; i++)
        free(tokens[i]);
    free(tokens);
}

int main(int argc, char **argv)
{
    size_t cases = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    size_t clients = argc > 2 ? strtoull(argv[2], NULL, 10) : 200;
    size_t events = argc > 3 ? strtoull(argv[3], NULL, 10) : 100;
    unsigned interval_ms = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 250;
    if (cases < 1 || clients > 1000 || argc > 5) {
        fprintf(stderr, "usage: http [CASES [SSE_CLIENTS<=1000 [EVENTS [INTERVAL_MS]]]]\n");
        return 2;
    }
    fs_log_set_level(FS_LOG_WARN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    srandom(13);
    printf("fedsoar bench/http: %zu cases, %zu SSE clients, %zu events one every %u ms; store "
           "cache %s\n",
           cases, clients, events, interval_ms, FEDSOAR_BENCH_CACHE);
    char load[128] = "?";
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf && fgets(load, sizeof load, lf))
        load[strcspn(load, "\n")] = '\0';
    if (lf)
        fclose(lf);
    printf("load average at the start (/proc/loadavg): %s\n", load);
    char small[800], big[800];
    double fill_s, made_s;
    size_t sizes[2] = {SMALL_CASES, cases};
    char *dirs[2] = {small, big};
    for (int i = 0; i < 2; i++) {
        if (hb_store_ready(FEDSOAR_BENCH_CACHE, sizes[i], dirs[i], sizeof small, &fill_s,
                           &made_s) != 0)
            return 1;
        if (fill_s >= 0)
            printf("casefill %zu cases: %.1f s (%.0f cases/s), kept in %s\n", sizes[i], fill_s,
                   (double)sizes[i] / fill_s, dirs[i]);
        else
            printf("casefill %zu cases: cached in %s (it took %.1f s when made)\n", sizes[i],
                   dirs[i], made_s);
    }
    hb_broker_t b, small_b;
    char token[128];
    uint64_t max_id = 0;
    if (hb_broker_start(&b, big) != 0)
        return 1;
    if (hb_broker_token(&b, big, "bench-api", "analyst", token, sizeof token) != 0) {
        failures++;
    } else {
        latency_part(&b, token, &max_id);
        if (hb_broker_start(&small_b, small) == 0) {
            metrics_part(&small_b, small, &b, token, cases);
            hb_broker_stop(&small_b);
        } else {
            failures++;
        }
        if (max_id && clients && events)
            stream_part(&b, big, token, max_id, clients, events, interval_ms);
    }
    hb_broker_stop(&b);
    printf("storage alone, in-process, no HTTP (casefill --time on the same store, broker "
           "stopped):\n");
    if (hb_store_reads(big) != 0)
        failures++;
    curl_global_cleanup();
    if (failures)
        printf("ERRORS: %d (see above)\n", failures);
    return failures ? 1 : 0;
}
