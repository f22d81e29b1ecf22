/*  cmd_runs.c — fedsoarctl runs [list] [--status S] | runs show ID, and
    fedsoarctl metrics: what the playbooks are doing and how fast the SOC
    acknowledges, contains and resolves. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void dump(const json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
    printf("%s\n", text ? text : "null");
    free(text);
}

int cmd_runs(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false;
    const char *status = NULL, *sub = "list", *id_text = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc)
            status = argv[++i];
        else if (strcmp(argv[i], "list") == 0 || strcmp(argv[i], "show") == 0)
            sub = argv[i];
        else if (!id_text)
            id_text = argv[i];
        else
            sub = "?";
    }
    uint64_t id = 0;
    if ((strcmp(sub, "show") == 0 && (!id_text || fs_parse_u64(id_text, &id) != 0)) ||
        (strcmp(sub, "list") == 0 && id_text) || strcmp(sub, "?") == 0) {
        fprintf(stderr, "usage: fedsoarctl runs [list] [--status waiting|completed|failed|denied] [--json]\n"
                        "       fedsoarctl runs show ID [--json]\n");
        return 2;
    }
    json_t *r = strcmp(sub, "show") == 0
                    ? cli_control_call(o, "run.show", json_pack("{s:I}", "id", (json_int_t)id))
                    : cli_control_call(o, "runs.list", json_pack("{s:s?}", "status", status));
    if (!r)
        return strcmp(sub, "show") == 0 ? 1 : 2;
    if (json || strcmp(sub, "show") == 0) {
        dump(r);
    } else {
        printf("%-6s %-10s %-6s %-28s %s\n", "RUN", "STATUS", "CASE", "PLAYBOOK", "ERROR");
        size_t i;
        json_t *run;
        json_array_foreach(r, i, run)
            printf("%-6lld %-10s %-6lld %-28s %s\n", (long long)json_integer_value(json_object_get(run, "id")),
                   json_string_value(json_object_get(run, "status")),
                   (long long)json_integer_value(json_object_get(run, "case_id")),
                   json_string_value(json_object_get(run, "playbook")),
                   json_string_value(json_object_get(run, "error")) ? json_string_value(json_object_get(run, "error")) : "");
    }
    json_decref(r);
    return 0;
}

static void print_tally(const char *who, const json_t *t)
{
    printf("%-12s %6lld %6lld %7lld", who, (long long)json_integer_value(json_object_get(t, "cases")),
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

int cmd_metrics(const cli_opts_t *o, int argc, char **argv)
{
    bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
    if (argc > 2 || (argc == 2 && !json)) {
        fprintf(stderr, "usage: fedsoarctl metrics [--json]\n");
        return 2;
    }
    json_t *r = cli_control_call(o, "metrics", NULL);
    if (!r)
        return 2;
    if (json) {
        dump(r);
    } else {
        printf("%-12s %6s %6s %7s %10s %10s %10s\n", "", "CASES", "OPEN", "ALERTS", "MTTA s", "MTTC s", "MTTR s");
        print_tally("overall", json_object_get(r, "overall"));
        const char *site;
        json_t *t;
        json_object_foreach(json_object_get(r, "per_site"), site, t) print_tally(site, t);
    }
    json_decref(r);
    return 0;
}
