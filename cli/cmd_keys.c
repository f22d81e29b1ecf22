/*  cmd_keys.c — fedsoarctl keys init DIR [--sites a,b] [--operators NAME[:ROLE[:SITE]],...]
                                          [--http-names NAMES] */
#include "cli.h"
#include "keys.h"

#include <stdio.h>
#include <string.h>

/* The HTTPS part of keys init (http_certs.c): says what happened to
   DIR/http/, whatever it was. */
static int http_part(const char *dir, const cli_http_names_t *names, bool reissue)
{
    cli_http_certs_outcome_t what = CLI_HTTP_CERTS_WRITTEN;
    fs_err_t e = {0};
    if (cli_http_certs_write(dir, names, reissue, &what, &e) != 0) {
        fprintf(stderr, "fedsoarctl: keys init: https: %s\n", e.text);
        return CLI_USAGE;
    }
    char list[CLI_HTTP_NAMES_MAX * 256];
    cli_http_names_format(names, list, sizeof list);
    switch (what) {
    case CLI_HTTP_CERTS_KEPT:
        printf("https: kept the existing %s/http/ (ca.crt, broker.crt, broker.key); to re-issue "
               "for other names run keys init again with --http-names\n",
               dir);
        break;
    case CLI_HTTP_CERTS_REISSUED:
        printf("https: re-issued %s/http/broker.crt for %s with a new local CA; the previous "
               "ca.crt, broker.crt and broker.key are now *.old. Browsers and tools must trust "
               "the new %s/http/ca.crt; restart the broker to serve it\n",
               dir, list, dir);
        break;
    case CLI_HTTP_CERTS_WRITTEN:
        printf("https: %s/http/broker.crt for %s, signed by a local CA whose private key was not "
               "kept; trust %s/http/ca.crt in your browser or with curl --cacert\n",
               dir, list, dir);
        break;
    }
    return CLI_OK;
}

int cmd_keys(const cli_opts_t *o, int argc, char **argv)
{
    (void)o;
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (!sub || strcmp(sub, "init") != 0)
        return cli_unknown_subcommand("keys", sub);
    const char *sites = NULL, *operators = NULL, *http_names = NULL, *pos[1];
    int npos = 0;
    const cli_flag_t flags[] = {{"--sites", &sites, NULL},
                                {"--operators", &operators, NULL},
                                {"--http-names", &http_names, NULL},
                                {NULL, NULL, NULL}};
    int rc = cli_parse_args("keys", "init", argc, argv, 2, flags, pos, 1, &npos);
    if (rc != 0)
        return rc;
    if (npos != 1)
        return cli_usage_error("keys", "init", "DIR is required");
    /* Checked before any key is written. */
    static cli_http_names_t names;
    char why[512];
    if (cli_http_names_parse(http_names ? http_names : CLI_HTTP_NAMES_DEFAULT, &names, why,
                             sizeof why) != 0)
        return cli_usage_error("keys", "init", "--http-names: %s", why);
    fs_err_t e = {0};
    if (keys_init(pos[0], sites, operators, "admin", &e) != 0) {
        fprintf(stderr, "fedsoarctl: keys init: %s\n", e.text);
        return CLI_USAGE;
    }
    printf("keys written to %s (broker, sites: %s, operators: %s)\n", pos[0],
           sites ? sites : "none", operators ? operators : "none");
    return http_part(pos[0], &names, http_names != NULL);
}
