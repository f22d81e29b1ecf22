/*  decode_winxml.c — one Windows event in its XML rendering (<Event> with
    <System> and <EventData>/<UserData>) -> a flat JSON record with the same
    names as the common flattened JSON exports, so one mapping serves both:

      EventID (integer), Version, Level, Task, Opcode, Keywords, TimeCreated
      (System/TimeCreated@SystemTime), EventRecordID, ActivityID,
      ExecutionProcessID, ThreadID, Channel, Computer, UserID, ProviderName,
      ProviderGuid, and every <Data Name="X">v</Data> as X (strings).

    A deliberately small, bounded XML reader (no DTD, no external entities:
    a <!DOCTYPE is rejected; the five predefined entities and numeric
    character references are decoded).  Limits: 4096 elements, depth 16. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XML_MAX_ELEMENTS 4096
#define XML_MAX_DEPTH 16

typedef struct xr {
    const char *p, *end;
    fs_err_t *e;
    json_t *rec;
    char stack[XML_MAX_DEPTH][64];
    int depth;
    size_t elements;
    char data_name[128]; /* Name attribute of the open <Data> */
    char *text;          /* text of the current leaf */
    size_t tlen, tcap;
} xr_t;

static int text_add(xr_t *x, const char *s, size_t n)
{
    if (x->tlen + n + 1 > x->tcap) {
        size_t cap = (x->tlen + n + 1) * 2;
        if (cap > NZ_MAX_RECORD_BYTES)
            return fs_err_set(x->e, "XML text too large");
        x->text = fs_xrealloc(x->text, cap);
        x->tcap = cap;
    }
    memcpy(x->text + x->tlen, s, n);
    x->tlen += n;
    x->text[x->tlen] = '\0';
    return 0;
}

static void put_utf8(char *out, size_t *n, unsigned long cp)
{
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xC0 | (cp >> 6));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xE0 | (cp >> 12));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*n)++] = (char)(0xF0 | (cp >> 18));
        out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* Appends s[0..n) to the text buffer with entities decoded. */
static int text_decoded(xr_t *x, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t run = amp ? (size_t)(amp - (s + i)) : n - i;
        if (run && text_add(x, s + i, run) != 0)
            return -1;
        i += run;
        if (!amp)
            break;
        const char *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
        if (!semi)
            return fs_err_set(x->e, "XML: unterminated entity");
        size_t el = (size_t)(semi - (s + i)) + 1;
        char buf[8];
        size_t bn = 0;
        if (el == 4 && !memcmp(s + i, "&lt;", 4))
            buf[bn++] = '<';
        else if (el == 4 && !memcmp(s + i, "&gt;", 4))
            buf[bn++] = '>';
        else if (el == 5 && !memcmp(s + i, "&amp;", 5))
            buf[bn++] = '&';
        else if (el == 6 && !memcmp(s + i, "&quot;", 6))
            buf[bn++] = '"';
        else if (el == 6 && !memcmp(s + i, "&apos;", 6))
            buf[bn++] = '\'';
        else if (el > 3 && s[i + 1] == '#') {
            char num[12];
            bool hex = s[i + 2] == 'x' || s[i + 2] == 'X';
            size_t start = hex ? 3 : 2, nl = el - start - 1;
            if (nl == 0 || nl >= sizeof num)
                return fs_err_set(x->e, "XML: bad character reference");
            memcpy(num, s + i + start, nl);
            num[nl] = '\0';
            char *endp;
            unsigned long cp = strtoul(num, &endp, hex ? 16 : 10);
            if (*endp || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return fs_err_set(x->e, "XML: bad character reference");
            put_utf8(buf, &bn, cp);
        } else {
            return fs_err_set(x->e, "XML: unknown entity (only the predefined ones are allowed)");
        }
        if (text_add(x, buf, bn) != 0)
            return -1;
        i += el;
    }
    return 0;
}

static int set_field(xr_t *x, const char *key, const char *val, size_t n)
{
    json_t *v = json_stringn(val, n);
    if (!v)
        return fs_err_set(x->e, "XML field %s is not valid UTF-8", key);
    return json_object_set_new(x->rec, key, v);
}

/* Reads attributes up to '>' or '/>'; calls back for each. */
static int attrs(xr_t *x, const char *elem, bool *self_close)
{
    *self_close = false;
    for (;;) {
        while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\r' || *x->p == '\n'))
            x->p++;
        if (x->p >= x->end)
            return fs_err_set(x->e, "XML: truncated tag <%s", elem);
        if (*x->p == '>') {
            x->p++;
            return 0;
        }
        if (*x->p == '/' && x->p + 1 < x->end && x->p[1] == '>') {
            x->p += 2;
            *self_close = true;
            return 0;
        }
        const char *ns = x->p;
        while (x->p < x->end && *x->p != '=' && *x->p != ' ' && *x->p != '>' && *x->p != '/')
            x->p++;
        size_t nl = (size_t)(x->p - ns);
        while (x->p < x->end && *x->p == ' ')
            x->p++;
        if (x->p >= x->end || *x->p != '=' || nl == 0 || nl > 60)
            return fs_err_set(x->e, "XML: bad attribute in <%s>", elem);
        x->p++;
        while (x->p < x->end && *x->p == ' ')
            x->p++;
        if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
            return fs_err_set(x->e, "XML: attribute value must be quoted in <%s>", elem);
        char q = *x->p++;
        const char *vs = x->p;
        while (x->p < x->end && *x->p != q)
            x->p++;
        if (x->p >= x->end)
            return fs_err_set(x->e, "XML: unterminated attribute in <%s>", elem);
        const char *ve = x->p++;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)nl, ns);
        x->tlen = 0;
        if (text_decoded(x, vs, (size_t)(ve - vs)) != 0)
            return -1;
        const char *val = x->text ? x->text : "";
        size_t vl = x->tlen;
        /* System children carry their facts in attributes */
        static const struct {
            const char *elem, *attr, *key;
        } amap[] = {{"Provider", "Name", "ProviderName"},
                    {"Provider", "Guid", "ProviderGuid"},
                    {"TimeCreated", "SystemTime", "TimeCreated"},
                    {"Correlation", "ActivityID", "ActivityID"},
                    {"Execution", "ProcessID", "ExecutionProcessID"},
                    {"Execution", "ThreadID", "ThreadID"},
                    {"Security", "UserID", "UserID"}};
        for (size_t i = 0; i < sizeof amap / sizeof amap[0]; i++)
            if (!strcmp(elem, amap[i].elem) && !strcmp(name, amap[i].attr) &&
                set_field(x, amap[i].key, val, vl) != 0)
                return -1;
        if (!strcmp(elem, "Data") && !strcmp(name, "Name"))
            snprintf(x->data_name, sizeof x->data_name, "%.*s", (int)vl, val);
    }
}

static int leaf_done(xr_t *x, const char *elem)
{
    const char *key = NULL;
    if (!strcmp(elem, "Data"))
        key = x->data_name[0] ? x->data_name : NULL;
    else if (x->depth >= 2 && (!strcmp(x->stack[x->depth - 2], "System") ||
                               !strcmp(x->stack[x->depth - 2], "UserData") ||
                               (x->depth >= 3 && !strcmp(x->stack[x->depth - 3], "UserData"))))
        key = elem;
    if (!key || x->tlen == 0)
        return 0;
    if (!strcmp(key, "EventID")) {
        uint64_t id;
        char buf[24];
        snprintf(buf, sizeof buf, "%.*s", (int)(x->tlen < 23 ? x->tlen : 23), x->text);
        if (fs_parse_u64(buf, &id) == 0 && id < 1000000)
            return json_object_set_new(x->rec, "EventID", json_integer((json_int_t)id));
    }
    return set_field(x, key, x->text, x->tlen);
}

json_t *nz_decode_winxml(const char *xml, size_t len, fs_err_t *e)
{
    xr_t x = {.p = xml, .end = xml + len, .e = e, .rec = json_object()};
    bool saw_event = false;
    int rc = 0;
    while (rc == 0 && x.p < x.end) {
        const char *lt = memchr(x.p, '<', (size_t)(x.end - x.p));
        if (!lt) {
            break;
        }
        if (x.depth > 0 && lt > x.p)
            rc = text_decoded(&x, x.p, (size_t)(lt - x.p));
        if (rc)
            break;
        x.p = lt;
        if (x.end - x.p >= 4 && !memcmp(x.p, "<!--", 4)) {
            const char *c = memmem(x.p, (size_t)(x.end - x.p), "-->", 3);
            x.p = c ? c + 3 : x.end;
            continue;
        }
        if (x.end - x.p >= 2 && !memcmp(x.p, "<?", 2)) {
            const char *c = memmem(x.p, (size_t)(x.end - x.p), "?>", 2);
            x.p = c ? c + 2 : x.end;
            continue;
        }
        if (x.end - x.p >= 9 && !memcmp(x.p, "<![CDATA[", 9)) {
            const char *c = memmem(x.p, (size_t)(x.end - x.p), "]]>", 3);
            if (!c) {
                rc = fs_err_set(e, "XML: unterminated CDATA");
                break;
            }
            rc = text_add(&x, x.p + 9, (size_t)(c - x.p - 9));
            x.p = c + 3;
            continue;
        }
        if (x.end - x.p >= 2 && x.p[1] == '!') {
            rc = fs_err_set(e, "XML: <!DOCTYPE> and declarations are not accepted");
            break;
        }
        bool closing = x.end - x.p >= 2 && x.p[1] == '/';
        x.p += closing ? 2 : 1;
        const char *ns = x.p;
        while (x.p < x.end && *x.p != ' ' && *x.p != '>' && *x.p != '/' && *x.p != '\t' &&
               *x.p != '\r' && *x.p != '\n')
            x.p++;
        char name[64];
        size_t nl = (size_t)(x.p - ns);
        if (nl == 0 || nl >= sizeof name) {
            rc = fs_err_set(e, "XML: bad element name at byte %zu", (size_t)(ns - xml));
            break;
        }
        memcpy(name, ns, nl);
        name[nl] = '\0';
        char *colon = strchr(name, ':'); /* drop a namespace prefix */
        if (colon)
            memmove(name, colon + 1, strlen(colon + 1) + 1);
        if (closing) {
            const char *gt = memchr(x.p, '>', (size_t)(x.end - x.p));
            if (!gt || x.depth == 0 || strcmp(x.stack[x.depth - 1], name) != 0) {
                rc = fs_err_set(e, "XML: unexpected </%s>", name);
                break;
            }
            x.p = gt + 1;
            rc = leaf_done(&x, name);
            x.depth--;
            x.tlen = 0;
            x.data_name[0] = '\0';
            continue;
        }
        if (++x.elements > XML_MAX_ELEMENTS || x.depth >= XML_MAX_DEPTH) {
            rc = fs_err_set(e, "XML: more than %d elements or deeper than %d", XML_MAX_ELEMENTS,
                            XML_MAX_DEPTH);
            break;
        }
        if (!strcmp(name, "Event"))
            saw_event = true;
        x.data_name[0] = '\0';
        bool self_close;
        rc = attrs(&x, name, &self_close);
        x.tlen = 0;
        if (rc == 0 && !self_close)
            snprintf(x.stack[x.depth++], sizeof x.stack[0], "%s", name);
    }
    if (rc == 0 && (!saw_event || x.depth != 0))
        rc = fs_err_set(
            e, saw_event ? "XML: truncated event (unclosed <%s>)" : "XML: no <Event> element%s",
            saw_event ? x.stack[x.depth > 0 ? x.depth - 1 : 0] : "");
    free(x.text);
    if (rc != 0) {
        json_decref(x.rec);
        return NULL;
    }
    return x.rec;
}
