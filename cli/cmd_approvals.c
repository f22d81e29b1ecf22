/*  cmd_approvals.c — fedsoarctl approvals list | approve ID | deny ID.
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
    bool list = strcmp(sub, "list") == 0, vote = !list;
    const cli_flag_t list_flags[] = {
        {"--json", NULL, &json}, {"--all", NULL, &all}, {NULL, NULL, NULL}};
    const cli_flag_t vote_flags[] = {
        {"--json", NULL, &json}, {"--comment", &comment, NULL}, {NULL, NULL, NULL}};
    int rc = cli_parse_args("approvals", sub, argc, argv, first, list ? list_flags : vote_flags,
                            pos, vote ? 1 : 0, &npos);
    if (rc != 0)
        return rc;
    uint64_t id = 0;
    if (vote && npos != 1)
        return cli_usage_error("approvals", sub, "ID is required");
    if (vote && (rc = cli_parse_id("approvals", sub, pos[0], "approval", &id)) != 0)
        return rc;
    json_t *r = NULL;
    if (list) {
        r = cli_call(o, "approvals.list", json_pack("{s:b}", "all", all), &rc);
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
    } else {
        printf("recorded your %s; approval %llu is now %s\n", sub, (unsigned long long)id,
               json_string_value(json_object_get(r, "status")));
    }
    json_decref(r);
    return 0;
}
