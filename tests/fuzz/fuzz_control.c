/*  fuzz_control.c — what an operator's fedsoarctl can put in a control
    request's "args": the input is that JSON (or, when it is not JSON, the
    same bytes as a string), handed to EVERY control command in the broker's
    table (broker_control_commands) as an admin and as a site-admin of
    another site, against a real broker with a temporary store seeded with a
    case, a run and an open approval gate.  No handler may crash; every
    refusal must say why; a site-admin never gets another site's case. */
#include "fuzz_broker.h"

#include <string.h>

/* Beside case 1: run 1 waiting on approval gate 1 (quorum 2, open). */
static void seed(broker_t *b)
{
    casestore_txn_t *txn;
    fs_err_t e = {0};
    REQUIRE(casestore_begin(b->store, true, &txn, &e) == 0);
    unsigned char key[8];
    fs_u64_to_be(1, key);
    json_t *run = json_pack("{s:i, s:s, s:s, s:i, s:s, s:{}}", "id", 1, "playbook", "seed",
                            "version", "0", "case_id", 1, "status", "waiting", "nodes");
    REQUIRE(casestore_put_json(b->store, txn, CASESTORE_DB_RUNS, key, 8, run, &e) == 0);
    json_decref(run);
    json_t *gate =
        json_pack("{s:i, s:i, s:i, s:s, s:s, s:i, s:s, s:[]}", "id", 1, "run_id", 1, "case_id", 1,
                  "path", "0", "role", "approver", "quorum", 2, "status", "open", "votes");
    REQUIRE(casestore_put_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8, gate, &e) == 0);
    json_decref(gate);
    REQUIRE(casestore_commit(&txn, &e) == 0);
}

static void run_all(const json_t *args, const caller_t *who)
{
    for (const char *const *cmd = broker_control_commands(); *cmd; cmd++) {
        fs_err_t e = {0};
        json_t *result = broker_control_execute(fuzz_broker, *cmd, args, who, &e);
        REQUIRE(result || e.text[0]); /* a refusal says why */
        if (result && strcmp(who->role, "site-admin") == 0 && strcmp(*cmd, "case.show") == 0)
            REQUIRE(!"a site-admin of another site was shown case 1");
        json_decref(result);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_broker)
        seed(fuzz_broker_get());
    fs_err_t e = {0};
    json_t *args = fs_json_parse((const char *)data, size, &e);
    if (!args)
        args = json_stringn_nocheck((const char *)data, size);
    outbound_t out;
    outbound_init(&out);
    caller_t admin = {"fuzz", "admin", NULL, &out, "operator:fuzz", false, NULL, NULL};
    caller_t other = {"fuzz-beta",          "site-admin", "beta", &out,
                      "operator:fuzz-beta", true,         NULL,   NULL};
    run_all(args, &admin);
    run_all(args, &other);
    outbound_clear(&out);
    json_decref(args);
    return 0;
}
