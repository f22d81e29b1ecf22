/*  cmd_runs.c — fedsoarctl runs [list] [--status S] [--case ID]
    [--playbook NAME] [--limit N] [--cursor C] | runs show ID: what the
    playbooks are doing (fedsoarctl metrics: cmd_metrics.c). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void dump(const json_t *v)
{
    cli_print_json(v);
}

/* The statuses a run can have (playbooks/engine.c). */
static const char *const run_statuses[] = {"running", "waiting", "completed",
                                           "failed",  "denied",  NULL};

/* Every page of a list command up to max items (the CLI's view before
   pages: at most 1000), or one page when the caller asked for one. Returns
   {"items", "next_cursor"}; NULL with *rc set. args is stolen. */
json_t *cli_call_pages(const cli_opts_t *o, const char *cmd, json_t *args, bool one_page,
                       size_t max, int *rc)
{
    json_t *all = json_array(), *next = json_null();
    for (;;) {
        json_t *page = cli_call(o, cmd, json_deep_copy(args), rc);
        if (!page) {
            json_decref(all);
            json_decref(args);
            return NULL;
        }
        json_array_extend(all, json_object_get(page, "items"));
        next = json_incref(json_object_get(page, "next_cursor"));
        json_decref(page);
        if (one_page || json_is_null(next) || !next || json_array_size(all) >= max)
            break;
        json_object_set(args, "cursor", next);
        json_decref(next);
    }
    json_decref(args);
    return json_pack("{s:o, s:o}", "items", all, "next_cursor", next ? next : json_null());
}

int cmd_runs(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false;
    const char *status = NULL, *case_id = NULL, *playbook = NULL, *limit = NULL, *cursor = NULL;
    const char *sub = "list", *pos[1];
    int npos = 0, first = 1;
    if (argc > 1 && argv[1][0] != '-') { /* runs [list] defaults to list */
        sub = argv[1];
        first = 2;
        if (!cli_is_subcommand("runs", sub))
            return cli_unknown_subcommand("runs", sub);
    }
    bool show = strcmp(sub, "show") == 0;
    const cli_flag_t list_flags[] = {{"--json", NULL, &json},    {"--status", &status, NULL},
                                     {"--case", &case_id, NULL}, {"--playbook", &playbook, NULL},
                                     {"--limit", &limit, NULL},  {"--cursor", &cursor, NULL},
                                     {NULL, NULL, NULL}};
    const cli_flag_t show_flags[] = {
        {"--json", NULL, &json}, {"--status", &status, NULL}, {NULL, NULL, NULL}};
    int rc = cli_parse_args("runs", sub, argc, argv, first, show ? show_flags : list_flags, pos,
                            show ? 1 : 0, &npos);
    if (rc != 0)
        return rc;
    uint64_t id = 0, cid = 0, lim = 0, cur = 0;
    if (show) {
        if (status)
            return cli_usage_error("runs", sub, "--status is for runs list");
        if (npos != 1)
            return cli_usage_error("runs", sub, "ID is required");
        if ((rc = cli_parse_id("runs", sub, pos[0], "run", &id)) != 0)
            return rc;
    } else if (status && cli_parse_enum("runs", sub, "run status", status, run_statuses) < 0) {
        return CLI_USAGE;
    } else if ((case_id && (rc = cli_parse_id("runs", sub, case_id, "case", &cid)) != 0) ||
               (limit && (rc = cli_parse_id("runs", sub, limit, "limit (1-500)", &lim)) != 0) ||
               (cursor && (rc = cli_parse_id("runs", sub, cursor, "cursor", &cur)) != 0)) {
        return rc;
    }
    json_t *r = NULL;
    if (show) {
        r = cli_call(o, "run.show", json_pack("{s:I}", "id", (json_int_t)id), &rc);
    } else {
        json_t *args = json_pack("{s:s?, s:s?}", "status", status, "playbook", playbook);
        if (cid)
            json_object_set_new(args, "case_id", json_integer((json_int_t)cid));
        if (lim)
            json_object_set_new(args, "limit", json_integer((json_int_t)lim));
        if (cursor)
            json_object_set_new(args, "cursor", json_string(cursor));
        r = cli_call_pages(o, "runs.list", args, limit || cursor, 1000, &rc);
    }
    if (!r)
        return rc;
    if (show) {
        dump(r);
    } else if (json) {
        /* one page asked for: the page, with its next_cursor; else the runs */
        dump(limit || cursor ? r : json_object_get(r, "items"));
    } else {
        printf("%-6s %-10s %-6s %-28s %s\n", "RUN", "STATUS", "CASE", "PLAYBOOK", "ERROR");
        size_t i;
        json_t *run;
        json_array_foreach(json_object_get(r, "items"), i, run)
            printf("%-6lld %-10s %-6lld %-28s %s\n",
                   (long long)json_integer_value(json_object_get(run, "id")),
                   json_string_value(json_object_get(run, "status")),
                   (long long)json_integer_value(json_object_get(run, "case_id")),
                   json_string_value(json_object_get(run, "playbook")),
                   json_string_value(json_object_get(run, "error"))
                       ? json_string_value(json_object_get(run, "error"))
                       : "");
        const char *next = json_string_value(json_object_get(r, "next_cursor"));
        if (next && (limit || cursor))
            printf("more: --cursor %s\n", next);
    }
    json_decref(r);
    return 0;
}
