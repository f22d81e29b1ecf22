/*  test_jq_program.c — the direct jansson <-> jv conversion of jq_program.c
    gives exactly what the JSON text round trip gave: for chosen values
    (numbers, strings with NUL, unicode and invalid bytes, nesting past the
    parsers' limits, key order), for programs that build awkward outputs, and
    for every jq program of the shipped playbooks (playbooks/library/NAME.json)
    over run contexts built from the OCSF fixtures; and a pinned value
    (fs_jq_pin_new: converted once, shared) gives those same outcomes; and
    every one of those programs, compiled as a member of a group
    (fs_jq_group_new) between two neighbours, gives what it gives compiled
    alone: outputs and error texts, compile errors naming the member. */
#include "check.h"
#include "common.h"
#include "jq_program.h"

#include <dirent.h>
#include <stdlib.h>

static int compared;
static int grouped, grouped_alone; /* members run in a combined program, or compiled alone */

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

/* fn's outcome with the values crossing as JSON text: the reference the
   direct conversion must equal (the same compiled program, so the test
   compiles each program once for both paths). */
static char *as_text(char *(*fn)(fs_jq_t *, const json_t *), fs_jq_t *program, const json_t *input)
{
    fs_jq_use_text_path(program, true);
    char *c = fn(program, input);
    fs_jq_use_text_path(program, false);
    return c;
}

/* Pinned values (fs_jq_pin_new) change nothing a program sees: the input
   pinned itself (met at depth 0), each object or array member pinned (met
   at depth 1), twice each (the second shares the first conversion); then
   the input pinned and converted alone, and met again one level down inside
   [input] (another depth: shared, but a value at the depth limit is walked
   again and falls back to text exactly as it would unpinned), also when
   pinned a second time. expected is the text path's
   outcome for input. */
static void pinned_same(fs_jq_t *direct, const json_t *input, const char *expected)
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
    char *want = as_text(outcome, direct, wrapped);
    pin = fs_jq_pin_new(input);
    char *c = outcome(direct, input);
    CHECK_STR(c, expected);
    free(c);
    c = outcome(direct, wrapped);
    CHECK_STR(c, want);
    free(c);
    fs_jq_pin_t *again = fs_jq_pin_new(input); /* pinned twice: the first conversion serves */
    c = outcome(direct, wrapped);
    CHECK_STR(c, want);
    free(c);
    fs_jq_pin_destroy(&again);
    fs_jq_pin_destroy(&pin);
    free(want);
    json_decref(wrapped);
}

static fs_jq_t *neighbour;

/* program over each input, direct and as text: the same outcomes. */
static void same_each(const char *program, const json_t *const *inputs, size_t n)
{
    fs_err_t e = {0};
    fs_jq_t *direct = fs_jq_compile(program, &e);
    CHECK(direct != NULL);
    if (!direct)
        return;
    /* the program as the middle member of a group, its neighbours run too */
    fs_jq_group_t *g = fs_jq_group_new();
    fs_jq_t *before = fs_jq_group_add(g, ".a? # a neighbour", "$.before");
    fs_jq_t *member = fs_jq_group_add(g, program, "$.member");
    fs_jq_t *after = fs_jq_group_add(g, "[.[]?] | length", "$.after");
    if (!neighbour) /* before, alone: compiled once for the whole test */
        neighbour = fs_jq_compile(".a? # a neighbour", &e);
    CHECK(fs_jq_group_compile(g, &e) == 0);
    fs_jq_group_destroy(&g);
    if (fs_jq_in_group(member))
        grouped++;
    else
        grouped_alone++;
    for (size_t i = 0; i < n; i++) {
        char *a = outcome(direct, inputs[i]), *b = as_text(outcome, direct, inputs[i]);
        if (strcmp(a, b) != 0)
            fprintf(stderr, "program %s: direct %.300s\n  text %.300s\n", program, a, b);
        CHECK_STR(a, b);
        char *m = outcome(member, inputs[i]);
        if (strcmp(a, m) != 0)
            fprintf(stderr, "program %s: alone %.300s\n  grouped %.300s\n", program, a, m);
        CHECK_STR(m, a);
        free(m);
        /* one input converted once, used twice (a template's expressions) */
        fs_jq_input_t *in = fs_jq_input_new(inputs[i]);
        for (int round = 0; round < 2; round++) {
            char *c = input_outcome(direct, in);
            CHECK_STR(c, b);
            free(c);
            c = input_outcome(member, in);
            CHECK_STR(c, b);
            free(c);
        }
        if (i == 0) { /* the neighbour before still gives its own outcome */
            char *nb = first_outcome(before, inputs[i]), *na = first_outcome(neighbour, inputs[i]);
            CHECK_STR(nb, na);
            free(nb);
            free(na);
        }
        fs_jq_input_destroy(&in);
        /* Pins on each program's first input and on every chosen value
           (one input each): the other fixture contexts take no path of the
           pins' code that the first does not. */
        if (i == 0)
            pinned_same(direct, inputs[i], b);
        free(a);
        free(b);
        a = first_outcome(direct, inputs[i]);
        b = as_text(first_outcome, direct, inputs[i]);
        CHECK_STR(a, b);
        free(b);
        b = first_outcome(member, inputs[i]);
        CHECK_STR(b, a);
        free(a);
        free(b);
        compared++;
    }
    fs_jq_destroy(&after); /* not in the order they were made */
    fs_jq_destroy(&direct);
    fs_jq_destroy(&member);
    fs_jq_destroy(&before);
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
        /* what a combined program could change (jq_group.c) */
        "path(..)",
        "[paths]",
        "[paths(type == \"number\")]",
        "path(.b[0])",
        "getpath([\"b\", 1])",
        "[limit(2; .[])]",
        "limit(0; 1, 2)",
        "label $out | 1, break $out, 2",
        "def f: . + 1; [.a | f]",
        "def f(g): g | g; [f(.b[0]?)]",
        "reduce .b[] as $x (0; . + 1)",
        "[foreach (1, 2, 3) as $x (0; . + $x)]",
        "$ENV | type",
        "input",
        "[inputs]",
        "first(inputs)?",
        "try input catch .",
        "input_filename",
        "1, halt_error, 2",
        "\"bye\" | halt_error(1)",
        "try error(\"x\") catch .",
        "error(null)",
        "error",
        ".a.b",
        ".b.c = 1",
        "del(.a) | keys",
        "to_entries",
        ". as [$x] | $x",
        ". as {a: $x} | $x",
        "\"\\(.a) and \\(\"(\" + \")\")\"",
        ".a # a trailing comment",
        ". # )",
        "tojson | fromjson",
        "[.[] | numbers]",
        "[splits(\"a\")?]",
        "(.a, .b) |= 7",
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

/* fs_jq_group_compile's error: the first failing member's where, then
   exactly fs_jq_compile's text; the other members still run. */
static void test_group_errors(void)
{
    const char *bad[] = {
        "1 +",
        "1); def x: (2", /* escapes a naive wrapper: it would compile there */
        "(1)) , ((2",    /* the same, never below zero only by luck */
        "_fs_jq_0",      /* another member's function */
        "$_fs_jq_sel",   /* the dispatcher's variable */
        "nosuchfunction",
        "\"open",
        "]",
        "import \"x\" as x; .",
        "def f: 1;",
        "",
        "# only a comment",
        ". #\r) , (1",
        "{a: (1]}",
    };
    json_t *in = json_pack("{s:i,s:i}", "a", 1, "b", 2);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fs_err_t alone_e = {0}, e = {0};
        fs_jq_t *alone = fs_jq_compile(bad[i], &alone_e);
        fs_jq_group_t *g = fs_jq_group_new();
        fs_jq_t *a = fs_jq_group_add(g, ".a", "$.rules[0].jq");
        fs_jq_t *x = fs_jq_group_add(g, bad[i], "$.rules[1].jq");
        fs_jq_t *b = fs_jq_group_add(g, ".b # last", "$.rules[2].jq");
        int rc = fs_jq_group_compile(g, &e);
        if (alone) {
            /* compiles alone (only defs, empty, a comment): the same in a group */
            CHECK(rc == 0);
            char *want = outcome(alone, in), *got = outcome(x, in);
            CHECK_STR(got, want);
            free(want);
            free(got);
        } else {
            char *want = fs_xasprintf("$.rules[1].jq: %s", alone_e.text);
            CHECK(rc == -1);
            CHECK_STR(e.text, want);
            CHECK(e.code == alone_e.code);
            CHECK(fs_jq_group_failed_where(g) &&
                  !strcmp(fs_jq_group_failed_where(g), "$.rules[1].jq"));
            free(want);
            fs_err_t re = {0};
            CHECK(fs_jq_first(x, in, &re) == NULL);
            CHECK_STR(re.text, "jq: program not compiled");
            CHECK(!fs_jq_in_group(x));
        }
        json_t *va = fs_jq_first(a, in, &e), *vb = fs_jq_first(b, in, &e);
        CHECK(json_integer_value(va) == 1 && json_integer_value(vb) == 2);
        json_decref(va);
        json_decref(vb);
        fs_jq_group_destroy(&g);
        fs_jq_destroy(&x);
        fs_jq_destroy(&a);
        fs_jq_destroy(&b);
        fs_jq_destroy(&alone);
    }
    /* two failing members: the first added is named */
    fs_err_t e = {0};
    fs_jq_group_t *g = fs_jq_group_new();
    fs_jq_t *m[4] = {fs_jq_group_add(g, ".", "one"), fs_jq_group_add(g, "(", "two"),
                     fs_jq_group_add(g, ")", "three"), fs_jq_group_add(g, ".a", NULL)};
    CHECK(fs_jq_group_compile(g, &e) == -1);
    CHECK(!strncmp(e.text, "two: jq program does not compile: ", 34));
    CHECK_STR(fs_jq_group_failed_where(g), "two");
    json_t *v = fs_jq_first(m[3], in, &e);
    CHECK(json_integer_value(v) == 1);
    json_decref(v);
    /* a later compile takes only the members added since */
    fs_jq_t *late = fs_jq_group_add(g, ".b", "late");
    CHECK(fs_jq_group_compile(g, &e) == 0);
    CHECK(fs_jq_group_failed_where(g) == NULL);
    v = fs_jq_first(late, in, &e);
    CHECK(json_integer_value(v) == 2);
    json_decref(v);
    fs_jq_destroy(&late);
    for (int i = 0; i < 4; i++)
        fs_jq_destroy(&m[i]);
    fs_jq_group_destroy(&g);
    fs_jq_group_destroy(&g); /* idempotent */
    CHECK(g == NULL);
    json_decref(in);
}

/* Members and group destroyed in every order; a member destroyed before
   the compile; a group destroyed before it (its members never run). */
static void test_group_lifetimes(void)
{
    json_t *in = json_pack("{s:i}", "a", 5);
    for (int order = 0; order < 4; order++) {
        fs_err_t e = {0};
        fs_jq_group_t *g = fs_jq_group_new();
        fs_jq_t *m[3];
        for (int i = 0; i < 3; i++)
            m[i] = fs_jq_group_add(g, i == 1 ? ".a + 1" : ".a", "m");
        if (order == 3)
            fs_jq_destroy(&m[0]); /* gone before the compile */
        CHECK(fs_jq_group_compile(g, &e) == 0);
        CHECK(fs_jq_in_group(m[1]) && fs_jq_in_group(m[2]));
        if (order == 0)
            fs_jq_group_destroy(&g);
        for (int i = 0; i < 3; i++) {
            int k = order == 1 ? 2 - i : i;
            if (!m[k])
                continue;
            json_t *v = fs_jq_first(m[k], in, &e);
            CHECK(json_integer_value(v) == (k == 1 ? 6 : 5));
            json_decref(v);
            fs_jq_destroy(&m[k]);
        }
        fs_jq_group_destroy(&g);
    }
    fs_err_t e = {0};
    fs_jq_group_t *g = fs_jq_group_new();
    fs_jq_t *never = fs_jq_group_add(g, ".", "x");
    fs_jq_group_destroy(&g);
    CHECK(fs_jq_all(never, in, &e) == NULL);
    CHECK_STR(e.text, "jq: program not compiled");
    CHECK(!fs_jq_test(never, in, &e));
    fs_jq_input_t *ji = fs_jq_input_new(in);
    CHECK(fs_jq_all_input(never, ji, &e) == NULL);
    fs_jq_input_destroy(&ji);
    fs_jq_destroy(&never);
    json_decref(in);
}

int main(void)
{
    test_group_errors();
    test_group_lifetimes();
    test_values();
    test_outputs();
    test_library();
    fprintf(stderr, "%d program/input pairs compared; %d programs ran in a group, %d alone\n",
            compared, grouped, grouped_alone);
    CHECK(grouped > 100);
    fs_jq_destroy(&neighbour);
    return check_summary();
}
