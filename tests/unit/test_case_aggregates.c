/*  test_case_aggregates.c — the case aggregates and pages
    (casestore/case_aggregates.c, case_list.c): after thousands of random
    case creations, joins, status and assignee changes through the
    casestore API, the metrics (MTTA/MTTC/MTTR, counts, by status, per site,
    per window) equal a full recomputation from the case documents; a store
    whose aggregates are missing gets them rebuilt at open; and paging a
    filtered case list with its cursor returns every matching case exactly
    once, newest first, whatever the page size and scan bound. */
#include "casestore.h"
#include "check.h"
#include "ocsf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DAY_MS 86400000LL
static const char *const sites[] = {"alpha", "beta", "gamma", "delta"};
static const char *const statuses[] = {"new",         "analysis", "containment",
                                       "eradication", "recovery", "closed"};
static const char *const people[] = {"ana", "bob", "cy"};

static casestore_t *st;
static uint64_t next_event = 1;

static json_t *finding(const char *site, int sev, const char *host, const char *title)
{
    return json_pack("{s:i, s:s, s:s, s:i, s:{s:s}, s:[{s:i, s:s}]}", "class_uid",
                     OCSF_CLASS_DETECTION_FINDING, "site", site, "source", "test", "severity_id",
                     sev, "finding_info", "title", title, "observables", "type_id",
                     OCSF_OBSERVABLE_HOSTNAME, "value", host);
}

static void random_op(casestore_txn_t *txn)
{
    fs_err_t e = {0};
    uint64_t ncases = casestore_counter(st, txn, "case_id");
    int r = rand() % 10;
    if (r < 4 || ncases == 0) {
        /* A new alert: one of 300 hosts, so some join an open case (and
           bring their site along). */
        char host[32], title[64];
        snprintf(host, sizeof host, "Host-%d", rand() % 300);
        snprintf(title, sizeof title, "Alert %s %s", rand() % 2 ? "Phish" : "Malware", host);
        json_t *ev = finding(sites[rand() % 4], rand() % 7, host, title);
        bool created;
        CHECK(casestore_case_attach_alert(st, txn, ev, next_event++, 3600000, &created, &e) != 0);
        json_decref(ev);
        return;
    }
    uint64_t id = 1 + (uint64_t)rand() % ncases;
    json_t *fields = r < 8   ? json_pack("{s:s}", "status", statuses[rand() % 6])
                     : r < 9 ? json_pack("{s:s}", "assignee", people[rand() % 3])
                             : json_pack("{s:i}", "severity_id", rand() % 7);
    CHECK_INT(casestore_case_update(st, txn, id, fields, "test", &e), 0);
    json_decref(fields);
}

/* ---- the recomputation -------------------------------------------------------------- */

typedef struct {
    long long cases, open, alerts, n[3], sum[3], by_status[6];
} tally_t;

struct recount {
    int64_t since; /* created >= since */
    tally_t all, site[4];
};

static void tally_add(tally_t *t, const json_t *c)
{
    static const char *const stamps[] = {"acknowledged", "contained", "resolved"};
    long long created = json_integer_value(json_object_get(c, "created"));
    t->cases++;
    t->alerts += json_integer_value(json_object_get(c, "alert_count"));
    t->open += json_object_get(c, "resolved") == NULL;
    for (int i = 0; i < 3; i++) {
        const json_t *s = json_object_get(c, stamps[i]);
        if (s) {
            t->n[i]++;
            t->sum[i] += json_integer_value(s) - created;
        }
    }
    for (int i = 0; i < 6; i++)
        if (strcmp(json_string_value(json_object_get(c, "status")), statuses[i]) == 0)
            t->by_status[i]++;
}

static int recount_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    struct recount *r = arg;
    json_t *c = json_loadb(val->data, val->len, 0, NULL);
    if (json_integer_value(json_object_get(c, "created")) >= r->since) {
        tally_add(&r->all, c);
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(c, "sites"), i,
                           s) for (int j = 0; j < 4;
                                   j++) if (strcmp(json_string_value(s), sites[j]) == 0)
            tally_add(&r->site[j], c);
    }
    json_decref(c);
    return 0;
}

static bool same_mean(const json_t *got, long long sum, long long n)
{
    if (n == 0)
        return json_is_null(got);
    double want = (double)sum / (double)n / 1000.0;
    double diff = json_real_value(got) - want;
    return json_is_real(got) && diff * diff <= 1e-18 * (1 + want * want);
}

static void check_tally(const json_t *got, const tally_t *t, const char *what)
{
    bool ok = got && json_integer_value(json_object_get(got, "cases")) == t->cases &&
              json_integer_value(json_object_get(got, "open_cases")) == t->open &&
              json_integer_value(json_object_get(got, "alerts")) == t->alerts &&
              same_mean(json_object_get(got, "mtta_s"), t->sum[0], t->n[0]) &&
              same_mean(json_object_get(got, "mttc_s"), t->sum[1], t->n[1]) &&
              same_mean(json_object_get(got, "mttr_s"), t->sum[2], t->n[2]);
    for (int i = 0; ok && i < 6; i++)
        ok = json_integer_value(json_object_get(json_object_get(got, "by_status"), statuses[i])) ==
             t->by_status[i];
    if (!ok) {
        char *g = got ? json_dumps(got, JSON_COMPACT) : NULL;
        fprintf(stderr, "%s: aggregates %s, recomputed cases %lld open %lld alerts %lld\n", what,
                g ? g : "(none)", t->cases, t->open, t->alerts);
        free(g);
    }
    CHECK(ok);
}

static void check_against_recount(int window_days)
{
    casestore_txn_t *txn;
    fs_err_t e = {0};
    CHECK_INT(casestore_begin(st, false, &txn, &e), 0);
    struct recount r = {0};
    if (window_days > 0)
        r.since = (fs_now_ms() / DAY_MS - window_days + 1) * DAY_MS;
    casestore_foreach(st, txn, CASESTORE_DB_CASES, false, recount_one, &r);
    json_t *m = casestore_case_metrics(st, txn, window_days);
    check_tally(json_object_get(m, "overall"), &r.all, "overall");
    for (int j = 0; j < 4; j++)
        if (r.site[j].cases)
            check_tally(json_object_get(json_object_get(m, "per_site"), sites[j]), &r.site[j],
                        sites[j]);
    if (window_days == 0) {
        /* The counts by status the case list shows: one row each. */
        json_t *counts = casestore_case_status_counts(st, txn, NULL);
        for (int i = 0; i < 6; i++)
            CHECK_INT(json_integer_value(json_object_get(counts, statuses[i])), r.all.by_status[i]);
        json_decref(counts);
        counts = casestore_case_status_counts(st, txn, "beta");
        CHECK_INT(json_integer_value(json_object_get(counts, "closed")), r.site[1].by_status[5]);
        json_decref(counts);
        /* The series adds up to the total (every case is younger than 366 days). */
        long long sum = 0;
        size_t i;
        json_t *day;
        json_array_foreach(json_object_get(m, "series"), i, day) sum +=
            json_integer_value(json_object_get(json_object_get(day, "overall"), "cases"));
        CHECK_INT(sum, r.all.cases);
    }
    json_decref(m);
    casestore_abort(&txn);
}

/* Moves every case's creation back by up to 40 days, behind the aggregates'
   back, then drops the aggregates: the next open must rebuild them. */
static bool drop_all(void *arg, const casestore_val_t *key)
{
    (void)arg, (void)key;
    return true;
}

static int backdate_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    json_t *list = arg;
    json_t *c = json_loadb(val->data, val->len, 0, NULL);
    json_int_t back = (json_int_t)(rand() % (40 * 24)) * 3600000;
    json_object_set_new(c, "created",
                        json_integer(json_integer_value(json_object_get(c, "created")) - back));
    (void)key;
    json_array_append_new(list, c);
    return 0;
}

static void backdate_and_drop(const char *dir)
{
    casestore_txn_t *txn;
    fs_err_t e = {0};
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    json_t *list = json_array();
    casestore_foreach(st, txn, CASESTORE_DB_CASES, false, backdate_one, list);
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        unsigned char key[8];
        fs_u64_to_be((uint64_t)json_integer_value(json_object_get(c, "id")), key);
        CHECK_INT(casestore_put_json(st, txn, CASESTORE_DB_CASES, key, 8, c, &e), 0);
    }
    json_decref(list);
    CHECK(casestore_trim_front(st, txn, CASESTORE_DB_AGGREGATES, drop_all, NULL, 1 << 30, &e) > 0);
    CHECK_INT(casestore_commit(&txn, &e), 0);
    casestore_close(&st);
    st = casestore_open(dir, 256, &e);
    CHECK(st != NULL);
}

/* ---- pages -------------------------------------------------------------------------- */

struct expect {
    const casestore_case_filter_t *f;
    json_t *ids;
};

static bool has(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

static int expect_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    struct expect *x = arg;
    const casestore_case_filter_t *f = x->f;
    json_t *c = json_loadb(val->data, val->len, 0, NULL);
    const char *assignee = json_string_value(json_object_get(c, "assignee"));
    bool obs = !f->observable;
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(c, "observables"), i, o) obs =
        obs || strcasecmp(json_string_value(json_object_get(o, "value")), f->observable) == 0;
    if ((!f->status || strcmp(json_string_value(json_object_get(c, "status")), f->status) == 0) &&
        json_integer_value(json_object_get(c, "severity_id")) >= f->min_severity &&
        (!f->site || has(json_object_get(c, "sites"), f->site)) &&
        (!f->assignee || (assignee && strcmp(assignee, f->assignee) == 0)) &&
        (!f->text || strcasestr(json_string_value(json_object_get(c, "title")), f->text)) && obs)
        json_array_append(x->ids, json_object_get(c, "id"));
    json_decref(c);
    return 0;
}

static void check_paging(casestore_case_filter_t f, size_t limit, size_t max_examined)
{
    casestore_txn_t *txn;
    fs_err_t e = {0};
    CHECK_INT(casestore_begin(st, false, &txn, &e), 0);
    struct expect x = {&f, json_array()};
    casestore_foreach(st, txn, CASESTORE_DB_CASES, true, expect_one, &x);
    json_t *got = json_array();
    f.limit = limit;
    f.max_examined = max_examined;
    f.before_id = 0;
    for (int pages = 0; pages < 100000; pages++) {
        json_t *page = casestore_case_list(st, txn, &f);
        size_t i;
        json_t *item;
        CHECK(json_array_size(json_object_get(page, "items")) <= limit);
        json_array_foreach(json_object_get(page, "items"), i, item)
            json_array_append(got, json_object_get(item, "id"));
        const char *next = json_string_value(json_object_get(page, "next_cursor"));
        uint64_t cursor = 0;
        if (next)
            CHECK_INT(fs_parse_u64(next, &cursor), 0);
        json_decref(page);
        if (!next)
            break;
        f.before_id = cursor;
    }
    bool same = json_equal(got, x.ids);
    if (!same)
        fprintf(stderr, "paging status=%s site=%s sev=%d text=%s obs=%s: %zu ids, expected %zu\n",
                f.status, f.site, f.min_severity, f.text, f.observable, json_array_size(got),
                json_array_size(x.ids));
    CHECK(same);
    json_decref(got);
    json_decref(x.ids);
    casestore_abort(&txn);
}

int main(void)
{
    char dir[] = "/tmp/fedsoar-aggregates-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_log_set_level(FS_LOG_WARN);
    srand(13);
    fs_err_t e = {0};
    st = casestore_open(dir, 256, &e);
    CHECK(st != NULL);
    casestore_txn_t *txn;
    /* 1. Random changes, in transactions of 100. */
    for (int batch = 0; batch < 20; batch++) {
        CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
        for (int i = 0; i < 100; i++)
            random_op(txn);
        CHECK_INT(casestore_commit(&txn, &e), 0);
    }
    check_against_recount(0);
    /* 2. Older cases, aggregates gone: rebuilt at open, then kept. */
    backdate_and_drop(dir);
    check_against_recount(0);
    check_against_recount(7);
    check_against_recount(30);
    for (int batch = 0; batch < 20; batch++) {
        CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
        for (int i = 0; i < 100; i++)
            random_op(txn);
        CHECK_INT(casestore_commit(&txn, &e), 0);
    }
    check_against_recount(0);
    check_against_recount(1);
    check_against_recount(7);
    /* 3. Pages: every matching case once, newest first. */
    casestore_case_filter_t none = {0};
    check_paging(none, 50, 0);
    check_paging(none, 1, 0);
    casestore_case_filter_t closed = {.status = "closed"};
    check_paging(closed, 7, 0);
    check_paging(closed, 7, 50); /* short pages, still every one */
    casestore_case_filter_t beta_high = {.site = "beta", .min_severity = 4};
    check_paging(beta_high, 13, 100);
    casestore_case_filter_t text = {.text = "phISH", .assignee = "bob"};
    check_paging(text, 5, 0);
    casestore_case_filter_t host = {.observable = "HOST-42"};
    check_paging(host, 2, 0);
    check_paging(host, 2, 1);
    casestore_case_filter_t host_closed = {.observable = "host-7", .status = "closed"};
    check_paging(host_closed, 3, 0);
    casestore_case_filter_t nothing = {.observable = "no-such-host"};
    check_paging(nothing, 3, 0);
    /* 4. A timeline page by entry id, and the next. */
    CHECK_INT(casestore_begin(st, false, &txn, &e), 0);
    json_t *all = casestore_timeline(st, txn, 1, 10000);
    json_t *p1 = casestore_timeline_page(st, txn, 1, 0, 2);
    CHECK(json_array_size(json_object_get(p1, "items")) ==
          (json_array_size(all) < 2 ? json_array_size(all) : 2));
    const char *next = json_string_value(json_object_get(p1, "next_cursor"));
    if (json_array_size(all) > 2) {
        uint64_t after = 0;
        CHECK(next && fs_parse_u64(next, &after) == 0);
        json_t *p2 = casestore_timeline_page(st, txn, 1, after, 10000);
        CHECK_INT(json_array_size(json_object_get(p2, "items")), json_array_size(all) - 2);
        CHECK(json_is_null(json_object_get(p2, "next_cursor")));
        json_decref(p2);
    }
    json_decref(p1);
    json_decref(all);
    casestore_abort(&txn);
    casestore_close(&st);
    check_remove_dir(dir);
    return check_summary();
}
