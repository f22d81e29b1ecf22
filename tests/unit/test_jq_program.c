/*  test_jq_program.c — the direct jansson <-> jv conversion of jq_program.c
    gives exactly what the JSON text round trip gave: for chosen values
    (numbers, strings with NUL, unicode and invalid bytes, nesting past the
    parsers' limits, key order), for programs that build awkward outputs, and
    for every jq program of the shipped playbooks (playbooks/library/NAME.json)
    over run contexts built from the OCSF fixtures; and a pinned value
    (fs_jq_pin_new: converted once, shared) gives those same outcomes. */
#include "check.h"
#include "common.h"
#include "jq_program.h"

#include <dirent.h>
#include <stdlib.h>

static int compared;

/* The outputs as JSON text (reals keep their sign and every digit) or the
   error message: what the caller of fs_jq_all sees. */
static char *outcome(fs_jq_t *jq, const json_t *input)
{
    fs_err_t e = {0};
    json_t *all = fs_jq_all(jq, input, &e);
    if (!all)
        return fs_xasprintf("error: %s", e.text);
    char *text = json_dumps(all, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    json_decref(all);
    return text ? text : fs_xstrdup("(not serialisable)");
}

/* fs_jq_all_input's outcome, as outcome(). */
static char *input_outcome(fs_jq_t *jq, fs_jq_input_t *in)
{
    fs_err_t e = {0};
    json_t *all = fs_jq_all_input(jq, in, &e);
    if (!all)
        return fs_xasprintf("error: %s", e.text);
    char *text = json_dumps(all, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    json_decref(all);
    return text ? text : fs_xstrdup("(not serialisable)");
}

/* Also fs_jq_first: its own error for outputs JSON cannot hold. */
static char *first_outcome(fs_jq_t *jq, const json_t *input)
{
    fs_err_t e = {0};
    json_t *first = fs_jq_first(jq, input, &e);
    if (!first)
        return fs_xasprintf("error: %s", e.text);
    char *text = json_dumps(first, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    json_decref(first);
    return text ? text : fs_xstrdup("(not serialisable)");
}

/* Pinned values (fs_jq_pin_new) change nothing a program sees: the input
   pinned itself (met at depth 0), each object or array member pinned (met
   at depth 1), twice each (the second shares the first conversion); then
   the input pinned and converted alone, and met again one level down inside
   [input] (another depth: walked again, so a value at the depth limit falls
   back to text exactly as it would unpinned). expected is the text path's
   outcome for input. */
static void pinned_same(fs_jq_t *direct, fs_jq_t *text, const json_t *input, const char *expected)
{
    fs_jq_pin_t *pin = fs_jq_pin_new(input);
    for (int round = 0; round < 2; round++) {
        char *c = outcome(direct, input);
        CHECK_STR(c, expected);
        free(c);
    }
    fs_jq_pin_destroy(&pin);
    fs_jq_pin_destroy(&pin); /* idempotent */
    CHECK(pin == NULL);
    if (json_is_object(input) || json_is_array(input)) {
        fs_jq_pin_t *pins[8] = {0};
        size_t n = 0, i;
        const char *k;
        json_t *member;
        if (json_is_object(input)) {
            json_object_foreach((json_t *)input, k, member)
            {
                if (n < 8 && (json_is_object(member) || json_is_array(member)))
                    pins[n++] = fs_jq_pin_new(member);
            }
        } else {
            json_array_foreach(input, i, member)
            {
                if (n < 8 && (json_is_object(member) || json_is_array(member)))
                    pins[n++] = fs_jq_pin_new(member);
            }
        }
        for (int round = 0; round < 2; round++) {
            char *c = outcome(direct, input);
            CHECK_STR(c, expected);
            free(c);
        }
        for (i = 0; i < n; i++) /* not in the order they were made */
            fs_jq_pin_destroy(&pins[(i + 1) % n]);
    }
    json_t *wrapped = json_pack("[O]", input);
    char *want = outcome(text, wrapped);
    pin = fs_jq_pin_new(input);
    char *c = outcome(direct, input);
    CHECK_STR(c, expected);
    free(c);
    c = outcome(direct, wrapped);
    CHECK_STR(c, want);
    free(c);
    fs_jq_pin_destroy(&pin);
    free(want);
    json_decref(wrapped);
}

/* program over each input, direct and as text: the same outcomes. */
static void same_each(const char *program, const json_t *const *inputs, size_t n)
{
    fs_err_t e = {0};
    fs_jq_t *direct = fs_jq_compile(program, &e), *text = fs_jq_compile(program, &e);
    CHECK(direct && text);
    if (!direct || !text) {
        fs_jq_destroy(&direct);
        fs_jq_destroy(&text);
        return;
    }
    fs_jq_use_text_path(text, true);
    for (size_t i = 0; i < n; i++) {
        char *a = outcome(direct, inputs[i]), *b = outcome(text, inputs[i]);
        if (strcmp(a, b) != 0)
            fprintf(stderr, "program %s: direct %.300s\n  text %.300s\n", program, a, b);
        CHECK_STR(a, b);
        /* one input converted once, used twice (a template's expressions) */
        fs_jq_input_t *in = fs_jq_input_new(inputs[i]);
        for (int round = 0; round < 2; round++) {
            char *c = input_outcome(direct, in);
            CHECK_STR(c, b);
            free(c);
        }
        fs_jq_input_destroy(&in);
        pinned_same(direct, text, inputs[i], b);
        free(a);
        free(b);
        a = first_outcome(direct, inputs[i]);
        b = first_outcome(text, inputs[i]);
        CHECK_STR(a, b);
        free(a);
        free(b);
        compared++;
    }
    fs_jq_destroy(&direct);
    fs_jq_destroy(&text);
}

static void same(const char *program, const json_t *input)
{
    same_each(program, &input, 1);
}

static json_t *nested(int depth, bool object)
{
    json_t *v = json_integer(7);
    for (int i = 0; i < depth; i++) {
        json_t *outer = object ? json_object() : json_array();
        if (object)
            json_object_set_new(outer, "k", v);
        else
            json_array_append_new(outer, v);
        v = outer;
    }
    return v;
}

static void test_values(void)
{
    json_t *values = json_array();
    json_array_append_new(values, json_integer(0));
    json_array_append_new(values, json_integer(-1));
    json_array_append_new(values, json_integer(9007199254740993LL)); /* 2^53 + 1 */
    json_array_append_new(values, json_integer(INT64_MAX));
    json_array_append_new(values, json_integer(INT64_MIN));
    json_array_append_new(values, json_integer(1234567890123456789LL));
    json_array_append_new(values, json_real(0.0));
    json_array_append_new(values, json_real(-0.0));
    json_array_append_new(values, json_real(1.5));
    json_array_append_new(values, json_real(1e300));
    json_array_append_new(values, json_real(-1e-300));
    json_array_append_new(values, json_real(1e16));
    json_array_append_new(values, json_real(1e17));
    json_array_append_new(values, json_real(12e15));
    json_array_append_new(values, json_real(0.1));
    json_array_append_new(values, json_real(1.0 / 3));
    json_array_append_new(values, json_real(5.0));
    json_array_append_new(values, json_real(4.9e-324));
    json_array_append_new(values, json_real(1.7976931348623157e308));
    json_array_append_new(values, json_string(""));
    json_array_append_new(
        values, json_string("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 \"q\" \\ \n\t\x01"));
    json_array_append_new(values, json_stringn("a\0b", 3));
    json_array_append_new(values, json_true());
    json_array_append_new(values, json_false());
    json_array_append_new(values, json_null());
    json_array_append_new(values, json_array());
    json_array_append_new(values, json_object());
    json_t *obj = json_object(); /* insertion order, not sorted */
    json_object_set_new(obj, "zeta", json_integer(1));
    json_object_set_new(obj, "alpha", json_pack("[i,{s:[]},{}]", 2, "x"));
    json_object_set_new(obj, "m\xc3\xa9", json_real(2.5));
    json_object_setn_new(obj, "n\0ul", 4, json_string("key with NUL"));
    json_array_append_new(values, obj);
    json_array_append_new(values, nested(100, false));
    json_array_append_new(values, nested(100, true));

    const char *programs[] = {".",       "[.]",      "tojson",
                              "type",    ".[]?",     "keys?",
                              "[paths]", "tostring", "if type == \"number\" then . * 3 else . end"};
    size_t n = json_array_size(values);
    const json_t **inputs = fs_xcalloc(n, sizeof *inputs);
    for (size_t i = 0; i < n; i++)
        inputs[i] = json_array_get(values, i);
    for (size_t p = 0; p < sizeof programs / sizeof *programs; p++)
        same_each(programs[p], inputs, n);
    free(inputs);
    same(".", values);
    json_decref(values);

    /* invalid UTF-8 (json_string_nocheck lets it in): json_dumps refused it,
       so fs_jq_first fails and fs_jq_all runs on null, both paths alike */
    const char *bad[] = {"\xff",     "a\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                         "\xe2\x82", "\xc3"};
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
        json_t *s = json_string_nocheck(bad[b]);
        same(".", s);
        json_t *o = json_object();
        json_object_set_new_nocheck(o, bad[b], json_true());
        same(".", o);
        json_object_set_new(o, "fine", json_incref(s));
        same("[.]", o);
        json_decref(o);
        json_decref(s);
    }

    /* nesting around the direct walk's bound (128), libjq's parser limit and
       past jansson's (2048) on output */
    int depths[] = {127, 128, 129, 130, 255, 256, 257, 258, 300};
    for (size_t d = 0; d < sizeof depths / sizeof *depths; d++) {
        json_t *a = nested(depths[d], false), *o = nested(depths[d], true);
        same(".", a);
        same(".", o);
        json_decref(a);
        json_decref(o);
    }
}

static void test_outputs(void)
{
    const char *programs[] = {
        "1e17",
        "1e16",
        "12e15",
        "pow(2;53)",
        "pow(2;53) + 1",
        "pow(2;60)",
        "pow(2;63)",
        "-pow(2;63)",
        "pow(2;64)",
        "1e19",
        "123456789012345678",
        "-0",
        "0 * -1",
        "nan",
        "infinite",
        "-infinite",
        "[nan, infinite]",
        "1 / 3",
        "100000",
        "0.1 + 0.2",
        "{b: 1, a: 2, c: {z: 0, y: 1}}",
        "{a: \"x\\u0000y\"}",
        "\"\\u0000\"",
        "[\"a\", \"\\u0000\"]",
        "{\"\\u0000\": 1}",
        "\"\\ud83d\\ude00\"",
        "[range(5)]",
        "range(3)",
        "empty",
        "error(\"boom\")",
        "error({a: 1})",
        "[limit(3; repeat(1))]",
        "reduce range(2100) as $i (0; [.])",
        "reduce range(200) as $i (0; {a: .})",
        "{} | .[\"é\"] = 1 | .b = 2",
        "[1, 2.5, -3e-5, 1e300, 1e-320]",
        "\"x\" * 3",
        "[.[]?] | length",
        "tostream",
        "env | type",
        "$__loc__",
        "input_line_number?",
    };
    json_t *in = json_pack("{s:i,s:[i,s]}", "a", 1, "b", 2, "c");
    for (size_t p = 0; p < sizeof programs / sizeof *programs; p++)
        same(programs[p], in);
    json_decref(in);
}

/* Every "{{ expr }}" of s, and s itself under the keys whose value is a
   program ("filter", "if", "foreach"). */
static void collect(const char *key, const json_t *v, json_t *programs)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) collect(k, x, programs);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) collect(key, x, programs);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (key && (!strcmp(key, "filter") || !strcmp(key, "if") || !strcmp(key, "foreach")) &&
            !strstr(s, "{{"))
            json_array_append_new(programs, json_string(s));
        for (const char *p = s; (p = strstr(p, "{{"));) {
            const char *end = strstr(p + 2, "}}");
            if (!end)
                break;
            json_array_append_new(programs, json_stringn(p + 2, (size_t)(end - p - 2)));
            p = end + 2;
        }
    }
}

static json_t *load_dir(const char *dir, bool recurse, json_t *into)
{
    DIR *d = opendir(dir);
    if (!d)
        return into;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *path = fs_xasprintf("%s/%s", dir, de->d_name);
        size_t n = strlen(de->d_name);
        if (n > 5 && !strcmp(de->d_name + n - 5, ".json")) {
            json_t *j = json_load_file(path, 0, NULL);
            if (j)
                json_array_append_new(into, j);
        } else if (recurse) {
            load_dir(path, false, into);
        }
        free(path);
    }
    closedir(d);
    return into;
}

static void test_library(void)
{
    const char *src = getenv("FEDSOAR_SOURCE_DIR");
    char *lib = fs_xasprintf("%s/playbooks/library", src ? src : ".");
    char *fix = fs_xasprintf("%s/tests/fixtures/ocsf_expected", src ? src : ".");
    json_t *playbooks = load_dir(lib, false, json_array());
    json_t *fixtures = load_dir(fix, true, json_array());
    CHECK(json_array_size(playbooks) >= 5);
    CHECK(json_array_size(fixtures) >= 10);
    json_t *programs = json_array();
    size_t i;
    json_t *pb;
    json_array_foreach(playbooks, i, pb) collect(NULL, pb, programs);
    CHECK(json_array_size(programs) >= 20);

    /* run contexts shaped like the engine's: the event, its case with every
       fixture event, an item, earlier steps' results */
    json_t *events = json_array();
    size_t f;
    json_t *fx;
    json_array_foreach(fixtures, f, fx)
    {
        json_t *list = json_is_array(fx) ? fx : json_object_get(fx, "events");
        if (json_is_array(list) && json_array_size(list) > 0)
            json_array_extend(events, list);
    }
    CHECK(json_array_size(events) >= 10);
    json_t *case_events = json_array(); /* a case of 16 events: contexts of tens of KB */
    for (size_t k = 0; k < 16 && k < json_array_size(events); k++)
        json_array_append(case_events, json_array_get(events, k));
    size_t n_ctx = json_array_size(events);
    const json_t **ctxs = fs_xcalloc(n_ctx ? n_ctx : 1, sizeof *ctxs);
    json_t *evs;
    size_t e;
    json_array_foreach(events, e, evs)
    {
        ctxs[e] = json_pack("{s:O,s:{s:s,s:i,s:O},s:s,s:{s:{s:s,s:i}}}", "event", evs, "case", "id",
                            "case-1", "severity_id", 4, "events", case_events, "item",
                            "198.51.100.7", "steps", "enrich", "status", "ok", "code", 200);
    }
    int programs_run = 0;
    size_t p;
    json_t *prog;
    json_array_foreach(programs, p, prog)
    {
        same_each(json_string_value(prog), ctxs, n_ctx);
        programs_run++;
    }
    for (e = 0; e < n_ctx; e++)
        json_decref((json_t *)ctxs[e]);
    free(ctxs);
    json_decref(case_events);
    CHECK(programs_run > 0);
    fprintf(stderr, "library: %zu programs over %zu events\n", json_array_size(programs),
            json_array_size(events));
    json_decref(events);
    json_decref(programs);
    json_decref(fixtures);
    json_decref(playbooks);
    free(lib);
    free(fix);
}

int main(void)
{
    test_values();
    test_outputs();
    test_library();
    fprintf(stderr, "%d program/input pairs compared\n", compared);
    return check_summary();
}
