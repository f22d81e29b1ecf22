/*  proof.c — TRANSITION ONLY (keys.h): the governance module
    playbooks/signed.c (governance.h) replaces this file; it stays until the
    broker and the adapter call governance_vote_parse and
    governance_proof_verify, then it is deleted.

    Signed approval votes, and the proof a critical OpenC2
    command carries to its site (docs/governance.md "Critical commands").

    An operator's vote on an approval gate is signed by fedsoarctl with the
    operator's Ed25519 key over a canonical payload:
      {"approval_id":N,"decision":"approve","operator":"alice","quorum":2,
       "run_id":M,"time":MS,"type":"fedsoar-vote/1"}
    (fs_json_canonical: keys sorted, compact).  The broker stores the vote
    with its signature and attaches the approving votes of the run's gate
    to a critical command as "proof": [{operator, signature, payload}].  The
    site verifies every signature against the operator keys it trusts, so
    a broker alone cannot forge the human sign-off. */
#include "keys.h"

#include <stdio.h>
#include <string.h>

#define VOTE_TYPE "fedsoar-vote/1"
#define PROOF_MAX 16                    /* signatures in one proof (gate quorum max) */
#define PROOF_FUTURE_MS (5 * 60 * 1000) /* clock skew tolerated */

char *proof_vote_payload(uint64_t approval_id, uint64_t run_id, const char *decision,
                         const char *operator_name, int quorum, int64_t time_ms)
{
    json_t *p = json_pack("{s:s, s:I, s:I, s:s, s:s, s:i, s:I}", "type", VOTE_TYPE, "approval_id",
                          (json_int_t)approval_id, "run_id", (json_int_t)run_id, "decision",
                          decision ? decision : "", "operator", operator_name ? operator_name : "",
                          "quorum", quorum, "time", (json_int_t)time_ms);
    char *text = p ? fs_json_canonical(p) : NULL;
    json_decref(p);
    return text;
}

json_t *proof_vote_parse(const char *payload, size_t len, fs_err_t *e)
{
    static const char *const keys[] = {"approval_id", "decision", "operator", "quorum",
                                       "run_id",      "time",     "type"};
    if (len > 1024) {
        fs_err_set(e, "vote payload: longer than 1024 bytes");
        return NULL;
    }
    fs_err_t pe = {{0}};
    json_t *p = fs_json_parse(payload, len, &pe);
    if (!p) {
        fs_err_set(e, "vote payload: %s", pe.text);
        return NULL;
    }
    const char *why = NULL;
    if (!json_is_object(p) || json_object_size(p) != sizeof keys / sizeof *keys)
        why = "an object with exactly approval_id, decision, operator, quorum, run_id, time, type";
    for (size_t i = 0; !why && i < sizeof keys / sizeof *keys; i++)
        if (!json_object_get(p, keys[i]))
            why = "an object with exactly approval_id, decision, operator, quorum, run_id, time, "
                  "type";
    const char *type = json_string_value(json_object_get(p, "type"));
    const char *decision = json_string_value(json_object_get(p, "decision"));
    json_t *aid = json_object_get(p, "approval_id"), *rid = json_object_get(p, "run_id"),
           *q = json_object_get(p, "quorum"), *t = json_object_get(p, "time");
    if (!why && (!type || strcmp(type, VOTE_TYPE) != 0))
        why = "$.type is not \"" VOTE_TYPE "\"";
    if (!why && (!decision || (strcmp(decision, "approve") != 0 && strcmp(decision, "deny") != 0)))
        why = "$.decision is not approve or deny";
    if (!why && !fs_is_name(json_string_value(json_object_get(p, "operator")), 32))
        why = "$.operator is not an operator name (1-32 of [a-z0-9_-])";
    if (!why && (!json_is_integer(aid) || json_integer_value(aid) < 1 || !json_is_integer(rid) ||
                 json_integer_value(rid) < 1))
        why = "$.approval_id and $.run_id must be positive integers";
    if (!why &&
        (!json_is_integer(q) || json_integer_value(q) < 1 || json_integer_value(q) > PROOF_MAX))
        why = "$.quorum must be 1-16";
    if (!why && (!json_is_integer(t) || json_integer_value(t) < 0))
        why = "$.time must be epoch milliseconds";
    if (!why) {
        /* One representation only: what was signed is the canonical form. */
        if (!fs_json_is_canonical(p, payload, len))
            why = "not in canonical form (keys sorted, compact)";
    }
    if (why) {
        fs_err_set(e, "vote payload: %s", why);
        json_decref(p);
        return NULL;
    }
    return p;
}

int proof_verify(const json_t *proof, uint64_t run_id, const char *trusted_dir, int64_t now_ms,
                 int64_t max_age_ms, char *reason, size_t reason_size)
{
#define REFUSE(...)                                                                                \
    do {                                                                                           \
        snprintf(reason, reason_size, __VA_ARGS__);                                                \
        goto refused;                                                                              \
    } while (0)
    const char *seen[PROOF_MAX];
    size_t valid = 0;
    json_int_t approval = 0, quorum = 0;
    json_t *parsed[PROOF_MAX] = {0};
    if (!json_is_array(proof) || json_array_size(proof) == 0)
        REFUSE("a critical command needs proof: the approvers' signed votes");
    if (json_array_size(proof) > PROOF_MAX)
        REFUSE("proof: more than %d signatures", PROOF_MAX);
    size_t i;
    json_t *item;
    json_array_foreach(proof, i, item)
    {
        const char *op = json_string_value(json_object_get(item, "operator"));
        const char *sig = json_string_value(json_object_get(item, "signature"));
        const char *payload = json_string_value(json_object_get(item, "payload"));
        if (!fs_is_name(op, 32) || !sig || !payload)
            REFUSE("proof[%zu]: needs operator (a name), signature and payload", i);
        fs_err_t e = {{0}};
        json_t *p = parsed[i] = proof_vote_parse(payload, strlen(payload), &e);
        if (!p)
            REFUSE("proof[%zu]: %s", i, e.text);
        if (strcmp(json_string_value(json_object_get(p, "operator")), op) != 0)
            REFUSE("proof[%zu]: signed by %s but the payload names %s", i, op,
                   json_string_value(json_object_get(p, "operator")));
        if (strcmp(json_string_value(json_object_get(p, "decision")), "approve") != 0)
            REFUSE("proof[%zu]: %s's vote is not an approval", i, op);
        if ((uint64_t)json_integer_value(json_object_get(p, "run_id")) != run_id)
            REFUSE("proof[%zu]: %s approved run %lld, not this command's run %llu", i, op,
                   (long long)json_integer_value(json_object_get(p, "run_id")),
                   (unsigned long long)run_id);
        json_int_t a = json_integer_value(json_object_get(p, "approval_id"));
        json_int_t q = json_integer_value(json_object_get(p, "quorum"));
        if (i == 0) {
            approval = a;
            quorum = q;
        } else if (a != approval || q != quorum) {
            REFUSE("proof[%zu]: votes for different gates (approval %lld vs %lld)", i, (long long)a,
                   (long long)approval);
        }
        json_int_t t = json_integer_value(json_object_get(p, "time"));
        if (t > now_ms + PROOF_FUTURE_MS)
            REFUSE("proof[%zu]: %s's vote is dated in the future", i, op);
        if (max_age_ms > 0 && now_ms - t > max_age_ms)
            REFUSE("proof[%zu]: %s's vote is older than %lld s", i, op,
                   (long long)(max_age_ms / 1000));
        for (size_t j = 0; j < valid; j++)
            if (strcmp(seen[j], op) == 0)
                REFUSE("proof[%zu]: a second signature by %s (votes must come from distinct "
                       "operators)",
                       i, op);
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s.sign.pub.pem", trusted_dir, op) >= (int)sizeof path)
            REFUSE("proof: trusted operators directory path too long");
        if (keys_verify(path, payload, strlen(payload), sig, &e) != 0)
            REFUSE("proof[%zu]: %s's signature refused: %s", i, op, e.text);
        seen[valid++] = op;
    }
    if ((json_int_t)valid < quorum)
        REFUSE("proof: %zu valid signature(s), the gate's quorum is %lld", valid,
               (long long)quorum);
    for (i = 0; i < PROOF_MAX; i++)
        json_decref(parsed[i]);
    if (reason_size)
        reason[0] = '\0';
    return 0;
refused:
    for (i = 0; i < PROOF_MAX; i++)
        json_decref(parsed[i]);
    return -1;
#undef REFUSE
}
