/*  cmd_identities.c — fedsoarctl identities load FILE | show PERSON|ACCOUNT |
    list: the identity crosswalk (docs/identities.md).  load checks the
    file to the broker, which reads it (every bad row with its line), checks
    the sites against its key store and loads all or nothing; a file that
    is not UTF-8 (JSON cannot carry it) is read here with the same reader. */
#include "casestore_identities.h"
#include "cli.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>

/* What one control request may carry of a file (the rest of FSP_MAX_BODY
   is the JSON around it and its escapes). */
#define LOAD_MAX (768 * 1024)

static void print_person(const json_t *p)
{
    printf("person %s\n", json_string_value(json_object_get(p, "person")));
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(p, "accounts"), i, a)
    {
        printf("  %-12s %-40s %s\n", json_string_value(json_object_get(a, "site")),
               json_string_value(json_object_get(a, "account")),
               json_string_value(json_object_get(a, "source")));
    }
}

/* The reader's verdict on a file the broker cannot be sent (not UTF-8):
   every bad row with its line, as the broker would print them. */
static void report_locally(const char *text, size_t len, const char *name)
{
    json_t *errors = NULL;
    fs_err_t e = {0};
    json_t *parsed = casestore_identities_parse_csv(text, len, name, NULL, NULL, &errors, &e);
    if (parsed) /* every field is UTF-8: the bytes are elsewhere */
        fprintf(stderr, "fedsoarctl: identities load: %s is not UTF-8 text\n", name);
    else
        fprintf(stderr, "fedsoarctl: identities load: %s\n", e.text);
    size_t i;
    json_t *err;
    json_array_foreach(errors, i, err)
    {
        fprintf(stderr, "  line %d: %s\n", (int)json_integer_value(json_object_get(err, "line")),
                json_string_value(json_object_get(err, "reason")));
    }
    json_decref(errors);
    json_decref(parsed);
}

static int load(const cli_opts_t *o, const char *path, bool json)
{
    int rc = 0;
    size_t len = 0;
    char *text = cli_read_file("identities", "load", path, LOAD_MAX, "an identities file",
                               CLI_REFUSED, &len, &rc);
    if (!text)
        return rc;
    char *copy = fs_xstrdup(path);
    const char *name = strcmp(path, "-") == 0 ? "stdin" : basename(copy);
    json_t *args = json_pack("{s:s, s:s%}", "name", name, "csv", text, len);
    if (!args) /* not UTF-8 text: JSON cannot carry it; name the lines here */
        report_locally(text, len, name);
    free(text);
    free(copy);
    if (!args)
        return CLI_REFUSED;
    /* Every bad row first (identities.check), then the load. */
    json_t *c = cli_call(o, "identities.check", json_deep_copy(args), &rc);
    if (!c) {
        json_decref(args);
        return rc;
    }
    if (!json_is_true(json_object_get(c, "ok"))) {
        fprintf(stderr, "fedsoarctl: identities load: %s\n",
                json_string_value(json_object_get(c, "summary")));
        size_t i;
        json_t *err;
        json_array_foreach(json_object_get(c, "errors"), i, err)
        {
            fprintf(stderr, "  line %d: %s\n",
                    (int)json_integer_value(json_object_get(err, "line")),
                    json_string_value(json_object_get(err, "reason")));
        }
        json_decref(c);
        json_decref(args);
        return CLI_REFUSED;
    }
    json_decref(c);
    json_t *r = cli_call(o, "identities.load", args, &rc);
    if (!r)
        return rc;
    if (json)
        cli_print_json(r);
    else
        printf("loaded %lld links of %lld persons from %s (%lld csv links removed, %lld learned "
               "links replaced)\n",
               (long long)json_integer_value(json_object_get(r, "loaded")),
               (long long)json_integer_value(json_object_get(r, "persons")),
               json_string_value(json_object_get(r, "file")),
               (long long)json_integer_value(json_object_get(r, "removed")),
               (long long)json_integer_value(json_object_get(r, "replaced_learned")));
    json_decref(r);
    return CLI_OK;
}

int cmd_identities(const cli_opts_t *o, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("identities", NULL, "a subcommand is needed");
    const char *sub = argv[1];
    if (!cli_is_subcommand("identities", sub))
        return cli_unknown_subcommand("identities", sub);
    bool json = false;
    const char *pos[1];
    int npos = 0;
    const cli_flag_t flags[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    bool list = strcmp(sub, "list") == 0;
    int rc = cli_parse_args("identities", sub, argc, argv, 2, flags, pos, list ? 0 : 1, &npos);
    if (rc != 0)
        return rc;
    if (!list && npos != 1)
        return cli_usage_error("identities", sub, "%s is required",
                               strcmp(sub, "load") == 0 ? "FILE" : "PERSON or ACCOUNT");
    if (strcmp(sub, "load") == 0)
        return load(o, pos[0], json);
    json_t *r = list ? cli_call(o, "identities.list", json_object(), &rc)
                     : cli_call(o, "identities.show", json_pack("{s:s}", "query", pos[0]), &rc);
    if (!r)
        return rc;
    json_t *persons = json_object_get(r, list ? "persons" : "matches");
    if (json) {
        cli_print_json(r);
    } else {
        size_t i;
        json_t *p;
        json_array_foreach(persons, i, p) print_person(p);
        if (!list && json_array_size(persons) == 0)
            fprintf(stderr, "fedsoarctl: identities show: no person or account \"%s\"\n", pos[0]);
        if (list && json_is_true(json_object_get(r, "truncated")))
            printf("(the first %zu persons)\n", json_array_size(persons));
    }
    rc = !list && json_array_size(persons) == 0 ? CLI_REFUSED : CLI_OK;
    json_decref(r);
    return rc;
}
