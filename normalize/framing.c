/*  framing.c — the record splitter: finds record boundaries in an input
    that arrives in chunks of any size (normalize_stream_*, normalize.h), so
    a file of any size is normalized in bounded memory.  normalizer_run is
    the same splitter fed the whole buffer at once: chunked input and whole
    input give the same records, record numbers, byte offsets and reasons.

    JSON framing (NDJSON, a top-level array, concatenated or pretty-printed
    values, vendor envelopes {"resources": [...]}, {"value": [...]},
    {"result": {...}}) is a byte scanner that tracks strings, escapes and
    nesting (a stack of {/[ up to 2048 levels) without building anything;
    only a complete record is handed to jansson.  An envelope is found while
    scanning a top-level object: the first key (in document order) that is
    one of the mapping's envelope names and whose value is an array or an
    object; its elements are then split one by one, and what follows the
    array in that object (paging metadata) is skipped.  A structural error
    (control character in a string, bracket mismatch, a byte that cannot
    start a value) rejects the record and resynchronises at the next line
    that starts with '{' or '[' after the error.  Line framing yields every
    non-empty line; XML framing every <Event>…</Event> element; whole
    framing one record of the whole input (bounded by NZ_EMAIL_MAX_BYTES).

    Memory: the caller holds the unconsumed bytes (at most one record, up to
    the record limit, plus a chunk).  A record over the limit is rejected
    with its first NZ_STREAM_RAW_MAX bytes and skipped while consuming.

    Checkpoints: between records the splitter's state is one of a few
    "clean" modes (top level, inside a top-level array, inside an envelope's
    array, after an envelope's value, ...) that a short position string
    describes; normalize_stream_new resumes from it.  While skipping (an
    oversized record, resynchronising after garbage) there is no clean
    position; feed returns just before entering such a span, so the caller
    can take the last clean position, and no event is emitted inside it.

    This file is the hot path (the byte scanner and normalize_stream_feed);
    framing_stream.c holds the lifecycle, checkpoints and what a record
    becomes (framing_internal.h). */
#include "framing_internal.h"

#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- the value scanner ------------------------------------------------------------ */

static unsigned char str_special[256];
static unsigned char blank[256];

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_build(void)
{
    for (int c = 0; c < 0x20; c++)
        str_special[c] = 1;
    str_special['\\'] = 1;
    blank[' '] = blank['\t'] = blank['\r'] = blank['\n'] = 1;
    str_special['"'] = 1;
}

/* Once per process, whichever thread splits first. */
void nz_stream_tables_init(void)
{
    pthread_once(&tables_once, tables_build);
}

static void scan_reset(normalize_stream_t *s)
{
    s->depth = 0;
    s->in_str = s->esc = false;
    s->ks = K_NONE;
    s->key_match = false;
}

static void push(normalize_stream_t *s, bool arr)
{
    unsigned d = s->depth++;
    if (arr)
        s->stack[d / 8] |= (unsigned char)(1u << (d % 8));
    else
        s->stack[d / 8] &= (unsigned char)~(1u << (d % 8));
}

static bool top_is_arr(const normalize_stream_t *s)
{
    unsigned d = s->depth - 1;
    return (s->stack[d / 8] >> (d % 8)) & 1u;
}

static bool key_is_envelope(const normalize_stream_t *s, const char *key, size_t n)
{
    for (size_t i = 0; i < s->m->nenvelopes; i++)
        if (strlen(s->m->envelopes[i]) == n && memcmp(s->m->envelopes[i], key, n) == 0)
            return true;
    return false;
}

/* Scans buf[*i, lim) (buf[0] is at absolute offset s->base), continuing the
   scanner state. SCAN_DONE: the value ended, *i is the index after it.
   SCAN_ENV: an envelope value starts at *i. SCAN_ERR: structural error at *i
   (s->reason). SCAN_MORE: lim reached. */
static int scan_value(normalize_stream_t *s, const char *buf, size_t lim, size_t *ip)
{
    size_t i = *ip;
    for (;;) {
        if (s->in_str) {
            if (s->esc) {
                if (i >= lim)
                    break;
                s->esc = false;
                i++;
            }
            while (i < lim && !str_special[(unsigned char)buf[i]])
                i++;
            if (i >= lim)
                break;
            char c = buf[i];
            if (c == '"') {
                s->in_str = false;
                i++;
                if (s->depth == 0) {
                    *ip = i;
                    return SCAN_DONE;
                }
                if (s->track && s->depth == 1 && s->ks == K_INKEY) {
                    size_t ks = s->key_start - s->base;
                    s->key_match = key_is_envelope(s, buf + ks, i - 1 - ks);
                    s->ks = K_COLON;
                }
                continue;
            }
            if (c == '\\') {
                s->esc = true;
                i++;
                continue;
            }
            snprintf(s->reason, 64, "control character in a string");
            *ip = i;
            return SCAN_ERR;
        }
        if (i >= lim)
            break;
        char c = buf[i];
        if (s->track && s->depth == 1 && s->ks == K_VALUE && !blank[(unsigned char)c]) {
            if (s->key_match && (c == '[' || c == '{')) {
                *ip = i;
                return SCAN_ENV;
            }
            s->ks = K_NONE;
        }
        switch (c) {
        case '"':
            s->in_str = true;
            if (s->track && s->depth == 1 && s->ks == K_KEY) {
                s->ks = K_INKEY;
                s->key_start = s->base + i + 1;
            }
            break;
        case '{':
        case '[':
            if (s->depth >= NZ_STREAM_MAX_DEPTH) {
                snprintf(s->reason, 64, "nesting deeper than %d levels", NZ_STREAM_MAX_DEPTH);
                *ip = i;
                return SCAN_ERR;
            }
            push(s, c == '[');
            if (s->track && s->depth == 1)
                s->ks = K_KEY;
            break;
        case '}':
        case ']':
            if (s->depth == 0 || top_is_arr(s) != (c == ']')) {
                snprintf(s->reason, 64, "unexpected '%c'", c);
                *ip = i;
                return SCAN_ERR;
            }
            s->depth--;
            if (s->depth == 0) {
                *ip = i + 1;
                return SCAN_DONE;
            }
            break;
        case ',':
            if (s->track && s->depth == 1)
                s->ks = K_KEY;
            break;
        case ':':
            if (s->track && s->depth == 1 && s->ks == K_COLON)
                s->ks = K_VALUE;
            break;
        default:
            break;
        }
        i++;
    }
    *ip = i;
    return SCAN_MORE;
}

/* A token (number, literal) ends at a blank or a structural byte. */
static bool token_end(char c)
{
    return blank[(unsigned char)c] || c == ',' || c == ']' || c == '}' || c == '[' || c == '{' ||
           c == '"' || c == ':';
}

static bool value_start(char c)
{
    return c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' ||
           c == 'f' || c == 'n';
}

/* ---- feeding --------------------------------------------------------------------------- */

static void start_item(normalize_stream_t *s, int item, size_t idx)
{
    s->item = item;
    s->item_mode = s->mode;
    s->item_start = s->scan = s->base + idx;
    scan_reset(s);
    s->track = false;
}

/* Starts the rejected region [item_start, ...) after a structural error at
   absolute offset err; it ends at the resync point. */
static void start_bad(normalize_stream_t *s, const char *buf, size_t err, const char *what)
{
    char reason[360];
    size_t st = s->item_start - s->base;
    snprintf(reason, sizeof reason,
             "invalid JSON at byte offset %zu (line %d of the record): %.200s", err,
             nz_stream_line_of(buf + st, buf + (err - s->base)), what);
    memcpy(s->reason, reason, sizeof reason);
    s->item = IT_BAD;
    s->bad_err = err;
    s->scan = err;
    s->rs_nl = false;
}

/* Resync search in buf[*i, lim): the next line (after a newline) whose
   first non-blank byte is { or [. Returns true with *line = index of the
   line start, *i = index of the bracket. */
static bool resync_find(normalize_stream_t *s, const char *buf, size_t lim, size_t *i, size_t *line)
{
    size_t k = *i;
    while (k < lim) {
        if (!s->rs_nl) {
            const char *nl = memchr(buf + k, '\n', lim - k);
            if (!nl) {
                k = lim;
                break;
            }
            k = (size_t)(nl - buf) + 1;
            s->rs_nl = true;
            s->key_start = s->base + k; /* reused: line start */
            continue;
        }
        char c = buf[k];
        if (c == ' ' || c == '\t' || c == '\r') {
            k++;
            continue;
        }
        if (c == '{' || c == '[') {
            *i = k;
            /* The line may have started in an earlier chunk (only blanks
               since then): resume at this chunk's start, never before it. */
            *line = s->key_start > s->base ? s->key_start - s->base : 0;
            s->rs_nl = false;
            return true;
        }
        s->rs_nl = false; /* a newline: looked at again above */
    }
    *i = k;
    return false;
}

/* Whether to stop before entering a consuming (non-clean) span: only when
   this call made progress, so the caller can take the clean position. */
#define STOP_BEFORE_SKIP(c) ((c) > 0)

size_t normalize_stream_feed(normalize_stream_t *s, const char *buf, size_t len, bool eof)
{
    size_t c = 0; /* consumed */
    if (!buf)
        len = 0;
    for (;;) {
        if (s->item != IT_NONE) {
            size_t st = s->item_start - s->base;
            size_t i = s->scan - s->base;
            size_t cap = st + s->max; /* index where the record would exceed the limit */
            size_t lim = len < cap ? len : cap;
            switch (s->item) {
            case IT_OBJ:
            case IT_ELEM:
            case IT_ENVOBJ:
            case IT_REST:
            case IT_STR: {
                int r = scan_value(s, buf, lim, &i);
                s->scan = s->base + i;
                if (r == SCAN_DONE) {
                    if (s->item == IT_REST) {
                        s->mode = M_TOP;
                    } else {
                        nz_stream_json_value(s, buf, st, i, s->item == IT_ELEM);
                        if (s->item == IT_ENVOBJ) {
                            s->item = IT_NONE;
                            s->base += i, buf += i, len -= i, c += i; /* consume */
                            s->mode = M_ENV_AFTER;
                            start_item(s, IT_REST, 0);
                            s->depth = 1; /* inside the top-level object */
                            s->stack[0] &= (unsigned char)~1u;
                            continue;
                        }
                    }
                    s->item = IT_NONE;
                    s->base += i, buf += i, len -= i, c += i;
                    continue;
                }
                if (r == SCAN_ENV) {
                    s->item = IT_NONE;
                    if (buf[i] == '[') {
                        s->mode = M_ENV_ARR;
                        i++;
                    } else {
                        s->mode = M_ENV_OBJ;
                    }
                    s->base += i, buf += i, len -= i, c += i;
                    continue;
                }
                if (r == SCAN_ERR) {
                    start_bad(s, buf, s->base + i, s->reason);
                    continue;
                }
                /* SCAN_MORE */
                if (lim == cap && len >= cap) { /* oversized */
                    if (STOP_BEFORE_SKIP(c))
                        return c;
                    if (s->item != IT_REST)
                        nz_stream_reject_oversized(s, buf);
                    s->skip_return = s->item == IT_OBJ || s->item == IT_REST ? M_TOP
                                     : s->item == IT_ENVOBJ                  ? M_ENV_AFTER
                                                                             : s->item_mode;
                    s->track = false; /* no envelope search in a skipped record */
                    s->item = IT_NONE;
                    s->mode = M_SKIP;
                    s->base += cap, buf += cap, len -= cap, c += cap;
                    continue;
                }
                if (!eof)
                    return c;
                s->item = IT_NONE;
                if (s->item_mode == M_ENV_AFTER) {
                    s->mode = M_TOP; /* paging metadata cut short: the records are out */
                } else {
                    char reason[300];
                    snprintf(reason, sizeof reason,
                             "invalid JSON at byte offset %zu (line %d of the "
                             "record): end of input inside the record (truncated?)",
                             s->base + len, nz_stream_line_of(buf + st, buf + len));
                    nz_stream_reject(s, s->item_start, reason, buf + st, len - st);
                    s->truncated = true;
                }
                s->base += len, buf += len, c += len, len = 0;
                continue;
            }
            case IT_TOKEN: {
                while (i < lim && !token_end(buf[i]))
                    i++;
                s->scan = s->base + i;
                if (i == lim && lim == cap && len >= cap) {
                    if (STOP_BEFORE_SKIP(c))
                        return c;
                    nz_stream_reject_oversized(s, buf);
                    s->item = IT_NONE;
                    s->mode = M_RESYNC;
                    s->rs_nl = false;
                    s->base += cap, buf += cap, len -= cap, c += cap;
                    continue;
                }
                if (i == len && !eof)
                    return c;
                nz_stream_json_value(s, buf, st, i, s->item_mode != M_TOP);
                s->item = IT_NONE;
                s->base += i, buf += i, len -= i, c += i;
                continue;
            }
            case IT_BAD: {
                size_t line;
                bool found = resync_find(s, buf, lim, &i, &line);
                s->scan = s->base + i;
                size_t end;
                if (found) {
                    end = line;
                    s->mode = M_TOP;
                } else if (lim == cap && len >= cap) {
                    if (STOP_BEFORE_SKIP(c))
                        return c;
                    end = cap;
                    s->mode = M_RESYNC; /* rs_nl carries on */
                } else if (eof) {
                    end = len;
                    s->mode = M_TOP;
                } else {
                    return c;
                }
                s->item = IT_NONE;
                nz_stream_reject(s, s->item_start, s->reason, buf + st, end - st);
                s->base += end, buf += end, len -= end, c += end;
                continue;
            }
            case IT_LINE: {
                const char *nl = i < lim ? memchr(buf + i, '\n', lim - i) : NULL;
                size_t end;
                if (nl) {
                    end = (size_t)(nl - buf);
                } else if (lim == cap && len >= cap) {
                    if (STOP_BEFORE_SKIP(c))
                        return c;
                    nz_stream_reject_oversized(s, buf);
                    s->item = IT_NONE;
                    s->mode = M_LINE_SKIP;
                    s->base += cap, buf += cap, len -= cap, c += cap;
                    continue;
                } else if (eof) {
                    end = len;
                } else {
                    s->scan = s->base + len;
                    return c;
                }
                size_t stop = end, start = st;
                while (stop > start &&
                       (buf[stop - 1] == '\r' || buf[stop - 1] == ' ' || buf[stop - 1] == '\t'))
                    stop--;
                while (start < stop && (buf[start] == ' ' || buf[start] == '\t'))
                    start++;
                if (stop > start)
                    nz_run_record(&s->run, NULL, ++s->records, s->item_start, buf + start,
                                  stop - start);
                s->item = IT_NONE;
                if (end < len)
                    end++; /* the newline */
                s->base += end, buf += end, len -= end, c += end;
                continue;
            }
            case IT_XML: {
                static const char close_tag[] = "</Event>";
                size_t from = i >= st + 7 ? i - 7 : st;
                const char *cl = lim > from ? memmem(buf + from, lim - from, close_tag, 8) : NULL;
                size_t end;
                if (cl) {
                    end = (size_t)(cl - buf) + 8;
                } else if (lim == cap && len >= cap) {
                    if (STOP_BEFORE_SKIP(c))
                        return c;
                    nz_stream_reject_oversized(s, buf);
                    s->item = IT_NONE;
                    s->mode = M_XML_SKIP;
                    size_t k = cap - 7;
                    s->base += k, buf += k, len -= k, c += k;
                    continue;
                } else if (eof) {
                    end = len;
                    s->truncated = true; /* no </Event>: probably cut short */
                } else {
                    s->scan = s->base + len;
                    return c;
                }
                nz_run_record(&s->run, NULL, ++s->records, s->item_start, buf + st, end - st);
                s->item = IT_NONE;
                s->base += end, buf += end, len -= end, c += end;
                continue;
            }
            case IT_WHOLE: {
                size_t wmax = s->max == NZ_MAX_RECORD_BYTES ? NZ_EMAIL_MAX_BYTES : s->max;
                if (len > wmax) {
                    s->max = wmax;
                    nz_stream_reject_oversized(s, buf);
                    s->item = IT_NONE;
                    s->mode = M_WHOLE_SKIP;
                    s->base += len, buf += len, c += len, len = 0;
                    continue;
                }
                if (!eof)
                    return c;
                if (len > 0)
                    nz_run_record(&s->run, NULL, ++s->records, s->item_start, buf, len);
                s->item = IT_NONE;
                s->mode = M_WHOLE_DONE;
                s->base += len, buf += len, c += len, len = 0;
                continue;
            }
            default:
                return c;
            }
        }

        /* no pending item: at a boundary in s->mode */
        size_t i = 0;
        switch (s->mode) {
        case M_TOP:
        case M_ARR:
        case M_ENV_ARR: {
            if (s->base == 0 && s->mode == M_TOP) {
                if (len < 3 && !eof && len > 0 && (unsigned char)buf[0] == 0xEF)
                    return c; /* a byte order mark, perhaps */
                if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
                    (unsigned char)buf[2] == 0xBF)
                    i = 3;
            }
            while (i < len && (blank[(unsigned char)buf[i]] || buf[i] == ','))
                i++;
            s->base += i, buf += i, len -= i, c += i;
            if (len == 0)
                return c;
            char ch = buf[0];
            if (s->mode != M_TOP && ch == ']') {
                s->base += 1, buf += 1, len -= 1, c += 1;
                if (s->mode == M_ARR) {
                    s->mode = M_TOP;
                } else {
                    s->mode = M_ENV_AFTER;
                    start_item(s, IT_REST, 0);
                    s->depth = 1;
                    s->stack[0] &= (unsigned char)~1u;
                }
                continue;
            }
            if (s->mode == M_TOP && ch == '[') {
                s->mode = M_ARR;
                s->base += 1, buf += 1, len -= 1, c += 1;
                continue;
            }
            if (ch == '{' || ch == '[') {
                start_item(s, s->mode == M_TOP ? IT_OBJ : IT_ELEM, 0);
                s->track = s->mode == M_TOP && s->m->nenvelopes > 0;
            } else if (ch == '"') {
                start_item(s, IT_STR, 0);
                s->in_str = true;
                s->scan += 1;
            } else if (value_start(ch)) {
                start_item(s, IT_TOKEN, 0);
            } else {
                start_item(s, IT_BAD, 0);
                char what[48];
                snprintf(what, sizeof what,
                         (unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f
                             ? "unexpected byte 0x%02x"
                             : "unexpected '%c'",
                         (unsigned char)ch);
                start_bad(s, buf, s->base, what);
            }
            continue;
        }
        case M_ENV_OBJ:
            while (i < len && blank[(unsigned char)buf[i]])
                i++;
            s->base += i, buf += i, len -= i, c += i;
            if (len == 0) {
                if (eof)
                    s->mode = M_TOP;
                return c;
            }
            start_item(s, IT_ENVOBJ, 0);
            continue;
        case M_ENV_AFTER:
            start_item(s, IT_REST, 0);
            s->depth = 1;
            s->stack[0] &= (unsigned char)~1u;
            continue;
        case M_AUTO:
            while (i < len && blank[(unsigned char)buf[i]])
                i++;
            s->base += i, buf += i, len -= i, c += i;
            if (len == 0)
                return c;
            if (buf[0] == '<') {
                s->mode = M_XML;
            } else {
                s->mode = M_TOP;
                s->run.m = &s->json_copy;
            }
            continue;
        case M_LINES:
            if (len == 0)
                return c;
            start_item(s, IT_LINE, 0);
            continue;
        case M_XML: {
            const char *open = len >= 6 ? memmem(buf, len, "<Event", 6) : NULL;
            if (!open) {
                size_t keep = eof ? 0 : len < 5 ? len : 5;
                size_t k = len - keep;
                s->base += k, buf += k, len -= k, c += k;
                return c;
            }
            size_t o = (size_t)(open - buf);
            if (o + 6 >= len) {
                if (eof) {
                    s->base += len, buf += len, c += len, len = 0;
                } else {
                    s->base += o, buf += o, len -= o, c += o;
                }
                return c;
            }
            char after = buf[o + 6];
            if (after != ' ' && after != '>' && after != '\n' && after != '\r' && after != '\t') {
                o += 6; /* <EventData>, <EventID>, ... */
                s->base += o, buf += o, len -= o, c += o;
                continue;
            }
            s->base += o, buf += o, len -= o, c += o;
            start_item(s, IT_XML, 0);
            continue;
        }
        case M_WHOLE:
            if (len == 0 && !eof)
                return c;
            start_item(s, IT_WHOLE, 0);
            continue;
        case M_WHOLE_DONE:
        case M_WHOLE_SKIP:
            s->base += len, c += len, len = 0;
            return c;
        case M_SKIP: {
            int r = scan_value(s, buf, len, &i);
            if (r == SCAN_DONE) {
                s->mode = s->skip_return;
            } else if (r == SCAN_ERR) {
                s->mode = M_RESYNC; /* already rejected: skip to the next record silently */
                s->rs_nl = false;
            }
            s->base += i, buf += i, len -= i, c += i;
            if (r == SCAN_MORE)
                return c;
            continue;
        }
        case M_RESYNC: {
            size_t line;
            if (resync_find(s, buf, len, &i, &line)) {
                s->mode = M_TOP;
                i = line;
            }
            s->base += i, buf += i, len -= i, c += i;
            if (s->mode == M_RESYNC)
                return c;
            continue;
        }
        case M_LINE_SKIP: {
            const char *nl = memchr(buf, '\n', len);
            size_t k = nl ? (size_t)(nl - buf) + 1 : len;
            if (nl)
                s->mode = M_LINES;
            s->base += k, buf += k, len -= k, c += k;
            if (!nl)
                return c;
            continue;
        }
        case M_XML_SKIP: {
            const char *cl = len >= 8 ? memmem(buf, len, "</Event>", 8) : NULL;
            size_t k;
            if (cl) {
                k = (size_t)(cl - buf) + 8;
                s->mode = M_XML;
            } else {
                k = eof || len < 7 ? (eof ? len : 0) : len - 7;
            }
            s->base += k, buf += k, len -= k, c += k;
            if (!cl)
                return c;
            continue;
        }
        default:
            return c;
        }
    }
}
