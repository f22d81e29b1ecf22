/*  http_audit_stream.c — HTTP side of GET /api/v1/audit/entries without
    `limit` (docs/api.md "Audit"): the whole log after `since`, in one
    chunked answer, with bounded memory on both ends of the bridge.

    The answer is the paged form's document, {"entries": [...], "last": N},
    written entry by entry as the pages come: the stream asks the loop for
    audit.export page after page (HTTP_AUDIT_PAGE_BYTES each, over this
    connection's bridge socket, with the client's credentials each time)
    and stops at the first empty page — the head at that moment. A client
    that reads it with a streaming parser (or the paged loop it already
    has: the second page is empty) holds one page at a time; the broker
    holds one page per stream.

    The first page is read before the headers go out (http_server.c), so a
    refused caller gets a problem, not a 200. A failure after that (the
    credentials revoked, the loop not answering, the server stopping)
    cannot change the status any more: the answer is cut without its last
    chunk (MHD_CONTENT_READER_END_WITH_ERROR), so the client sees a broken
    transfer and an unclosed document, never a short log that parses.

    With follow=true the answer is NDJSON instead, one entry a line, and it
    does not end at the head: like the event stream (http_stream.c) it
    subscribes to the loop's "the audit head moved" announcements, and
    fetches when the head passes what it has written. A fetch every
    AUDIT_RECHECK_MS of silence checks the credentials: a revoked token or
    session cuts the answer as above. */
#include "http_internal.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_ROUTE "GET /api/v1/audit/entries"
#define AUDIT_SLICE_MS 500     /* how often a following stream looks at "stopping" */
#define AUDIT_RECHECK_MS 15000 /* a following stream's credential check in silence */

typedef struct audit_stream {
    const http_server_t *srv;
    json_t *auth;          /* the client's credentials, sent with every page (owned) */
    zsock_t *bridge;       /* the connection's DEALER to the loop (borrowed) */
    uint64_t cursor;       /* the last seq written: the next page's since */
    bool first;            /* no entry written yet (no comma before the next) */
    bool done;             /* the closing text is in the buffer */
    bool follow;           /* NDJSON, and on past the head */
    bool caught_up;        /* follow: the last page was empty */
    zsock_t *events;       /* follow: SUB on the loop's audit head (owned) */
    uint64_t announced;    /* follow: the highest head announced */
    int64_t last_fetch;    /* monotonic ms */
    bool failed;           /* cut the answer once the buffer is out */
    http_outbuf_t pending; /* text not yet handed to libmicrohttpd */
} audit_stream_t;

static void buf_add(audit_stream_t *s, const char *text, size_t n)
{
    http_outbuf_add(&s->pending, text, n);
}

/* Writes a page's entries; at an empty page, the end of the document. */
static void write_page(audit_stream_t *s, const json_t *result)
{
    const json_t *entries = json_object_get(result, "entries");
    json_int_t last = json_integer_value(json_object_get(result, "last"));
    bool empty = json_array_size(entries) == 0 || last <= 0 || (uint64_t)last <= s->cursor;
    s->caught_up = empty;
    if (empty && s->follow)
        return;
    if (empty) {
        char tail[48];
        int n = snprintf(tail, sizeof tail, "],\"last\":%llu}\n", (unsigned long long)s->cursor);
        buf_add(s, tail, (size_t)n);
        s->done = true;
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
    {
        char *text = json_dumps(e, JSON_COMPACT);
        if (!text)
            continue;
        if (!s->first && !s->follow)
            buf_add(s, ",", 1);
        buf_add(s, text, strlen(text));
        if (s->follow)
            buf_add(s, "\n", 1);
        free(text);
        s->first = false;
    }
    s->cursor = (uint64_t)last;
}

/* Asks the loop for the page after the cursor; false when it was refused
   or did not answer. */
static bool fetch(audit_stream_t *s)
{
    /* Charged once when the request came in: the pages are not the
       client's requests (http_auth.c does not rate-limit them). */
    json_object_set_new(s->auth, "stream_fetch", json_true());
    json_t *request =
        json_pack("{s:s, s:{s:I, s:I}, s:O, s:s}", "cmd", "audit.export", "args", "since",
                  (json_int_t)s->cursor, "page_bytes", (json_int_t)HTTP_AUDIT_PAGE_BYTES, "auth",
                  s->auth, "route", AUDIT_ROUTE);
    s->last_fetch = fs_mono_ms();
    json_t *reply = http_bridge_call(s->bridge, request);
    bool ok = json_integer_value(json_object_get(reply, "status")) == 200;
    if (ok)
        write_page(s, json_object_get(reply, "result"));
    json_decref(reply);
    return ok;
}

/* follow: waits (one slice) for the head to move past the cursor; true
   when a fetch is due (the head moved, or the credentials are to be
   checked again). */
static bool wait_for_head(audit_stream_t *s)
{
    zpoller_t *poller = zpoller_new(s->events, NULL);
    zpoller_wait(poller, AUDIT_SLICE_MS);
    zpoller_destroy(&poller);
    http_heads_drain(s->events, &s->announced);
    return s->announced > s->cursor || fs_mono_ms() - s->last_fetch >= AUDIT_RECHECK_MS;
}

static ssize_t audit_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    audit_stream_t *s = cls;
    for (;;) {
        size_t take = http_outbuf_take(&s->pending, out, max);
        if (take)
            return (ssize_t)take;
        if (s->done)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (s->failed || http_server_stopping(s->srv)) {
            s->failed = true;
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (s->follow && s->caught_up && !wait_for_head(s))
            continue;
        if (!fetch(s))
            s->failed = true;
    }
}

static void audit_free(void *cls)
{
    audit_stream_t *s = cls;
    if (!s)
        return;
    json_decref(s->auth);
    zsock_destroy(&s->events);
    free(s->pending.buf);
    free(s);
}

struct MHD_Response *http_audit_response(const http_server_t *srv, void *conn_sock, json_t *auth,
                                         uint64_t since, const json_t *first_page, bool follow)
{
    audit_stream_t *s = fs_xcalloc(1, sizeof *s);
    s->srv = srv;
    s->auth = auth ? auth : json_object();
    s->bridge = conn_sock;
    s->cursor = since;
    s->first = true;
    s->follow = follow;
    s->last_fetch = fs_mono_ms();
    if (follow) {
        /* Subscribed before the next fetch (the reader's first): whatever
           the loop commits after that fetch is announced to us. */
        s->events = zsock_new(ZMQ_SUB);
        if (!s->events) {
            audit_free(s);
            return NULL;
        }
        zsock_set_linger(s->events, 0);
        zsock_set_subscribe(s->events, "");
        zsock_connect(s->events, "%s", http_server_events(srv));
    } else {
        buf_add(s, "{\"entries\":[", strlen("{\"entries\":["));
    }
    write_page(s, first_page);
    s->caught_up = false; /* the head may have moved before we subscribed */
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, audit_read, s, audit_free);
    if (!resp) {
        audit_free(s);
        return NULL;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            follow ? "application/x-ndjson" : "application/json");
    if (follow)
        MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    return resp;
}
