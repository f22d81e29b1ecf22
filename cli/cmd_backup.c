/*  cmd_backup.c — fedsoarctl backup DIR [--json]: asks the broker for an
    online, consistent, compacted copy of its store in DIR, a directory on
    the broker's machine that is empty or absent (docs/operations.md
    "Backup and standby"). */
#include "cli.h"

#include <stdio.h>

int cmd_backup(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false;
    const cli_flag_t flags[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    const char *pos[1];
    int npos = 0;
    int rc = cli_parse_args("backup", NULL, argc, argv, 1, flags, pos, 1, &npos);
    if (rc != 0)
        return rc;
    if (npos != 1 || pos[0][0] != '/')
        return cli_usage_error("backup", NULL,
                               "DIR: an absolute path on the broker's machine (empty or absent)");
    json_t *r = cli_call(o, "backup", json_pack("{s:s}", "dir", pos[0]), &rc);
    if (!r)
        return rc;
    if (json)
        cli_print_json(r);
    else
        printf("backup of %lld events (audit head %lld) in %s: %lld bytes, %lld ms\n",
               (long long)json_integer_value(json_object_get(r, "events")),
               (long long)json_integer_value(json_object_get(r, "audit_head")),
               json_string_value(json_object_get(r, "dir")),
               (long long)json_integer_value(json_object_get(r, "bytes")),
               (long long)json_integer_value(json_object_get(r, "ms")));
    json_decref(r);
    return CLI_OK;
}
