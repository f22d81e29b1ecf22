/*  cases.c — case documents: read, write, update (status, severity,
    assignee, notes).  Correlation is correlate.c, the timeline timeline.c,
    the metrics and counts case_aggregates.c, lists case_list.c. */
#include "casestore_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void case_key(uint64_t id, unsigned char key[8])
{
    fs_u64_to_be(id, key);
}

/* ---- the parsed-case cache ----------------------------------------------
   One alert reads its case four times (correlation, attach, the run's
   advance, a playbook's case update) and a response once more; with 1,000
   alerts listed a case record is tens of KB, and parsing it was 44 % of the
   broker's time in a burst (bench/README.md, issue 19). row_cache.c keeps,
   for a few cases, the document with the bytes it stands for. */
CASESTORE__ROW_CACHE(case_cache, 8);

/* ---- pending cases (casestore_internal.h, "case rows written at commit") - */

static casestore__pending_case_t *pending_case(casestore_t *st, casestore_txn_t *txn,
                                               uint64_t case_id)
{
    casestore__pending_cases_t *p = casestore__pending_cases(st, txn);
    for (size_t i = 0; p && i < p->n; i++)
        if (p->v[i].id == case_id)
            return &p->v[i];
    return NULL;
}

/* Takes the caller's reference to doc as the pending document of its case. */
static void pending_keep(casestore__pending_cases_t *p, uint64_t case_id, json_t *doc)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].id == case_id) {
            json_decref(p->v[i].doc);
            p->v[i].doc = doc;
            return;
        }
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 8;
        p->v = fs_xrealloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n++] = (casestore__pending_case_t){case_id, doc};
}

/* Removes entry i (its document is the caller's now). */
static json_t *pending_remove(casestore__pending_cases_t *p, size_t i)
{
    json_t *doc = p->v[i].doc;
    p->v[i] = p->v[--p->n];
    return doc;
}

void casestore__cases_drop(casestore__pending_cases_t *p)
{
    while (p->n)
        json_decref(pending_remove(p, p->n - 1));
}

/* The stored row of case `case_id`; false when there is none. */
static bool case_row(casestore_t *st, casestore_txn_t *txn, uint64_t case_id, casestore_val_t *row)
{
    unsigned char key[8];
    case_key(case_id, key);
    *row = (casestore_val_t){NULL, 0};
    return casestore_get(st, txn, CASESTORE_DB_CASES, key, 8, row, NULL) == 0;
}

json_t *casestore_case_view(casestore_t *st, casestore_txn_t *txn, uint64_t case_id)
{
    casestore__pending_case_t *pending = pending_case(st, txn, case_id);
    if (pending)
        return json_incref(pending->doc);
    casestore_val_t row;
    if (!case_row(st, txn, case_id, &row))
        return NULL;
    bool taken;
    json_t *doc = casestore__row_cache_find(&case_cache, case_id, &row, false, &taken);
    if (doc)
        return doc;
    /* The same call casestore_get_json makes: a row it refuses is no case. */
    if (!(doc = json_loadb(row.data, row.len, 0, NULL)))
        return NULL;
    casestore__row_cache_keep(&case_cache, case_id, row.data, row.len, doc);
    return doc;
}

json_t *casestore_case_get(casestore_t *st, casestore_txn_t *txn, uint64_t case_id)
{
    /* A copy: a caller may change it and give up (a refused update), and
       the pending document must stay what the transaction wrote. */
    casestore__pending_case_t *pending = pending_case(st, txn, case_id);
    if (pending)
        return json_deep_copy(pending->doc);
    casestore_val_t row;
    if (!case_row(st, txn, case_id, &row))
        return NULL;
    bool taken;
    json_t *doc = casestore__row_cache_find(&case_cache, case_id, &row, true, &taken);
    if (!doc) /* not cached: parsed for this caller alone */
        return json_loadb(row.data, row.len, 0, NULL);
    if (taken)
        return doc;
    json_t *own = json_deep_copy(doc); /* a run's context still reads the shared one */
    json_decref(doc);
    return own;
}

int casestore__case_put(casestore_t *st, casestore_txn_t *txn, json_t *c,
                        const casestore__case_agg_t *before, fs_err_t *e)
{
    unsigned char key[8];
    case_key((uint64_t)json_integer_value(json_object_get(c, "id")), key);
    json_object_set_new(c, "updated", json_integer(fs_now_ms()));
    if (casestore_put_json(st, txn, CASESTORE_DB_CASES, key, 8, c, e) != 0)
        return -1;
    casestore__case_agg_t after;
    casestore__case_agg_of(c, &after);
    return casestore__aggregates_apply(st, txn, before, &after, e);
}

json_t *casestore__case_take(casestore_t *st, casestore_txn_t *txn, uint64_t case_id)
{
    casestore__pending_cases_t *p = casestore__pending_cases(st, txn);
    casestore__pending_case_t *pending = pending_case(st, txn, case_id);
    if (pending && pending->doc->refcount == 1) /* nobody else reads it */
        return pending_remove(p, (size_t)(pending - p->v));
    return casestore_case_get(st, txn, case_id);
}

/* Hands *c_p (the caller's reference) to the cache as the document of the
   case's current row, read from the transaction's own pages; *c_p becomes
   NULL, so nobody changes it afterwards. A pending case's row is not
   written yet: its document is the pending one, *c_p is only dropped. */
static void cache_keep_current(casestore_t *st, casestore_txn_t *txn, uint64_t case_id,
                               json_t **c_p)
{
    casestore_val_t row;
    if (!pending_case(st, txn, case_id) && case_row(st, txn, case_id, &row))
        casestore__row_cache_keep(&case_cache, case_id, row.data, row.len, *c_p);
    json_decref(*c_p);
    *c_p = NULL;
}

int casestore__case_put_release(casestore_t *st, casestore_txn_t *txn, json_t **c_p,
                                const casestore__case_agg_t *before, fs_err_t *e)
{
    uint64_t case_id = (uint64_t)json_integer_value(json_object_get(*c_p, "id"));
    casestore__pending_cases_t *p = casestore__pending_cases(st, txn);
    if (!p) { /* not the write transaction: LMDB refuses the write */
        int rc = casestore__case_put(st, txn, *c_p, before, e);
        json_decref(*c_p);
        *c_p = NULL;
        return rc;
    }
    json_object_set_new(*c_p, "updated", json_integer(fs_now_ms()));
    casestore__case_agg_t after;
    casestore__case_agg_of(*c_p, &after);
    int rc = casestore__aggregates_apply(st, txn, before, &after, e);
    if (rc == 0)
        pending_keep(p, case_id, *c_p);
    else
        json_decref(*c_p);
    *c_p = NULL;
    return rc;
}

int casestore__cases_flush(casestore_t *st, casestore_txn_t *txn, const uint64_t *only, fs_err_t *e)
{
    casestore__pending_cases_t *p = casestore__pending_cases(st, txn);
    int rc = 0;
    for (size_t i = 0; p && i < p->n;) {
        if (only && p->v[i].id != *only) {
            i++;
            continue;
        }
        uint64_t case_id = p->v[i].id;
        /* Out of the list before its row is written: that write's own
           check (store.c) finds nothing pending. */
        json_t *doc = pending_remove(p, i);
        unsigned char key[8];
        case_key(case_id, key);
        if (rc == 0 && (rc = casestore_put_json(st, txn, CASESTORE_DB_CASES, key, 8, doc, e)) == 0)
            cache_keep_current(st, txn, case_id, &doc); /* the next read finds this document */
        json_decref(doc);
    }
    return rc;
}

static bool valid_status(const char *s)
{
    return casestore_case_status_index(s) >= 0;
}

/* Lifecycle stamps for MTTA/MTTC/MTTR: first time a case is acknowledged
   (leaves "new" or gets an assignee), contained, resolved (closed). A case
   set back from closed is not resolved any more: its stamp goes, and the
   next close stamps it again, so MTTR counts the final resolution and
   open_cases counts the reopened case (the aggregates follow the document). */
static bool stamp(json_t *c, const char *field)
{
    if (json_object_get(c, field))
        return false;
    json_object_set_new(c, field, json_integer(fs_now_ms()));
    return true;
}

/* Sets c[k] = v; whether that changed c. */
static bool set_field(json_t *c, const char *k, json_t *v)
{
    const json_t *had = json_object_get(c, k);
    if (had && json_equal((json_t *)had, v))
        return false;
    json_object_set(c, k, v);
    return true;
}

/* Whether case field k may be set to v. */
static bool field_ok(const char *k, const json_t *v)
{
    const char *sv = json_string_value(v);
    if (strcmp(k, "status") == 0)
        return valid_status(sv);
    if (strcmp(k, "severity_id") == 0)
        return json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 6;
    if (strcmp(k, "assignee") == 0)
        return json_is_string(v) || json_is_null(v);
    if (strcmp(k, "note") == 0)
        return sv && *sv && strlen(sv) <= CASESTORE_NOTE_MAX;
    return false;
}

/* Every field of every object of list may be set (0), or e says which not. */
static int check_fields(const json_t *list, fs_err_t *e)
{
    size_t i;
    const json_t *fields;
    json_array_foreach(list, i, fields)
    {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)fields, k, v)
        {
            if (!field_ok(k, v))
                return fs_err_setc(e, CASESTORE_E_INVALID,
                                   "case field %s: not settable to that value (status is one "
                                   "of: " CASESTORE_CASE_STATUSES
                                   "; severity_id 0-6; assignee a name; note 1-10000 chars)",
                                   k);
        }
    }
    return 0;
}

/* Applies one object of fields, checked by check_fields, to the case
   document c; *changed becomes true when the document now differs (a `set`
   step often asks for the status or severity a case already has). */
static void apply_fields(json_t *c, const json_t *fields, const char *by, bool *changed)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)fields, k, v)
    {
        const char *sv = json_string_value(v);
        if (strcmp(k, "status") == 0) {
            *changed |= set_field(c, k, v);
            if (strcmp(sv, "closed") != 0)
                *changed |= json_object_del(c, "resolved") == 0;
            if (strcmp(sv, "new") != 0)
                *changed |= stamp(c, "acknowledged");
            if (strcmp(sv, "containment") == 0 || strcmp(sv, "eradication") == 0 ||
                strcmp(sv, "recovery") == 0 || strcmp(sv, "closed") == 0)
                *changed |= stamp(c, "contained");
            if (strcmp(sv, "closed") == 0)
                *changed |= stamp(c, "resolved");
        } else if (strcmp(k, "severity_id") == 0) {
            *changed |= set_field(c, k, v);
        } else if (strcmp(k, "assignee") == 0) {
            *changed |= set_field(c, k, v);
            if (sv)
                *changed |= stamp(c, "acknowledged");
        } else { /* note */
            json_t *notes = json_object_get(c, "notes");
            if (!notes)
                json_object_set_new(c, "notes", notes = json_array());
            if (json_array_size(notes) < 500) {
                json_array_append_new(notes,
                                      json_pack("{s:I, s:s, s:s}", "time", (json_int_t)fs_now_ms(),
                                                "by", by, "text", sv));
                *changed = true;
            }
        }
    }
}

int casestore_case_update_all(casestore_t *st, casestore_txn_t *txn, uint64_t case_id,
                              const json_t *list, const char *by, fs_err_t *e)
{
    /* Checked before the case is taken: a refused update changes nothing. */
    if (check_fields(list, e) != 0)
        return -1;
    casestore__pending_cases_t *p = casestore__pending_cases(st, txn);
    bool was_pending = pending_case(st, txn, case_id) != NULL;
    json_t *c = casestore__case_take(st, txn, case_id);
    if (!c)
        return fs_err_setc(e, CASESTORE_E_NOT_FOUND, "case %llu does not exist",
                           (unsigned long long)case_id);
    casestore__case_agg_t before;
    casestore__case_agg_of(c, &before);
    int rc = 0;
    bool changed = false;
    size_t i;
    json_t *fields;
    json_array_foreach(list, i, fields) apply_fields(c, fields, by, &changed);
    /* A case the update left as it was is not written again, so `updated`
       is the time of the last real change (issue 19: the second write of a
       case per alert); the update's timeline line and audit entry are still
       written. */
    if (changed)
        rc = casestore__case_put_release(st, txn, &c, &before, e);
    else if (was_pending)
        pending_keep(p, case_id, c); /* given back as it was taken */
    else
        cache_keep_current(st, txn, case_id, &c);
    c = NULL;
    json_array_foreach(list, i, fields)
    {
        if (rc != 0)
            break;
        /* {"fields", "by"} without json_pack's format parsing, once per
           `set` step; no `by` (or one that is not UTF-8) gives no fields,
           as json_pack's NULL did. */
        json_t *by_v = by ? json_string(by) : NULL, *entry = NULL;
        if (by_v) {
            entry = json_object();
            json_object_set(entry, "fields", fields);
            json_object_set_new(entry, "by", by_v);
        }
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
