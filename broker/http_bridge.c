/*  http_bridge.c — the loop's side of the HTTPS API: the inproc ROUTER the
    HTTP threads send requests to, and the PUB that tells event streams the
    audit head moved. A request is authenticated (http_auth.c) and run as
    the control command it names, with the same role table, transaction
    and audit as the CLI's (broker_control_execute): one authority, one
    writer thread. */
#include "http_internal.h"

#include <string.h>
#include <sys/stat.h>

bool broker_public_url(const broker_t *b, char *out, size_t size)
{
    const char *base = b->cfg.http.public_url;
    char fallback[320];
    if (!base && !b->cfg.http.listen)
        return false;
    if (!base) {
        snprintf(fallback, sizeof fallback, "%s://%s", b->cfg.http.insecure ? "http" : "https",
                 b->cfg.http.listen);
        base = fallback;
    }
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    snprintf(out, size, "%.*s", (int)n, base);
    return true;
}

int http_bridge_start(broker_t *b, fs_err_t *e)
{
    if (!b->cfg.http.listen)
        return 0;
    char bridge[HTTP_BRIDGE_ENDPOINT_MAX], events[HTTP_BRIDGE_ENDPOINT_MAX];
    snprintf(bridge, sizeof bridge, "inproc://fedsoar-http-bridge-%p", (void *)b);
    snprintf(events, sizeof events, "inproc://fedsoar-http-events-%p", (void *)b);
    b->http.bridge = zsock_new_router(bridge);
    b->http.events = zsock_new_pub(events);
    if (!b->http.bridge || !b->http.events)
        return fs_err_setc(e, BROKER_E_CONFIG, "cannot make the HTTP bridge sockets");
    zsock_set_sndtimeo(b->http.bridge, 0);
    b->http.auth = http_auth_new();
    if (!(b->http.server = http_server_start(&b->cfg.http, b->cfg.keys_dir, bridge, events, e)))
        return -1;
    return 0;
}

void http_bridge_stop(broker_t *b)
{
    http_server_stop(&b->http.server); /* first: its threads use the sockets below */
    zsock_destroy(&b->http.bridge);
    zsock_destroy(&b->http.events);
    http_auth_destroy(&b->http.auth);
}

/* An error text for people outside: the words stay, a path of the
   server's disk does not ("never a path of the server's disk"). A token
   that starts with "/" and names something that exists here, or lies in
   a directory that does, is replaced; JSON pointers ("/steps/2") do not
   exist on disk and stay. */
static void scrub_paths(char *text)
{
    for (char *p = text; (p = strchr(p, '/'));) {
        if (p != text && p[-1] != ' ' && p[-1] != '"' && p[-1] != '(' && p[-1] != '\'') {
            p++;
            continue;
        }
        size_t len = strcspn(p, " \"'),;\n");
        while (len > 1 && (p[len - 1] == ':' || p[len - 1] == '.'))
            len--;
        char path[1024], dir[1024];
        snprintf(path, sizeof path, "%.*s", (int)len, p);
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir)
            *slash = '\0';
        struct stat st;
        bool on_disk = len < sizeof path &&
                       (stat(path, &st) == 0 || (slash && slash != dir && stat(dir, &st) == 0));
        if (!on_disk) {
            p += len ? len : 1;
            continue;
        }
        static const char hidden[] = "(a path on the server)";
        size_t rest = strlen(p + len);
        if (sizeof hidden - 1 <= len) {
            memcpy(p, hidden, sizeof hidden - 1);
            memmove(p + sizeof hidden - 1, p + len, rest + 1);
            p += sizeof hidden - 1;
        } else {
            p += len; /* too short to replace in place: leave the rest */
        }
    }
}

/* The HTTP status for a failed command, by its code (never by its text). */
static unsigned status_of(int code)
{
    switch (code) {
    case BROKER_E_DENIED:
    case FS_E_DENIED:
        return 403;
    case BROKER_E_NOT_FOUND:
    case BROKER_E_UNKNOWN_COMMAND:
    case CASESTORE_E_NOT_FOUND:
    case FS_E_NOT_FOUND:
        return 404;
    case BROKER_E_CONFLICT:
        return 409;
    case FS_E_TOO_BIG:
        return 413;
    case CASESTORE_E_FULL:
    case FS_E_FULL:
        return 503;
    case CASESTORE_E_STORAGE:
    case CASESTORE_E_CHAIN:
    case FS_E_STORAGE:
    case FS_E_IO:
    case FS_E_CRYPTO:
    case BROKER_E_CONFIG:
        return 500;
    default: /* invalid, parse, the libraries' validation codes, generic */
        return 400;
    }
}

json_t *http_problem_reply(unsigned status, const char *detail)
{
    return json_pack("{s:i, s:s, s:s}", "status", (int)status, "title", http_status_title(status),
                     "detail", detail);
}

static json_t *problem_json(const http_problem_t *p)
{
    json_t *r = http_problem_reply(p->status, p->detail);
    if (p->errors)
        json_object_set(r, "errors", p->errors);
    if (p->retry_after)
        json_object_set_new(r, "retry_after", json_integer(p->retry_after));
    return r;
}

static json_t *handle(broker_t *b, const json_t *req)
{
    const char *cmd = json_string_value(json_object_get(req, "cmd"));
    const json_t *args = json_object_get(req, "args"), *auth = json_object_get(req, "auth");
    if (!cmd || !json_is_object(args))
        return http_problem_reply(400, "malformed bridge request");
    /* Public routes: the one-time nonce in the path is the credential. */
    if (strcmp(cmd, "login.peek") == 0 || strcmp(cmd, "login.confirm") == 0 ||
        strcmp(cmd, "passkey.options") == 0 || strcmp(cmd, "passkey.register") == 0)
        return http_auth_public(b, cmd, args, auth);
    caller_t who = {0};
    http_who_buf_t buf;
    http_problem_t p = {0};
    if (http_auth_resolve(b, auth, &who, &buf, &p) != 0) {
        json_t *r = problem_json(&p);
        http_problem_clear(&p);
        return r;
    }
    outbound_t out;
    outbound_init(&out);
    who.out = &out;
    who.http = true;
    fs_err_t e = {0};
    json_t *result = broker_control_execute(b, cmd, args, &who, &e);
    if (result && strcmp(cmd, "session.logout") == 0) /* the browser forgets it too */
        return json_pack("{s:i, s:o, s:s}", "status", 200, "result", result, "set_cookie",
                         HTTP_SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; Secure; "
                                             "SameSite=Strict");
    if (result)
        return json_pack("{s:i, s:o}", "status", 200, "result", result);
    unsigned status = status_of(e.code);
    if (status == 500) {
        char q[600];
        fs_log(FS_LOG_ERROR, "broker", "http_command_failed", "cmd=%s actor=%s reason=%s", cmd,
               who.actor, fs_log_quote(q, sizeof q, e.text));
        return http_problem_reply(500, "internal error; the broker's log has the reason");
    }
    scrub_paths(e.text);
    return http_problem_reply(status, e.text);
}

void http_bridge_on_request(broker_t *b)
{
    zmsg_t *msg = zmsg_recv(b->http.bridge);
    if (!msg)
        return;
    zframe_t *peer = zmsg_pop(msg);
    char *text = zmsg_popstr(msg);
    json_t *req = text ? json_loads(text, 0, NULL) : NULL;
    json_t *reply = req ? handle(b, req) : http_problem_reply(400, "malformed bridge request");
    json_object_set(reply, "rid", json_object_get(req, "rid"));
    char *out = json_dumps(reply, JSON_COMPACT);
    zmsg_t *answer = zmsg_new();
    zmsg_append(answer, &peer);
    zmsg_addstr(answer, out);
    zmsg_send(&answer, b->http.bridge); /* a gone peer: dropped (ROUTER) */
    zmsg_destroy(&answer);
    free(out);
    json_decref(reply);
    json_decref(req);
    zstr_free(&text);
    zframe_destroy(&peer);
    zmsg_destroy(&msg);
}

void http_bridge_publish(broker_t *b)
{
    if (!b->http.events)
        return;
    casestore_txn_t *txn;
    fs_err_t e = {0};
    if (casestore_begin(b->store, false, &txn, &e) != 0)
        return;
    uint64_t head = casestore_audit_head(b->store, txn);
    casestore_abort(&txn);
    if (head == b->http.published_head)
        return;
    b->http.published_head = head;
    zstr_sendf(b->http.events, "%llu", (unsigned long long)head);
}
