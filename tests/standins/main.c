/*  vendor_standin — one small HTTP server (libmicrohttpd, plain HTTP on
    127.0.0.1 only) that plays the vendor APIs the fedsoar connectors speak, for
    the black-box tests in tests/connectors/. It knows no vendor itself: each
    vendor is a case file in tests/fixtures/connectors/ (tests/standins/README.md).

    vendor_standin --port N --cases DIR --fixtures DIR --record FILE
                   [--client-id ID --client-secret S]   OAuth2 client credentials it accepts
                   [--api-token T] [--username U]       static secrets (API keys, Basic, ...)
                   [--visible DATASET=N,...]   records served at start (default all)
                   [--fault NAME]...           scripted faults to arm (each fires once)
                   [--token-uses N]            an issued token works for N calls, then 401
    vendor_standin --selftest --cases DIR --fixtures DIR
                   runs every case file's examples through the engine and exits.

    Every vendor action is appended as one JSON line (sorted keys) to the record
    file. stderr gets one line per request, method and path only: never headers
    or query strings, which hold credentials. */
#include "common.h"
#include "standin.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BODY (1 << 20)

int standin_selftest(const char *cases_dir, const char *fixtures_dir); /* selftest.c */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

typedef struct {
    char *buf;
    size_t len;
    bool too_big;
} body_t;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    char name[256];
    size_t n = 0;
    for (; key[n] && n + 1 < sizeof name; n++)
        name[n] = kind == MHD_HEADER_KIND ? (char)tolower((unsigned char)key[n]) : key[n];
    name[n] = '\0';
    json_object_set_new(cls, name, json_string_nocheck(value ? value : ""));
    return MHD_YES;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, standin_reply_t *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", r->content_type);
    const char *name;
    json_t *value;
    json_object_foreach(r->headers, name, value)
        MHD_add_response_header(resp, name, json_string_value(value));
    enum MHD_Result ret = MHD_queue_response(c, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    body_t *b = *con_cls;
    if (!b) {
        *con_cls = fs_xcalloc(1, sizeof *b);
        return MHD_YES;
    }
    if (*upload_size) {
        if (b->len + *upload_size > MAX_BODY) {
            b->too_big = true;
        } else {
            b->buf = fs_xrealloc(b->buf, b->len + *upload_size + 1);
            memcpy(b->buf + b->len, upload, *upload_size);
            b->len += *upload_size;
            b->buf[b->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    standin_reply_t r = {0};
    if (b->too_big) {
        reply_json(&r, 413, json_pack("{s:s}", "error", "body too large"));
    } else {
        json_t *query = json_object(), *headers = json_object();
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, query);
        MHD_get_connection_values(c, MHD_HEADER_KIND, collect, headers);
        standin_request_t req = {method, url, query, headers, b->buf ? b->buf : ""};
        pthread_mutex_lock(&lock);
        fprintf(stderr, "standin: %s %s\n", method, url);
        standin_handle(cls, &req, &r);
        pthread_mutex_unlock(&lock);
        json_decref(query);
        json_decref(headers);
    }
    enum MHD_Result ret = send_reply(c, &r);
    standin_reply_clear(&r);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    body_t *b = *con_cls;
    if (b) {
        free(b->buf);
        free(b);
    }
    *con_cls = NULL;
}

static int usage(const char *why)
{
    fprintf(stderr,
            "vendor_standin: %s\nusage: vendor_standin --port N --cases DIR --fixtures DIR "
            "--record FILE [options] | --selftest --cases DIR --fixtures DIR\n",
            why);
    return 2;
}

int main(int argc, char **argv)
{
    standin_config_t cfg = {.client_id = "standin-client",
                            .client_secret = "",
                            .api_token = "",
                            .username = "soc-bot@alpha.example"};
    const char *cases = NULL, *fixtures = NULL, *visible = NULL, *faults[32];
    int nfaults = 0;
    bool selftest = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--selftest") == 0) {
            selftest = true;
            continue;
        }
        if (!v)
            return usage("an option needs a value");
        i++;
        if (strcmp(a, "--port") == 0)
            cfg.port = (int)strtol(v, NULL, 10);
        else if (strcmp(a, "--cases") == 0)
            cases = v;
        else if (strcmp(a, "--fixtures") == 0)
            fixtures = v;
        else if (strcmp(a, "--record") == 0)
            cfg.record_path = v;
        else if (strcmp(a, "--client-id") == 0)
            cfg.client_id = v;
        else if (strcmp(a, "--client-secret") == 0)
            cfg.client_secret = v;
        else if (strcmp(a, "--api-token") == 0)
            cfg.api_token = v;
        else if (strcmp(a, "--username") == 0)
            cfg.username = v;
        else if (strcmp(a, "--visible") == 0)
            visible = v;
        else if (strcmp(a, "--token-uses") == 0)
            cfg.token_uses = strtol(v, NULL, 10);
        else if (strcmp(a, "--fault") == 0 && nfaults < 32)
            faults[nfaults++] = v;
        else
            return usage("unknown option");
    }
    if (!cases || !fixtures)
        return usage("--cases and --fixtures are required");
    if (selftest)
        return standin_selftest(cases, fixtures) == 0 ? 0 : 1;
    if (!cfg.port || !cfg.record_path)
        return usage("--port and --record are required");
    standin_t *s = standin_new(&cfg);
    if (standin_load_cases(s, cases, fixtures) != 0 ||
        (visible && standin_set_visible(s, visible) != 0)) {
        standin_destroy(&s);
        return 2;
    }
    for (int i = 0; i < nfaults; i++)
        standin_enable_fault(s, faults[i]);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg.port)};
    addr.sin_addr.s_addr = htonl(0x7f000001);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)cfg.port, NULL, NULL,
        handler, s, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "vendor_standin: cannot listen on 127.0.0.1:%d\n", cfg.port);
        standin_destroy(&s);
        return 1;
    }
    fprintf(stderr, "standin: ready on 127.0.0.1:%d\n", cfg.port);
    while (!stop)
        usleep(100000);
    MHD_stop_daemon(d);
    standin_destroy(&s);
    return 0;
}
