/*  cmd_rollout.c — phased rollout as a plan the board runs
    (docs/governance.md "Phased rollout"):
      fedsoarctl rollout plan NAME --sites A,B [--version V] [--criteria FILE]
      fedsoarctl rollout status NAME [--rollback-plan]
      fedsoarctl rollout promote NAME --site S [--override REASON]
      fedsoarctl rollout sign NAME --proposal ID [--payload TEXT --signature SIG]
      fedsoarctl rollout rollback NAME --site S [--to PHASE]
    A promotion is signed here, with the member's Ed25519 key
    (KEYS/operators/NAME.sign.pem), over rollout_promotion_payload(); the
    broker verifies it and never signs for anyone.  --payload/--signature
    send a signature made elsewhere (another device) as it is. */
#include "cli.h"
#include "keys.h"
#include "rollout.h"

#include <stdio.h>
#include <string.h>

#define CRITERIA_MAX (64u * 1024u)

static void print_json(const json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
    printf("%s\n", text ? text : "null");
    free(text);
}

static void print_value(const json_t *v)
{
    char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(3));
    printf("%s", t ? t : "null");
    free(t);
}

static void print_status(const json_t *r, bool rollback_plan)
{
    printf("%s version %.12s (planned by %s)\n", json_string_value(json_object_get(r, "name")),
           json_string_value(json_object_get(r, "version")),
           json_string_value(json_object_get(r, "by")));
    const char *site;
    json_t *st;
    json_object_foreach(json_object_get(r, "status"), site, st)
    {
        const char *next = json_string_value(json_object_get(st, "next"));
        printf("  %-12s %-10s", site, json_string_value(json_object_get(st, "phase")));
        if (json_integer_value(json_object_get(st, "observed")))
            printf(" (%lld would-be trigger(s) observed)",
                   (long long)json_integer_value(json_object_get(st, "observed")));
        printf("\n");
        if (!next) {
            printf("    fully automated\n");
            continue;
        }
        printf("    to %s: %s\n", next,
               json_is_true(json_object_get(st, "pass")) ? "ready (fedsoarctl rollout promote)"
                                                         : "needs");
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(st, "criteria"), i, c)
        {
            const char *d = json_string_value(json_object_get(c, "detail"));
            printf("      [%s] %s = ", json_is_true(json_object_get(c, "pass")) ? "pass" : "FAIL",
                   json_string_value(json_object_get(c, "name")));
            print_value(json_object_get(c, "value"));
            printf(" (need ");
            print_value(json_object_get(c, "need"));
            printf(")%s%s\n", d ? "  " : "", d ? d : "");
        }
    }
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(r, "proposals"), i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "status")), "open") != 0)
            continue;
        printf("  proposal %lld: %s %s -> %s, %zu of %lld signature(s)%s%s\n",
               (long long)json_integer_value(json_object_get(p, "id")),
               json_string_value(json_object_get(p, "site")),
               json_string_value(json_object_get(p, "from")),
               json_string_value(json_object_get(p, "to")),
               json_array_size(json_object_get(p, "signatures")),
               (long long)json_integer_value(json_object_get(p, "quorum")),
               json_object_get(p, "override") ? ", override: " : "",
               json_string_value(json_object_get(p, "override")) ?: "");
    }
    if (!rollback_plan)
        return;
    printf("rollback plan (newest first; fedsoarctl rollout rollback %s --site S [--to PHASE]):\n",
           json_string_value(json_object_get(r, "name")));
    const json_t *promos = json_object_get(r, "promotions");
    for (size_t k = json_array_size(promos); k-- > 0;) {
        p = json_array_get(promos, k);
        const json_t *before = json_object_get(p, "before"), *after = json_object_get(p, "after");
        const json_t *bv = json_object_get(before, "versions"),
                     *av = json_object_get(after, "versions");
        printf("  %s proposal %lld %s -> %s%s\n", json_string_value(json_object_get(p, "site")),
               (long long)json_integer_value(json_object_get(p, "proposal")),
               json_string_value(json_object_get(p, "from")),
               json_string_value(json_object_get(p, "to")),
               json_is_true(json_object_get(p, "rolled_back")) ? " (rolled back)" : "");
        printf("    phase %s -> %s; active %.12s -> %.12s; shadow %.12s -> %.12s; supervised %s "
               "-> %s\n",
               json_string_value(json_object_get(before, "phase")),
               json_string_value(json_object_get(after, "phase")),
               json_string_value(json_object_get(bv, "active")) ?: "(none)",
               json_string_value(json_object_get(av, "active")) ?: "(none)",
               json_string_value(json_object_get(bv, "shadow")) ?: "(none)",
               json_string_value(json_object_get(av, "shadow")) ?: "(none)",
               json_is_true(json_object_get(before, "supervised")) ? "yes" : "no",
               json_is_true(json_object_get(after, "supervised")) ? "yes" : "no");
    }
}

/* The open proposal ID of NAME's plan, signed with the caller's key (or a
   signature made elsewhere), sent to the broker. */
static int do_sign(const cli_opts_t *o, const char *name, const char *id_text,
                   const char *payload_in, const char *sig_in, bool json)
{
    uint64_t id;
    int rc = cli_parse_id("rollout", "sign", id_text, "proposal", &id);
    if (rc != 0)
        return rc;
    char *payload = NULL, *sig = NULL;
    if (payload_in) {
        payload = fs_xstrdup(payload_in);
        sig = fs_xstrdup(sig_in);
    } else {
        json_t *st = cli_call(o, "rollout.status", json_pack("{s:s}", "name", name), &rc);
        if (!st)
            return rc;
        const json_t *prop = NULL;
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(st, "proposals"), i,
                           p) if ((uint64_t)json_integer_value(json_object_get(p, "id")) == id)
            prop = p;
        if (!prop) {
            fprintf(stderr, "fedsoarctl: rollout sign: no proposal %llu in the plan of %s\n",
                    (unsigned long long)id, name);
            json_decref(st);
            return CLI_REFUSED;
        }
        payload = rollout_promotion_payload(name, json_string_value(json_object_get(prop, "site")),
                                            json_string_value(json_object_get(prop, "from")),
                                            json_string_value(json_object_get(prop, "to")),
                                            json_string_value(json_object_get(prop, "version")), id,
                                            o->operator_name, fs_now_ms());
        json_decref(st);
        char priv[4096], pub[4096];
        fs_err_t e = {0};
        if (keys_signing_paths(o->keys_dir, o->operator_name, priv, sizeof priv, pub, sizeof pub) ==
            0)
            sig = keys_sign(priv, payload, strlen(payload), &e);
        if (!sig) {
            fprintf(stderr, "fedsoarctl: rollout sign: cannot sign: %s\n",
                    e.text[0] ? e.text : "no signing key");
            free(payload);
            return CLI_USAGE;
        }
    }
    json_t *r = cli_call(o, "rollout.sign",
                         json_pack("{s:s, s:s}", "payload", payload, "signature", sig), &rc);
    free(payload);
    free(sig);
    if (!r)
        return rc;
    if (json) {
        print_json(r);
    } else {
        const json_t *prop = json_object_get(r, "proposal");
        bool effective =
            strcmp(json_string_value(json_object_get(prop, "status")), "effective") == 0;
        printf("signed proposal %llu (%s %s -> %s): %lld of %lld signature(s)%s\n",
               (unsigned long long)id, json_string_value(json_object_get(prop, "site")),
               json_string_value(json_object_get(prop, "from")),
               json_string_value(json_object_get(prop, "to")),
               (long long)json_integer_value(json_object_get(r, "signatures")),
               (long long)json_integer_value(json_object_get(r, "quorum")),
               effective ? "; in effect" : "; waiting for the quorum");
    }
    json_decref(r);
    return CLI_OK;
}

int cmd_rollout(const cli_opts_t *o, int argc, char **argv)
{
    const char *sub = argv[1], *sites = NULL, *site = NULL, *version = NULL, *criteria = NULL,
               *override = NULL, *proposal = NULL, *payload = NULL, *signature = NULL, *to = NULL,
               *pos[1] = {NULL};
    bool json = false, rollback_plan = false;
    int npos = 0, rc;
    const cli_flag_t plan_flags[] = {
        {"--json", NULL, &json},          {"--sites", &sites, NULL},
        {"--version", &version, NULL},    {"--criteria", &criteria, NULL},
        {"--show", NULL, &rollback_plan}, {NULL, NULL, NULL}};
    const cli_flag_t status_flags[] = {
        {"--json", NULL, &json}, {"--rollback-plan", NULL, &rollback_plan}, {NULL, NULL, NULL}};
    const cli_flag_t promote_flags[] = {{"--json", NULL, &json},
                                        {"--site", &site, NULL},
                                        {"--override", &override, NULL},
                                        {NULL, NULL, NULL}};
    const cli_flag_t sign_flags[] = {{"--json", NULL, &json},
                                     {"--proposal", &proposal, NULL},
                                     {"--payload", &payload, NULL},
                                     {"--signature", &signature, NULL},
                                     {NULL, NULL, NULL}};
    const cli_flag_t rollback_flags[] = {
        {"--json", NULL, &json}, {"--site", &site, NULL}, {"--to", &to, NULL}, {NULL, NULL, NULL}};
    const cli_flag_t *flags = strcmp(sub, "plan") == 0       ? plan_flags
                              : strcmp(sub, "status") == 0   ? status_flags
                              : strcmp(sub, "promote") == 0  ? promote_flags
                              : strcmp(sub, "sign") == 0     ? sign_flags
                              : strcmp(sub, "rollback") == 0 ? rollback_flags
                                                             : NULL;
    if (!flags)
        return cli_unknown_subcommand("rollout", sub);
    if ((rc = cli_parse_args("rollout", sub, argc, argv, 2, flags, pos, 1, &npos)) != 0)
        return rc;
    if (npos < 1)
        return cli_usage_error("rollout", sub, "NAME (the playbook) is required");
    if (!fs_is_name(pos[0], 64)) {
        fprintf(stderr,
                "fedsoarctl: rollout %s: \"%s\" is not a playbook name (1-64 of a-z 0-9 _ -)\n",
                sub, pos[0]);
        return CLI_USAGE;
    }
    if ((strcmp(sub, "promote") == 0 || strcmp(sub, "rollback") == 0) && !site)
        return cli_usage_error("rollout", sub, "--site S is required");
    if (site && !fs_is_name(site, 32)) {
        fprintf(stderr, "fedsoarctl: rollout %s: \"%s\" is not a site name\n", sub, site);
        return CLI_USAGE;
    }
    if (to && rollout_phase_parse(to) == ROLLOUT_PHASE_COUNT) {
        fprintf(stderr,
                "fedsoarctl: rollout %s: \"%s\" is not a phase (observe, shadow, supervised, "
                "automated)\n",
                sub, to);
        return CLI_USAGE;
    }
    if (strcmp(sub, "sign") == 0) {
        if (!proposal)
            return cli_usage_error("rollout", sub, "--proposal ID is required");
        if (!payload != !signature)
            return cli_usage_error("rollout", sub, "--payload and --signature go together");
        return do_sign(o, pos[0], proposal, payload, signature, json);
    }
    json_t *r = NULL;
    if (strcmp(sub, "plan") == 0 && sites) {
        json_t *args = json_pack("{s:s, s:[], s:s?}", "name", pos[0], "sites", "version", version);
        for (const char *p = sites; *p;) {
            size_t len = strcspn(p, ",");
            json_array_append_new(json_object_get(args, "sites"), json_stringn(p, len));
            p += len + (p[len] == ',');
        }
        if (criteria) {
            json_t *c =
                cli_load_json("rollout", sub, criteria, CRITERIA_MAX, "criteria", CLI_REFUSED, &rc);
            if (!c) {
                json_decref(args);
                return rc;
            }
            fs_err_t ce = {0};
            json_t *full = rollout_criteria_parse(c, &ce);
            if (!full) {
                fprintf(stderr, "fedsoarctl: rollout plan: %s: %s\n", criteria, ce.text);
                json_decref(c);
                json_decref(args);
                return CLI_REFUSED;
            }
            json_decref(full);
            json_object_set_new(args, "criteria", c);
        }
        r = cli_call(o, "rollout.plan", args, &rc);
        if (r && !json) {
            json_decref(r);
            r = cli_call(o, "rollout.status", json_pack("{s:s}", "name", pos[0]), &rc);
            if (r)
                print_status(r, false);
        }
    } else if (strcmp(sub, "plan") == 0 || strcmp(sub, "status") == 0) {
        r = cli_call(o, "rollout.status", json_pack("{s:s}", "name", pos[0]), &rc);
        if (r && !json)
            print_status(r, rollback_plan);
    } else if (strcmp(sub, "promote") == 0) {
        r = cli_call(
            o, "rollout.promote",
            json_pack("{s:s, s:s, s:s?}", "name", pos[0], "site", site, "override", override), &rc);
        if (r && !json)
            printf("proposal %lld: %s at %s from %s to %s%s; members sign it with fedsoarctl "
                   "rollout sign %s --proposal %lld\n",
                   (long long)json_integer_value(json_object_get(r, "id")), pos[0], site,
                   json_string_value(json_object_get(r, "from")),
                   json_string_value(json_object_get(r, "to")),
                   override ? " (criteria overridden)" : "", pos[0],
                   (long long)json_integer_value(json_object_get(r, "id")));
    } else if (strcmp(sub, "rollback") == 0) {
        r = cli_call(o, "rollout.rollback",
                     json_pack("{s:s, s:s, s:s?}", "name", pos[0], "site", site, "to", to), &rc);
        if (r && !json)
            printf("%s at %s rolled back from %s to %s (%zu promotion(s) undone; no quorum "
                   "needed)\n",
                   pos[0], site, json_string_value(json_object_get(r, "from")),
                   json_string_value(json_object_get(r, "to")),
                   json_array_size(json_object_get(r, "undone")));
    }
    if (r && json)
        print_json(r);
    if (r)
        rc = CLI_OK;
    json_decref(r);
    return rc;
}
