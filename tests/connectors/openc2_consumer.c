/*  openc2_consumer.c — a stand-in native OpenC2 Consumer over HTTPS for
    tests/connectors/openc2_https.sh (libmicrohttpd with GnuTLS).

    usage: openc2_consumer PORT SERVER_CERT SERVER_KEY CLIENT_CA LOG_FILE

    Listens on 127.0.0.1:PORT with TLS and asks for a client certificate; a
    request without one that CLIENT_CA signed is answered 403. Speaks the
    transfer spec v1.1 (envelope, application/openc2+json) and v1.0 (bare
    command, X-Request-ID) by the request's Content-Type. Appends one JSON
    line per request to LOG_FILE: {"content_type", "x_request_id",
    "request_id", "command"}. Behaviour by target (for the tests):
      query features            -> 200 with pairs
      ipv4_net 192.0.2.66       -> sleeps 3 s, then 200 (a timeout)
      ipv4_net 192.0.2.50       -> HTTP 500
      ipv4_net 192.0.2.77       -> 200 with a wrong request_id
      anything else             -> 200 "consumer did: ACTION TARGET"
    Runs until SIGTERM/SIGINT; prints "ready" once listening. Exit 77 when
    libmicrohttpd has no TLS. */
#include <jansson.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY (1024 * 1024)

static volatile sig_atomic_t stop;
static const char *log_path;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 16);
    size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

typedef struct {
    char *data;
    size_t len;
    bool too_big;
} body_t;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *ctype,
                             const char *rid_header, json_t *doc, const char *text)
{
    char *out = doc ? json_dumps(doc, JSON_COMPACT) : strdup(text ? text : "");
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(out), out, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", ctype);
    if (rid_header)
        MHD_add_response_header(r, "X-Request-ID", rid_header);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static bool client_cert_ok(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session)
        return false;
    gnutls_session_t s = (gnutls_session_t)ci->tls_session;
    unsigned n = 0;
    if (!gnutls_certificate_get_peers(s, &n) || n == 0)
        return false;
    unsigned status = 0;
    return gnutls_certificate_verify_peers2(s, &status) == 0 && status == 0;
}

static void log_request(const char *ctype, const char *xrid, const char *rid, const json_t *cmd)
{
    json_t *line = json_pack("{s:s?, s:s?, s:s?, s:O?}", "content_type", ctype, "x_request_id",
                             xrid, "request_id", rid, "command", cmd);
    char *text = json_dumps(line, JSON_COMPACT);
    FILE *f = fopen(log_path, "a");
    if (f && text)
        fprintf(f, "%s\n", text);
    if (f)
        fclose(f);
    free(text);
    json_decref(line);
}

static json_t *answer(const json_t *cmd)
{
    const char *action = json_string_value(json_object_get(cmd, "action"));
    const json_t *target = json_object_get(cmd, "target");
    const char *tname = NULL;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)target, k, v) tname = k;
    if (action && tname && strcmp(action, "query") == 0 && strcmp(tname, "features") == 0)
        return json_pack("{s:i, s:{s:[s], s:[s], s:{s:[s,s], s:[s], s:[s]}}}", "status", 200,
                         "results", "versions", "1.0", "profiles", "slpf", "pairs", "deny",
                         "ipv4_net", "ipv4_connection", "allow", "ipv4_net", "query", "features");
    char text[200];
    snprintf(text, sizeof text, "consumer did: %s %s", action ? action : "?", tname ? tname : "?");
    return json_pack("{s:i, s:s}", "status", 200, "status_text", text);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    body_t *b = *con_cls;
    if (!b) {
        b = calloc(1, sizeof *b);
        *con_cls = b;
        return MHD_YES;
    }
    if (*upload_size) {
        if (b->len + *upload_size > MAX_BODY) {
            b->too_big = true;
        } else {
            b->data = realloc(b->data, b->len + *upload_size + 1);
            memcpy(b->data + b->len, upload, *upload_size);
            b->len += *upload_size;
            b->data[b->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (!client_cert_ok(c))
        return reply(c, 403, "text/plain", NULL, NULL, "client certificate required");
    if (strcmp(method, "POST") != 0)
        return reply(c, 405, "text/plain", NULL, NULL, "POST only");
    if (b->too_big || !b->data)
        return reply(c, 400, "text/plain", NULL, NULL, "no body or too big");
    const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    const char *xrid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-ID");
    json_t *doc = json_loads(b->data, 0, NULL);
    if (!doc)
        return reply(c, 400, "text/plain", NULL, NULL, "not JSON");
    bool v10 = ctype && strstr(ctype, "openc2-cmd+json");
    const json_t *cmd =
        v10 ? doc
            : json_object_get(json_object_get(json_object_get(doc, "body"), "openc2"), "request");
    const char *rid =
        v10 ? xrid
            : json_string_value(json_object_get(json_object_get(doc, "headers"), "request_id"));
    log_request(ctype, xrid, rid, cmd);
    const char *net =
        json_string_value(json_object_get(json_object_get(cmd, "target"), "ipv4_net"));
    if (net && strcmp(net, "192.0.2.50") == 0) {
        json_decref(doc);
        return reply(c, 500, "text/plain", NULL, NULL, "consumer exploded");
    }
    if (net && strcmp(net, "192.0.2.66") == 0)
        sleep(3);
    bool wrong = net && strcmp(net, "192.0.2.77") == 0;
    json_t *rsp = answer(cmd);
    enum MHD_Result ret;
    if (v10) {
        ret = reply(c, 200, "application/openc2-rsp+json;version=1.0",
                    wrong ? "00000000-0000-4000-8000-000000000000" : xrid, rsp, NULL);
    } else {
        json_t *env = json_pack("{s:{s:s?, s:I, s:s}, s:{s:{s:O}}}", "headers", "request_id",
                                wrong ? "00000000-0000-4000-8000-000000000000" : rid, "created",
                                (json_int_t)time(NULL) * 1000, "from", "test-consumer", "body",
                                "openc2", "response", rsp);
        ret = reply(c, 200, "application/openc2+json;version=1.0", NULL, env, NULL);
        json_decref(env);
    }
    json_decref(rsp);
    json_decref(doc);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    body_t *b = *con_cls;
    if (b) {
        free(b->data);
        free(b);
    }
    *con_cls = NULL;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: openc2_consumer PORT SERVER_CERT SERVER_KEY CLIENT_CA LOG_FILE\n");
        return 2;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        fprintf(stderr, "openc2_consumer: this libmicrohttpd has no TLS\n");
        return 77;
    }
    char *end;
    long port = strtol(argv[1], &end, 10);
    char *cert = slurp(argv[2]), *key = slurp(argv[3]), *ca = slurp(argv[4]);
    log_path = argv[5];
    if (*end || port <= 0 || port > 65535 || !cert || !key || !ca) {
        fprintf(stderr, "openc2_consumer: bad port or unreadable PEM files\n");
        return 2;
    }
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS |
            MHD_USE_ERROR_LOG,
        (uint16_t)port, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_TRUST,
        ca, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)10, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "openc2_consumer: cannot start on 127.0.0.1:%ld\n", port);
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("ready\n");
    fflush(stdout);
    for (int i = 0; i < 6000 && !stop; i++) /* at most 10 minutes */
        usleep(100000);
    MHD_stop_daemon(d);
    free(cert);
    free(key);
    free(ca);
    return 0;
}
