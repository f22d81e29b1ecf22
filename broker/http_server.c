/*  http_server.c — the HTTPS API's server side (docs/api.md): libmicrohttpd
    with its TLS, one thread per connection, each connection with its own
    DEALER to the broker loop (http_bridge.c). A request is read (bounded),
    routed and checked (http_router.c), sent to the loop as a control
    command with the caller's credentials, and the loop's answer is
    written back: JSON, an RFC 9457 problem, a page, Prometheus text or an
    event stream. Nothing here reads LMDB or broker_t. */
#include "http_internal.h"
#include "listen_addr.h"
#include "http_static.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define HTTP_MAX_BODY_DEFAULT (1u << 20)
#define HTTP_BRIDGE_TIMEOUT_MS 15000
#define HTTP_MAX_QUERY 32

struct http_server {
    struct MHD_Daemon *mhd;
    char bridge[HTTP_BRIDGE_ENDPOINT_MAX];
    char events[HTTP_BRIDGE_ENDPOINT_MAX];
    atomic_bool stopping;
    bool tls;
    size_t max_body;
    char *cert_pem, *key_pem; /* kept alive for libmicrohttpd */
    http_static_t *console;   /* the console's files (http_static.c) */
};

/* One request on a connection; freed when libmicrohttpd completes it. */
typedef struct http_req {
    char *body;
    size_t len;
    bool too_big;
} http_req_t;

/* One connection: its own socket to the loop (a zsock is one thread's). */
typedef struct http_conn {
    zsock_t *bridge;
    uint64_t next_rid;
} http_conn_t;

const char *http_server_bridge(const http_server_t *s)
{
    return s->bridge;
}

const char *http_server_events(const http_server_t *s)
{
    return s->events;
}

bool http_server_stopping(const http_server_t *s)
{
    return atomic_load(&s->stopping);
}

/* ---- the round trip to the loop ------------------------------------------- */

json_t *http_bridge_call(void *conn_sock, json_t *request)
{
    zsock_t *sock = conn_sock;
    static atomic_uint_fast64_t rids;
    uint64_t rid = atomic_fetch_add(&rids, 1) + 1;
    json_object_set_new(request, "rid", json_integer((json_int_t)rid));
    char *text = json_dumps(request, JSON_COMPACT);
    json_decref(request);
    if (!text || zstr_send(sock, text) != 0) {
        free(text);
        return NULL;
    }
    free(text);
    zpoller_t *poller = zpoller_new(sock, NULL);
    json_t *reply = NULL;
    int64_t deadline = fs_mono_ms() + HTTP_BRIDGE_TIMEOUT_MS;
    while (!reply) {
        int64_t left = deadline - fs_mono_ms();
        if (left <= 0 || zpoller_wait(poller, (int)left) != sock)
            break;
        char *s = zstr_recv(sock);
        json_t *r = s ? json_loads(s, 0, NULL) : NULL;
        zstr_free(&s);
        /* A late answer to an earlier, timed-out request: not ours. */
        if (r && (uint64_t)json_integer_value(json_object_get(r, "rid")) == rid)
            reply = r;
        else
            json_decref(r);
    }
    zpoller_destroy(&poller);
    return reply;
}

static zsock_t *conn_bridge(http_server_t *srv, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    http_conn_t *conn = ci ? ci->socket_context : NULL;
    if (!conn)
        return NULL;
    if (!conn->bridge) {
        conn->bridge = zsock_new_dealer(srv->bridge);
        if (conn->bridge)
            zsock_set_linger(conn->bridge, 0);
    }
    return conn->bridge;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls, (void)c;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = fs_xcalloc(1, sizeof(http_conn_t));
    } else {
        http_conn_t *conn = *socket_context;
        if (conn)
            zsock_destroy(&conn->bridge);
        free(conn);
        *socket_context = NULL;
    }
}

/* ---- answers ------------------------------------------------------------------ */

/* Headers every answer carries. */
static void common_headers(const http_server_t *srv, struct MHD_Response *r, const char *csp)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    if (srv->tls)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}

/* text is stolen; csp NULL: the API's; cookie: a Set-Cookie value or NULL. */
static enum MHD_Result send_text(const http_server_t *srv, struct MHD_Connection *c,
                                 unsigned status, const char *type, char *text, size_t len,
                                 const char *csp, const char *cookie)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", type);
    common_headers(srv, r, csp ? csp : "default-src 'none'; frame-ancestors 'none'");
    if (cookie)
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* RFC 9457 problem details. */
static enum MHD_Result send_problem(const http_server_t *srv, struct MHD_Connection *c,
                                    const char *url, const http_problem_t *p)
{
    json_t *body = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "about:blank", "title",
                             p->title[0] ? p->title : http_status_title(p->status), "status",
                             (int)p->status, "detail", p->detail, "instance", url);
    if (p->errors)
        json_object_set(body, "errors", p->errors);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/problem+json");
    common_headers(srv, r, "default-src 'none'; frame-ancestors 'none'");
    if (p->status == 405)
        MHD_add_response_header(r, "Allow", p->detail);
    if (p->status == 401)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"fedsoar\"");
    char retry[24];
    if (p->retry_after) {
        snprintf(retry, sizeof retry, "%u", p->retry_after);
        MHD_add_response_header(r, "Retry-After", retry);
    }
    enum MHD_Result ret = MHD_queue_response(c, p->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A loop reply that is not a success, as a problem. */
static void problem_from_reply(const json_t *reply, http_problem_t *p)
{
    unsigned status = (unsigned)json_integer_value(json_object_get(reply, "status"));
    const char *detail = json_string_value(json_object_get(reply, "detail"));
    http_problem_set(p, status >= 400 && status < 600 ? status : 500, "%s",
                     detail ? detail : "the broker could not answer");
    const char *title = json_string_value(json_object_get(reply, "title"));
    if (title)
        snprintf(p->title, sizeof p->title, "%s", title);
    json_t *errors = json_object_get(reply, "errors");
    if (json_is_array(errors))
        p->errors = json_incref(errors);
    p->retry_after = (unsigned)json_integer_value(json_object_get(reply, "retry_after"));
}

/* ---- pages (sign-in) --------------------------------------------------------------- */

static void html_escape(char *out, size_t size, const char *s)
{
    size_t o = 0;
    for (; s && *s && o + 7 < size; s++) {
        const char *rep = *s == '<'    ? "&lt;"
                          : *s == '>'  ? "&gt;"
                          : *s == '&'  ? "&amp;"
                          : *s == '"'  ? "&quot;"
                          : *s == '\'' ? "&#39;"
                                       : NULL;
        if (rep) {
            size_t n = strlen(rep);
            memcpy(out + o, rep, n);
            o += n;
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

/* The confirmation page of a one-time link (GET never signs anyone in:
   link scanners and chat previews fetch links), and the page after it. */
static char *login_page(const char *cmd, const json_t *result, const char *nonce)
{
    char op[200], role[100], n[300];
    html_escape(op, sizeof op, json_string_value(json_object_get(result, "operator")));
    html_escape(role, sizeof role, json_string_value(json_object_get(result, "role")));
    html_escape(n, sizeof n, nonce);
    char *page = NULL;
    if (strcmp(cmd, "login.peek") == 0)
        page = fs_xasprintf(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>fedsoar sign-in"
            "</title></head><body><h1>Sign in to fedsoar</h1><p>This one-time link was made by "
            "<code>fedsoarctl login --web</code> for operator <strong>%s</strong>. It expires in "
            "%lld s and works once.</p><p>If you did not ask for it, close this page.</p>"
            "<form method=\"post\" action=\"/login/%s\"><button type=\"submit\">Sign in as %s"
            "</button></form></body></html>",
            op, (long long)json_integer_value(json_object_get(result, "expires_in_s")), n, op);
    else
        page = fs_xasprintf("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                            "<title>fedsoar</title></head><body><h1>Signed in</h1><p>This browser "
                            "now holds a session for operator <strong>%s</strong> (role %s). It "
                            "ends after 8 hours without use, or with <code>fedsoarctl sessions "
                            "revoke</code>.</p><p><a href=\"/\">Continue</a></p></body></html>",
                            op, role);
    return page;
}

/* ---- the request ---------------------------------------------------------------- */

typedef struct query_pairs {
    const char *names[HTTP_MAX_QUERY];
    const char *values[HTTP_MAX_QUERY];
    size_t n;
    bool overflow;
} query_pairs_t;

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    query_pairs_t *q = cls;
    if (q->n == HTTP_MAX_QUERY) {
        q->overflow = true;
        return MHD_NO;
    }
    q->names[q->n] = key;
    q->values[q->n++] = value;
    return MHD_YES;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* What the caller presents; the loop decides what it is worth. */
static json_t *auth_of(struct MHD_Connection *c, const char *method)
{
    json_t *auth = json_object();
    const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, HTTP_SESSION_COOKIE);
    const char *authz = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
    if (cookie)
        json_object_set_new(auth, "session", json_string(cookie));
    if (authz && strncasecmp(authz, "Bearer ", 7) == 0)
        json_object_set_new(auth, "token", json_string(authz + 7));
    const char *pairs[][2] = {{"csrf", HTTP_CSRF_HEADER}, {"origin", "Origin"}, {"host", "Host"}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        const char *v = header(c, pairs[i][1]);
        if (v && strlen(v) < 512)
            json_object_set_new(auth, pairs[i][0], json_string(v));
    }
    bool safe = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    json_object_set_new(auth, "unsafe", json_boolean(!safe));
    return auth;
}

static bool content_type_json(struct MHD_Connection *c)
{
    const char *t = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t n = strlen("application/json");
    return t && strncasecmp(t, "application/json", n) == 0 && (t[n] == '\0' || t[n] == ';');
}

/* Runs a routed request through the loop and answers. */
static enum MHD_Result dispatch(http_server_t *srv, struct MHD_Connection *c, const char *url,
                                const char *method, http_match_t *m, unsigned *status)
{
    const http_route_t *r = m->route;
    http_problem_t p = {0};
    zsock_t *sock = conn_bridge(srv, c);
    char route[160];
    snprintf(route, sizeof route, "%s %s", r->method, r->pattern);
    json_t *auth = auth_of(c, method);
    const char *last_id = header(c, "Last-Event-ID");
    if (r->answer == HTTP_ANSWER_STREAM && last_id) {
        uint64_t since;
        if (fs_parse_u64(last_id, &since) != 0) {
            http_problem_set(&p, 400, "Last-Event-ID must be an event id (an integer)");
            goto problem;
        }
        json_object_set_new(m->args, "since", json_integer((json_int_t)since));
    }
    /* A stream's first call only asks whether the caller may watch (since
       0: the head, no backlog); the stream then reads from its cursor
       itself, so the backlog is not read twice. */
    json_int_t stream_since = json_integer_value(json_object_get(m->args, "since"));
    if (r->answer == HTTP_ANSWER_STREAM)
        json_object_set_new(m->args, "since", json_integer(0));
    /* The audit log without `limit`: this call is its first page. */
    bool audit_stream = r->answer == HTTP_ANSWER_AUDIT && !json_object_get(m->args, "limit");
    bool follow = json_is_true(json_object_get(m->args, "follow"));
    if (r->answer == HTTP_ANSWER_AUDIT && follow && !audit_stream) {
        http_problem_set(&p, 400, "follow=true streams the log: it takes no limit");
        goto problem;
    }
    json_object_del(m->args, "follow");
    if (audit_stream)
        json_object_set_new(m->args, "page_bytes", json_integer(HTTP_AUDIT_PAGE_BYTES));
    json_t *request = json_pack("{s:s, s:O, s:s, s:O}", "cmd", r->cmd, "args", m->args, "route",
                                route, "auth", auth);
    json_t *reply = sock ? http_bridge_call(sock, request) : (json_decref(request), NULL);
    if (!reply) {
        http_problem_set(&p, 503, "the broker did not answer in time; try again");
        p.retry_after = 5;
        goto problem;
    }
    unsigned st = (unsigned)json_integer_value(json_object_get(reply, "status"));
    if (st < 200 || st >= 300) {
        problem_from_reply(reply, &p);
        json_decref(reply);
        goto problem;
    }
    const json_t *result = json_object_get(reply, "result");
    enum MHD_Result ret;
    if (r->answer == HTTP_ANSWER_STREAM) {
        /* Authorized: the stream makes its own calls from here on. */
        char since[24];
        snprintf(since, sizeof since, "%lld", (long long)stream_since);
        struct MHD_Response *resp = http_stream_response(srv, auth, since);
        auth = NULL;
        if (!resp) {
            json_decref(reply);
            http_problem_set(&p, 503, "cannot open a stream now; try again");
            goto problem;
        }
        common_headers(srv, resp, "default-src 'none'");
        ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
        MHD_destroy_response(resp);
        *status = 200;
    } else if (audit_stream) {
        struct MHD_Response *resp = http_audit_response(
            srv, sock, auth, (uint64_t)json_integer_value(json_object_get(m->args, "since")),
            result, follow);
        auth = NULL;
        if (!resp) {
            json_decref(reply);
            http_problem_set(&p, 503, "cannot open the audit stream now; try again");
            goto problem;
        }
        common_headers(srv, resp, "default-src 'none'; frame-ancestors 'none'");
        ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
        MHD_destroy_response(resp);
        *status = 200;
    } else if (r->answer == HTTP_ANSWER_TEXT) {
        const char *t = json_string_value(json_object_get(result, "text"));
        char *text = fs_xstrdup(t ? t : "");
        size_t len = strlen(text);
        http_metrics_append(&text, &len);
        ret = send_text(srv, c, st, "text/plain; version=0.0.4; charset=utf-8", text, len, NULL,
                        NULL);
        *status = st;
    } else if (r->answer == HTTP_ANSWER_XML) {
        const char *x = json_string_value(json_object_get(result, "xml"));
        char *xml = fs_xstrdup(x ? x : "");
        ret = send_text(srv, c, st, "application/xml; charset=utf-8", xml, strlen(xml), NULL, NULL);
        *status = st;
    } else {
        const char *cookie = json_string_value(json_object_get(reply, "set_cookie"));
        *status = r->success && st == 200 ? r->success : st;
        if (r->answer == HTTP_ANSWER_HTML) {
            char *page =
                login_page(r->cmd, result, json_string_value(json_object_get(m->args, "nonce")));
            ret =
                send_text(srv, c, *status, "text/html; charset=utf-8", page, strlen(page),
                          "default-src 'none'; form-action 'self'; frame-ancestors 'none'", cookie);
        } else {
            char *text = json_dumps(result ? result : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
            ret = send_text(srv, c, *status, "application/json", text, strlen(text), NULL, cookie);
        }
    }
    json_decref(auth);
    json_decref(reply);
    return ret;
problem:
    json_decref(auth);
    *status = p.status;
    ret = send_problem(srv, c, url, &p);
    http_problem_clear(&p);
    return ret;
}

/* The OpenAPI document (built in from broker/openapi.json). */
extern const char http_openapi_json[];
extern const size_t http_openapi_json_len;

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    http_server_t *srv = cls;
    http_req_t *req = *con_cls;
    if (!req) {
        *con_cls = fs_xcalloc(1, sizeof *req);
        return MHD_YES;
    }
    if (*upload_size) {
        if (req->too_big || req->len + *upload_size > srv->max_body) {
            req->too_big = true; /* read and dropped; answered 413 at the end */
        } else {
            req->body = fs_xrealloc(req->body, req->len + *upload_size + 1);
            memcpy(req->body + req->len, upload, *upload_size);
            req->len += *upload_size;
            req->body[req->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    http_problem_t p = {0};
    http_match_t m = {0};
    query_pairs_t q = {0};
    unsigned status = 0;
    enum MHD_Result ret;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_query, &q);
    /* The console's files (http_static.c): answered here, never routed. */
    if ((status = http_static_serve(srv->console, c, method, url, &p, &ret)) != 0) {
        if (status >= 400)
            ret = send_problem(srv, c, url, &p);
        http_metrics_count("console", status);
        http_problem_clear(&p);
        return ret;
    }
    http_request_t hr = {method, url,       q.names,  q.values,
                         q.n,    req->body, req->len, content_type_json(c)};
    if (atomic_load(&srv->stopping)) {
        http_problem_set(&p, 503, "the broker is stopping");
    } else if (req->too_big) {
        http_problem_set(&p, 413, "the body is larger than %zu bytes (http.max_body_bytes)",
                         srv->max_body);
    } else if (q.overflow) {
        http_problem_set(&p, 400, "more than %d query parameters", HTTP_MAX_QUERY);
    } else if (http_route_request(&hr, &m, &p) == 0) {
        if (!m.route->cmd) { /* the OpenAPI document */
            status = 200;
            ret = send_text(srv, c, 200, "application/json",
                            fs_xstrndup(http_openapi_json, http_openapi_json_len),
                            http_openapi_json_len, NULL, NULL);
            goto done;
        }
        ret = dispatch(srv, c, url, method, &m, &status);
        goto done;
    }
    status = p.status;
    ret = send_problem(srv, c, url, &p);
done:
    if (m.route) {
        char route[160];
        snprintf(route, sizeof route, "%s %s", m.route->method, m.route->pattern);
        http_metrics_count(route, status);
    } else {
        http_metrics_count("unmatched", status);
    }
    http_match_clear(&m);
    http_problem_clear(&p);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    http_req_t *req = *con_cls;
    if (req) {
        free(req->body);
        free(req);
    }
    *con_cls = NULL;
}

static int hexval(char ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

/* Percent-decoding of the path and query, in place. "%00" and "%2F" stay
   encoded: a NUL would cut the path short and an encoded slash would make
   a new segment; left as they are, neither names anything and the router
   answers 404. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls, (void)c;
    char *out = s;
    for (const char *in = s; *in;) {
        int hi = in[0] == '%' ? hexval(in[1]) : -1, lo = hi >= 0 ? hexval(in[2]) : -1;
        int byte = hi >= 0 && lo >= 0 ? hi * 16 + lo : -1;
        if (byte > 0 && byte != '/') {
            *out++ = (char)byte;
            in += 3;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
    return (size_t)(out - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char text[512], q[600];
    vsnprintf(text, sizeof text, fmt, ap);
    text[strcspn(text, "\n")] = '\0';
    fs_log(FS_LOG_WARN, "broker", "http_server", "msg=%s", fs_log_quote(q, sizeof q, text));
}

/* ---- start and stop -------------------------------------------------------------- */

static char *read_pem(const char *keys_dir, const char *configured, const char *name, fs_err_t *e)
{
    char path[4096];
    if (configured)
        snprintf(path, sizeof path, "%s", configured);
    else
        snprintf(path, sizeof path, "%s/http/%s", keys_dir, name);
    size_t len = 0;
    char *pem = fs_file_read(path, 1 << 20, &len, e);
    if (!pem)
        fs_err_setc(e, BROKER_E_CONFIG,
                    "HTTPS needs %s: %s (make it with fedsoarctl keys init --http-names, or set "
                    "http.%s)",
                    path, e->text, strcmp(name, "broker.crt") == 0 ? "cert_file" : "key_file");
    return pem;
}

http_server_t *http_server_start(const broker_http_config_t *cfg, const char *keys_dir,
                                 const char *bridge, const char *events, fs_err_t *e)
{
    fs_listen_addr_t sa;
    if (fs_listen_parse(cfg->listen, "http.listen", &sa, e) != 0) {
        e->code = BROKER_E_CONFIG;
        return NULL;
    }
    if (cfg->insecure && !fs_listen_is_loopback(&sa)) {
        fs_err_setc(e, BROKER_E_CONFIG,
                    "http.insecure (plain HTTP) is allowed only on a loopback address, not %s: "
                    "sessions and tokens would cross the network in clear",
                    cfg->listen);
        return NULL;
    }
    http_server_t *srv = fs_xcalloc(1, sizeof *srv);
    snprintf(srv->bridge, sizeof srv->bridge, "%s", bridge);
    snprintf(srv->events, sizeof srv->events, "%s", events);
    srv->max_body = cfg->max_body ? cfg->max_body : HTTP_MAX_BODY_DEFAULT;
    srv->tls = !cfg->insecure;
    srv->console = http_static_load(cfg->console_dir, srv->tls);
    if (srv->tls && (!(srv->cert_pem = read_pem(keys_dir, cfg->cert_file, "broker.crt", e)) ||
                     !(srv->key_pem = read_pem(keys_dir, cfg->key_file, "broker.key", e)))) {
        http_server_stop(&srv);
        return NULL;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (sa.sa.sa_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (srv->tls)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, srv->cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, srv->key_pem},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
        {MHD_OPTION_END, 0, NULL},
    };
    srv->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
        MHD_OPTION_SOCK_ADDR, &sa.sa, MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_UNESCAPE_CALLBACK, unescape,
        srv, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)1024, MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024), MHD_OPTION_ARRAY,
        srv->tls ? tls_opts : tls_opts + 3, MHD_OPTION_END);
    if (!srv->mhd) {
        fs_err_setc(e, BROKER_E_CONFIG,
                    "cannot serve HTTPS on %s (port in use, not an address of this host, or the "
                    "certificate and key do not match)",
                    cfg->listen);
        http_server_stop(&srv);
        return NULL;
    }
    if (!srv->tls)
        fs_log(FS_LOG_WARN, "broker", "http_insecure",
               "listen=%s msg=\"plain HTTP: sessions and tokens cross in clear. Loopback "
               "experiments only.\"",
               cfg->listen);
    fs_log(FS_LOG_INFO, "broker", "http_listening", "listen=%s tls=%s max_body=%zu", cfg->listen,
           srv->tls ? "on" : "off", srv->max_body);
    return srv;
}

void http_server_stop(http_server_t **self_p)
{
    http_server_t *srv = *self_p;
    if (!srv)
        return;
    atomic_store(&srv->stopping, true);
    if (srv->mhd) {
        MHD_socket listener = MHD_quiesce_daemon(srv->mhd); /* no new connections */
        MHD_stop_daemon(srv->mhd);                          /* waits for each connection's thread */
        if (listener != MHD_INVALID_SOCKET)
            close(listener); /* quiesce hands it to us */
    }
    if (srv->key_pem)
        explicit_bzero(srv->key_pem, strlen(srv->key_pem));
    free(srv->key_pem);
    free(srv->cert_pem);
    http_static_destroy(&srv->console);
    free(srv);
    *self_p = NULL;
}
