/*  governance.c — playbook governance on the broker (docs/governance.md):
    versions submitted for review, signed approvals by the governance
    board (N of M, Ed25519), per-site activation (live or shadow),
    rollback, retirement, and the comparison of shadow runs with the
    active version's.  The rules themselves (payloads, N-of-M, lifecycle)
    are playbooks/governance.c; this file stores and checks.

    CASESTORE_DB_GOVERNANCE rows:
      "version:HASH" -> {"version","name","title","author","submitted","state",
                         "approvals":
   [{"member","decision","time","signature","payload","reason"?}]} "site:NAME"    -> {"active":
   {playbook: version}, "shadow": {playbook: version}, "history": {playbook: [earlier active
   versions, oldest first]}, "log": [{"action","name","version","shadow","by","at"}] (last 100)} The
   documents themselves are in CASESTORE_DB_PLAYBOOKS (version -> document), which is where runs
   load their version from.  Every change is audited in the same transaction. */
#include "broker_internal.h"

#include <string.h>

#define SIGNATURE_SKEW_MS (60 * 60 * 1000) /* a signed approval is used within an hour */
#define SITE_LOG_MAX 100

static bool hex_prefix(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 6 || n > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static bool valid_site(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 32)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return false;
    return true;
}

static int need_governance(broker_t *b, fs_err_t *e)
{
    return b->gov
               ? 0
               : fs_err_setc(
                     e, BROKER_E_CONFLICT,
                     "playbook governance is not configured: add \"governance\": {\"quorum\": N, "
                     "\"members\": [...]} to the broker config (docs/governance.md)");
}

static char *row_key(const char *kind, const char *id, char *buf, size_t size)
{
    return snprintf(buf, size, "%s:%s", kind, id) < (int)size ? buf : NULL;
}

static json_t *get_row(broker_t *b, casestore_txn_t *txn, const char *kind, const char *id)
{
    char key[160];
    return row_key(kind, id, key, sizeof key)
               ? casestore_get_json(b->store, txn, CASESTORE_DB_GOVERNANCE, key, strlen(key))
               : NULL;
}

static int put_row(broker_t *b, casestore_txn_t *txn, const char *kind, const char *id,
                   const json_t *row, fs_err_t *e)
{
    char key[160];
    if (!row_key(kind, id, key, sizeof key))
        return fs_err_setc(e, BROKER_E_INVALID, "governance: id too long: %s", id);
    return casestore_put_json(b->store, txn, CASESTORE_DB_GOVERNANCE, key, strlen(key), row, e);
}

static int audit(broker_t *b, casestore_txn_t *txn, const caller_t *who, const char *kind,
                 json_t *subject, json_t *details, fs_err_t *e)
{
    int rc = casestore_audit_append(b->store, txn, kind, who->actor, subject, details, e);
    json_decref(subject);
    json_decref(details);
    return rc;
}

/* A full version from a full hash or a unique prefix of at least 6 hex. */
struct prefix_ctx {
    const char *prefix;
    char found[65];
    int matches;
};

static int match_prefix(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)val;
    struct prefix_ctx *p = arg;
    size_t plen = strlen(p->prefix);
    if (key->len == 8 + 64 && memcmp(key->data, "version:", 8) == 0 &&
        memcmp((const char *)key->data + 8, p->prefix, plen) == 0) {
        p->matches++;
        snprintf(p->found, sizeof p->found, "%.64s", (const char *)key->data + 8);
    }
    return 0;
}

static json_t *find_version(broker_t *b, casestore_txn_t *txn, const char *text, fs_err_t *e)
{
    if (!hex_prefix(text)) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "\"%s\" is not a version (its SHA-256, or a prefix of at least 6 hex digits)",
                    text ? text : "");
        return NULL;
    }
    struct prefix_ctx p = {text, "", 0};
    casestore_foreach(b->store, txn, CASESTORE_DB_GOVERNANCE, false, match_prefix, &p);
    if (p.matches != 1) {
        fs_err_setc(e, p.matches ? BROKER_E_INVALID : BROKER_E_NOT_FOUND,
                    p.matches
                        ? "version prefix %s is ambiguous (%d versions); give more digits"
                        : "no submitted version %s%.0d (see fedsoarctl playbook history NAME)",
                    text, p.matches);
        return NULL;
    }
    return get_row(b, txn, "version", p.found);
}

/* ---- submit ----------------------------------------------------------------------- */

json_t *governance_ctl_submit(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e)
{
    if (need_governance(b, e) != 0)
        return NULL;
    const json_t *doc = json_object_get(args, "doc");
    const char *origin = json_string_value(json_object_get(args, "origin"));
    playbook_t *pb =
        json_is_object(doc) ? playbook_parse(doc, origin ? origin : "submitted playbook", e) : NULL;
    if (!pb) {
        e->code = BROKER_E_INVALID; /* the document breaks the playbook language */
        if (!json_is_object(doc))
            fs_err_setc(e, BROKER_E_INVALID,
                        "playbook.submit needs args.doc, the playbook document");
        return NULL;
    }
    const char *version = playbook_version(pb);
    json_t *old = get_row(b, txn, "version", version);
    json_t *out = NULL;
    if (old) {
        fs_err_setc(e, BROKER_E_CONFLICT, "version %.12s of %s was already submitted (it is %s)",
                    version, playbook_name(pb), json_string_value(json_object_get(old, "state")));
    } else {
        const char *title = json_string_value(json_object_get(doc, "title"));
        json_t *rec = json_pack("{s:s, s:s, s:s?, s:s, s:I, s:s, s:[]}", "version", version, "name",
                                playbook_name(pb), "title", title, "author", who->operator_name,
                                "submitted", (json_int_t)fs_now_ms(), "state",
                                governance_next_state("draft", "submit"), "approvals");
        casestore_val_t have;
        int rc = put_row(b, txn, "version", version, rec, e);
        if (rc == 0 && casestore_get(b->store, txn, CASESTORE_DB_PLAYBOOKS, version,
                                     strlen(version), &have, NULL) == 1)
            rc = casestore_put_json(b->store, txn, CASESTORE_DB_PLAYBOOKS, version, strlen(version),
                                    playbook_doc(pb), e);
        if (rc == 0)
            rc = audit(b, txn, who, "playbook.submit",
                       json_pack("{s:s, s:s}", "version", version, "name", playbook_name(pb)),
                       json_pack("{s:s?, s:s}", "title", title, "state", "in_review"), e);
        if (rc == 0)
            out = json_incref(rec);
        json_decref(rec);
    }
    json_decref(old);
    playbook_destroy(&pb);
    return out;
}

/* ---- reading ---------------------------------------------------------------------- */

json_t *governance_ctl_get(broker_t *b, casestore_txn_t *txn, const json_t *args,
                           const caller_t *who, fs_err_t *e)
{
    (void)who;
    json_t *rec = find_version(b, txn, json_string_value(json_object_get(args, "version")), e);
    if (!rec)
        return NULL;
    const char *v = json_string_value(json_object_get(rec, "version"));
    json_object_set_new(rec, "doc",
                        casestore_get_json(b->store, txn, CASESTORE_DB_PLAYBOOKS, v, strlen(v)));
    return rec;
}

struct collect_ctx {
    const char *name;
    json_t *versions;
    json_t *sites;
};

static int collect_gov(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    struct collect_ctx *c = arg;
    json_t *row = json_loadb(val->data, val->len, 0, NULL);
    if (!row)
        return 0;
    if (key->len > 8 && memcmp(key->data, "version:", 8) == 0) {
        const char *n = json_string_value(json_object_get(row, "name"));
        if (!c->name || (n && strcmp(n, c->name) == 0))
            json_array_append(c->versions, row);
    } else if (key->len > 5 && memcmp(key->data, "site:", 5) == 0) {
        char site[64];
        snprintf(site, sizeof site, "%.*s", (int)(key->len - 5), (const char *)key->data + 5);
        json_object_set(c->sites, site, row);
    }
    json_decref(row);
    return 0;
}

static int by_submitted(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "submitted"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "submitted"));
    return x < y ? -1 : x > y;
}

json_t *governance_ctl_history(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    (void)who;
    const char *name = json_string_value(json_object_get(args, "name"));
    if (!name || !*name) {
        fs_err_setc(e, BROKER_E_INVALID, "playbook.history needs args.name, a playbook name");
        return NULL;
    }
    struct collect_ctx c = {name, json_array(), json_object()};
    casestore_foreach(b->store, txn, CASESTORE_DB_GOVERNANCE, false, collect_gov, &c);
    size_t n = json_array_size(c.versions);
    bool known = n > 0;
    for (size_t i = 0; !known && i < playbook_set_count(b->playbooks); i++)
        known = strcmp(playbook_name(playbook_set_get(b->playbooks, i)), name) == 0;
    if (!known) {
        json_decref(c.versions);
        json_decref(c.sites);
        fs_err_setc(e, BROKER_E_NOT_FOUND,
                    "no playbook named \"%s\" (never submitted, not in the playbook directory)",
                    name);
        return NULL;
    }
    json_t **items = fs_xcalloc(n ? n : 1, sizeof *items);
    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get(c.versions, i);
    qsort(items, n, sizeof *items, by_submitted);
    json_t *sorted = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_deep_copy(items[i]);
        const char *ver = json_string_value(json_object_get(v, "version"));
        json_t *where = json_object();
        const char *site;
        json_t *rec;
        json_object_foreach(c.sites, site, rec)
        {
            const char *live =
                json_string_value(json_object_get(json_object_get(rec, "active"), name));
            const char *shadow =
                json_string_value(json_object_get(json_object_get(rec, "shadow"), name));
            if (live && strcmp(live, ver) == 0)
                json_object_set_new(where, site, json_string("active"));
            else if (shadow && strcmp(shadow, ver) == 0)
                json_object_set_new(where, site, json_string("shadow"));
        }
        json_object_set_new(v, "sites", where);
        json_object_set_new(
            v, "approvals_counted",
            json_integer((json_int_t)(b->gov ? governance_count_approvals(
                                                   b->gov, json_object_get(v, "approvals"),
                                                   json_string_value(json_object_get(v, "author")))
                                             : 0)));
        json_array_append_new(sorted, v);
    }
    free(items);
    json_decref(c.versions);
    json_decref(c.sites);
    return json_pack("{s:s, s:o, s:i}", "name", name, "versions", sorted, "quorum",
                     b->gov ? governance_quorum(b->gov) : 0);
}

json_t *governance_ctl_status(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e)
{
    (void)args, (void)who, (void)e;
    struct collect_ctx c = {"\x01", json_array(), json_object()}; /* no version has this name */
    casestore_foreach(b->store, txn, CASESTORE_DB_GOVERNANCE, false, collect_gov, &c);
    json_decref(c.versions);
    return json_pack("{s:b, s:i, s:O?, s:o}", "configured", b->gov != NULL, "quorum",
                     b->gov ? governance_quorum(b->gov) : 0, "members",
                     b->gov ? governance_members(b->gov) : NULL, "sites", c.sites);
}

json_t *governance_site_versions(broker_t *b, casestore_txn_t *txn, const char *site, bool shadow)
{
    if (!b->gov || !site || !valid_site(site))
        return NULL;
    json_t *rec = get_row(b, txn, "site", site);
    json_t *out = json_incref(json_object_get(rec, shadow ? "shadow" : "active"));
    json_decref(rec);
    return out ? out : json_object();
}

/* ---- approve / reject --------------------------------------------------------------- */

json_t *governance_ctl_decide(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e)
{
    if (need_governance(b, e) != 0)
        return NULL;
    const char *payload = json_string_value(json_object_get(args, "payload"));
    const char *sig = json_string_value(json_object_get(args, "signature"));
    const char *reason = json_string_value(json_object_get(args, "reason"));
    if (!payload || !sig) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "playbook.decide needs args.payload and args.signature (fedsoarctl playbook "
                    "approve|reject "
                    "signs them with your operator signing key)");
        return NULL;
    }
    fs_err_t pe = {0};
    json_t *p = governance_approval_parse(payload, strlen(payload), &pe);
    if (!p) {
        fs_err_setc(e, BROKER_E_INVALID, "signature refused: %s", pe.text);
        return NULL;
    }
    const char *member = json_string_value(json_object_get(p, "member"));
    const char *decision = json_string_value(json_object_get(p, "decision"));
    const char *version = json_string_value(json_object_get(p, "version"));
    /* POST /playbook-versions/{version}/approvals: the path names the version too */
    const char *named = json_string_value(json_object_get(args, "version"));
    if (named && strncmp(version, named, strlen(named)) != 0) {
        fs_err_setc(e, BROKER_E_INVALID, "version: the signed payload is for version %.12s, not %s",
                    version, named);
        json_decref(p);
        return NULL;
    }
    json_t *rec = get_row(b, txn, "version", version);
    json_t *out = NULL;
    if (strcmp(decision, "reject") == 0 && (!reason || !*reason || strlen(reason) > 2000)) {
        fs_err_setc(e, BROKER_E_INVALID, "a rejection needs a reason (1-2000 characters)");
    } else if (strcmp(member, who->operator_name) != 0) {
        fs_err_setc(e, BROKER_E_DENIED,
                    "signature refused: it is %s's, but this request comes from operator %s",
                    member, who->operator_name);
    } else if (!rec) {
        fs_err_setc(e, BROKER_E_NOT_FOUND, "signature refused: no submitted version %.12s",
                    version);
    } else if (governance_check_decision(b->gov, rec, p, fs_now_ms(), SIGNATURE_SKEW_MS, &pe) !=
               0) {
        fs_err_setc(e, BROKER_E_INVALID, "signature refused: %s", pe.text);
    } else if (governance_signature_check(b->cfg.keys_dir, member, payload, sig, &pe) != 0) {
        fs_err_setc(e, BROKER_E_INVALID, "signature refused: %s", pe.text);
    } else {
        json_array_append_new(json_object_get(rec, "approvals"),
                              json_pack("{s:s, s:s, s:O, s:s, s:s, s:s?}", "member", member,
                                        "decision", decision, "time", json_object_get(p, "time"),
                                        "signature", sig, "payload", payload, "reason", reason));
        const char *state = json_string_value(json_object_get(rec, "state"));
        size_t n = governance_count_approvals(b->gov, json_object_get(rec, "approvals"),
                                              json_string_value(json_object_get(rec, "author")));
        /* Copied: `state` points into rec, whose "state" is replaced below. */
        char next[32];
        snprintf(next, sizeof next, "%s",
                 strcmp(decision, "reject") == 0          ? governance_next_state(state, "reject")
                 : n >= (size_t)governance_quorum(b->gov) ? governance_next_state(state, "approve")
                                                          : state);
        json_object_set_new(rec, "state", json_string(next));
        int rc = put_row(b, txn, "version", version, rec, e);
        if (rc == 0)
            rc = audit(
                b, txn, who,
                strcmp(decision, "reject") == 0 ? "playbook.reject" : "playbook.approve",
                json_pack("{s:s, s:O}", "version", version, "name", json_object_get(rec, "name")),
                json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:s?}", "member", member, "payload",
                          payload, "signature", sig, "state", next, "approvals", (json_int_t)n,
                          "quorum", governance_quorum(b->gov), "reason", reason),
                e);
        if (rc == 0) {
            out = json_incref(rec);
            json_object_set_new(out, "approvals_counted", json_integer((json_int_t)n));
            fs_log(FS_LOG_INFO, "broker", "playbook_decision",
                   "version=%.12s member=%s decision=%s state=%s", version, member, decision, next);
        }
    }
    if (!out)
        fs_log(FS_LOG_WARN, "broker", "playbook_decision_refused", "operator=%s reason=\"%s\"",
               who->operator_name, e->text);
    json_decref(rec);
    json_decref(p);
    return out;
}

/* ---- activation per site -------------------------------------------------------------- */

static int site_allowed(const caller_t *who, const char *site, fs_err_t *e)
{
    if (!valid_site(site))
        return fs_err_setc(e, BROKER_E_INVALID,
                           "site: needs a site name (1-32 of [a-z0-9_-]; fedsoarctl: --site)");
    if (who->role && strcmp(who->role, "site-admin") == 0 &&
        (!who->site || strcmp(who->site, site) != 0))
        return fs_err_setc(e, BROKER_E_DENIED,
                           "operator %s is a site-admin of %s and may not change site %s",
                           who->operator_name, who->site ? who->site : "(no site)", site);
    return 0;
}

static json_t *site_record(broker_t *b, casestore_txn_t *txn, const char *site)
{
    json_t *rec = get_row(b, txn, "site", site);
    if (!rec)
        rec = json_pack("{s:{}, s:{}, s:{}, s:[]}", "active", "shadow", "history", "log");
    return rec;
}

static void site_log(json_t *rec, const caller_t *who, const char *action, const char *name,
                     const char *version, bool shadow)
{
    json_t *log = json_object_get(rec, "log");
    json_array_append_new(log, json_pack("{s:s, s:s, s:s, s:b, s:s, s:I}", "action", action, "name",
                                         name, "version", version, "shadow", shadow, "by",
                                         who->operator_name, "at", (json_int_t)fs_now_ms()));
    while (json_array_size(log) > SITE_LOG_MAX)
        json_array_remove(log, 0);
}

json_t *governance_ctl_activate(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e)
{
    const char *site = json_string_value(json_object_get(args, "site"));
    bool shadow = json_is_true(json_object_get(args, "shadow"));
    if (need_governance(b, e) != 0 || site_allowed(who, site, e) != 0)
        return NULL;
    json_t *ver = find_version(b, txn, json_string_value(json_object_get(args, "version")), e);
    if (!ver)
        return NULL;
    const char *version = json_string_value(json_object_get(ver, "version"));
    const char *name = json_string_value(json_object_get(ver, "name"));
    const char *state = json_string_value(json_object_get(ver, "state"));
    json_t *rec = NULL, *out = NULL;
    if (!governance_next_state(state, "activate")) {
        fs_err_setc(e, BROKER_E_CONFLICT,
                    "version %.12s of %s is %s: only approved versions can be activated", version,
                    name, state);
        goto done;
    }
    rec = site_record(b, txn, site);
    json_t *active = json_object_get(rec, "active"), *shadows = json_object_get(rec, "shadow");
    /* Copied: active[name] is replaced below. */
    char live_buf[65] = "";
    const char *cur = json_string_value(json_object_get(active, name));
    snprintf(live_buf, sizeof live_buf, "%s", cur ? cur : "");
    const char *live = cur ? live_buf : NULL;
    if (live && strcmp(live, version) == 0) {
        fs_err_setc(e, BROKER_E_CONFLICT, "version %.12s of %s is already active at %s", version,
                    name, site);
        goto done;
    }
    if (shadow) {
        json_object_set_new(shadows, name, json_string(version));
    } else {
        if (live) {
            json_t *hist = json_object_get(json_object_get(rec, "history"), name);
            if (!hist)
                json_object_set_new(json_object_get(rec, "history"), name, hist = json_array());
            json_array_append_new(hist, json_string(live));
        }
        json_object_set_new(active, name, json_string(version));
        const char *sh = json_string_value(json_object_get(shadows, name));
        if (sh && strcmp(sh, version) == 0)
            json_object_del(shadows, name); /* promoted from shadow to live */
    }
    site_log(rec, who, "activate", name, version, shadow);
    if (put_row(b, txn, "site", site, rec, e) == 0 &&
        audit(b, txn, who, "playbook.activate",
              json_pack("{s:s, s:s, s:s}", "version", version, "name", name, "site", site),
              json_pack("{s:b, s:s?}", "shadow", shadow, "replaced", shadow ? NULL : live),
              e) == 0) {
        out = json_pack("{s:s, s:s, s:s, s:b, s:O}", "site", site, "name", name, "version", version,
                        "shadow", shadow, "record", rec);
        fs_log(FS_LOG_INFO, "broker", "playbook_activated",
               "site=%s playbook=%s version=%.12s shadow=%s", site, name, version,
               shadow ? "yes" : "no");
    }
done:
    json_decref(rec);
    json_decref(ver);
    return out;
}

json_t *governance_ctl_rollback(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e)
{
    const char *site = json_string_value(json_object_get(args, "site"));
    const char *name = json_string_value(json_object_get(args, "name"));
    if (need_governance(b, e) != 0 || site_allowed(who, site, e) != 0)
        return NULL;
    json_t *rec = site_record(b, txn, site), *out = NULL;
    json_t *history = json_object_get(rec, "history");
    if (!name) {
        /* The playbook most recently made live at this site. */
        json_t *log = json_object_get(rec, "log");
        for (size_t i = json_array_size(log); i-- > 0 && !name;) {
            json_t *l = json_array_get(log, i);
            if (!json_is_true(json_object_get(l, "shadow")))
                name = json_string_value(json_object_get(l, "name"));
        }
        if (!name) {
            fs_err_setc(e, BROKER_E_CONFLICT, "nothing was activated at %s: nothing to roll back",
                        site);
            goto done;
        }
    }
    json_t *hist = json_object_get(history, name);
    const char *current = json_string_value(json_object_get(json_object_get(rec, "active"), name));
    char previous[65] = "";
    /* The newest earlier version that is still approved (retired ones are skipped). */
    while (json_array_size(hist) && !previous[0]) {
        const char *cand = json_string_value(json_array_get(hist, json_array_size(hist) - 1));
        json_t *v = get_row(b, txn, "version", cand);
        if (v && strcmp(json_string_value(json_object_get(v, "state")), "approved") == 0)
            snprintf(previous, sizeof previous, "%s", cand);
        json_decref(v);
        json_array_remove(hist, json_array_size(hist) - 1);
    }
    if (!previous[0]) {
        fs_err_setc(e, BROKER_E_CONFLICT,
                    "no earlier approved version of %s was active at %s: nothing to roll back to",
                    name, site);
        goto done;
    }
    char was[65] = "";
    snprintf(was, sizeof was, "%s", current ? current : "");
    json_object_set_new(json_object_get(rec, "active"), name, json_string(previous));
    site_log(rec, who, "rollback", name, previous, false);
    if (put_row(b, txn, "site", site, rec, e) == 0 &&
        audit(b, txn, who, "playbook.rollback",
              json_pack("{s:s, s:s, s:s}", "version", previous, "name", name, "site", site),
              json_pack("{s:s}", "replaced", was), e) == 0) {
        out = json_pack("{s:s, s:s, s:s, s:s}", "site", site, "name", name, "version", previous,
                        "replaced", was);
        fs_log(FS_LOG_INFO, "broker", "playbook_rolled_back",
               "site=%s playbook=%s version=%.12s replaced=%.12s", site, name, previous, was);
    }
done:
    json_decref(rec);
    return out;
}

struct in_use_ctx {
    const char *version;
    char site[64];
};

static int find_in_use(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    struct in_use_ctx *c = arg;
    if (key->len <= 5 || memcmp(key->data, "site:", 5) != 0)
        return 0;
    json_t *rec = json_loadb(val->data, val->len, 0, NULL);
    const char *k;
    json_t *v;
    bool used = false;
    json_object_foreach(json_object_get(rec, "active"), k, v) used =
        used || strcmp(json_string_value(v), c->version) == 0;
    json_object_foreach(json_object_get(rec, "shadow"), k, v) used =
        used || strcmp(json_string_value(v), c->version) == 0;
    json_decref(rec);
    if (used)
        snprintf(c->site, sizeof c->site, "%.*s", (int)(key->len - 5), (const char *)key->data + 5);
    return used;
}

json_t *governance_ctl_retire(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e)
{
    if (need_governance(b, e) != 0)
        return NULL;
    json_t *ver = find_version(b, txn, json_string_value(json_object_get(args, "version")), e);
    if (!ver)
        return NULL;
    const char *version = json_string_value(json_object_get(ver, "version"));
    const char *next =
        governance_next_state(json_string_value(json_object_get(ver, "state")), "retire");
    struct in_use_ctx c = {version, ""};
    casestore_foreach(b->store, txn, CASESTORE_DB_GOVERNANCE, false, find_in_use, &c);
    json_t *out = NULL;
    if (!next) {
        fs_err_setc(e, BROKER_E_CONFLICT, "version %.12s is %s: only approved versions are retired",
                    version, json_string_value(json_object_get(ver, "state")));
    } else if (c.site[0]) {
        fs_err_setc(e, BROKER_E_CONFLICT,
                    "version %.12s is still in use at %s: activate another version there first",
                    version, c.site);
    } else {
        json_object_set_new(ver, "state", json_string(next));
        if (put_row(b, txn, "version", version, ver, e) == 0 &&
            audit(b, txn, who, "playbook.retire",
                  json_pack("{s:s, s:O}", "version", version, "name", json_object_get(ver, "name")),
                  NULL, e) == 0)
            out = json_incref(ver);
    }
    json_decref(ver);
    return out;
}

/* ---- compare shadow with live ----------------------------------------------------------- */

struct compare_ctx {
    broker_t *b;
    casestore_txn_t *txn;
    const char *name;
    json_t *shadow_runs; /* shadow runs of NAME, newest first */
    json_t *by_event;    /* event_id -> live run of NAME */
};

static int collect_run(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    struct compare_ctx *c = arg;
    json_t *run = json_loadb(val->data, val->len, 0, NULL);
    const char *pb = json_string_value(json_object_get(run, "playbook"));
    if (run && pb && strcmp(pb, c->name) == 0) {
        if (json_is_true(json_object_get(run, "shadow"))) {
            if (json_array_size(c->shadow_runs) < 200)
                json_array_append(c->shadow_runs, run);
        } else {
            char ev[32];
            snprintf(ev, sizeof ev, "%lld",
                     (long long)json_integer_value(json_object_get(run, "event_id")));
            if (!json_object_get(c->by_event, ev))
                json_object_set(c->by_event, ev, run);
        }
    }
    json_decref(run);
    return 0;
}

/* What a live run decided, from its case timeline, in the shape shadow runs record. */
static json_t *live_decisions(broker_t *b, casestore_txn_t *txn, const json_t *run)
{
    json_t *out = json_array();
    json_t *tl = casestore_timeline(
        b->store, txn, (uint64_t)json_integer_value(json_object_get(run, "case_id")), 10000);
    json_int_t id = json_integer_value(json_object_get(run, "id"));
    size_t i;
    json_t *t;
    json_array_foreach(tl, i, t)
    {
        const char *kind = json_string_value(json_object_get(t, "kind"));
        if (json_integer_value(json_object_get(t, "run_id")) != id && strcmp(kind, "updated") != 0)
            continue;
        if (strcmp(kind, "command") == 0 || strcmp(kind, "command_refused") == 0)
            json_array_append_new(out, json_pack("{s:s, s:O?, s:O?, s:O?, s:O?}", "kind", "command",
                                                 "step", json_object_get(t, "step"), "site",
                                                 json_object_get(t, "site"), "action",
                                                 json_object_get(t, "action"), "target",
                                                 json_object_get(t, "target")));
        else if (strcmp(kind, "request") == 0)
            json_array_append_new(out, json_pack("{s:s, s:O?, s:O?, s:O?}", "kind", "request",
                                                 "step", json_object_get(t, "step"), "site",
                                                 json_object_get(t, "site"), "name",
                                                 json_object_get(t, "name")));
        else if (strcmp(kind, "approval_requested") == 0)
            json_array_append_new(out, json_pack("{s:s, s:O?, s:O?}", "kind", "approval", "step",
                                                 json_object_get(t, "step"), "role",
                                                 json_object_get(t, "role")));
        else if (strcmp(kind, "updated") == 0 && json_string_value(json_object_get(t, "by")) &&
                 strncmp(json_string_value(json_object_get(t, "by")), "playbook:", 9) == 0 &&
                 strcmp(json_string_value(json_object_get(t, "by")) + 9,
                        json_string_value(json_object_get(run, "playbook"))) == 0)
            json_array_append_new(out, json_pack("{s:s, s:O?}", "kind", "case", "fields",
                                                 json_object_get(t, "fields")));
    }
    json_decref(tl);
    return out;
}

json_t *governance_ctl_compare(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    (void)who;
    const char *name = json_string_value(json_object_get(args, "name"));
    if (!name || !*name) {
        fs_err_setc(e, BROKER_E_INVALID, "playbook.compare needs args.name, a playbook name");
        return NULL;
    }
    struct compare_ctx c = {b, txn, name, json_array(), json_object()};
    casestore_foreach(b->store, txn, CASESTORE_DB_RUNS, true, collect_run, &c);
    json_t *rows = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(c.shadow_runs, i, s)
    {
        char ev[32];
        snprintf(ev, sizeof ev, "%lld",
                 (long long)json_integer_value(json_object_get(s, "event_id")));
        json_t *live = json_object_get(c.by_event, ev);
        json_t *shadow_dec = json_deep_copy(json_object_get(s, "shadow_effects"));
        json_t *live_dec = live ? live_decisions(b, txn, live) : NULL;
        int same = live_dec && shadow_dec ? json_equal(live_dec, shadow_dec) : 0;
        json_array_append_new(
            rows,
            json_pack("{s:O, s:O, s:{s:O, s:O, s:O, s:o}, s:o, s:b}", "event_id",
                      json_object_get(s, "event_id"), "case_id", json_object_get(s, "case_id"),
                      "shadow", "run_id", json_object_get(s, "id"), "version",
                      json_object_get(s, "version"), "status", json_object_get(s, "status"),
                      "decisions", shadow_dec ? shadow_dec : json_array(), "live",
                      live
                          ? json_pack("{s:O, s:O, s:O, s:o}", "run_id", json_object_get(live, "id"),
                                      "version", json_object_get(live, "version"), "status",
                                      json_object_get(live, "status"), "decisions", live_dec)
                          : json_null(),
                      "same", same));
    }
    json_decref(c.shadow_runs);
    json_decref(c.by_event);
    return json_pack("{s:s, s:o}", "name", name, "events", rows);
}
