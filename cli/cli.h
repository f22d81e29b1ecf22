/*  cli.h — private to fedsoarctl: the global options and one entry point
    per command (cmd_*.c). Each returns the process exit code:
    0 ok, 1 the command's answer is "no"/"invalid", 2 usage or I/O error. */
#ifndef FEDSOAR_CLI_H
#define FEDSOAR_CLI_H

#include "common.h"

typedef struct cli_opts {
    const char *control;  /* control endpoint of the broker */
    const char *keys_dir; /* key layout (fedsoarctl keys init) */
    const char *operator_name;
} cli_opts_t;

/* argv[0] is the command's own name ("stats", "case", ...). */
int cmd_keys(const cli_opts_t *o, int argc, char **argv);
int cmd_stats(const cli_opts_t *o, int argc, char **argv);
int cmd_case(const cli_opts_t *o, int argc, char **argv);
int cmd_sites(const cli_opts_t *o, int argc, char **argv);
int cmd_approvals(const cli_opts_t *o, int argc, char **argv);
int cmd_runs(const cli_opts_t *o, int argc, char **argv);
int cmd_metrics(const cli_opts_t *o, int argc, char **argv);
int cmd_playbook(const cli_opts_t *o, int argc, char **argv);
int cmd_normalize(const cli_opts_t *o, int argc, char **argv);
int cmd_openc2(const cli_opts_t *o, int argc, char **argv);
int cmd_route(const cli_opts_t *o, int argc, char **argv);
/* playbook submit|diff|history|approve|reject|activate|rollback|retire|compare|status */
int cmd_governance(const cli_opts_t *o, int argc, char **argv);
int cmd_audit(const cli_opts_t *o, int argc, char **argv);

/* Sends one control request to the broker and returns its result object
   (caller owns), or NULL after printing the error to stderr. */
json_t *cli_control_call(const cli_opts_t *o, const char *cmd, json_t *args);

#endif
