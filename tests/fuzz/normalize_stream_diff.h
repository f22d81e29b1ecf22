/*  normalize_stream_diff.h — the streaming splitter's differential property,
    shared by tests/unit/test_normalize_stream.c and the fuzz target
    fuzz_normalize_stream.c: an input fed in chunks of any size gives the
    same records (numbers, byte offsets, events, reasons, raw bytes) as the
    same input fed at once. Each run is written as one text log. */
#ifndef FEDSOAR_NORMALIZE_STREAM_DIFF_H
#define FEDSOAR_NORMALIZE_STREAM_DIFF_H

#include "normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct diff_log {
    ocsf_buf_t text;
} diff_log_t;

static void diff_emit(void *arg, json_t *ev, size_t record_no)
{
    diff_log_t *l = arg;
    char head[64];
    fs_err_t e;
    int n = snprintf(head, sizeof head, "E %zu ", record_no);
    ocsf_buf_append(&l->text, head, (size_t)n, &e);
    ocsf_dump(ev, &l->text, &e);
    ocsf_buf_append(&l->text, "\n", 1, &e);
}

static void diff_reject(void *arg, size_t record_no, size_t offset, const char *reason,
                        const char *raw, size_t raw_len)
{
    diff_log_t *l = arg;
    char head[96];
    fs_err_t e;
    int n = snprintf(head, sizeof head, "R %zu @%zu ", record_no, offset);
    ocsf_buf_append(&l->text, head, (size_t)n, &e);
    ocsf_buf_append(&l->text, reason, strlen(reason), &e);
    ocsf_buf_append(&l->text, " | ", 3, &e);
    for (size_t i = 0; i < raw_len; i++) /* NUL would end the log's text */
        ocsf_buf_append(&l->text, raw[i] ? raw + i : "\\0", raw[i] ? 1 : 2, &e);
    ocsf_buf_append(&l->text, "\n", 1, &e);
}

/* Feeds data in chunks of `chunk` bytes (0: all at once) the way a reader
   does (unconsumed bytes passed again), from `position` (NULL: start; then
   data begins at that position's offset). max 0: the default record limit.
   Returns a malloc'd log (caller frees), or NULL for an unknown source. */
static char *diff_run(normalizer_t *nz, const char *source, const char *data, size_t len,
                      size_t chunk, size_t max, const char *position, char *pos_out,
                      size_t pos_size, size_t stop_at)
{
    diff_log_t l;
    ocsf_buf_init(&l.text, 0);
    normalize_opts_t opts = {.site = "diff", .keep_raw = true, .receipt_ms = 1767225600000LL};
    fs_err_t e;
    normalize_stream_t *s =
        normalize_stream_new(nz, source, &opts, position, diff_emit, diff_reject, &l, &e);
    if (!s) {
        ocsf_buf_release(&l.text);
        return NULL;
    }
    if (max)
        normalize_stream_set_max_record(s, max);
    if (!chunk)
        chunk = len ? len : 1;
    size_t fed = 0, done = 0; /* bytes handed in / consumed */
    if (stop_at == 0 || stop_at > len)
        stop_at = len;
    for (;;) {
        size_t add = stop_at - fed < chunk ? stop_at - fed : chunk;
        fed += add;
        bool eof = fed == len;
        size_t k;
        do {
            k = normalize_stream_feed(s, data + done, fed - done, eof);
            done += k;
        } while (k > 0 && done < fed);
        if (fed == stop_at)
            break;
    }
    if (pos_out && normalize_stream_position(s, pos_out, pos_size) != 0)
        pos_out[0] = '\0';
    char tail[96];
    snprintf(tail, sizeof tail, "= records %zu rejected %ld offset %zu truncated %d\n",
             normalize_stream_records(s), normalize_stream_rejected(s), normalize_stream_offset(s),
             normalize_stream_truncated(s));
    ocsf_buf_append(&l.text, tail, strlen(tail), &e);
    normalize_stream_destroy(&s);
    char *out = strdup(l.text.data ? l.text.data : "");
    ocsf_buf_release(&l.text);
    return out;
}

/* Whether the log `rest` of a resumed run is the tail of `whole`: the same
   last records and the same final record count and offset. */
/* The summary line "= records ..." is the last line; a record's own text
   may contain the same words, so look for the last one at a line start. */
static const char *diff_summary(const char *out)
{
    const char *found = strncmp(out, "= records ", 10) == 0 ? out : NULL;
    for (const char *p = strstr(out, "\n= records "); p; p = strstr(p + 1, "\n= records "))
        found = p + 1;
    return found;
}

static bool diff_same_tail(const char *whole, const char *rest)
{
    const char *we = diff_summary(whole), *re = diff_summary(rest);
    if (!we || !re)
        return false;
    size_t body = (size_t)(re - rest), wbody = (size_t)(we - whole);
    if (body > wbody || memcmp(whole + wbody - body, rest, body) != 0)
        return false;
    /* "= records N rejected R offset O truncated T": N and O agree. R and
       T describe records before the position too (a record cut off at the
       end may lie before it), which a resumed stream never saw. */
    const char *wr = strstr(we, " rejected"), *rr = strstr(re, " rejected");
    const char *wo = strstr(we, " offset"), *ro = strstr(re, " offset");
    const char *wt = wo ? strstr(wo, " truncated") : NULL,
               *rt = ro ? strstr(ro, " truncated") : NULL;
    return wr && rr && wt && rt && wr - we == rr - re && memcmp(we, re, (size_t)(wr - we)) == 0 &&
           wt - wo == rt - ro && memcmp(wo, ro, (size_t)(wt - wo)) == 0;
}

#endif
