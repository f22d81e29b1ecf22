/*  cmd_approvals.c — fedsoarctl approvals list | show ID | approve ID | deny ID.
    Your operator key says who you are; the broker checks your role against
    the gate's, counts distinct approvers toward its quorum, and records
    every decision on the case timeline. */
#include "cli.h"
#include "governance.h"
#include "keys.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void print_approval(const json_t *a)
{
    char ts[32];
    fs_time_format(json_integer_value(json_object_get(a, "deadline")), ts, sizeof ts);
    printf("%-5lld %-9s case %-5lld %-24s role %-10s %zu/%lld votes, deadline %s (then %s)\n      "
           "%s\n",
           (long long)json_integer_value(json_object_get(a, "id")),
           json_string_value(json_object_get(a, "status")),
           (long long)json_integer_value(json_object_get(a, "case_id")),
           json_string_value(json_object_get(a, "playbook")),
           json_string_value(json_object_get(a, "role")),
           json_array_size(json_object_get(a, "votes")),
           (long long)json_integer_value(json_object_get(a, "quorum")), ts,
           json_string_value(json_object_get(a, "on_timeout")),
           json_string_value(json_object_get(a, "reason"))
               ? json_string_value(json_object_get(a, "reason"))
               : "");
}

static void print_compact(const char *label, const json_t *v)
{
    char *t = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    printf("%s%s\n", label, t ? t : "null");
    free(t);
}

/* approvals show: the gate, what approving it does, the evidence, the votes. */
static void print_show(const json_t *a)
{
    print_approval(a);
    const json_t *ev = json_object_get(a, "evidence");
    if (json_is_object(ev)) {
        printf("evidence: case %lld \"%s\" severity %lld, %lld alert(s)\n",
               (long long)json_integer_value(json_object_get(ev, "case_id")),
               json_string_value(json_object_get(ev, "title")),
               (long long)json_integer_value(json_object_get(ev, "severity_id")),
               (long long)json_integer_value(json_object_get(ev, "alert_count")));
        print_compact("  techniques: ", json_object_get(ev, "attack_techniques"));
        print_compact("  observables: ", json_object_get(ev, "observables"));
    }
    printf("approving leads to:\n");
    size_t i, j;
    json_t *fx, *c;
    if (json_array_size(json_object_get(a, "effects")) == 0)
        printf("  (no further steps)\n");
    json_array_foreach(json_object_get(a, "effects"), i, fx)
    {
        const char *when = json_string_value(json_object_get(fx, "when"));
        printf("  %s %s%s%s\n", json_string_value(json_object_get(fx, "type")),
               json_string_value(json_object_get(fx, "step")), when ? " when " : "",
               when ? when : "");
        json_array_foreach(json_object_get(fx, "commands"), j, c)
        {
            print_compact("    command ", json_object_get(c, "command"));
            print_compact("      to sites ", json_object_get(c, "sites"));
            if (json_is_false(json_object_get(c, "rendered")))
                printf("      (template, resolved at run time: %s)\n",
                       json_string_value(json_object_get(c, "why")));
        }
        if (!json_object_get(fx, "commands") && json_is_false(json_object_get(fx, "rendered")))
            printf("    (template, resolved at run time: %s)\n",
                   json_string_value(json_object_get(fx, "why")));
    }
    const json_t *q = json_object_get(a, "quorum_state");
    printf("quorum: %lld of %lld approval(s)\n",
           (long long)json_integer_value(json_object_get(q, "approvals")),
           (long long)json_integer_value(json_object_get(q, "needed")));
    json_array_foreach(json_object_get(q, "votes"), i, c)
        printf("  %s %s%s\n", json_string_value(json_object_get(c, "decision")),
               json_string_value(json_object_get(c, "operator")),
               json_is_true(json_object_get(c, "signed")) ? " (signed)" : "");
    const char *pay =
        json_string_value(json_object_get(json_object_get(a, "vote_payloads"), "approve"));
    if (pay)
        printf("to approve, sign: %s\n", pay);
}

/* Signs the vote with the operator's Ed25519 key (KEYS/operators/NAME.sign.pem)
   over the gate's run and quorum, so a critical command after the gate can
   carry it as proof to its site. Without a signing key the vote goes
   unsigned (refused when the broker runs governance). Returns an exit code. */
static int sign_vote(const cli_opts_t *o, uint64_t id, const char *decision, char **payload,
                     char **sig)
{
    char priv[4096], pub[4096];
    if (keys_signing_paths(o->keys_dir, o->operator_name, priv, sizeof priv, pub, sizeof pub) !=
            0 ||
        access(priv, R_OK) != 0) {
        fprintf(
            stderr,
            "fedsoarctl: note: no signing key %s; the vote is sent unsigned and cannot serve as "
            "proof for a critical command\n",
            priv);
        return 0;
    }
    int rc;
    json_t *ap = cli_call(o, "approval.show", json_pack("{s:I}", "id", (json_int_t)id), &rc);
    if (!ap)
        return rc;
    *payload = governance_vote_payload(
        id, (uint64_t)json_integer_value(json_object_get(ap, "run_id")), decision, o->operator_name,
        (int)json_integer_value(json_object_get(ap, "quorum")), fs_now_ms());
    json_decref(ap);
    fs_err_t e = {0};
    *sig = *payload ? keys_sign(priv, *payload, strlen(*payload), &e) : NULL;
    if (!*sig) {
        fprintf(stderr, "fedsoarctl: approvals: cannot sign the vote: %s\n", e.text);
        free(*payload);
        *payload = NULL;
        return CLI_USAGE;
    }
    return 0;
}

int cmd_approvals(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false, all = false;
    const char *comment = NULL, *sub = "list", *pos[1];
    int npos = 0, first = 1;
    if (argc > 1 && argv[1][0] != '-') { /* approvals [list] defaults to list */
        sub = argv[1];
        first = 2;
        if (!cli_is_subcommand("approvals", sub))
            return cli_unknown_subcommand("approvals", sub);
    }
    bool list = strcmp(sub, "list") == 0, show = strcmp(sub, "show") == 0;
    const cli_flag_t list_flags[] = {
        {"--json", NULL, &json}, {"--all", NULL, &all}, {NULL, NULL, NULL}};
    const cli_flag_t vote_flags[] = {
        {"--json", NULL, &json}, {"--comment", &comment, NULL}, {NULL, NULL, NULL}};
    const cli_flag_t json_flags[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    int rc = cli_parse_args("approvals", sub, argc, argv, first,
                            list   ? list_flags
                            : show ? json_flags
                                   : vote_flags,
                            pos, list ? 0 : 1, &npos);
    if (rc != 0)
        return rc;
    uint64_t id = 0;
    if (!list && npos != 1)
        return cli_usage_error("approvals", sub, "ID is required");
    if (!list && (rc = cli_parse_id("approvals", sub, pos[0], "approval", &id)) != 0)
        return rc;
    json_t *r = NULL;
    if (list) {
        json_t *page =
            cli_call_pages(o, "approvals.list", json_pack("{s:b}", "all", all), false, 1000, &rc);
        r = page ? json_incref(json_object_get(page, "items")) : NULL;
        json_decref(page);
    } else if (show) {
        r = cli_call(o, "approval.show", json_pack("{s:I}", "id", (json_int_t)id), &rc);
    } else {
        const char *decision = strcmp(sub, "approve") == 0 ? "approve" : "deny";
        char *payload = NULL, *sig = NULL;
        if ((rc = sign_vote(o, id, decision, &payload, &sig)) != 0)
            return rc;
        r = cli_call(o, "approval.decide",
                     json_pack("{s:I, s:s, s:s?, s:s?, s:s?}", "id", (json_int_t)id, "decision",
                               decision, "comment", comment, "signature", sig, "payload", payload),
                     &rc);
        free(payload);
        free(sig);
    }
    if (!r)
        return rc;
    if (json) {
        cli_print_json(r);
    } else if (list) {
        size_t i;
        json_t *a;
        if (json_array_size(r) == 0)
            printf("no %sapprovals\n", all ? "" : "open ");
        json_array_foreach(r, i, a) print_approval(a);
    } else if (show) {
        print_show(r);
    } else {
        printf("recorded your %s; approval %llu is now %s\n", sub, (unsigned long long)id,
               json_string_value(json_object_get(r, "status")));
    }
    json_decref(r);
    return 0;
}
