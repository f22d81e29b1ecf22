/*  test_playbooks.c — playbook validation errors (with JSON paths), trigger
    matching, jq templates and foreach planning. */
#include "check.h"
#include "playbooks.h"

static json_t *J(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    if (!v)
        fprintf(stderr, "bad test JSON: %s\n", text);
    return v;
}

static void expect_error(const char *doc, const char *fragment)
{
    fs_err_t e = {{0}};
    json_t *d = J(doc);
    playbook_t *pb = playbook_parse(d, "t.json", &e);
    CHECK(pb == NULL);
    if (!strstr(e.text, fragment))
        fprintf(stderr, "  error \"%s\" lacks \"%s\"\n", e.text, fragment);
    CHECK(strstr(e.text, fragment) != NULL);
    playbook_destroy(&pb);
    json_decref(d);
}

static const char *GOOD =
    "{\"name\":\"pb\",\"trigger\":{\"class_uid\":[2004],\"sites\":[\"alpha\"],"
    "\"filter\":\".severity_id >= 4\"},\"steps\":["
    "{\"id\":\"s\",\"type\":\"set\",\"case\":{\"status\":\"analysis\",\"assignee\":\"{{ .event.site }}-soc\"}},"
    "{\"id\":\"block\",\"type\":\"openc2\",\"site\":\"{{ .event.site }}\","
    "\"foreach\":\".event.observables[] | select(.type_id == 2) | .value\","
    "\"command\":{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"{{ .item }}\"},"
    "\"args\":{\"duration\":\"{{ 60 * 1000 }}\"}}}]}";

static void test_errors(void)
{
    expect_error("[]", "t.json: $: a playbook is a JSON object");
    expect_error("{\"name\":\"Bad Name\",\"trigger\":{},\"steps\":[]}", "$.name");
    expect_error("{\"name\":\"x\",\"steps\":[{}]}", "$.trigger: required");
    expect_error("{\"name\":\"x\",\"trigger\":{\"class_uid\":\"2004\"},\"steps\":[]}", "$.trigger.class_uid");
    expect_error("{\"name\":\"x\",\"trigger\":{\"filter\":\".a ||| b\"},\"steps\":[]}", "$.trigger.filter: jq program does not compile");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[]}", "$.steps: required, a non-empty array");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"teleport\"}]}", "$.steps[0].type: unknown step type");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"approval\"}]}", "not supported by this broker yet");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"set\",\"case\":{}},{\"id\":\"a\",\"type\":\"set\",\"case\":{}}]}", "$.steps[1].id: \"a\" is used");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"openc2\",\"command\":{\"action\":\"deny\"}}]}", "$.steps[0].command");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"openc2\",\"command\":{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"{{ .x | }}\"}}}]}", "$.steps[0].command.target.ipv4_net");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"set\",\"case\":{\"status\":\"{{ .x \"}}]}", "without \"}}\"");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"extra\":1,\"steps\":[]}", "$.extra: unknown field");
}

static void test_match_and_plan(void)
{
    fs_err_t e = {{0}};
    json_t *d = J(GOOD);
    playbook_t *pb = playbook_parse(d, "good.json", &e);
    CHECK(pb != NULL);
    if (!pb) {
        fprintf(stderr, "  %s\n", e.text);
        json_decref(d);
        return;
    }
    CHECK_INT(strlen(playbook_version(pb)), 64);
    json_t *ev = J("{\"class_uid\":2004,\"site\":\"alpha\",\"severity_id\":5,\"observables\":["
                   "{\"type_id\":2,\"value\":\"203.0.113.9\"},{\"type_id\":1,\"value\":\"h\"},"
                   "{\"type_id\":2,\"value\":\"203.0.113.9\"},{\"type_id\":2,\"value\":\"198.51.100.1\"}]}");
    CHECK(playbook_matches(pb, ev, &e));
    json_object_set_new(ev, "severity_id", json_integer(2));
    CHECK(!playbook_matches(pb, ev, &e));
    json_object_set_new(ev, "severity_id", json_integer(5));
    json_object_set_new(ev, "site", json_string("beta"));
    CHECK(!playbook_matches(pb, ev, &e)); /* site not in trigger.sites */
    json_object_set_new(ev, "site", json_string("alpha"));
    json_object_set_new(ev, "class_uid", json_integer(3002));
    CHECK(!playbook_matches(pb, ev, &e));
    json_object_set_new(ev, "class_uid", json_integer(2004));

    json_t *ctx = json_pack("{s:O, s:{}}", "event", ev, "case");
    json_t *plan = playbook_plan(pb, ctx, &e);
    CHECK(plan != NULL);
    CHECK_INT(json_array_size(plan), 3); /* set + one deny per distinct IP */
    json_t *set = json_array_get(plan, 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(set, "case"), "assignee")), "alpha-soc");
    json_t *a1 = json_array_get(plan, 1), *a2 = json_array_get(plan, 2);
    CHECK_STR(json_string_value(json_object_get(a1, "site")), "alpha");
    CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(a1, "command"), "target"), "ipv4_net")), "203.0.113.9");
    CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(a2, "command"), "target"), "ipv4_net")), "198.51.100.1");
    /* A whole-string template keeps the value's type. */
    CHECK(json_is_integer(json_object_get(json_object_get(json_object_get(a1, "command"), "args"), "duration")));
    json_decref(plan);
    json_decref(ctx);
    json_decref(ev);
    playbook_destroy(&pb);
    CHECK(pb == NULL);
    playbook_destroy(&pb); /* idempotent */
    json_decref(d);
}

static void test_runtime_error(void)
{
    fs_err_t e = {{0}};
    json_t *d = J("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"openc2\","
                  "\"foreach\":\".event.n | error(\\\"boom\\\")\",\"command\":{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"{{ .item }}\"}}}]}");
    playbook_t *pb = playbook_parse(d, "x.json", &e);
    CHECK(pb != NULL);
    json_t *ctx = J("{\"event\":{\"n\":1}}");
    json_t *plan = pb ? playbook_plan(pb, ctx, &e) : NULL;
    CHECK(plan == NULL);
    CHECK(strstr(e.text, "step a") != NULL && strstr(e.text, "boom") != NULL);
    json_decref(ctx);
    playbook_destroy(&pb);
    json_decref(d);
}

static void test_shipped_library(void)
{
    fs_err_t e = {{0}};
    playbook_set_t *set = playbook_set_load(FEDSOAR_PLAYBOOKS_DIR, &e);
    if (!set)
        fprintf(stderr, "  %s\n", e.text);
    CHECK(set != NULL);
    CHECK(playbook_set_count(set) >= 1);
    playbook_set_destroy(&set);
    CHECK(playbook_set_load("/nonexistent-dir", &e) == NULL);
    CHECK(strstr(e.text, "/nonexistent-dir") != NULL);
}

int main(void)
{
    test_errors();
    test_match_and_plan();
    test_runtime_error();
    test_shipped_library();
    return check_summary();
}
