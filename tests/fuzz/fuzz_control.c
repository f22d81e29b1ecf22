/*  fuzz_control.c — what an operator's fedsoarctl can put in a control
    request's "args": the input is that JSON (or, when it is not JSON, the
    same bytes as a string), handed to EVERY control command in the broker's
    table (broker_control_commands) as an admin and as a site-admin of
    another site, against a real broker with a temporary store seeded with a
    case, a run and an open approval gate.  No handler may crash; every
    refusal must say why; a site-admin never gets another site's case. */
#include "broker_internal.h"
#include "ocsf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Checked in every build (assert() is gone under NDEBUG, and the corpus
   replay runs in the release build). */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static broker_t *broker;
static char dir[] = "/tmp/fedsoar-fuzz-control-XXXXXX";

/* At exit: close the sockets (czmq complains of dangling ones) and remove
   the temporary store. */
static void stop(void)
{
    broker_destroy(&broker);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_control: cannot remove %s\n", dir);
}

static void seed(broker_t *b)
{
    casestore_txn_t *txn;
    fs_err_t e = {0};
    REQUIRE(casestore_begin(b->store, true, &txn, &e) == 0);
    json_t *finding = json_pack("{s:i, s:s, s:s, s:i, s:{s:s}, s:[{s:i, s:s}]}", "class_uid",
                                OCSF_CLASS_DETECTION_FINDING, "site", "alpha", "source", "fuzz",
                                "severity_id", 3, "finding_info", "title", "seed", "observables",
                                "type_id", OCSF_OBSERVABLE_IP_ADDRESS, "value", "203.0.113.7");
    bool created;
    REQUIRE(casestore_case_attach_alert(b->store, txn, finding, 1, 3600000, &created, &e) == 1);
    json_decref(finding);
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

static broker_t *start(void)
{
    if (!mkdtemp(dir))
        abort();
    /* static: the broker keeps the config's strings for its life */
    static char state[128], playbooks[128], listen[128], control[128];
    snprintf(state, sizeof state, "%s/state", dir);
    snprintf(playbooks, sizeof playbooks, "%s/playbooks", dir);
    snprintf(listen, sizeof listen, "inproc://fuzz-sites-%d", (int)getpid());
    snprintf(control, sizeof control, "inproc://fuzz-control-%d", (int)getpid());
    fs_err_t e = {0};
    if (fs_mkdir_p(playbooks, 0700, &e) != 0)
        abort();
    fs_log_set_level(FS_LOG_ERROR);
    broker_config_t cfg = {.listen = listen,
                           .control = control,
                           .state_dir = state,
                           .keys_dir = dir,
                           .playbooks_dir = playbooks,
                           .insecure = true,
                           .map_mb = 256,
                           .correlation_window_ms = 3600000};
    broker_t *b = broker_new(&cfg, &e);
    if (!b) {
        fprintf(stderr, "fuzz_control: broker_new: %s\n", e.text);
        abort();
    }
    seed(b);
    atexit(stop);
    return b;
}

static void run_all(const json_t *args, const caller_t *who)
{
    for (const char *const *cmd = broker_control_commands(); *cmd; cmd++) {
        fs_err_t e = {0};
        json_t *result = broker_control_execute(broker, *cmd, args, who, &e);
        REQUIRE(result || e.text[0]); /* a refusal says why */
        if (result && strcmp(who->role, "site-admin") == 0 && strcmp(*cmd, "case.show") == 0)
            REQUIRE(!"a site-admin of another site was shown case 1");
        json_decref(result);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!broker)
        broker = start();
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
