/*  signed.c — the one module of signed payloads (governance.h): playbook
    approvals ("fedsoar-approval/1"), approval-gate votes ("fedsoar-vote/1")
    and the proof a critical command carries to its site.

    An operator signs a canonical payload with their Ed25519 key (keys.h)
    or with an enrolled passkey in the browser (webauthn.h: the signature
    string is then a WebAuthn assertion, checked against NAME.passkey.json
    beside NAME.sign.pub.pem);
    the broker stores it with its signature, and attaches the approving
    votes of a run's gate to a critical command as "proof":
    [{operator, signature, payload}].  The site verifies every signature
    against the operator keys it trusts, so a broker alone cannot forge the
    human sign-off (docs/governance.md "Critical commands").

    One parser for every format (parse_signed): size, strict JSON, exact
    keys, type, the format's own field rules, canonical form — in that
    order, with the texts the formats always had. */
#include "governance.h"

#include "keys.h"
#include "webauthn.h"

#include <stdio.h>
#include <string.h>

#define VOTE_TYPE "fedsoar-vote/1"
#define APPROVAL_TYPE "fedsoar-approval/1"
#define PROOF_FUTURE_MS (5 * 60 * 1000) /* clock skew tolerated */

typedef struct signed_format {
    const char *what;                      /* "vote payload" */
    const char *type;                      /* the "type" member's value */
    const char *const *keys;               /* exactly these members, NULL-terminated */
    const char *exact;                     /* the text when the members are not exactly those */
    bool check_keys_first;                 /* check every key's presence before the type */
    const char *(*rules)(const json_t *p); /* the format's field rules: NULL or why */
} signed_format_t;

static json_t *parse_signed(const signed_format_t *f, const char *payload, size_t len, fs_err_t *e)
{
    if (len > GOVERNANCE_PAYLOAD_MAX) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED, "%s: longer than %d bytes", f->what,
                    GOVERNANCE_PAYLOAD_MAX);
        return NULL;
    }
    fs_err_t pe = {0};
    json_t *p = fs_json_parse(payload, len, &pe);
    if (!p) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED, "%s: %s", f->what, pe.text);
        return NULL;
    }
    size_t nkeys = 0;
    while (f->keys[nkeys])
        nkeys++;
    const char *why = NULL;
    if (!json_is_object(p) || json_object_size(p) != nkeys)
        why = f->exact;
    for (size_t i = 0; !why && f->check_keys_first && i < nkeys; i++)
        if (!json_object_get(p, f->keys[i]))
            why = f->exact;
    const char *type = json_string_value(json_object_get(p, "type"));
    if (!why && (!type || strcmp(type, f->type) != 0))
        why = strcmp(f->type, VOTE_TYPE) == 0 ? "$.type is not \"" VOTE_TYPE "\""
                                              : "$.type is not \"" APPROVAL_TYPE "\"";
    if (!why)
        why = f->rules(p);
    /* One representation only: what was signed is the canonical form. */
    if (!why && !fs_json_is_canonical(p, payload, len))
        why = "not in canonical form (keys sorted, compact)";
    if (why) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED, "%s: %s", f->what, why);
        json_decref(p);
        return NULL;
    }
    return p;
}

/* ---- playbook approvals ------------------------------------------------------ */

static bool valid_version(const char *v)
{
    if (!v || strlen(v) != 64)
        return false;
    for (; *v; v++)
        if (!((*v >= '0' && *v <= '9') || (*v >= 'a' && *v <= 'f')))
            return false;
    return true;
}

static const char *approval_rules(const json_t *p)
{
    const char *decision = json_string_value(json_object_get(p, "decision"));
    const json_t *t = json_object_get(p, "time");
    if (!valid_version(json_string_value(json_object_get(p, "version"))))
        return "$.version is not a version (64 lowercase hex: SHA-256 of the canonical playbook)";
    if (!decision || (strcmp(decision, "approve") != 0 && strcmp(decision, "reject") != 0))
        return "$.decision is not approve or reject";
    if (!fs_is_name(json_string_value(json_object_get(p, "member")), 32))
        return "$.member is not an operator name (1-32 of [a-z0-9_-])";
    if (!json_is_integer(t) || json_integer_value(t) < 0)
        return "$.time must be epoch milliseconds";
    return NULL;
}

static const char *const approval_keys[] = {"decision", "member", "time", "type", "version", NULL};
static const signed_format_t approval_format = {
    .what = "approval payload",
    .type = APPROVAL_TYPE,
    .keys = approval_keys,
    .exact = "an object with exactly decision, member, time, type, version",
    .check_keys_first = false,
    .rules = approval_rules,
};

char *governance_approval_payload(const char *version, const char *decision, const char *member,
                                  int64_t time_ms)
{
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:I}", "type", APPROVAL_TYPE, "version",
                          version ? version : "", "decision", decision ? decision : "", "member",
                          member ? member : "", "time", (json_int_t)time_ms);
    char *text = fs_json_canonical(p);
    json_decref(p);
    return text;
}

json_t *governance_approval_parse(const char *payload, size_t len, fs_err_t *e)
{
    return parse_signed(&approval_format, payload, len, e);
}

/* ---- votes on approval gates ---------------------------------------------------- */

static const char *vote_rules(const json_t *p)
{
    const char *decision = json_string_value(json_object_get(p, "decision"));
    json_t *aid = json_object_get(p, "approval_id"), *rid = json_object_get(p, "run_id"),
           *q = json_object_get(p, "quorum"), *t = json_object_get(p, "time");
    if (!decision || (strcmp(decision, "approve") != 0 && strcmp(decision, "deny") != 0))
        return "$.decision is not approve or deny";
    if (!fs_is_name(json_string_value(json_object_get(p, "operator")), 32))
        return "$.operator is not an operator name (1-32 of [a-z0-9_-])";
    if (!json_is_integer(aid) || json_integer_value(aid) < 1 || !json_is_integer(rid) ||
        json_integer_value(rid) < 1)
        return "$.approval_id and $.run_id must be positive integers";
    if (!json_is_integer(q) || json_integer_value(q) < 1 ||
        json_integer_value(q) > GOVERNANCE_PROOF_MAX)
        return "$.quorum must be 1-16";
    if (!json_is_integer(t) || json_integer_value(t) < 0)
        return "$.time must be epoch milliseconds";
    return NULL;
}

static const char *const vote_keys[] = {"approval_id", "decision", "operator", "quorum",
                                        "run_id",      "time",     "type",     NULL};
static const signed_format_t vote_format = {
    .what = "vote payload",
    .type = VOTE_TYPE,
    .keys = vote_keys,
    .exact = "an object with exactly approval_id, decision, operator, quorum, run_id, time, type",
    .check_keys_first = true,
    .rules = vote_rules,
};

char *governance_vote_payload(uint64_t approval_id, uint64_t run_id, const char *decision,
                              const char *operator_name, int quorum, int64_t time_ms)
{
    json_t *p = json_pack("{s:s, s:I, s:I, s:s, s:s, s:i, s:I}", "type", VOTE_TYPE, "approval_id",
                          (json_int_t)approval_id, "run_id", (json_int_t)run_id, "decision",
                          decision ? decision : "", "operator", operator_name ? operator_name : "",
                          "quorum", quorum, "time", (json_int_t)time_ms);
    char *text = fs_json_canonical(p);
    json_decref(p);
    return text;
}

json_t *governance_vote_parse(const char *payload, size_t len, fs_err_t *e)
{
    return parse_signed(&vote_format, payload, len, e);
}

/* ---- signatures ------------------------------------------------------------------ */

/* One signature by operator op, whose trusted keys are in dir (the
   layout's signing/operators, or a site's trusted operators directory):
   a passkey assertion with dir/OP.passkey.json, else base64 Ed25519 with
   dir/OP.sign.pub.pem. */
static int operator_signature_check(const char *dir, const char *op, const char *payload,
                                    const char *signature, fs_err_t *e)
{
    char path[4096];
    bool passkey = governance_webauthn_is_assertion(signature);
    if (snprintf(path, sizeof path, "%s/%s.%s", dir, op,
                 passkey ? "passkey.json" : "sign.pub.pem") >= (int)sizeof path)
        return fs_err_setc(e, GOVERNANCE_E_SIGNED, "trusted operators directory path too long");
    if (passkey)
        return governance_webauthn_verify(path, payload, strlen(payload), signature, e);
    return keys_verify(path, payload, strlen(payload), signature, e);
}

int governance_signature_check(const char *keys_dir, const char *who, const char *payload,
                               const char *signature, fs_err_t *e)
{
    char priv[4096], pub[4096];
    if (who && strcmp(who, "broker") != 0) {
        if (!fs_is_name(who, 32))
            return fs_err_setc(e, GOVERNANCE_E_SIGNED, "\"%.40s\" is not an operator name", who);
        if (snprintf(pub, sizeof pub, "%s/signing/operators", keys_dir) >= (int)sizeof pub)
            return fs_err_setc(e, GOVERNANCE_E_SIGNED, "signing key path too long");
        return operator_signature_check(pub, who, payload, signature, e);
    }
    if (keys_signing_paths(keys_dir, who, priv, sizeof priv, pub, sizeof pub) != 0)
        return fs_err_setc(e, GOVERNANCE_E_SIGNED, "signing key path too long");
    return keys_verify(pub, payload, strlen(payload), signature, e);
}

/* ---- the proof of a critical command ------------------------------------------------ */

int governance_proof_verify(const json_t *proof, uint64_t run_id, const char *trusted_dir,
                            int64_t now_ms, int64_t max_age_ms, char *reason, size_t reason_size)
{
#define REFUSE(...)                                                                                \
    do {                                                                                           \
        snprintf(reason, reason_size, __VA_ARGS__);                                                \
        goto refused;                                                                              \
    } while (0)
    const char *seen[GOVERNANCE_PROOF_MAX];
    size_t valid = 0;
    json_int_t approval = 0, quorum = 0;
    json_t *parsed[GOVERNANCE_PROOF_MAX] = {0};
    if (!json_is_array(proof) || json_array_size(proof) == 0)
        REFUSE("a critical command needs proof: the approvers' signed votes");
    if (json_array_size(proof) > GOVERNANCE_PROOF_MAX)
        REFUSE("proof: more than %d signatures", GOVERNANCE_PROOF_MAX);
    size_t i;
    json_t *item;
    json_array_foreach(proof, i, item)
    {
        const char *op = json_string_value(json_object_get(item, "operator"));
        const char *sig = json_string_value(json_object_get(item, "signature"));
        const char *payload = json_string_value(json_object_get(item, "payload"));
        if (!fs_is_name(op, 32) || !sig || !payload)
            REFUSE("proof[%zu]: needs operator (a name), signature and payload", i);
        fs_err_t e = {0};
        json_t *p = parsed[i] = governance_vote_parse(payload, strlen(payload), &e);
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
        if (operator_signature_check(trusted_dir, op, payload, sig, &e) != 0)
            REFUSE("proof[%zu]: %s's signature refused: %s", i, op, e.text);
        seen[valid++] = op;
    }
    if ((json_int_t)valid < quorum)
        REFUSE("proof: %zu valid signature(s), the gate's quorum is %lld", valid,
               (long long)quorum);
    for (i = 0; i < GOVERNANCE_PROOF_MAX; i++)
        json_decref(parsed[i]);
    if (reason_size)
        reason[0] = '\0';
    return 0;
refused:
    for (i = 0; i < GOVERNANCE_PROOF_MAX; i++)
        json_decref(parsed[i]);
    return -1;
#undef REFUSE
}
