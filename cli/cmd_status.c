/*  cmd_status.c — fedsoarctl stats / sites: what the broker holds and who
    is connected. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static bool want_json(int argc, char **argv, const char *cmd, int *bad)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else {
            fprintf(stderr, "usage: fedsoarctl %s [--json]\n", cmd);
            *bad = 1;
        }
    }
    return json;
}

static void print_json(const json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
    printf("%s\n", text ? text : "null");
    free(text);
}

int cmd_stats(const cli_opts_t *o, int argc, char **argv)
{
    int bad = 0;
    bool json = want_json(argc, argv, "stats", &bad);
    if (bad)
        return 2;
    json_t *r = cli_control_call(o, "stats", NULL);
    if (!r)
        return 2;
    if (json) {
        print_json(r);
    } else {
        json_t *ev = json_object_get(r, "events"), *dl = json_object_get(r, "dead_letters");
        json_t *cmds = json_object_get(r, "commands");
        printf("events stored:   %lld\n", (long long)json_integer_value(json_object_get(ev, "total")));
        const char *site;
        json_t *n;
        json_object_foreach(json_object_get(ev, "per_site"), site, n)
            printf("  %-14s %lld\n", site, (long long)json_integer_value(n));
        printf("dead letters:    %lld\n", (long long)json_integer_value(json_object_get(dl, "total")));
        printf("cases:           %lld\n", (long long)json_integer_value(json_object_get(r, "cases")));
        printf("playbook runs:   %lld\n", (long long)json_integer_value(json_object_get(r, "runs")));
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
    }
    json_decref(r);
    return 0;
}

int cmd_sites(const cli_opts_t *o, int argc, char **argv)
{
    int bad = 0;
    bool json = want_json(argc, argv, "sites", &bad);
    if (bad)
        return 2;
    json_t *r = cli_control_call(o, "sites", NULL);
    if (!r)
        return 2;
    if (json) {
        print_json(r);
    } else {
        printf("%-12s %-10s %-9s %-25s %10s %10s %8s\n", "SITE", "STATE", "PROTOCOL",
               "LAST HEARTBEAT", "EVENTS", "BACKLOG", "DEAD");
        const char *site;
        json_t *rec;
        json_object_foreach(r, site, rec) {
            char ts[32] = "-";
            json_int_t hb = json_integer_value(json_object_get(rec, "last_heartbeat"));
            if (hb)
                fs_time_format(hb, ts, sizeof ts);
            const char *proto = json_string_value(json_object_get(rec, "protocol"));
            printf("%-12s %-10s %-9s %-25s %10lld %10lld %8lld\n", site,
                   json_is_true(json_object_get(rec, "connected")) ? "connected" : "offline",
                   proto ? proto : "-", ts,
                   (long long)json_integer_value(json_object_get(rec, "events_received")),
                   (long long)json_integer_value(json_object_get(rec, "outbox_backlog")),
                   (long long)json_integer_value(json_object_get(rec, "dead_letters")));
            json_t *pairs = json_object_get(json_object_get(rec, "capabilities"), "pairs");
            const char *action;
            json_t *targets;
            json_object_foreach(pairs, action, targets) {
                char *t = json_dumps(targets, JSON_COMPACT);
                printf("    can %s %s\n", action, t ? t : "");
                free(t);
            }
        }
    }
    json_decref(r);
    return 0;
}
