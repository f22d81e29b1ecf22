/*  cmd_status.c — fedsoarctl stats / sites: what the broker holds and who
    is connected. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- normalize warnings -------------------------------------------------------
   Values a site's normalizer could not convert in records it kept (issue
   17.2), as the broker holds them: per site {source: {field: count}}.
   Printed as the most frequent (site, source, field) rows, because a
   field that never converts is what an admin fixes first. */

#define WARN_TOP 10

typedef struct warn_row {
    const char *site, *source, *field; /* borrowed from the broker's answer */
    json_int_t count;
} warn_row_t;

typedef struct warn_rows {
    warn_row_t *v;
    size_t n, cap;
    json_int_t total;
} warn_rows_t;

/* Appends the rows of one site's {source: {field: count}}. */
static void warn_rows_add_site(warn_rows_t *w, const char *site, const json_t *per_source)
{
    const char *source, *field;
    json_t *fields, *n;
    json_object_foreach((json_t *)per_source, source, fields)
    {
        json_object_foreach(fields, field, n)
        {
            json_int_t count = json_integer_value(n);
            if (count <= 0)
                continue;
            if (w->n == w->cap) {
                w->cap = w->cap ? w->cap * 2 : 16;
                w->v = fs_xrealloc(w->v, w->cap * sizeof *w->v);
            }
            w->v[w->n++] = (warn_row_t){site, source, field, count};
            w->total += count;
        }
    }
}

/* Most warnings first; ties by site, source, field so the order is stable. */
static int warn_row_cmp(const void *a, const void *b)
{
    const warn_row_t *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    int c = strcmp(x->site, y->site);
    if (c == 0)
        c = strcmp(x->source, y->source);
    return c ? c : strcmp(x->field, y->field);
}

/* The block: a total line, then the top WARN_TOP rows, then what was left
   out.  `indent` and `with_site` fit it under stats or under one site. */
static void warn_rows_print(warn_rows_t *w, const char *indent, bool with_site)
{
    printf("%snormalize warnings: %lld", indent, (long long)w->total);
    if (w->n == 0) {
        printf("\n");
        return;
    }
    printf(" (values that did not convert, records kept; top %d)\n", WARN_TOP);
    qsort(w->v, w->n, sizeof *w->v, warn_row_cmp);
    if (with_site)
        printf("%s  %-12s %-28s %-28s %8s\n", indent, "SITE", "SOURCE", "FIELD", "COUNT");
    else
        printf("%s  %-28s %-28s %8s\n", indent, "SOURCE", "FIELD", "COUNT");
    size_t shown = w->n < WARN_TOP ? w->n : WARN_TOP;
    json_int_t rest = w->total;
    for (size_t i = 0; i < shown; i++) {
        if (with_site)
            printf("%s  %-12s %-28s %-28s %8lld\n", indent, w->v[i].site, w->v[i].source,
                   w->v[i].field, (long long)w->v[i].count);
        else
            printf("%s  %-28s %-28s %8lld\n", indent, w->v[i].source, w->v[i].field,
                   (long long)w->v[i].count);
        rest -= w->v[i].count;
    }
    if (w->n > shown)
        printf("%s  ... %zu more rows, %lld warnings\n", indent, w->n - shown, (long long)rest);
}

static void warn_rows_free(warn_rows_t *w)
{
    free(w->v);
    *w = (warn_rows_t){0};
}

/* [--json] and nothing else: 0, or CLI_USAGE after saying what was wrong. */
static int parse_json_flag(const char *cmd, int argc, char **argv, bool *json)
{
    const cli_flag_t flags[] = {{"--json", NULL, json}, {NULL, NULL, NULL}};
    const char *pos[1];
    int npos;
    return cli_parse_args(cmd, NULL, argc, argv, 1, flags, pos, 0, &npos);
}

static void print_json(const json_t *v)
{
    cli_print_json(v);
}

int cmd_stats(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false;
    int rc = parse_json_flag("stats", argc, argv, &json);
    if (rc != 0)
        return rc;
    json_t *r = cli_call(o, "stats", NULL, &rc);
    if (!r)
        return rc;
    if (json) {
        print_json(r);
    } else {
        json_t *ev = json_object_get(r, "events"), *dl = json_object_get(r, "dead_letters");
        json_t *cmds = json_object_get(r, "commands");
        printf("events stored:   %lld\n",
               (long long)json_integer_value(json_object_get(ev, "total")));
        const char *site;
        json_t *n;
        json_object_foreach(json_object_get(ev, "per_site"), site, n)
            printf("  %-14s %lld\n", site, (long long)json_integer_value(n));
        printf("dead letters:    %lld\n",
               (long long)json_integer_value(json_object_get(dl, "total")));
        printf("cases:           %lld\n",
               (long long)json_integer_value(json_object_get(r, "cases")));
        printf("playbook runs:   %lld\n",
               (long long)json_integer_value(json_object_get(r, "runs")));
        printf("commands:        %lld (answered %lld, pending %lld)\n",
               (long long)json_integer_value(json_object_get(cmds, "total")),
               (long long)json_integer_value(json_object_get(cmds, "answered")),
               (long long)json_integer_value(json_object_get(cmds, "pending")));
        printf("connected sites:");
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(r, "connected_sites"), i, s)
            printf(" %s", json_string_value(s));
        printf("\n");
        warn_rows_t w = {0};
        json_t *per_site = json_object_get(json_object_get(r, "normalize_warnings"), "per_site");
        json_t *per_source;
        json_object_foreach(per_site, site, per_source) warn_rows_add_site(&w, site, per_source);
        warn_rows_print(&w, "", true);
        warn_rows_free(&w);
    }
    json_decref(r);
    return 0;
}

int cmd_sites(const cli_opts_t *o, int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "gap") == 0)
        return cmd_sites_gap(o, argc, argv);
    if (argc > 1 && strcmp(argv[1], "coverage") == 0)
        return cmd_sites_coverage(o, argc, argv);
    if (argc > 1 && argv[1][0] != '-')
        return cli_unknown_subcommand("sites", argv[1]);
    bool json = false;
    int rc = parse_json_flag("sites", argc, argv, &json);
    if (rc != 0)
        return rc;
    json_t *r = cli_call(o, "sites", NULL, &rc);
    if (!r)
        return rc;
    if (json) {
        print_json(r);
    } else {
        printf("%-12s %-10s %-9s %-9s %-25s %10s %10s %8s %8s\n", "SITE", "STATE", "HEALTH",
               "PROTOCOL", "LAST HEARTBEAT", "EVENTS", "BACKLOG", "PENDING", "DEAD");
        const char *site;
        json_t *rec;
        json_object_foreach(r, site, rec)
        {
            char ts[32] = "-";
            json_int_t hb = json_integer_value(json_object_get(rec, "last_heartbeat"));
            if (hb)
                fs_time_format(hb, ts, sizeof ts);
            const char *proto = json_string_value(json_object_get(rec, "protocol"));
            const json_t *backlog = json_object_get(rec, "backlog");
            const char *health = json_string_value(json_object_get(rec, "health"));
            printf("%-12s %-10s %-9s %-9s %-25s %10lld %10lld %8lld %8lld\n", site,
                   json_is_true(json_object_get(rec, "connected")) ? "connected" : "offline",
                   health ? health : "-", proto ? proto : "-", ts,
                   (long long)json_integer_value(json_object_get(rec, "events_received")),
                   (long long)json_integer_value(json_object_get(rec, "outbox_backlog")),
                   (long long)(json_integer_value(json_object_get(backlog, "commands")) +
                               json_integer_value(json_object_get(backlog, "requests"))),
                   (long long)json_integer_value(json_object_get(rec, "dead_letters")));
            size_t k;
            json_t *why, *conn;
            json_array_foreach(json_object_get(rec, "health_reasons"), k, why)
                printf("    %s\n", json_string_value(why));
            json_array_foreach(json_object_get(rec, "connectors"), k, conn)
                printf("    runs %s %s%s%s\n", json_string_value(json_object_get(conn, "kind")),
                       json_string_value(json_object_get(conn, "type"))
                           ? json_string_value(json_object_get(conn, "type"))
                           : "?",
                       json_string_value(json_object_get(conn, "name")) ? " " : "",
                       json_string_value(json_object_get(conn, "name"))
                           ? json_string_value(json_object_get(conn, "name"))
                           : "");
            json_t *pairs = json_object_get(json_object_get(rec, "capabilities"), "pairs");
            const char *action;
            json_t *targets;
            json_object_foreach(pairs, action, targets)
            {
                char *t = json_dumps(targets, JSON_COMPACT);
                printf("    can %s %s\n", action, t ? t : "");
                free(t);
            }
            json_t *warnings = json_object_get(rec, "normalize_warnings");
            if (json_object_size(warnings)) {
                warn_rows_t w = {0};
                warn_rows_add_site(&w, site, warnings);
                warn_rows_print(&w, "    ", false);
                warn_rows_free(&w);
            }
        }
    }
    json_decref(r);
    return 0;
}
