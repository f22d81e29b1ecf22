/*  cmd_governance.c — the playbook lifecycle (docs/governance.md):
      fedsoarctl playbook submit FILE
      fedsoarctl playbook diff A B                 (versions or files)
      fedsoarctl playbook history NAME
      fedsoarctl playbook approve VERSION
      fedsoarctl playbook reject VERSION --reason TEXT
      fedsoarctl playbook activate VERSION --site S [--shadow]
      fedsoarctl playbook rollback --site S [NAME]
      fedsoarctl playbook retire VERSION
      fedsoarctl playbook compare NAME
      fedsoarctl playbook status
    Approvals and rejections are signed here, with the operator's Ed25519
    key (KEYS/operators/NAME.sign.pem), over the canonical payload of
    playbooks.h governance_approval_payload(); the broker verifies them. */
#include "cli.h"
#include "keys.h"
#include "playbook_diff.h"
#include "playbooks.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void print_json(const json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
    printf("%s\n", text ? text : "null");
    free(text);
}

/* A version as the broker takes it: its SHA-256 in hex, or a prefix of at
   least 6 hex digits (broker/governance.c). */
static bool is_version(const char *s)
{
    size_t n = strlen(s);
    return n >= 6 && n <= 64 && strspn(s, "0123456789abcdef") == n;
}

static void short_time(json_int_t ms, char *buf, size_t size)
{
    fs_time_format(ms, buf, size);
}

/* A document for diff: a local file, or a version the broker holds. NULL
   with *rc set after saying why. */
static json_t *doc_of(const cli_opts_t *o, const char *what, int *rc)
{
    if (access(what, F_OK) == 0 || strcmp(what, "-") == 0)
        return cli_load_json("playbook", "diff", what, CLI_PLAYBOOK_MAX, "playbooks", CLI_REFUSED,
                             rc);
    if (!is_version(what)) {
        fprintf(stderr,
                "fedsoarctl: playbook diff: \"%s\" is neither a file nor a playbook version (its "
                "SHA-256, or a prefix of at least 6 hex digits)\n",
                what);
        *rc = CLI_USAGE;
        return NULL;
    }
    json_t *r = cli_call(o, "playbook.get", json_pack("{s:s}", "version", what), rc);
    json_t *doc = r ? json_incref(json_object_get(r, "doc")) : NULL;
    json_decref(r);
    return doc;
}

static void print_ids(const char *label, const json_t *ids)
{
    if (json_array_size(ids) == 0)
        return;
    printf("%s steps:", label);
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id) printf(" %s", json_string_value(id));
    printf("\n");
}

/* Two versions: the broker's playbook.diff; a file on either side: the
   same diff (playbook_diff.h) computed here. */
static int do_diff(const cli_opts_t *o, const char *a, const char *b, bool json)
{
    int rc = CLI_USAGE;
    json_t *d = NULL;
    bool files =
        access(a, F_OK) == 0 || strcmp(a, "-") == 0 || access(b, F_OK) == 0 || strcmp(b, "-") == 0;
    if (!files && is_version(a) && is_version(b)) {
        d = cli_call(o, "playbook.diff", json_pack("{s:s, s:s}", "a", a, "b", b), &rc);
    } else {
        json_t *da = doc_of(o, a, &rc), *db = da ? doc_of(o, b, &rc) : NULL;
        if (da && db)
            d = playbook_diff(da, db, a, b);
        json_decref(da);
        json_decref(db);
    }
    if (!d)
        return rc;
    const json_t *changes = json_object_get(d, "changes");
    if (json) {
        print_json(d);
    } else {
        size_t i;
        json_t *c;
        if (json_array_size(changes) == 0)
            printf("no differences\n");
        const json_t *steps = json_object_get(d, "steps");
        print_ids("added", json_object_get(steps, "added"));
        print_ids("removed", json_object_get(steps, "removed"));
        print_ids("changed", json_object_get(steps, "changed"));
        json_array_foreach(changes, i, c)
        {
            char *before = json_dumps(json_object_get(c, "a"),
                                      JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            char *after = json_dumps(json_object_get(c, "b"),
                                     JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            const char *path = json_string_value(json_object_get(c, "path"));
            if (before)
                printf("- %s: %s\n", path, before);
            if (after)
                printf("+ %s: %s\n", path, after);
            free(before);
            free(after);
        }
    }
    rc = json_array_size(changes) ? CLI_REFUSED : CLI_OK; /* like diff(1): 1 when they differ */
    json_decref(d);
    return rc;
}

static int do_decide(const cli_opts_t *o, const char *version_text, const char *decision,
                     const char *reason)
{
    /* Sign the full version: resolve a prefix through the broker first. */
    int rc;
    json_t *rec = cli_call(o, "playbook.get", json_pack("{s:s}", "version", version_text), &rc);
    if (!rec)
        return rc;
    const char *version = json_string_value(json_object_get(rec, "version"));
    char priv[4096], pub[4096];
    fs_err_t e = {0};
    char *payload = governance_approval_payload(version, decision, o->operator_name, fs_now_ms());
    char *sig = NULL;
    if (keys_signing_paths(o->keys_dir, o->operator_name, priv, sizeof priv, pub, sizeof pub) ==
            0 &&
        payload)
        sig = keys_sign(priv, payload, strlen(payload), &e);
    json_t *r = NULL;
    if (!sig) {
        fprintf(stderr, "fedsoarctl: playbook %s: cannot sign: %s\n", decision,
                e.text[0] ? e.text : "no payload");
        rc = CLI_USAGE;
    } else {
        r = cli_call(
            o, "playbook.decide",
            json_pack("{s:s, s:s, s:s?}", "payload", payload, "signature", sig, "reason", reason),
            &rc);
    }
    if (r)
        printf("signed %s of %s version %.12s; it is now %s (%lld valid approval signature(s))\n",
               decision, json_string_value(json_object_get(r, "name")), version,
               json_string_value(json_object_get(r, "state")),
               (long long)json_integer_value(json_object_get(r, "approvals_counted")));
    free(payload);
    free(sig);
    json_decref(rec);
    if (r)
        rc = CLI_OK;
    json_decref(r);
    return rc;
}

static void print_history(const json_t *h)
{
    size_t i;
    json_t *v;
    printf("%s (quorum %lld)\n", json_string_value(json_object_get(h, "name")),
           (long long)json_integer_value(json_object_get(h, "quorum")));
    json_array_foreach(json_object_get(h, "versions"), i, v)
    {
        char ts[32];
        short_time(json_integer_value(json_object_get(v, "submitted")), ts, sizeof ts);
        printf("  %.12s  %-9s by %-12s %s  %lld signature(s)",
               json_string_value(json_object_get(v, "version")),
               json_string_value(json_object_get(v, "state")),
               json_string_value(json_object_get(v, "author")), ts,
               (long long)json_integer_value(json_object_get(v, "approvals_counted")));
        const char *site;
        json_t *how;
        json_object_foreach(json_object_get(v, "sites"), site, how)
            printf("  %s@%s", json_string_value(how), site);
        printf("\n");
        size_t j;
        json_t *a;
        json_array_foreach(json_object_get(v, "approvals"), j, a)
        {
            const char *r = json_string_value(json_object_get(a, "reason"));
            printf("      %s %s%s%s\n", json_string_value(json_object_get(a, "decision")),
                   json_string_value(json_object_get(a, "member")), r ? ": " : "", r ? r : "");
        }
    }
}

static void print_decisions(const char *label, const json_t *d)
{
    printf("    %s:", label);
    if (!json_is_array(d) || json_array_size(d) == 0) {
        printf(" (nothing)\n");
        return;
    }
    printf("\n");
    size_t i;
    json_t *x;
    json_array_foreach(d, i, x)
    {
        char *t = json_dumps(x, JSON_COMPACT | JSON_SORT_KEYS);
        printf("      %s\n", t ? t : "?");
        free(t);
    }
}

int cmd_governance(const cli_opts_t *o, int argc, char **argv)
{
    const char *sub = argv[1], *site = NULL, *reason = NULL, *pos[2] = {NULL, NULL};
    bool shadow = false, json = false;
    int npos = 0, rc;
    /* Each subcommand takes only its own flags (and --json). */
    const cli_flag_t all_flags[] = {{"--json", NULL, &json},
                                    {"--site", &site, NULL},
                                    {"--shadow", NULL, &shadow},
                                    {"--reason", &reason, NULL},
                                    {NULL, NULL, NULL}};
    const cli_flag_t json_only[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    const cli_flag_t reject_flags[] = {
        {"--json", NULL, &json}, {"--reason", &reason, NULL}, {NULL, NULL, NULL}};
    const cli_flag_t rollback_flags[] = {
        {"--json", NULL, &json}, {"--site", &site, NULL}, {NULL, NULL, NULL}};
    const cli_flag_t *flags = strcmp(sub, "activate") == 0   ? all_flags
                              : strcmp(sub, "reject") == 0   ? reject_flags
                              : strcmp(sub, "rollback") == 0 ? rollback_flags
                                                             : json_only;
    /* positional words: VERSION, NAME, FILE, or A B */
    int want = strcmp(sub, "status") == 0 ? 0 : strcmp(sub, "diff") == 0 ? 2 : 1;
    if ((rc = cli_parse_args("playbook", sub, argc, argv, 2, flags, pos, want, &npos)) != 0)
        return rc;
    if (strcmp(sub, "activate") == 0 && reason)
        return cli_usage_error("playbook", sub, "--reason is for playbook reject");
    bool takes_version = strcmp(sub, "approve") == 0 || strcmp(sub, "reject") == 0 ||
                         strcmp(sub, "activate") == 0 || strcmp(sub, "retire") == 0;
    bool takes_name =
        strcmp(sub, "history") == 0 || strcmp(sub, "compare") == 0 || strcmp(sub, "rollback") == 0;
    if (npos < want && strcmp(sub, "rollback") != 0)
        return cli_usage_error("playbook", sub, "%s is required",
                               takes_version ? "VERSION"
                               : takes_name  ? "NAME"
                               : want == 2   ? "A and B"
                                             : "FILE");
    if (takes_version && !is_version(pos[0])) {
        fprintf(stderr,
                "fedsoarctl: playbook %s: \"%s\" is not a playbook version (its SHA-256, or a "
                "prefix of at "
                "least 6 hex digits)\n",
                sub, pos[0]);
        return CLI_USAGE;
    }
    if (takes_name && pos[0] && !fs_is_name(pos[0], 64)) {
        fprintf(stderr,
                "fedsoarctl: playbook %s: \"%s\" is not a playbook name (1-64 of a-z 0-9 _ -)\n",
                sub, pos[0]);
        return CLI_USAGE;
    }
    if ((strcmp(sub, "activate") == 0 || strcmp(sub, "rollback") == 0) && !site)
        return cli_usage_error("playbook", sub, "--site S is required");
    if (site && !fs_is_name(site, 64)) {
        fprintf(stderr,
                "fedsoarctl: playbook %s: \"%s\" is not a site name (1-64 of a-z 0-9 _ -)\n", sub,
                site);
        return CLI_USAGE;
    }
    if (strcmp(sub, "reject") == 0 && (!reason || !*reason))
        return cli_usage_error("playbook", sub, "--reason TEXT is required");
    json_t *r = NULL;
    rc = CLI_OK;
    if (strcmp(sub, "submit") == 0) {
        json_t *doc =
            cli_load_json("playbook", sub, pos[0], CLI_PLAYBOOK_MAX, "playbooks", CLI_REFUSED, &rc);
        if (!doc)
            return rc;
        r = cli_call(o, "playbook.submit", json_pack("{s:o, s:s}", "doc", doc, "origin", pos[0]),
                     &rc);
        if (r && !json)
            printf("submitted %s version %s: in review\n",
                   json_string_value(json_object_get(r, "name")),
                   json_string_value(json_object_get(r, "version")));
    } else if (strcmp(sub, "diff") == 0) {
        return do_diff(o, pos[0], pos[1], json);
    } else if (strcmp(sub, "history") == 0) {
        r = cli_call(o, "playbook.history", json_pack("{s:s}", "name", pos[0]), &rc);
        if (r && !json)
            print_history(r);
    } else if (strcmp(sub, "approve") == 0 || strcmp(sub, "reject") == 0) {
        return do_decide(o, pos[0], sub, reason);
    } else if (strcmp(sub, "activate") == 0) {
        r = cli_call(
            o, "playbook.activate",
            json_pack("{s:s, s:s, s:b}", "version", pos[0], "site", site, "shadow", shadow), &rc);
        if (r && !json)
            printf("%s version %.12s is now %s at %s\n",
                   json_string_value(json_object_get(r, "name")),
                   json_string_value(json_object_get(r, "version")),
                   shadow ? "in shadow mode" : "active", site);
    } else if (strcmp(sub, "rollback") == 0) {
        r = cli_call(o, "playbook.rollback", json_pack("{s:s, s:s?}", "site", site, "name", pos[0]),
                     &rc);
        if (r && !json)
            printf("%s at %s rolled back to version %.12s (was %.12s)\n",
                   json_string_value(json_object_get(r, "name")), site,
                   json_string_value(json_object_get(r, "version")),
                   json_string_value(json_object_get(r, "replaced")));
    } else if (strcmp(sub, "retire") == 0) {
        r = cli_call(o, "playbook.retire", json_pack("{s:s}", "version", pos[0]), &rc);
        if (r && !json)
            printf("version %.12s retired\n", json_string_value(json_object_get(r, "version")));
    } else if (strcmp(sub, "compare") == 0) {
        r = cli_call(o, "playbook.compare", json_pack("{s:s}", "name", pos[0]), &rc);
        if (r && !json) {
            size_t i;
            json_t *ev;
            if (json_array_size(json_object_get(r, "events")) == 0)
                printf("no shadow runs of %s yet\n", pos[0]);
            json_array_foreach(json_object_get(r, "events"), i, ev)
            {
                const json_t *sh = json_object_get(ev, "shadow"),
                             *live = json_object_get(ev, "live");
                printf("event %lld (case %lld): %s\n",
                       (long long)json_integer_value(json_object_get(ev, "event_id")),
                       (long long)json_integer_value(json_object_get(ev, "case_id")),
                       json_is_null(live)                          ? "no live run"
                       : json_is_true(json_object_get(ev, "same")) ? "same decisions"
                                                                   : "DIFFERENT");
                char label[96];
                snprintf(label, sizeof label, "shadow %.12s (run %lld, %s)",
                         json_string_value(json_object_get(sh, "version")),
                         (long long)json_integer_value(json_object_get(sh, "run_id")),
                         json_string_value(json_object_get(sh, "status")));
                print_decisions(label, json_object_get(sh, "decisions"));
                if (!json_is_null(live)) {
                    snprintf(label, sizeof label, "live   %.12s (run %lld, %s)",
                             json_string_value(json_object_get(live, "version")),
                             (long long)json_integer_value(json_object_get(live, "run_id")),
                             json_string_value(json_object_get(live, "status")));
                    print_decisions(label, json_object_get(live, "decisions"));
                }
            }
        }
    } else if (strcmp(sub, "status") == 0) {
        r = cli_call(o, "playbook.status", json_object(), &rc);
        if (r && !json)
            print_json(r);
    } else {
        return cli_unknown_subcommand("playbook", sub);
    }
    if (r && json)
        print_json(r);
    if (r)
        rc = CLI_OK;
    json_decref(r);
    return rc;
}
