/*  test_mttr_by_site.c — MTTR parity (issue 15 clause 4) from the case
    aggregates (casestore/case_aggregates.c): cases at three sites with
    known creation and acknowledge/contain/resolve times, written step by
    step the way cases change (a stamp days after creation, a site joining
    later), then casestore_case_metrics_by_site at a fixed "now": exact
    means per site and per day or week, the best site and the ratios to it,
    the trend, and each case counted once, in the day it was created,
    whatever day it changed.

    White-box: the public API stamps the wall clock, so the cases are
    written through casestore__case_put (private/casestore_internal.h), the
    one writer of case documents, which moves the aggregates exactly as a
    real change does. */
#include "casestore.h"
#include "casestore_internal.h"
#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_MS 86400000LL
#define S 1000LL

static casestore_t *st;
/* 2026-12-06T12:00:00Z, a Sunday: the window's days are T-6 (a Monday) .. T. */
static const int64_t NOW = 1796558400000LL;
static int64_t T; /* NOW's day */

/* One change of a case: the document as it was, the fields to set. */
static void change(json_t *c, const char *field, int64_t value)
{
    casestore__case_agg_t before;
    casestore__case_agg_of(json_object_get(c, "status") ? c : NULL, &before);
    bool is_new = !json_object_get(c, "status");
    if (is_new)
        json_object_set_new(c, "status", json_string("new"));
    if (field && strcmp(field, "site") == 0) {
        char name[16];
        snprintf(name, sizeof name, "%s", value == 1 ? "beta" : "gamma");
        json_array_append_new(json_object_get(c, "sites"), json_string(name));
    } else if (field) {
        json_object_set_new(c, field, json_integer(value));
        if (strcmp(field, "resolved") == 0)
            json_object_set_new(c, "status", json_string("closed"));
        else if (strcmp(field, "contained") == 0)
            json_object_set_new(c, "status", json_string("containment"));
        else if (strcmp(field, "acknowledged") == 0)
            json_object_set_new(c, "status", json_string("analysis"));
    }
    casestore_txn_t *txn = NULL;
    fs_err_t e = {0};
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    CHECK_INT(casestore__case_put(st, txn, c, is_new ? NULL : &before, &e), 0);
    CHECK_INT(casestore_commit(&txn, &e), 0);
}

/* A case at site opened at created, then stamped ack/contain/resolve seconds
   after it (0: never), each stamp its own change. */
static json_t *a_case(uint64_t id, const char *site, int64_t created, int64_t ack_s,
                      int64_t contain_s, int64_t resolve_s)
{
    json_t *c = json_pack("{s:I, s:[s], s:I, s:i}", "id", (json_int_t)id, "sites", site, "created",
                          (json_int_t)created, "alert_count", 1);
    change(c, NULL, 0);
    if (ack_s)
        change(c, "acknowledged", created + ack_s * S);
    if (contain_s)
        change(c, "contained", created + contain_s * S);
    if (resolve_s)
        change(c, "resolved", created + resolve_s * S);
    return c;
}

static const json_t *site_of(const json_t *r, const char *name)
{
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(r, "sites"), i,
                       s) if (strcmp(json_string_value(json_object_get(s, "site")), name) ==
                              0) return s;
    return NULL;
}

static bool near(const json_t *v, double want)
{
    return json_is_number(v) && fabs(json_number_value(v) - want) <= 1e-9 * (1 + fabs(want));
}

#define CHECK_NEAR(v, want)                                                                        \
    do {                                                                                           \
        const json_t *check_v_ = (v);                                                              \
        if (!near(check_v_, (want)))                                                               \
            fprintf(stderr, "  got %g, want %g\n",                                                 \
                    json_is_number(check_v_) ? json_number_value(check_v_) : -1.0,                 \
                    (double)(want));                                                               \
        CHECK(near(check_v_, (want)));                                                             \
    } while (0)
#define CHECK_NULL(v) CHECK(json_is_null(v))

static const json_t *path(const json_t *o, const char *a, const char *b)
{
    return json_object_get(json_object_get(o, a), b);
}

int main(void)
{
    fs_log_set_level(FS_LOG_WARN);
    char dir[] = "/tmp/fedsoar-mttr-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_err_t e = {0};
    st = casestore_open(dir, 64, &e);
    CHECK(st != NULL);
    T = NOW / DAY_MS;
    int64_t h = 3600 * S;

    /* alpha: opened T-6 10:00 (first half), acknowledged in 60 s, contained
       in 600 s, resolved in 1 h; opened T-3 05:00 (second half),
       acknowledged in 120 s, contained in 1200 s, resolved 2 days later
       (on T-1: it stays in T-3's row). */
    json_t *c1 = a_case(1, "alpha", (T - 6) * DAY_MS + 10 * h, 60, 600, 3600);
    json_t *c2 = a_case(2, "alpha", (T - 3) * DAY_MS + 5 * h, 120, 1200, 2 * 86400);
    /* beta: T-6, 600 / 3600 / 7200 s; T (today), acknowledged in 300 s, open. */
    json_t *c3 = a_case(3, "beta", (T - 6) * DAY_MS + 8 * h, 600, 3600, 7200);
    json_t *c4 = a_case(4, "beta", T * DAY_MS + 1 * h, 300, 0, 0);
    /* gamma: T-2, acknowledged in 1800 s; then beta joins the case (a
       correlated alert): it counts for both sites, once overall. */
    json_t *c5 = a_case(5, "gamma", (T - 2) * DAY_MS + 9 * h, 1800, 0, 0);
    change(c5, "site", 1);
    /* alpha, T-10: outside a 7-day window. */
    json_t *c6 = a_case(6, "alpha", (T - 10) * DAY_MS, 1, 1, 1);

    casestore_txn_t *txn = NULL;
    CHECK_INT(casestore_begin(st, false, &txn, &e), 0);
    json_t *r = casestore_case_metrics_by_site(st, txn, NOW, 7, 1);
    CHECK(r != NULL);
    CHECK_STR(json_string_value(json_object_get(r, "from")), "2026-11-30");
    CHECK_STR(json_string_value(json_object_get(r, "to")), "2026-12-06");
    CHECK_INT(json_array_size(json_object_get(r, "buckets")), 7);
    CHECK_INT(json_array_size(json_object_get(r, "sites")), 3);
    const json_t *alpha = site_of(r, "alpha"), *beta = site_of(r, "beta"),
                 *gamma = site_of(r, "gamma");
    CHECK(alpha && beta && gamma);

    /* exact means over the window */
    CHECK_INT(json_integer_value(json_object_get(alpha, "cases")), 2);
    CHECK_NEAR(json_object_get(alpha, "mtta_s"), 90);
    CHECK_NEAR(json_object_get(alpha, "mttc_s"), 900);
    CHECK_NEAR(json_object_get(alpha, "mttr_s"), (3600 + 2 * 86400) / 2.0);
    CHECK_INT(json_integer_value(json_object_get(beta, "cases")), 3);
    CHECK_INT(json_integer_value(json_object_get(beta, "open_cases")), 2);
    CHECK_NEAR(json_object_get(beta, "mtta_s"), (600 + 300 + 1800) / 3.0);
    CHECK_NEAR(json_object_get(beta, "mttc_s"), 3600);
    CHECK_NEAR(json_object_get(beta, "mttr_s"), 7200);
    CHECK_INT(json_integer_value(json_object_get(gamma, "cases")), 1);
    CHECK_NEAR(json_object_get(gamma, "mtta_s"), 1800);
    CHECK_NULL(json_object_get(gamma, "mttc_s"));
    CHECK_NULL(json_object_get(gamma, "mttr_s"));
    const json_t *all = json_object_get(r, "overall");
    CHECK_INT(json_integer_value(json_object_get(all, "cases")), 5);
    CHECK_NEAR(json_object_get(all, "mtta_s"), (60 + 120 + 600 + 300 + 1800) / 5.0);

    /* the best site and the ratios to it */
    CHECK_STR(json_string_value(path(r, "best", "mtta")), "alpha");
    CHECK_STR(json_string_value(path(r, "best", "mttc")), "alpha");
    CHECK_STR(json_string_value(path(r, "best", "mttr")), "beta");
    CHECK_NEAR(path(alpha, "ratio_to_best", "mtta"), 1.0);
    CHECK_NEAR(path(beta, "ratio_to_best", "mtta"), 900 / 90.0);
    CHECK_NEAR(path(gamma, "ratio_to_best", "mtta"), 1800 / 90.0);
    CHECK_NEAR(path(beta, "ratio_to_best", "mttc"), 3600 / 900.0);
    CHECK_NULL(path(gamma, "ratio_to_best", "mttc"));
    CHECK_NEAR(path(beta, "ratio_to_best", "mttr"), 1.0);
    CHECK_NEAR(path(alpha, "ratio_to_best", "mttr"), (3600 + 2 * 86400) / 2.0 / 7200);

    /* the trend: T-6..T-4 against T-3..T */
    const json_t *ta = path(alpha, "trend", "mtta");
    CHECK_NEAR(json_object_get(ta, "first_half_s"), 60);
    CHECK_NEAR(json_object_get(ta, "second_half_s"), 120);
    CHECK_NEAR(json_object_get(ta, "change"), 1.0);
    const json_t *tb = path(beta, "trend", "mtta");
    CHECK_NEAR(json_object_get(tb, "first_half_s"), 600);
    CHECK_NEAR(json_object_get(tb, "second_half_s"), (300 + 1800) / 2.0);
    CHECK_NEAR(json_object_get(tb, "change"), (1050 - 600) / 600.0);
    CHECK_NULL(json_object_get(path(gamma, "trend", "mtta"), "first_half_s"));
    CHECK_NULL(json_object_get(path(gamma, "trend", "mtta"), "change"));

    /* per day: each case once, in the day it was created */
    const json_t *sa = json_object_get(alpha, "series");
    CHECK_INT(json_array_size(sa), 7);
    int64_t alpha_cases = 0;
    for (size_t i = 0; i < json_array_size(sa); i++)
        alpha_cases += json_integer_value(json_object_get(json_array_get(sa, i), "cases"));
    CHECK_INT(alpha_cases, 2);
    CHECK_NEAR(json_object_get(json_array_get(sa, 0), "mtta_s"), 60);
    CHECK_NEAR(json_object_get(json_array_get(sa, 3), "mttr_s"), 2 * 86400);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(sa, 5), "cases")), 0);
    CHECK_NULL(json_object_get(json_array_get(sa, 5), "mttr_s"));
    CHECK_INT(json_integer_value(
                  json_object_get(json_array_get(json_object_get(beta, "series"), 4), "cases")),
              1); /* the gamma case beta joined, on T-2 */
    json_decref(r);

    /* weeks: a 10-day window from Friday T-9 is cut in two, Monday-based */
    r = casestore_case_metrics_by_site(st, txn, NOW, 10, 7);
    CHECK_STR(json_string_value(json_object_get(r, "bucket")), "week");
    CHECK_INT(json_array_size(json_object_get(r, "buckets")), 2);
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(r, "buckets"), 0), "from")),
              "2026-11-27");
    CHECK_STR(
        json_string_value(json_object_get(json_array_get(json_object_get(r, "buckets"), 0), "to")),
        "2026-11-29");
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(r, "buckets"), 1), "from")),
              "2026-11-30");
    alpha = site_of(r, "alpha");
    CHECK_INT(json_integer_value(json_object_get(alpha, "cases")), 2); /* T-10 still outside */
    CHECK_NEAR(json_object_get(json_array_get(json_object_get(alpha, "series"), 1), "mtta_s"), 90);
    CHECK_INT(json_integer_value(
                  json_object_get(json_array_get(json_object_get(alpha, "series"), 0), "cases")),
              0);
    json_decref(r);

    /* 11 days reaches T-10; out-of-range windows and buckets are refused */
    r = casestore_case_metrics_by_site(st, txn, NOW, 11, 1);
    CHECK_INT(json_integer_value(json_object_get(site_of(r, "alpha"), "cases")), 3);
    json_decref(r);
    CHECK(casestore_case_metrics_by_site(st, txn, NOW, 0, 1) == NULL);
    CHECK(casestore_case_metrics_by_site(st, txn, NOW, CASESTORE_METRICS_WINDOW_MAX + 1, 1) ==
          NULL);
    CHECK(casestore_case_metrics_by_site(st, txn, NOW, 7, 30) == NULL);
    /* an empty window: no site, every mean null */
    r = casestore_case_metrics_by_site(st, txn, NOW + 400 * DAY_MS, 7, 1);
    CHECK_INT(json_array_size(json_object_get(r, "sites")), 0);
    CHECK_NULL(json_object_get(json_object_get(r, "overall"), "mtta_s"));
    CHECK_NULL(path(r, "best", "mttr"));
    json_decref(r);
    casestore_abort(&txn);

    /* A case closed, reopened and closed again, through the public update
       (it stamps the wall clock): reopened, it is open and not resolved;
       closed again, MTTR counts its final resolution. */
    int64_t now = fs_now_ms();
    json_t *c7 = a_case(7, "delta", now - 3600 * S, 0, 0, 0);
    json_t *st_closed = json_pack("{s:s}", "status", "closed"),
           *st_analysis = json_pack("{s:s}", "status", "analysis");
    const json_t *delta;
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    CHECK_INT(casestore_case_update(st, txn, 7, st_closed, "test", &e), 0);
    CHECK_INT(casestore_commit(&txn, &e), 0);
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    CHECK_INT(casestore_case_update(st, txn, 7, st_analysis, "test", &e), 0);
    r = casestore_case_metrics_by_site(st, txn, fs_now_ms(), 7, 1);
    delta = site_of(r, "delta");
    CHECK_INT(json_integer_value(json_object_get(delta, "open_cases")), 1);
    CHECK_INT(json_integer_value(json_object_get(delta, "resolved")), 0);
    CHECK_NULL(json_object_get(delta, "mttr_s"));
    CHECK_INT(json_integer_value(json_object_get(delta, "contained")), 1); /* it was contained */
    json_decref(r);
    CHECK_INT(casestore_commit(&txn, &e), 0);
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    CHECK_INT(casestore_begin(st, true, &txn, &e), 0);
    CHECK_INT(casestore_case_update(st, txn, 7, st_closed, "test", &e), 0);
    json_t *doc = casestore_case_get(st, txn, 7);
    r = casestore_case_metrics_by_site(st, txn, fs_now_ms(), 7, 1);
    delta = site_of(r, "delta");
    CHECK_INT(json_integer_value(json_object_get(delta, "open_cases")), 0);
    CHECK_INT(json_integer_value(json_object_get(delta, "resolved")), 1);
    CHECK_NEAR(json_object_get(delta, "mttr_s"),
               (json_integer_value(json_object_get(doc, "resolved")) - (now - 3600 * S)) / 1000.0);
    CHECK(json_integer_value(json_object_get(doc, "resolved")) >= now + 20);
    json_decref(r);
    json_decref(doc);
    CHECK_INT(casestore_commit(&txn, &e), 0);
    json_decref(st_closed), json_decref(st_analysis), json_decref(c7);

    json_decref(c1), json_decref(c2), json_decref(c3), json_decref(c4), json_decref(c5),
        json_decref(c6);
    casestore_close(&st);
    check_remove_dir(dir);
    return check_summary();
}
