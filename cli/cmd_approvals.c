/*  cmd_approvals.c — fedsoarctl approvals list | approve ID | deny ID.
    Your operator key says who you are; the broker checks your role against
    the gate's, counts distinct approvers toward its quorum, and records
    every decision on the case timeline. */
#include "cli.h"
#include "federation.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void print_approval(const json_t *a)
{
    char ts[32];
    fs_time_format(json_integer_value(json_object_get(a, "deadline")), ts, sizeof ts);
    printf("%-5lld %-9s case %-5lld %-24s role %-10s %zu/%lld votes, deadline %s (then %s)\n      %s\n",
           (long long)json_integer_value(json_object_get(a, "id")), json_string_value(json_object_get(a, "status")),
           (long long)json_integer_value(json_object_get(a, "case_id")),
           json_string_value(json_object_get(a, "playbook")), json_string_value(json_object_get(a, "role")),
           json_array_size(json_object_get(a, "votes")), (long long)json_integer_value(json_object_get(a, "quorum")),
           ts, json_string_value(json_object_get(a, "on_timeout")),
           json_string_value(json_object_get(a, "reason")) ? json_string_value(json_object_get(a, "reason")) : "");
}

/* Signs the vote with the operator's Ed25519 key (KEYS/operators/NAME.sign.pem)
   over the gate's run and quorum, so a critical command after the gate can
   carry it as proof to its site. Without a signing key the vote goes
   unsigned (refused when the broker runs governance). */
static int sign_vote(const cli_opts_t *o, uint64_t id, const char *decision, char **payload, char **sig)
{
    char priv[4096], pub[4096];
    if (keys_signing_paths(o->keys_dir, o->operator_name, priv, sizeof priv, pub, sizeof pub) != 0 ||
        access(priv, R_OK) != 0) {
        fprintf(stderr, "fedsoarctl: note: no signing key %s; the vote is sent unsigned and cannot serve as "
                        "proof for a critical command\n", priv);
        return 0;
    }
    json_t *ap = cli_control_call(o, "approval.show", json_pack("{s:I}", "id", (json_int_t)id));
    if (!ap)
        return -1;
    *payload = proof_vote_payload(id, (uint64_t)json_integer_value(json_object_get(ap, "run_id")), decision,
                                  o->operator_name, (int)json_integer_value(json_object_get(ap, "quorum")), fs_now_ms());
    json_decref(ap);
    fs_err_t e = {{0}};
    *sig = *payload ? keys_sign(priv, *payload, strlen(*payload), &e) : NULL;
    if (!*sig) {
        fprintf(stderr, "fedsoarctl: cannot sign the vote: %s\n", e.text);
        free(*payload);
        *payload = NULL;
        return -1;
    }
    return 0;
}

int cmd_approvals(const cli_opts_t *o, int argc, char **argv)
{
    bool json = false, all = false;
    const char *comment = NULL;
    int pos = 0;
    const char *args[2] = {NULL, NULL};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--all") == 0)
            all = true;
        else if (strcmp(argv[i], "--comment") == 0 && i + 1 < argc)
            comment = argv[++i];
        else if (pos < 2)
            args[pos++] = argv[i];
        else
            pos = 3;
    }
    const char *sub = args[0] ? args[0] : "list";
    uint64_t id = 0;
    bool list = strcmp(sub, "list") == 0;
    bool vote = strcmp(sub, "approve") == 0 || strcmp(sub, "deny") == 0;
    if (pos > 2 || (!list && !vote) || (vote && (!args[1] || fs_parse_u64(args[1], &id) != 0)) || (list && args[1])) {
        fprintf(stderr, "usage: fedsoarctl approvals [list] [--all] [--json]\n"
                        "       fedsoarctl approvals approve|deny ID [--comment TEXT]\n");
        return 2;
    }
    json_t *r = NULL;
    if (list) {
        r = cli_control_call(o, "approvals.list", json_pack("{s:b}", "all", all));
    } else {
        const char *decision = strcmp(sub, "approve") == 0 ? "approve" : "deny";
        char *payload = NULL, *sig = NULL;
        if (sign_vote(o, id, decision, &payload, &sig) != 0)
            return 2;
        r = cli_control_call(o, "approval.decide",
                             json_pack("{s:I, s:s, s:s?, s:s?, s:s?}", "id", (json_int_t)id, "decision", decision,
                                       "comment", comment, "signature", sig, "payload", payload));
        free(payload);
        free(sig);
    }
    if (!r)
        return vote ? 1 : 2;
    if (json) {
        char *text = json_dumps(r, JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("%s\n", text ? text : "null");
        free(text);
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
