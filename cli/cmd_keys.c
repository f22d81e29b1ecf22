/*  cmd_keys.c — fedsoarctl keys init DIR --sites a,b --operators admin[:ROLE],... */
#include "cli.h"
#include "federation.h"

#include <stdio.h>
#include <string.h>

int cmd_keys(const cli_opts_t *o, int argc, char **argv)
{
    (void)o;
    if (argc < 3 || strcmp(argv[1], "init") != 0) {
        fprintf(stderr, "usage: fedsoarctl keys init DIR [--sites a,b] [--operators name[:role],...]\n");
        return 2;
    }
    const char *dir = argv[2], *sites = NULL, *operators = NULL;
    for (int i = 3; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--sites") == 0)
            sites = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--operators") == 0)
            operators = argv[++i];
        else {
            fprintf(stderr, "fedsoarctl keys init: unexpected \"%s\"\n", argv[i]);
            return 2;
        }
    }
    fs_err_t e = {{0}};
    if (keys_init(dir, sites, operators, "admin", &e) != 0) {
        fprintf(stderr, "fedsoarctl keys init: %s\n", e.text);
        return 2;
    }
    printf("keys written to %s (broker, sites: %s, operators: %s)\n", dir, sites ? sites : "none",
           operators ? operators : "none");
    return 0;
}
