/*  cmd_web.c — signing in to the HTTPS API with the key you hold, and the
    credentials it hands out (docs/security.md "Sign-in and API tokens"):
      fedsoarctl login --web
      fedsoarctl sessions list | revoke ID
      fedsoarctl token create --name N --role ROLE [--site S] [--expires DURATION]
      fedsoarctl token list | revoke NAME
    All go over the CURVE control socket: a link or a token is made with an
    operator key, never over HTTPS. A secret (the link, a new token) is the
    last line of stdout, so `| tail -n1` takes it and nothing else. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* "30m", "12h", "90d", "45s": seconds, or 0 when it is not a duration. */
static long long parse_duration(const char *s)
{
    if (!s || !*s)
        return 0;
    size_t n = strlen(s);
    long long unit = s[n - 1] == 's'   ? 1
                     : s[n - 1] == 'm' ? 60
                     : s[n - 1] == 'h' ? 3600
                     : s[n - 1] == 'd' ? 86400
                                       : 0;
    char digits[24];
    uint64_t v;
    if (!unit || n < 2 || n - 1 >= sizeof digits)
        return 0;
    memcpy(digits, s, n - 1);
    digits[n - 1] = '\0';
    if (fs_parse_u64(digits, &v) != 0 || v == 0 || v > 100000000ULL)
        return 0;
    return (long long)v * unit;
}

static const char *time_or(json_t *ms, char *buf, size_t size, const char *none)
{
    json_int_t t = json_integer_value(ms);
    return t > 0 ? fs_time_format(t, buf, size) : none;
}

int cmd_login(const cli_opts_t *o, int argc, char **argv)
{
    bool web = false, json = false;
    const char *pos[1];
    int npos = 0;
    const cli_flag_t flags[] = {{"--web", NULL, &web}, {"--json", NULL, &json}, {NULL, NULL, NULL}};
    int rc = cli_parse_args("login", NULL, argc, argv, 1, flags, pos, 0, &npos);
    if (rc != 0)
        return rc;
    if (!web)
        return cli_usage_error("login", NULL,
                               "--web is needed (a one-time link for your browser; the CLI itself "
                               "needs no sign-in)");
    json_t *r = cli_call(o, "login.link", NULL, &rc);
    if (!r)
        return rc;
    if (json) {
        cli_print_json(r);
    } else {
        fprintf(stderr, "open this link within %lld s; it signs in operator %s\n",
                (long long)json_integer_value(json_object_get(r, "expires_in_s")),
                json_string_value(json_object_get(r, "operator")));
        printf("%s\n", json_string_value(json_object_get(r, "url")));
    }
    json_decref(r);
    return CLI_OK;
}

int cmd_sessions(const cli_opts_t *o, int argc, char **argv)
{
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    if (!sub || !cli_is_subcommand("sessions", sub))
        return cli_unknown_subcommand("sessions", sub);
    bool json = false, list = strcmp(sub, "list") == 0;
    const char *pos[1];
    int npos = 0;
    const cli_flag_t flags[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    int rc = cli_parse_args("sessions", sub, argc, argv, 2, flags, pos, list ? 0 : 1, &npos);
    if (rc != 0)
        return rc;
    if (!list && npos < 1)
        return cli_usage_error("sessions", sub,
                               "ID is required (the PUBLIC_ID sessions list shows)");
    if (!list && (strlen(pos[0]) != 12 || strspn(pos[0], "0123456789abcdef") != 12)) {
        fprintf(stderr,
                "fedsoarctl: sessions revoke: \"%s\" is not a session id (12 hex characters, as "
                "sessions list shows)\n",
                pos[0]);
        return CLI_USAGE;
    }
    json_t *r = list ? cli_call(o, "sessions.list", NULL, &rc)
                     : cli_call(o, "session.revoke", json_pack("{s:s}", "public_id", pos[0]), &rc);
    if (!r)
        return rc;
    if (json) {
        cli_print_json(r);
    } else if (!list) {
        printf("session %s of operator %s revoked\n", pos[0],
               json_string_value(json_object_get(r, "operator")));
    } else {
        printf("%-12s  %-16s  %-24s  %s\n", "PUBLIC_ID", "OPERATOR", "CREATED", "LAST_USED");
        size_t i;
        json_t *s;
        json_array_foreach(r, i, s)
        {
            char c[32], l[32];
            printf("%-12s  %-16s  %-24s  %s\n", json_string_value(json_object_get(s, "public_id")),
                   json_string_value(json_object_get(s, "operator")),
                   time_or(json_object_get(s, "created"), c, sizeof c, "-"),
                   time_or(json_object_get(s, "last_seen"), l, sizeof l, "-"));
        }
    }
    json_decref(r);
    return CLI_OK;
}

static const char *const token_roles[] = {"analyst", "approver", "site-admin", "admin", NULL};

static int token_create(const cli_opts_t *o, int argc, char **argv)
{
    const char *name = NULL, *role = NULL, *site = NULL, *expires = NULL, *pos[1];
    bool json = false;
    int npos = 0;
    const cli_flag_t flags[] = {{"--name", &name, NULL}, {"--role", &role, NULL},
                                {"--site", &site, NULL}, {"--expires", &expires, NULL},
                                {"--json", NULL, &json}, {NULL, NULL, NULL}};
    int rc = cli_parse_args("token", "create", argc, argv, 2, flags, pos, 0, &npos);
    if (rc != 0)
        return rc;
    if (!name || !fs_is_name(name, 32))
        return cli_usage_error("token", "create", "--name NAME is required (1-32 of [a-z0-9_-])");
    if (!role)
        return cli_usage_error("token", "create", "--role ROLE is required");
    if (cli_parse_enum("token", "create", "token role", role, token_roles) < 0)
        return CLI_USAGE;
    if (strcmp(role, "site-admin") == 0 && !site)
        return cli_usage_error("token", "create", "a site-admin token needs --site SITE");
    long long expires_s = expires ? parse_duration(expires) : 0;
    if (expires && !expires_s)
        return cli_usage_error("token", "create",
                               "--expires \"%s\" is not a duration (a number and s, m, h or d: "
                               "30m, 12h, 90d)",
                               expires);
    json_t *args = json_pack("{s:s, s:s}", "name", name, "role", role);
    if (site)
        json_object_set_new(args, "site", json_string(site));
    if (expires_s)
        json_object_set_new(args, "expires_s", json_integer(expires_s));
    json_t *r = cli_call(o, "token.create", args, &rc);
    if (!r)
        return rc;
    if (json) {
        cli_print_json(r);
    } else {
        char t[32];
        printf("token %s: role %s%s%s, expires %s\n", name, role, site ? ", site " : "",
               site ? site : "", time_or(json_object_get(r, "expires"), t, sizeof t, "never"));
        fprintf(stderr, "store it now: it is shown once and the broker keeps only its hash\n");
        printf("%s\n", json_string_value(json_object_get(r, "token")));
    }
    json_decref(r);
    return CLI_OK;
}

int cmd_token(const cli_opts_t *o, int argc, char **argv)
{
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    if (!sub || !cli_is_subcommand("token", sub))
        return cli_unknown_subcommand("token", sub);
    if (strcmp(sub, "create") == 0)
        return token_create(o, argc, argv);
    bool json = false, list = strcmp(sub, "list") == 0;
    const char *pos[1];
    int npos = 0;
    const cli_flag_t flags[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    int rc = cli_parse_args("token", sub, argc, argv, 2, flags, pos, list ? 0 : 1, &npos);
    if (rc != 0)
        return rc;
    if (!list && (npos < 1 || !fs_is_name(pos[0], 32)))
        return cli_usage_error("token", sub, "NAME is required (1-32 of [a-z0-9_-])");
    json_t *r = list ? cli_call(o, "tokens.list", NULL, &rc)
                     : cli_call(o, "token.revoke", json_pack("{s:s}", "name", pos[0]), &rc);
    if (!r)
        return rc;
    if (json) {
        cli_print_json(r);
    } else if (!list) {
        printf("token %s revoked\n", pos[0]);
    } else {
        printf("%-20s  %-10s  %-12s  %-24s  %s\n", "NAME", "ROLE", "SITE", "EXPIRES", "CREATED_BY");
        size_t i;
        json_t *t;
        json_array_foreach(r, i, t)
        {
            char x[32];
            const char *site = json_string_value(json_object_get(t, "site"));
            printf("%-20s  %-10s  %-12s  %-24s  %s\n",
                   json_string_value(json_object_get(t, "name")),
                   json_string_value(json_object_get(t, "role")), site ? site : "-",
                   json_is_true(json_object_get(t, "expired"))
                       ? "expired"
                       : time_or(json_object_get(t, "expires"), x, sizeof x, "never"),
                   json_string_value(json_object_get(t, "created_by")));
        }
    }
    json_decref(r);
    return CLI_OK;
}
