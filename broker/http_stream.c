/*  http_stream.c — HTTP side of GET /api/v1/stream: Server-Sent Events
    (docs/internals/http_stream.md).  Each stream lives on its connection's
    thread (libmicrohttpd, one thread per connection) and has two sockets
    of its own: a SUB on the loop's "head moved" announcements and a
    DEALER to the bridge, on which it asks events.since with the client's
    credentials each time — so a revoked session or token ends the stream
    at its next fetch.  It never touches LMDB or broker_t.

    The content reader blocks: it copies what is buffered; else it waits on
    the SUB (in short slices, to notice the server stopping), fetches when
    the head moved past what it has examined, and writes a keepalive
    comment (after a fetch, which also checks the credentials) every
    STREAM_KEEPALIVE_MS of silence. */
#include "http_internal.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_KEEPALIVE_MS 15000
#define STREAM_SLICE_MS 500     /* how often a waiting stream looks at "stopping" */
#define STREAM_MIN_FETCH_MS 200 /* at most 5 fetches a second per stream */
#define STREAM_RETRY_MS 3000    /* the client's reconnection delay (retry:) */
#define STREAM_ROUTE "GET /api/v1/stream"

typedef struct stream {
    const http_server_t *srv;
    json_t *auth;          /* the client's credentials, sent with every fetch (owned) */
    zsock_t *bridge;       /* DEALER to the loop */
    zsock_t *events;       /* SUB: the audit head, as decimal text */
    uint64_t cursor;       /* audit seq examined so far: the next fetch's since */
    uint64_t announced;    /* highest head announced on events */
    bool fetch_now;        /* a fetch is due (start, "more", head moved) */
    bool ended;            /* the credentials were refused: end after the buffer */
    int64_t last_fetch;    /* monotonic ms */
    int64_t not_before;    /* monotonic ms: no fetch before it (429 Retry-After) */
    int64_t quiet_since;   /* monotonic ms of the last bytes written */
    http_outbuf_t pending; /* text not yet handed to libmicrohttpd */
} stream_t;

static void buf_add(stream_t *s, const char *text, size_t n)
{
    http_outbuf_add(&s->pending, text, n);
}

static void buf_str(stream_t *s, const char *text)
{
    buf_add(s, text, strlen(text));
}

/* One event: "id: N\nevent: NAME\ndata: JSON\n\n" (compact JSON has no
   newline: a string's newlines are escaped). */
static void write_event(stream_t *s, uint64_t id, const char *name, const json_t *data)
{
    char *json = json_dumps(data ? data : json_object(), JSON_COMPACT | JSON_SORT_KEYS);
    char head[160];
    snprintf(head, sizeof head, "id: %llu\nevent: %s\ndata: ", (unsigned long long)id, name);
    buf_str(s, head);
    buf_str(s, json ? json : "{}");
    buf_str(s, "\n\n");
    free(json);
}

/* Asks the loop for what came after the cursor. */
static void fetch(stream_t *s)
{
    s->fetch_now = false;
    s->last_fetch = fs_mono_ms();
    /* The stream was charged once when it opened; its fetches are not
       the client's requests (http_auth.c does not rate-limit them). */
    json_object_set_new(s->auth, "stream_fetch", json_true());
    json_t *request = json_pack("{s:s, s:{s:I}, s:O, s:s}", "cmd", "events.since", "args", "since",
                                (json_int_t)s->cursor, "auth", s->auth, "route", STREAM_ROUTE);
    json_t *reply = http_bridge_call(s->bridge, request);
    json_int_t status = json_integer_value(json_object_get(reply, "status"));
    if (status == 401 || status == 403) {
        /* Revoked, expired, or no longer allowed: the client must sign in. */
        s->ended = true;
    } else if (status == 200) {
        const json_t *result = json_object_get(reply, "result");
        size_t i;
        json_t *ev;
        json_array_foreach(json_object_get(result, "events"), i, ev)
        {
            json_int_t id = json_integer_value(json_object_get(ev, "id"));
            const char *name = json_string_value(json_object_get(ev, "event"));
            if (id > 0 && (uint64_t)id > s->cursor && name)
                write_event(s, (uint64_t)id, name, json_object_get(ev, "data"));
        }
        json_int_t head = json_integer_value(json_object_get(result, "head"));
        if (head > 0 && (uint64_t)head > s->cursor)
            s->cursor = (uint64_t)head;
        if (json_is_true(json_object_get(result, "more")) || s->announced > s->cursor)
            s->fetch_now = true;
    } else if (status == 429) {
        /* Over the credential's rate limit: again when it says, not at the
           next keepalive (the events are there). */
        json_int_t after = json_integer_value(json_object_get(reply, "retry_after"));
        s->not_before = fs_mono_ms() + (after > 0 && after <= 60 ? after * 1000 : 1000);
        s->fetch_now = true;
    }
    /* 503 (no answer), others: try again at the next announcement or
       keepalive. */
    json_decref(reply);
}

bool http_heads_drain(zsock_t *events, uint64_t *announced)
{
    bool any = false;
    while (zsock_events(events) & ZMQ_POLLIN) {
        char *text = zstr_recv(events);
        uint64_t head;
        if (text && fs_parse_u64(text, &head) == 0 && head > *announced)
            *announced = head;
        zstr_free(&text);
        any = true;
    }
    return any;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    stream_t *s = cls;
    zpoller_t *poller = NULL;
    ssize_t n = 0;
    for (;;) {
        size_t take = http_outbuf_take(&s->pending, out, max);
        if (take) {
            s->quiet_since = fs_mono_ms();
            n = (ssize_t)take;
            break;
        }
        if (s->ended || http_server_stopping(s->srv)) {
            n = MHD_CONTENT_READER_END_OF_STREAM;
            break;
        }
        int64_t now = fs_mono_ms();
        if (s->fetch_now && now - s->last_fetch >= STREAM_MIN_FETCH_MS && now >= s->not_before) {
            fetch(s);
            continue;
        }
        if (now - s->quiet_since >= STREAM_KEEPALIVE_MS) {
            /* A fetch first: it checks the credentials and catches up on
               anything an announcement did not say. */
            fetch(s);
            if (http_outbuf_empty(&s->pending) && !s->ended)
                buf_str(s, ": keepalive\n\n");
            continue;
        }
        if (!poller)
            poller = zpoller_new(s->events, NULL);
        int64_t wait = STREAM_SLICE_MS;
        if (s->fetch_now)
            wait = s->not_before > now ? s->not_before - now
                                       : STREAM_MIN_FETCH_MS - (now - s->last_fetch);
        else if (STREAM_KEEPALIVE_MS - (now - s->quiet_since) < wait)
            wait = STREAM_KEEPALIVE_MS - (now - s->quiet_since);
        zpoller_wait(poller, wait > 0 ? (int)wait : 0);
        if (http_heads_drain(s->events, &s->announced) && s->announced > s->cursor)
            s->fetch_now = true;
    }
    zpoller_destroy(&poller);
    return n;
}

static void stream_free(void *cls)
{
    stream_t *s = cls;
    if (!s)
        return;
    zsock_destroy(&s->bridge);
    zsock_destroy(&s->events);
    json_decref(s->auth);
    free(s->pending.buf);
    free(s);
}

struct MHD_Response *http_stream_response(const http_server_t *srv, json_t *auth,
                                          const char *last_event_id)
{
    stream_t *s = fs_xcalloc(1, sizeof *s);
    s->srv = srv;
    s->auth = auth ? auth : json_object();
    /* Subscribe before the first fetch: whatever the loop commits after
       that fetch is announced to us. */
    s->events = zsock_new(ZMQ_SUB);
    s->bridge = zsock_new(ZMQ_DEALER);
    if (s->events) {
        zsock_set_linger(s->events, 0);
        zsock_set_subscribe(s->events, "");
        zsock_connect(s->events, "%s", http_server_events(srv));
    }
    if (s->bridge) {
        zsock_set_linger(s->bridge, 0);
        zsock_connect(s->bridge, "%s", http_server_bridge(srv));
    }
    uint64_t since = 0;
    if (last_event_id && fs_parse_u64(last_event_id, &since) != 0)
        since = 0;
    s->cursor = since; /* 0: from now on (the first fetch returns the head) */
    s->fetch_now = true;
    s->last_fetch = fs_mono_ms() - STREAM_MIN_FETCH_MS;
    s->quiet_since = fs_mono_ms();
    s->ended = !s->events || !s->bridge;
    char retry[32];
    snprintf(retry, sizeof retry, "retry: %d\n\n", STREAM_RETRY_MS);
    buf_str(s, retry);
    /* The first fetch before the headers go out: "from now" (or the
       backlog after Last-Event-ID) is fixed when the client sees 200. */
    if (!s->ended)
        fetch(s);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s, stream_free);
    if (!resp) {
        stream_free(s);
        return NULL;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    /* Cache-Control: no-store comes with every answer (http_server.c). */
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    return resp;
}
