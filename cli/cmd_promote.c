/*  cmd_promote.c — fedsoarctl promote [--json]: a standby broker (one
    started on a copy made by `fedsoarctl backup`) starts serving sites at
    a new broker epoch; sites welcomed at it refuse the broker it replaces
    (docs/operations.md "Failover and promotion", docs/protocol.md §5.1). */
#include "cli.h"

#include <stdio.h>

int cmd_promote(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false;
    const cli_flag_t flags[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    const char *pos[1];
    int npos = 0;
    int rc = cli_parse_args("promote", NULL, argc, argv, 1, flags, pos, 0, &npos);
    if (rc != 0)
        return rc;
    json_t *r = cli_call(o, "promote", json_object(), &rc);
    if (!r)
        return rc;
    if (json)
        cli_print_json(r);
    else
        printf("promoted: serving sites at broker epoch %lld (runs from id %lld are this "
               "epoch's)\n",
               (long long)json_integer_value(json_object_get(r, "epoch")),
               (long long)json_integer_value(json_object_get(r, "first_run_id")));
    json_decref(r);
    return CLI_OK;
}
