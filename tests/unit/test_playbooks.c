/*  test_playbooks.c — playbook validation (errors with JSON paths), trigger
    matching, and the durable engine: effects, deliveries, retries with
    backoff, approvals and their timeouts, branches, foreach, parallel,
    sub-playbooks, on_error, and that walking again repeats nothing. */
#include "check.h"
#include "playbooks.h"

static json_t *J(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, 0, &je);
    if (!v)
        fprintf(stderr, "bad test JSON (%s): %s\n", je.text, text);
    return v;
}

static playbook_t *P(const char *text)
{
    fs_err_t e = {0};
    json_t *d = J(text);
    playbook_t *pb = playbook_parse(d, "t.json", &e);
    if (!pb)
        fprintf(stderr, "  parse failed: %s\n", e.text);
    json_decref(d);
    return pb;
}

static void expect_error(const char *doc, const char *fragment)
{
    fs_err_t e = {0};
    json_t *d = J(doc);
    playbook_t *pb = playbook_parse(d, "t.json", &e);
    CHECK(pb == NULL);
    if (!strstr(e.text, fragment))
        fprintf(stderr, "  error \"%s\" lacks \"%s\"\n", e.text, fragment);
    CHECK(strstr(e.text, fragment) != NULL);
    playbook_destroy(&pb);
    json_decref(d);
}

static void test_errors(void)
{
    expect_error("[]", "t.json: $: a playbook is a JSON object");
    expect_error("{\"name\":\"Bad Name\",\"trigger\":{},\"steps\":[]}", "$.name");
    expect_error("{\"name\":\"x\",\"steps\":[{}]}", "$.trigger: required");
    expect_error("{\"name\":\"x\",\"trigger\":{\"class_uid\":\"2004\"},\"steps\":[]}",
                 "$.trigger.class_uid");
    expect_error("{\"name\":\"x\",\"trigger\":{\"filter\":\".a ||| b\"},\"steps\":[]}",
                 "$.trigger.filter: jq program does not compile");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[]}",
                 "$.steps: required, a non-empty array");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"teleport\"}]}",
                 "$.steps[0].type: unknown step type");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"set\","
                 "\"case\":{\"status\":\"new\"}},{\"id\":\"a\",\"type\":\"set\",\"case\":{}}]}",
                 "$.steps[1].id: \"a\" is used");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"openc2\","
                 "\"command\":{\"action\":\"deny\"}}]}",
                 "$.steps[0].command");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"openc2\","
                 "\"command\":{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"{{ .x | }}\"}}}]}",
                 "$.steps[0].command.target.ipv4_net");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"set\","
                 "\"case\":{\"status\":\"{{ .x \"}}]}",
                 "without \"}}\"");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"extra\":1,\"steps\":[]}",
                 "$.extra: unknown field");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"g\",\"type\":\"approval\","
                 "\"role\":\"approver\"}]}",
                 "$.steps[0].timeout: required");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"g\",\"type\":\"approval\","
                 "\"role\":\"approver\",\"timeout\":\"soon\"}]}",
                 "$.steps[0].timeout: not a duration");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"c\",\"type\":\"condition\","
                 "\"if\":\".a\",\"then\":[{\"id\":\"d\",\"type\":\"wait\"}]}]}",
                 "$.steps[0].then[0].duration: required");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"p\",\"type\":\"parallel\","
                 "\"branches\":[[{\"id\":\"q\",\"type\":\"set\",\"case\":{\"colour\":1}}]]}]}",
                 "$.steps[0].branches[0][0].case.colour: unknown field");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"set\","
                 "\"case\":{\"status\":\"new\"},\"retry\":{\"max\":0}}]}",
                 "$.steps[0].retry.max");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"playbook\","
                 "\"name\":\"x\"}]}",
                 "cannot call itself");
    expect_error("{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":\"enrich\"}]}",
                 "$.steps[0].analyzer: required");
}

static const char *EVENT =
    "{\"class_uid\":2004,\"site\":\"alpha\",\"severity_id\":5,\"observables\":["
    "{\"type_id\":2,\"value\":\"203.0.113.9\"},{\"type_id\":1,\"value\":\"h\"},"
    "{\"type_id\":2,\"value\":\"203.0.113.9\"},{\"type_id\":2,\"value\":\"198.51.100.1\"}]}";

/* One advance; returns the effects (caller owns) and sets *rc. */
static json_t *step(const playbook_t *pb, json_t *run, int64_t now, int *rc)
{
    json_t *ctx = json_pack("{s:o, s:{}}", "event", J(EVENT), "case");
    json_t *fx = json_array();
    fs_err_t e = {0};
    *rc = playbook_advance(pb, run, ctx, now, NULL, NULL, fx, &e);
    json_decref(ctx);
    return fx;
}

static size_t count_kind(const json_t *fx, const char *kind)
{
    size_t n = 0, i;
    json_t *f;
    json_array_foreach(fx, i, f) n +=
        strcmp(json_string_value(json_object_get(f, "kind")), kind) == 0;
    return n;
}

static json_t *first_kind(const json_t *fx, const char *kind)
{
    size_t i;
    json_t *f;
    json_array_foreach(fx, i, f) if (strcmp(json_string_value(json_object_get(f, "kind")), kind) ==
                                     0) return f;
    return NULL;
}

static void test_match(void)
{
    playbook_t *pb =
        P("{\"name\":\"m\",\"trigger\":{\"class_uid\":[2004],\"sites\":[\"alpha\"],\"filter\":\"."
          "severity_id >= 4\"},"
          "\"steps\":[{\"id\":\"s\",\"type\":\"set\",\"case\":{\"status\":\"analysis\"}}]}");
    json_t *ev = J(EVENT);
    fs_err_t e = {0};
    CHECK(pb && playbook_matches(pb, ev, &e));
    json_object_set_new(ev, "severity_id", json_integer(2));
    CHECK(pb && !playbook_matches(pb, ev, &e));
    json_object_set_new(ev, "severity_id", json_integer(5));
    json_object_set_new(ev, "site", json_string("beta"));
    CHECK(pb && !playbook_matches(pb, ev, &e));
    CHECK_INT(pb ? strlen(playbook_version(pb)) : 0, 64);
    json_decref(ev);
    playbook_destroy(&pb);
    CHECK(pb == NULL);
    playbook_destroy(&pb); /* idempotent */
}

static void test_commands_and_rewalk(void)
{
    playbook_t *pb = P("{\"name\":\"c\",\"trigger\":{},\"steps\":["
                       "{\"id\":\"s\",\"type\":\"set\",\"case\":{\"status\":\"analysis\","
                       "\"assignee\":\"{{ .event.site }}-soc\"}},"
                       "{\"id\":\"block\",\"type\":\"openc2\",\"site\":\"{{ .event.site }}\","
                       "\"foreach\":\".event.observables[] | select(.type_id == 2) | .value\","
                       "\"command\":{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"{{ .item "
                       "}}\"},\"args\":{\"duration\":\"{{ 60 * 1000 }}\"}}},"
                       "{\"id\":\"after\",\"type\":\"set\",\"case\":{\"note\":\"blocked {{ "
                       ".steps.block | length }}\"}}]}");
    if (!pb)
        return;
    json_t *run = json_pack("{s:i}", "id", 7);
    int rc;
    json_t *fx = step(pb, run, 1000, &rc);
    CHECK_INT(rc, 0);
    CHECK_STR(json_string_value(json_object_get(run, "status")), "waiting");
    CHECK_INT(count_kind(fx, "case"), 1);
    CHECK_INT(count_kind(fx, "command"), 2); /* one per distinct IP */
    json_t *c0 = first_kind(fx, "command");
    CHECK_STR(json_string_value(json_object_get(c0, "site")), "alpha");
    CHECK_STR(json_string_value(json_object_get(
                  json_object_get(json_object_get(c0, "command"), "target"), "ipv4_net")),
              "203.0.113.9");
    CHECK(json_is_integer(
        json_object_get(json_object_get(json_object_get(c0, "command"), "args"), "duration")));
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(first_kind(fx, "case"), "fields"), "assignee")),
              "alpha-soc");
    json_decref(fx);
    /* Walking again without news repeats nothing: the durability property. */
    fx = step(pb, run, 1001, &rc);
    CHECK_INT(count_kind(fx, "command"), 0);
    CHECK_INT(count_kind(fx, "case"), 0);
    json_decref(fx);
    json_t *ok = J("{\"status\":200}");
    CHECK_INT(playbook_deliver(run, "1", 0, "ok", ok, 1002), 0);
    CHECK_INT(playbook_deliver(run, "1", 0, "ok", ok, 1002), 1); /* duplicate */
    fx = step(pb, run, 1003, &rc);
    CHECK_INT(rc, 0); /* still one outstanding */
    json_decref(fx);
    CHECK_INT(playbook_deliver(run, "1", 1, "ok", ok, 1004), 0);
    fx = step(pb, run, 1005, &rc);
    CHECK_INT(rc, 1);
    CHECK_STR(json_string_value(json_object_get(run, "status")), "completed");
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(first_kind(fx, "case"), "fields"), "note")),
              "blocked 2");
    json_decref(fx);
    json_decref(ok);
    json_decref(run);
    playbook_destroy(&pb);
}

static void test_retry_and_failure(void)
{
    playbook_t *pb =
        P("{\"name\":\"r\",\"trigger\":{},\"steps\":[{\"id\":\"k\",\"type\":\"openc2\","
          "\"retry\":{\"max\":2,\"backoff\":\"1s\",\"factor\":3},"
          "\"command\":{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"192.0.2.1\"}}}]}");
    if (!pb)
        return;
    json_t *run = json_pack("{s:i}", "id", 1);
    int rc;
    json_decref(step(pb, run, 0, &rc));
    json_t *err = J("{\"status\":500,\"status_text\":\"firewall busy\"}");
    CHECK_INT(playbook_deliver(run, "0", 0, "error", err, 10), 0);
    json_t *fx = step(pb, run, 10, &rc);
    CHECK_INT(rc, 0);
    json_t *t = first_kind(fx, "timer");
    CHECK(t && json_integer_value(json_object_get(t, "at")) == 1010); /* backoff 1s */
    CHECK_STR(playbook_node_state(run, "0"), "retry");
    json_decref(fx);
    CHECK_INT(playbook_deliver(run, "0", 0, "timer", NULL, 500), 1); /* too early */
    CHECK_INT(playbook_deliver(run, "0", 0, "timer", NULL, 1010), 0);
    fx = step(pb, run, 1010, &rc);
    json_t *c = first_kind(fx, "command");
    CHECK(c && json_integer_value(json_object_get(c, "attempt")) == 2); /* a new execution id */
    json_decref(fx);
    CHECK_INT(playbook_deliver(run, "0", 0, "error", err, 1020), 0);
    fx = step(pb, run, 1020, &rc);
    t = first_kind(fx, "timer");
    CHECK(t && json_integer_value(json_object_get(t, "at")) == 1020 + 3000); /* factor 3 */
    json_decref(fx);
    playbook_deliver(run, "0", 0, "timer", NULL, 4020);
    json_decref(step(pb, run, 4020, &rc));
    playbook_deliver(run, "0", 0, "error", err, 4030);
    fx = step(pb, run, 4030, &rc);
    CHECK_INT(rc, -1); /* retries exhausted */
    CHECK_STR(json_string_value(json_object_get(run, "status")), "failed");
    CHECK(strstr(json_string_value(json_object_get(run, "error")), "firewall busy") != NULL);
    json_decref(fx);
    json_decref(err);
    json_decref(run);
    playbook_destroy(&pb);
}

static void test_retried_action(void)
{
    playbook_t *pb =
        P("{\"name\":\"t\",\"trigger\":{},\"steps\":[{\"id\":\"tk\",\"type\":\"action\","
          "\"responder\":\"ticket\",\"retry\":{\"max\":2,\"backoff\":1}}]}");
    if (!pb)
        return;
    json_t *run = json_pack("{s:i}", "id", 1);
    json_t *err = J("{\"status_text\":\"down\"}"), *ok = J("{\"ticket\":\"SEC-1\"}");
    int rc;
    json_decref(step(pb, run, 0, &rc));
    CHECK_INT(playbook_deliver(run, "0", 0, "error", err, 1), 0);
    json_decref(step(pb, run, 1, &rc));
    CHECK_INT(playbook_deliver(run, "0", 0, "timer", NULL, 1001), 0);
    json_t *fx = step(pb, run, 1001, &rc);
    CHECK_INT(count_kind(fx, "request"), 1);
    json_decref(fx);
    /* The second attempt's result is news, not a duplicate of the first's. */
    CHECK_INT(playbook_deliver(run, "0", 0, "ok", ok, 1002), 0);
    json_decref(step(pb, run, 1002, &rc));
    CHECK_INT(rc, 1);
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(json_object_get(run, "steps"), "tk"), "ticket")),
              "SEC-1");
    json_decref(err);
    json_decref(ok);
    json_decref(run);
    playbook_destroy(&pb);
}

static void test_approval(void)
{
#define GATE_DOC(on_timeout)                                                                       \
    "{\"name\":\"a\",\"trigger\":{},\"steps\":["                                                   \
    "{\"id\":\"gate\",\"type\":\"approval\",\"role\":\"approver\",\"quorum\":2,\"timeout\":"       \
    "\"1h\","                                                                                      \
    "\"on_timeout\":\"" on_timeout "\",\"reason\":\"contain {{ .event.site }}\"},"                 \
    "{\"id\":\"go\",\"type\":\"set\",\"case\":{\"status\":\"containment\"}}]}"
    playbook_t *pb = P(GATE_DOC("deny"));
    if (!pb)
        return;
    json_t *run = json_pack("{s:i}", "id", 2);
    int rc;
    json_t *fx = step(pb, run, 0, &rc);
    json_t *ap = first_kind(fx, "approval");
    CHECK(ap != NULL);
    CHECK_STR(json_string_value(json_object_get(ap, "reason")), "contain alpha");
    CHECK_INT(json_integer_value(json_object_get(ap, "quorum")), 2);
    CHECK_INT(json_integer_value(json_object_get(ap, "deadline")), 3600000);
    CHECK(first_kind(fx, "timer") != NULL);
    json_decref(fx);
    json_t *dec = J("{\"decision\":\"approved\"}");
    CHECK_INT(playbook_deliver(run, "0", 0, "approved", dec, 10), 0);
    fx = step(pb, run, 10, &rc);
    CHECK_INT(rc, 1);
    CHECK_INT(count_kind(fx, "case"), 1);
    json_decref(fx);
    json_decref(run);

    /* Denied: the run stops as "denied", the gated step never runs. */
    run = json_pack("{s:i}", "id", 3);
    json_decref(step(pb, run, 0, &rc));
    CHECK_INT(playbook_deliver(run, "0", 0, "denied", dec, 10), 0);
    fx = step(pb, run, 10, &rc);
    CHECK_INT(rc, -1);
    CHECK_STR(json_string_value(json_object_get(run, "status")), "denied");
    CHECK_INT(count_kind(fx, "case"), 0);
    json_decref(fx);
    json_decref(run);

    /* Timeout with on_timeout deny, and the timer is what decides. */
    run = json_pack("{s:i}", "id", 4);
    json_decref(step(pb, run, 0, &rc));
    CHECK_INT(playbook_deliver(run, "0", 0, "timer", NULL, 3599999), 1);
    CHECK_INT(playbook_deliver(run, "0", 0, "timer", NULL, 3600000), 0);
    json_decref(step(pb, run, 3600000, &rc));
    CHECK_STR(json_string_value(json_object_get(run, "status")), "denied");
    json_decref(run);
    playbook_destroy(&pb);

    pb = P(GATE_DOC("approve"));
    run = json_pack("{s:i}", "id", 5);
    json_decref(step(pb, run, 0, &rc));
    playbook_deliver(run, "0", 0, "timer", NULL, 3600000);
    json_decref(step(pb, run, 3600000, &rc));
    CHECK_STR(json_string_value(json_object_get(run, "status")), "completed");
    json_decref(run);
    json_decref(dec);
    playbook_destroy(&pb);
}

static void test_structure(void)
{
    playbook_t *pb =
        P("{\"name\":\"s\",\"trigger\":{},\"steps\":["
          "{\"id\":\"c\",\"type\":\"condition\",\"if\":\".event.severity_id > 4\","
          " \"then\":[{\"id\":\"hi\",\"type\":\"set\",\"case\":{\"severity_id\":5}}],"
          " \"else\":[{\"id\":\"lo\",\"type\":\"set\",\"case\":{\"severity_id\":1}}]},"
          "{\"id\":\"each\",\"type\":\"foreach\",\"items\":\".event.observables[].value\","
          " \"steps\":[{\"id\":\"n\",\"type\":\"set\",\"case\":{\"note\":\"saw {{ .item }}\"}}]},"
          "{\"id\":\"par\",\"type\":\"parallel\",\"branches\":["
          " [{\"id\":\"w1\",\"type\":\"wait\",\"duration\":\"5s\"}],"
          " [{\"id\":\"w2\",\"type\":\"wait\",\"duration\":\"10s\"}]]},"
          "{\"id\":\"bad\",\"type\":\"openc2\",\"on_error\":[{\"id\":\"h\",\"type\":\"set\","
          "\"case\":{\"note\":\"handled {{ .steps.bad }}\"}}],"
          " \"command\":{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"192.0.2.2\"}}},"
          "{\"id\":\"cont\",\"type\":\"openc2\",\"on_error\":\"continue\",\"command\":{\"action\":"
          "\"deny\",\"target\":{\"ipv4_net\":\"192.0.2.3\"}}},"
          "{\"id\":\"end\",\"type\":\"set\",\"case\":{\"status\":\"closed\"}}]}");
    if (!pb)
        return;
    json_t *run = json_pack("{s:i}", "id", 9);
    int rc;
    json_t *fx = step(pb, run, 0, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(count_kind(fx, "case"), 1 + 4); /* then-branch + one note per observable */
    CHECK_INT(count_kind(fx, "timer"), 2);    /* both parallel branches wait at once */
    CHECK_STR(json_string_value(json_object_get(run, "steps")
                                    ? json_object_get(json_object_get(run, "steps"), "c")
                                    : NULL),
              "then");
    json_decref(fx);
    playbook_deliver(run, "2/b0/0", 0, "timer", NULL, 5000);
    fx = step(pb, run, 5000, &rc);
    CHECK_INT(count_kind(fx, "command"), 0); /* the other branch still waits */
    json_decref(fx);
    playbook_deliver(run, "2/b1/0", 0, "timer", NULL, 10000);
    fx = step(pb, run, 10000, &rc);
    CHECK_INT(count_kind(fx, "command"), 1);
    json_decref(fx);
    json_t *err = J("{\"status\":501,\"status_text\":\"no actuator\"}");
    playbook_deliver(run, "3", 0, "error", err, 10001);
    fx = step(pb, run, 10001, &rc);
    CHECK_INT(count_kind(fx, "case"), 1); /* the on_error step ran */
    CHECK_INT(count_kind(fx, "command"), 1);
    json_decref(fx);
    playbook_deliver(run, "4", 0, "error", err, 10002);
    fx = step(pb, run, 10002, &rc);
    CHECK_INT(rc, 1); /* on_error continue: the run goes on and completes */
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(first_kind(fx, "case"), "fields"), "status")),
              "closed");
    json_decref(fx);
    json_decref(err);
    json_decref(run);
    playbook_destroy(&pb);
}

static const playbook_t *SUB;
static const playbook_t *lookup(void *arg, const char *name)
{
    (void)arg;
    return SUB && strcmp(name, playbook_name(SUB)) == 0 ? SUB : NULL;
}

static void test_sub_and_runtime_error(void)
{
    playbook_t *sub = P("{\"name\":\"notify\",\"trigger\":{},\"steps\":[{\"id\":\"x\",\"type\":"
                        "\"set\",\"case\":{\"note\":\"from sub\"}}]}");
    playbook_t *pb =
        P("{\"name\":\"main\",\"trigger\":{},\"steps\":[{\"id\":\"call\",\"type\":\"playbook\","
          "\"name\":\"notify\"},"
          "{\"id\":\"boom\",\"type\":\"foreach\",\"items\":\".event.n | "
          "error(\\\"boom\\\")\",\"steps\":[{\"id\":\"y\",\"type\":\"wait\",\"duration\":1}]}]}");
    SUB = sub;
    json_t *run = json_pack("{s:i}", "id", 11);
    json_t *ctx = json_pack("{s:{s:i}, s:{}}", "event", "n", 1, "case");
    json_t *fx = json_array();
    fs_err_t e = {0};
    int rc = pb ? playbook_advance(pb, run, ctx, 0, lookup, NULL, fx, &e) : 0;
    CHECK_INT(rc, -1);
    CHECK_INT(count_kind(fx, "case"), 1); /* the sub-playbook's step ran */
    const char *error = json_string_value(json_object_get(run, "error"));
    CHECK(error && strstr(error, "step boom") && strstr(error, "boom"));
    json_decref(fx);
    json_decref(ctx);
    json_decref(run);
    playbook_destroy(&pb);
    playbook_destroy(&sub);
}

static void test_shipped_library(void)
{
    fs_err_t e = {0};
    playbook_set_t *set = playbook_set_load(FEDSOAR_PLAYBOOKS_DIR, &e);
    if (!set)
        fprintf(stderr, "  %s\n", e.text);
    CHECK(set != NULL);
    CHECK(playbook_set_count(set) >= 1);
    playbook_set_destroy(&set);
    CHECK(playbook_set_load("/nonexistent-dir", &e) == NULL);
    CHECK(strstr(e.text, "/nonexistent-dir") != NULL);
}

/* Issue 12: an openc2 step's command is validated when the playbook is
   loaded, with federation's OpenC2 validator, where it is literal; what
   lies in "{{ }}" is validated after rendering (by the broker). */
static void expect_openc2_error(const char *command, const char *fragment)
{
    char doc[1024];
    snprintf(doc, sizeof doc,
             "{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":"
             "\"openc2\",\"command\":%s}]}",
             command);
    fs_err_t e = {0};
    json_t *d = J(doc);
    playbook_t *pb = playbook_parse(d, "t.json", &e);
    CHECK(pb == NULL);
    CHECK_INT(fs_err_code(&e), PLAYBOOK_E_OPENC2);
    if (!strstr(e.text, fragment))
        fprintf(stderr, "  error \"%s\" lacks \"%s\"\n", e.text, fragment);
    CHECK(strstr(e.text, fragment) != NULL);
    playbook_destroy(&pb);
    json_decref(d);
}

static void expect_openc2_ok(const char *command)
{
    char doc[1024];
    snprintf(doc, sizeof doc,
             "{\"name\":\"x\",\"trigger\":{},\"steps\":[{\"id\":\"a\",\"type\":"
             "\"openc2\",\"command\":%s}]}",
             command);
    playbook_t *pb = P(doc);
    CHECK(pb != NULL);
    playbook_destroy(&pb);
}

static void test_openc2_at_load(void)
{
    /* literal mistakes fail the load, naming the step's path and the verdict */
    expect_openc2_error("{\"action\":\"teleport\",\"target\":{\"ipv4_net\":\"10.0.0.1\"}}",
                        "t.json: $.steps[0].command: OpenC2 400: $.action");
    expect_openc2_error("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.300\"}}",
                        "$.steps[0].command: OpenC2 400: $.target.ipv4_net");
    expect_openc2_error("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\","
                        "\"domain_name\":\"x.example\"}}",
                        "$.steps[0].command: OpenC2 400");
    expect_openc2_error("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},"
                        "\"args\":{\"no_such_arg\":1}}",
                        "$.steps[0].command: OpenC2");
    /* literal and valid */
    expect_openc2_ok("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"}}");
    /* templated fields are checked after rendering */
    expect_openc2_ok("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"{{ .item }}\"}}");
    expect_openc2_ok("{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":"
                     "\"{{ .event.device.hostname }}\"}}}");
    /* but a literal mistake beside a template still fails */
    expect_openc2_error("{\"action\":\"teleport\",\"target\":{\"ipv4_net\":\"{{ .item }}\"}}",
                        "OpenC2 400: $.action");
}

int main(void)
{
    test_errors();
    test_openc2_at_load();
    test_match();
    test_commands_and_rewalk();
    test_retry_and_failure();
    test_retried_action();
    test_approval();
    test_structure();
    test_sub_and_runtime_error();
    test_shipped_library();
    return check_summary();
}
