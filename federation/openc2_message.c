/*  openc2_message.c — the small things every OpenC2 file needs: the
    validation context (JSON path, first 400 and first 501 reason), number
    and UTF-8 helpers, the I-JSON walk, and the message helpers of
    openc2.h (responses, status texts, the action/target of a command). */
#include "openc2_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- context ------------------------------------------------------------ */

void oc2_ctx_init(oc2_ctx_t *c, const openc2_validator_t *v)
{
    memset(c, 0, sizeof *c);
    c->v = v;
    c->path[0] = '$';
    c->path[1] = '\0';
    c->plen = 1;
}

static void path_append(oc2_ctx_t *c, const char *s)
{
    size_t n = strlen(s);
    if (c->plen + n + 1 > sizeof c->path) {
        /* keep the path bounded: mark the cut with "..." once */
        if (c->plen + 4 <= sizeof c->path && strcmp(c->path + c->plen - 3, "...") != 0) {
            memcpy(c->path + c->plen, "...", 4);
            c->plen += 3;
        }
        return;
    }
    memcpy(c->path + c->plen, s, n + 1);
    c->plen += n;
}

static bool simple_key(const char *k)
{
    if (!*k)
        return false;
    for (const char *p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return false;
    return true;
}

size_t oc2_push_key(oc2_ctx_t *c, const char *key)
{
    size_t mark = c->plen;
    char buf[96];
    if (simple_key(key) && strlen(key) < 64) {
        snprintf(buf, sizeof buf, ".%s", key);
    } else {
        /* quote, escaping ' and \ and replacing control bytes; long keys are cut */
        size_t o = 0;
        buf[o++] = '[';
        buf[o++] = '\'';
        for (const unsigned char *p = (const unsigned char *)key; *p && o < sizeof buf - 8; p++) {
            if (*p == '\'' || *p == '\\')
                buf[o++] = '\\';
            buf[o++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
        }
        if (strlen(key) > 60 && o >= sizeof buf - 8) {
            memcpy(buf + o, "...", 3);
            o += 3;
        }
        buf[o++] = '\'';
        buf[o++] = ']';
        buf[o] = '\0';
    }
    path_append(c, buf);
    return mark;
}

size_t oc2_push_index(oc2_ctx_t *c, size_t i)
{
    size_t mark = c->plen;
    char buf[32];
    snprintf(buf, sizeof buf, "[%zu]", i);
    path_append(c, buf);
    return mark;
}

void oc2_pop(oc2_ctx_t *c, size_t mark)
{
    if (mark < c->plen) {
        c->plen = mark;
        c->path[mark] = '\0';
    }
}

__attribute__((format(printf, 4, 0))) static void record(char *dst, size_t size, const char *path,
                                                         const char *fmt, va_list ap)
{
    char msg[OPENC2_REASON_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (snprintf(dst, size, "%s: %s", path, msg) >= (int)size)
        dst[size - 1] = '\0'; /* truncated reasons are still NUL-terminated */
}

bool oc2_bad(oc2_ctx_t *c, const char *fmt, ...)
{
    if (!c->bad) {
        va_list ap;
        va_start(ap, fmt);
        record(c->reason400, sizeof c->reason400, c->path, fmt, ap);
        va_end(ap);
        c->bad = 1;
    }
    return false;
}

void oc2_unsupported(oc2_ctx_t *c, const char *fmt, ...)
{
    if (!c->unsupported) {
        va_list ap;
        va_start(ap, fmt);
        record(c->reason501, sizeof c->reason501, c->path, fmt, ap);
        va_end(ap);
        c->unsupported = 1;
    }
}

int oc2_finish(const oc2_ctx_t *c, char *buf, size_t size)
{
    const char *r = "";
    int verdict = OPENC2_VALID;
    if (c->bad) {
        verdict = OPENC2_BAD_REQUEST;
        r = c->reason400;
    } else if (c->unsupported) {
        verdict = OPENC2_NOT_IMPLEMENTED;
        r = c->reason501;
    }
    if (buf && size)
        snprintf(buf, size, "%s", r);
    return verdict;
}

/* ---- values --------------------------------------------------------------- */

#define OC2_SAFE_INT 9007199254740991LL /* 2^53 - 1 */

bool oc2_integral(const json_t *j, int64_t *out)
{
    if (json_is_integer(j)) {
        json_int_t n = json_integer_value(j);
        if (n > OC2_SAFE_INT || n < -OC2_SAFE_INT)
            return false;
        *out = (int64_t)n;
        return true;
    }
    if (json_is_real(j)) {
        double d = json_real_value(j);
        if (!isfinite(d) || d > (double)OC2_SAFE_INT || d < -(double)OC2_SAFE_INT)
            return false;
        int64_t n = (int64_t)d;
        if ((double)n != d)
            return false;
        *out = n;
        return true;
    }
    return false;
}

/* Decodes one UTF-8 sequence (already valid: jansson checked it). */
static uint32_t utf8_next(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint32_t cp;
    int n;
    if (p[0] < 0x80) {
        cp = p[0];
        n = 1;
    } else if ((p[0] & 0xE0) == 0xC0) {
        cp = p[0] & 0x1F;
        n = 2;
    } else if ((p[0] & 0xF0) == 0xE0) {
        cp = p[0] & 0x0F;
        n = 3;
    } else {
        cp = p[0] & 0x07;
        n = 4;
    }
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) { /* malformed: consume one byte */
            *pp = p + 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    *pp = p + n;
    return cp;
}

size_t oc2_utf8_len(const char *s)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        utf8_next(&p);
        n++;
    }
    return n;
}

static bool is_noncharacter(uint32_t cp)
{
    return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

static bool string_ijson(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp = utf8_next(&p);
        if (is_noncharacter(cp) || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
    }
    return true;
}

bool oc2_check_ijson(oc2_ctx_t *c, const json_t *v, int depth)
{
    if (depth > OC2_MAX_DEPTH * 2)
        return oc2_bad(c, "nested deeper than %d levels", OC2_MAX_DEPTH * 2);
    if (json_is_string(v)) {
        if (!string_ijson(json_string_value(v)))
            return oc2_bad(
                c, "string holds a Unicode noncharacter or surrogate (I-JSON, RFC 7493 2.1)");
    } else if (json_is_real(v)) {
        if (!isfinite(json_real_value(v)))
            return oc2_bad(c, "number is not finite");
    } else if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            size_t mark = oc2_push_key(c, k);
            if (!string_ijson(k)) {
                oc2_bad(
                    c,
                    "member name holds a Unicode noncharacter or surrogate (I-JSON, RFC 7493 2.1)");
                oc2_pop(c, mark);
                return false;
            }
            bool ok = oc2_check_ijson(c, m, depth + 1);
            oc2_pop(c, mark);
            if (!ok)
                return false;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            size_t mark = oc2_push_index(c, i);
            bool ok = oc2_check_ijson(c, m, depth + 1);
            oc2_pop(c, mark);
            if (!ok)
                return false;
        }
    }
    return true;
}

bool oc2_in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

/* ---- message helpers ------------------------------------------------------ */

static const struct {
    int code;
    const char *text;
} status_table[] = {
    {102, "Processing"},          {200, "OK"},
    {400, "Bad Request"},         {401, "Unauthorized"},
    {403, "Forbidden"},           {404, "Not Found"},
    {500, "Internal Error"},      {501, "Not Implemented"},
    {503, "Service Unavailable"},
};

const char *openc2_status_text(int status)
{
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
        if (status_table[i].code == status)
            return status_table[i].text;
    return NULL;
}

bool openc2_status_valid(int status)
{
    return openc2_status_text(status) != NULL;
}

json_t *openc2_response_new(int status, const char *status_text, json_t *results)
{
    json_t *r = json_object();
    if (!r)
        return NULL;
    if (json_object_set_new(r, "status", json_integer(status)) != 0 ||
        (status_text && json_object_set_new(r, "status_text", json_string(status_text)) != 0) ||
        (results && json_object_set(r, "results", results) != 0)) {
        json_decref(r);
        return NULL;
    }
    return r;
}

json_t *openc2_response_for_verdict(int verdict, const char *reason)
{
    if (verdict == OPENC2_VALID)
        return openc2_response_new(200, "OK", NULL);
    int status = openc2_status_valid(verdict) ? verdict : 500;
    const char *text = reason && *reason ? reason : openc2_status_text(status);
    /* status_text must stay a valid JSON string: json_string refuses bad
       UTF-8, so fall back to the standard text */
    json_t *r = openc2_response_new(status, text, NULL);
    if (!r)
        r = openc2_response_new(status, openc2_status_text(status), NULL);
    return r;
}

int openc2_command_pair(const json_t *cmd, const char **action, const char **target)
{
    if (!json_is_object(cmd))
        return -1;
    const json_t *a = json_object_get(cmd, "action");
    const json_t *t = json_object_get(cmd, "target");
    if (!json_is_string(a) || !json_is_object(t) || json_object_size(t) != 1)
        return -1;
    void *it = json_object_iter((json_t *)t);
    if (action)
        *action = json_string_value(a);
    if (target)
        *target = json_object_iter_key(it);
    return 0;
}

const char *openc2_command_id(const json_t *cmd)
{
    const json_t *id = json_is_object(cmd) ? json_object_get(cmd, "command_id") : NULL;
    return json_is_string(id) ? json_string_value(id) : NULL;
}

const char *openc2_strerror(int code)
{
    switch (code) {
    case OPENC2_E_PROFILE:
        return "profile";
    case OPENC2_E_PROFILE_NOT_FOUND:
        return "profile_not_found";
    case OPENC2_E_CONFLICT:
        return "conflict";
    case OPENC2_E_FULL:
        return "full";
    default:
        return "unknown";
    }
}
