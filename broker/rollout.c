/*  rollout.c — phased rollout plans (docs/governance.md "Phased rollout"):
    a plan per playbook takes one approved version through observe ->
    shadow -> supervised -> automated at each of its sites; this file keeps
    plans, measures promotion criteria, applies a phase to the governance
    site row, and counts the would-be triggers of observed versions.
    Promotions and rollbacks are rollout_promote.c; rows are described in
    rollout_internal.h. */
#include "rollout_internal.h"

#include <math.h>
#include <string.h>

#define MAX_SITES 32

json_t *rollout_get(broker_t *b, casestore_txn_t *txn, const char *prefix, const char *id)
{
    char key[160];
    int n = snprintf(key, sizeof key, "%s:%s", prefix, id);
    return n > 0 && n < (int)sizeof key
               ? casestore_get_json(b->store, txn, CASESTORE_DB_GOVERNANCE, key, (size_t)n)
               : NULL;
}

int rollout_put(broker_t *b, casestore_txn_t *txn, const char *prefix, const char *id,
                const json_t *row, fs_err_t *e)
{
    char key[160];
    int n = snprintf(key, sizeof key, "%s:%s", prefix, id);
    if (n <= 0 || n >= (int)sizeof key)
        return fs_err_setc(e, BROKER_E_INVALID, "rollout: name too long: %s", id);
    return casestore_put_json(b->store, txn, CASESTORE_DB_GOVERNANCE, key, (size_t)n, row, e);
}

int rollout_audit(broker_t *b, casestore_txn_t *txn, const char *actor, const char *kind,
                  json_t *subject, json_t *details, fs_err_t *e)
{
    int rc = casestore_audit_append(b->store, txn, kind, actor, subject, details, e);
    json_decref(subject);
    json_decref(details);
    return rc;
}

static int need_governance(broker_t *b, fs_err_t *e)
{
    return b->gov ? 0
                  : fs_err_setc(e, BROKER_E_CONFLICT,
                                "a rollout needs playbook governance: add \"governance\" to the "
                                "broker config (docs/governance.md)");
}

json_t *rollout_plan_load(broker_t *b, casestore_txn_t *txn, const char *name, fs_err_t *e)
{
    if (!fs_is_name(name, 64)) {
        fs_err_setc(e, BROKER_E_INVALID, "name: needs a playbook name (1-64 of [a-z0-9_-])");
        return NULL;
    }
    json_t *plan = rollout_get(b, txn, "rollout", name);
    if (!plan)
        fs_err_setc(e, BROKER_E_NOT_FOUND,
                    "no rollout plan for %s (fedsoarctl rollout plan %s --sites A,B)", name, name);
    return plan;
}

rollout_phase_t rollout_plan_phase(const json_t *plan, const char *site)
{
    const json_t *s = json_object_get(json_object_get(plan, "phases"), site ? site : "");
    return s ? rollout_phase_parse(json_string_value(json_object_get(s, "phase")))
             : ROLLOUT_PHASE_COUNT;
}

/* ---- creating a plan ----------------------------------------------------------------- */

struct newest_ctx {
    const char *name;
    json_t *best;
};

static int newest_version(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    struct newest_ctx *c = arg;
    if (key->len <= 8 || memcmp(key->data, "version:", 8) != 0)
        return 0;
    json_t *row = json_loadb(val->data, val->len, 0, NULL);
    const char *n = json_string_value(json_object_get(row, "name"));
    const char *st = json_string_value(json_object_get(row, "state"));
    if (n && st && strcmp(n, c->name) == 0 && strcmp(st, "rejected") != 0 &&
        strcmp(st, "retired") != 0 &&
        (!c->best || json_integer_value(json_object_get(row, "submitted")) >
                         json_integer_value(json_object_get(c->best, "submitted")))) {
        json_decref(c->best);
        c->best = json_incref(row);
    }
    json_decref(row);
    return 0;
}

/* The version row named by args.version (full hash), else the newest
   submitted version of name that is neither rejected nor retired. */
static json_t *plan_version(broker_t *b, casestore_txn_t *txn, const char *name,
                            const char *version, fs_err_t *e)
{
    json_t *row = NULL;
    if (version) {
        row = strlen(version) == 64 ? rollout_get(b, txn, "version", version) : NULL;
        const char *n = json_string_value(json_object_get(row, "name"));
        if (!row || !n || strcmp(n, name) != 0) {
            json_decref(row);
            fs_err_setc(e, BROKER_E_NOT_FOUND,
                        "version: %s is not a submitted version of %s (give the full SHA-256)",
                        version, name);
            return NULL;
        }
        return row;
    }
    struct newest_ctx c = {name, NULL};
    casestore_foreach(b->store, txn, CASESTORE_DB_GOVERNANCE, false, newest_version, &c);
    if (!c.best)
        fs_err_setc(e, BROKER_E_NOT_FOUND,
                    "no version of %s was submitted (fedsoarctl playbook submit FILE first)", name);
    return c.best;
}

static json_t *site_index(broker_t *b, casestore_txn_t *txn, const char *site)
{
    json_t *row = rollout_get(b, txn, "rollout-site", site);
    return row ? row : json_object();
}

json_t *rollout_ctl_plan(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                         fs_err_t *e)
{
    const char *name = json_string_value(json_object_get(args, "name"));
    const json_t *sites = json_object_get(args, "sites");
    if (need_governance(b, e) != 0)
        return NULL;
    if (!sites) /* show */
        return rollout_ctl_status(b, txn, args, who, e);
    if (!fs_is_name(name, 64)) {
        fs_err_setc(e, BROKER_E_INVALID, "name: needs a playbook name (1-64 of [a-z0-9_-])");
        return NULL;
    }
    if (!json_is_array(sites) || json_array_size(sites) == 0 ||
        json_array_size(sites) > MAX_SITES) {
        fs_err_setc(e, BROKER_E_INVALID, "sites: a list of 1-%d site names", MAX_SITES);
        return NULL;
    }
    size_t i;
    json_t *s;
    json_array_foreach(sites, i, s)
    {
        if (!fs_is_name(json_string_value(s), 32)) {
            fs_err_setc(e, BROKER_E_INVALID, "sites[%zu]: not a site name (1-32 of [a-z0-9_-])", i);
            return NULL;
        }
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_array_get(sites, j), s)) {
                fs_err_setc(e, BROKER_E_INVALID, "sites[%zu]: %s is listed twice", i,
                            json_string_value(s));
                return NULL;
            }
    }
    json_t *old = rollout_get(b, txn, "rollout", name);
    if (old) {
        json_decref(old);
        fs_err_setc(e, BROKER_E_CONFLICT,
                    "%s already has a rollout plan (fedsoarctl rollout status %s)", name, name);
        return NULL;
    }
    fs_err_t ce = {0};
    json_t *criteria = rollout_criteria_parse(json_object_get(args, "criteria"), &ce);
    if (!criteria) {
        fs_err_setc(e, BROKER_E_INVALID, "criteria: %s", ce.text);
        return NULL;
    }
    json_t *ver =
        plan_version(b, txn, name, json_string_value(json_object_get(args, "version")), e);
    if (!ver) {
        json_decref(criteria);
        return NULL;
    }
    const char *version = json_string_value(json_object_get(ver, "version"));
    int64_t now = fs_now_ms();
    json_t *phases = json_object();
    int rc = 0;
    json_array_foreach(sites, i, s)
    {
        const char *site = json_string_value(s);
        json_object_set_new(phases, site,
                            json_pack("{s:s, s:I}", "phase", "observe", "since", (json_int_t)now));
        json_t *idx = site_index(b, txn, site);
        json_object_set_new(idx, name,
                            json_pack("{s:s, s:s, s:i, s:O, s:O}", "phase", "observe", "version",
                                      version, "observed", 0, "role",
                                      json_object_get(criteria, "supervised_role"), "quorum",
                                      json_object_get(criteria, "supervised_quorum")));
        if (rc == 0)
            rc = rollout_put(b, txn, "rollout-site", site, idx, e);
        json_decref(idx);
    }
    json_t *plan = json_pack("{s:s, s:s, s:O, s:o, s:s, s:I, s:o, s:[], s:[], s:[]}", "name", name,
                             "version", version, "sites", sites, "criteria", criteria, "by",
                             who->operator_name, "created", (json_int_t)now, "phases", phases,
                             "proposals", "promotions", "rollbacks");
    if (rc == 0)
        rc = rollout_put(b, txn, "rollout", name, plan, e);
    if (rc == 0)
        rc = rollout_audit(
            b, txn, who->actor, "rollout.plan",
            json_pack("{s:s, s:s}", "name", name, "version", version),
            json_pack("{s:O, s:O}", "sites", sites, "criteria", json_object_get(plan, "criteria")),
            e);
    if (rc == 0)
        fs_log(FS_LOG_INFO, "broker", "rollout_planned", "playbook=%s version=%.12s sites=%zu",
               name, version, json_array_size(sites));
    json_decref(ver); /* version points into it */
    if (rc != 0) {
        json_decref(plan);
        return NULL;
    }
    return plan;
}

/* ---- criteria ---------------------------------------------------------------------------- */

static void criterion(json_t *list, const char *name, json_t *value, json_t *need, bool pass,
                      const char *detail)
{
    json_array_append_new(list, json_pack("{s:s, s:o, s:o, s:b, s:s?}", "name", name, "value",
                                          value ? value : json_null(), "need", need, "pass", pass,
                                          "detail", detail));
}

static const char *event_site(broker_t *b, casestore_txn_t *txn, json_int_t event_id, char *buf,
                              size_t size)
{
    json_t *ev = casestore_event_view(b->store, txn, (uint64_t)event_id);
    snprintf(buf, size, "%s", ev ? json_string_value(json_object_get(ev, "site")) ?: "" : "");
    json_decref(ev);
    return buf;
}

/* The decisions that act (commands, requests, approvals asked), without
   case changes: the case timeline does not tie a case update to the run
   that made it, so a case carrying several runs of the playbook would
   make every live run look different. */
static json_t *acting(const json_t *decisions)
{
    json_t *out = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(decisions, i, d)
    {
        const char *k = json_string_value(json_object_get(d, "kind"));
        if (!k || strcmp(k, "case") != 0)
            json_array_append(out, d);
    }
    return out;
}

/* shadow -> supervised: the shadow runs of the plan's version at the site
   against the live run of the same event (governance_ctl_compare: its 200
   newest shadow runs). A shadow run with no live run beside it is not
   comparable: without a live version at the site, agreement cannot be
   measured, and the criterion fails ("no live to compare"). */
static void check_shadow(broker_t *b, casestore_txn_t *txn, const json_t *plan, const char *site,
                         json_t *list)
{
    const json_t *crit = json_object_get(plan, "criteria");
    json_int_t min = json_integer_value(json_object_get(crit, "shadow_min_runs"));
    double need = json_number_value(json_object_get(crit, "shadow_agreement"));
    const char *version = json_string_value(json_object_get(plan, "version"));
    caller_t nobody = {0};
    fs_err_t ce = {0};
    json_t *args = json_pack("{s:O}", "name", json_object_get(plan, "name"));
    json_t *cmp = governance_ctl_compare(b, txn, args, &nobody, &ce);
    json_decref(args);
    json_int_t comparable = 0, same = 0, lonely = 0;
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(cmp, "events"), i, row)
    {
        const char *v =
            json_string_value(json_object_get(json_object_get(row, "shadow"), "version"));
        char sbuf[64];
        if (!v || strcmp(v, version) != 0 ||
            strcmp(event_site(b, txn, json_integer_value(json_object_get(row, "event_id")), sbuf,
                              sizeof sbuf),
                   site) != 0)
            continue;
        if (json_is_null(json_object_get(row, "live"))) {
            lonely++;
            continue;
        }
        comparable++;
        json_t *a = acting(json_object_get(json_object_get(row, "shadow"), "decisions"));
        json_t *l = acting(json_object_get(json_object_get(row, "live"), "decisions"));
        same += json_equal(a, l);
        json_decref(a);
        json_decref(l);
    }
    json_decref(cmp);
    char detail[160];
    snprintf(detail, sizeof detail, "%lld comparable shadow run(s), %lld without a live run%s",
             (long long)comparable, (long long)lonely,
             comparable == 0 && lonely ? ": no live to compare" : "");
    criterion(list, "shadow_runs", json_integer(comparable), json_integer(min), comparable >= min,
              detail);
    double ratio = comparable ? (double)same / (double)comparable : 0;
    criterion(list, "shadow_agreement", comparable ? json_real(ratio) : NULL, json_real(need),
              comparable > 0 && ratio + 1e-9 >= need,
              comparable ? NULL : "no comparable shadow run");
}

struct supervised_ctx {
    const char *name, *version, *site;
    json_int_t runs, gates, approved, refused;
};

static int count_supervised_run(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    struct supervised_ctx *c = arg;
    json_t *run = json_loadb(val->data, val->len, 0, NULL);
    const char *pb = json_string_value(json_object_get(run, "playbook"));
    const char *v = json_string_value(json_object_get(run, "version"));
    const char *s = json_string_value(json_object_get(run, "supervised"));
    const char *st = json_string_value(json_object_get(run, "status"));
    if (pb && v && s && st && strcmp(pb, c->name) == 0 && strcmp(v, c->version) == 0 &&
        strcmp(s, c->site) == 0 && strcmp(st, "completed") == 0)
        c->runs++;
    json_decref(run);
    return 0;
}

static int count_supervised_gate(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    struct supervised_ctx *c = arg;
    json_t *ap = json_loadb(val->data, val->len, 0, NULL);
    const char *pb = json_string_value(json_object_get(ap, "playbook"));
    const char *v = json_string_value(json_object_get(ap, "version"));
    const char *s = json_string_value(json_object_get(ap, "site"));
    const char *st = json_string_value(json_object_get(ap, "status"));
    if (json_is_true(json_object_get(ap, "supervised")) && pb && v && s && st &&
        strcmp(pb, c->name) == 0 && strcmp(v, c->version) == 0 && strcmp(s, c->site) == 0) {
        c->gates++;
        c->approved += strcmp(st, "approved") == 0;
        c->refused += strcmp(st, "denied") == 0 || strcmp(st, "expired") == 0;
    }
    json_decref(ap);
    return 0;
}

/* supervised -> automated: completed supervised runs, no supervision gate
   denied or expired, and the site's MTTR within the factor of the best
   site's (casestore_case_metrics over the window). */
static void check_supervised(broker_t *b, casestore_txn_t *txn, const json_t *plan,
                             const char *site, json_t *list)
{
    const json_t *crit = json_object_get(plan, "criteria");
    struct supervised_ctx c = {json_string_value(json_object_get(plan, "name")),
                               json_string_value(json_object_get(plan, "version")),
                               site,
                               0,
                               0,
                               0,
                               0};
    casestore_foreach(b->store, txn, CASESTORE_DB_RUNS, false, count_supervised_run, &c);
    casestore_foreach(b->store, txn, CASESTORE_DB_APPROVALS, false, count_supervised_gate, &c);
    json_int_t min = json_integer_value(json_object_get(crit, "supervised_min_runs"));
    char detail[160];
    snprintf(detail, sizeof detail,
             "%lld supervision gate(s): %lld approved, %lld denied or expired", (long long)c.gates,
             (long long)c.approved, (long long)c.refused);
    criterion(list, "supervised_runs", json_integer(c.runs), json_integer(min), c.runs >= min,
              detail);
    criterion(list, "gates_denied", json_integer(c.refused), json_integer(0), c.refused == 0, NULL);
    int days = (int)json_integer_value(json_object_get(crit, "mttr_window_days"));
    double max = json_number_value(json_object_get(crit, "mttr_ratio_max"));
    json_t *m = casestore_case_metrics(b->store, txn, days);
    const char *s;
    json_t *t;
    double best = INFINITY, mine = NAN;
    json_object_foreach(json_object_get(m, "per_site"), s, t)
    {
        const json_t *r = json_object_get(t, "mttr_s");
        if (!json_is_number(r))
            continue;
        double x = json_number_value(r);
        best = x < best ? x : best;
        if (strcmp(s, site) == 0)
            mine = x;
    }
    json_decref(m);
    if (isnan(mine)) {
        snprintf(detail, sizeof detail, "no case of %s was resolved in the last %d day(s)", site,
                 days);
        criterion(list, "mttr_ratio", NULL, json_real(max), false, detail);
    } else {
        double ratio = best > 0 ? mine / best : mine > 0 ? INFINITY : 1.0;
        snprintf(detail, sizeof detail, "MTTR %.0f s at %s, best site %.0f s (last %d day(s))",
                 mine, site, best, days);
        criterion(list, "mttr_ratio", isinf(ratio) ? NULL : json_real(ratio), json_real(max),
                  ratio <= max + 1e-9, detail);
    }
}

json_t *rollout_criteria_check(broker_t *b, casestore_txn_t *txn, const json_t *plan,
                               const char *site)
{
    rollout_phase_t phase = rollout_plan_phase(plan, site);
    json_t *list = json_array();
    if (phase == ROLLOUT_OBSERVE) {
        const char *version = json_string_value(json_object_get(plan, "version"));
        json_t *v = rollout_get(b, txn, "version", version);
        const char *state = json_string_value(json_object_get(v, "state"));
        criterion(list, "version_approved", json_string(state ? state : "missing"),
                  json_string("approved"), state && strcmp(state, "approved") == 0, NULL);
        json_decref(v);
    } else if (phase == ROLLOUT_SHADOW) {
        check_shadow(b, txn, plan, site, list);
    } else if (phase == ROLLOUT_SUPERVISED) {
        check_supervised(b, txn, plan, site, list);
    }
    bool pass = phase < ROLLOUT_AUTOMATED;
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) pass = pass && json_is_true(json_object_get(c, "pass"));
    const char *next = phase < ROLLOUT_AUTOMATED ? rollout_phase_name(phase + 1) : NULL;
    return json_pack("{s:s, s:s?, s:s?, s:o, s:b}", "site", site, "phase",
                     rollout_phase_name(phase), "next", next, "criteria", list, "pass", pass);
}

/* ---- status -------------------------------------------------------------------------------- */

json_t *rollout_ctl_status(broker_t *b, casestore_txn_t *txn, const json_t *args,
                           const caller_t *who, fs_err_t *e)
{
    (void)who;
    if (need_governance(b, e) != 0)
        return NULL;
    const char *name = json_string_value(json_object_get(args, "name"));
    json_t *plan = rollout_plan_load(b, txn, name, e);
    if (!plan)
        return NULL;
    json_t *sites = json_object();
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(plan, "sites"), i, s)
    {
        const char *site = json_string_value(s);
        json_t *check = rollout_criteria_check(b, txn, plan, site);
        json_t *idx = site_index(b, txn, site);
        json_object_set(check, "observed", json_object_get(json_object_get(idx, name), "observed"));
        json_decref(idx);
        json_object_set_new(sites, site, check);
    }
    json_object_set_new(plan, "status", sites);
    return plan;
}

/* ---- applying a phase ----------------------------------------------------------------------- */

json_t *rollout_apply_phase(broker_t *b, casestore_txn_t *txn, json_t *plan, const char *site,
                            rollout_phase_t phase, const json_t *restore, fs_err_t *e)
{
    const char *name = json_string_value(json_object_get(plan, "name"));
    const char *version = json_string_value(json_object_get(plan, "version"));
    json_t *row = rollout_get(b, txn, "site", site);
    if (!row)
        row = json_pack("{s:{}, s:{}, s:{}, s:[]}", "active", "shadow", "history", "log");
    json_t *active = json_object_get(row, "active"), *shadow = json_object_get(row, "shadow");
    json_t *before = json_pack("{s:O?, s:O?}", "active", json_object_get(active, name), "shadow",
                               json_object_get(shadow, name));
    if (!json_object_get(before, "active"))
        json_object_set_new(before, "active", json_null());
    if (!json_object_get(before, "shadow"))
        json_object_set_new(before, "shadow", json_null());
    if (restore) {
        const json_t *a = json_object_get(restore, "active"),
                     *sh = json_object_get(restore, "shadow");
        if (json_is_string(a))
            json_object_set(active, name, (json_t *)a);
        else
            json_object_del(active, name);
        if (json_is_string(sh))
            json_object_set(shadow, name, (json_t *)sh);
        else
            json_object_del(shadow, name);
    } else if (phase == ROLLOUT_SHADOW) {
        const char *live = json_string_value(json_object_get(active, name));
        if (!live || strcmp(live, version) != 0) /* already live here: no second run of it */
            json_object_set_new(shadow, name, json_string(version));
    } else if (phase >= ROLLOUT_SUPERVISED) {
        const char *live = json_string_value(json_object_get(active, name));
        if (live && strcmp(live, version) != 0) {
            /* the replaced live version stays in the history (playbook rollback) */
            json_t *hist = json_object_get(json_object_get(row, "history"), name);
            if (!hist)
                json_object_set_new(json_object_get(row, "history"), name, hist = json_array());
            json_array_append_new(hist, json_string(live));
        }
        json_object_set_new(active, name, json_string(version));
        json_object_del(shadow, name);
    }
    json_t *log = json_object_get(row, "log");
    json_array_append_new(log,
                          json_pack("{s:s, s:s, s:s, s:b, s:s, s:I}", "action", "rollout", "name",
                                    name, "version", version, "shadow", phase == ROLLOUT_SHADOW,
                                    "by", "rollout", "at", (json_int_t)fs_now_ms()));
    while (json_array_size(log) > 100)
        json_array_remove(log, 0);
    int rc = rollout_put(b, txn, "site", site, row, e);
    json_decref(row);
    json_t *idx = site_index(b, txn, site);
    json_t *entry = json_object_get(idx, name);
    if (!entry)
        json_object_set_new(idx, name,
                            entry = json_pack("{s:s, s:i}", "version", version, "observed", 0));
    const json_t *crit = json_object_get(plan, "criteria");
    json_object_set_new(entry, "phase", json_string(rollout_phase_name(phase)));
    json_object_set(entry, "role", json_object_get(crit, "supervised_role"));
    json_object_set(entry, "quorum", json_object_get(crit, "supervised_quorum"));
    if (rc == 0)
        rc = rollout_put(b, txn, "rollout-site", site, idx, e);
    json_decref(idx);
    json_object_set_new(json_object_get(plan, "phases"), site,
                        json_pack("{s:s, s:I}", "phase", rollout_phase_name(phase), "since",
                                  (json_int_t)fs_now_ms()));
    if (rc != 0) {
        json_decref(before);
        return NULL;
    }
    return before;
}

/* ---- the run path ------------------------------------------------------------------------------
 */

int rollout_observe(broker_t *b, casestore_txn_t *txn, const json_t *event, fs_err_t *e)
{
    const char *site = json_string_value(json_object_get(event, "site"));
    if (!b->gov || !fs_is_name(site, 32))
        return 0;
    json_t *idx = rollout_get(b, txn, "rollout-site", site);
    if (!idx)
        return 0;
    bool changed = false;
    const char *name;
    json_t *entry;
    json_object_foreach(idx, name, entry)
    {
        const char *phase = json_string_value(json_object_get(entry, "phase"));
        const char *version = json_string_value(json_object_get(entry, "version"));
        if (!phase || strcmp(phase, "observe") != 0 || !version)
            continue;
        json_t *doc =
            casestore_get_json(b->store, txn, CASESTORE_DB_PLAYBOOKS, version, strlen(version));
        fs_err_t pe = {0}, me = {0};
        playbook_t *pb = doc ? playbook_parse(doc, version, &pe) : NULL;
        json_decref(doc);
        if (pb && playbook_matches(pb, event, &me)) {
            json_object_set_new(
                entry, "observed",
                json_integer(json_integer_value(json_object_get(entry, "observed")) + 1));
            changed = true;
        }
        playbook_destroy(&pb);
    }
    int rc = changed ? rollout_put(b, txn, "rollout-site", site, idx, e) : 0;
    json_decref(idx);
    return rc;
}

bool rollout_is_supervised(broker_t *b, casestore_txn_t *txn, const char *site, const char *name,
                           char *role_buf, size_t role_size, int *quorum)
{
    if (!b->gov || !fs_is_name(site, 32) || !name)
        return false;
    json_t *idx = rollout_get(b, txn, "rollout-site", site);
    const json_t *entry = json_object_get(idx, name);
    const char *phase = json_string_value(json_object_get(entry, "phase"));
    bool yes = phase && strcmp(phase, "supervised") == 0;
    if (yes && role_buf)
        snprintf(role_buf, role_size, "%s",
                 json_string_value(json_object_get(entry, "role")) ?: "analyst");
    if (yes && quorum) {
        json_int_t q = json_integer_value(json_object_get(entry, "quorum"));
        *quorum = q >= 1 ? (int)q : 1;
    }
    json_decref(idx);
    return yes;
}

/* ---- every plan ---------------------------------------------------------------------------- */

static int collect_plan(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    if (key->len <= 8 || memcmp(key->data, "rollout:", 8) != 0)
        return 0;
    json_t *plan = json_loadb(val->data, val->len, 0, NULL);
    if (!plan)
        return 0;
    size_t open = 0, i;
    json_t *p;
    json_array_foreach(json_object_get(plan, "proposals"), i, p) open +=
        strcmp(json_string_value(json_object_get(p, "status")) ?: "", "open") == 0;
    json_array_append_new(
        arg,
        json_pack("{s:O, s:O, s:O, s:O, s:I}", "name", json_object_get(plan, "name"), "version",
                  json_object_get(plan, "version"), "sites", json_object_get(plan, "sites"),
                  "phases", json_object_get(plan, "phases"), "open_proposals", (json_int_t)open));
    json_decref(plan);
    return 0;
}

json_t *rollout_ctl_list(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                         fs_err_t *e)
{
    (void)args, (void)who, (void)e;
    json_t *items = json_array();
    if (b->gov)
        casestore_foreach(b->store, txn, CASESTORE_DB_GOVERNANCE, false, collect_plan, items);
    return json_pack("{s:b, s:i, s:o}", "configured", b->gov != NULL, "quorum",
                     b->gov ? governance_quorum(b->gov) : 0, "items", items);
}
