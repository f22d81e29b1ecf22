/*  http_bench.h — the parts of bench/http (bench/README.md): latency
    samples, the real broker as a child process with its HTTPS API, the
    bare libmicrohttpd server it is compared with, and the SSE fan-out.

    Ownership: what hb_bare_start makes, hb_bare_stop frees; hb_client_init,
    hb_client_free; hb_broker_start, hb_broker_stop. Strings passed in are
    copied or only read during the call. */
#ifndef FEDSOAR_BENCH_HTTP_H
#define FEDSOAR_BENCH_HTTP_H

#include "common.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HB_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" /* http_server.c's */

/* Monotonic microseconds (fs_mono_ms is too coarse for a 1 ms answer). */
int64_t hb_now_us(void);

/* ---- latency samples (http.c) ---------------------------------------------- */
typedef struct hb_samples {
    double *us;
    size_t n, cap;
} hb_samples_t;
void hb_samples_add(hb_samples_t *s, double us);
/* Percentile p (0..100) in ms; sorts the samples. 0 when empty. */
double hb_samples_pct_ms(hb_samples_t *s, double p);
void hb_samples_free(hb_samples_t *s);

/* ---- one keep-alive HTTPS client (http.c) ------------------------------------ */
typedef struct hb_client {
    CURL *curl;
    char base[64];   /* https://127.0.0.1:PORT */
    char *body;      /* the last answer's body (owned, NUL-terminated) */
    size_t len, cap; /* of body */
    struct curl_slist *headers;
} hb_client_t;
/* ca: the CA file to trust; token: the bearer token or NULL. */
void hb_client_init(hb_client_t *c, int port, const char *ca, const char *token);
/* One request on the kept connection: the status (0: transport error),
   its time in *us. body: the JSON to send (PATCH/POST) or NULL. */
long hb_client_do(hb_client_t *c, const char *method, const char *path, const char *body,
                  double *us);
void hb_client_free(hb_client_t *c);

/* ---- the real broker, a child process (http_broker.c) --------------------- */
typedef struct hb_broker {
    pid_t pid;
    int http_port;
    char control[64]; /* tcp://127.0.0.1:PORT */
    char keys[512];
    char ca[600]; /* keys/http/ca.crt */
} hb_broker_t;

/* A filled store (keys + state) for n cases under cache_dir, made by the
   casefill tool the first time (its time in *fill_s, -1 when it was already
   there; *made_s: how long it took when it was made). 0 or -1. */
int hb_store_ready(const char *cache_dir, size_t n, char *dir, size_t dir_size, double *fill_s,
                   double *made_s);
/* Starts fedsoar-broker on dir's store with HTTPS on a free port and waits
   until it answers; 0 or -1 (log in dir/broker.log). */
int hb_broker_start(hb_broker_t *b, const char *dir);
void hb_broker_stop(hb_broker_t *b);
/* A token named name with role (cached in dir/tokens between runs: the
   store keeps only their hashes), made with fedsoarctl token create as
   operator admin (the token is its last line).
   Writes the token into out. 0 or -1. */
int hb_broker_token(hb_broker_t *b, const char *dir, const char *name, const char *role, char *out,
                    size_t out_size);
/* casefill --time on dir's store (the broker stopped): the same reads
   in-process, no HTTP, printed on stdout. 0 or -1. */
int hb_store_reads(const char *dir);
/* From /proc/PID/status: Threads, VmRSS and RssAnon (kB); -1 when gone. */
void hb_proc_status(pid_t pid, long *threads, long *rss_kb, long *anon_kb);

/* ---- the bare server (http_bare.c) ------------------------------------------ */
typedef struct hb_bare hb_bare_t;
/* libmicrohttpd with the broker's TLS setup (same certificate, key,
   priorities, one thread per connection) answering each path given with
   a fixed JSON of the given size. */
hb_bare_t *hb_bare_start(const char *keys_dir, const char *const *paths, const size_t *sizes,
                         size_t n, int *port);
void hb_bare_stop(hb_bare_t **self_p);

/* ---- the SSE fan-out (http_sse.c) ------------------------------------------- */
typedef struct hb_sse_result {
    size_t clients, connected;          /* asked for, got the stream open */
    size_t events, delivered, expected; /* events caused; (client, event) receipts; wanted */
    size_t clients_complete;            /* clients that got every event */
    size_t ended;                       /* streams the broker closed before the end */
    hb_samples_t latency;               /* write -> receipt, per (client, event) */
    hb_samples_t spread;                /* per event: first client's receipt -> last one's */
    hb_samples_t patch;                 /* PATCH round trips while the streams ran */
    long threads_before, threads_max, rss_before_kb, rss_max_kb, anon_max_kb;
    int failed_patches;
    double connect_s; /* time to open every stream */
} hb_sse_result_t;
/* clients streams (tokens[i] each), then events PATCHes of the cases
   case_ids[0..] (round robin), one every interval_ms, with api_token.
   0 when every stream got every event and every PATCH succeeded. */
int hb_sse_run(const hb_broker_t *b, const char *const *tokens, size_t clients,
               const char *api_token, const uint64_t *case_ids, size_t n_ids, size_t events,
               unsigned interval_ms, hb_sse_result_t *out);
void hb_sse_result_free(hb_sse_result_t *r);

#endif
