/*  rollout_promote.c — promotions and rollbacks of a rollout plan
    (docs/governance.md "Phased rollout").  A promotion is a proposal with
    the criteria measured when it was made; it takes effect when the
    board's quorum of members has signed its payload
    ("fedsoar-promotion/1", rollout.h), in the transaction of the last
    signature and with its audit entry.  The broker never signs for a
    person: it checks each signature with the member's trusted key, as a
    playbook approval's.  A rollback undoes the site's latest promotions
    in one transaction; it needs an admin, not the quorum (an emergency
    brake must not wait for a board). */
#include "rollout_internal.h"

#include <string.h>

#define SIGNATURE_SKEW_MS (60 * 60 * 1000) /* a signature is used within an hour */
#define KEEP_MAX 200                       /* proposals and promotions kept in a plan */

static void trim(json_t *list)
{
    while (json_array_size(list) > KEEP_MAX)
        json_array_remove(list, 0);
}

static json_t *open_proposal(const json_t *plan, const char *site)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(plan, "proposals"), i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "status")), "open") == 0 &&
            strcmp(json_string_value(json_object_get(p, "site")), site) == 0)
            return p;
    }
    return NULL;
}

/* "alpha: shadow_runs 3 (need 50), shadow_agreement 0.9 (need 0.95)" */
static void failing_text(const json_t *check, char *buf, size_t size)
{
    size_t i, used = 0;
    json_t *c;
    buf[0] = '\0';
    json_array_foreach(json_object_get(check, "criteria"), i, c)
    {
        if (json_is_true(json_object_get(c, "pass")))
            continue;
        char *v = json_dumps(json_object_get(c, "value"), JSON_ENCODE_ANY | JSON_REAL_PRECISION(3));
        char *n = json_dumps(json_object_get(c, "need"), JSON_ENCODE_ANY | JSON_REAL_PRECISION(3));
        const char *d = json_string_value(json_object_get(c, "detail"));
        int w = snprintf(
            buf + used, size - used, "%s%s %s (need %s%s)%s%s", used ? "; " : "",
            json_string_value(json_object_get(c, "name")), v ? v : "null",
            strcmp(json_string_value(json_object_get(c, "name")), "gates_denied") == 0 ? ""
            : strncmp(json_string_value(json_object_get(c, "name")), "mttr", 4) == 0   ? "<= "
                                                                                       : ">= ",
            n ? n : "?", d ? ": " : "", d ? d : "");
        free(v);
        free(n);
        if (w < 0 || (size_t)w >= size - used)
            break;
        used += (size_t)w;
    }
}

static bool may_propose(broker_t *b, const caller_t *who)
{
    return (who->role && strcmp(who->role, "admin") == 0) ||
           (governance_is_member(b->gov, who->operator_name) &&
            !governance_is_revoked(b->gov, who->operator_name));
}

json_t *rollout_ctl_promote(broker_t *b, casestore_txn_t *txn, const json_t *args,
                            const caller_t *who, fs_err_t *e)
{
    const char *site = json_string_value(json_object_get(args, "site"));
    const char *override = json_string_value(json_object_get(args, "override"));
    if (!b->gov) {
        fs_err_setc(e, BROKER_E_CONFLICT, "a rollout needs playbook governance");
        return NULL;
    }
    if (!may_propose(b, who)) {
        fs_err_setc(e, BROKER_E_DENIED,
                    "operator %s may not propose a promotion: an admin or a governance board "
                    "member may",
                    who->operator_name);
        return NULL;
    }
    if (override && (!*override || strlen(override) > 2000)) {
        fs_err_setc(e, BROKER_E_INVALID, "override: a reason of 1-2000 characters");
        return NULL;
    }
    json_t *plan = rollout_plan_load(b, txn, json_string_value(json_object_get(args, "name")), e);
    if (!plan)
        return NULL;
    json_t *out = NULL, *check = NULL;
    const char *name = json_string_value(json_object_get(plan, "name"));
    rollout_phase_t phase = rollout_plan_phase(plan, site);
    json_t *open = NULL;
    if (phase == ROLLOUT_PHASE_COUNT) {
        fs_err_setc(e, BROKER_E_INVALID, "site: %s is not in the rollout plan of %s",
                    site ? site : "(none)", name);
        goto done;
    }
    if (phase == ROLLOUT_AUTOMATED) {
        fs_err_setc(e, BROKER_E_CONFLICT, "%s is automated at %s: nothing to promote", name, site);
        goto done;
    }
    if ((open = open_proposal(plan, site))) {
        fs_err_setc(e, BROKER_E_CONFLICT,
                    "proposal %lld (%s -> %s at %s) is still open: sign it (fedsoarctl rollout "
                    "sign %s --proposal %lld) or roll back",
                    (long long)json_integer_value(json_object_get(open, "id")),
                    json_string_value(json_object_get(open, "from")),
                    json_string_value(json_object_get(open, "to")), site, name,
                    (long long)json_integer_value(json_object_get(open, "id")));
        goto done;
    }
    check = rollout_criteria_check(b, txn, plan, site);
    if (!json_is_true(json_object_get(check, "pass")) && !override) {
        char why[1024];
        failing_text(check, why, sizeof why);
        fs_err_setc(e, BROKER_E_CONFLICT,
                    "promotion of %s at %s from %s to %s refused: %s (--override REASON to "
                    "promote anyway; it is recorded)",
                    name, site, rollout_phase_name(phase), rollout_phase_name(phase + 1), why);
        goto done;
    }
    uint64_t id = casestore_next_id(b->store, txn, "proposal_id", e);
    if (!id)
        goto done;
    json_t *prop = json_pack("{s:I, s:s, s:s, s:s, s:O, s:s, s:I, s:O, s:s?, s:s, s:[], s:i}", "id",
                             (json_int_t)id, "site", site, "from", rollout_phase_name(phase), "to",
                             rollout_phase_name(phase + 1), "version",
                             json_object_get(plan, "version"), "by", who->operator_name, "created",
                             (json_int_t)fs_now_ms(), "criteria", check, "override", override,
                             "status", "open", "signatures", "quorum", governance_quorum(b->gov));
    json_array_append(json_object_get(plan, "proposals"), prop);
    trim(json_object_get(plan, "proposals"));
    if (rollout_put(b, txn, "rollout", name, plan, e) == 0 &&
        rollout_audit(
            b, txn, who->actor, "rollout.propose",
            json_pack("{s:s, s:s, s:I}", "name", name, "site", site, "proposal", (json_int_t)id),
            json_pack("{s:s, s:s, s:O, s:O, s:s?}", "from", rollout_phase_name(phase), "to",
                      rollout_phase_name(phase + 1), "version", json_object_get(plan, "version"),
                      "criteria", check, "override", override),
            e) == 0) {
        out = json_incref(prop);
        /* what each member signs, made at the broker's time for the caller */
        char *payload = rollout_promotion_payload(
            name, site, rollout_phase_name(phase), rollout_phase_name(phase + 1),
            json_string_value(json_object_get(plan, "version")), id, who->operator_name,
            fs_now_ms());
        json_object_set_new(out, "payload", json_string(payload));
        free(payload);
        fs_log(FS_LOG_INFO, "broker", "rollout_proposed",
               "playbook=%s site=%s proposal=%llu from=%s to=%s override=%s", name, site,
               (unsigned long long)id, rollout_phase_name(phase), rollout_phase_name(phase + 1),
               override ? "yes" : "no");
    }
    json_decref(prop);
done:
    json_decref(check);
    json_decref(plan);
    return out;
}

/* The proposal's promotion, now that the quorum signed it: the phase
   applied, what it changed recorded for the rollback plan. */
static int take_effect(broker_t *b, casestore_txn_t *txn, json_t *plan, json_t *prop,
                       const caller_t *who, fs_err_t *e)
{
    const char *site = json_string_value(json_object_get(prop, "site"));
    rollout_phase_t to = rollout_phase_parse(json_string_value(json_object_get(prop, "to")));
    json_t *before = rollout_apply_phase(b, txn, plan, site, to, NULL, e);
    if (!before)
        return -1;
    json_t *site_row = rollout_get(b, txn, "site", site);
    const char *name = json_string_value(json_object_get(plan, "name"));
    json_t *after = json_pack("{s:O?, s:O?}", "active",
                              json_object_get(json_object_get(site_row, "active"), name), "shadow",
                              json_object_get(json_object_get(site_row, "shadow"), name));
    json_decref(site_row);
    json_t *signers = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(prop, "signatures"), i, s)
        json_array_append(signers, json_object_get(s, "member"));
    json_t *promo =
        json_pack("{s:O, s:s, s:O, s:O, s:O, s:I, s:o, s:O?, s:{s:O, s:o, s:b}, s:{s:O, s:o, s:b}}",
                  "proposal", json_object_get(prop, "id"), "site", site, "from",
                  json_object_get(prop, "from"), "to", json_object_get(prop, "to"), "version",
                  json_object_get(plan, "version"), "at", (json_int_t)fs_now_ms(), "signed_by",
                  signers, "override", json_object_get(prop, "override"), "before", "phase",
                  json_object_get(prop, "from"), "versions", before, "supervised",
                  strcmp(json_string_value(json_object_get(prop, "from")), "supervised") == 0,
                  "after", "phase", json_object_get(prop, "to"), "versions", after, "supervised",
                  to == ROLLOUT_SUPERVISED);
    json_object_set_new(prop, "status", json_string("effective"));
    json_array_append(json_object_get(plan, "promotions"), promo);
    trim(json_object_get(plan, "promotions"));
    int rc = rollout_audit(b, txn, who->actor, "rollout.promote",
                           json_pack("{s:s, s:s, s:O}", "name", name, "site", site, "proposal",
                                     json_object_get(prop, "id")),
                           json_incref(promo), e);
    fs_log(FS_LOG_INFO, "broker", "rollout_promoted", "playbook=%s site=%s from=%s to=%s", name,
           site, json_string_value(json_object_get(prop, "from")),
           json_string_value(json_object_get(prop, "to")));
    json_decref(promo);
    return rc;
}

json_t *rollout_ctl_sign(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                         fs_err_t *e)
{
    const char *payload = json_string_value(json_object_get(args, "payload"));
    const char *sig = json_string_value(json_object_get(args, "signature"));
    if (!b->gov) {
        fs_err_setc(e, BROKER_E_CONFLICT, "a rollout needs playbook governance");
        return NULL;
    }
    if (!payload || !sig) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "rollout.sign needs args.payload and args.signature (fedsoarctl rollout sign "
                    "signs them with your operator signing key)");
        return NULL;
    }
    fs_err_t pe = {0};
    json_t *p = rollout_promotion_parse(payload, strlen(payload), &pe);
    if (!p) {
        fs_err_setc(e, BROKER_E_INVALID, "signature refused: %s", pe.text);
        return NULL;
    }
    const char *member = json_string_value(json_object_get(p, "member"));
    json_int_t id = json_integer_value(json_object_get(p, "proposal"));
    int64_t t = json_integer_value(json_object_get(p, "time")), now = fs_now_ms();
    json_t *plan = NULL, *out = NULL, *prop = NULL;
    if (strcmp(member, who->operator_name) != 0) {
        fs_err_setc(e, BROKER_E_DENIED,
                    "signature refused: it is %s's, but this request comes from operator %s",
                    member, who->operator_name);
        goto done;
    }
    if (!governance_is_member(b->gov, member) || governance_is_revoked(b->gov, member)) {
        fs_err_setc(e, BROKER_E_DENIED,
                    "signature refused: %s is not a member of the governance board%s", member,
                    governance_is_revoked(b->gov, member) ? " (revoked)" : "");
        goto done;
    }
    /* POST /rollouts/{name}/signatures: the path names the playbook too */
    const char *named = json_string_value(json_object_get(args, "name"));
    if (named && strcmp(named, json_string_value(json_object_get(p, "playbook"))) != 0) {
        fs_err_setc(e, BROKER_E_INVALID, "signature refused: the signed playbook is %s, not %s",
                    json_string_value(json_object_get(p, "playbook")), named);
        goto done;
    }
    plan = rollout_plan_load(b, txn, json_string_value(json_object_get(p, "playbook")), e);
    if (!plan)
        goto done;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(plan, "proposals"), i,
                       x) if (json_integer_value(json_object_get(x, "id")) == id) prop = x;
    if (!prop) {
        fs_err_setc(e, BROKER_E_NOT_FOUND, "signature refused: no proposal %lld in the plan of %s",
                    (long long)id, json_string_value(json_object_get(plan, "name")));
        goto done;
    }
    const char *status = json_string_value(json_object_get(prop, "status"));
    if (strcmp(status, "open") != 0) {
        fs_err_setc(e, BROKER_E_CONFLICT, "signature refused: proposal %lld is %s, no longer open",
                    (long long)id, status);
        goto done;
    }
    static const char *const same[] = {"site", "from", "to", "version"};
    for (size_t k = 0; k < 4; k++)
        if (!json_equal(json_object_get(p, same[k]), json_object_get(prop, same[k]))) {
            fs_err_setc(e, BROKER_E_INVALID,
                        "signature refused: the signed %s is %s, proposal %lld's is %s", same[k],
                        json_string_value(json_object_get(p, same[k])), (long long)id,
                        json_string_value(json_object_get(prop, same[k])));
            goto done;
        }
    json_array_foreach(json_object_get(prop, "signatures"), i,
                       x) if (strcmp(json_string_value(json_object_get(x, "member")), member) == 0)
    {
        fs_err_setc(e, BROKER_E_CONFLICT,
                    "signature refused: duplicate signature: %s already signed proposal %lld",
                    member, (long long)id);
        goto done;
    }
    if (t > now + 5 * 60 * 1000 || now - t > SIGNATURE_SKEW_MS) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "signature refused: its time is more than an hour from the broker's clock");
        goto done;
    }
    if (governance_signature_check(b->cfg.keys_dir, member, payload, sig, &pe) != 0) {
        fs_err_setc(e, BROKER_E_INVALID, "signature refused: %s", pe.text);
        goto done;
    }
    json_array_append_new(json_object_get(prop, "signatures"),
                          json_pack("{s:s, s:I, s:s, s:s}", "member", member, "time", (json_int_t)t,
                                    "signature", sig, "payload", payload));
    size_t n = json_array_size(json_object_get(prop, "signatures"));
    int quorum = governance_quorum(b->gov);
    const char *name = json_string_value(json_object_get(plan, "name"));
    int rc =
        rollout_audit(b, txn, who->actor, "rollout.sign",
                      json_pack("{s:s, s:O, s:I}", "name", name, "site",
                                json_object_get(prop, "site"), "proposal", (json_int_t)id),
                      json_pack("{s:s, s:s, s:s, s:I, s:i}", "member", member, "payload", payload,
                                "signature", sig, "signatures", (json_int_t)n, "quorum", quorum),
                      e);
    if (rc == 0 && n >= (size_t)quorum)
        rc = take_effect(b, txn, plan, prop, who, e);
    if (rc == 0)
        rc = rollout_put(b, txn, "rollout", name, plan, e);
    if (rc == 0) {
        out = json_pack("{s:O, s:I, s:i, s:O}", "proposal", prop, "signatures", (json_int_t)n,
                        "quorum", quorum, "phases", json_object_get(plan, "phases"));
    }
done:
    if (!out)
        fs_log(FS_LOG_WARN, "broker", "rollout_signature_refused", "operator=%s reason=\"%s\"",
               who->operator_name, e->text);
    json_decref(plan);
    json_decref(p);
    return out;
}

/* ---- rollback ------------------------------------------------------------------------------- */

json_t *rollout_ctl_rollback(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e)
{
    const char *site = json_string_value(json_object_get(args, "site"));
    const char *to_text = json_string_value(json_object_get(args, "to"));
    if (!b->gov) {
        fs_err_setc(e, BROKER_E_CONFLICT, "a rollout needs playbook governance");
        return NULL;
    }
    json_t *plan = rollout_plan_load(b, txn, json_string_value(json_object_get(args, "name")), e);
    if (!plan)
        return NULL;
    const char *name = json_string_value(json_object_get(plan, "name"));
    rollout_phase_t phase = rollout_plan_phase(plan, site), to = phase ? phase - 1 : phase;
    json_t *out = NULL, *undone = json_array();
    if (phase == ROLLOUT_PHASE_COUNT) {
        fs_err_setc(e, BROKER_E_INVALID, "site: %s is not in the rollout plan of %s",
                    site ? site : "(none)", name);
        goto done;
    }
    if (to_text && (to = rollout_phase_parse(to_text)) == ROLLOUT_PHASE_COUNT) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "to: \"%s\" is not a phase (observe, shadow, supervised, automated)", to_text);
        goto done;
    }
    if (phase == ROLLOUT_OBSERVE || to >= phase) {
        fs_err_setc(e, BROKER_E_CONFLICT, "%s is %s at %s: nothing to roll back to %s", name,
                    rollout_phase_name(phase), site, rollout_phase_name(to));
        goto done;
    }
    /* The site's effective promotions, newest first, until the target phase. */
    json_t *promos = json_object_get(plan, "promotions");
    const json_t *oldest = NULL;
    for (size_t i = json_array_size(promos); i-- > 0;) {
        json_t *pr = json_array_get(promos, i);
        if (strcmp(json_string_value(json_object_get(pr, "site")), site) != 0 ||
            json_is_true(json_object_get(pr, "rolled_back")))
            continue;
        rollout_phase_t from = rollout_phase_parse(json_string_value(json_object_get(pr, "from")));
        if (from < to)
            break;
        json_object_set_new(pr, "rolled_back", json_true());
        json_array_append(undone, pr);
        oldest = pr;
        if (from == to)
            break;
    }
    if (!oldest) {
        fs_err_setc(e, BROKER_E_CONFLICT, "no recorded promotion of %s at %s to undo", name, site);
        goto done;
    }
    json_t *before = rollout_apply_phase(
        b, txn, plan, site, to, json_object_get(json_object_get(oldest, "before"), "versions"), e);
    if (!before)
        goto done;
    /* an open proposal at the site no longer describes the site */
    size_t i;
    json_t *pr;
    json_array_foreach(json_object_get(plan, "proposals"), i,
                       pr) if (strcmp(json_string_value(json_object_get(pr, "status")), "open") ==
                                   0 &&
                               strcmp(json_string_value(json_object_get(pr, "site")), site) == 0)
        json_object_set_new(pr, "status", json_string("withdrawn"));
    json_t *rec = json_pack("{s:s, s:s, s:s, s:I, s:s, s:o, s:o}", "site", site, "from",
                            rollout_phase_name(phase), "to", rollout_phase_name(to), "at",
                            (json_int_t)fs_now_ms(), "by", who->operator_name, "undone", undone,
                            "replaced", before);
    undone = NULL;
    json_array_append(json_object_get(plan, "rollbacks"), rec);
    trim(json_object_get(plan, "rollbacks"));
    if (rollout_put(b, txn, "rollout", name, plan, e) == 0 &&
        rollout_audit(b, txn, who->actor, "rollout.rollback",
                      json_pack("{s:s, s:s}", "name", name, "site", site),
                      json_pack("{s:s, s:s, s:O, s:s}", "from", rollout_phase_name(phase), "to",
                                rollout_phase_name(to), "undone", json_object_get(rec, "undone"),
                                "quorum", "not needed: an emergency rollback is an admin's"),
                      e) == 0) {
        out = json_incref(rec);
        fs_log(FS_LOG_INFO, "broker", "rollout_rolled_back", "playbook=%s site=%s from=%s to=%s",
               name, site, rollout_phase_name(phase), rollout_phase_name(to));
    }
    json_decref(rec);
done:
    json_decref(undone);
    json_decref(plan);
    return out;
}
