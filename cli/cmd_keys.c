/*  cmd_keys.c — fedsoarctl keys init DIR [--sites a,b] [--operators NAME[:ROLE[:SITE]],...] */
#include "cli.h"
#include "keys.h"

#include <stdio.h>
#include <string.h>

int cmd_keys(const cli_opts_t *o, int argc, char **argv)
{
    (void)o;
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (!sub || strcmp(sub, "init") != 0)
        return cli_unknown_subcommand("keys", sub);
    const char *sites = NULL, *operators = NULL, *pos[1];
    int npos = 0;
    const cli_flag_t flags[] = {
        {"--sites", &sites, NULL}, {"--operators", &operators, NULL}, {NULL, NULL, NULL}};
    int rc = cli_parse_args("keys", "init", argc, argv, 2, flags, pos, 1, &npos);
    if (rc != 0)
        return rc;
    if (npos != 1)
        return cli_usage_error("keys", "init", "DIR is required");
    fs_err_t e = {0};
    if (keys_init(pos[0], sites, operators, "admin", &e) != 0) {
        fprintf(stderr, "fedsoarctl: keys init: %s\n", e.text);
        return CLI_USAGE;
    }
    printf("keys written to %s (broker, sites: %s, operators: %s)\n", pos[0],
           sites ? sites : "none", operators ? operators : "none");
    return CLI_OK;
}
