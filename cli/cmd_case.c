/*  cmd_case.c — fedsoarctl case list [filters] | show ID | assign ID NAME |
    note ID TEXT | status ID STATUS | severity ID LEVEL. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char *severity_name(json_int_t s)
{
    static const char *const names[] = {"unknown", "info",     "low",  "medium",
                                        "high",    "critical", "fatal"};
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
        printf("%s alert from %s (%s)", kind[0] == 'o' ? "first" : "another", F("site"),
               F("source"));
        if (F("text"))
            printf(": %s", F("text"));
    } else if (strcmp(kind, "playbook") == 0) {
        printf("playbook %s (version %.12s) run %lld", F("playbook"), F("version"),
               (long long)json_integer_value(json_object_get(t, "run_id")));
    } else if (strcmp(kind, "command") == 0) {
        printf("OpenC2 %s %s -> site %s [%s]", F("action"), F("target"), F("site"),
               F("command_id"));
    } else if (strcmp(kind, "response") == 0) {
        printf("response %lld from site %s: %s [%s]",
               (long long)json_integer_value(json_object_get(t, "status")), F("site"),
               F("status_text") ? F("status_text") : "", F("command_id"));
    } else if (strcmp(kind, "command_refused") == 0) {
        printf("command refused (%lld): %s",
               (long long)json_integer_value(json_object_get(t, "status")), F("reason"));
    } else if (strcmp(kind, "step") == 0) {
        char *detail = json_object_get(t, "detail")
                           ? json_dumps(json_object_get(t, "detail"), JSON_COMPACT)
                           : NULL;
        printf("step %s (%s) %s%s%s", F("step"), F("type"), F("what"), detail ? ": " : "",
               detail ? detail : "");
        free(detail);
    } else if (strcmp(kind, "playbook_completed") == 0 || strcmp(kind, "playbook_failed") == 0) {
        printf("run %lld of %s %s%s%s", (long long)json_integer_value(json_object_get(t, "run_id")),
               F("playbook"), F("status"), F("error") ? ": " : "", F("error") ? F("error") : "");
    } else if (strcmp(kind, "request") == 0) {
        printf("%s %s -> site %s [%s]", F("type"), F("name"), F("site"), F("request_id"));
    } else if (strcmp(kind, "result") == 0) {
        char *r = json_dumps(json_object_get(t, "result"), JSON_COMPACT);
        printf("%s from site %s: %s %s", F("name"), F("site"), F("status"), r ? r : "");
        free(r);
    } else if (strcmp(kind, "approval_requested") == 0) {
        printf("approval %lld asked of role %s (quorum %lld): %s",
               (long long)json_integer_value(json_object_get(t, "approval_id")), F("role"),
               (long long)json_integer_value(json_object_get(t, "quorum")),
               F("reason") ? F("reason") : "");
    } else if (strcmp(kind, "approval_vote") == 0) {
        printf("%s (%s) voted %s on approval %lld (%lld of %lld)%s%s", F("operator"), F("role"),
               F("decision"), (long long)json_integer_value(json_object_get(t, "approval_id")),
               (long long)json_integer_value(json_object_get(t, "approvals")),
               (long long)json_integer_value(json_object_get(t, "quorum")),
               F("comment") ? ": " : "", F("comment") ? F("comment") : "");
    } else if (strcmp(kind, "approval_expired") == 0) {
        printf("approval %lld expired, then %s",
               (long long)json_integer_value(json_object_get(t, "approval_id")), F("on_timeout"));
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

static const char *const case_statuses[] = {"new",      "analysis", "containment", "eradication",
                                            "recovery", "closed",   NULL};
static const char *const severities[] = {"unknown", "info",     "low",   "medium",
                                         "high",    "critical", "fatal", NULL};

/* case assign ID NAME | note ID TEXT | status ID STATUS | severity ID LEVEL */
static int case_update(const cli_opts_t *o, const char *sub, uint64_t id, const char *value,
                       bool json)
{
    json_t *fields;
    if (strcmp(sub, "severity") == 0) {
        int level = cli_parse_enum("case", sub, "severity", value, severities);
        if (level < 0)
            return CLI_USAGE;
        fields = json_pack("{s:i}", "severity_id", level);
    } else if (strcmp(sub, "status") == 0) {
        if (cli_parse_enum("case", sub, "case status", value, case_statuses) < 0)
            return CLI_USAGE;
        fields = json_pack("{s:s}", "status", value);
    } else if (strcmp(sub, "note") == 0) {
        size_t n = strlen(value);
        if (n == 0 || n > 10000)
            return cli_usage_error("case", sub, "a note is 1-10000 characters (this one: %zu)", n);
        fields = json_pack("{s:s}", "note", value);
    } else {
        fields = json_pack("{s:s}", "assignee", value);
    }
    int rc;
    json_t *r = cli_call(o, "case.update",
                         json_pack("{s:I, s:o}", "id", (json_int_t)id, "fields", fields), &rc);
    if (!r)
        return rc;
    if (json)
        cli_print_json(r);
    else if (strcmp(sub, "note") == 0)
        printf("case %llu: note added\n", (unsigned long long)id);
    else if (strcmp(sub, "severity") == 0)
        printf("case %llu: severity %s\n", (unsigned long long)id,
               severity_name(json_integer_value(json_object_get(r, "severity_id"))));
    else
        printf("case %llu: %s %s\n", (unsigned long long)id,
               strcmp(sub, "status") == 0 ? "status" : "assignee",
               json_string_value(
                   json_object_get(r, strcmp(sub, "status") == 0 ? "status" : "assignee")));
    json_decref(r);
    return CLI_OK;
}

/* The case.list filters from the command line; NULL after a usage error. */
static json_t *list_args(const char *const *v, bool *one_page)
{
    enum { STATUS, SITE, ASSIGNEE, SEVERITY, TEXT, OBSERVABLE, LIMIT, CURSOR };
    json_t *args = json_object();
    if (v[STATUS] && cli_parse_enum("case", "list", "case status", v[STATUS], case_statuses) < 0)
        goto usage;
    if (v[SEVERITY]) {
        uint64_t n;
        int level = fs_parse_u64(v[SEVERITY], &n) == 0 && n <= 6 ? (int)n : -1;
        if (level < 0 && (level = cli_parse_enum("case", "list", "severity (or 0-6)", v[SEVERITY],
                                                 severities)) < 0)
            goto usage;
        json_object_set_new(args, "severity", json_integer(level));
    }
    if (v[LIMIT]) {
        uint64_t n;
        if (fs_parse_u64(v[LIMIT], &n) != 0 || n < 1 || n > 500) {
            cli_usage_error("case", "list", "--limit is 1-500 (this one: \"%s\")", v[LIMIT]);
            goto usage;
        }
        json_object_set_new(args, "limit", json_integer((json_int_t)n));
    }
    static const char *const names[] = {"status", "site",       "assignee", NULL,
                                        "text",   "observable", NULL,       "cursor"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (names[i] && v[i])
            json_object_set_new(args, names[i], json_string(v[i]));
    *one_page = v[LIMIT] || v[CURSOR];
    return args;
usage:
    json_decref(args);
    return NULL;
}

/* Pages of case.list (args stolen) up to max cases, or only the first:
   {"items", "next_cursor", "counts"} (caller owns) or NULL with *rc. */
static json_t *list_pages(const cli_opts_t *o, json_t *args, bool one_page, size_t max, int *rc)
{
    json_t *all = NULL;
    for (;;) {
        json_t *page = cli_call(o, "case.list", json_deep_copy(args), rc);
        if (!page) {
            json_decref(all);
            all = NULL;
            break;
        }
        if (!all) {
            all = page;
        } else {
            json_array_extend(json_object_get(all, "items"), json_object_get(page, "items"));
            json_object_set(all, "next_cursor", json_object_get(page, "next_cursor"));
            json_decref(page);
        }
        json_t *next = json_object_get(all, "next_cursor");
        if (one_page || !json_is_string(next) ||
            json_array_size(json_object_get(all, "items")) >= max)
            break;
        json_object_set(args, "cursor", next);
    }
    json_decref(args);
    return all;
}

static void print_case_row(const json_t *c)
{
    char sites[64] = "";
    size_t j;
    json_t *s;
    json_array_foreach(json_object_get(c, "sites"), j, s)
    {
        size_t n = strlen(sites);
        snprintf(sites + n, sizeof sites - n, "%s%s", n ? "," : "", json_string_value(s));
    }
    const char *assignee = json_string_value(json_object_get(c, "assignee"));
    printf("%-6lld %-12s %-9s %-12s %-10s %6lld  %s\n",
           (long long)json_integer_value(json_object_get(c, "id")),
           json_string_value(json_object_get(c, "status")),
           severity_name(json_integer_value(json_object_get(c, "severity_id"))), sites,
           assignee ? assignee : "-",
           (long long)json_integer_value(json_object_get(c, "alert_count")),
           json_string_value(json_object_get(c, "title")));
}

/* case list [--status S] [--site S] [--assignee N] [--severity L] [--text T]
   [--observable V] [--limit N] [--cursor C] [--json] */
static int case_list(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false, one_page = false;
    const char *v[8] = {NULL};
    const char *pos[1];
    int npos = 0;
    const cli_flag_t flags[] = {{"--json", NULL, &json},       {"--status", &v[0], NULL},
                                {"--site", &v[1], NULL},       {"--assignee", &v[2], NULL},
                                {"--severity", &v[3], NULL},   {"--text", &v[4], NULL},
                                {"--observable", &v[5], NULL}, {"--limit", &v[6], NULL},
                                {"--cursor", &v[7], NULL},     {NULL, NULL, NULL}};
    int rc = cli_parse_args("case", "list", argc, argv, 2, flags, pos, 0, &npos);
    if (rc != 0)
        return rc;
    json_t *args = list_args(v, &one_page);
    if (!args)
        return CLI_USAGE;
    json_t *r = list_pages(o, args, one_page, 1000, &rc);
    if (!r)
        return rc;
    const json_t *items = json_object_get(r, "items"), *next = json_object_get(r, "next_cursor");
    if (json) {
        /* one page asked for: the page with its cursor; else the cases */
        cli_print_json(one_page ? r : items);
    } else {
        printf("%-6s %-12s %-9s %-12s %-10s %6s  %s\n", "ID", "STATUS", "SEVERITY", "SITES",
               "ASSIGNEE", "ALERTS", "TITLE");
        size_t i;
        json_t *c;
        json_array_foreach(items, i, c) print_case_row(c);
        printf("%zu case%s shown; all cases by status:", json_array_size(items),
               json_array_size(items) == 1 ? "" : "s");
        const char *status;
        json_t *n;
        json_object_foreach(json_object_get(r, "counts"), status, n)
            printf(" %s %lld", status, (long long)json_integer_value(n));
        printf("\n");
    }
    if (json_is_string(next))
        fprintf(json ? stderr : stdout, "more: fedsoarctl case list ... --cursor %s\n",
                json_string_value(next));
    json_decref(r);
    return CLI_OK;
}

int cmd_case(const cli_opts_t *o, int argc, char **argv)
{
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    if (!sub || !cli_is_subcommand("case", sub))
        return cli_unknown_subcommand("case", sub);
    if (strcmp(sub, "list") == 0)
        return case_list(o, argc, argv);
    bool json = false;
    const char *pos[2];
    int npos = 0;
    const cli_flag_t flags[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    bool show = strcmp(sub, "show") == 0;
    int want = show ? 1 : 2;
    int rc = cli_parse_args("case", sub, argc, argv, 2, flags, pos, want, &npos);
    if (rc != 0)
        return rc;
    if (npos < want)
        return cli_usage_error("case", sub, "%s",
                               npos == 0 ? "ID is required" : "a value after the ID is required");
    uint64_t case_id = 0;
    if ((rc = cli_parse_id("case", sub, pos[0], "case", &case_id)) != 0)
        return rc;
    if (!show)
        return case_update(o, sub, case_id, pos[1], json);
    json_t *r = cli_call(o, "case.show", json_pack("{s:I}", "id", (json_int_t)case_id), &rc);
    if (!r)
        return rc;
    if (json) {
        cli_print_json(r);
    } else {
        printf("case %lld: %s\n", (long long)json_integer_value(json_object_get(r, "id")),
               json_string_value(json_object_get(r, "title")));
        printf("  status %s, severity %s, alerts %lld, assignee %s\n",
               json_string_value(json_object_get(r, "status")),
               severity_name(json_integer_value(json_object_get(r, "severity_id"))),
               (long long)json_integer_value(json_object_get(r, "alert_count")),
               json_string_value(json_object_get(r, "assignee"))
                   ? json_string_value(json_object_get(r, "assignee"))
                   : "-");
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
