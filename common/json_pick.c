/*  json_pick.c — a few string fields of a JSON object without parsing it
    whole (common.h fs_json_pick).  The broker checks every event a site
    sends (its envelope names the site, its metadata the record's stable
    id) but stores most of them without building a jansson tree: walking
    the bytes once is several times cheaper than parsing them.

    The walk checks the structure (strings, escapes, nesting, commas and
    colons) but not the grammar of numbers: what it accepts is stored as
    received, what it refuses is refused whole. Keys at the levels it looks
    at must be plain (no escapes), so that no spelling of "site" can slip
    past it while a full parser would read it as "site". */
#include "common.h"

#include <string.h>

#define PICK_MAX_DEPTH 64

typedef struct {
    const char *p, *end;
    fs_json_pick_t *picks;
    size_t npicks;
} scan_t;

/* c is one of set's characters (strchr alone would also find the NUL). */
static bool in_set(const char *set, char c)
{
    return c != '\0' && strchr(set, c) != NULL;
}

static void skip_ws(scan_t *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

/* A string at s->p (the opening quote); sets its raw span. */
static int scan_string(scan_t *s, const char **at, size_t *len, bool *escaped)
{
    if (s->p >= s->end || *s->p != '"')
        return -1;
    const char *start = ++s->p;
    *escaped = false;
    while (s->p < s->end) {
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            *at = start;
            *len = (size_t)(s->p - start);
            s->p++;
            return 0;
        }
        if (c < 0x20)
            return -1;
        if (c == '\\') {
            *escaped = true;
            if (++s->p >= s->end || !in_set("\"\\/bfnrtu", *s->p))
                return -1;
            if (*s->p == 'u') { /* four hex digits (surrogate pairing not checked) */
                if (s->end - s->p < 5)
                    return -1;
                for (int i = 1; i <= 4; i++)
                    if (!in_set("0123456789abcdefABCDEF", s->p[i]))
                        return -1;
                s->p += 4;
            }
        }
        s->p++;
    }
    return -1;
}

static int scan_value(scan_t *s, int depth, const char *path, size_t path_len);

/* Whether a pick lies inside the object at path (NULL: none does). */
static bool holds_picks(const scan_t *s, const char *path, size_t path_len)
{
    if (!path)
        return false;
    for (size_t i = 0; i < s->npicks; i++) {
        const char *p = s->picks[i].path;
        if (path_len == 0 || (strncmp(p, path, path_len) == 0 && p[path_len] == '.'))
            return true;
    }
    return false;
}

/* Members of an object at path ("" at the top, NULL where nothing is
   picked). Keys are looked at only in objects that hold a pick. */
static int scan_object(scan_t *s, int depth, const char *path, size_t path_len)
{
    bool watched_level = holds_picks(s, path, path_len);
    /* Keys here on the way to a pick ("metadata" for "metadata.uid"): each
       may appear once, as a picked key may (jansson keeps the last one). */
    const char *via[8];
    size_t via_len[8], nvia = 0;
    s->p++; /* '{' */
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return 0;
    }
    for (;;) {
        const char *key;
        size_t klen;
        bool escaped;
        skip_ws(s);
        if (scan_string(s, &key, &klen, &escaped) != 0)
            return -1;
        if (watched_level && escaped)
            return -1; /* an escaped key where fields are picked: refuse, never guess */
        char child[256];
        size_t clen = 0;
        /* A key too long for the buffer is no picked one; nor is a key with a
           dot, which a dotted path cannot name ({"metadata.uid": …} is one
           member to jansson, not metadata's uid); nor the empty key, whose
           path at the top ("") would read as the top itself. */
        bool watched = watched_level && klen > 0 && path_len + klen + 2 <= sizeof child &&
                       !memchr(key, '.', klen);
        if (watched) {
            if (path_len) {
                memcpy(child, path, path_len);
                child[path_len] = '.';
                clen = path_len + 1;
            }
            memcpy(child + clen, key, klen);
            clen += klen;
            child[clen] = '\0';
        }
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':')
            return -1;
        s->p++;
        skip_ws(s);
        fs_json_pick_t *hit = NULL;
        for (size_t i = 0; watched && i < s->npicks; i++)
            if (strcmp(s->picks[i].path, child) == 0)
                hit = &s->picks[i];
        if (!hit && watched && holds_picks(s, child, clen)) {
            for (size_t i = 0; i < nvia; i++)
                if (via_len[i] == klen && memcmp(via[i], key, klen) == 0)
                    return -1; /* the object holding a pick twice: ambiguous */
            if (nvia == sizeof via / sizeof *via)
                return -1; /* more ways down than tracked: refuse, never guess */
            via[nvia] = key;
            via_len[nvia++] = klen;
        }
        if (hit) {
            if (hit->found)
                return -1; /* the same field twice: which one counts is ambiguous */
            if (s->p < s->end && *s->p == '"') {
                bool esc;
                if (scan_string(s, &hit->at, &hit->len, &esc) != 0)
                    return -1;
                hit->found = esc ? FS_PICK_ESCAPED : FS_PICK_STRING;
            } else {
                hit->found = FS_PICK_OTHER;
                if (scan_value(s, depth + 1, child, clen) != 0)
                    return -1;
            }
        } else if (scan_value(s, depth + 1, watched ? child : NULL, clen) != 0) {
            return -1;
        }
        skip_ws(s);
        if (s->p >= s->end)
            return -1;
        if (*s->p == '}') {
            s->p++;
            return 0;
        }
        if (*s->p != ',')
            return -1;
        s->p++;
    }
}

static int scan_array(scan_t *s, int depth)
{
    s->p++; /* '[' */
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 0;
    }
    for (;;) {
        skip_ws(s);
        if (scan_value(s, depth + 1, NULL, 0) != 0)
            return -1;
        skip_ws(s);
        if (s->p >= s->end)
            return -1;
        if (*s->p == ']') {
            s->p++;
            return 0;
        }
        if (*s->p != ',')
            return -1;
        s->p++;
    }
}

/* path: the value's dotted path when it may hold picks, else NULL. */
static int scan_value(scan_t *s, int depth, const char *path, size_t path_len)
{
    if (depth > PICK_MAX_DEPTH || s->p >= s->end)
        return -1;
    char c = *s->p;
    if (c == '{')
        return scan_object(s, depth, path, path_len);
    if (c == '[')
        return scan_array(s, depth);
    if (c == '"') {
        const char *at;
        size_t len;
        bool esc;
        return scan_string(s, &at, &len, &esc);
    }
    const char *start = s->p;
    while (s->p < s->end && in_set("0123456789+-.eEtruefalsn", *s->p))
        s->p++;
    return s->p > start ? 0 : -1;
}

int fs_json_pick(const char *buf, size_t len, fs_json_pick_t *picks, size_t npicks)
{
    for (size_t i = 0; i < npicks; i++) {
        picks[i].found = FS_PICK_ABSENT;
        picks[i].at = NULL;
        picks[i].len = 0;
    }
    scan_t s = {buf, buf + len, picks, npicks};
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{' || scan_object(&s, 0, "", 0) != 0)
        return -1;
    skip_ws(&s);
    return s.p == s.end ? 0 : -1;
}
