/*  cmd_cacao.c — fedsoarctl cacao import FILE [--dry-run] [--output PLAYBOOK.json]
                                    [--trigger TRIGGER.json] [--responder NAME] [--role NAME]
                                    [--sites A,B]
                  fedsoarctl cacao export NAME|VERSION|FILE [--output F] [--trusted DIR]
    Import and FILE export work offline (playbooks/playbook_cacao.h does
    the work); NAME and VERSION export ask the broker for the version's
    document and its governance approvals (playbook.history, playbook.get)
    and carry each approval as a CACAO signature, with the member's public
    key read from the trusted operators directory (default
    KEYS/signing/operators, where the broker reads it too). docs/cacao.md. */
#include "cli.h"
#include "playbook_cacao.h"
#include "playbooks.h"
#include "webauthn.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CACAO_MAX (4u * 1024u * 1024u) /* a CACAO file: 4 MiB */

static int write_out(const char *sub, const char *out, const json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    size_t n = strlen(text);
    text = fs_xrealloc(text, n + 2);
    text[n++] = '\n';
    text[n] = '\0';
    int rc = 0;
    fs_err_t e = {0};
    if (out && fs_file_write_atomic(out, text, n, 0644, &e) != 0) {
        fprintf(stderr, "fedsoarctl: cacao %s: %s\n", sub, e.text);
        rc = CLI_USAGE;
    } else if (!out) {
        fputs(text, stdout);
    }
    free(text);
    return rc;
}

static void list_steps(const json_t *steps, int depth)
{
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s)
    {
        const char *type = json_string_value(json_object_get(s, "type"));
        printf("%*s%-20s %s", 2 + depth * 2, "", json_string_value(json_object_get(s, "id")), type);
        if (json_object_get(s, "site"))
            printf(" site %s", json_string_value(json_object_get(s, "site")));
        if (json_object_get(s, "responder"))
            printf(" responder %s", json_string_value(json_object_get(s, "responder")));
        if (json_object_get(s, "role"))
            printf(" role %s", json_string_value(json_object_get(s, "role")));
        printf("\n");
        static const char *const nested[] = {"then", "else", "steps", "on_error", NULL};
        for (size_t k = 0; nested[k]; k++)
            if (json_is_array(json_object_get(s, nested[k])))
                list_steps(json_object_get(s, nested[k]), depth + 1);
        size_t b;
        json_t *br;
        json_array_foreach(json_object_get(s, "branches"), b, br) list_steps(br, depth + 1);
    }
}

static int do_import(int argc, char **argv)
{
    bool dry = false;
    const char *out = NULL, *trigger_file = NULL, *responder = NULL, *role = NULL,
               *site_list = NULL, *pos[1];
    int npos = 0;
    const cli_flag_t flags[] = {{"--dry-run", NULL, &dry},
                                {"--output", &out, NULL},
                                {"--trigger", &trigger_file, NULL},
                                {"--responder", &responder, NULL},
                                {"--role", &role, NULL},
                                {"--sites", &site_list, NULL},
                                {NULL, NULL, NULL}};
    int rc = cli_parse_args("cacao", "import", argc, argv, 2, flags, pos, 1, &npos);
    if (rc != 0)
        return rc;
    if (npos != 1)
        return cli_usage_error("cacao", "import", "FILE is required");
    json_t *trigger = NULL;
    if (trigger_file && !(trigger = cli_load_json("cacao", "import", trigger_file, CLI_PLAYBOOK_MAX,
                                                  "triggers", CLI_REFUSED, &rc)))
        return rc;
    json_t *doc =
        cli_load_json("cacao", "import", pos[0], CACAO_MAX, "CACAO playbooks", CLI_REFUSED, &rc);
    if (!doc) {
        json_decref(trigger);
        return rc;
    }
    json_t *sites = json_array();
    for (const char *p = site_list; p && *p;) {
        size_t n = strcspn(p, ",");
        if (n)
            json_array_append_new(sites, json_stringn(p, n));
        p += n + (p[n] == ',');
    }
    playbook_cacao_import_opts_t opts = {responder, role, trigger, sites};
    fs_err_t e = {0};
    json_t *pb = playbook_cacao_import(doc, &opts, &e);
    json_decref(doc);
    json_decref(trigger);
    json_decref(sites);
    if (!pb) {
        printf("refused: %s: %s\n", pos[0], e.text);
        return CLI_REFUSED;
    }
    if (dry || out) {
        printf("%s %s as playbook %s%s%s:\n", dry ? "would import" : "imported", pos[0],
               json_string_value(json_object_get(pb, "name")), out && !dry ? " into " : "",
               out && !dry ? out : "");
        list_steps(json_object_get(pb, "steps"), 0);
    }
    if (!dry)
        rc = write_out("import", out, pb);
    json_decref(pb);
    return rc;
}

/* The approvals of a version record as the exporter wants them, each with
   its member's public key. NULL after saying why, *rc set. */
static json_t *approvals_of(const cli_opts_t *o, const json_t *rec, const char *trusted, int *rc)
{
    char dir[4096];
    if (!trusted) {
        snprintf(dir, sizeof dir, "%s/signing/operators", o->keys_dir ? o->keys_dir : ".");
        trusted = dir;
    }
    json_t *out = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(rec, "approvals"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "decision")), "approve") != 0)
            continue;
        const char *member = json_string_value(json_object_get(a, "member"));
        const char *sig = json_string_value(json_object_get(a, "signature"));
        if (governance_webauthn_is_assertion(sig)) {
            fprintf(stderr,
                    "fedsoarctl: cacao export: %s approved with a passkey: a WebAuthn assertion "
                    "signs the authenticator's bytes, not the approval's, so it cannot be a "
                    "CACAO signature (refused)\n",
                    member);
            json_decref(out);
            *rc = CLI_REFUSED;
            return NULL;
        }
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.sign.pub.pem", trusted, member);
        size_t len;
        char *pem =
            cli_read_file("cacao", "export", path, 64 * 1024, "public keys", CLI_USAGE, &len, rc);
        if (!pem) {
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, json_pack("{s:s, s:O, s:s, s:s}", "member", member, "time",
                                             json_object_get(a, "time"), "signature", sig,
                                             "public_key", pem));
        free(pem);
    }
    return out;
}

static bool is_version(const char *s)
{
    size_t n = strlen(s);
    return n >= 6 && n <= 64 && strspn(s, "0123456789abcdef") == n;
}

static int do_export(const cli_opts_t *o, int argc, char **argv)
{
    const char *out = NULL, *trusted = NULL, *pos[1];
    int npos = 0;
    const cli_flag_t flags[] = {
        {"--output", &out, NULL}, {"--trusted", &trusted, NULL}, {NULL, NULL, NULL}};
    int rc = cli_parse_args("cacao", "export", argc, argv, 2, flags, pos, 1, &npos);
    if (rc != 0)
        return rc;
    if (npos != 1)
        return cli_usage_error("cacao", "export", "NAME, VERSION or FILE is required");
    const char *what = pos[0];
    json_t *doc = NULL, *approvals = NULL, *rec = NULL;
    int64_t time_ms = 0;
    if (access(what, F_OK) == 0 || strcmp(what, "-") == 0) {
        if (!(doc = cli_load_json("cacao", "export", what, CLI_PLAYBOOK_MAX, "playbooks",
                                  CLI_REFUSED, &rc)))
            return rc;
    } else if (is_version(what) || fs_is_name(what, 64)) {
        const char *version = what;
        json_t *hist = NULL;
        if (!is_version(what)) {
            /* NAME: its newest approved version, else its newest */
            hist = cli_call(o, "playbook.history", json_pack("{s:s}", "name", what), &rc);
            if (!hist)
                return rc ? rc : CLI_REFUSED;
            const json_t *vs = json_object_get(hist, "versions");
            version = NULL;
            for (size_t i = json_array_size(vs); i-- > 0 && !version;) {
                const char *st = json_string_value(json_object_get(json_array_get(vs, i), "state"));
                if (st && strcmp(st, "approved") == 0)
                    version = json_string_value(json_object_get(json_array_get(vs, i), "version"));
            }
            if (!version && json_array_size(vs) > 0)
                version = json_string_value(
                    json_object_get(json_array_get(vs, json_array_size(vs) - 1), "version"));
            if (!version) {
                json_decref(hist);
                fprintf(stderr,
                        "fedsoarctl: cacao export: playbook %s has no submitted version (export "
                        "its file instead)\n",
                        what);
                return CLI_REFUSED;
            }
        }
        rec = cli_call(o, "playbook.get", json_pack("{s:s}", "version", version), &rc);
        json_decref(hist);
        if (!rec)
            return rc ? rc : CLI_REFUSED;
        doc = json_incref(json_object_get(rec, "doc"));
        time_ms = json_integer_value(json_object_get(rec, "submitted"));
        if (!(approvals = approvals_of(o, rec, trusted, &rc))) {
            json_decref(rec);
            json_decref(doc);
            return rc;
        }
    } else {
        fprintf(stderr,
                "fedsoarctl: cacao export: \"%s\" is neither a file, a playbook name nor a "
                "version (its SHA-256, or a prefix of at least 6 hex digits)\n",
                what);
        return CLI_USAGE;
    }
    fs_err_t e = {0};
    json_t *cacao = doc ? playbook_cacao_export(doc, approvals, time_ms, &e) : NULL;
    if (!cacao) {
        printf("invalid: %s: %s\n", what, doc ? e.text : "the broker sent no document");
        rc = CLI_REFUSED;
    } else {
        rc = write_out("export", out, cacao);
    }
    json_decref(cacao);
    json_decref(doc);
    json_decref(rec);
    json_decref(approvals);
    return rc;
}

int cmd_cacao(const cli_opts_t *o, int argc, char **argv)
{
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    if (!sub || !cli_is_subcommand("cacao", sub))
        return cli_unknown_subcommand("cacao", sub);
    if (strcmp(sub, "import") == 0)
        return do_import(argc, argv);
    return do_export(o, argc, argv);
}
