/*  site_gap.c — the capability gap analysis of the M&A transition
    (docs/mna-gap.md): for each site, side by side, what it produced in the
    window (sources, OCSF classes, ATT&CK techniques: the ingest-time
    aggregates of casestore/site_activity.c, no event scan), what it
    announced (OpenC2 pairs in its HELLO capabilities, analyzers, responders
    and actuators in its HELLO connectors), and the playbooks active, in
    shadow or planned there; then for every playbook the team runs or means
    to run and every site as the alert's site, whether the playbook can run
    end to end — every analyzer, responder and OpenC2 pair it may need
    present at the site each step routes to — and what to add where.

    Which playbooks are checked ("playbooks_from"):
      documents   args.docs, playbook documents the broker need not hold
                  (fedsoarctl sites gap --playbook FILE): at every site
      directory   no governance: the playbook directory's, at every site
      governance  each version active or in shadow, at the sites where it
                  is (mode active / shadow); and what is intended: a
                  rollout plan's version at the plan's sites where it is
                  neither (mode planned, stage = the site's phase, e.g.
                  observe), and the newest version in review or approved
                  of every name, at every site where that version is
                  neither active nor in shadow (mode planned, stage
                  in_review / approved)
    "checked" counts the playbook names with at least one row: 0 means
    nothing was checked, never "everything can run".

    Where a step goes (docs/playbooks.md "site"):
      a literal site            -> that site
      {{ .each.ID }}, {{ .each["ID"] }} (the foreach ID around the step),
        {{ .item }} (the innermost) -> each site that foreach's items name,
        evaluated with the playbook's own jq against .sites and .event.site
        for every alert site; items that read run-time data (.steps, .case,
        another loop) -> every site
      absent, {{ .event.site }}, anything else -> the alert's site ("any
        site the alert comes from": every site is checked as that site) */
#include "broker_internal.h"
#include "casestore_activity.h"
#include "site_coverage.h"

#include <string.h>

#define GAP_SITES_MAX 64

/* One thing a playbook needs somewhere. */
typedef struct need {
    char what[160];    /* "analyzer host-context", "openc2 deny ipv4_net" */
    char kind[12];     /* analyzer | responder | openc2 */
    char name[128];    /* the connector name, or "ACTION TARGET" */
    char site[64];     /* a literal site, "" otherwise */
    const char *items; /* the named foreach's items program (borrowed), or NULL */
    const char *loop;  /* that foreach's id (borrowed), or NULL */
} need_t;

typedef struct needs {
    need_t *v;
    size_t n, size;
} needs_t;

static void needs_add(needs_t *ns, const char *kind, const char *name, const char *site,
                      const json_t *loop)
{
    if (ns->n == ns->size) {
        ns->size = ns->size ? ns->size * 2 : 16;
        ns->v = fs_xrealloc(ns->v, ns->size * sizeof *ns->v);
    }
    need_t *n = &ns->v[ns->n++];
    memset(n, 0, sizeof *n);
    snprintf(n->kind, sizeof n->kind, "%s", kind);
    snprintf(n->name, sizeof n->name, "%s", name);
    snprintf(n->what, sizeof n->what, "%s %s", kind, name);
    if (site)
        snprintf(n->site, sizeof n->site, "%s", site);
    n->items = loop ? json_string_value(json_object_get(loop, "items")) : NULL;
    n->loop = loop ? json_string_value(json_object_get(loop, "id")) : NULL;
}

/* The foreach steps around a step, innermost last (borrowed). */
#define GAP_LOOP_DEPTH 8
typedef struct loops {
    const json_t *step[GAP_LOOP_DEPTH];
    size_t n;
} loops_t;

/* The loop a site template names: {{ .item }} the innermost, {{ .each.ID }}
   or {{ .each["ID"] }} the foreach ID; NULL when it names none. */
static const json_t *named_loop(const char *site, const loops_t *lp)
{
    if (lp->n && strstr(site, ".item"))
        return lp->step[lp->n - 1];
    const char *at = strstr(site, ".each");
    if (!at)
        return NULL;
    at += 5;
    char id[65];
    size_t n = 0;
    if (*at == '.') {
        for (at++;
             n + 1 < sizeof id && (at[n] == '-' || at[n] == '_' || (at[n] >= 'a' && at[n] <= 'z') ||
                                   (at[n] >= '0' && at[n] <= '9'));
             n++)
            ;
        memcpy(id, at, n);
    } else if (at[0] == '[' && at[1] == '"') {
        const char *q = strchr(at + 2, '"');
        n = q && (size_t)(q - at - 2) < sizeof id ? (size_t)(q - at - 2) : 0;
        memcpy(id, at + 2, n);
    }
    id[n] = '\0';
    for (size_t i = lp->n; n && i-- > 0;) {
        const char *sid = json_string_value(json_object_get(lp->step[i], "id"));
        if (sid && strcmp(sid, id) == 0)
            return lp->step[i];
    }
    return NULL;
}

/* What a step's "site" says: a literal site (copied to lit), a loop
   variable (returns the foreach step), or the alert's site (NULL, lit ""). */
static const json_t *step_route(const json_t *step, const loops_t *lp, char *lit, size_t size)
{
    const char *site = json_string_value(json_object_get(step, "site"));
    lit[0] = '\0';
    if (!site)
        return NULL;
    if (!strstr(site, "{{")) {
        snprintf(lit, size, "%s", site);
        return NULL;
    }
    return named_loop(site, lp);
}

static void collect(const json_t *steps, loops_t *lp, needs_t *ns);

static void collect_step(const json_t *s, loops_t *lp, needs_t *ns)
{
    const char *type = json_string_value(json_object_get(s, "type"));
    char lit[64];
    if (!type)
        return;
    if (strcmp(type, "enrich") == 0 || strcmp(type, "action") == 0) {
        bool enrich = type[0] == 'e';
        const char *name = json_string_value(json_object_get(s, enrich ? "analyzer" : "responder"));
        const json_t *loop = step_route(s, lp, lit, sizeof lit);
        if (name)
            needs_add(ns, enrich ? "analyzer" : "responder", name, lit, loop);
    } else if (strcmp(type, "openc2") == 0) {
        const json_t *cmd = json_object_get(s, "command");
        const char *action = json_string_value(json_object_get(cmd, "action"));
        const json_t *target = json_object_get(cmd, "target");
        const char *tname = json_is_object(target) && json_object_size(target) == 1
                                ? json_object_iter_key(json_object_iter((json_t *)target))
                                : NULL;
        const json_t *loop = step_route(s, lp, lit, sizeof lit);
        char pair[128];
        if (action && tname) {
            snprintf(pair, sizeof pair, "%s %s", action, tname);
            needs_add(ns, "openc2", pair, lit, loop);
        }
    } else if (strcmp(type, "foreach") == 0 && lp->n < GAP_LOOP_DEPTH) {
        lp->step[lp->n++] = s;
        collect(json_object_get(s, "steps"), lp, ns);
        lp->n--;
    } else if (strcmp(type, "parallel") == 0) {
        size_t i;
        json_t *br;
        json_array_foreach(json_object_get(s, "branches"), i, br)
            collect(json_is_object(br) ? json_object_get(br, "steps") : br, lp, ns);
    }
    collect(json_object_get(s, "then"), lp, ns);
    collect(json_object_get(s, "else"), lp, ns);
    if (json_is_array(json_object_get(s, "on_error")))
        collect(json_object_get(s, "on_error"), lp, ns);
}

static void collect(const json_t *steps, loops_t *lp, needs_t *ns)
{
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s) collect_step(s, lp, ns);
}

/* ---- what a site has ---------------------------------------------------------- */

static bool connector_named(const json_t *rec, const char *kind, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(rec, "connectors"), i, c)
    {
        const char *k = json_string_value(json_object_get(c, "kind"));
        const char *n = json_string_value(json_object_get(c, "name"));
        if (k && n && strcmp(k, kind) == 0 && strcmp(n, name) == 0)
            return true;
    }
    return false;
}

static bool has_pair(const json_t *rec, const char *pair)
{
    char action[64];
    const char *sp = strchr(pair, ' ');
    if (!sp || (size_t)(sp - pair) >= sizeof action)
        return false;
    memcpy(action, pair, (size_t)(sp - pair));
    action[sp - pair] = '\0';
    const json_t *targets =
        json_object_get(json_object_get(json_object_get(rec, "capabilities"), "pairs"), action);
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t) if (json_is_string(t) &&
                                          strcmp(json_string_value(t), sp + 1) == 0) return true;
    return false;
}

static bool site_has(const json_t *rec, const need_t *n)
{
    if (!rec)
        return false;
    if (strcmp(n->kind, "openc2") == 0)
        return has_pair(rec, n->name);
    return connector_named(rec, n->kind, n->name);
}

static json_t *names_of_kind(const json_t *rec, const char *kind, const char *field)
{
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(rec, "connectors"), i, c)
    {
        const char *k = json_string_value(json_object_get(c, "kind"));
        json_t *v = json_object_get(c, field);
        if (k && strcmp(k, kind) == 0 && json_is_string(v))
            json_array_append(out, v);
    }
    return out;
}

static json_t *pairs_of(const json_t *rec)
{
    json_t *out = json_array();
    const char *action;
    json_t *targets;
    json_object_foreach(json_object_get(json_object_get(rec, "capabilities"), "pairs"), action,
                        targets)
    {
        if (strcmp(action, "query") == 0)
            continue;
        size_t i;
        json_t *t;
        json_array_foreach(targets, i, t) if (json_is_string(t))
            json_array_append_new(out, json_sprintf("%s %s", action, json_string_value(t)));
    }
    return out;
}

/* The playbooks active / in shadow at a site: governance's per-site maps,
   or (no governance) every playbook of the directory, live everywhere. */
static json_t *site_playbooks(broker_t *b, casestore_txn_t *txn, const char *site, bool shadow)
{
    json_t *out = json_array();
    if (!b->gov) {
        for (size_t i = 0; !shadow && i < playbook_set_count(b->playbooks); i++)
            json_array_append_new(out,
                                  json_string(playbook_name(playbook_set_get(b->playbooks, i))));
        return out;
    }
    json_t *m = governance_site_versions(b, txn, site, shadow);
    const char *name;
    json_t *v;
    json_object_foreach(m, name, v) json_array_append_new(out, json_string(name));
    json_decref(m);
    return out;
}

static json_t *site_view(broker_t *b, casestore_txn_t *txn, const char *site, const json_t *rec,
                         int window, int64_t now)
{
    json_t *act = casestore_site_activity(b->store, txn, site, window, now);
    json_t *sources = json_object();
    const char *id;
    json_t *row;
    json_object_foreach(json_object_get(act, "sources"), id, row)
    {
        json_int_t n = json_integer_value(json_object_get(row, "events"));
        if (n > 0)
            json_object_set_new(sources, id, json_integer(n));
    }
    /* Configured sources that produced nothing in the window show with 0. */
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(rec, "connectors"), i, c)
    {
        const char *k = json_string_value(json_object_get(c, "kind"));
        const char *sid = json_string_value(json_object_get(c, "source_id"));
        if (k && sid && strcmp(k, "source") == 0 && !json_object_get(sources, sid))
            json_object_set_new(sources, sid, json_integer(0));
    }
    json_t *out =
        json_pack("{s:O?, s:O?, s:o, s:O, s:O, s:o, s:O?, s:o, s:o, s:o, s:o}", "connected",
                  json_object_get(rec, "connected"), "health", json_object_get(rec, "health"),
                  "sources", sources, "classes", json_object_get(act, "classes"), "techniques",
                  json_object_get(act, "techniques"), "openc2_pairs", pairs_of(rec), "profiles",
                  json_object_get(json_object_get(rec, "capabilities"), "profiles"), "analyzers",
                  names_of_kind(rec, "analyzer", "name"), "responders",
                  names_of_kind(rec, "responder", "name"), "actuators",
                  names_of_kind(rec, "actuator", "type"), "playbooks",
                  json_pack("{s:o, s:o, s:[]}", "active", site_playbooks(b, txn, site, false),
                            "shadow", site_playbooks(b, txn, site, true), "planned"));
    json_decref(act);
    return out;
}

/* ---- playbook x site ---------------------------------------------------------- */

/* The sites a foreach's items name for an alert at `alert_site` (NULL
   when the items cannot be evaluated from .sites and .event.site alone). */
static json_t *loop_sites(const playbook_t *pb, const char *items, const json_t *all,
                          const char *alert_site)
{
    /* Items computed from step results, the case or another loop cannot be
       known before a run: every site is checked (the caller's fallback). */
    static const char *const runtime[] = {".steps", ".case", ".item", ".each", ".run", NULL};
    for (size_t i = 0; runtime[i]; i++)
        if (strstr(items, runtime[i]))
            return NULL;
    json_t *ctx = json_pack("{s:O, s:{s:s}, s:{}, s:{}}", "sites", all, "event", "site", alert_site,
                            "steps", "case");
    fs_err_t e = {0};
    json_t *out = playbook_eval(pb, items, ctx, &e);
    json_decref(ctx);
    size_t i;
    json_t *v;
    json_array_foreach(out, i, v) if (!json_is_string(v))
    {
        json_decref(out);
        return NULL;
    }
    return out;
}

static bool missing_has(const json_t *missing, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(missing, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

/* Adds "WHAT" (at the alert's site) or "WHAT at SITE" to missing, and the
   (site, need) to the recommendations' input. */
static void add_missing(json_t *missing, json_t *wanted, const need_t *n, const char *at,
                        const char *alert_site, const char *playbook)
{
    char text[256];
    if (strcmp(at, alert_site) == 0)
        snprintf(text, sizeof text, "%s", n->what);
    else
        snprintf(text, sizeof text, "%s at %s", n->what, at);
    if (!missing_has(missing, text))
        json_array_append_new(missing, json_string(text));
    char key[256];
    snprintf(key, sizeof key, "%s\n%s", at, n->what);
    json_t *w = json_object_get(wanted, key);
    if (!w) {
        w = json_pack("{s:s, s:s, s:s, s:s, s:[]}", "site", at, "add", n->what, "kind", n->kind,
                      "name", n->name, "playbooks");
        json_object_set_new(wanted, key, w);
    }
    json_t *pbs = json_object_get(w, "playbooks");
    if (!missing_has(pbs, playbook))
        json_array_append_new(pbs, json_string(playbook));
}

static void check_at(json_t *missing, json_t *wanted, const json_t *sites, const need_t *n,
                     const char *at, const char *alert_site, const char *playbook)
{
    if (!site_has(json_object_get(sites, at), n))
        add_missing(missing, wanted, n, at, alert_site, playbook);
}

/* Where each need of a playbook is checked, in words: {"item", "where"}. */
static json_t *needs_summary(const needs_t *ns)
{
    json_t *out = json_array();
    for (size_t k = 0; k < ns->n; k++) {
        const need_t *n = &ns->v[k];
        json_t *where = n->site[0] ? json_string(n->site)
                        : n->items ? json_sprintf("each site of foreach %s (%s)",
                                                  n->loop ? n->loop : "?", n->items)
                                   : json_string("any site the alert comes from");
        json_t *row = json_pack("{s:s, s:o}", "item", n->what, "where", where);
        size_t i;
        json_t *have;
        bool dup = false;
        json_array_foreach(out, i, have) dup = dup || json_equal(have, row);
        if (dup)
            json_decref(row);
        else
            json_array_append_new(out, row);
    }
    return out;
}

/* One row per alert site in `where` (every site when NULL) that the
   playbook's trigger accepts; mode: "directory", "document", "active",
   "shadow" or "planned"; stage (borrowed, may be NULL): {site: "observe" |
   "in_review" | ...}, copied into each row of a site it names. */
static json_t *playbook_rows(const playbook_t *pb, const json_t *sites, const json_t *all,
                             const json_t *where, const char *mode, const json_t *stage,
                             json_t *wanted, json_t *needs_out)
{
    needs_t ns = {0};
    const json_t *doc = playbook_doc(pb);
    loops_t lp = {0};
    collect(json_object_get(doc, "steps"), &lp, &ns);
    const json_t *only = json_object_get(json_object_get(doc, "trigger"), "sites");
    json_t *rows = json_array();
    size_t i;
    json_t *sv;
    json_array_foreach(all, i, sv)
    {
        const char *alert = json_string_value(sv);
        if (json_array_size(only) && !missing_has(only, alert))
            continue; /* its trigger never fires for this site's events */
        if (where && !missing_has(where, alert))
            continue; /* not active (nor in shadow) there */
        json_t *missing = json_array();
        for (size_t k = 0; k < ns.n; k++) {
            const need_t *n = &ns.v[k];
            if (n->site[0]) {
                check_at(missing, wanted, sites, n, n->site, alert, playbook_name(pb));
                continue;
            }
            json_t *targets = n->items ? loop_sites(pb, n->items, all, alert) : NULL;
            if (n->items && !targets)
                targets = json_incref((json_t *)all); /* unknowable: every site */
            if (!targets) {
                check_at(missing, wanted, sites, n, alert, alert, playbook_name(pb));
                continue;
            }
            size_t j;
            json_t *t;
            json_array_foreach(targets, j, t)
                check_at(missing, wanted, sites, n, json_string_value(t), alert, playbook_name(pb));
            json_decref(targets);
        }
        json_t *row = json_pack("{s:s, s:s, s:b, s:o, s:s, s:s}", "name", playbook_name(pb), "site",
                                alert, "runnable", json_array_size(missing) == 0, "missing",
                                missing, "version", playbook_version(pb), "mode", mode);
        json_t *st = json_object_get(stage, alert);
        if (json_is_string(st))
            json_object_set(row, "stage", st);
        json_array_append_new(rows, row);
    }
    if (!json_object_get(needs_out, playbook_name(pb)))
        json_object_set_new(needs_out, playbook_name(pb), needs_summary(&ns));
    free(ns.v);
    return rows;
}

/* The version's document from the store, parsed; NULL (logged) when it
   cannot be read. Caller owns. */
static playbook_t *stored_version(broker_t *b, casestore_txn_t *txn, const char *version)
{
    json_t *doc =
        casestore_get_json(b->store, txn, CASESTORE_DB_PLAYBOOKS, version, strlen(version));
    fs_err_t pe = {0};
    playbook_t *pb = doc ? playbook_parse(doc, version, &pe) : NULL;
    json_decref(doc);
    if (!pb)
        fs_log(FS_LOG_WARN, "broker", "gap_version_unreadable", "version=%.12s reason=\"%s\"",
               version, doc ? pe.text : "no document");
    return pb;
}

/* With governance, the versions active or in shadow at each site
   (governance_site_versions), each evaluated for the sites where it is;
   covered gets "VERSION SITE" -> true for each. */
static void governed_rows(broker_t *b, casestore_txn_t *txn, const json_t *records,
                          const json_t *all, json_t *playbooks, json_t *wanted, json_t *needs,
                          json_t *covered)
{
    for (int shadow = 0; shadow < 2; shadow++) {
        json_t *where = json_object(); /* version -> [sites] */
        size_t i;
        json_t *sv;
        json_array_foreach(all, i, sv)
        {
            json_t *m = governance_site_versions(b, txn, json_string_value(sv), shadow);
            const char *name;
            json_t *ver;
            json_object_foreach(m, name, ver)
            {
                const char *v = json_string_value(ver);
                if (!v)
                    continue;
                json_t *list = json_object_get(where, v);
                if (!list)
                    json_object_set_new(where, v, list = json_array());
                json_array_append(list, sv);
                char key[160];
                snprintf(key, sizeof key, "%s %s", v, json_string_value(sv));
                json_object_set_new(covered, key, json_true());
            }
            json_decref(m);
        }
        const char *version;
        json_t *list;
        json_object_foreach(where, version, list)
        {
            playbook_t *pb = stored_version(b, txn, version);
            if (!pb)
                continue;
            json_t *rows = playbook_rows(pb, records, all, list, shadow ? "shadow" : "active", NULL,
                                         wanted, needs);
            json_array_extend(playbooks, rows);
            json_decref(rows);
            playbook_destroy(&pb);
        }
        json_decref(where);
    }
}

/* ---- what the team means to run (governance) ------------------------------------ */

/* Over CASESTORE_DB_GOVERNANCE: "version:" rows in review or approved, the
   newest submitted per name (latest: name -> row), and "rollout:" plans
   (plans: name -> plan). */
static int collect_intended(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    json_t *latest = json_object_get(arg, "latest"), *plans = json_object_get(arg, "plans");
    bool is_version = key->len > 8 && memcmp(key->data, "version:", 8) == 0;
    bool is_plan = key->len > 8 && memcmp(key->data, "rollout:", 8) == 0;
    if (!is_version && !is_plan)
        return 0;
    json_t *row = json_loadb(val->data, val->len, 0, NULL);
    const char *name = json_string_value(json_object_get(row, "name"));
    const char *state = json_string_value(json_object_get(row, "state"));
    if (name && is_plan) {
        json_object_set(plans, name, row);
    } else if (name && state &&
               (strcmp(state, "in_review") == 0 || strcmp(state, "approved") == 0)) {
        const json_t *have = json_object_get(latest, name);
        if (!have || json_integer_value(json_object_get(row, "submitted")) >
                         json_integer_value(json_object_get(have, "submitted")))
            json_object_set(latest, name, row);
    }
    json_decref(row);
    return 0;
}

/* Rows for `version` of a planned playbook at the sites of `where` (every
   site when NULL) where that version is neither active nor in shadow;
   phases: a plan's {site: {"phase"}} (the stage of a site it names), else
   `stage` for the site. */
static void planned_version(broker_t *b, casestore_txn_t *txn, const char *version,
                            const json_t *where, const json_t *phases, const char *stage,
                            const json_t *records, const json_t *all, const json_t *covered,
                            json_t *playbooks, json_t *wanted, json_t *needs)
{
    json_t *list = json_array(), *stages = json_object();
    size_t i;
    json_t *sv;
    json_array_foreach(all, i, sv)
    {
        const char *site = json_string_value(sv);
        char key[160];
        snprintf(key, sizeof key, "%s %s", version, site);
        if ((where && !missing_has(where, site)) || json_object_get(covered, key))
            continue;
        const char *phase =
            json_string_value(json_object_get(json_object_get(phases, site), "phase"));
        json_array_append(list, sv);
        json_object_set_new(stages, site, json_string(phase ? phase : stage));
    }
    playbook_t *pb = json_array_size(list) ? stored_version(b, txn, version) : NULL;
    if (pb) {
        json_t *rows = playbook_rows(pb, records, all, list, "planned", stages, wanted, needs);
        json_array_extend(playbooks, rows);
        json_decref(rows);
        playbook_destroy(&pb);
    }
    json_decref(list);
    json_decref(stages);
}

/* The playbooks the team means to run that are not (yet) active or in
   shadow: each plan's version at its sites (every site when it names
   none), then the newest version in review or approved of each name when
   it is another version, at every site. */
static void planned_rows(broker_t *b, casestore_txn_t *txn, const json_t *records,
                         const json_t *all, const json_t *covered, json_t *playbooks,
                         json_t *wanted, json_t *needs)
{
    json_t *found = json_pack("{s:{}, s:{}}", "latest", "plans");
    casestore_foreach(b->store, txn, CASESTORE_DB_GOVERNANCE, false, collect_intended, found);
    const json_t *latest = json_object_get(found, "latest");
    const char *name;
    json_t *plan, *row;
    json_object_foreach(json_object_get(found, "plans"), name, plan)
    {
        const char *version = json_string_value(json_object_get(plan, "version"));
        const json_t *where = json_object_get(plan, "sites");
        if (version)
            planned_version(b, txn, version, json_array_size(where) ? where : NULL,
                            json_object_get(plan, "phases"), "planned", records, all, covered,
                            playbooks, wanted, needs);
    }
    json_object_foreach((json_t *)latest, name, row)
    {
        const char *version = json_string_value(json_object_get(row, "version"));
        const char *planned = json_string_value(
            json_object_get(json_object_get(json_object_get(found, "plans"), name), "version"));
        if (version && !(planned && strcmp(planned, version) == 0))
            planned_version(b, txn, version, NULL, NULL,
                            json_string_value(json_object_get(row, "state")), records, all, covered,
                            playbooks, wanted, needs);
    }
    json_decref(found);
}

/* What to add where: each missing (site, need), with the sites that have
   it and the connector types that provide it there. */
static json_t *recommendations(const json_t *wanted, const json_t *sites)
{
    json_t *out = json_array();
    const char *key;
    json_t *w;
    json_object_foreach((json_t *)wanted, key, w)
    {
        need_t n = {0};
        snprintf(n.kind, sizeof n.kind, "%s", json_string_value(json_object_get(w, "kind")));
        snprintf(n.name, sizeof n.name, "%s", json_string_value(json_object_get(w, "name")));
        json_t *have = json_array(), *types = json_array();
        const char *site;
        json_t *rec;
        json_object_foreach((json_t *)sites, site, rec)
        {
            if (!site_has(rec, &n))
                continue;
            json_array_append_new(have, json_string(site));
            size_t i;
            json_t *c;
            json_array_foreach(json_object_get(rec, "connectors"), i, c)
            {
                const char *k = json_string_value(json_object_get(c, "kind"));
                const char *nm = json_string_value(json_object_get(c, "name"));
                const char *ty = json_string_value(json_object_get(c, "type"));
                bool gives = strcmp(n.kind, "openc2") == 0
                                 ? k && strcmp(k, "actuator") == 0
                                 : k && nm && strcmp(k, n.kind) == 0 && strcmp(nm, n.name) == 0;
                if (gives && ty && !missing_has(types, ty))
                    json_array_append_new(types, json_string(ty));
            }
        }
        json_t *r = json_deep_copy(w);
        json_object_set_new(r, "available_at", have);
        json_object_set_new(r, "connector_types", types);
        json_object_set_new(r, "hint",
                            json_string(strcmp(n.kind, "openc2") == 0
                                            ? "an actuator announcing this pair (adapter "
                                              "\"actuators\")"
                                            : "a connector of this name (adapter \"connectors\")"));
        json_array_append_new(out, r);
    }
    return out;
}

#define GAP_DOCS_MAX 16

/* args.docs: playbook documents to check (fedsoarctl sites gap --playbook
   FILE), each parsed as the playbook language; the first bad one refuses
   the request, named by its index. */
static bool document_rows(const json_t *docs, const json_t *records, const json_t *all,
                          json_t *playbooks, json_t *wanted, json_t *needs, fs_err_t *e)
{
    if (!json_is_array(docs) || json_array_size(docs) == 0 ||
        json_array_size(docs) > GAP_DOCS_MAX) {
        fs_err_setc(e, BROKER_E_INVALID, "docs: a list of 1-%d playbook documents", GAP_DOCS_MAX);
        return false;
    }
    size_t i;
    json_t *doc;
    json_array_foreach(docs, i, doc)
    {
        char origin[32];
        snprintf(origin, sizeof origin, "docs[%zu]", i);
        fs_err_t pe = {0};
        playbook_t *pb = json_is_object(doc) ? playbook_parse(doc, origin, &pe) : NULL;
        if (!pb) {
            fs_err_setc(e, BROKER_E_INVALID, "%s: %s", origin,
                        json_is_object(doc) ? pe.text : "not a playbook document (an object)");
            return false;
        }
        json_t *rows = playbook_rows(pb, records, all, NULL, "document", NULL, wanted, needs);
        json_array_extend(playbooks, rows);
        json_decref(rows);
        playbook_destroy(&pb);
    }
    return true;
}

/* The number of playbook names with a row; each planned row's name also
   goes to its site's playbooks.planned. */
static json_int_t checked_names(const json_t *playbooks, json_t *sites)
{
    json_t *names = json_object();
    size_t i;
    json_t *row;
    json_array_foreach(playbooks, i, row)
    {
        const char *name = json_string_value(json_object_get(row, "name"));
        const char *mode = json_string_value(json_object_get(row, "mode"));
        json_object_set_new(names, name, json_true());
        json_t *planned = json_object_get(
            json_object_get(json_object_get(sites, json_string_value(json_object_get(row, "site"))),
                            "playbooks"),
            "planned");
        if (mode && strcmp(mode, "planned") == 0 && planned && !missing_has(planned, name))
            json_array_append_new(planned, json_string(name));
    }
    json_int_t n = (json_int_t)json_object_size(names);
    json_decref(names);
    return n;
}

json_t *control_sites_gap(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e)
{
    int window = coverage_window_days(b, args, e);
    if (window < 0)
        return NULL;
    json_t *records = control_sites(b, txn, NULL, who, e);
    if (!records)
        return NULL;
    int64_t now = fs_now_ms();
    json_t *all = json_array(), *sites = json_object();
    const char *site;
    json_t *rec;
    json_object_foreach(records, site, rec)
    {
        if (json_array_size(all) == GAP_SITES_MAX)
            break;
        json_array_append_new(all, json_string(site));
        json_object_set_new(sites, site, site_view(b, txn, site, rec, window, now));
    }
    json_t *playbooks = json_array(), *wanted = json_object(), *needs = json_object();
    const json_t *docs = json_object_get(args, "docs");
    const char *from = docs ? "documents" : b->gov ? "governance" : "directory";
    bool ok = true;
    if (docs) {
        ok = document_rows(docs, records, all, playbooks, wanted, needs, e);
    } else if (!b->gov) {
        for (size_t i = 0; i < playbook_set_count(b->playbooks); i++) {
            json_t *rows = playbook_rows(playbook_set_get(b->playbooks, i), records, all, NULL,
                                         "directory", NULL, wanted, needs);
            json_array_extend(playbooks, rows);
            json_decref(rows);
        }
    } else {
        json_t *covered = json_object();
        governed_rows(b, txn, records, all, playbooks, wanted, needs, covered);
        planned_rows(b, txn, records, all, covered, playbooks, wanted, needs);
        json_decref(covered);
    }
    json_t *recs = ok ? recommendations(wanted, records) : NULL;
    json_decref(wanted);
    json_decref(records);
    json_decref(all);
    if (!ok) {
        json_decref(sites);
        json_decref(playbooks);
        json_decref(needs);
        return NULL;
    }
    json_int_t checked = checked_names(playbooks, sites);
    return json_pack("{s:i, s:I, s:s, s:I, s:o, s:o, s:o, s:o}", "window_days", window,
                     "generated_ms", (json_int_t)now, "playbooks_from", from, "checked", checked,
                     "sites", sites, "playbooks", playbooks, "needs", needs, "recommendations",
                     recs);
}
