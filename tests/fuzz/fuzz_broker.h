/*  fuzz_broker.h — a real broker on a temporary store, for the fuzz targets
    that drive broker code in process (fuzz_control, fuzz_cortex_results).
    Started once, seeded with case 1 (one Detection Finding at site alpha
    with an IP observable), destroyed and its store removed at exit. Include
    from one translation unit. */
#ifndef FEDSOAR_FUZZ_BROKER_H
#define FEDSOAR_FUZZ_BROKER_H

#include "broker_internal.h"
#include "ocsf.h"

#include <stdio.h>
#include <stdlib.h>
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

static broker_t *fuzz_broker;
static char fuzz_broker_dir[] = "/tmp/fedsoar-fuzz-broker-XXXXXX";

/* At exit: close the sockets (czmq complains of dangling ones) and remove
   the temporary store. */
static void fuzz_broker_stop(void)
{
    broker_destroy(&fuzz_broker);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", fuzz_broker_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: cannot remove %s\n", fuzz_broker_dir);
}

/* The broker, started on the first call. */
static broker_t *fuzz_broker_get(void)
{
    if (fuzz_broker)
        return fuzz_broker;
    if (!mkdtemp(fuzz_broker_dir))
        abort();
    /* static: the broker keeps the config's strings for its life */
    static char state[128], playbooks[128], listen[128], control[128];
    snprintf(state, sizeof state, "%s/state", fuzz_broker_dir);
    snprintf(playbooks, sizeof playbooks, "%s/playbooks", fuzz_broker_dir);
    snprintf(listen, sizeof listen, "inproc://fuzz-sites-%d", (int)getpid());
    snprintf(control, sizeof control, "inproc://fuzz-control-%d", (int)getpid());
    fs_err_t e = {0};
    REQUIRE(fs_mkdir_p(playbooks, 0700, &e) == 0);
    fs_log_set_level(FS_LOG_ERROR);
    broker_config_t cfg = {.listen = listen,
                           .control = control,
                           .state_dir = state,
                           .keys_dir = fuzz_broker_dir,
                           .playbooks_dir = playbooks,
                           .insecure = true,
                           .map_mb = 256,
                           .correlation_window_ms = 3600000};
    broker_t *b = broker_new(&cfg, &e);
    if (!b) {
        fprintf(stderr, "fuzz: broker_new: %s\n", e.text);
        abort();
    }
    casestore_txn_t *txn;
    REQUIRE(casestore_begin(b->store, true, &txn, &e) == 0);
    json_t *finding = json_pack("{s:i, s:s, s:s, s:i, s:{s:s}, s:[{s:i, s:s}]}", "class_uid",
                                OCSF_CLASS_DETECTION_FINDING, "site", "alpha", "source", "fuzz",
                                "severity_id", 3, "finding_info", "title", "seed", "observables",
                                "type_id", OCSF_OBSERVABLE_IP_ADDRESS, "value", "203.0.113.7");
    bool created;
    REQUIRE(casestore_case_attach_alert(b->store, txn, finding, 1, 3600000, &created, &e) == 1);
    json_decref(finding);
    REQUIRE(casestore_commit(&txn, &e) == 0);
    fuzz_broker = b;
    atexit(fuzz_broker_stop);
    return b;
}

#endif
