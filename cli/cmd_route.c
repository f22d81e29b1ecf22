/*  cmd_route.c — `fedsoarctl route --explain`: where would an OpenC2 command
    go, and why (docs/openc2.md "Routing"). Works without a broker, from a
    routes file in the broker config's "sites" shape.

      fedsoarctl route --explain FILE|- --routes ROUTES.json [--site NAME]
                       [--no-validate] [--json]

    Exit 0 routed (site names on the first line), 1 refused or the command
    is invalid, 2 usage or I/O error. */
#include "cli.h"
#include "federation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUTES_MAX_BYTES (64u << 20)

static int usage(FILE *out)
{
    fprintf(out,
            "usage: fedsoarctl route --explain FILE|- [--routes ROUTES.json] [--site NAME]\n"
            "                        [--no-validate] [--json]\n"
            "  Decides which site(s) the OpenC2 command in FILE goes to, and says why.\n"
            "  Without --routes the running broker decides with what it knows now.\n"
            "  ROUTES.json: {\"sites\": {\"alpha\": {\"scopes\": {...}, \"capabilities\": {...}}}}\n"
            "  (or $FEDSOAR_ROUTES). --site names the site explicitly. The command is checked\n"
            "  with the strict validator first unless --no-validate. --json prints the\n"
            "  explanation object. Exit 0 routed; 1 refused or invalid; 2 usage or I/O error.\n");
    return 2;
}

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
    json_array_foreach(locs, i, v) printf("locator: %s %s (from %s)\n",
                                          json_string_value(json_object_get(v, "kind")),
                                          json_string_value(json_object_get(v, "value")),
                                          json_string_value(json_object_get(v, "from")));
    const json_t *rows = json_object_get(ex, "considered");
    if (json_array_size(rows))
        printf("considered:\n");
    json_array_foreach(rows, i, v) printf("  %-16s %-9s %s\n",
                                          json_string_value(json_object_get(v, "site")),
                                          json_is_true(json_object_get(v, "taken")) ? "taken"
                                                                                    : "not taken",
                                          json_string_value(json_object_get(v, "why")));
}

int cmd_route(const cli_opts_t *o, int argc, char **argv)
{
    const char *file = NULL, *routes = getenv("FEDSOAR_ROUTES"), *site = NULL;
    bool as_json = false, validate = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            as_json = true;
        } else if (strcmp(a, "--no-validate") == 0) {
            validate = false;
        } else if (strcmp(a, "--explain") == 0 || strcmp(a, "--routes") == 0 ||
                   strcmp(a, "--site") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "fedsoarctl route: %s needs a value\n", a);
                return usage(stderr);
            }
            const char **slot = a[2] == 'e' ? &file : a[2] == 'r' ? &routes : &site;
            *slot = argv[++i];
        } else {
            fprintf(stderr, "fedsoarctl route: unknown argument \"%s\"\n", a);
            return usage(stderr);
        }
    }
    if (!file) {
        fprintf(stderr, "fedsoarctl route: --explain FILE is required\n");
        return usage(stderr);
    }
    fs_err_t e = {{0}};
    if (!routes) {
        size_t n;
        char *text = fs_file_read(file, OPENC2_MAX_TEXT, &n, &e);
        json_t *command = text ? fs_json_parse(text, n, &e) : NULL;
        free(text);
        if (!command) {
            fprintf(stderr, "fedsoarctl route: %s: %s\n", file, e.text);
            return 2;
        }
        json_t *ex = cli_control_call(o, "route.explain", json_pack("{s:o, s:s?}", "command", command, "site", site));
        if (!ex)
            return 2;
        if (as_json) {
            char *out = json_dumps(ex, JSON_INDENT(2) | JSON_SORT_KEYS);
            printf("%s\n", out ? out : "null");
            free(out);
        } else {
            print_human(ex);
        }
        int routed = json_array_size(json_object_get(ex, "sites")) > 0;
        json_decref(ex);
        return routed ? 0 : 1;
    }
    json_t *cfg = fs_config_load(routes, &e);
    if (!cfg) {
        fprintf(stderr, "fedsoarctl route: %s\n", e.text);
        return 2;
    }
    size_t len;
    char *text = fs_file_read(file, OPENC2_MAX_TEXT, &len, &e);
    json_t *cmd = text ? fs_json_parse(text, len, &e) : NULL;
    free(text);
    if (!cmd) {
        fprintf(stderr, "fedsoarctl route: %s: %s\n", file, e.text);
        json_decref(cfg);
        return 2;
    }
    int rc = 2;
    route_table_t *t = route_table_new(0);
    json_t *ex = NULL, *sites = NULL;
    if (!t) {
        fprintf(stderr, "fedsoarctl route: out of memory\n");
        goto out;
    }
    if (!json_object_get(cfg, "sites")) {
        fprintf(stderr, "fedsoarctl route: %s: no \"sites\" object (see docs/openc2.md, "
                        "Routing)\n", routes);
        goto out;
    }
    if (route_load_sites(t, json_object_get(cfg, "sites"), &e) != 0) {
        fprintf(stderr, "fedsoarctl route: %s: %s\n", routes, e.text);
        goto out;
    }
    if (validate) {
        char reason[OPENC2_REASON_MAX];
        int verdict = openc2_validate_command(cmd, reason, sizeof reason);
        if (verdict != OPENC2_VALID) {
            printf("%d %s\n", verdict, reason);
            fprintf(stderr, "fedsoarctl route: the command is not valid OpenC2 (use "
                            "--no-validate to route it anyway)\n");
            rc = 1;
            goto out;
        }
    }
    sites = route_decide(t, cmd, site, &ex);
    if (!sites || !ex) {
        fprintf(stderr, "fedsoarctl route: out of memory\n");
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
