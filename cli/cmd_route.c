/*  cmd_route.c — `fedsoarctl route --explain`: where would an OpenC2 command
    go, and why (docs/openc2.md "Routing"). Works without a broker, from a
    routes file in the broker config's "sites" shape.

      fedsoarctl route --explain FILE|- --routes ROUTES.json [--site NAME]
                       [--no-validate] [--json]

    Exit 0 routed (site names on the first line), 1 refused or the command
    is invalid, 2 usage or I/O error. */
#include "cli.h"
#include "openc2.h"
#include "routing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_human(const json_t *ex)
{
    const json_t *sites = json_object_get(ex, "sites");
    printf("%s", json_array_size(sites) ? "routed to:" : "refused");
    size_t i;
    json_t *v;
    json_array_foreach(sites, i, v) printf("%s %s", i ? "," : "", json_string_value(v));
    printf("\n");
    printf("rule: %s\n", json_string_value(json_object_get(ex, "rule")));
    printf("reason: %s\n", json_string_value(json_object_get(ex, "reason")));
    const json_t *locs = json_object_get(ex, "locators");
    json_array_foreach(locs, i, v)
        printf("locator: %s %s (from %s)\n", json_string_value(json_object_get(v, "kind")),
               json_string_value(json_object_get(v, "value")),
               json_string_value(json_object_get(v, "from")));
    const json_t *rows = json_object_get(ex, "considered");
    if (json_array_size(rows))
        printf("considered:\n");
    json_array_foreach(rows, i, v)
        printf("  %-16s %-9s %s\n", json_string_value(json_object_get(v, "site")),
               json_is_true(json_object_get(v, "taken")) ? "taken" : "not taken",
               json_string_value(json_object_get(v, "why")));
}

/* The OpenC2 command to route: unreadable is 2, too big or not JSON is 1. */
static json_t *load_command(const char *file, int *rc)
{
    size_t len;
    char *text = cli_read_file("route", NULL, file, OPENC2_MAX_TEXT, "OpenC2 messages", CLI_REFUSED,
                               &len, rc);
    fs_err_t e = {0};
    json_t *cmd = text ? fs_json_parse(text, len, &e) : NULL;
    if (text && !cmd) {
        printf("400 %s\n", e.text);
        fprintf(stderr, "fedsoarctl: route: %s: %s\n", file, e.text);
        *rc = CLI_REFUSED;
    }
    free(text);
    return cmd;
}

int cmd_route(const cli_opts_t *o, int argc, char **argv)
{
    const char *file = NULL, *routes = NULL, *site = NULL, *pos[1];
    bool as_json = false, no_validate = false;
    int npos = 0, rc;
    const cli_flag_t flags[] = {
        {"--explain", &file, NULL}, {"--routes", &routes, NULL},           {"--site", &site, NULL},
        {"--json", NULL, &as_json}, {"--no-validate", NULL, &no_validate}, {NULL, NULL, NULL}};
    if ((rc = cli_parse_args("route", NULL, argc, argv, 1, flags, pos, 0, &npos)) != 0)
        return rc;
    if (!file)
        return cli_usage_error("route", NULL, "--explain FILE is required");
    if (!routes)
        routes = getenv("FEDSOAR_ROUTES");
    bool validate = !no_validate;
    if (!routes) {
        json_t *command = load_command(file, &rc);
        if (!command)
            return rc;
        json_t *ex = cli_call(o, "route.explain",
                              json_pack("{s:o, s:s?}", "command", command, "site", site), &rc);
        if (!ex)
            return rc;
        if (as_json) {
            char *out = json_dumps(ex, JSON_INDENT(2) | JSON_SORT_KEYS);
            printf("%s\n", out ? out : "null");
            free(out);
        } else {
            print_human(ex);
        }
        int routed = json_array_size(json_object_get(ex, "sites")) > 0;
        json_decref(ex);
        return routed ? CLI_OK : CLI_REFUSED;
    }
    json_t *cfg =
        cli_load_json("route", NULL, routes, CLI_ROUTES_MAX, "routes files", CLI_USAGE, &rc);
    if (!cfg)
        return rc;
    json_t *cmd = load_command(file, &rc);
    if (!cmd) {
        json_decref(cfg);
        return rc;
    }
    rc = CLI_USAGE;
    fs_err_t e = {0};
    route_table_t *t = route_table_new(0);
    json_t *ex = NULL, *sites = NULL;
    if (!t) {
        fprintf(stderr, "fedsoarctl: route: out of memory\n");
        goto out;
    }
    if (!json_object_get(cfg, "sites")) {
        fprintf(stderr,
                "fedsoarctl: route: %s: no \"sites\" object (see docs/openc2.md, "
                "Routing)\n",
                routes);
        goto out;
    }
    if (route_load_sites(t, json_object_get(cfg, "sites"), &e) != 0) {
        fprintf(stderr, "fedsoarctl: route: %s: %s\n", routes, e.text);
        goto out;
    }
    if (validate) {
        char reason[OPENC2_REASON_MAX];
        int verdict = openc2_validate_command(cmd, reason, sizeof reason);
        if (verdict != OPENC2_VALID) {
            printf("%d %s\n", verdict, reason);
            fprintf(stderr, "fedsoarctl: route: the command is not valid OpenC2 (use "
                            "--no-validate to route it anyway)\n");
            rc = 1;
            goto out;
        }
    }
    sites = route_decide(t, cmd, site, &ex);
    if (!sites || !ex) {
        fprintf(stderr, "fedsoarctl: route: out of memory\n");
        goto out;
    }
    if (as_json) {
        char *out = json_dumps(ex, JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("%s\n", out ? out : "{}");
        free(out);
    } else {
        print_human(ex);
    }
    rc = json_array_size(sites) ? 0 : 1;
out:
    json_decref(sites);
    json_decref(ex);
    json_decref(cmd);
    json_decref(cfg);
    route_table_destroy(&t);
    return rc;
}
