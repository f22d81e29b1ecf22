/*  http_internal.h — private to libfedsoar_broker: the HTTPS API
    (docs/api.md; design in docs/internals/http.md).

    Two sides, never mixed:

    - the HTTP side runs on libmicrohttpd's threads (one per connection):
      http_server.c (TLS, bodies, responses), http_router.c (route table,
      query and body checks), http_stream.c's SSE writer, http_metrics.c's
      request counters. It never touches LMDB or broker_t: it turns a request
      into a control command and asks the loop over the inproc "bridge";
    - the loop side runs on the broker's single thread: http_bridge.c
      receives, http_auth.c says who is asking (session, token, one-time
      login link), broker_control_execute runs the command with the same
      role table and audit as the CLI, and the reply goes back.

    The bridge: the HTTP side's DEALER sends one frame, the JSON request

        {"cmd": "case.show", "args": {...}, "route": "GET /api/v1/cases/{id}",
         "auth": {"session": COOKIE, "token": BEARER, "csrf": X-CSRF-Token,
                  "origin": Origin, "host": Host, "unsafe": true|false}}

    (absent members: not sent by the client), and gets one frame back:

        {"status": 200, "result": JSON, "set_cookie": "..."?}
        {"status": 4xx|5xx, "title": "...", "detail": "...",
         "errors": [{"pointer": "/text" | "parameter": "limit", "detail": "..."}]?}

    The error shape is RFC 9457's problem details; http_server.c adds "type"
    and "instance" and sends it as application/problem+json. */
#ifndef FEDSOAR_HTTP_INTERNAL_H
#define FEDSOAR_HTTP_INTERNAL_H

#include "broker_internal.h"

#define HTTP_BRIDGE_ENDPOINT_MAX 96
#define HTTP_SESSION_COOKIE "fedsoar_session"
#define HTTP_CSRF_HEADER "X-CSRF-Token"
#define HTTP_LOGIN_LINK_TTL_MS 60000
#define HTTP_SESSION_IDLE_MS (8LL * 3600 * 1000) /* the default of http.session_idle_s */

/* ==== HTTP side ============================================================ */

/* A problem to answer (RFC 9457): status, title, detail, and for a bad
   parameter or body the offending fields. errors: array of {"pointer"|
   "parameter", "detail"} or NULL. */
typedef struct http_problem {
    unsigned status;
    char title[96];
    char detail[512];
    json_t *errors;       /* owned */
    unsigned retry_after; /* 429: seconds to wait (the Retry-After header), else 0 */
} http_problem_t;

/* Fills p (status, title from the status, detail printf-style);
   returns the status. */
int http_problem_set(http_problem_t *p, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds one offending field: pointer ("/text") or parameter ("limit"). */
void http_problem_add(http_problem_t *p, const char *pointer, const char *parameter,
                      const char *detail);
void http_problem_clear(http_problem_t *p);
/* The reason phrase of a status ("Not Found"); "Error" when unknown. */
const char *http_status_title(unsigned status);

/* What a route answers with. */
typedef enum {
    HTTP_ANSWER_JSON,   /* the command's result as application/json */
    HTTP_ANSWER_HTML,   /* a page (the login confirmation) */
    HTTP_ANSWER_TEXT,   /* text/plain (the Prometheus metrics) */
    HTTP_ANSWER_XML,    /* application/xml: the result's "xml" (a BPMN diagram) */
    HTTP_ANSWER_STREAM, /* text/event-stream (http_stream.c) */
    HTTP_ANSWER_AUDIT   /* without `limit`: the whole log, chunked (http_audit_stream.c) */
} http_answer_t;

/* One route: METHOD PATTERN -> control command (docs/api.md). */
typedef struct http_route {
    const char *method;
    const char *pattern; /* "/api/v1/cases/{id}": {name} is one path segment */
    const char *cmd;     /* the control command it becomes */
    http_answer_t answer;
    bool public_route; /* no session or token (the one-time login link: the nonce is it) */
    unsigned success;  /* 200, 201, 202 */
    const struct fs_schema *body;    /* a JSON object body's schema, or NULL: no body */
    const struct http_param *params; /* the query parameters it takes, or NULL */
    const char *body_into; /* NULL: the body's fields join args; else args[body_into] = body */
    bool body_optional;    /* an empty body is fine */
    bool body_ignored;     /* whatever is sent is not read (an HTML form's POST) */
    void (*adjust)(json_t *args); /* the route's own argument mapping, or NULL */
} http_route_t;

/* A query parameter and the command argument it becomes. */
typedef enum { HTTP_P_STRING, HTTP_P_UINT, HTTP_P_BOOL } http_param_type_t;
typedef struct http_param {
    const char *name; /* NULL ends a table */
    http_param_type_t type;
    const char *const *enums; /* HTTP_P_STRING: allowed values, NULL-terminated, or NULL */
    unsigned long long max;   /* HTTP_P_UINT: upper bound (0: none) */
} http_param_t;

/* The request as the router sees it (all borrowed). query: the decoded
   name=value pairs in order, n_query of them. */
typedef struct http_request {
    const char *method;
    const char *path;
    const char *const *query_names;
    const char *const *query_values;
    size_t n_query;
    const char *body;
    size_t body_len;
    bool body_is_json; /* Content-Type: application/json */
} http_request_t;

/* The route a request matched and the command arguments built from its
   path parameters, query and body. */
typedef struct http_match {
    const http_route_t *route;
    json_t *args; /* owned */
} http_match_t;

/* Finds the route and builds args: 0, or the status to answer (400 bad
   parameter or body, 404 no such path, 405 no such method with the Allow
   list in p->detail, 415 a body that is not JSON) with p filled. Pure: no I/O, no state (fuzzed by
   tests/fuzz/fuzz_http_router.c). */
int http_route_request(const http_request_t *req, http_match_t *m, http_problem_t *p);
void http_match_clear(http_match_t *m);
/* The route table, ended by a zeroed row (for docs and tests). */
const http_route_t *http_routes(void);

/* The server: libmicrohttpd, one thread per connection, TLS unless
   insecure (loopback only). bridge: the loop's inproc endpoint. */
typedef struct http_server http_server_t;
http_server_t *http_server_start(const broker_http_config_t *cfg, const char *keys_dir,
                                 const char *bridge, const char *events, fs_err_t *e);
/* Stops accepting, ends streams, waits for the connection threads. */
void http_server_stop(http_server_t **self_p);
/* For the streams: the loop's endpoints, and whether the server stops. */
const char *http_server_bridge(const http_server_t *self);
const char *http_server_events(const http_server_t *self);
bool http_server_stopping(const http_server_t *self);

/* One round trip to the loop on this connection's socket (created on
   first use, see http_server.c): request stolen, reply owned by the
   caller; NULL when the loop did not answer (503). */
json_t *http_bridge_call(void *conn_sock, json_t *request);

/* http_stream.c, HTTP side: serves GET /api/v1/stream on a connection
   whose route and auth were accepted: the response object to queue. */
struct MHD_Response;
struct MHD_Response *http_stream_response(const http_server_t *srv, json_t *auth,
                                          const char *last_event_id);

/* http_audit_stream.c, HTTP side: GET /api/v1/audit/entries without
   `limit`: the log after `since`, page after page over conn_sock (the
   connection's bridge socket, borrowed: the answer is read on the
   connection's thread), starting with first_page (audit.export's result,
   borrowed). auth is stolen. follow: NDJSON, on past the head until the
   client leaves, the server stops or the credentials are refused. The
   response object to queue. */
#define HTTP_AUDIT_PAGE_BYTES (64 * 1024)
struct MHD_Response *http_audit_response(const http_server_t *srv, void *conn_sock, json_t *auth,
                                         uint64_t since, const json_t *first_page, bool follow);

/* http_metrics.c, HTTP side: counts one answered request (thread-safe),
   and appends the counters as Prometheus text to text. */
void http_metrics_count(const char *route, unsigned status);
void http_metrics_append(char **text, size_t *len);

/* ==== loop side ============================================================ */

/* http_bridge.c: the inproc ROUTER the HTTP threads talk to, and the PUB
   that says "the audit head moved" to the streams. */
int http_bridge_start(broker_t *b, fs_err_t *e);
void http_bridge_stop(broker_t *b);
/* A bridge reply that is a problem {"status", "title", "detail"} (caller owns). */
json_t *http_problem_reply(unsigned status, const char *detail);
/* One request from an HTTP thread: authenticate, run, reply. */
void http_bridge_on_request(broker_t *b);
/* After each loop turn: tells the streams when the audit head moved. */
void http_bridge_publish(broker_t *b);

/* http.session_idle_s in ms (HTTP_SESSION_IDLE_MS when not set). */
int64_t http_session_idle_ms(const broker_t *b);
/* http_auth.c: who is asking, from the key store and the broker's own
   records only. On success fills who (strings in who_buf, valid until the
   next call) and returns 0; else the status (401 who are you, 403 CSRF or
   origin, 429 over the rate limit) with p filled. */
typedef struct http_who_buf {
    char name[96], role[34], site[64], actor[112];
    char csrf[48];    /* a session's CSRF token, else "" */
    char session[65]; /* a session's SHA-256 hex (its row), else "" */
} http_who_buf_t;
int http_auth_resolve(broker_t *b, const json_t *auth, caller_t *who, http_who_buf_t *buf,
                      http_problem_t *p);
/* Public routes (login.peek, login.confirm; passkey.options, passkey.register
   in passkey_enroll.c): the nonce is the credential.
   Returns the bridge reply (caller owns). */
json_t *http_auth_public(broker_t *b, const char *cmd, const json_t *args, const json_t *auth);
/* The in-memory part of sign-in (pending login links, session activity,
   rate-limit buckets): b->http.auth, made and destroyed by the bridge. */
struct http_auth_state *http_auth_new(void);
void http_auth_destroy(struct http_auth_state **self_p);
/* The sign-in commands (control.c's table; docs/security.md "Sign-in and
   API tokens"): http_login.c login.link; control_http_auth.c the rest. */
json_t *control_login_link(broker_t *b, casestore_txn_t *txn, const json_t *args,
                           const caller_t *who, fs_err_t *e);
json_t *control_sessions_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e);
json_t *control_session_revoke(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e);
json_t *control_session_whoami(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e);
json_t *control_session_logout(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e);
json_t *control_token_create(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e);
json_t *control_tokens_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                            const caller_t *who, fs_err_t *e);
json_t *control_token_revoke(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e);

/* http_events.c, the stream's loop side (events.since): the SSE events
   after audit seq `since` the caller may see (since 0: none, only the
   head), at most 500 or about 256 KiB: {"events": [{"id", "event",
   "data"}], "head": the last seq examined, "more": call again}. */
json_t *control_events_since(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e);
/* http_metrics.c, loop side: {"text": Prometheus exposition}. */
json_t *control_metrics_prometheus(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                   const caller_t *who, fs_err_t *e);

/* http_stream.c: reads every audit-head announcement waiting on events (a
   SUB on the loop's head, decimal text), raising *announced to the highest;
   whether any came. The SSE stream and the followed audit log use it. */
bool http_heads_drain(zsock_t *events, uint64_t *announced);

/* http_outbuf.c: text waiting for libmicrohttpd's content reader (the SSE
   stream, the streamed audit log): appended at the end, taken from the
   front; the owner frees `buf`. */
typedef struct {
    char *buf;
    size_t len, off, cap;
} http_outbuf_t;
void http_outbuf_add(http_outbuf_t *o, const char *text, size_t n);
/* Copies at most max waiting bytes to out; 0 when nothing waits. */
size_t http_outbuf_take(http_outbuf_t *o, char *out, size_t max);
static inline bool http_outbuf_empty(const http_outbuf_t *o)
{
    return o->off == o->len;
}

#endif
