/*  bench/mttr_control.c — bench/mttr's second half: the same by-site query
    as a user asks it, `fedsoarctl metrics --by-site` against the real
    fedsoar-broker running on the bench's store (a new fedsoarctl process
    each time: start, CURVE handshake, one control request, the answer
    printed), beside the raw limit of that path measured in the same run:
    `fedsoarctl stats`, a trivial command, the same way. */
#include "mttr_control.h"

#include "common.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define CTL_ROUNDS 200

static int run(char *const argv[], const char *log)
{
    pid_t pid = bench_spawn_logged(argv, log);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static double mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* CTL_ROUNDS runs of argv, alternating with the others by the caller. */
typedef struct {
    const char *what;
    char *argv[16];
    double us[CTL_ROUNDS];
    int failed;
} probe_t;

int mttr_control_round_trips(const char *dir, const char *store)
{
    char keys[600], log[600], empty[600], ctl[64], site[64];
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(log, sizeof log, "%s/broker.log", dir);
    snprintf(empty, sizeof empty, "%s/no-playbooks", dir);
    struct stat sb;
    if (stat(keys, &sb) != 0) {
        char *init[] = {
            FEDSOAR_BIN_DIR "/fedsoarctl", "keys", "init", keys, "--operators", "admin", NULL};
        if (run(init, log) != 0) {
            fprintf(stderr, "mttr: fedsoarctl keys init failed (%s)\n", log);
            return -1;
        }
    }
    mkdir(empty, 0700);
    snprintf(ctl, sizeof ctl, "tcp://127.0.0.1:%d", free_port());
    snprintf(site, sizeof site, "tcp://127.0.0.1:%d", free_port());
    char *broker[] = {FEDSOAR_BIN_DIR "/fedsoar-broker",
                      "--state-dir",
                      (char *)store,
                      "--keys",
                      keys,
                      "--listen",
                      site,
                      "--control",
                      ctl,
                      "--playbooks",
                      empty,
                      NULL};
    pid_t pid = bench_spawn_logged(broker, log);
    if (pid < 0)
        return -1;
    probe_t probes[3] = {
        {"control round trip: fedsoarctl stats (the raw limit)",
         {FEDSOAR_BIN_DIR "/fedsoarctl", "--keys", keys, "--control", ctl, "stats", "--json", NULL},
         {0},
         0},
        {"control round trip: fedsoarctl metrics --by-site 7d",
         {FEDSOAR_BIN_DIR "/fedsoarctl", "--keys", keys, "--control", ctl, "metrics", "--by-site",
          "--window", "7d", "--json", NULL},
         {0},
         0},
        {"control round trip: fedsoarctl metrics --by-site 90d",
         {FEDSOAR_BIN_DIR "/fedsoarctl", "--keys", keys, "--control", ctl, "metrics", "--by-site",
          "--window", "90d", "--json", NULL},
         {0},
         0},
    };
    /* Up when the trivial command answers (at most 60 s: the map is big). */
    int up = -1;
    for (int i = 0; i < 300 && up != 0; i++) {
        up = run(probes[0].argv, "/dev/null");
        if (up != 0)
            usleep(200000);
    }
    int rc = 0;
    if (up != 0) {
        fprintf(stderr, "mttr: the broker did not answer (%s)\n", log);
        rc = -1;
    }
    for (int r = 0; rc == 0 && r < CTL_ROUNDS; r++)
        for (int p = 0; p < 3; p++) {
            double t = mono_us();
            probes[p].failed += run(probes[p].argv, "/dev/null") != 0;
            probes[p].us[r] = mono_us() - t;
        }
    for (int p = 0; rc == 0 && p < 3; p++) {
        bench_sort(probes[p].us, CTL_ROUNDS);
        printf("%-52s p50 %9.4f ms  p99 %9.4f ms  (%d rounds, %d failed)\n", probes[p].what,
               probes[p].us[CTL_ROUNDS / 2] / 1000.0, probes[p].us[CTL_ROUNDS * 99 / 100] / 1000.0,
               CTL_ROUNDS, probes[p].failed);
        if (p > 0)
            printf("%-52s p50 %9.4f ms  (the query's share of the round trip)\n", "  minus the raw",
                   (probes[p].us[CTL_ROUNDS / 2] - probes[0].us[CTL_ROUNDS / 2]) / 1000.0);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return rc;
}
