/*  test_jq_regex_cache.c — libjq's regexes compiled once (jq_regex_cache.h):
    every regex builtin gives what it gave, each distinct (pattern, flags)
    is compiled once, a bad pattern keeps its error and is never kept, and
    past the cap patterns are compiled per call as before. */
#include "check.h"
#include "common.h"
#include "jq_program.h"
#include "jq_regex_cache.h"

#include <stdio.h>

/* The program's outputs as compact JSON text, or "error: MESSAGE". */
static char *outcome(const char *program, const char *input_text)
{
    fs_err_t e = {0};
    fs_jq_t *jq = fs_jq_compile(program, &e);
    if (!jq)
        return fs_xasprintf("compile: %s", e.text);
    json_t *input = json_loads(input_text, JSON_DECODE_ANY, NULL);
    json_t *all = fs_jq_all(jq, input, &e);
    char *text =
        all ? json_dumps(all, JSON_COMPACT | JSON_ENCODE_ANY) : fs_xasprintf("error: %s", e.text);
    json_decref(all);
    json_decref(input);
    fs_jq_destroy(&jq);
    return text;
}

static void expect(const char *program, const char *input, const char *want)
{
    char *got = outcome(program, input);
    CHECK_STR(got, want);
    free(got);
}

/* Every regex builtin of libjq 1.6, the first time (compiled) and again
   (from the cache): the same answers both times. */
static void builtins_answer_the_same(void)
{
    for (int round = 0; round < 2; round++) {
        expect("test(\"b+\")", "\"abbc\"", "[true]");
        expect("test(\"B+\")", "\"abbc\"", "[false]");
        expect("test(\"B+\"; \"i\")", "\"abbc\"", "[true]"); /* flags are part of the key */
        expect("[match(\"(?<d>[0-9]+)\"; \"g\") | .string]", "\"a1b22c333\"",
               "[[\"1\",\"22\",\"333\"]]");
        expect("capture(\"(?<user>[^@]+)@(?<host>.+)\")", "\"ana@corp.example\"",
               "[{\"user\":\"ana\",\"host\":\"corp.example\"}]");
        expect("[scan(\"[a-z]+\")]", "\"ab 12 cd\"", "[[\"ab\",\"cd\"]]");
        expect("split(\", *\"; null)", "\"a, b,c\"", "[[\"a\",\"b\",\"c\"]]");
        expect("sub(\"o\"; \"0\")", "\"foo\"", "[\"f0o\"]");
        expect("gsub(\"o\"; \"0\")", "\"foo\"", "[\"f00\"]");
        expect("test(\"^(10\\\\.|192\\\\.168\\\\.)\")", "\"192.168.1.9\"", "[true]");
        expect("test(\"^(10\\\\.|192\\\\.168\\\\.)\")", "\"198.18.0.1\"", "[false]");
    }
}

static void bad_pattern_keeps_its_error(void)
{
    fs_jq_regex_cache_stats_t before = fs_jq_regex_cache_stats();
    for (int round = 0; round < 2; round++) {
        char *got = outcome("test(\"(unclosed\")", "\"x\"");
        CHECK_STR(got, "error: jq: Regex failure: end pattern with unmatched parenthesis");
        free(got);
    }
    fs_jq_regex_cache_stats_t after = fs_jq_regex_cache_stats();
    CHECK(after.kept == before.kept);             /* a failure is never kept */
    CHECK(after.compiles == before.compiles + 2); /* so it is tried each time */
}

static void each_pattern_compiled_once(void)
{
    fs_jq_regex_cache_release();
    fs_err_t e = {0};
    fs_jq_t *jq = fs_jq_compile("[.[] | test(\"^T1(078|550)\")] | map(select(.)) | length", &e);
    json_t *input = json_pack("[s, s, s]", "T1078", "T1003", "T1550.001");
    for (int i = 0; i < 100; i++) {
        json_t *n = fs_jq_first(jq, input, &e);
        CHECK(json_integer_value(n) == 2);
        json_decref(n);
    }
    fs_jq_regex_cache_stats_t s = fs_jq_regex_cache_stats();
    CHECK(s.kept == 1);
    CHECK(s.compiles == 1);
    CHECK(s.hits == 299); /* 3 strings x 100 calls, less the first compile */
    json_decref(input);
    fs_jq_destroy(&jq);
}

/* Past FS_JQ_REGEX_CACHE_MAX patterns, new ones are compiled per call and
   answer right; the kept ones still answer from the cache. */
static void past_the_cap(void)
{
    fs_jq_regex_cache_release();
    fs_err_t e = {0};
    fs_jq_t *jq = fs_jq_compile(".[0] as $re | .[1] | test($re)", &e);
    int wrong = 0;
    for (int i = 0; i < FS_JQ_REGEX_CACHE_MAX + 40; i++) {
        char re[32], hit[32];
        snprintf(re, sizeof re, "^id-%d$", i);
        snprintf(hit, sizeof hit, "id-%d", i);
        json_t *yes = json_pack("[s, s]", re, hit), *no = json_pack("[s, s]", re, "id-x");
        wrong += !fs_jq_test(jq, yes, &e) + fs_jq_test(jq, no, &e);
        json_decref(yes);
        json_decref(no);
    }
    CHECK(wrong == 0);
    fs_jq_regex_cache_stats_t s = fs_jq_regex_cache_stats();
    CHECK(s.kept == FS_JQ_REGEX_CACHE_MAX);
    CHECK(s.compiles == FS_JQ_REGEX_CACHE_MAX + 2 * 40); /* 40 uncached patterns, twice each */
    CHECK(s.hits == FS_JQ_REGEX_CACHE_MAX);              /* the second call of each kept one */
    fs_jq_destroy(&jq);
    fs_jq_regex_cache_release();
    CHECK(fs_jq_regex_cache_stats().kept == 0);
}

int main(void)
{
    builtins_answer_the_same();
    bad_pattern_keeps_its_error();
    each_pattern_compiled_once();
    past_the_cap();
    fs_jq_regex_cache_release(); /* leaves nothing for ASan/valgrind */
    return check_summary();
}
