/*  framing.c — splits an input buffer into records.

    JSON framing reads one JSON value after another (jansson with
    JSON_DISABLE_EOF_CHECK), so NDJSON, a JSON array, pretty-printed
    concatenated objects and vendor envelopes ({"resources": [...]},
    {"value": [...]}, {"data": [...]}, {"result": {...}}) all go through the
    same loop.  A value that does not parse is reported with its byte offset
    and the loop resynchronises at the next line that starts with '{' or '[',
    so one bad line never stops the good ones.  Line framing yields every
    non-empty line; XML framing every <Event>…</Event> element. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Next position after `from` that starts a line beginning with { or [. */
static size_t resync(const char *buf, size_t len, size_t from)
{
    for (size_t i = from; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        size_t j = i + 1;
        while (j < len && (buf[j] == ' ' || buf[j] == '\t' || buf[j] == '\r'))
            j++;
        if (j < len && (buf[j] == '{' || buf[j] == '['))
            return i + 1;
    }
    return len;
}

static json_t *envelope_of(const mapping_t *m, json_t *v)
{
    if (!json_is_object(v))
        return NULL;
    for (size_t i = 0; i < m->nenvelopes; i++) {
        json_t *x = json_object_get(v, m->envelopes[i]);
        if (json_is_array(x) || json_is_object(x))
            return x;
    }
    return NULL;
}

void nz_frame_json(const mapping_t *m, const char *buf, size_t len, nz_record_fn *on_record,
                   nz_bad_fn *on_bad, void *arg)
{
    size_t pos = 0, record_no = 0;
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF)
        pos = 3; /* UTF-8 byte order mark */
    while (pos < len) {
        while (pos < len && (is_ws(buf[pos]) || buf[pos] == ','))
            pos++;
        if (pos >= len)
            break;
        json_error_t je;
        json_t *v = json_loadb(buf + pos, len - pos,
                               JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY,
                               &je);
        if (!v) {
            size_t err_at = pos + (je.position > 0 ? (size_t)je.position : 1);
            size_t next = resync(buf, len, pos);
            if (next <= pos)
                next = len;
            char reason[300];
            snprintf(reason, sizeof reason, "invalid JSON at byte offset %zu (line %d of the record): %s",
                     err_at > len ? len : err_at, je.line, je.text);
            on_bad(arg, ++record_no, pos, reason, buf + pos, next - pos);
            pos = next;
            continue;
        }
        size_t used = je.position > 0 ? (size_t)je.position : len - pos;
        if (used > len - pos)
            used = len - pos;
        json_t *env = envelope_of(m, v);
        json_t *container = env ? env : v;
        if (json_is_array(container)) {
            size_t i;
            json_t *el;
            json_array_foreach(container, i, el)
            {
                record_no++;
                if (!json_is_object(el)) {
                    on_bad(arg, record_no, pos, "array element is not a JSON object", NULL, 0);
                    continue;
                }
                on_record(arg, json_incref(el), record_no, pos, NULL, 0);
            }
        } else if (json_is_object(container)) {
            record_no++;
            if (used > NZ_MAX_RECORD_BYTES) {
                char reason[128];
                snprintf(reason, sizeof reason, "record of %zu bytes exceeds the %u-byte limit",
                         used, NZ_MAX_RECORD_BYTES);
                on_bad(arg, record_no, pos, reason, buf + pos, used);
            } else {
                on_record(arg, json_incref(container), record_no, pos, env ? NULL : buf + pos,
                          env ? 0 : used);
            }
        } else {
            record_no++;
            on_bad(arg, record_no, pos, "top-level JSON value is not an object or array",
                   buf + pos, used);
        }
        json_decref(v);
        pos += used;
    }
}

void nz_frame_lines(const char *buf, size_t len, nz_record_fn *on_line, void *arg)
{
    size_t pos = 0, record_no = 0;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        size_t stop = end;
        while (stop > pos && (buf[stop - 1] == '\r' || buf[stop - 1] == ' ' || buf[stop - 1] == '\t'))
            stop--;
        size_t start = pos;
        while (start < stop && (buf[start] == ' ' || buf[start] == '\t'))
            start++;
        if (stop > start)
            on_line(arg, NULL, ++record_no, pos, buf + start, stop - start);
        pos = end + 1;
    }
}

void nz_frame_xml_events(const char *buf, size_t len, nz_record_fn *on_event, void *arg)
{
    size_t pos = 0, record_no = 0;
    static const char close_tag[] = "</Event>";
    while (pos < len) {
        const char *open = memmem(buf + pos, len - pos, "<Event", 6);
        if (!open)
            break;
        size_t o = (size_t)(open - buf);
        if (o + 6 >= len)
            break;
        char after = buf[o + 6];
        if (after != ' ' && after != '>' && after != '\n' && after != '\r' && after != '\t') {
            pos = o + 6; /* <EventData>, <EventID>, ... */
            continue;
        }
        const char *close = memmem(buf + o, len - o, close_tag, sizeof close_tag - 1);
        size_t end = close ? (size_t)(close - buf) + sizeof close_tag - 1 : len;
        on_event(arg, NULL, ++record_no, o, buf + o, end - o);
        pos = end;
    }
}
