/*  case_aggregates.c — the response metrics and the counts by status, kept
    up to date in the same transaction as every case change, so that
    reading them never scans the cases (docs/internals/casestore.md
    "Aggregates").

    Rows of CASESTORE_DB_AGGREGATES:
      "t" SITE            -> totals of the cases that involve SITE ("" : all)
      "d" DAY(BE32) SITE  -> the same for the cases created on that UTC day
      "o" VALUE\0 ID(BE)  -> "" : case ID lists observable VALUE (case_list.c)
    A "t"/"d" value is AGG_FIELDS big-endian int64: see enum below.  A
    change of a case subtracts what the case contributed before and adds
    what it contributes after; rows are read and written once per change. */
#include "casestore_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL
#define SERIES_DAYS_MAX 366

const char *const casestore__statuses[] = {"new",         "analysis", "containment",
                                           "eradication", "recovery", "closed"};

int casestore_case_status_index(const char *status)
{
    for (int i = 0; status && i < CASESTORE__NSTATUS; i++)
        if (strcmp(status, casestore__statuses[i]) == 0)
            return i;
    return -1;
}

enum {
    F_CASES,
    F_OPEN,
    F_ALERTS,
    F_N_TTA,
    F_S_TTA, /* milliseconds */
    F_N_TTC,
    F_S_TTC,
    F_N_TTR,
    F_S_TTR,
    F_STATUS, /* CASESTORE__NSTATUS counts follow */
    AGG_FIELDS = F_STATUS + CASESTORE__NSTATUS
};

typedef struct {
    int64_t v[AGG_FIELDS];
} agg_t;

/* ---- what one case contributes ------------------------------------------------ */

void casestore__case_agg_of(const json_t *c, casestore__case_agg_t *a)
{
    memset(a, 0, sizeof *a);
    a->status = -1;
    if (!c)
        return;
    a->present = true;
    a->status = casestore_case_status_index(json_string_value(json_object_get(c, "status")));
    a->created = json_integer_value(json_object_get(c, "created"));
    a->alerts = json_integer_value(json_object_get(c, "alert_count"));
    a->acknowledged = json_integer_value(json_object_get(c, "acknowledged"));
    a->contained = json_integer_value(json_object_get(c, "contained"));
    a->resolved = json_integer_value(json_object_get(c, "resolved"));
    size_t i;
    json_t *site;
    json_array_foreach(json_object_get(c, "sites"), i, site)
    {
        const char *name = json_string_value(site);
        if (name && strlen(name) < sizeof a->sites[0] && a->nsites < CASESTORE__CASE_SITES)
            snprintf(a->sites[a->nsites++], sizeof a->sites[0], "%s", name);
    }
}

static void agg_of_case(const casestore__case_agg_t *a, int64_t sign, agg_t *out)
{
    memset(out, 0, sizeof *out);
    out->v[F_CASES] = sign;
    out->v[F_OPEN] = a->resolved ? 0 : sign;
    out->v[F_ALERTS] = sign * a->alerts;
    if (a->acknowledged) {
        out->v[F_N_TTA] = sign;
        out->v[F_S_TTA] = sign * (a->acknowledged - a->created);
    }
    if (a->contained) {
        out->v[F_N_TTC] = sign;
        out->v[F_S_TTC] = sign * (a->contained - a->created);
    }
    if (a->resolved) {
        out->v[F_N_TTR] = sign;
        out->v[F_S_TTR] = sign * (a->resolved - a->created);
    }
    if (a->status >= 0)
        out->v[F_STATUS + a->status] = sign;
}

/* ---- rows ------------------------------------------------------------------------ */

typedef struct {
    unsigned char key[80];
    size_t klen;
    agg_t delta;
} row_delta_t;

#define MAX_ROWS (2 * 2 * (CASESTORE__CASE_SITES + 1))

static size_t total_key(const char *site, unsigned char *key)
{
    size_t n = strlen(site);
    key[0] = 't';
    memcpy(key + 1, site, n);
    return 1 + n;
}

static size_t day_key(int64_t day, const char *site, unsigned char *key)
{
    size_t n = strlen(site);
    key[0] = 'd';
    key[1] = (unsigned char)(day >> 24), key[2] = (unsigned char)(day >> 16);
    key[3] = (unsigned char)(day >> 8), key[4] = (unsigned char)day;
    memcpy(key + 5, site, n);
    return 5 + n;
}

static int64_t day_of_key(const unsigned char *key)
{
    return ((int64_t)key[1] << 24) | ((int64_t)key[2] << 16) | ((int64_t)key[3] << 8) | key[4];
}

static void add_row(row_delta_t *rows, size_t *n, const unsigned char *key, size_t klen,
                    const agg_t *d)
{
    size_t i = 0;
    while (i < *n && !(rows[i].klen == klen && memcmp(rows[i].key, key, klen) == 0))
        i++;
    if (i == *n) {
        if (*n == MAX_ROWS)
            return; /* cannot happen: at most 2 x (sites + 1) x 2 keys */
        memcpy(rows[i].key, key, klen);
        rows[i].klen = klen;
        memset(&rows[i].delta, 0, sizeof rows[i].delta);
        (*n)++;
    }
    for (int f = 0; f < AGG_FIELDS; f++)
        rows[i].delta.v[f] += d->v[f];
}

static void add_case_rows(row_delta_t *rows, size_t *n, const casestore__case_agg_t *a,
                          int64_t sign)
{
    if (!a || !a->present)
        return;
    agg_t d;
    agg_of_case(a, sign, &d);
    unsigned char key[80];
    int64_t day = a->created / DAY_MS;
    /* The overall rows ("" site), then each site's: its total and its day. */
    for (size_t i = 0; i <= a->nsites; i++) {
        const char *site = i == 0 ? "" : a->sites[i - 1];
        size_t klen = total_key(site, key);
        add_row(rows, n, key, klen, &d);
        klen = day_key(day, site, key);
        add_row(rows, n, key, klen, &d);
    }
}

static void agg_decode(const casestore_val_t *v, agg_t *out)
{
    memset(out, 0, sizeof *out);
    for (size_t f = 0; f < AGG_FIELDS && (f + 1) * 8 <= v->len; f++)
        out->v[f] = (int64_t)fs_u64_from_be((const unsigned char *)v->data + f * 8);
}

static int agg_read(casestore_t *st, casestore_txn_t *txn, const void *key, size_t klen, agg_t *out)
{
    casestore_val_t v = {NULL, 0};
    int rc = casestore_get(st, txn, CASESTORE_DB_AGGREGATES, key, klen, &v, NULL);
    agg_decode(&v, out); /* absent: zeros */
    return rc < 0 ? -1 : 0;
}

int casestore__aggregates_apply(casestore_t *st, casestore_txn_t *txn,
                                const casestore__case_agg_t *before,
                                const casestore__case_agg_t *after, fs_err_t *e)
{
    row_delta_t rows[MAX_ROWS];
    size_t n = 0;
    add_case_rows(rows, &n, before, -1);
    add_case_rows(rows, &n, after, +1);
    for (size_t i = 0; i < n; i++) {
        bool zero = true;
        for (int f = 0; f < AGG_FIELDS; f++)
            zero = zero && rows[i].delta.v[f] == 0;
        if (zero)
            continue;
        agg_t cur;
        if (agg_read(st, txn, rows[i].key, rows[i].klen, &cur) != 0)
            return fs_err_setc(e, CASESTORE_E_STORAGE, "store: cannot read the case aggregates");
        unsigned char val[AGG_FIELDS * 8];
        for (int f = 0; f < AGG_FIELDS; f++)
            fs_u64_to_be((uint64_t)(cur.v[f] + rows[i].delta.v[f]), val + f * 8);
        if (casestore_put(st, txn, CASESTORE_DB_AGGREGATES, rows[i].key, rows[i].klen, val,
                          sizeof val, e) != 0)
            return -1;
    }
    return 0;
}

/* ---- build for a store an older broker made ------------------------------------- */

struct build {
    casestore_t *st;
    casestore_txn_t *txn;
    fs_err_t *e;
    size_t cases;
};

static int build_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    struct build *b = arg;
    json_t *c = json_loadb(val->data, val->len, 0, NULL);
    if (!c)
        return 0;
    casestore__case_agg_t a;
    casestore__case_agg_of(c, &a);
    int rc = casestore__aggregates_apply(b->st, b->txn, NULL, &a, b->e);
    uint64_t id = (uint64_t)json_integer_value(json_object_get(c, "id"));
    size_t i;
    json_t *obs;
    json_array_foreach(json_object_get(c, "observables"), i, obs)
    {
        const char *value = json_string_value(json_object_get(obs, "value"));
        if (rc == 0 && value)
            rc = casestore__case_obs_index(b->st, b->txn, value, id, b->e);
    }
    json_decref(c);
    b->cases++;
    return rc != 0;
}

int casestore__aggregates_build_if_missing(casestore_t *st, fs_err_t *e)
{
    casestore_txn_t *txn = NULL;
    if (casestore_begin(st, true, &txn, e) != 0)
        return -1;
    casestore_val_t k, v;
    int rc = 0;
    if (casestore_first(st, txn, CASESTORE_DB_AGGREGATES, &k, &v) == 1 &&
        casestore_first(st, txn, CASESTORE_DB_CASES, &k, &v) == 0) {
        int64_t t0 = fs_now_ms();
        struct build b = {st, txn, e, 0};
        fs_err_t local = {0};
        if (!e)
            b.e = &local;
        rc = casestore_foreach(st, txn, CASESTORE_DB_CASES, false, build_one, &b);
        if (rc == 0 && b.e->text[0])
            rc = -1;
        if (rc == 0)
            rc = casestore_commit(&txn, e);
        fs_log(rc == 0 ? FS_LOG_INFO : FS_LOG_ERROR, "casestore", "aggregates_built",
               "cases=%zu ms=%lld ok=%s", b.cases, (long long)(fs_now_ms() - t0),
               rc == 0 ? "true" : "false");
    }
    casestore_abort(&txn);
    return rc;
}

/* ---- reading ---------------------------------------------------------------------- */

static json_t *real_or_null(int64_t sum, int64_t n)
{
    return n > 0 ? json_real((double)sum / (double)n / 1000.0) : json_null();
}

static json_t *by_status_json(const agg_t *a)
{
    json_t *o = json_object();
    for (int i = 0; i < CASESTORE__NSTATUS; i++)
        json_object_set_new(o, casestore__statuses[i], json_integer(a->v[F_STATUS + i]));
    return o;
}

static json_t *tally_json(const agg_t *a)
{
    return json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "cases", (json_int_t)a->v[F_CASES],
                     "open_cases", (json_int_t)a->v[F_OPEN], "alerts", (json_int_t)a->v[F_ALERTS],
                     "mtta_s", real_or_null(a->v[F_S_TTA], a->v[F_N_TTA]), "mttc_s",
                     real_or_null(a->v[F_S_TTC], a->v[F_N_TTC]), "mttr_s",
                     real_or_null(a->v[F_S_TTR], a->v[F_N_TTR]), "by_status", by_status_json(a));
}

json_t *casestore_case_status_counts(casestore_t *st, casestore_txn_t *txn, const char *site)
{
    unsigned char key[80];
    agg_t a;
    memset(&a, 0, sizeof a);
    if (!site || strlen(site) < 64)
        agg_read(st, txn, key, total_key(site ? site : "", key), &a);
    return by_status_json(&a);
}

/* Sums per name, in a small table (sites are few). */
typedef struct {
    char name[64];
    agg_t a;
} named_t;

typedef struct {
    named_t *rows;
    size_t n, cap;
} named_list_t;

static agg_t *named_get(named_list_t *l, const char *name, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->rows[i].name) == len && memcmp(l->rows[i].name, name, len) == 0)
            return &l->rows[i].a;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->rows = fs_xrealloc(l->rows, l->cap * sizeof *l->rows);
    }
    named_t *r = &l->rows[l->n++];
    memset(r, 0, sizeof *r);
    memcpy(r->name, name, len < sizeof r->name ? len : sizeof r->name - 1);
    return &r->a;
}

static void agg_add(agg_t *to, const agg_t *from)
{
    for (int f = 0; f < AGG_FIELDS; f++)
        to->v[f] += from->v[f];
}

static json_t *per_site_json(const named_list_t *l)
{
    json_t *o = json_object();
    for (size_t i = 0; i < l->n; i++)
        if (l->rows[i].name[0])
            json_object_set_new(o, l->rows[i].name, tally_json(&l->rows[i].a));
    return o;
}

struct totals {
    named_list_t sites;
};

static int total_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    struct totals *t = arg;
    const unsigned char *k = key->data;
    if (key->len < 1 || k[0] != 't')
        return 1;
    agg_t a;
    agg_decode(val, &a);
    agg_add(named_get(&t->sites, (const char *)k + 1, key->len - 1), &a);
    return 0;
}

struct days {
    int64_t first_day, series_from;
    named_list_t sites; /* over the window; "" = overall */
    json_t *series;     /* [{"day", "overall", "per_site"}] */
    int64_t day;        /* the day being gathered */
    named_list_t today; /* its sites */
};

static void flush_day(struct days *d)
{
    if (d->today.n == 0)
        return;
    if (d->day >= d->series_from) {
        char date[32] = "";
        fs_time_format(d->day * DAY_MS, date, sizeof date);
        date[10] = '\0'; /* YYYY-MM-DD */
        agg_t *all = named_get(&d->today, "", 0);
        json_array_append_new(d->series,
                              json_pack("{s:s, s:o, s:o}", "day", date, "overall", tally_json(all),
                                        "per_site", per_site_json(&d->today)));
    }
    d->today.n = 0;
}

static int day_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    struct days *d = arg;
    const unsigned char *k = key->data;
    if (key->len < 5 || k[0] != 'd')
        return 1;
    int64_t day = day_of_key(k);
    if (day != d->day) {
        flush_day(d);
        d->day = day;
    }
    agg_t a;
    agg_decode(val, &a);
    const char *site = (const char *)k + 5;
    agg_add(named_get(&d->sites, site, key->len - 5), &a);
    agg_add(named_get(&d->today, site, key->len - 5), &a);
    return 0;
}

json_t *casestore_case_metrics(casestore_t *st, casestore_txn_t *txn, int window_days)
{
    int64_t today = fs_now_ms() / DAY_MS;
    struct days d = {.first_day = window_days > 0 ? today - window_days + 1 : 0,
                     .series = json_array(),
                     .day = -1};
    d.series_from = today - SERIES_DAYS_MAX + 1;
    if (d.first_day > d.series_from)
        d.series_from = d.first_day;
    unsigned char from[5];
    day_key(window_days > 0 ? d.first_day : d.series_from, "", from);
    casestore_foreach_at(st, txn, CASESTORE_DB_AGGREGATES, from, 5, false, day_one, &d);
    flush_day(&d);
    json_t *overall, *per_site;
    if (window_days > 0) {
        overall = tally_json(named_get(&d.sites, "", 0));
        per_site = per_site_json(&d.sites);
    } else {
        /* All time: the totals rows, the same sums without adding days up. */
        struct totals t = {{0}};
        casestore_foreach_at(st, txn, CASESTORE_DB_AGGREGATES, "t", 1, false, total_one, &t);
        overall = tally_json(named_get(&t.sites, "", 0));
        per_site = per_site_json(&t.sites);
        free(t.sites.rows);
    }
    free(d.sites.rows);
    free(d.today.rows);
    return json_pack("{s:i, s:o, s:o, s:o}", "window_days", window_days, "overall", overall,
                     "per_site", per_site, "series", d.series);
}

/* ---- by site, per day or week: MTTR parity ------------------------------------------ */

enum { M_TTA, M_TTC, M_TTR, NMETRICS };
static const char *const metric_names[NMETRICS] = {"mtta", "mttc", "mttr"};

/* Mean in ms, or -1 when no case reached the stamp. */
static double mean_ms(const agg_t *a, int m)
{
    int64_t n = a->v[F_N_TTA + 2 * m], s = a->v[F_S_TTA + 2 * m];
    return n > 0 ? (double)s / (double)n : -1;
}

static json_t *mean_json(const agg_t *a, int m)
{
    double v = mean_ms(a, m);
    return v < 0 ? json_null() : json_real(v / 1000.0);
}

/* One site's sums: over the window, per bucket, per half of the window. */
typedef struct {
    char name[64];
    agg_t window, half[2];
    agg_t *buckets;
} site_series_t;

struct by_site {
    int64_t first_day, last_day, split_day; /* split: first day of the second half */
    int bucket_days, nbuckets;
    site_series_t *sites;
    size_t n, cap;
};

/* Weeks start on Monday (ISO 8601); day 0, 1970-01-01, was a Thursday. */
static int64_t bucket_start(int64_t day, int bucket_days)
{
    return bucket_days == 7 ? day - (day + 3) % 7 : day;
}

static int bucket_index(const struct by_site *s, int64_t day)
{
    return (int)((bucket_start(day, s->bucket_days) - bucket_start(s->first_day, s->bucket_days)) /
                 s->bucket_days);
}

static site_series_t *by_site_get(struct by_site *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->sites[i].name) == len && memcmp(s->sites[i].name, name, len) == 0)
            return &s->sites[i];
    if (len >= sizeof s->sites[0].name)
        return NULL;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->sites = fs_xrealloc(s->sites, s->cap * sizeof *s->sites);
    }
    site_series_t *r = &s->sites[s->n++];
    memset(r, 0, sizeof *r);
    memcpy(r->name, name, len);
    r->buckets = fs_xcalloc((size_t)s->nbuckets, sizeof *r->buckets);
    return r;
}

static int by_site_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    struct by_site *s = arg;
    const unsigned char *k = key->data;
    if (key->len < 5 || k[0] != 'd')
        return 1;
    int64_t day = day_of_key(k);
    if (day > s->last_day)
        return 1;
    site_series_t *r = by_site_get(s, (const char *)k + 5, key->len - 5);
    if (!r)
        return 0;
    agg_t a;
    agg_decode(val, &a);
    agg_add(&r->window, &a);
    agg_add(&r->half[day >= s->split_day], &a);
    agg_add(&r->buckets[bucket_index(s, day)], &a);
    return 0;
}

static json_t *date_json(int64_t day)
{
    char date[32] = "";
    fs_time_format(day * DAY_MS, date, sizeof date);
    date[10] = '\0'; /* YYYY-MM-DD */
    return json_string(date);
}

static json_t *counts_json(const agg_t *a)
{
    json_t *o =
        json_pack("{s:I, s:I, s:I, s:I, s:I}", "cases", (json_int_t)a->v[F_CASES], "open_cases",
                  (json_int_t)a->v[F_OPEN], "acknowledged", (json_int_t)a->v[F_N_TTA], "contained",
                  (json_int_t)a->v[F_N_TTC], "resolved", (json_int_t)a->v[F_N_TTR]);
    for (int m = 0; m < NMETRICS; m++) {
        char k[16];
        snprintf(k, sizeof k, "%s_s", metric_names[m]);
        json_object_set_new(o, k, mean_json(a, m));
    }
    return o;
}

/* First half against second half of the window: change as a fraction of
   the first (negative: faster). */
static json_t *trend_json(const site_series_t *r, int m)
{
    double a = mean_ms(&r->half[0], m), b = mean_ms(&r->half[1], m);
    json_t *change = a > 0 && b >= 0 ? json_real((b - a) / a) : json_null();
    return json_pack("{s:o, s:o, s:o}", "first_half_s", a < 0 ? json_null() : json_real(a / 1000),
                     "second_half_s", b < 0 ? json_null() : json_real(b / 1000), "change", change);
}

static json_t *site_json(const struct by_site *s, const site_series_t *r, const double best[])
{
    json_t *o = counts_json(&r->window);
    json_object_set_new(o, "site", json_string(r->name));
    json_t *ratio = json_object(), *trend = json_object(), *series = json_array();
    for (int m = 0; m < NMETRICS; m++) {
        double v = mean_ms(&r->window, m);
        json_object_set_new(ratio, metric_names[m],
                            v >= 0 && best[m] > 0    ? json_real(v / best[m])
                            : v == 0 && best[m] == 0 ? json_real(1.0)
                                                     : json_null());
        json_object_set_new(trend, metric_names[m], trend_json(r, m));
    }
    for (int i = 0; i < s->nbuckets; i++)
        json_array_append_new(series, counts_json(&r->buckets[i]));
    json_object_set_new(o, "ratio_to_best", ratio);
    json_object_set_new(o, "trend", trend);
    json_object_set_new(o, "series", series);
    return o;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const site_series_t *)a)->name, ((const site_series_t *)b)->name);
}

json_t *casestore_case_metrics_by_site(casestore_t *st, casestore_txn_t *txn, int64_t now_ms,
                                       int window_days, int bucket_days)
{
    if (window_days < 1 || window_days > CASESTORE_METRICS_WINDOW_MAX ||
        (bucket_days != 1 && bucket_days != 7))
        return NULL;
    struct by_site s = {.last_day = now_ms / DAY_MS, .bucket_days = bucket_days};
    s.first_day = s.last_day - window_days + 1;
    s.split_day = s.first_day + window_days / 2;
    s.nbuckets = bucket_index(&s, s.last_day) + 1;
    unsigned char from[5];
    day_key(s.first_day, "", from);
    casestore_foreach_at(st, txn, CASESTORE_DB_AGGREGATES, from, 5, false, by_site_one, &s);
    if (s.n > 0) /* qsort must not see NULL, even with no element */
        qsort(s.sites, s.n, sizeof *s.sites, by_name);

    /* The best site of each metric: the lowest mean over the window. */
    double best[NMETRICS];
    json_t *best_site = json_object();
    for (int m = 0; m < NMETRICS; m++) {
        best[m] = -1;
        const char *who = NULL;
        for (size_t i = 0; i < s.n; i++) {
            double v = mean_ms(&s.sites[i].window, m);
            if (s.sites[i].name[0] && v >= 0 && (best[m] < 0 || v < best[m]))
                best[m] = v, who = s.sites[i].name;
        }
        json_object_set_new(best_site, metric_names[m], who ? json_string(who) : json_null());
    }
    json_t *buckets = json_array(), *sites = json_array(), *overall = NULL;
    for (int i = 0; i < s.nbuckets; i++) {
        int64_t b = bucket_start(s.first_day, bucket_days) + (int64_t)i * bucket_days;
        int64_t e = b + bucket_days - 1;
        json_array_append_new(buckets, json_pack("{s:o, s:o}", "from",
                                                 date_json(b > s.first_day ? b : s.first_day), "to",
                                                 date_json(e < s.last_day ? e : s.last_day)));
    }
    for (size_t i = 0; i < s.n; i++) {
        json_t *j = site_json(&s, &s.sites[i], best);
        if (s.sites[i].name[0]) {
            json_array_append_new(sites, j);
        } else {
            json_object_del(j, "site");
            json_object_del(j, "ratio_to_best");
            overall = j;
        }
        free(s.sites[i].buckets);
    }
    free(s.sites);
    if (!overall) {
        site_series_t none = {.buckets = fs_xcalloc((size_t)s.nbuckets, sizeof(agg_t))};
        overall = site_json(&s, &none, best);
        json_object_del(overall, "site");
        json_object_del(overall, "ratio_to_best");
        free(none.buckets);
    }
    return json_pack("{s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "window_days", window_days,
                     "bucket", bucket_days == 7 ? "week" : "day", "from", date_json(s.first_day),
                     "to", date_json(s.last_day), "buckets", buckets, "best", best_site, "overall",
                     overall, "sites", sites);
}
