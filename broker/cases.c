/*  cases.c — cases in LMDB, and the correlation of alerts into them.

    An alert joins the open case that saw one of its observables (host, IP,
    user, email, URL, hash) within the correlation window, whichever site
    reported it: an attacker who moves from company A to company B is one
    incident.  Otherwise it opens a case. */
#include "broker.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASE_MAX_ALERTS 1000 /* alerts listed per case; more are counted */
#define CASE_MAX_OBSERVABLES 200

/* Observable types that identify an entity well enough to correlate on. */
static bool correlates(json_int_t type_id)
{
    switch (type_id) {
    case 1: /* hostname */
    case 2: /* IP address */
    case 4: /* user name */
    case 5: /* email address */
    case 6: /* URL */
    case 8: /* hash */
        return true;
    default:
        return false;
    }
}

static void case_key(uint64_t id, unsigned char key[8])
{
    fs_u64_to_be(id, key);
}

json_t *cases_get(store_t *st, MDB_txn *txn, uint64_t case_id)
{
    unsigned char key[8];
    case_key(case_id, key);
    return store_get_json(st, txn, DB_CASES, key, 8);
}

static int case_put(store_t *st, MDB_txn *txn, json_t *c, fs_err_t *e)
{
    unsigned char key[8];
    case_key((uint64_t)json_integer_value(json_object_get(c, "id")), key);
    json_object_set_new(c, "updated", json_integer(fs_now_ms()));
    return store_put_json(st, txn, DB_CASES, key, 8, c, e);
}

/* Observables that name the victim side of an event, not the attacker's:
   the recipients of a reported email. Correlating on them would merge every
   unrelated report a user ever makes into one case. */
static bool victim_side(const json_t *obs)
{
    const char *name = json_string_value(json_object_get(obs, "name"));
    return name && (strncmp(name, "email.to", 8) == 0 || strncmp(name, "email.cc", 8) == 0 ||
                    strncmp(name, "email.bcc", 9) == 0);
}

/* "type_id:value", with case folded where the type is case-insensitive. */
static int obs_key(const json_t *obs, char *out, size_t size)
{
    json_int_t type = json_integer_value(json_object_get(obs, "type_id"));
    const char *value = json_string_value(json_object_get(obs, "value"));
    if (!correlates(type) || !value || !*value || victim_side(obs))
        return -1;
    int n = snprintf(out, size, "%d:%s", (int)type, value);
    if (n < 0 || (size_t)n >= size)
        return -1;
    if (type != 6 && type != 8) /* URLs and hashes keep their case */
        for (char *p = out; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    return 0;
}

/* Appends v (stolen) unless an equal value is there or arr holds max. */
static void add_unique(json_t *arr, json_t *v, size_t max)
{
    size_t i;
    json_t *w;
    bool dup = false;
    json_array_foreach(arr, i, w) dup = dup || json_equal(v, w);
    if (!dup && json_array_size(arr) < max)
        json_array_append(arr, v);
    json_decref(v);
}

static uint64_t find_case(store_t *st, MDB_txn *txn, const json_t *observables, int64_t window_ms)
{
    int64_t now = fs_now_ms();
    size_t i;
    json_t *obs;
    json_array_foreach(observables, i, obs)
    {
        char key[1024];
        if (obs_key(obs, key, sizeof key) != 0)
            continue;
        json_t *row = store_get_json(st, txn, DB_OBS, key, strlen(key));
        uint64_t id = (uint64_t)json_integer_value(json_object_get(row, "case"));
        int64_t seen = json_integer_value(json_object_get(row, "time"));
        json_decref(row);
        if (!id || now - seen > window_ms)
            continue;
        json_t *c = cases_get(st, txn, id);
        const char *status = json_string_value(json_object_get(c, "status"));
        bool open = status && strcmp(status, "closed") != 0;
        json_decref(c);
        if (open)
            return id;
    }
    return 0;
}

static json_t *new_case(uint64_t id, const json_t *event)
{
    const json_t *fi = json_object_get(event, "finding_info");
    const char *title = json_string_value(json_object_get(fi, "title"));
    if (!title)
        title = json_string_value(json_object_get(event, "message"));
    int64_t now = fs_now_ms();
    return json_pack("{s:I, s:s, s:s, s:I, s:n, s:[], s:[], s:[], s:[], s:[], s:I, s:I, s:I}", "id",
                     (json_int_t)id, "title", title ? title : "untitled alert", "status", "new",
                     "severity_id", json_integer_value(json_object_get(event, "severity_id")),
                     "assignee", "sites", "observables", "attacks", "alerts", "notes",
                     "alert_count", (json_int_t)0, "created", (json_int_t)now, "updated",
                     (json_int_t)now);
}

uint64_t cases_attach_alert(store_t *st, MDB_txn *txn, const json_t *event, uint64_t event_id,
                            int64_t window_ms, bool *created, fs_err_t *e)
{
    const json_t *observables = json_object_get(event, "observables");
    uint64_t id = find_case(st, txn, observables, window_ms);
    json_t *c = id ? cases_get(st, txn, id) : NULL;
    *created = c == NULL;
    if (!c) {
        if (!(id = store_next_id(st, txn, "case_id", e)))
            return 0;
        c = new_case(id, event);
        store_counter_add(st, txn, "cases", 1, NULL);
    }
    const char *site = json_string_value(json_object_get(event, "site"));
    const char *source = json_string_value(json_object_get(event, "source"));
    const json_t *fi = json_object_get(event, "finding_info");
    const char *title = json_string_value(json_object_get(fi, "title"));
    json_int_t sev = json_integer_value(json_object_get(event, "severity_id"));
    if (sev > json_integer_value(json_object_get(c, "severity_id")))
        json_object_set_new(c, "severity_id", json_integer(sev));
    if (site)
        add_unique(json_object_get(c, "sites"), json_string(site), 16);
    size_t i;
    json_t *obs;
    json_array_foreach(observables, i, obs)
    {
        json_t *slim =
            json_pack("{s:O?, s:O?, s:O?}", "type_id", json_object_get(obs, "type_id"), "type",
                      json_object_get(obs, "type"), "value", json_object_get(obs, "value"));
        add_unique(json_object_get(c, "observables"), slim, CASE_MAX_OBSERVABLES);
    }
    json_t *attack;
    json_array_foreach(json_object_get(fi, "attacks"), i, attack)
    {
        json_t *uid = json_object_get(json_object_get(attack, "technique"), "uid");
        if (json_is_string(uid))
            add_unique(json_object_get(c, "attacks"), json_incref(uid), 64);
    }
    json_int_t count = json_integer_value(json_object_get(c, "alert_count")) + 1;
    json_object_set_new(c, "alert_count", json_integer(count));
    json_t *alert = json_pack("{s:I, s:s?, s:s?, s:s?, s:I, s:O?}", "event_id",
                              (json_int_t)event_id, "site", site, "source", source, "title", title,
                              "severity_id", sev, "time", json_object_get(event, "time"));
    if (json_array_size(json_object_get(c, "alerts")) < CASE_MAX_ALERTS)
        json_array_append(json_object_get(c, "alerts"), alert);
    json_decref(alert);
    int rc = case_put(st, txn, c, e);
    json_decref(c);
    if (rc != 0)
        return 0;
    /* Index every observable to this case, refreshing its time. */
    json_array_foreach(observables, i, obs)
    {
        char key[1024];
        if (obs_key(obs, key, sizeof key) != 0)
            continue;
        json_t *row =
            json_pack("{s:I, s:I}", "case", (json_int_t)id, "time", (json_int_t)fs_now_ms());
        rc = store_put_json(st, txn, DB_OBS, key, strlen(key), row, e);
        json_decref(row);
        if (rc != 0)
            return 0;
    }
    json_t *entry = json_pack("{s:I, s:s?, s:s?, s:s?}", "event_id", (json_int_t)event_id, "site",
                              site, "source", source, "text", title);
    rc = cases_timeline_add(st, txn, id, *created ? "opened" : "alert", entry, e);
    json_decref(entry);
    return rc == 0 ? id : 0;
}

/* Who caused a timeline entry, when the caller did not say: an operator
   (votes, human edits), the site that answered, or the broker. */
static const char *derive_actor(const json_t *fields, const char *kind, char *buf, size_t size)
{
    const char *op = json_string_value(json_object_get(fields, "operator"));
    const char *by = json_string_value(json_object_get(fields, "by"));
    const char *site = json_string_value(json_object_get(fields, "site"));
    if (op && snprintf(buf, size, "operator:%s", op) < (int)size)
        return buf;
    if (by)
        return by;
    if (site &&
        (strcmp(kind, "response") == 0 || strcmp(kind, "result") == 0 ||
         strcmp(kind, "opened") == 0 || strcmp(kind, "alert") == 0) &&
        snprintf(buf, size, "site:%s", site) < (int)size)
        return buf;
    return "broker";
}

/* The ids an audit entry is about, taken from a timeline entry. */
static json_t *audit_subject(uint64_t case_id, const json_t *fields)
{
    static const char *const ids[] = {"run_id", "command_id", "request_id", "approval_id",
                                      "event_id"};
    json_t *subject = json_pack("{s:I}", "case_id", (json_int_t)case_id);
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        json_t *v = json_object_get(fields, ids[i]);
        if (v)
            json_object_set(subject, ids[i], v);
    }
    return subject;
}

int cases_timeline_add(store_t *st, MDB_txn *txn, uint64_t case_id, const char *kind,
                       json_t *fields, fs_err_t *e)
{
    return cases_timeline_add_as(st, txn, case_id, kind, fields, NULL, e);
}

int cases_timeline_add_as(store_t *st, MDB_txn *txn, uint64_t case_id, const char *kind,
                          json_t *fields, const char *actor, fs_err_t *e)
{
    uint64_t id = store_next_id(st, txn, "timeline_id", e);
    if (!id)
        return -1;
    unsigned char key[16];
    fs_u64_to_be(case_id, key);
    fs_u64_to_be(id, key + 8);
    json_t *entry = json_pack("{s:I, s:s}", "time", (json_int_t)fs_now_ms(), "kind", kind);
    if (fields)
        json_object_update(entry, fields);
    int rc = store_put_json(st, txn, DB_TIMELINE, key, 16, entry, e);
    if (rc == 0) {
        /* The audit chain records every timeline line, in the same txn. */
        char kbuf[96], abuf[96];
        json_t *subject = audit_subject(case_id, fields);
        snprintf(kbuf, sizeof kbuf, "case.%s", kind);
        rc = audit_append(st, txn, kbuf,
                          actor ? actor : derive_actor(fields, kind, abuf, sizeof abuf), subject,
                          entry, e);
        json_decref(subject);
    }
    json_decref(entry);
    return rc;
}

json_t *cases_timeline(store_t *st, MDB_txn *txn, uint64_t case_id, size_t max)
{
    json_t *out = json_array();
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, store_dbi(st, DB_TIMELINE), &cur) != 0)
        return out;
    unsigned char prefix[8];
    fs_u64_to_be(case_id, prefix);
    MDB_val k = {8, prefix}, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size == 16 && memcmp(k.mv_data, prefix, 8) == 0 &&
           json_array_size(out) < max) {
        json_t *entry = json_loadb(v.mv_data, v.mv_size, 0, NULL);
        if (entry)
            json_array_append_new(out, entry);
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return out;
}

static bool valid_status(const char *s)
{
    static const char *const all[] = {"new",         "analysis", "containment",
                                      "eradication", "recovery", "closed"};
    for (size_t i = 0; s && i < sizeof all / sizeof *all; i++)
        if (strcmp(s, all[i]) == 0)
            return true;
    return false;
}

/* Lifecycle stamps for MTTA/MTTC/MTTR: first time a case is acknowledged
   (leaves "new" or gets an assignee), contained, resolved (closed). */
static void stamp(json_t *c, const char *field)
{
    if (!json_object_get(c, field))
        json_object_set_new(c, field, json_integer(fs_now_ms()));
}

/* Applies one object of fields to the case document c. */
static int apply_fields(json_t *c, const json_t *fields, const char *by, fs_err_t *e)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)fields, k, v)
    {
        const char *sv = json_string_value(v);
        if (strcmp(k, "status") == 0 && valid_status(sv)) {
            json_object_set(c, k, v);
            if (strcmp(sv, "new") != 0)
                stamp(c, "acknowledged");
            if (strcmp(sv, "containment") == 0 || strcmp(sv, "eradication") == 0 ||
                strcmp(sv, "recovery") == 0 || strcmp(sv, "closed") == 0)
                stamp(c, "contained");
            if (strcmp(sv, "closed") == 0)
                stamp(c, "resolved");
        } else if (strcmp(k, "severity_id") == 0 && json_is_integer(v) &&
                   json_integer_value(v) >= 0 && json_integer_value(v) <= 6) {
            json_object_set(c, k, v);
        } else if (strcmp(k, "assignee") == 0 && (json_is_string(v) || json_is_null(v))) {
            json_object_set(c, k, v);
            if (sv)
                stamp(c, "acknowledged");
        } else if (strcmp(k, "note") == 0 && sv && *sv && strlen(sv) <= 8192) {
            json_t *notes = json_object_get(c, "notes");
            if (!notes)
                json_object_set_new(c, "notes", notes = json_array());
            if (json_array_size(notes) < 500)
                json_array_append_new(notes,
                                      json_pack("{s:I, s:s, s:s}", "time", (json_int_t)fs_now_ms(),
                                                "by", by, "text", sv));
        } else {
            return fs_err_set(
                e,
                "case field %s: not settable to that value (status is one of: " CASE_STATUSES
                "; severity_id 0-6; assignee a name; note 1-8192 chars)",
                k);
        }
    }
    return 0;
}

int cases_update_all(store_t *st, MDB_txn *txn, uint64_t case_id, const json_t *list,
                     const char *by, fs_err_t *e)
{
    json_t *c = cases_get(st, txn, case_id);
    if (!c)
        return fs_err_set(e, "case %llu does not exist", (unsigned long long)case_id);
    int rc = 0;
    size_t i;
    json_t *fields;
    json_array_foreach(list, i, fields)
    {
        if ((rc = apply_fields(c, fields, by, e)) != 0)
            break;
    }
    if (rc == 0)
        rc = case_put(st, txn, c, e);
    json_decref(c);
    json_array_foreach(list, i, fields)
    {
        if (rc != 0)
            break;
        json_t *entry = json_pack("{s:O, s:s}", "fields", fields, "by", by);
        rc = cases_timeline_add(st, txn, case_id, "updated", entry, e);
        json_decref(entry);
    }
    return rc;
}

int cases_update(store_t *st, MDB_txn *txn, uint64_t case_id, const json_t *fields, const char *by,
                 fs_err_t *e)
{
    json_t *list = json_pack("[O]", fields);
    int rc = cases_update_all(st, txn, case_id, list, by, e);
    json_decref(list);
    return rc;
}

/* ---- metrics ----------------------------------------------------------------- */

typedef struct {
    json_int_t cases, open, alerts;
    double tta, ttc, ttr;
    json_int_t n_tta, n_ttc, n_ttr;
} tally_t;

static void tally_add(tally_t *t, const json_t *c)
{
    json_int_t created = json_integer_value(json_object_get(c, "created"));
    const json_t *a = json_object_get(c, "acknowledged"), *k = json_object_get(c, "contained"),
                 *r = json_object_get(c, "resolved");
    t->cases++;
    t->alerts += json_integer_value(json_object_get(c, "alert_count"));
    t->open += r == NULL;
    if (a) {
        t->tta += (double)(json_integer_value(a) - created);
        t->n_tta++;
    }
    if (k) {
        t->ttc += (double)(json_integer_value(k) - created);
        t->n_ttc++;
    }
    if (r) {
        t->ttr += (double)(json_integer_value(r) - created);
        t->n_ttr++;
    }
}

static json_t *tally_json(const tally_t *t)
{
    return json_pack(
        "{s:I, s:I, s:I, s:o, s:o, s:o}", "cases", t->cases, "open_cases", t->open, "alerts",
        t->alerts, "mtta_s", t->n_tta ? json_real(t->tta / (double)t->n_tta / 1000.0) : json_null(),
        "mttc_s", t->n_ttc ? json_real(t->ttc / (double)t->n_ttc / 1000.0) : json_null(), "mttr_s",
        t->n_ttr ? json_real(t->ttr / (double)t->n_ttr / 1000.0) : json_null());
}

struct metrics_ctx {
    tally_t all;
    tally_t sites[64];
    char names[64][33];
    size_t nsites;
};

static int metrics_one(void *arg, const MDB_val *key, const MDB_val *val)
{
    (void)key;
    struct metrics_ctx *m = arg;
    json_t *c = json_loadb(val->mv_data, val->mv_size, 0, NULL);
    if (!c)
        return 0;
    tally_add(&m->all, c);
    size_t i;
    json_t *site;
    /* A case that spans sites counts for each of them. */
    json_array_foreach(json_object_get(c, "sites"), i, site)
    {
        const char *name = json_string_value(site);
        size_t j = 0;
        while (j < m->nsites && strcmp(m->names[j], name) != 0)
            j++;
        if (j == m->nsites && m->nsites < 64)
            snprintf(m->names[m->nsites++], sizeof m->names[0], "%s", name);
        if (j < m->nsites)
            tally_add(&m->sites[j], c);
    }
    json_decref(c);
    return 0;
}

json_t *cases_metrics(store_t *st, MDB_txn *txn)
{
    struct metrics_ctx *m = calloc(1, sizeof *m);
    store_foreach(st, txn, DB_CASES, false, metrics_one, m);
    json_t *per = json_object();
    for (size_t i = 0; i < m->nsites; i++)
        json_object_set_new(per, m->names[i], tally_json(&m->sites[i]));
    json_t *out = json_pack("{s:o, s:o}", "overall", tally_json(&m->all), "per_site", per);
    free(m);
    return out;
}
