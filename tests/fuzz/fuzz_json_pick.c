/*  fuzz_json_pick.c — fs_json_pick (common/json_pick.c), the scanner the
    broker's admission check reads every event with, against jansson.
    Input: one JSON document.

    Properties: it never crashes; a span it returns lies inside the input;
    when it returns 0 on a document jansson reads as an object (duplicates
    refused), every pick agrees with jansson (absent, not a string, the same
    string — escaped spans decoded by jansson); and when jansson reads an
    object it refuses, the document either nests 64 deep or more, or has a
    backslash (it refuses escaped keys where it picks), or has a NUL byte
    (jansson 2.14 skips one NUL right after a number or literal:
    {"a":1<NUL>} loads; it is no JSON, and fs_json_pick refuses it). */
#include "common.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const paths[] = {"site", "source", "metadata.uid", "metadata", "a", "a.b", "b"};
#define NPICKS (sizeof paths / sizeof *paths)

static void fail(const char *what, const char *path)
{
    fprintf(stderr, "fuzz_json_pick: %s (%s)\n", what, path ? path : "-");
    __builtin_trap();
}

/* jansson's value at a dotted path of at most two parts (borrowed). */
static json_t *jansson_at(json_t *doc, const char *path)
{
    const char *dot = strchr(path, '.');
    if (!dot)
        return json_object_get(doc, path);
    char first[64];
    snprintf(first, sizeof first, "%.*s", (int)(dot - path), path);
    json_t *parent = json_object_get(doc, first);
    return json_is_object(parent) ? json_object_get(parent, dot + 1) : NULL;
}

/* Containers below v (v itself at depth 0). */
static size_t depth_below(json_t *v)
{
    size_t max = 0, i;
    const char *k;
    json_t *c;
    if (json_is_object(v)) {
        json_object_foreach(v, k, c)
        {
            size_t d = json_is_object(c) || json_is_array(c) ? 1 + depth_below(c) : 0;
            max = d > max ? d : max;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, c)
        {
            size_t d = json_is_object(c) || json_is_array(c) ? 1 + depth_below(c) : 0;
            max = d > max ? d : max;
        }
    }
    return max;
}

static bool agrees(const fs_json_pick_t *p, json_t *want)
{
    if (!want)
        return p->found == FS_PICK_ABSENT;
    if (!json_is_string(want))
        return p->found == FS_PICK_OTHER;
    if (p->found == FS_PICK_STRING)
        return p->len == json_string_length(want) &&
               memcmp(p->at, json_string_value(want), p->len) == 0 && !memchr(p->at, '\\', p->len);
    if (p->found != FS_PICK_ESCAPED || !memchr(p->at, '\\', p->len))
        return false;
    char *q = malloc(p->len + 2);
    if (!q)
        return true;
    q[0] = '"';
    memcpy(q + 1, p->at, p->len);
    q[p->len + 1] = '"';
    json_t *got = json_loadb(q, p->len + 2, JSON_DECODE_ANY, NULL);
    bool same = got && json_equal(got, want);
    json_decref(got);
    free(q);
    return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    fs_json_pick_t picks[NPICKS];
    for (size_t i = 0; i < NPICKS; i++)
        picks[i] = (fs_json_pick_t){.path = paths[i]};
    int rc = fs_json_pick(buf, size, picks, NPICKS);
    if (rc != 0 && rc != -1)
        fail("returned neither 0 nor -1", NULL);
    for (size_t i = 0; rc == 0 && i < NPICKS; i++) {
        const fs_json_pick_t *p = &picks[i];
        if (p->found == FS_PICK_STRING || p->found == FS_PICK_ESCAPED) {
            if (!p->at || p->at <= buf || p->at + p->len >= buf + size || p->at[-1] != '"' ||
                p->at[p->len] != '"')
                fail("span outside the input or not a quoted string", p->path);
        } else if (p->at) {
            fail("a span for a pick that is no string", p->path);
        }
    }

    json_t *doc = json_loadb(buf, size, JSON_REJECT_DUPLICATES, NULL);
    if (json_is_object(doc)) {
        if (rc == 0) {
            for (size_t i = 0; i < NPICKS; i++)
                if (!agrees(&picks[i], jansson_at(doc, paths[i])))
                    fail("pick disagrees with jansson", paths[i]);
        } else if (depth_below(doc) < 64 && !memchr(buf, '\\', size) && !memchr(buf, '\0', size)) {
            fail("jansson reads an object it refuses", NULL);
        }
    }
    json_decref(doc);
    return 0;
}
