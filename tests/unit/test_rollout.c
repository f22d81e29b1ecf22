/*  test_rollout.c — the pure rules of a phased rollout (playbooks/rollout.c):
    phase names and order, the criteria file (defaults, every member's
    bounds, the JSON path of a bad member), and the signed promotion payload
    (canonical text, every refusal the broker relies on before it checks a
    signature), and that an Ed25519 signature over one payload does not
    verify over another (keys_sign / governance_signature_check). */
#include "check.h"
#include "governance.h"
#include "keys.h"
#include "rollout.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define V64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static json_t *criteria(const char *text, fs_err_t *e)
{
    json_t *j = json_loads(text, 0, NULL);
    json_t *c = rollout_criteria_parse(j, e);
    json_decref(j);
    return c;
}

static bool refused(const char *payload, const char *why)
{
    fs_err_t e = {0};
    json_t *p = rollout_promotion_parse(payload, strlen(payload), &e);
    json_decref(p);
    if (!p && !strstr(e.text, why))
        fprintf(stderr, "refusal text: %s (wanted %s)\n", e.text, why);
    return !p && strstr(e.text, why) != NULL;
}

int main(void)
{
    fs_err_t e = {0};
    /* phases */
    CHECK_STR(rollout_phase_name(ROLLOUT_OBSERVE), "observe");
    CHECK_STR(rollout_phase_name(ROLLOUT_AUTOMATED), "automated");
    CHECK(rollout_phase_name(ROLLOUT_PHASE_COUNT) == NULL);
    CHECK_INT(rollout_phase_parse("supervised"), ROLLOUT_SUPERVISED);
    CHECK_INT(rollout_phase_parse("live"), ROLLOUT_PHASE_COUNT);
    CHECK_INT(rollout_phase_parse(NULL), ROLLOUT_PHASE_COUNT);

    /* criteria: the defaults of the issue, then a file's members */
    json_t *c = rollout_criteria_parse(NULL, &e);
    CHECK(c != NULL);
    CHECK_INT(json_integer_value(json_object_get(c, "shadow_min_runs")), 50);
    CHECK(json_real_value(json_object_get(c, "shadow_agreement")) == 0.95);
    CHECK(json_real_value(json_object_get(c, "mttr_ratio_max")) == 1.2);
    CHECK_INT(json_integer_value(json_object_get(c, "supervised_quorum")), 1);
    CHECK_STR(json_string_value(json_object_get(c, "supervised_role")), "analyst");
    json_decref(c);
    c = criteria("{\"shadow_min_runs\": 3, \"supervised_role\": \"hr-legal\"}", &e);
    CHECK(c != NULL);
    CHECK_INT(json_integer_value(json_object_get(c, "shadow_min_runs")), 3);
    CHECK_STR(json_string_value(json_object_get(c, "supervised_role")), "hr-legal");
    CHECK_INT(json_integer_value(json_object_get(c, "supervised_min_runs")), 20);
    json_decref(c);
    CHECK(!criteria("{\"shadow_agreement\": 1.5}", &e) &&
          strstr(e.text, "$.shadow_agreement: must be a number between 0 and 1"));
    CHECK(!criteria("{\"mttr_ratio_max\": 0.5}", &e) && strstr(e.text, "$.mttr_ratio_max"));
    CHECK(!criteria("{\"shadow_min_runs\": 2.5}", &e) && strstr(e.text, "$.shadow_min_runs"));
    CHECK(!criteria("{\"supervised_quorum\": 17}", &e) && strstr(e.text, "$.supervised_quorum"));
    CHECK(!criteria("{\"quorum\": 2}", &e) && strstr(e.text, "$.quorum: not a criterion"));
    CHECK(!criteria("[1]", &e) && strstr(e.text, "$: the criteria are a JSON object"));

    /* the payload: canonical, parsed back */
    char *p = rollout_promotion_payload("contain-external-attacker", "alpha", "shadow",
                                        "supervised", V64, 7, "bob", 1795364803958);
    CHECK_STR(p,
              "{\"from\":\"shadow\",\"member\":\"bob\",\"playbook\":\"contain-external-attacker\","
              "\"proposal\":7,\"site\":\"alpha\",\"time\":1795364803958,\"to\":\"supervised\","
              "\"type\":\"fedsoar-promotion/1\",\"version\":\"" V64 "\"}");
    json_t *parsed = rollout_promotion_parse(p, strlen(p), &e);
    CHECK(parsed != NULL);
    CHECK_INT(json_integer_value(json_object_get(parsed, "proposal")), 7);
    json_decref(parsed);

    /* what the broker refuses before looking at a signature */
    CHECK(refused("{\"from\":\"observe\",\"member\":\"bob\",\"playbook\":\"p\",\"proposal\":1,"
                  "\"site\":\"alpha\",\"time\":1,\"to\":\"supervised\",\"type\":"
                  "\"fedsoar-promotion/1\",\"version\":\"" V64 "\"}",
                  "$.to must be the phase after $.from"));
    CHECK(refused("{\"from\":\"observe\",\"member\":\"bob\",\"playbook\":\"p\",\"proposal\":1,"
                  "\"site\":\"alpha\",\"time\":1,\"to\":\"shadow\",\"type\":"
                  "\"fedsoar-approval/1\",\"version\":\"" V64 "\"}",
                  "$.type is not \"fedsoar-promotion/1\""));
    CHECK(refused("{\"member\":\"bob\",\"from\":\"observe\",\"playbook\":\"p\",\"proposal\":1,"
                  "\"site\":\"alpha\",\"time\":1,\"to\":\"shadow\",\"type\":"
                  "\"fedsoar-promotion/1\",\"version\":\"" V64 "\"}",
                  "not in canonical form"));
    CHECK(refused("{\"from\":\"observe\",\"member\":\"bob\",\"playbook\":\"p\",\"proposal\":0,"
                  "\"site\":\"alpha\",\"time\":1,\"to\":\"shadow\",\"type\":"
                  "\"fedsoar-promotion/1\",\"version\":\"" V64 "\"}",
                  "$.proposal must be a positive integer"));
    CHECK(refused("{\"from\":\"observe\",\"member\":\"Bob\",\"playbook\":\"p\",\"proposal\":1,"
                  "\"site\":\"alpha\",\"time\":1,\"to\":\"shadow\",\"type\":"
                  "\"fedsoar-promotion/1\",\"version\":\"" V64 "\"}",
                  "$.member is not an operator name"));
    CHECK(refused("{\"from\":\"observe\",\"member\":\"bob\",\"playbook\":\"p\",\"proposal\":1,"
                  "\"site\":\"alpha\",\"time\":1,\"to\":\"shadow\",\"type\":"
                  "\"fedsoar-promotion/1\",\"version\":\"abc\"}",
                  "$.version is not a version"));
    CHECK(refused("{\"from\":\"observe\",\"member\":\"bob\",\"type\":\"fedsoar-promotion/1\"}",
                  "an object with exactly"));
    CHECK(refused("not json", "promotion payload:"));

    /* a signature binds its payload: bob's over p does not verify over another */
    char dir[] = "/tmp/fedsoar-rollout-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(keys_init(dir, NULL, "bob:approver", "admin", &e) == 0);
    char priv[4096], pub[4096];
    CHECK(keys_signing_paths(dir, "bob", priv, sizeof priv, pub, sizeof pub) == 0);
    char *sig = keys_sign(priv, p, strlen(p), &e);
    CHECK(sig != NULL);
    CHECK(governance_signature_check(dir, "bob", p, sig, &e) == 0);
    char *other = rollout_promotion_payload("contain-external-attacker", "beta", "shadow",
                                            "supervised", V64, 7, "bob", 1795364803958);
    e.text[0] = '\0';
    CHECK(governance_signature_check(dir, "bob", other, sig, &e) != 0 && e.text[0]);
    CHECK(governance_signature_check(dir, "alice", p, sig, &e) != 0);
    free(other);
    free(sig);
    free(p);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_summary();
}
