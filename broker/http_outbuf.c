/*  http_outbuf.c — the text a streamed answer has made and libmicrohttpd
    has not taken yet (SSE in http_stream.c, the audit log in
    http_audit_stream.c). */
#include "http_internal.h"

#include <string.h>

void http_outbuf_add(http_outbuf_t *o, const char *text, size_t n)
{
    if (o->off == o->len)
        o->off = o->len = 0;
    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->buf = fs_xrealloc(o->buf, o->cap);
    }
    memcpy(o->buf + o->len, text, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

size_t http_outbuf_take(http_outbuf_t *o, char *out, size_t max)
{
    size_t take = o->len - o->off < max ? o->len - o->off : max;
    if (take) {
        memcpy(out, o->buf + o->off, take);
        o->off += take;
    }
    return take;
}
