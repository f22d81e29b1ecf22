/*  cmd_case.c — fedsoarctl case list / case show ID. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char *severity_name(json_int_t s)
{
    static const char *const names[] = {"unknown", "info", "low", "medium", "high", "critical", "fatal"};
    return s >= 0 && s <= 6 ? names[s] : "other";
}

static void print_timeline_entry(const json_t *t)
{
    char ts[32];
    fs_time_format(json_integer_value(json_object_get(t, "time")), ts, sizeof ts);
    const char *kind = json_string_value(json_object_get(t, "kind"));
    printf("  %s  %-18s ", ts, kind ? kind : "?");
#define F(name) json_string_value(json_object_get(t, name))
    if (!kind) {
    } else if (strcmp(kind, "opened") == 0 || strcmp(kind, "alert") == 0) {
        printf("%s alert from %s (%s)", kind[0] == 'o' ? "first" : "another", F("site"), F("source"));
        if (F("text"))
            printf(": %s", F("text"));
    } else if (strcmp(kind, "playbook") == 0) {
        printf("playbook %s (version %.12s) run %lld", F("playbook"), F("version"),
               (long long)json_integer_value(json_object_get(t, "run_id")));
    } else if (strcmp(kind, "command") == 0) {
        printf("OpenC2 %s %s -> site %s [%s]", F("action"), F("target"), F("site"), F("command_id"));
    } else if (strcmp(kind, "response") == 0) {
        printf("response %lld from site %s: %s [%s]",
               (long long)json_integer_value(json_object_get(t, "status")), F("site"),
               F("status_text") ? F("status_text") : "", F("command_id"));
    } else if (strcmp(kind, "command_refused") == 0) {
        printf("command refused (%lld): %s", (long long)json_integer_value(json_object_get(t, "status")),
               F("reason"));
    } else if (strcmp(kind, "step") == 0) {
        char *detail = json_object_get(t, "detail") ? json_dumps(json_object_get(t, "detail"), JSON_COMPACT) : NULL;
        printf("step %s (%s) %s%s%s", F("step"), F("type"), F("what"), detail ? ": " : "", detail ? detail : "");
        free(detail);
    } else if (strcmp(kind, "playbook_completed") == 0 || strcmp(kind, "playbook_failed") == 0) {
        printf("run %lld of %s %s%s%s", (long long)json_integer_value(json_object_get(t, "run_id")), F("playbook"),
               F("status"), F("error") ? ": " : "", F("error") ? F("error") : "");
    } else if (strcmp(kind, "request") == 0) {
        printf("%s %s -> site %s [%s]", F("type"), F("name"), F("site"), F("request_id"));
    } else if (strcmp(kind, "result") == 0) {
        char *r = json_dumps(json_object_get(t, "result"), JSON_COMPACT);
        printf("%s from site %s: %s %s", F("name"), F("site"), F("status"), r ? r : "");
        free(r);
    } else if (strcmp(kind, "approval_requested") == 0) {
        printf("approval %lld asked of role %s (quorum %lld): %s",
               (long long)json_integer_value(json_object_get(t, "approval_id")), F("role"),
               (long long)json_integer_value(json_object_get(t, "quorum")), F("reason") ? F("reason") : "");
    } else if (strcmp(kind, "approval_vote") == 0) {
        printf("%s (%s) voted %s on approval %lld (%lld of %lld)%s%s", F("operator"), F("role"), F("decision"),
               (long long)json_integer_value(json_object_get(t, "approval_id")),
               (long long)json_integer_value(json_object_get(t, "approvals")),
               (long long)json_integer_value(json_object_get(t, "quorum")), F("comment") ? ": " : "",
               F("comment") ? F("comment") : "");
    } else if (strcmp(kind, "approval_expired") == 0) {
        printf("approval %lld expired, then %s", (long long)json_integer_value(json_object_get(t, "approval_id")),
               F("on_timeout"));
    } else if (strcmp(kind, "updated") == 0) {
        char *fields = json_dumps(json_object_get(t, "fields"), JSON_COMPACT);
        printf("%s by %s", fields ? fields : "", F("by"));
        free(fields);
    } else {
        char *all = json_dumps(t, JSON_COMPACT);
        printf("%s", all ? all : "");
        free(all);
    }
#undef F
    printf("\n");
}

/* case assign ID NAME | note ID TEXT | status ID STATUS */
static int case_update(const cli_opts_t *o, const char *sub, uint64_t id, const char *value)
{
    const char *field = strcmp(sub, "assign") == 0 ? "assignee" : strcmp(sub, "note") == 0 ? "note" : "status";
    json_t *r = cli_control_call(o, "case.update", json_pack("{s:I, s:{s:s}}", "id", (json_int_t)id, "fields",
                                                           field, value));
    if (!r)
        return 1;
    printf("case %llu: %s %s\n", (unsigned long long)id,
           strcmp(field, "note") == 0 ? "note added" : field,
           strcmp(field, "note") == 0 ? "" : json_string_value(json_object_get(r, field)));
    json_decref(r);
    return 0;
}

int cmd_case(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false;
    const char *sub = NULL, *id = NULL, *value = NULL;
    int extra = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (!sub)
            sub = argv[i];
        else if (!id)
            id = argv[i];
        else if (!value)
            value = argv[i];
        else
            extra = 1;
    }
    uint64_t case_id = 0;
    bool update = sub && (strcmp(sub, "assign") == 0 || strcmp(sub, "note") == 0 || strcmp(sub, "status") == 0);
    bool ok = sub && !extra &&
              ((strcmp(sub, "list") == 0 && !id) ||
               (strcmp(sub, "show") == 0 && id && !value && fs_parse_u64(id, &case_id) == 0) ||
               (update && id && value && fs_parse_u64(id, &case_id) == 0));
    if (!ok) {
        fprintf(stderr, "usage: fedsoarctl case list [--json]\n"
                        "       fedsoarctl case show ID [--json]\n"
                        "       fedsoarctl case assign ID NAME\n"
                        "       fedsoarctl case note ID TEXT\n"
                        "       fedsoarctl case status ID new|analysis|containment|eradication|recovery|closed\n");
        return 2;
    }
    if (update)
        return case_update(o, sub, case_id, value);
    json_t *r = strcmp(sub, "list") == 0
                    ? cli_control_call(o, "case.list", NULL)
                    : cli_control_call(o, "case.show", json_pack("{s:I}", "id", (json_int_t)case_id));
    if (!r)
        return strcmp(sub, "show") == 0 ? 1 : 2;
    if (json) {
        char *text = json_dumps(r, JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("%s\n", text ? text : "null");
        free(text);
    } else if (strcmp(sub, "list") == 0) {
        printf("%-6s %-12s %-9s %-12s %6s  %s\n", "ID", "STATUS", "SEVERITY", "SITES", "ALERTS", "TITLE");
        size_t i;
        json_t *c;
        json_array_foreach(r, i, c) {
            char sites[64] = "";
            size_t j;
            json_t *s;
            json_array_foreach(json_object_get(c, "sites"), j, s) {
                size_t n = strlen(sites);
                snprintf(sites + n, sizeof sites - n, "%s%s", n ? "," : "", json_string_value(s));
            }
            printf("%-6lld %-12s %-9s %-12s %6lld  %s\n",
                   (long long)json_integer_value(json_object_get(c, "id")),
                   json_string_value(json_object_get(c, "status")),
                   severity_name(json_integer_value(json_object_get(c, "severity_id"))), sites,
                   (long long)json_integer_value(json_object_get(c, "alert_count")),
                   json_string_value(json_object_get(c, "title")));
        }
    } else {
        printf("case %lld: %s\n", (long long)json_integer_value(json_object_get(r, "id")),
               json_string_value(json_object_get(r, "title")));
        printf("  status %s, severity %s, alerts %lld, assignee %s\n",
               json_string_value(json_object_get(r, "status")),
               severity_name(json_integer_value(json_object_get(r, "severity_id"))),
               (long long)json_integer_value(json_object_get(r, "alert_count")),
               json_string_value(json_object_get(r, "assignee")) ? json_string_value(json_object_get(r, "assignee")) : "-");
        printf("  observables:");
        size_t i;
        json_t *obs;
        json_array_foreach(json_object_get(r, "observables"), i, obs)
            printf(" %s", json_string_value(json_object_get(obs, "value")));
        printf("\ntimeline:\n");
        json_t *t;
        json_array_foreach(json_object_get(r, "timeline"), i, t) print_timeline_entry(t);
    }
    json_decref(r);
    return 0;
}
