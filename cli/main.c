/*  fedsoarctl — the operator's command line (docs/cli.md). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int(cmd_fn)(const cli_opts_t *o, int argc, char **argv);

static const struct {
    const char *name;
    cmd_fn *fn;
} commands[] = {
    {"keys", cmd_keys},           {"stats", cmd_stats},         {"sites", cmd_sites},
    {"case", cmd_case},           {"approvals", cmd_approvals}, {"runs", cmd_runs},
    {"metrics", cmd_metrics},     {"playbook", cmd_playbook},   {"audit", cmd_audit},
    {"normalize", cmd_normalize}, {"openc2", cmd_openc2},       {"route", cmd_route},
    {"login", cmd_login},         {"sessions", cmd_sessions},   {"token", cmd_token},
    {"cacao", cmd_cacao},         {"operator", cmd_operator},   {"identities", cmd_identities},
    {"rollout", cmd_rollout},     {"backup", cmd_backup},       {"promote", cmd_promote},
};

static bool is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

static bool is_global_with_value(const char *a)
{
    return strcmp(a, "--control") == 0 || strcmp(a, "--keys") == 0 || strcmp(a, "--operator") == 0;
}

static void list_commands(FILE *out)
{
    for (size_t c = 0; c < sizeof commands / sizeof *commands; c++)
        fprintf(out, "%s %s", c ? "," : "", commands[c].name);
}

/* --help (or -h) anywhere: the usage of the command and subcommand named,
   on stdout, exit 0, and nothing else runs (docs/cli.md). */
static int help(int argc, char **argv)
{
    const char *cmd = NULL, *sub = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!cmd && is_global_with_value(a) && i + 1 < argc && !is_help(argv[i + 1])) {
            i++;
        } else if (a[0] == '-') {
            continue;
        } else if (!cmd) {
            cmd = a;
        } else if (!sub && cli_is_subcommand(cmd, a)) {
            sub = a;
        }
    }
    if (cmd && !cli_is_command(cmd)) {
        fprintf(stderr, "fedsoarctl: unknown command \"%s\" (one of:", cmd);
        list_commands(stderr);
        fprintf(stderr, "; see fedsoarctl --help)\n");
        return CLI_USAGE;
    }
    cli_print_usage(stdout, cmd, sub);
    return CLI_OK;
}

int main(int argc, char **argv)
{
    fs_memory_policy_install();
    for (int i = 1; i < argc; i++)
        if (is_help(argv[i]))
            return help(argc, argv);
    const char *env;
    cli_opts_t o = {
        .control = (env = getenv("FEDSOAR_CONTROL")) ? env : "tcp://127.0.0.1:7701",
        .keys_dir = (env = getenv("FEDSOAR_KEYS")) ? env : "/etc/fedsoar/keys",
        .operator_name = (env = getenv("FEDSOAR_OPERATOR")) ? env : "admin",
    };
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--version") == 0) {
            printf("fedsoarctl %s (protocol %s)\n", FEDSOAR_VERSION, FS_PROTOCOL_VERSION);
            return CLI_OK;
        }
        const char **slot = strcmp(a, "--control") == 0    ? &o.control
                            : strcmp(a, "--keys") == 0     ? &o.keys_dir
                            : strcmp(a, "--operator") == 0 ? &o.operator_name
                                                           : NULL;
        if (!slot) {
            fprintf(stderr, "fedsoarctl: unknown option \"%s\" (see fedsoarctl --help)\n", a);
            return CLI_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "fedsoarctl: %s needs a value\n", a);
            return CLI_USAGE;
        }
        *slot = argv[++i];
    }
    if (i >= argc) {
        fprintf(stderr, "fedsoarctl: a command is needed (one of:");
        list_commands(stderr);
        fprintf(stderr, "; see fedsoarctl --help)\n");
        return CLI_USAGE;
    }
    for (size_t c = 0; c < sizeof commands / sizeof *commands; c++)
        if (strcmp(commands[c].name, argv[i]) == 0)
            return commands[c].fn(&o, argc - i, argv + i);
    fprintf(stderr, "fedsoarctl: unknown command \"%s\" (one of:", argv[i]);
    list_commands(stderr);
    fprintf(stderr, "; see fedsoarctl --help)\n");
    return CLI_USAGE;
}
