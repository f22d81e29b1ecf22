/*  test_governance.c — the pure governance rules (playbooks/governance.c)
    and the signing pieces they rely on (federation signing.c, playbooks signed.c):
    config validation, the approval payload, N-of-M with author, duplicate
    and revoked members, the lifecycle, the diff, Ed25519 sign/verify,
    vote payloads and critical-command proof, and the critical-step rule. */
#include "check.h"
#include "keys.h"
#include "playbooks.h"

#include <stdlib.h>
#include <unistd.h>

static governance_config_t *cfg(const char *text, fs_err_t *e)
{
    json_t *j = json_loads(text, 0, NULL);
    governance_config_t *g = governance_config_parse(j, e);
    json_decref(j);
    return g;
}

int main(void)
{
    fs_err_t e = {0};
    /* config */
    governance_config_t *g = cfg("{\"quorum\": 2, \"members\": [\"alice\", \"bob\", \"carol\", "
                                 "\"dave\"], \"revoked\": [\"dave\"]}",
                                 &e);
    CHECK(g != NULL);
    CHECK_INT(governance_quorum(g), 2);
    CHECK(governance_is_member(g, "bob") && !governance_is_member(g, "eve"));
    CHECK(governance_is_revoked(g, "dave"));
    CHECK(cfg("{\"quorum\": 4, \"members\": [\"a\", \"b\", \"c\"]}", &e) == NULL);
    CHECK(strstr(e.text, "cannot be reached") != NULL);
    CHECK(cfg("{\"quorum\": 1, \"members\": [\"a\", \"a\"]}", &e) == NULL);
    CHECK(strstr(e.text, "$.governance.members[1]") != NULL);
    CHECK(cfg("{\"quorum\": 1, \"members\": [\"a\"], \"quorom\": 2}", &e) == NULL);
    CHECK(strstr(e.text, "$.governance.quorom: unknown key") != NULL);
    CHECK(cfg("{\"members\": [\"a\"]}", &e) == NULL);
    CHECK(cfg("[]", &e) == NULL);

    /* payload */
    const char *ver = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char *p = governance_approval_payload(ver, "approve", "bob", 1000);
    CHECK_STR(p,
              "{\"decision\":\"approve\",\"member\":\"bob\",\"time\":1000,\"type\":\"fedsoar-"
              "approval/1\","
              "\"version\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}");
    json_t *parsed = governance_approval_parse(p, strlen(p), &e);
    CHECK(parsed != NULL);
    const char *bad[] = {
        "{\"decision\":\"approve\"}",
        "{\"time\":1000, "
        "\"decision\":\"approve\",\"member\":\"bob\",\"type\":\"fedsoar-approval/"
        "1\",\"version\":\"x\"}",
        "not json",
        "{\"decision\":\"maybe\",\"member\":\"bob\",\"time\":1,\"type\":\"fedsoar-approval/"
        "1\",\"version\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *x = governance_approval_parse(bad[i], strlen(bad[i]), &e);
        CHECK(x == NULL && strstr(e.text, "approval payload") != NULL);
    }
    /* not canonical (space) */
    char spaced[600];
    snprintf(spaced, sizeof spaced,
             "{\"decision\": "
             "\"approve\",\"member\":\"bob\",\"time\":1000,\"type\":\"fedsoar-approval/"
             "1\",\"version\":\"%s\"}",
             ver);
    CHECK(governance_approval_parse(spaced, strlen(spaced), &e) == NULL &&
          strstr(e.text, "canonical"));

    /* decisions and N-of-M */
    json_t *rec =
        json_pack("{s:s, s:s, s:[]}", "state", "in_review", "author", "alice", "approvals");
    json_t *mk = json_pack("{s:s, s:s, s:s, s:I}", "version", ver, "decision", "approve", "member",
                           "alice", "time", (json_int_t)1000);
    CHECK_INT(governance_check_decision(g, rec, mk, 1000, 0, &e), -1);
    CHECK(strstr(e.text, "author") != NULL);
    json_object_set_new(mk, "member", json_string("dave"));
    CHECK_INT(governance_check_decision(g, rec, mk, 1000, 0, &e), -1);
    CHECK(strstr(e.text, "revoked") != NULL);
    json_object_set_new(mk, "member", json_string("eve"));
    CHECK_INT(governance_check_decision(g, rec, mk, 1000, 0, &e), -1);
    CHECK(strstr(e.text, "not a member") != NULL);
    json_object_set_new(mk, "member", json_string("bob"));
    CHECK_INT(governance_check_decision(g, rec, mk, 1000, 0, &e), 0);
    CHECK_INT(governance_check_decision(g, rec, mk, 1000 + 7200000, 3600000, &e), -1); /* stale */
    json_array_append_new(json_object_get(rec, "approvals"),
                          json_pack("{s:s, s:s}", "member", "bob", "decision", "approve"));
    CHECK_INT(governance_check_decision(g, rec, mk, 1000, 0, &e), -1);
    CHECK(strstr(e.text, "duplicate") != NULL);
    json_array_append_new(json_object_get(rec, "approvals"),
                          json_pack("{s:s, s:s}", "member", "bob", "decision", "approve"));
    json_array_append_new(json_object_get(rec, "approvals"),
                          json_pack("{s:s, s:s}", "member", "dave", "decision", "approve"));
    json_array_append_new(json_object_get(rec, "approvals"),
                          json_pack("{s:s, s:s}", "member", "alice", "decision", "approve"));
    CHECK_INT(governance_count_approvals(g, json_object_get(rec, "approvals"), "alice"),
              1); /* bob once; dave revoked; alice author */
    json_array_append_new(json_object_get(rec, "approvals"),
                          json_pack("{s:s, s:s}", "member", "carol", "decision", "approve"));
    CHECK_INT(governance_count_approvals(g, json_object_get(rec, "approvals"), "alice"), 2);
    json_object_set_new(rec, "state", json_string("retired"));
    CHECK_INT(governance_check_decision(g, rec, mk, 1000, 0, &e), -1);

    /* lifecycle */
    CHECK_STR(governance_next_state("draft", "submit"), "in_review");
    CHECK_STR(governance_next_state("in_review", "approve"), "approved");
    CHECK_STR(governance_next_state("in_review", "reject"), "rejected");
    CHECK_STR(governance_next_state("approved", "retire"), "retired");
    CHECK(governance_next_state("rejected", "approve") == NULL);
    CHECK(governance_next_state("in_review", "activate") == NULL);
    CHECK(governance_next_state("retired", "activate") == NULL);

    /* diff */
    json_t *a =
        json_loads("{\"name\":\"x\",\"steps\":[{\"id\":\"a\",\"timeout\":\"1h\"}]}", 0, NULL);
    json_t *b = json_loads(
        "{\"name\":\"x\",\"title\":\"t\",\"steps\":[{\"id\":\"a\",\"timeout\":\"2h\"}]}", 0, NULL);
    json_t *d = governance_diff(a, b);
    CHECK_INT(json_array_size(d), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(d, 0), "path")),
              "$.steps[0].timeout");
    CHECK_STR(json_string_value(json_object_get(json_array_get(d, 1), "op")), "added");
    json_decref(d);
    d = governance_diff(a, a);
    CHECK_INT(json_array_size(d), 0);
    json_decref(d);

    /* Ed25519 keys, votes and proof */
    char dir[] = "/tmp/fedsoar-gov-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK_INT(keys_init(dir, NULL, "alice:approver,bob:approver", "admin", &e), 0);
    char priv[4096], pub[4096], bpriv[4096], bpub[4096], trusted[4200];
    CHECK_INT(keys_signing_paths(dir, "alice", priv, sizeof priv, pub, sizeof pub), 0);
    CHECK_INT(keys_signing_paths(dir, "bob", bpriv, sizeof bpriv, bpub, sizeof bpub), 0);
    CHECK(access(priv, R_OK) == 0 && access(pub, R_OK) == 0);
    CHECK_INT(keys_make_signing_key(priv, pub, &e), -1); /* never overwrites */
    char *sig = keys_sign(priv, "hello", 5, &e);
    CHECK(sig && strlen(sig) == 88);
    CHECK_INT(keys_verify(pub, "hello", 5, sig, &e), 0);
    CHECK_INT(keys_verify(pub, "hellp", 5, sig, &e), -1);
    CHECK_INT(keys_verify(bpub, "hello", 5, sig, &e), -1);
    CHECK(strstr(e.text, "does not verify") != NULL && strstr(e.text, "PRIVATE") == NULL);
    CHECK_INT(keys_verify(pub, "hello", 5, "short", &e), -1);
    free(sig);

    snprintf(trusted, sizeof trusted, "%s/signing/operators", dir);
    int64_t now = fs_now_ms();
    char *va = governance_vote_payload(7, 3, "approve", "alice", 2, now),
         *vb = governance_vote_payload(7, 3, "approve", "bob", 2, now);
    char *sa = keys_sign(priv, va, strlen(va), &e), *sb = keys_sign(bpriv, vb, strlen(vb), &e);
    json_t *proof =
        json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "operator", "alice", "signature", sa,
                  "payload", va, "operator", "bob", "signature", sb, "payload", vb);
    char reason[512];
    CHECK_INT(governance_proof_verify(proof, 3, trusted, now, 3600000, reason, sizeof reason), 0);
    CHECK_INT(governance_proof_verify(proof, 4, trusted, now, 3600000, reason, sizeof reason),
              -1); /* another run */
    CHECK(strstr(reason, "not this command's run") != NULL);
    CHECK_INT(
        governance_proof_verify(proof, 3, trusted, now + 7200000, 3600000, reason, sizeof reason),
        -1); /* too old */
    json_array_remove(proof, 1);
    CHECK_INT(governance_proof_verify(proof, 3, trusted, now, 0, reason, sizeof reason),
              -1); /* below quorum */
    CHECK(strstr(reason, "quorum is 2") != NULL);
    json_array_append_new(
        proof, json_pack("{s:s, s:s, s:s}", "operator", "alice", "signature", sa, "payload", va));
    CHECK_INT(governance_proof_verify(proof, 3, trusted, now, 0, reason, sizeof reason),
              -1); /* same operator twice */
    CHECK(strstr(reason, "distinct") != NULL);
    json_decref(proof);
    proof = json_pack("[{s:s, s:s, s:s}]", "operator", "bob", "signature", sa, "payload", va);
    CHECK_INT(governance_proof_verify(proof, 3, trusted, now, 0, reason, sizeof reason),
              -1); /* alice's vote as bob */
    json_decref(proof);
    proof = json_pack("[{s:s, s:s, s:s}]", "operator", "../../x", "signature", sa, "payload", va);
    CHECK_INT(governance_proof_verify(proof, 3, trusted, now, 0, reason, sizeof reason),
              -1); /* no path tricks */
    json_decref(proof);
    CHECK_INT(governance_proof_verify(NULL, 3, trusted, now, 0, reason, sizeof reason), -1);
    CHECK(strstr(reason, "needs proof") != NULL);
    json_t *vp = governance_vote_parse(va, strlen(va), &e);
    CHECK(vp && json_integer_value(json_object_get(vp, "approval_id")) == 7);
    json_decref(vp);
    free(va), free(vb), free(sa), free(sb);

    /* a critical step needs an approval before it */
    json_t *pb = json_loads(
        "{\"name\":\"c\",\"trigger\":{},\"steps\":[{\"id\":\"x\",\"type\":\"condition\",\"if\":"
        "\"true\","
        "\"then\":[{\"id\":\"g\",\"type\":\"approval\",\"role\":\"approver\",\"timeout\":\"1h\"}]},"
        "{\"id\":\"b\",\"type\":\"openc2\",\"critical\":true,\"command\":{\"action\":\"deny\","
        "\"target\":{\"ipv4_net\":\"1.2.3.4\"}}}]}",
        0, NULL);
    playbook_t *parsed_pb = playbook_parse(pb, "c.json", &e);
    CHECK(parsed_pb == NULL &&
          strstr(e.text, "$.steps[1]: a critical command needs an approval") != NULL);
    json_array_insert_new(json_object_get(pb, "steps"), 1,
                          json_pack("{s:s, s:s, s:s, s:s}", "id", "g2", "type", "approval", "role",
                                    "approver", "timeout", "1h"));
    parsed_pb = playbook_parse(pb, "c.json", &e);
    CHECK(parsed_pb != NULL);
    playbook_destroy(&parsed_pb);
    json_decref(pb);

    check_remove_dir(dir);
    json_decref(a), json_decref(b), json_decref(rec), json_decref(mk), json_decref(parsed);
    free(p);
    governance_config_destroy(&g);
    CHECK(g == NULL);
    return check_summary();
}
