/*  fuzz_syslog_framing.c — the syslog source's framing (sources/syslog.c):
    the first byte picks UDP (one datagram, odd) or a TCP stream (even) and
    the chunk size the stream arrives in; RFC 3164 / 5424 messages with LF
    framing.  Checks: every message is within max and holds no LF; the
    stream consumed in chunks gives the same messages as consumed whole. */
#include "vendor_parsers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Checked in every build (assert is gone under NDEBUG). */
#define MUST(c)                                                                                    \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

#define MAX 512

typedef struct {
    unsigned long long hash;
    size_t count;
} sum_t;

static void on_message(void *arg, const char *msg, size_t len)
{
    sum_t *s = arg;
    MUST(len <= MAX);
    size_t n = syslog_message_len(msg, len, MAX);
    MUST(n <= len);
    for (size_t i = 0; i < len; i++)
        MUST(msg[i] != '\n');
    for (size_t i = 0; i < n; i++)
        s->hash = s->hash * 1099511628211ull ^ (unsigned char)msg[i];
    s->hash ^= n;
    s->count++;
}

/* Feeds data in chunks of `step` as a connection would (a buffer of at most
   MAX bytes), then closes. */
static void stream(const char *data, size_t size, size_t step, sum_t *s)
{
    char buf[MAX];
    size_t have = 0, off = 0;
    while (off < size) {
        size_t room = MAX - have, n = size - off < step ? size - off : step;
        if (n > room)
            n = room;
        memcpy(buf + have, data + off, n);
        have += n;
        off += n;
        size_t used = syslog_frame_lines(buf, have, MAX, false, on_message, s);
        MUST(used <= have);
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    size_t used = syslog_frame_lines(buf, have, MAX, true, on_message, s);
    MUST(used == have);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        size_t n = syslog_message_len(text, len, MAX);
        MUST(n <= len && n <= MAX);
        return 0;
    }
    sum_t whole = {0}, chunked = {0};
    stream(text, len, MAX, &whole);
    stream(text, len, 1 + data[0] % 37, &chunked);
    /* Over-long lines are cut at the buffer's edge, which depends on how
       the bytes arrived; without one both ways must agree. */
    bool has_long = false;
    size_t run = 0;
    for (size_t i = 0; i < len && !has_long; i++) {
        run = text[i] == '\n' ? 0 : run + 1;
        has_long = run >= MAX;
    }
    if (!has_long) {
        MUST(whole.count == chunked.count);
        MUST(whole.hash == chunked.hash);
    }
    return 0;
}
