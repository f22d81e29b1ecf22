/*  cmd_metrics.c — fedsoarctl metrics: how fast the SOC acknowledges,
    contains and resolves, overall and per site (control command metrics),
    and MTTR parity between the sites (metrics --by-site: control command
    metrics.by_site) as a table, CSV, JSON or an SVG chart. */
#include "cli.h"
#include "metrics_svg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const metric_keys[3] = {"mtta", "mttc", "mttr"};

static void print_tally(const char *who, const json_t *t)
{
    printf("%-12s %6lld %6lld %7lld", who,
           (long long)json_integer_value(json_object_get(t, "cases")),
           (long long)json_integer_value(json_object_get(t, "open_cases")),
           (long long)json_integer_value(json_object_get(t, "alerts")));
    const char *keys[] = {"mtta_s", "mttc_s", "mttr_s"};
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(t, keys[i]);
        if (json_is_number(v))
            printf(" %10.1f", json_number_value(v));
        else
            printf(" %10s", "-");
    }
    printf("\n");
}

static void print_overall(const json_t *r)
{
    printf("%-12s %6s %6s %7s %10s %10s %10s\n", "", "CASES", "OPEN", "ALERTS", "MTTA s", "MTTC s",
           "MTTR s");
    print_tally("overall", json_object_get(r, "overall"));
    const char *site;
    json_t *t;
    json_object_foreach(json_object_get(r, "per_site"), site, t) print_tally(site, t);
}

/* ---- by site ---------------------------------------------------------------------- */

static const char *mean_of(const json_t *row, int m, char *buf, size_t size)
{
    char k[16];
    snprintf(k, sizeof k, "%s_s", metric_keys[m]);
    const json_t *v = json_object_get(row, k);
    return json_is_number(v) ? cli_duration_human(json_number_value(v), buf, size) : "-";
}

static const char *ratio_of(const json_t *site, int m, char *buf, size_t size)
{
    const json_t *v = json_object_get(json_object_get(site, "ratio_to_best"), metric_keys[m]);
    if (!json_is_number(v))
        return "-";
    snprintf(buf, size, "x%.2f", json_number_value(v));
    return buf;
}

static const char *change_of(const json_t *row, int m, char *buf, size_t size)
{
    const json_t *v =
        json_object_get(json_object_get(json_object_get(row, "trend"), metric_keys[m]), "change");
    if (!json_is_number(v))
        return "-";
    snprintf(buf, size, "%+.0f%%", 100 * json_number_value(v));
    return buf;
}

static const char *or_dash(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : "-";
}

static void print_by_site(const json_t *r)
{
    const json_t *sites = json_object_get(r, "sites"), *best = json_object_get(r, "best");
    printf("MTTR parity, window %s (%s to %s, UTC), per %s: cases created in the window\n",
           json_string_value(json_object_get(r, "window")),
           json_string_value(json_object_get(r, "from")),
           json_string_value(json_object_get(r, "to")),
           json_string_value(json_object_get(r, "bucket")));
    printf("best: MTTA %s, MTTC %s, MTTR %s; ratio = the site's mean / the best's; trend = second "
           "half of the window against the first\n\n",
           or_dash(json_object_get(best, "mtta")), or_dash(json_object_get(best, "mttc")),
           or_dash(json_object_get(best, "mttr")));
    printf("%-16s %6s  %-10s %6s %6s  %-10s %6s %6s  %-10s %6s %6s\n", "SITE", "CASES", "MTTA",
           "RATIO", "TREND", "MTTC", "RATIO", "TREND", "MTTR", "RATIO", "TREND");
    size_t i;
    const json_t *site;
    char a[3][32], b[3][32], c[3][32];
    json_array_foreach(sites, i, site)
    {
        printf("%-16s %6lld", json_string_value(json_object_get(site, "site")),
               (long long)json_integer_value(json_object_get(site, "cases")));
        for (int m = 0; m < 3; m++)
            printf("  %-10s %6s %6s", mean_of(site, m, a[m], sizeof a[m]),
                   ratio_of(site, m, b[m], sizeof b[m]), change_of(site, m, c[m], sizeof c[m]));
        printf("\n");
    }
    const json_t *all = json_object_get(r, "overall");
    printf("%-16s %6lld", "(all sites)",
           (long long)json_integer_value(json_object_get(all, "cases")));
    for (int m = 0; m < 3; m++)
        printf("  %-10s %6s %6s", mean_of(all, m, a[m], sizeof a[m]), "",
               change_of(all, m, c[m], sizeof c[m]));
    printf("\n");
    /* per bucket: one block per metric, a column per site */
    const json_t *buckets = json_object_get(r, "buckets");
    for (int m = 0; m < 3; m++) {
        printf("\n%s per %s\n%-10s",
               m == 0   ? "MTTA"
               : m == 1 ? "MTTC"
                        : "MTTR",
               json_string_value(json_object_get(r, "bucket")), "FROM");
        json_array_foreach(sites, i, site)
            printf(" %12.12s", json_string_value(json_object_get(site, "site")));
        printf("\n");
        size_t k;
        const json_t *bk;
        json_array_foreach(buckets, k, bk)
        {
            printf("%-10s", json_string_value(json_object_get(bk, "from")));
            json_array_foreach(sites, i, site)
                printf(" %12s", mean_of(json_array_get(json_object_get(site, "series"), k), m, a[0],
                                        sizeof a[0]));
            printf("\n");
        }
    }
}

/* A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
static void csv_field(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void csv_number(const json_t *v)
{
    if (json_is_integer(v))
        printf(",%lld", (long long)json_integer_value(v));
    else if (json_is_number(v))
        printf(",%.3f", json_number_value(v));
    else
        printf(",");
}

/* One row: a site's window ("window", with ratios and trend) or bucket. */
static void csv_row(const char *site, const char *kind, const char *from, const char *to,
                    const json_t *row, const json_t *ratios)
{
    csv_field(site);
    printf(",%s,%s,%s", kind, from, to);
    static const char *const counts[] = {"cases",  "acknowledged", "contained", "resolved",
                                         "mtta_s", "mttc_s",       "mttr_s"};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        csv_number(json_object_get(row, counts[i]));
    for (int m = 0; m < 3; m++)
        csv_number(json_object_get(ratios, metric_keys[m]));
    for (int m = 0; m < 3; m++)
        csv_number(json_object_get(json_object_get(json_object_get(row, "trend"), metric_keys[m]),
                                   "change"));
    printf("\n");
}

static void print_csv(const json_t *r)
{
    printf("site,bucket,from,to,cases,acknowledged,contained,resolved,mtta_s,mttc_s,mttr_s,"
           "mtta_ratio,mttc_ratio,mttr_ratio,mtta_change,mttc_change,mttr_change\n");
    const char *from = json_string_value(json_object_get(r, "from"));
    const char *to = json_string_value(json_object_get(r, "to"));
    const char *bucket = json_string_value(json_object_get(r, "bucket"));
    const json_t *buckets = json_object_get(r, "buckets"), *site;
    size_t i, k;
    json_array_foreach(json_object_get(r, "sites"), i, site)
    {
        const char *name = json_string_value(json_object_get(site, "site"));
        csv_row(name, "window", from, to, site, json_object_get(site, "ratio_to_best"));
        const json_t *pt;
        json_array_foreach(json_object_get(site, "series"), k, pt)
        {
            const json_t *bk = json_array_get(buckets, k);
            csv_row(name, bucket, json_string_value(json_object_get(bk, "from")),
                    json_string_value(json_object_get(bk, "to")), pt, NULL);
        }
    }
}

static int write_chart(const char *path, const json_t *r)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "fedsoarctl: metrics: cannot write the chart to %s: %s\n", path,
                strerror(errno));
        return CLI_USAGE;
    }
    int rc = cli_metrics_svg_write(f, r);
    if (fclose(f) != 0 || rc != 0) {
        fprintf(stderr, "fedsoarctl: metrics: writing the chart to %s failed: %s\n", path,
                strerror(errno));
        return CLI_USAGE;
    }
    return 0;
}

int cmd_metrics(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false, csv = false, by_site = false;
    const char *window = NULL, *bucket = NULL, *chart = NULL;
    const cli_flag_t flags[] = {
        {"--json", NULL, &json},     {"--csv", NULL, &csv},       {"--by-site", NULL, &by_site},
        {"--window", &window, NULL}, {"--bucket", &bucket, NULL}, {"--chart", &chart, NULL},
        {NULL, NULL, NULL}};
    const char *pos[1];
    int npos, rc = cli_parse_args("metrics", NULL, argc, argv, 1, flags, pos, 0, &npos);
    if (rc != 0)
        return rc;
    if (json && csv)
        return cli_usage_error("metrics", NULL, "--json and --csv: choose one");
    if (!by_site && (csv || bucket || chart))
        return cli_usage_error("metrics", NULL, "--csv, --bucket and --chart need --by-site");
    if (bucket && strcmp(bucket, "day") != 0 && strcmp(bucket, "week") != 0)
        return cli_usage_error("metrics", NULL, "--bucket \"%s\": day or week", bucket);
    json_t *args = json_object();
    if (window)
        json_object_set_new(args, "window", json_string(window));
    if (bucket)
        json_object_set_new(args, "bucket", json_string(bucket));
    json_t *r = cli_call(o, by_site ? "metrics.by_site" : "metrics", args, &rc);
    if (!r)
        return rc;
    if (chart)
        rc = write_chart(chart, r);
    if (json)
        cli_print_json(r);
    else if (csv)
        print_csv(r);
    else if (by_site)
        print_by_site(r);
    else
        print_overall(r);
    json_decref(r);
    return rc;
}
