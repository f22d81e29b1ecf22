/*  case_list.c — pages of case summaries, newest first, with filters and an
    opaque cursor (the last case id examined, base 10).  Unfiltered pages
    read `limit` rows from the end of the cases table; filtered pages scan
    down from the cursor and stop after CASESTORE_CASE_LIST_SCAN cases
    (next_cursor continues).  With an observable, only the cases in the
    "o" index rows of CASESTORE_DB_AGGREGATES for that value are read. */
#include "casestore_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OBS_KEY_VALUE_MAX 400 /* LMDB keys are at most 511 bytes */
#define DEFAULT_LIMIT 50

/* "o" + the value case-folded (cut at OBS_KEY_VALUE_MAX bytes) + "\0". */
static size_t obs_prefix(const char *value, unsigned char *key)
{
    size_t n = strlen(value);
    if (n > OBS_KEY_VALUE_MAX)
        n = OBS_KEY_VALUE_MAX;
    key[0] = 'o';
    for (size_t i = 0; i < n; i++)
        key[1 + i] = (unsigned char)tolower((unsigned char)value[i]);
    key[1 + n] = '\0';
    return n + 2;
}

int casestore__case_obs_index(casestore_t *st, casestore_txn_t *txn, const char *value,
                              uint64_t case_id, fs_err_t *e)
{
    unsigned char key[OBS_KEY_VALUE_MAX + 10];
    size_t n = obs_prefix(value, key);
    if (n == 2)
        return 0; /* an empty value is never looked for */
    fs_u64_to_be(case_id, key + n);
    return casestore_put(st, txn, CASESTORE_DB_AGGREGATES, key, n + 8, "", 0, e);
}

/* ---- matching ------------------------------------------------------------------ */

static bool contains_folded(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (!hay)
        return false;
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

static bool has_string(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_is_string(v) &&
                                      strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

static bool has_observable(const json_t *c, const char *value)
{
    size_t i;
    json_t *obs;
    json_array_foreach(json_object_get(c, "observables"), i, obs)
    {
        const char *v = json_string_value(json_object_get(obs, "value"));
        if (v && strcasecmp(v, value) == 0)
            return true;
    }
    return false;
}

static bool matches(const casestore_case_filter_t *f, const json_t *c)
{
    const json_t *sites = json_object_get(c, "sites");
    const char *assignee = json_string_value(json_object_get(c, "assignee"));
    const char *status = json_string_value(json_object_get(c, "status"));
    return (!f->status || (status && strcmp(f->status, status) == 0)) &&
           json_integer_value(json_object_get(c, "severity_id")) >= f->min_severity &&
           (!f->site || has_string(sites, f->site)) &&
           (!f->visible_site || has_string(sites, f->visible_site)) &&
           (!f->assignee || (assignee && strcmp(assignee, f->assignee) == 0)) &&
           (!f->text || contains_folded(json_string_value(json_object_get(c, "title")), f->text)) &&
           (!f->observable || has_observable(c, f->observable));
}

static json_t *summary(const json_t *c)
{
    return json_pack(
        "{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(c, "id"), "title",
        json_object_get(c, "title"), "status", json_object_get(c, "status"), "severity_id",
        json_object_get(c, "severity_id"), "sites", json_object_get(c, "sites"), "alert_count",
        json_object_get(c, "alert_count"), "assignee", json_object_get(c, "assignee"), "created",
        json_object_get(c, "created"), "updated", json_object_get(c, "updated"));
}

/* ---- the page ------------------------------------------------------------------- */

struct page {
    casestore_t *st;
    casestore_txn_t *txn;
    const casestore_case_filter_t *f;
    json_t *items;
    size_t limit, max_examined, examined;
    uint64_t last_examined;
    bool more;                   /* stopped before the end */
    const unsigned char *prefix; /* the "o" index: stop outside this prefix */
    size_t prefix_len;
};

/* One case (document c, borrowed) examined. 0 go on, 1 the page is done. */
static int page_take(struct page *p, uint64_t id, const json_t *c)
{
    if (json_array_size(p->items) >= p->limit || p->examined >= p->max_examined) {
        p->more = true;
        return 1;
    }
    p->examined++;
    p->last_examined = id;
    if (c && matches(p->f, c))
        json_array_append_new(p->items, summary(c));
    return 0;
}

static int case_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    struct page *p = arg;
    if (key->len != 8)
        return 0;
    uint64_t id = fs_u64_from_be(key->data);
    if (json_array_size(p->items) >= p->limit || p->examined >= p->max_examined) {
        p->more = true;
        return 1;
    }
    json_t *c = json_loadb(val->data, val->len, 0, NULL);
    int rc = page_take(p, id, c);
    json_decref(c);
    return rc;
}

static int obs_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)val;
    struct page *p = arg;
    if (key->len != p->prefix_len + 8 || memcmp(key->data, p->prefix, p->prefix_len) != 0)
        return 1;
    uint64_t id = fs_u64_from_be((const unsigned char *)key->data + p->prefix_len);
    if (json_array_size(p->items) >= p->limit || p->examined >= p->max_examined) {
        p->more = true;
        return 1;
    }
    json_t *c = casestore_case_get(p->st, p->txn, id);
    int rc = page_take(p, id, c);
    json_decref(c);
    return rc;
}

json_t *casestore_case_list(casestore_t *st, casestore_txn_t *txn, const casestore_case_filter_t *f)
{
    struct page p = {.st = st,
                     .txn = txn,
                     .f = f,
                     .items = json_array(),
                     .limit = f->limit ? f->limit : DEFAULT_LIMIT,
                     .max_examined = f->max_examined ? f->max_examined : CASESTORE_CASE_LIST_SCAN};
    if (p.limit > CASESTORE_CASE_LIST_MAX)
        p.limit = CASESTORE_CASE_LIST_MAX;
    if (f->before_id != 1) { /* below id 1 there is nothing */
        if (f->observable && *f->observable) {
            unsigned char key[OBS_KEY_VALUE_MAX + 10];
            size_t n = obs_prefix(f->observable, key);
            fs_u64_to_be(f->before_id ? f->before_id - 1 : UINT64_MAX, key + n);
            p.prefix = key;
            p.prefix_len = n;
            casestore_foreach_at(st, txn, CASESTORE_DB_AGGREGATES, key, n + 8, true, obs_one, &p);
        } else {
            unsigned char key[8];
            fs_u64_to_be(f->before_id ? f->before_id - 1 : UINT64_MAX, key);
            casestore_foreach_at(st, txn, CASESTORE_DB_CASES, key, 8, true, case_one, &p);
        }
    }
    json_t *cursor = json_null();
    if (p.more && p.last_examined > 1) {
        char buf[24];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)p.last_examined);
        cursor = json_string(buf);
    }
    return json_pack("{s:o, s:o, s:I}", "items", p.items, "next_cursor", cursor, "examined",
                     (json_int_t)p.examined);
}
