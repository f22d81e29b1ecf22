/*  cases.c — case documents: read, update (status, severity, assignee,
    notes) and the response-time metrics.  Correlation is correlate.c, the
    timeline timeline.c. */
#include "casestore_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void case_key(uint64_t id, unsigned char key[8])
{
    fs_u64_to_be(id, key);
}

json_t *casestore_case_get(casestore_t *st, casestore_txn_t *txn, uint64_t case_id)
{
    unsigned char key[8];
    case_key(case_id, key);
    return casestore_get_json(st, txn, CASESTORE_DB_CASES, key, 8);
}

int casestore__case_put(casestore_t *st, casestore_txn_t *txn, json_t *c, fs_err_t *e)
{
    unsigned char key[8];
    case_key((uint64_t)json_integer_value(json_object_get(c, "id")), key);
    json_object_set_new(c, "updated", json_integer(fs_now_ms()));
    return casestore_put_json(st, txn, CASESTORE_DB_CASES, key, 8, c, e);
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
            return fs_err_setc(e, CASESTORE_E_INVALID,
                               "case field %s: not settable to that value (status is one "
                               "of: " CASESTORE_CASE_STATUSES
                               "; severity_id 0-6; assignee a name; note 1-8192 chars)",
                               k);
        }
    }
    return 0;
}

int casestore_case_update_all(casestore_t *st, casestore_txn_t *txn, uint64_t case_id,
                              const json_t *list, const char *by, fs_err_t *e)
{
    json_t *c = casestore_case_get(st, txn, case_id);
    if (!c)
        return fs_err_setc(e, CASESTORE_E_NOT_FOUND, "case %llu does not exist",
                           (unsigned long long)case_id);
    int rc = 0;
    size_t i;
    json_t *fields;
    json_array_foreach(list, i, fields)
    {
        if ((rc = apply_fields(c, fields, by, e)) != 0)
            break;
    }
    if (rc == 0)
        rc = casestore__case_put(st, txn, c, e);
    json_decref(c);
    json_array_foreach(list, i, fields)
    {
        if (rc != 0)
            break;
        json_t *entry = json_pack("{s:O, s:s}", "fields", fields, "by", by);
        rc = casestore_timeline_add(st, txn, case_id, "updated", entry, e);
        json_decref(entry);
    }
    return rc;
}

int casestore_case_update(casestore_t *st, casestore_txn_t *txn, uint64_t case_id,
                          const json_t *fields, const char *by, fs_err_t *e)
{
    json_t *list = json_pack("[O]", fields);
    int rc = casestore_case_update_all(st, txn, case_id, list, by, e);
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

static int metrics_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    struct metrics_ctx *m = arg;
    json_t *c = json_loadb(val->data, val->len, 0, NULL);
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

json_t *casestore_case_metrics(casestore_t *st, casestore_txn_t *txn)
{
    struct metrics_ctx *m = fs_xcalloc(1, sizeof *m);
    casestore_foreach(st, txn, CASESTORE_DB_CASES, false, metrics_one, m);
    json_t *per = json_object();
    for (size_t i = 0; i < m->nsites; i++)
        json_object_set_new(per, m->names[i], tally_json(&m->sites[i]));
    json_t *out = json_pack("{s:o, s:o}", "overall", tally_json(&m->all), "per_site", per);
    free(m);
    return out;
}
