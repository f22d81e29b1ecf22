/*  framing_stream.c — the record splitter's lifecycle, its checkpoint
    positions, and what a finished record becomes: an event through the
    mapping, or a reject with its record number, offset and reason
    (framing_internal.h; the design is at the top of framing.c). */
#include "framing_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const nz_stream_mode_names[] = {"top",  "arr",   "envarr", "envobj", "envafter",
                                            "auto", "lines", "xml",    "whole",  "wholedone"};

/* ---- reporting --------------------------------------------------------------------- */

int nz_stream_line_of(const char *from, const char *at)
{
    int line = 1;
    for (const char *p = from; p < at; p++)
        line += *p == '\n';
    return line;
}

void nz_stream_reject(normalize_stream_t *s, size_t offset, const char *reason, const char *raw,
                      size_t raw_len)
{
    nz_run_bad(&s->run, ++s->records, offset, reason, raw, raw_len);
}

void nz_stream_reject_oversized(normalize_stream_t *s, const char *buf)
{
    char reason[128];
    snprintf(reason, sizeof reason,
             "record of more than %zu bytes exceeds the %zu-byte limit "
             "(raw data: its first %u bytes)",
             s->max, s->max, NZ_STREAM_RAW_MAX);
    size_t st = s->item_start - s->base;
    nz_stream_reject(s, s->item_start, reason, buf + st,
                     s->max < NZ_STREAM_RAW_MAX ? s->max : NZ_STREAM_RAW_MAX);
}

/* A complete JSON value buf[st, en): a record when it is an object. */
void nz_stream_json_value(normalize_stream_t *s, const char *buf, size_t st, size_t en,
                          bool element)
{
    size_t off = s->base + st;
    if (buf[st] != '{') {
        if (element) {
            nz_stream_reject(s, off, "array element is not a JSON object", buf + st, en - st);
            return;
        }
        json_error_t je;
        json_t *v = json_loadb(buf + st, en - st, JSON_DECODE_ANY, &je);
        if (v) {
            json_decref(v);
            nz_stream_reject(s, off, "top-level JSON value is not an object or array", buf + st,
                             en - st);
        } else {
            char reason[300];
            snprintf(reason, sizeof reason,
                     "invalid JSON at byte offset %zu (line %d of the record): %s",
                     off + (je.position > 0 ? (size_t)je.position : 0), je.line, je.text);
            nz_stream_reject(s, off, reason, buf + st, en - st);
        }
        return;
    }
    json_error_t je;
    json_t *v = json_loadb(buf + st, en - st, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        char reason[300];
        snprintf(reason, sizeof reason,
                 "invalid JSON at byte offset %zu (line %d of the record): %s",
                 off + (je.position > 0 ? (size_t)je.position : 0), je.line, je.text);
        nz_stream_reject(s, off, reason, buf + st, en - st);
        return;
    }
    nz_run_record(&s->run, v, ++s->records, off, buf + st, en - st);
}

/* ---- lifecycle ------------------------------------------------------------------------ */

static int clean_mode_for(const mapping_t *m)
{
    switch (m->framing) {
    case NZ_FRAME_LINES:
        return M_LINES;
    case NZ_FRAME_WHOLE:
        return M_WHOLE;
    case NZ_FRAME_AUTO_XML_JSON:
        return M_AUTO;
    default:
        return M_TOP;
    }
}

normalize_stream_t *nz_stream_new(const mapping_t *m, const nz_run_t *run, const char *position,
                                  fs_err_t *e)
{
    nz_stream_tables_init();
    normalize_stream_t *s = fs_xcalloc(1, sizeof *s);
    s->m = m;
    s->json_copy = *m;
    s->json_copy.decoder = NZ_DEC_NONE;
    s->run = *run;
    s->run.m = m;
    s->max = NZ_MAX_RECORD_BYTES;
    s->mode = clean_mode_for(m);
    if (!position)
        return s;
    /* "v1 MODE OFFSET RECORDS" */
    char mode[16];
    uint64_t off = 0, recs = 0;
    const char *p = position;
    int ok = strncmp(p, "v1 ", 3) == 0;
    const char *sp1 = ok ? strchr(p + 3, ' ') : NULL;
    const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    ok = sp2 && (size_t)(sp1 - (p + 3)) < sizeof mode;
    if (ok) {
        memcpy(mode, p + 3, (size_t)(sp1 - (p + 3)));
        mode[sp1 - (p + 3)] = '\0';
        char num[32];
        size_t nl = (size_t)(sp2 - sp1 - 1);
        ok = nl < sizeof num;
        if (ok) {
            memcpy(num, sp1 + 1, nl);
            num[nl] = '\0';
            ok = fs_parse_u64(num, &off) == 0 && fs_parse_u64(sp2 + 1, &recs) == 0;
        }
    }
    int found = -1;
    for (int i = 0; ok && i < CLEAN_MODES; i++)
        if (strcmp(mode, nz_stream_mode_names[i]) == 0)
            found = i;
    /* the mode must belong to the source's framing */
    int fr = clean_mode_for(m);
    bool fits =
        found >= 0 && (fr == M_TOP     ? found <= M_ENV_AFTER
                       : fr == M_AUTO  ? found <= M_AUTO || found == M_XML
                       : fr == M_WHOLE ? (found == M_WHOLE && off == 0) || found == M_WHOLE_DONE
                                       : found == fr);
    if (!fits) {
        fs_err_set(e, "normalize: stream position \"%s\" is not valid for source %s", position,
                   m->source_id);
        free(s);
        return NULL;
    }
    s->mode = found;
    s->base = (size_t)off;
    s->records = (size_t)recs;
    if (m->framing == NZ_FRAME_AUTO_XML_JSON && found != M_AUTO && found != M_XML)
        s->run.m = &s->json_copy;
    return s;
}

void normalize_stream_destroy(normalize_stream_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

void normalize_stream_set_max_record(normalize_stream_t *s, size_t max)
{
    s->max = max < 64 ? 64 : max;
}

size_t normalize_stream_offset(const normalize_stream_t *s)
{
    return s->base;
}

size_t normalize_stream_records(const normalize_stream_t *s)
{
    return s->records;
}

long normalize_stream_rejected(const normalize_stream_t *s)
{
    return s->run.rejected;
}

bool normalize_stream_truncated(const normalize_stream_t *s)
{
    return s->truncated;
}

bool normalize_stream_whole_message(const normalize_stream_t *s)
{
    return s->m->framing == NZ_FRAME_WHOLE;
}

int normalize_stream_position(const normalize_stream_t *s, char *out, size_t size)
{
    int mode = s->item != IT_NONE ? s->item_mode : s->mode;
    if (mode >= CLEAN_MODES)
        return -1;
    int n = snprintf(out, size, "v1 %s %zu %zu", nz_stream_mode_names[mode], s->base, s->records);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}
