/*  cmd_sites_gap.c — fedsoarctl sites gap / sites coverage: the M&A
    transition's views of the sites (docs/mna-gap.md). The broker computes
    both (control sites.gap, sites.coverage); this file only prints them:
    JSON, text for a terminal, or Markdown for the integration team's
    report (a table per site, then the playbook x site matrix, then what to
    add where). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* "7d", "2w" or "7": days, 1..366. */
static int parse_window(const char *sub, const char *text, json_int_t *days)
{
    char *end = NULL;
    long long n = text ? strtoll(text, &end, 10) : 0;
    if (end && (*end == 'w' || *end == 'W') && end[1] == '\0')
        n *= 7;
    else if (end && !(*end == '\0' || ((*end == 'd' || *end == 'D') && end[1] == '\0')))
        n = 0;
    if (n < 1 || n > 366)
        return cli_usage_error("sites", sub,
                               "--window \"%s\": a number of days (\"7d\", \"2w\"), 1 to 366",
                               text ? text : "");
    *days = n;
    return 0;
}

/* Items of a JSON array of strings (or an object's keys), comma-joined. */
static void join(char *out, size_t size, const json_t *v)
{
    size_t used = 0;
    out[0] = '\0';
    if (json_is_array(v)) {
        size_t i;
        json_t *s;
        json_array_foreach(v, i, s)
        {
            int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "",
                             json_string_value(s) ? json_string_value(s) : "?");
            if (n < 0 || (size_t)n >= size - used)
                return;
            used += (size_t)n;
        }
    } else if (json_is_object(v)) {
        const char *k;
        json_t *n;
        json_object_foreach((json_t *)v, k, n)
        {
            int w = snprintf(out + used, size - used, "%s%s (%lld)", used ? ", " : "", k,
                             (long long)json_integer_value(n));
            if (w < 0 || (size_t)w >= size - used)
                return;
            used += (size_t)w;
        }
    }
    if (!out[0])
        snprintf(out, size, "%s", "-");
}

static void print_site_row(bool md, const char *label, const json_t *v)
{
    char text[4096];
    join(text, sizeof text, v);
    if (md)
        printf("| %s | %s |\n", label, text);
    else
        printf("  %-22s %s\n", label, text);
}

static void print_gap(const json_t *r, bool md)
{
    json_int_t window = json_integer_value(json_object_get(r, "window_days"));
    if (md)
        printf("# Capability gap analysis\n\nWindow: the last %lld day(s).\n", (long long)window);
    else
        printf("capability gap analysis, window %lld day(s)\n", (long long)window);
    const char *site;
    json_t *s;
    json_object_foreach(json_object_get(r, "sites"), site, s)
    {
        const char *health = json_string_value(json_object_get(s, "health"));
        if (md)
            printf("\n## Site %s (%s)\n\n| what | at this site |\n|---|---|\n", site,
                   health ? health : "unknown");
        else
            printf("\nsite %s (%s)\n", site, health ? health : "unknown");
        print_site_row(md, "sources (events)", json_object_get(s, "sources"));
        print_site_row(md, "OCSF classes (events)", json_object_get(s, "classes"));
        print_site_row(md, "ATT&CK techniques", json_object_get(s, "techniques"));
        print_site_row(md, "OpenC2 pairs", json_object_get(s, "openc2_pairs"));
        print_site_row(md, "actuators", json_object_get(s, "actuators"));
        print_site_row(md, "analyzers", json_object_get(s, "analyzers"));
        print_site_row(md, "responders", json_object_get(s, "responders"));
        const json_t *pb = json_object_get(s, "playbooks");
        print_site_row(md, "playbooks active", json_object_get(pb, "active"));
        print_site_row(md, "playbooks in shadow", json_object_get(pb, "shadow"));
        print_site_row(md, "playbooks planned", json_object_get(pb, "planned"));
    }
    json_int_t checked = json_integer_value(json_object_get(r, "checked"));
    const char *from = json_string_value(json_object_get(r, "playbooks_from"));
    char none[160];
    snprintf(none, sizeof none, "%s: nothing was checked",
             from && strcmp(from, "directory") == 0
                 ? "The playbook directory holds no playbook that runs at these sites"
             : from && strcmp(from, "documents") == 0
                 ? "No given playbook's trigger accepts an alert from these sites"
                 : "No playbook is active, in shadow, in review or planned");
    if (md)
        printf("\n## Playbooks by site\n\n");
    else
        printf("\nplaybooks by site\n");
    if (checked == 0)
        printf("%s%s.\n", md ? "" : "  ", none);
    else if (md)
        printf("An alert at the site: can the playbook run end to end? (mode: directory, "
               "document, active, shadow, or planned with its stage)\n\n"
               "| playbook | alert site | mode | runnable | missing |\n|---|---|---|---|---|\n");
    else
        printf("%-28s %-12s %-20s %-9s %s\n", "PLAYBOOK", "ALERT SITE", "MODE", "RUNNABLE",
               "MISSING");
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(r, "playbooks"), i, row)
    {
        char missing[4096], mode[64];
        join(missing, sizeof missing, json_object_get(row, "missing"));
        const char *m = json_string_value(json_object_get(row, "mode"));
        const char *stage = json_string_value(json_object_get(row, "stage"));
        snprintf(mode, sizeof mode, "%s%s%s%s", m ? m : "?", stage ? " (" : "", stage ? stage : "",
                 stage ? ")" : "");
        bool ok = json_is_true(json_object_get(row, "runnable"));
        if (md)
            printf("| %s | %s | %s | %s | %s |\n", json_string_value(json_object_get(row, "name")),
                   json_string_value(json_object_get(row, "site")), mode, ok ? "yes" : "**no**",
                   missing);
        else
            printf("%-28s %-12s %-20s %-9s %s\n", json_string_value(json_object_get(row, "name")),
                   json_string_value(json_object_get(row, "site")), mode, ok ? "yes" : "no",
                   missing);
    }
    if (md)
        printf("\n## What each playbook needs, and where\n\n| playbook | needs | checked at |\n"
               "|---|---|---|\n");
    else
        printf("\nwhat each playbook needs, and where\n");
    const char *pbname;
    json_t *needs;
    json_object_foreach(json_object_get(r, "needs"), pbname, needs)
    {
        json_array_foreach(needs, i, row)
        {
            const char *item = json_string_value(json_object_get(row, "item"));
            const char *where = json_string_value(json_object_get(row, "where"));
            if (md)
                printf("| %s | %s | %s |\n", pbname, item, where);
            else
                printf("  %-28s %-34s %s\n", pbname, item, where);
        }
    }
    const json_t *recs = json_object_get(r, "recommendations");
    if (md)
        printf("\n## What to add where\n\n");
    else
        printf("\nwhat to add where\n");
    /* "Nothing to add" only when something was checked and all of it can run. */
    if (checked == 0)
        printf("%s%s.\n", md ? "" : "  ", none);
    else if (json_array_size(recs) == 0)
        printf("%s\n", md ? "Nothing: every playbook checked can run at every site it was "
                            "checked for."
                          : "  nothing: every playbook checked can run at every site it was "
                            "checked for");
    else if (md)
        printf("| site | add | for playbooks | already at | provided there by |\n"
               "|---|---|---|---|---|\n");
    json_array_foreach(recs, i, row)
    {
        char pbs[1024], at[1024], types[1024];
        join(pbs, sizeof pbs, json_object_get(row, "playbooks"));
        join(at, sizeof at, json_object_get(row, "available_at"));
        join(types, sizeof types, json_object_get(row, "connector_types"));
        const char *where = json_string_value(json_object_get(row, "site"));
        const char *add = json_string_value(json_object_get(row, "add"));
        if (md)
            printf("| %s | %s | %s | %s | %s |\n", where, add, pbs, at, types);
        else
            printf("  at %s add %s (for %s; already at: %s; provided there by: %s)\n", where, add,
                   pbs, at, types);
    }
}

/* A lag bucket's bound: "<=10s", or ">86400s" for the open top bucket. */
static void lag_text(char *out, size_t size, const json_t *v)
{
    if (!json_is_integer(v))
        return;
    json_int_t s = json_integer_value(v);
    if (s > 86400)
        snprintf(out, size, ">86400s");
    else
        snprintf(out, size, "<=%llds", (long long)s);
}

static void print_coverage(const json_t *r)
{
    printf("alert coverage, window %lld day(s)%s\n",
           (long long)json_integer_value(json_object_get(r, "window_days")),
           json_is_true(json_object_get(r, "silent_source_case")) ? ", silent sources open a case"
                                                                  : "");
    printf("%-10s %-26s %-9s %-10s %8s %10s %9s %8s %8s %8s\n", "SITE", "SOURCE", "EXPECTED",
           "STATE", "EVENTS", "LAST AGE", "RATE/MIN", "DEAD %", "LAG P50", "LAG P95");
    const char *site;
    json_t *s;
    json_object_foreach(json_object_get(r, "sites"), site, s)
    {
        printf("%-10s %lld of %lld configured source(s) flowing\n", site,
               (long long)json_integer_value(json_object_get(s, "flowing")),
               (long long)json_integer_value(json_object_get(s, "expected")));
        const char *id;
        json_t *row;
        json_object_foreach(json_object_get(s, "sources"), id, row)
        {
            char age[24] = "-", dead[32] = "-", p50[32] = "-", p95[32] = "-";
            const json_t *a = json_object_get(row, "last_event_age_s");
            if (json_is_integer(a))
                snprintf(age, sizeof age, "%llds", (long long)json_integer_value(a));
            const json_t *d = json_object_get(row, "dead_letter_ratio");
            if (json_is_number(d))
                snprintf(dead, sizeof dead, "%.1f", json_number_value(d) * 100.0);
            lag_text(p50, sizeof p50, json_object_get(row, "lag_p50_s"));
            lag_text(p95, sizeof p95, json_object_get(row, "lag_p95_s"));
            printf("%-10s %-26s %-9s %-10s %8lld %10s %9.2f %8s %8s %8s\n", "", id,
                   json_is_true(json_object_get(row, "expected")) ? "yes" : "no",
                   json_string_value(json_object_get(row, "state")),
                   (long long)json_integer_value(json_object_get(row, "events")), age,
                   json_number_value(json_object_get(row, "rate_per_min")), dead, p50, p95);
        }
    }
}

#define GAP_FILES_MAX 16 /* the broker's limit on args.docs */

/* Takes every "--playbook FILE" / "--playbook=FILE" out of argv (the option
   may be repeated; cli_parse_args keeps one value per flag): the files go
   to files[], the other words to rest[]. CLI_USAGE when one has no value
   or there are too many. */
static int take_playbooks(int argc, char **argv, char **rest, int *nrest, const char **files,
                          int *nfiles)
{
    *nrest = *nfiles = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *file = NULL;
        if (i >= 2 && strcmp(a, "--playbook") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("sites", "gap", "--playbook needs a value");
            file = argv[++i];
        } else if (i >= 2 && strncmp(a, "--playbook=", 11) == 0) {
            file = a + 11;
        } else {
            rest[(*nrest)++] = argv[i];
            continue;
        }
        if (*nfiles == GAP_FILES_MAX)
            return cli_usage_error("sites", "gap", "at most %d --playbook files", GAP_FILES_MAX);
        files[(*nfiles)++] = file;
    }
    return 0;
}

int cmd_sites_gap(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false;
    const char *window = NULL, *format = NULL;
    const cli_flag_t flags[] = {{"--json", NULL, &json},
                                {"--window", &window, NULL},
                                {"--format", &format, NULL},
                                {NULL, NULL, NULL}};
    const char *pos[1], *files[GAP_FILES_MAX];
    char **rest = fs_xcalloc((size_t)argc + 1, sizeof *rest);
    int nrest, nfiles, npos, rc = take_playbooks(argc, argv, rest, &nrest, files, &nfiles);
    if (rc == 0)
        rc = cli_parse_args("sites", "gap", nrest, rest, 2, flags, pos, 0, &npos);
    free(rest);
    if (rc != 0)
        return rc;
    static const char *const formats[] = {"text", "md", "json", NULL};
    int f = format ? cli_parse_enum("sites", "gap", "format", format, formats) : 0;
    if (f < 0)
        return CLI_USAGE;
    json_t *args = json_object();
    json_int_t days = 0;
    if (window && parse_window("gap", window, &days) != 0) {
        json_decref(args);
        return CLI_USAGE;
    }
    if (days)
        json_object_set_new(args, "window_days", json_integer(days));
    /* Playbooks the broker need not hold ("could this run here?"): sent whole. */
    json_t *docs = nfiles ? json_array() : NULL;
    for (int i = 0; i < nfiles; i++) {
        json_t *doc = cli_load_json("sites", "gap", files[i], CLI_PLAYBOOK_MAX, "playbooks",
                                    CLI_REFUSED, &rc);
        if (!doc) {
            json_decref(docs);
            json_decref(args);
            return rc;
        }
        json_array_append_new(docs, doc);
    }
    if (docs)
        json_object_set_new(args, "docs", docs);
    json_t *r = cli_call(o, "sites.gap", args, &rc);
    if (!r)
        return rc;
    if (json || f == 2)
        cli_print_json(r);
    else
        print_gap(r, f == 1);
    json_decref(r);
    return 0;
}

int cmd_sites_coverage(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false;
    const char *window = NULL, *site = NULL;
    const cli_flag_t flags[] = {{"--json", NULL, &json},
                                {"--window", &window, NULL},
                                {"--site", &site, NULL},
                                {NULL, NULL, NULL}};
    const char *pos[1];
    int npos, rc = cli_parse_args("sites", "coverage", argc, argv, 2, flags, pos, 0, &npos);
    if (rc != 0)
        return rc;
    json_t *args = json_object();
    json_int_t days = 0;
    if (window && parse_window("coverage", window, &days) != 0) {
        json_decref(args);
        return CLI_USAGE;
    }
    if (days)
        json_object_set_new(args, "window_days", json_integer(days));
    if (site)
        json_object_set_new(args, "site", json_string(site));
    json_t *r = cli_call(o, "sites.coverage", args, &rc);
    if (!r)
        return rc;
    if (json)
        cli_print_json(r);
    else
        print_coverage(r);
    json_decref(r);
    return 0;
}
