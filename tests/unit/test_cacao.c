/*  test_cacao.c — CACAO v2.0 import and export (playbook_cacao.h): a
    synthetic playbook with every step type, nested steps and on_error in
    its forms survives export → import unchanged and exports to the same
    bytes twice; hand-written CACAO documents import to the expected steps
    (native if/switch/parallel, manual and ssh → approvals, openc2 →
    openc2, variables substituted); each bad document is refused with the
    JSON path of its fault; approvals become CACAO signatures (refused
    without a public key); JCS and UUID v5 against known values. The
    schema check of exports and the SOARCA examples are
    tests/reconfig/cacao.sh. */
#include "check.h"
#include "playbook_cacao.h"
#include "playbooks.h"

#define U(n) "--00000000-0000-4000-8000-0000000000" n
#define START "start--00000000-0000-4000-8000-000000000000"
#define END "end--00000000-0000-4000-8000-0000000000ff"
#define AGENT "individual--00000000-0000-4000-8000-0000000000a1"

/* A CACAO playbook around workflow steps given as JSON text (START must
   lead to the first). */
static json_t *cacao(const char *workflow_json)
{
    json_error_t err;
    json_t *wf = json_loads(workflow_json, 0, &err);
    if (!wf) {
        fprintf(stderr, "bad test JSON: %s at %d\n", err.text, err.position);
        exit(2);
    }
    json_object_set_new(wf, END, json_pack("{s:s}", "type", "end"));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:{s:{s:s, s:s, s:{s:{s:s}}}}}",
                     "type", "playbook", "spec_version", "cacao-2.0", "id",
                     "playbook--00000000-0000-4000-8000-000000000001", "name", "Test Playbook",
                     "created_by", "identity--00000000-0000-4000-8000-000000000002", "created",
                     "2024-01-01T00:00:00.000Z", "modified", "2024-01-01T00:00:00.000Z",
                     "workflow_start", START, "workflow", wf, "agent_definitions", AGENT, "type",
                     "individual", "name", "Alice", "contact", "email", "work",
                     "alice@example.org");
}

static const char *refusal(json_t *doc)
{
    static fs_err_t e;
    memset(&e, 0, sizeof e);
    json_t *pb = playbook_cacao_import(doc, NULL, &e);
    json_decref(doc);
    if (pb) {
        json_decref(pb);
        return "(imported)";
    }
    return e.text;
}

#define CHECK_REFUSED(doc, needle)                                                                 \
    do {                                                                                           \
        const char *why_ = refusal(doc);                                                           \
        CHECK(strstr(why_, needle) != NULL);                                                       \
        if (!strstr(why_, needle))                                                                 \
            fprintf(stderr, "  got: %s\n  expected: %s\n", why_, needle);                          \
    } while (0)

static const char *const synthetic =
    "{\"name\":\"all-steps\",\"title\":\"Every step\",\"description\":\"d\","
    "\"trigger\":{\"class_uid\":[2004],\"filter\":\".severity_id >= 4\"},\"steps\":["
    "{\"id\":\"mark\",\"type\":\"set\",\"case\":{\"status\":\"analysis\"}},"
    "{\"id\":\"look\",\"type\":\"enrich\",\"analyzer\":\"host-context\",\"site\":\"alpha\","
    "\"timeout\":\"30s\",\"on_error\":\"continue\"},"
    "{\"id\":\"pick\",\"type\":\"condition\",\"if\":\".event.severity_id > 4\","
    "\"then\":[{\"id\":\"gate\",\"type\":\"approval\",\"role\":\"approver\",\"quorum\":2,"
    "\"timeout\":\"1h\",\"reason\":\"contain {{ .event.device.hostname }}\"},"
    "{\"id\":\"block\",\"type\":\"openc2\",\"site\":\"beta\",\"command\":{\"action\":\"deny\","
    "\"target\":{\"ipv4_net\":\"203.0.113.7\"}},\"on_error\":[{\"id\":\"tell\",\"type\":"
    "\"action\",\"responder\":\"chat\",\"site\":\"hq\",\"input\":{\"text\":\"failed\"}}]}],"
    "\"else\":[{\"id\":\"pause\",\"type\":\"wait\",\"duration\":\"5s\"}]},"
    "{\"id\":\"each\",\"type\":\"foreach\",\"items\":\"[.sites[]]\",\"steps\":["
    "{\"id\":\"hunt\",\"type\":\"enrich\",\"analyzer\":\"ioc-search\",\"site\":\"{{ .item }}\"}]},"
    "{\"id\":\"both\",\"type\":\"parallel\",\"branches\":[[{\"id\":\"b1\",\"type\":\"set\","
    "\"case\":{\"note\":\"one\"}}],[{\"id\":\"b2\",\"type\":\"set\",\"case\":{\"note\":\"two\"}}]]}"
    ","
    "{\"id\":\"more\",\"type\":\"playbook\",\"name\":\"phishing-triage\"}]}";

static void test_round_trip(void)
{
    json_t *pb = json_loads(synthetic, 0, NULL);
    fs_err_t e = {0};
    json_t *a = playbook_cacao_export(pb, NULL, 0, &e);
    CHECK(a != NULL);
    json_t *b = playbook_cacao_export(pb, NULL, 0, &e);
    char *ja = playbook_cacao_jcs(a), *jb = playbook_cacao_jcs(b);
    CHECK_STR(ja, jb); /* deterministic */
    /* the graph: start, end, 13 steps (every step one CACAO step) */
    CHECK_INT(json_object_size(json_object_get(a, "workflow")), 15);
    CHECK(playbook_cacao_check(a, &e) == 0);
    json_t *back = playbook_cacao_import(a, NULL, &e);
    CHECK(back != NULL);
    CHECK(json_equal(back, pb));
    if (back && !json_equal(back, pb)) {
        char *t = json_dumps(back, JSON_SORT_KEYS);
        fprintf(stderr, "  round trip gave %s\n", t);
        free(t);
    }
    free(ja);
    free(jb);
    json_decref(a);
    json_decref(b);
    json_decref(back);
    json_decref(pb);
}

static void test_signatures(void)
{
    json_t *pb = json_loads(synthetic, 0, NULL);
    json_t *approvals = json_pack(
        "[{s:s, s:I, s:s, s:s}, {s:s, s:I, s:s, s:s}]", "member", "alice", "time",
        (json_int_t)1795364803958, "signature", "c2ln", "public_key", "PEM-A", "member", "bob",
        "time", (json_int_t)1795364809001, "signature", "c2lnMg==", "public_key", "PEM-B");
    fs_err_t e = {0};
    json_t *c = playbook_cacao_export(pb, approvals, 1795364800000, &e);
    CHECK(c != NULL);
    const json_t *sigs = json_object_get(c, "signatures");
    CHECK_INT(json_array_size(sigs), 2);
    const json_t *s0 = json_array_get(sigs, 0);
    CHECK_STR(json_string_value(json_object_get(s0, "signee")), "alice");
    CHECK_STR(json_string_value(json_object_get(s0, "created")), "2026-11-22T16:26:43.958Z");
    CHECK_STR(json_string_value(json_object_get(s0, "algorithm")), "Ed25519");
    CHECK_STR(json_string_value(json_object_get(s0, "value")), "c2ln");
    CHECK_STR(json_string_value(json_object_get(s0, "public_key")), "PEM-A");
    CHECK_STR(json_string_value(json_object_get(s0, "related_to")),
              json_string_value(json_object_get(c, "id")));
    CHECK_STR(json_string_value(json_object_get(s0, "related_version")),
              json_string_value(json_object_get(c, "modified")));
    CHECK_STR(json_string_value(json_object_get(c, "modified")), "2026-11-22T16:26:40.000Z");
    /* the signatures travel, they do not change what imports */
    json_t *back = playbook_cacao_import(c, NULL, &e);
    CHECK(back && json_equal(back, pb));
    json_decref(back);
    json_decref(c);
    /* an approval without its public key cannot become a CACAO signature */
    json_object_del(json_array_get(approvals, 1), "public_key");
    memset(&e, 0, sizeof e);
    CHECK(playbook_cacao_export(pb, approvals, 0, &e) == NULL);
    CHECK(strstr(e.text, "approvals[1]: needs member, time, signature and public_key") != NULL);
    json_decref(approvals);
    json_decref(pb);
}

static json_t *import_ok(json_t *doc)
{
    fs_err_t e = {0};
    json_t *pb = playbook_cacao_import(doc, NULL, &e);
    if (!pb)
        fprintf(stderr, "  refused: %s\n", e.text);
    json_decref(doc);
    return pb;
}

static void test_native(void)
{
    /* if-condition with both branches joining at the next step, a manual
       command with a variable, an ssh command */
    json_t *pb =
        import_ok(cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"if-condition" U(
            "01") "\"},"
                  "\"if-condition" U(
                      "01") "\":{\"type\":\"if-condition\",\"condition\":\".event.x == 1\","
                            "\"on_true\":\"action" U("02") "\",\"on_false\":\"action" U(
                                "03") "\","
                                      "\"on_completion\":\"action" U(
                                          "04") "\"},"
                                                "\"action" U(
                                                    "02") "\":{\"type\":\"action\",\"agent\":"
                                                          "\"" AGENT "\",\"on_completion\":"
                                                          "\"action" U(
                                                              "04") "\",\"step_variables\":{\"__"
                                                                    "host__\":{\"type\":\"string\","
                                                                    "\"value\":"
                                                                    "\"db1\"}},\"commands\":[{"
                                                                    "\"type\":\"manual\","
                                                                    "\"command\":\"reboot "
                                                                    "__host__:value {{x}}\"}]},"
                                                                    "\"action" U(
                                                                        "03") "\":{\"type\":"
                                                                              "\"action\","
                                                                              "\"agent\":\"" AGENT
                                                                              "\",\"on_"
                                                                              "completion\":"
                                                                              "\"action" U(
                                                                                  "04") "\","
                                                                                        "\"commands"
                                                                                        "\":[{"
                                                                                        "\"type\":"
                                                                                        "\"ssh\","
                                                                                        "\"command"
                                                                                        "\":\"ls\"}"
                                                                                        ","
                                                                                        "{\"type\":"
                                                                                        "\"bash\","
                                                                                        "\"command_"
                                                                                        "b64\":"
                                                                                        "\"ZWNobyBo"
                                                                                        "aQ==\"}]},"
                                                                                        "\"actio"
                                                                                        "n" U(
                                                                                            "04") "\":{\"type\":\"action\",\"agent\":\"" AGENT
                                                                                                  "\",\"on_completion\":\"" END
                                                                                                  "\",\"commands\":[{\"type\":\"openc2-http\",\"command\":\"POST /openc2 HTTP/1.1\","
                                                                                                  "\"content_b64\":\"eyJhY3Rpb24iOiJkZW55IiwidGFyZ2V0Ijp7ImlwdjRfbmV0IjoiMTk4LjUxLjEwMC43In19\"}]}}"));
    CHECK(pb != NULL);
    const json_t *steps = json_object_get(pb, "steps");
    CHECK_INT(json_array_size(steps), 2);
    const json_t *cond = json_array_get(steps, 0);
    CHECK_STR(json_string_value(json_object_get(cond, "type")), "condition");
    CHECK_STR(json_string_value(json_object_get(cond, "if")), ".event.x == 1");
    const json_t *manual = json_array_get(json_object_get(cond, "then"), 0);
    CHECK_STR(json_string_value(json_object_get(manual, "type")), "approval");
    CHECK(strstr(json_string_value(json_object_get(manual, "reason")),
                 "reboot db1 {{ \"{{\" }}x}}") != NULL);
    CHECK_INT(json_array_size(json_object_get(cond, "else")), 2); /* one step per command */
    CHECK_STR(
        json_string_value(json_object_get(json_array_get(json_object_get(cond, "else"), 1), "id")),
        "action-000000000003-2");
    CHECK(strstr(json_string_value(
                     json_object_get(json_array_get(json_object_get(cond, "else"), 1), "reason")),
                 "echo hi") != NULL);
    const json_t *oc2 = json_array_get(steps, 1);
    CHECK_STR(json_string_value(json_object_get(oc2, "type")), "openc2");
    CHECK_STR(json_string_value(json_object_get(json_object_get(oc2, "command"), "action")),
              "deny");
    CHECK_STR(json_string_value(json_object_get(pb, "name")), "test-playbook");
    CHECK_STR(json_string_value(json_object_get(json_object_get(pb, "trigger"), "filter")),
              "false");
    json_decref(pb);

    /* switch → nested conditions; parallel → branches */
    pb =
        import_ok(cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"switch-condition" U(
            "01") "\"},"
                  "\"switch-condition" U(
                      "01") "\":{\"type\":\"switch-condition\",\"switch\":\".event.os\","
                            "\"cases\":{\"linux\":\"action" U("02") "\",\"default\":\"parallel" U(
                                "03") "\"},"
                                      "\"on_completion\":\"" END "\"},"
                                      "\"action" U(
                                          "02") "\":{\"type\":\"action\",\"agent\":\"" AGENT
                                                "\",\"on_completion\":\"" END
                                                "\",\"commands\":[{\"type\":\"manual\",\"command\":"
                                                "\"a\"}]},"
                                                "\"parallel" U(
                                                    "03") "\":{\"type\":\"parallel\","
                                                          "\"next_steps\":[\"action" U(
                                                              "04") "\","
                                                                    "\"action" U(
                                                                        "05") "\"],\"on_"
                                                                              "completio"
                                                                              "n\":"
                                                                              "\"" END "\"},"
                                                                              "\"actio"
                                                                              "n" U(
                                                                                  "04") "\":{"
                                                                                        "\"type\":"
                                                                                        "\"action\""
                                                                                        ",\"agent\""
                                                                                        ":\"" AGENT
                                                                                        "\",\"on_"
                                                                                        "completion"
                                                                                        "\":\"" END
                                                                                        "\","
                                                                                        "\"commands"
                                                                                        "\":[{"
                                                                                        "\"type\":"
                                                                                        "\"manual\""
                                                                                        ",\"command"
                                                                                        "\":\"b\"}]"
                                                                                        "},"
                                                                                        "\"actio"
                                                                                        "n" U(
                                                                                            "05") "\":{\"type\":\"action\",\"agent\":\"" AGENT
                                                                                                  "\",\"on_completion\":\"" END
                                                                                                  "\",\"commands\":[{\"type\":\"manual\",\"command\":\"c\"}]}}"));
    CHECK(pb != NULL);
    const json_t *sw = json_array_get(json_object_get(pb, "steps"), 0);
    CHECK_STR(json_string_value(json_object_get(sw, "if")), "(.event.os) == \"linux\"");
    const json_t *par = json_array_get(json_object_get(sw, "else"), 0);
    CHECK_STR(json_string_value(json_object_get(par, "type")), "parallel");
    CHECK_INT(json_array_size(json_object_get(par, "branches")), 2);
    json_decref(pb);
}

#define STEP_TO(n, to)                                                                             \
    "\"action" U(n) "\":{\"type\":\"action\",\"agent\":\"" AGENT "\",\"on_completion\":\"" to      \
                    "\",\"commands\":[{\"type\":\"manual\",\"command\":\"x\"}]}"

static void test_refusals(void)
{
    CHECK_REFUSED(cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"action" U(
                      "01") "\"}," STEP_TO("01", "action" U("09")) "}"),
                  "$.workflow[\"action" U("01") "\"].on_completion: step \"action" U(
                      "09") "\" does not exist");
    CHECK_REFUSED(cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"action" U(
                      "01") "\"}," STEP_TO("01", END) "," STEP_TO("02", END) "}"),
                  "$.workflow[\"action" U("02") "\"]: unreachable from workflow_start");
    CHECK_REFUSED(
        cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"action" U(
            "01") "\"}," STEP_TO("01", "action" U("02")) "," STEP_TO("02", "action" U("01")) "}"),
        "$.workflow[\"action" U("02") "\"].on_completion: \"action" U(
            "01") "\" closes a cycle that does not pass through a while-condition");
    /* a loop through a while is allowed by the check, but without the
       fedsoar extension it is refused by name */
    CHECK_REFUSED(
        cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"while-condition" U(
            "03") "\"},"
                  "\"while-condition" U(
                      "03") "\":{\"type\":\"while-condition\",\"condition\":\"true\","
                            "\"on_true\":\"action" U(
                                "01") "\",\"on_completion\":\"" END
                                      "\"}," STEP_TO("01", "while-condition" U("03")) "}"),
        "$.workflow[\"while-condition" U("03") "\"]: a while-condition repeats");
    json_t *doc = cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"action" U(
        "01") "\"}," STEP_TO("01", END) "}");
    json_object_set_new(json_object_get(json_object_get(doc, "agent_definitions"), AGENT), "type",
                        json_string("robot"));
    CHECK_REFUSED(doc,
                  "$.agent_definitions[\"" AGENT "\"].type: unknown agent/target type \"robot\"");
    doc = cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"action" U(
        "01") "\"}," STEP_TO("01", END) "}");
    json_object_set_new(
        json_object_get(
            json_object_get(json_object_get(json_object_get(doc, "agent_definitions"), AGENT),
                            "contact"),
            "email"),
        "work", json_string("alice@@example"));
    CHECK_REFUSED(doc, "$.agent_definitions[\"" AGENT "\"].contact.email.work: \"alice@@example\" "
                       "is not an e-mail address");
    CHECK_REFUSED(
        cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"action" U(
            "01") "\"},"
                  "\"action" U("01") "\":{\"type\":\"action\",\"agent\":\"" AGENT "\","
                                     "\"on_completion\":\"" END
                                     "\",\"commands\":[{\"type\":\"pong\"}]}}"),
        "$.workflow[\"action" U("01") "\"].commands[0].type: unknown command type \"pong\"");
    CHECK_REFUSED(cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"action" U(
                      "01") "\"},"
                            "\"action" U("01") "\":{\"type\":\"action\",\"agent\":\"agent-1\","
                                               "\"on_completion\":\"" END
                                               "\",\"commands\":[{\"type\":\"manual\"}]}}"),
                  "$.workflow[\"action" U("01") "\"].agent: \"agent-1\" is not a CACAO identifier");
    doc = cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"action" U(
        "01") "\"}," STEP_TO("01", END) "}");
    json_object_set_new(doc, "markings",
                        json_pack("[s]", "marking-tlp--00000000-0000-4000-8000-000000000001"));
    CHECK_REFUSED(doc, "$.markings: data markings");
    /* an OpenC2 command fedsoar's validator refuses: the CACAO path */
    CHECK_REFUSED(
        cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"action" U(
            "01") "\"},"
                  "\"action" U("01") "\":{\"type\":\"action\",\"agent\":\"" AGENT "\","
                                     "\"on_completion\":\"" END
                                     "\",\"commands\":[{\"type\":\"openc2\","
                                     "\"content_b64\":\"eyJhY3Rpb24iOiJmbHkifQ==\"}]}}"),
        "$.workflow[\"action" U("01") "\"].commands[0].content_b64: the OpenC2 command is refused");
    /* a condition that is not jq (a STIX pattern) */
    CHECK_REFUSED(
        cacao("{\"" START "\":{\"type\":\"start\",\"on_completion\":\"if-condition" U(
            "01") "\"},"
                  "\"if-condition" U("01") "\":{\"type\":\"if-condition\",\"condition\":"
                                           "\"[ipv4-addr:value = '1.2.3.4']\",\"on_true\":\"" END
                                           "\",\"on_completion\":\"" END "\"}}"),
        "$.workflow[\"if-condition" U("01") "\"].condition: fedsoar conditions are jq programs");
}

static void test_primitives(void)
{
    json_t *v = json_loads(
        "{\"b\":[1,2.5,true,null],\"a\":\"\\u000f\\\"é\",\"\\u00e9\":1,\"z\":1e21}", 0, NULL);
    char *t = playbook_cacao_jcs(v);
    CHECK_STR(t, "{\"a\":\"\\u000f\\\"é\",\"b\":[1,2.5,true,null],\"z\":1e+21,\"é\":1}");
    free(t);
    json_decref(v);
    char a[37], b[37];
    playbook_cacao_uuid5("x/y", a);
    playbook_cacao_uuid5("x/y", b);
    CHECK_STR(a, b);
    CHECK(a[14] == '5' && strchr("89ab", a[19]) != NULL);
    playbook_cacao_uuid5("x/z", b);
    CHECK(strcmp(a, b) != 0);
}

int main(void)
{
    test_round_trip();
    test_signatures();
    test_native();
    test_refusals();
    test_primitives();
    return check_summary();
}
