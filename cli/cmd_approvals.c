/*  cmd_approvals.c — fedsoarctl approvals list | approve ID | deny ID.
    Your operator key says who you are; the broker checks your role against
    the gate's, counts distinct approvers toward its quorum, and records
    every decision on the case timeline. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void print_approval(const json_t *a)
{
    char ts[32];
    fs_time_format(json_integer_value(json_object_get(a, "deadline")), ts, sizeof ts);
    printf("%-5lld %-9s case %-5lld %-24s role %-10s %zu/%lld votes, deadline %s (then %s)\n      %s\n",
           (long long)json_integer_value(json_object_get(a, "id")), json_string_value(json_object_get(a, "status")),
           (long long)json_integer_value(json_object_get(a, "case_id")),
           json_string_value(json_object_get(a, "playbook")), json_string_value(json_object_get(a, "role")),
           json_array_size(json_object_get(a, "votes")), (long long)json_integer_value(json_object_get(a, "quorum")),
           ts, json_string_value(json_object_get(a, "on_timeout")),
           json_string_value(json_object_get(a, "reason")) ? json_string_value(json_object_get(a, "reason")) : "");
}

int cmd_approvals(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false, all = false;
    const char *comment = NULL;
    int pos = 0;
    const char *args[2] = {NULL, NULL};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--all") == 0)
            all = true;
        else if (strcmp(argv[i], "--comment") == 0 && i + 1 < argc)
            comment = argv[++i];
        else if (pos < 2)
            args[pos++] = argv[i];
        else
            pos = 3;
    }
    const char *sub = args[0] ? args[0] : "list";
    uint64_t id = 0;
    bool list = strcmp(sub, "list") == 0;
    bool vote = strcmp(sub, "approve") == 0 || strcmp(sub, "deny") == 0;
    if (pos > 2 || (!list && !vote) || (vote && (!args[1] || fs_parse_u64(args[1], &id) != 0)) || (list && args[1])) {
        fprintf(stderr, "usage: fedsoarctl approvals [list] [--all] [--json]\n"
                        "       fedsoarctl approvals approve|deny ID [--comment TEXT]\n");
        return 2;
    }
    json_t *r = list ? cli_control_call(o, "approvals.list", json_pack("{s:b}", "all", all))
                     : cli_control_call(o, "approval.decide",
                                        json_pack("{s:I, s:s, s:s?}", "id", (json_int_t)id, "decision",
                                                  strcmp(sub, "approve") == 0 ? "approve" : "deny", "comment",
                                                  comment));
    if (!r)
        return vote ? 1 : 2;
    if (json) {
        char *text = json_dumps(r, JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("%s\n", text ? text : "null");
        free(text);
    } else if (list) {
        size_t i;
        json_t *a;
        if (json_array_size(r) == 0)
            printf("no %sapprovals\n", all ? "" : "open ");
        json_array_foreach(r, i, a) print_approval(a);
    } else {
        printf("recorded your %s; approval %llu is now %s\n", sub, (unsigned long long)id,
               json_string_value(json_object_get(r, "status")));
    }
    json_decref(r);
    return 0;
}
