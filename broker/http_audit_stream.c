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
    transfer and an unclosed document, never a short log that parses. */
#include "http_internal.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_ROUTE "GET /api/v1/audit/entries"

typedef struct audit_stream {
    const http_server_t *srv;
    json_t *auth;    /* the client's credentials, sent with every page (owned) */
    zsock_t *bridge; /* the connection's DEALER to the loop (borrowed) */
    uint64_t cursor; /* the last seq written: the next page's since */
    bool first;      /* no entry written yet (no comma before the next) */
    bool done;       /* the closing text is in the buffer */
    bool failed;     /* cut the answer once the buffer is out */
    char *buf;       /* text not yet handed to libmicrohttpd */
    size_t len, off, cap;
} audit_stream_t;

static void buf_add(audit_stream_t *s, const char *text, size_t n)
{
    if (s->off == s->len)
        s->off = s->len = 0;
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->buf = fs_xrealloc(s->buf, s->cap);
    }
    memcpy(s->buf + s->len, text, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

/* Writes a page's entries; at an empty page, the end of the document. */
static void write_page(audit_stream_t *s, const json_t *result)
{
    const json_t *entries = json_object_get(result, "entries");
    json_int_t last = json_integer_value(json_object_get(result, "last"));
    if (json_array_size(entries) == 0 || last <= 0 || (uint64_t)last <= s->cursor) {
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
        if (!s->first)
            buf_add(s, ",", 1);
        buf_add(s, text, strlen(text));
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
    json_t *reply = http_bridge_call(s->bridge, request);
    bool ok = json_integer_value(json_object_get(reply, "status")) == 200;
    if (ok)
        write_page(s, json_object_get(reply, "result"));
    json_decref(reply);
    return ok;
}

static ssize_t audit_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    audit_stream_t *s = cls;
    for (;;) {
        if (s->off < s->len) {
            size_t take = s->len - s->off < max ? s->len - s->off : max;
            memcpy(out, s->buf + s->off, take);
            s->off += take;
            return (ssize_t)take;
        }
        if (s->done)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (s->failed || http_server_stopping(s->srv) || !fetch(s)) {
            s->failed = true;
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
    }
}

static void audit_free(void *cls)
{
    audit_stream_t *s = cls;
    if (!s)
        return;
    json_decref(s->auth);
    free(s->buf);
    free(s);
}

struct MHD_Response *http_audit_response(const http_server_t *srv, void *conn_sock, json_t *auth,
                                         uint64_t since, const json_t *first_page)
{
    audit_stream_t *s = fs_xcalloc(1, sizeof *s);
    s->srv = srv;
    s->auth = auth ? auth : json_object();
    s->bridge = conn_sock;
    s->cursor = since;
    s->first = true;
    buf_add(s, "{\"entries\":[", strlen("{\"entries\":["));
    write_page(s, first_page);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, audit_read, s, audit_free);
    if (!resp) {
        audit_free(s);
        return NULL;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    return resp;
}
