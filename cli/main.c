/*  fedsoarctl — the operator's command line (docs/cli.md). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int(cmd_fn)(const cli_opts_t *o, int argc, char **argv);

static const struct {
    const char *name;
    cmd_fn *fn;
    const char *help;
} commands[] = {
    {"keys", cmd_keys, "keys init DIR --sites a,b --operators admin[:ROLE]  create a key layout"},
    {"stats", cmd_stats, "stats [--json]              events, dead letters, cases, runs, commands"},
    {"sites", cmd_sites, "sites [--json]              each site: connection, heartbeat, backlog"},
    {"case", cmd_case, "case list|show ID|assign ID NAME|note ID TEXT|status ID STATUS [--json]"},
    {"approvals", cmd_approvals, "approvals [list] [--all] | approve ID | deny ID [--comment T]"},
    {"runs", cmd_runs, "runs [list] [--status S] | runs show ID [--json]   playbook runs"},
    {"metrics", cmd_metrics, "metrics [--json]            MTTA/MTTC/MTTR and counts, per site"},
    {"playbook", cmd_playbook, "playbook validate FILE | test FILE --event EVENT.json  (dry run)\n"
                               "  playbook submit FILE | diff A B | history NAME | approve VERSION | reject VERSION --reason T\n"
                               "  playbook activate VERSION --site S [--shadow] | rollback --site S [NAME] | retire VERSION\n"
                               "  playbook compare NAME | status                 governance (docs/governance.md)"},
    {"audit", cmd_audit, "audit verify [--state-dir DIR [--keys DIR]] [--json] | export [--since SEQ]  tamper-evident log"},
    {"normalize", cmd_normalize, "normalize --source ID [--site NAME] [--keep-raw] [FILE|-] | --list-sources  native records -> OCSF, one per line"},
    {"openc2", cmd_openc2, "openc2 validate [--response] [--profile NAME]... [FILE|-]  check an OpenC2 message"},
    {"route", cmd_route, "route --explain FILE --routes ROUTES.json [--site NAME] [--json]  which site(s) a command goes to, and why"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: fedsoarctl [--control ENDPOINT] [--keys DIR] [--operator NAME] COMMAND ...\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %s\n", commands[i].help);
    fprintf(out, "\n  --control ENDPOINT  broker control endpoint (default tcp://127.0.0.1:7701,\n"
                 "                      or $FEDSOAR_CONTROL)\n"
                 "  --keys DIR          key layout (default /etc/fedsoar/keys, or $FEDSOAR_KEYS)\n"
                 "  --operator NAME     your operator key: KEYS/operators/NAME.cert_secret\n"
                 "                      (default admin, or $FEDSOAR_OPERATOR)\n"
                 "  --help, --version\n");
}

int main(int argc, char **argv)
{
    const char *env;
    cli_opts_t o = {
        .control = (env = getenv("FEDSOAR_CONTROL")) ? env : "tcp://127.0.0.1:7701",
        .keys_dir = (env = getenv("FEDSOAR_KEYS")) ? env : "/etc/fedsoar/keys",
        .operator_name = (env = getenv("FEDSOAR_OPERATOR")) ? env : "admin",
    };
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            printf("fedsoarctl %s (protocol %s)\n", FEDSOAR_VERSION, FS_PROTOCOL_VERSION);
            return 0;
        }
        const char **slot = strcmp(a, "--control") == 0    ? &o.control
                            : strcmp(a, "--keys") == 0     ? &o.keys_dir
                            : strcmp(a, "--operator") == 0 ? &o.operator_name
                                                           : NULL;
        if (!slot) {
            fprintf(stderr, "fedsoarctl: unknown option \"%s\" (see --help)\n", a);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "fedsoarctl: %s needs a value\n", a);
            return 2;
        }
        *slot = argv[++i];
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    for (size_t c = 0; c < sizeof commands / sizeof *commands; c++)
        if (strcmp(commands[c].name, argv[i]) == 0)
            return commands[c].fn(&o, argc - i, argv + i);
    fprintf(stderr, "fedsoarctl: unknown command \"%s\" (see --help)\n", argv[i]);
    return 2;
}
