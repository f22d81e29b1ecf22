/*  test_json_pick.c — fs_json_pick (common/json_pick.c), the byte scanner
    the broker's admission check reads "site", "source" and "metadata.uid"
    with: what it picks, what it refuses, and a differential check against
    jansson over every JSON document under tests/fixtures and
    $FEDSOAR_SHARED/fixtures (whole files, NDJSON lines, every object inside
    them, re-serialized compact and indented). The fuzz corpus is not among
    them: it holds the refusals on purpose (fuzz_json_pick checks it). */
#include "check.h"
#include "common.h"

#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- helpers ------------------------------------------------------------- */

static int pick_s(const char *json, fs_json_pick_t *picks, size_t n)
{
    return fs_json_pick(json, strlen(json), picks, n);
}

/* The picked span as a NUL-terminated string (static buffer). */
static const char *span(const fs_json_pick_t *p)
{
    static char buf[4096];
    size_t n = p->len < sizeof buf - 1 ? p->len : sizeof buf - 1;
    if (!p->at)
        return "(none)";
    memcpy(buf, p->at, n);
    buf[n] = '\0';
    return buf;
}

/* The admission check's three picks on json: rc, and the three results. */
typedef struct {
    int rc;
    fs_json_pick_t p[3];
} admission_picks_t;

static admission_picks_t admission(const char *json)
{
    admission_picks_t a = {.p = {{.path = "site"}, {.path = "source"}, {.path = "metadata.uid"}}};
    a.rc = pick_s(json, a.p, 3);
    return a;
}

static int admission_rc(const char *json)
{
    return admission(json).rc;
}

/* ---- what it picks ----------------------------------------------------------- */

static void test_found(void)
{
    admission_picks_t a =
        admission("{\"class_uid\":4001,\"site\":\"alpha\",\"source\":\"suricata.eve\","
                  "\"metadata\":{\"version\":\"1.8.0\",\"uid\":\"r-17\"}}");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[0].found, FS_PICK_STRING);
    CHECK_STR(span(&a.p[0]), "alpha");
    CHECK_INT(a.p[1].found, FS_PICK_STRING);
    CHECK_STR(span(&a.p[1]), "suricata.eve");
    CHECK_INT(a.p[2].found, FS_PICK_STRING);
    CHECK_STR(span(&a.p[2]), "r-17");

    /* Whitespace everywhere JSON allows it; an empty string value. */
    a = admission(" \r\n{ \"site\" :\t\"\" , \"metadata\" : { \"uid\" : \"x\" } }\n ");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[0].found, FS_PICK_STRING);
    CHECK_INT(a.p[0].len, 0);
    CHECK_STR(span(&a.p[2]), "x");

    /* The spans point into the buffer. */
    const char *doc = "{\"site\":\"beta\"}";
    fs_json_pick_t p = {.path = "site"};
    CHECK_INT(pick_s(doc, &p, 1), 0);
    CHECK(p.at == doc + 9);

    /* "uid" at the top or in another object is not metadata.uid; nor is a
       metadata.uid inside an array. */
    a = admission(
        "{\"uid\":\"top\",\"other\":{\"uid\":\"o\"},\"list\":[{\"metadata\":{\"uid\":\"n\"}}]}");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[2].found, FS_PICK_ABSENT);

    /* A pick whose parent is no object is absent. */
    a = admission("{\"metadata\":\"uid\"}");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[2].found, FS_PICK_ABSENT);
    a = admission("{\"metadata\":[{\"uid\":\"a\"}]}");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[2].found, FS_PICK_ABSENT);

    /* A key that contains a dot is one key, not a path: jansson reads
       {"metadata.uid": …} as a top-level member named "metadata.uid". */
    a = admission("{\"metadata.uid\":\"forged\",\"site\":\"a\"}");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[2].found, FS_PICK_ABSENT);
    /* The empty key is no path component: the object under it is not the
       top level again (found by fuzz_json_pick). */
    a = admission("{\"\":{\"site\":\"alpha\",\"metadata\":{\"uid\":\"u\"}}}");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[0].found, FS_PICK_ABSENT);
    CHECK_INT(a.p[2].found, FS_PICK_ABSENT);
    a = admission("{\"site\":\"beta\",\"\":{\"site\":\"alpha\"},\"metadata\":{\"\":{\"uid\":1}}}");
    CHECK_INT(a.rc, 0);
    CHECK_STR(span(&a.p[0]), "beta");
    CHECK_INT(a.p[2].found, FS_PICK_ABSENT);
    a = admission("{\"metadata.uid\":\"x\",\"metadata\":{\"uid\":\"real\"}}");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[2].found, FS_PICK_STRING);
    CHECK_STR(span(&a.p[2]), "real");
}

static void test_absent_and_kinds(void)
{
    admission_picks_t a = admission("{}");
    CHECK_INT(a.rc, 0);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(a.p[i].found, FS_PICK_ABSENT);
        CHECK(a.p[i].at == NULL);
        CHECK_INT(a.p[i].len, 0);
    }
    a = admission("{\"metadata\":{}}");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[2].found, FS_PICK_ABSENT);

    /* Results are reset on every call (after -1 they mean nothing). */
    fs_json_pick_t p = {.path = "site", .found = FS_PICK_STRING, .at = "stale", .len = 5};
    CHECK_INT(pick_s("{}", &p, 1), 0);
    CHECK_INT(p.found, FS_PICK_ABSENT);
    CHECK(p.at == NULL);

    /* Non-string values: FS_PICK_OTHER, the value still checked. */
    static const char *others[] = {
        "{\"site\":1}",     "{\"site\":-1.5e3}",      "{\"site\":true}",
        "{\"site\":false}", "{\"site\":null}",        "{\"site\":{}}",
        "{\"site\":[]}",    "{\"site\":[\"alpha\"]}", "{\"site\":{\"a\":1}}",
    };
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        a = admission(others[i]);
        CHECK_INT(a.rc, 0);
        CHECK_INT(a.p[0].found, FS_PICK_OTHER);
    }
    a = admission("{\"metadata\":{\"uid\":12345}}");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[2].found, FS_PICK_OTHER);
    CHECK_INT(admission_rc("{\"site\":{\"a\":}}"), -1);

    /* A pick of an object, and picks inside it, together. */
    fs_json_pick_t two[] = {{.path = "metadata"}, {.path = "metadata.uid"}};
    CHECK_INT(pick_s("{\"metadata\":{\"uid\":\"u\"}}", two, 2), 0);
    CHECK_INT(two[0].found, FS_PICK_OTHER);
    CHECK_INT(two[1].found, FS_PICK_STRING);
    CHECK_STR(span(&two[1]), "u");

    /* No picks: a structure check only. */
    const char *plain = "{\"a\":[1,{\"b\":\"c\"}]}";
    CHECK_INT(fs_json_pick(plain, strlen(plain), NULL, 0), 0);
    CHECK_INT(fs_json_pick(plain, strlen(plain) - 1, NULL, 0), -1);
}

static void test_escaped_values(void)
{
    admission_picks_t a = admission("{\"site\":\"al\\u0070ha\",\"source\":\"a\\\\b\","
                                    "\"metadata\":{\"uid\":\"q\\\"uote\"}}");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[0].found, FS_PICK_ESCAPED);
    CHECK_STR(span(&a.p[0]), "al\\u0070ha"); /* raw, not decoded */
    CHECK_INT(a.p[1].found, FS_PICK_ESCAPED);
    CHECK_STR(span(&a.p[1]), "a\\\\b");
    CHECK_INT(a.p[2].found, FS_PICK_ESCAPED);
    CHECK_STR(span(&a.p[2]), "q\\\"uote");
    /* Every escape JSON has; a value ending in an escaped backslash. */
    a = admission("{\"site\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\\\\\"}");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[0].found, FS_PICK_ESCAPED);
    /* Non-ASCII UTF-8 without escapes is a plain string. */
    a = admission("{\"site\":\"\xc3\xa9t\xc3\xa9\"}");
    CHECK_INT(a.rc, 0);
    CHECK_INT(a.p[0].found, FS_PICK_STRING);
}

/* ---- what it refuses ----------------------------------------------------------- */

static void test_duplicates(void)
{
    CHECK_INT(admission_rc("{\"site\":\"a\",\"site\":\"a\"}"), -1);
    CHECK_INT(admission_rc("{\"site\":\"a\",\"x\":1,\"site\":\"b\"}"), -1);
    CHECK_INT(admission_rc("{\"site\":1,\"site\":\"b\"}"), -1);
    CHECK_INT(admission_rc("{\"site\":\"a\",\"site\":{}}"), -1);
    CHECK_INT(admission_rc("{\"metadata\":{\"uid\":\"a\",\"uid\":\"b\"}}"), -1);
    CHECK_INT(admission_rc("{\"metadata\":{\"uid\":\"a\"},\"metadata\":{\"uid\":\"b\"}}"), -1);
    /* The object that holds a pick twice: jansson keeps the last one, so
       the first one's metadata.uid would not be the record's. */
    CHECK_INT(admission_rc("{\"metadata\":{\"uid\":\"a\"},\"metadata\":{}}"), -1);
    CHECK_INT(admission_rc("{\"metadata\":{\"uid\":\"a\"},\"metadata\":null}"), -1);
    CHECK_INT(admission_rc("{\"metadata\":1,\"metadata\":{\"uid\":\"b\"}}"), -1);
    /* Duplicates of keys nobody picks are not its business. */
    CHECK_INT(admission_rc(
                  "{\"x\":1,\"x\":2,\"metadata\":{\"v\":1,\"v\":2},\"u\":{\"site\":1,\"site\":2}}"),
              0);
}

static void test_escaped_keys(void)
{
    /* At a level that holds a pick, no key may be escaped: "s\u0069te" is
       "site" to jansson, and any other escaped key is refused as well. */
    CHECK_INT(admission_rc("{\"s\\u0069te\":\"alpha\"}"), -1);
    CHECK_INT(admission_rc("{\"site\":\"alpha\",\"s\\u0069te\":\"beta\"}"), -1);
    CHECK_INT(admission_rc("{\"site\":\"alpha\",\"x\\n\":1}"), -1);
    CHECK_INT(admission_rc("{\"metadata\":{\"u\\u0069d\":\"x\"}}"), -1);
    CHECK_INT(admission_rc("{\"metadata\":{\"uid\":\"x\",\"a\\\"b\":1}}"), -1);
    CHECK_INT(admission_rc("{\"m\\u0065tadata\":{\"uid\":\"x\"}}"), -1);
    /* However long: a long escaped key is still refused at a watched level. */
    char big[1200];
    size_t n = 0;
    n += (size_t)snprintf(big + n, sizeof big - n, "{\"metadata\":{\"");
    for (int i = 0; i < 300; i++)
        big[n++] = 'k';
    n += (size_t)snprintf(big + n, sizeof big - n, "\\u0041\":1}}");
    CHECK_INT(admission_rc(big), -1);

    /* Where nothing is picked, escaped keys are fine. */
    admission_picks_t a =
        admission("{\"site\":\"alpha\",\"unmapped\":{\"s\\u0069te\":\"beta\",\"a\\\"b\":1},"
                  "\"list\":[{\"s\\u0069te\":\"gamma\"}],\"metadata\":{\"uid\":\"u\","
                  "\"product\":{\"n\\u0061me\":\"x\"}},\"other\":{\"u\\u0069d\":1}}");
    CHECK_INT(a.rc, 0);
    CHECK_STR(span(&a.p[0]), "alpha");
    CHECK_STR(span(&a.p[2]), "u");
    fs_json_pick_t only_site = {.path = "site"};
    CHECK_INT(pick_s("{\"site\":\"a\",\"metadata\":{\"u\\u0069d\":\"x\"}}", &only_site, 1), 0);
}

static void test_structure(void)
{
    static const char *bad[] = {
        "",
        "   ",
        "{",
        "{\"site\"",
        "{\"site\":",
        "{\"site\":\"alpha",
        "{\"site\":\"alpha\"",
        "{\"site\":\"alpha\",",
        "{\"site\":\"alpha\\\"}",
        "{\"site\":\"alpha\"}}",
        "{\"site\":\"alpha\"} x",
        "{\"site\":\"alpha\"}{}",
        "{\"site\":\"alpha\"},",
        "{\"a\":[1,2}",
        "{\"a\":{\"b\":1]}",
        "{\"a\":[1,2]]}",
        "{\"a\":1,}",
        "{,\"a\":1}",
        "{\"a\":[1,]}",
        "{\"a\":[,1]}",
        "{\"a\" 1}",
        "{\"a\"::1}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":1,,\"b\":2}",
        "{\"a\":}",
        "{a:1}",
        "{'a':1}",
        "{1:1}",
        "{\"a\":'x'}",
        "{\"site\":\"al\tpha\"}",
        "{\"site\":\"al\npha\"}",
        "{\"x\":\"\x01\"}",
        "{\"x\x1f\":1}",
        "{\"a\":[\"\x7f\",\"\x1b\"]}",
        "[]",
        "[{\"site\":\"alpha\"}]",
        "\"site\"",
        "1",
        "null",
        "}",
        /* Escapes JSON does not have. */
        "{\"x\":\"\\x41\"}",
        "{\"x\":\"\\u12\"}",
        "{\"x\":\"\\u12g4\"}",
        "{\"x\":\"\\'\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = admission_rc(bad[i]);
        if (rc != -1)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK_INT(rc, -1);
    }
    /* A NUL byte is no JSON outside or inside a string. */
    static const char nul_value[] = "{\"x\":1\0}";
    CHECK_INT(fs_json_pick(nul_value, sizeof nul_value - 1, NULL, 0), -1);
    static const char nul_value2[] = "{\"x\":\0}";
    CHECK_INT(fs_json_pick(nul_value2, sizeof nul_value2 - 1, NULL, 0), -1);
    static const char nul_string[] = "{\"x\":\"a\0b\"}";
    CHECK_INT(fs_json_pick(nul_string, sizeof nul_string - 1, NULL, 0), -1);
    static const char nul_after[] = "{\"x\":1}\0";
    CHECK_INT(fs_json_pick(nul_after, sizeof nul_after - 1, NULL, 0), -1);
    /* len bounds the walk: a valid prefix of a longer buffer. */
    CHECK_INT(fs_json_pick("{\"a\":1}garbage", 7, NULL, 0), 0);
    CHECK_INT(fs_json_pick("{\"a\":\"b\"}", 8, NULL, 0), -1);
    CHECK_INT(fs_json_pick(NULL, 0, NULL, 0), -1);
}

/* {"a": then depth nested containers, then the closing ones. */
static char *nested(size_t depth, bool objects)
{
    char *s = malloc(depth * 6 + 16);
    size_t n = 0;
    memcpy(s + n, "{\"a\":", 5);
    n += 5;
    for (size_t i = 0; i < depth; i++) {
        if (objects) {
            memcpy(s + n, "{\"a\":", 5);
            n += 5;
        } else {
            s[n++] = '[';
        }
    }
    if (objects) {
        memcpy(s + n, "1", 1);
        n += 1;
    }
    for (size_t i = 0; i < depth; i++)
        s[n++] = objects ? '}' : ']';
    s[n++] = '}';
    s[n] = '\0';
    return s;
}

static void test_depth(void)
{
    /* The top object is depth 0; containers below it down to depth 64. */
    static const struct {
        size_t depth;
        int rc;
    } cases[] = {{1, 0}, {63, 0}, {64, 0}, {65, -1}, {100, -1}, {200000, -1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        for (int objects = 0; objects < 2; objects++) {
            /* Objects nest one value deeper than arrays per level: the
               innermost 1 sits at depth+1. */
            size_t d = objects ? cases[i].depth - 1 : cases[i].depth;
            if (objects && cases[i].depth == 1)
                continue;
            char *s = nested(d, objects);
            int rc = admission_rc(s);
            if (rc != cases[i].rc)
                fprintf(stderr, "depth %zu (%s): rc %d\n", cases[i].depth,
                        objects ? "objects" : "arrays", rc);
            CHECK_INT(rc, cases[i].rc);
            free(s);
        }
    }
    /* Deep inside the watched path too. */
    char *s = nested(70, true);
    fs_json_pick_t p = {.path = "a.a.a"};
    CHECK_INT(pick_s(s, &p, 1), -1);
    free(s);
}

/* ---- differential: jansson over the fixtures --------------------------------------- */

#define DIFF_MAX_PICKS 256

static int diff_docs, diff_skipped;

static void add_pick(fs_json_pick_t *picks, char paths[][256], size_t *n, const char *a,
                     const char *b)
{
    if (*n >= DIFF_MAX_PICKS || strchr(a, '.') || (b && strchr(b, '.')))
        return;
    int len = b ? snprintf(paths[*n], 256, "%s.%s", a, b) : snprintf(paths[*n], 256, "%s", a);
    if (len < 0 || len >= 200)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(paths[i], paths[*n]) == 0)
            return;
    picks[*n].path = paths[*n];
    (*n)++;
}

/* jansson's value at a dotted path of at most two parts (borrowed). */
static json_t *jansson_at(json_t *doc, const char *path)
{
    char first[256];
    const char *dot = strchr(path, '.');
    if (!dot)
        return json_object_get(doc, path);
    snprintf(first, sizeof first, "%.*s", (int)(dot - path), path);
    json_t *parent = json_object_get(doc, first);
    return json_is_object(parent) ? json_object_get(parent, dot + 1) : NULL;
}

/* The decoded value of an escaped span, by handing it back to jansson. */
static json_t *decode_span(const fs_json_pick_t *p)
{
    char *q = malloc(p->len + 3);
    q[0] = '"';
    memcpy(q + 1, p->at, p->len);
    q[p->len + 1] = '"';
    json_t *v = json_loadb(q, p->len + 2, JSON_DECODE_ANY, NULL);
    free(q);
    return v;
}

/* One document: jansson's reading (duplicates refused) against ours. */
static void diff_one(const char *buf, size_t len, const char *what)
{
    json_error_t err;
    json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(doc)) {
        /* Not an object document: no property, but never a crash. */
        fs_json_pick_t p = {.path = "site"};
        (void)fs_json_pick(buf, len, &p, 1);
        json_decref(doc);
        diff_skipped++;
        return;
    }
    diff_docs++;
    static fs_json_pick_t picks[DIFF_MAX_PICKS];
    static char paths[DIFF_MAX_PICKS][256];
    size_t n = 0;
    memset(picks, 0, sizeof picks);
    add_pick(picks, paths, &n, "site", NULL);
    add_pick(picks, paths, &n, "metadata", "uid");
    add_pick(picks, paths, &n, "fedsoar_absent", NULL);
    add_pick(picks, paths, &n, "fedsoar_absent", "child");
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        add_pick(picks, paths, &n, k, NULL);
        const char *k2;
        json_t *v2;
        if (json_is_object(v))
            json_object_foreach(v, k2, v2) add_pick(picks, paths, &n, k, k2);
    }
    int rc = fs_json_pick(buf, len, picks, n);
    if (rc != 0)
        fprintf(stderr, "%s: jansson reads an object, fs_json_pick refuses it\n", what);
    CHECK_INT(rc, 0);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_t *want = jansson_at(doc, picks[i].path);
        bool ok;
        if (!want) {
            ok = picks[i].found == FS_PICK_ABSENT;
        } else if (!json_is_string(want)) {
            ok = picks[i].found == FS_PICK_OTHER;
        } else if (picks[i].found == FS_PICK_STRING) {
            ok = picks[i].len == json_string_length(want) &&
                 memcmp(picks[i].at, json_string_value(want), picks[i].len) == 0;
        } else if (picks[i].found == FS_PICK_ESCAPED) {
            json_t *got = decode_span(&picks[i]);
            ok = got && json_equal(got, want);
            json_decref(got);
        } else {
            ok = false;
        }
        if (!ok)
            fprintf(stderr, "%s: %s: fs_json_pick found %d \"%s\", jansson %s\n", what,
                    picks[i].path, picks[i].found, span(&picks[i]),
                    want ? (json_is_string(want) ? json_string_value(want) : "(not a string)")
                         : "(absent)");
        CHECK(ok);
    }
    json_decref(doc);
}

/* Every object in v (v itself included), re-serialized compact and
   indented, through diff_one. */
static void diff_reserialized(json_t *v, const char *what, int budget[1])
{
    if (json_is_object(v) && budget[0] > 0) {
        budget[0]--;
        static const size_t flags[] = {JSON_COMPACT | JSON_PRESERVE_ORDER,
                                       JSON_INDENT(3) | JSON_PRESERVE_ORDER};
        for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
            char *s = json_dumps(v, flags[i]);
            if (s)
                diff_one(s, strlen(s), what);
            free(s);
        }
    }
    const char *k;
    json_t *c;
    size_t i;
    if (json_is_object(v))
        json_object_foreach(v, k, c) diff_reserialized(c, what, budget);
    else if (json_is_array(v))
        json_array_foreach(v, i, c) diff_reserialized(c, what, budget);
}

static void diff_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    char chunk[65536];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got > cap) {
            cap = (len + got) * 2;
            buf = realloc(buf, cap);
        }
        memcpy(buf + len, chunk, got);
        len += got;
    }
    fclose(f);
    if (!buf)
        return;
    diff_one(buf, len, path);
    /* NDJSON: each line on its own (files of more than one line). */
    const char *first_nl = memchr(buf, '\n', len);
    bool lines = first_nl && first_nl < buf + len - 1;
    for (size_t at = 0; lines && at < len;) {
        const char *nl = memchr(buf + at, '\n', len - at);
        size_t l = nl ? (size_t)(nl - (buf + at)) : len - at;
        if (l > 1)
            diff_one(buf + at, l, path);
        at += l + 1;
    }
    json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
    int budget[1] = {2000};
    diff_reserialized(doc, path, budget);
    json_decref(doc);
    free(buf);
}

static int diff_files;

static void diff_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            diff_tree(path);
        } else if (S_ISREG(st.st_mode) && st.st_size < (64 << 20)) {
            diff_file(path);
            diff_files++;
        }
    }
    closedir(d);
}

static void test_differential(void)
{
    /* CTest sets FEDSOAR_SOURCE_DIR; run by hand, the tree this file is in. */
    const char *src = getenv("FEDSOAR_SOURCE_DIR");
    const char *shared = getenv("FEDSOAR_SHARED");
    char root[2048], dir[4096];
    if (src && *src) {
        snprintf(root, sizeof root, "%s", src);
    } else {
        const char *tail = strstr(__FILE__, "/tests/unit/");
        snprintf(root, sizeof root, "%.*s", tail ? (int)(tail - __FILE__) : 1,
                 tail ? __FILE__ : ".");
    }
    snprintf(dir, sizeof dir, "%s/tests/fixtures", root);
    diff_tree(dir);
    if (shared && *shared) {
        snprintf(dir, sizeof dir, "%s/fixtures", shared);
        diff_tree(dir);
    }
    printf("differential: %d files, %d object documents compared with jansson, %d others\n",
           diff_files, diff_docs, diff_skipped);
    CHECK(diff_docs > 100);
}

int main(void)
{
    test_found();
    test_absent_and_kinds();
    test_escaped_values();
    test_duplicates();
    test_escaped_keys();
    test_structure();
    test_depth();
    test_differential();
    return check_summary();
}
