/*  rollout.c — the pure rules of a phased rollout (rollout.h): phase
    names, promotion criteria with their defaults, and the signed
    promotion payload.  The payload follows the same rules as every other
    signed payload of governance (signed.c): canonical JSON, exact keys,
    one representation, at most 1024 bytes; its signature is checked with
    governance_signature_check like a playbook approval's. */
#include "rollout.h"

#include "governance.h"

#include <math.h>
#include <string.h>

static const char *const phase_names[ROLLOUT_PHASE_COUNT] = {"observe", "shadow", "supervised",
                                                             "automated"};

const char *rollout_phase_name(rollout_phase_t p)
{
    return p < ROLLOUT_PHASE_COUNT ? phase_names[p] : NULL;
}

rollout_phase_t rollout_phase_parse(const char *name)
{
    for (int i = 0; name && i < ROLLOUT_PHASE_COUNT; i++)
        if (strcmp(name, phase_names[i]) == 0)
            return (rollout_phase_t)i;
    return ROLLOUT_PHASE_COUNT;
}

/* ---- criteria -------------------------------------------------------------------- */

typedef enum { CRIT_COUNT, CRIT_RATIO, CRIT_FACTOR, CRIT_DAYS, CRIT_ROLE, CRIT_QUORUM } crit_kind_t;

static const struct {
    const char *key;
    crit_kind_t kind;
    double dflt; /* for numbers */
    const char *why;
} criteria[] = {
    {"shadow_min_runs", CRIT_COUNT, 50, "an integer 1-100000"},
    {"shadow_agreement", CRIT_RATIO, 0.95, "a number between 0 and 1"},
    {"supervised_min_runs", CRIT_COUNT, 20, "an integer 1-100000"},
    {"mttr_ratio_max", CRIT_FACTOR, 1.2, "a number between 1 and 100"},
    {"mttr_window_days", CRIT_DAYS, 7, "an integer 1-366"},
    {"supervised_role", CRIT_ROLE, 0, "a role name (1-32 of [a-z0-9_-])"},
    {"supervised_quorum", CRIT_QUORUM, 1, "an integer 1-16"},
};
#define NCRIT (sizeof criteria / sizeof *criteria)

static bool crit_ok(crit_kind_t kind, const json_t *v)
{
    double x = json_is_number(v) ? json_number_value(v) : NAN;
    json_int_t i = json_is_integer(v) ? json_integer_value(v) : -1;
    switch (kind) {
    case CRIT_COUNT:
        return i >= 1 && i <= 100000;
    case CRIT_RATIO:
        return x >= 0 && x <= 1;
    case CRIT_FACTOR:
        return x >= 1 && x <= 100;
    case CRIT_DAYS:
        return i >= 1 && i <= 366;
    case CRIT_ROLE:
        return fs_is_name(json_string_value(v), 32);
    case CRIT_QUORUM:
        return i >= 1 && i <= GOVERNANCE_PROOF_MAX;
    }
    return false;
}

json_t *rollout_criteria_parse(const json_t *given, fs_err_t *e)
{
    if (given && !json_is_object(given)) {
        fs_err_set(e, "$: the criteria are a JSON object");
        return NULL;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)given, key, v)
    {
        size_t i = 0;
        while (i < NCRIT && strcmp(criteria[i].key, key) != 0)
            i++;
        if (i == NCRIT) {
            fs_err_set(e,
                       "$.%s: not a criterion (shadow_min_runs, shadow_agreement, "
                       "supervised_min_runs, mttr_ratio_max, mttr_window_days, supervised_role, "
                       "supervised_quorum)",
                       key);
            return NULL;
        }
        if (!crit_ok(criteria[i].kind, v)) {
            fs_err_set(e, "$.%s: must be %s", key, criteria[i].why);
            return NULL;
        }
    }
    json_t *out = json_object();
    for (size_t i = 0; i < NCRIT; i++) {
        const json_t *g = given ? json_object_get(given, criteria[i].key) : NULL;
        if (g)
            json_object_set_new(out, criteria[i].key, json_deep_copy(g));
        else if (criteria[i].kind == CRIT_ROLE)
            json_object_set_new(out, criteria[i].key, json_string("analyst"));
        else if (criteria[i].kind == CRIT_RATIO || criteria[i].kind == CRIT_FACTOR)
            json_object_set_new(out, criteria[i].key, json_real(criteria[i].dflt));
        else
            json_object_set_new(out, criteria[i].key, json_integer((json_int_t)criteria[i].dflt));
    }
    return out;
}

/* ---- the signed promotion ------------------------------------------------------------ */

char *rollout_promotion_payload(const char *playbook, const char *site, const char *from,
                                const char *to, const char *version, uint64_t proposal,
                                const char *member, int64_t time_ms)
{
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I}", "type",
                          ROLLOUT_PROMOTION_TYPE, "playbook", playbook ? playbook : "", "site",
                          site ? site : "", "from", from ? from : "", "to", to ? to : "", "version",
                          version ? version : "", "proposal", (json_int_t)proposal, "member",
                          member ? member : "", "time", (json_int_t)time_ms);
    char *text = fs_json_canonical(p);
    json_decref(p);
    return text;
}

static bool hex64(const char *v)
{
    return v && strlen(v) == 64 && strspn(v, "0123456789abcdef") == 64;
}

static const char *promotion_rules(const json_t *p)
{
    static const char *const keys[] = {"from", "member", "playbook", "proposal", "site",
                                       "time", "to",     "type",     "version"};
    if (!json_is_object(p) || json_object_size(p) != sizeof keys / sizeof *keys)
        return "an object with exactly from, member, playbook, proposal, site, time, to, type, "
               "version";
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!json_object_get(p, keys[i]))
            return "an object with exactly from, member, playbook, proposal, site, time, to, "
                   "type, version";
    const char *type = json_string_value(json_object_get(p, "type"));
    if (!type || strcmp(type, ROLLOUT_PROMOTION_TYPE) != 0)
        return "$.type is not \"" ROLLOUT_PROMOTION_TYPE "\"";
    rollout_phase_t from = rollout_phase_parse(json_string_value(json_object_get(p, "from")));
    rollout_phase_t to = rollout_phase_parse(json_string_value(json_object_get(p, "to")));
    if (from == ROLLOUT_PHASE_COUNT || to == ROLLOUT_PHASE_COUNT)
        return "$.from and $.to must be phases (observe, shadow, supervised, automated)";
    if (to != from + 1)
        return "$.to must be the phase after $.from";
    if (!fs_is_name(json_string_value(json_object_get(p, "member")), 32))
        return "$.member is not an operator name (1-32 of [a-z0-9_-])";
    if (!fs_is_name(json_string_value(json_object_get(p, "playbook")), 64))
        return "$.playbook is not a playbook name (1-64 of [a-z0-9_-])";
    if (!fs_is_name(json_string_value(json_object_get(p, "site")), 32))
        return "$.site is not a site name (1-32 of [a-z0-9_-])";
    if (!hex64(json_string_value(json_object_get(p, "version"))))
        return "$.version is not a version (64 lowercase hex)";
    const json_t *id = json_object_get(p, "proposal"), *t = json_object_get(p, "time");
    if (!json_is_integer(id) || json_integer_value(id) < 1)
        return "$.proposal must be a positive integer";
    if (!json_is_integer(t) || json_integer_value(t) < 0)
        return "$.time must be epoch milliseconds";
    return NULL;
}

json_t *rollout_promotion_parse(const char *payload, size_t len, fs_err_t *e)
{
    if (!payload || len > GOVERNANCE_PAYLOAD_MAX) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED, "promotion payload: longer than %d bytes",
                    GOVERNANCE_PAYLOAD_MAX);
        return NULL;
    }
    fs_err_t pe = {0};
    json_t *p = fs_json_parse(payload, len, &pe);
    if (!p) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED, "promotion payload: %s", pe.text);
        return NULL;
    }
    const char *why = promotion_rules(p);
    /* One representation only: what was signed is the canonical form. */
    if (!why && !fs_json_is_canonical(p, payload, len))
        why = "not in canonical form (keys sorted, compact)";
    if (why) {
        fs_err_setc(e, GOVERNANCE_E_SIGNED, "promotion payload: %s", why);
        json_decref(p);
        return NULL;
    }
    return p;
}
