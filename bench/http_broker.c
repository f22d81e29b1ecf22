/*  http_broker.c — bench/http's real broker: the filled store cached under
    the build dir (keys from fedsoarctl keys init, cases from casefill),
    fedsoar-broker as a child process serving HTTPS, API tokens made with
    fedsoarctl token create (its last line), and the child's
    threads and memory from /proc. */
#include "http_bench.h"

#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BROKER_READY_TIMEOUT_MS 180000
#define BROKER_STOP_TIMEOUT_MS 30000
#define BROKER_MAP_MB 32768 /* casefill makes its stores with this map size */

/* Runs argv with stdout and stderr appended to log; its exit status. */
static int run_logged(char *const argv[], const char *log)
{
    pid_t pid = bench_spawn_logged(argv, log);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int rm_rf(const char *dir)
{
    char *argv[] = {"/bin/rm", "-rf", (char *)dir, NULL};
    return run_logged(argv, "/dev/null");
}

int hb_store_ready(const char *cache_dir, size_t n, char *dir, size_t dir_size, double *fill_s,
                   double *made_s)
{
    char marker[700], keys[700], state[700], log[700], count[32];
    snprintf(dir, dir_size, "%s/http-%zu", cache_dir, n);
    snprintf(marker, sizeof marker, "%s/filled", dir);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(state, sizeof state, "%s/state", dir);
    snprintf(log, sizeof log, "%s/fill.log", dir);
    snprintf(count, sizeof count, "%zu", n);
    *fill_s = -1;
    *made_s = -1;
    FILE *f = fopen(marker, "r");
    if (f) {
        if (fscanf(f, "%lf", made_s) != 1)
            *made_s = -1;
        fclose(f);
        return 0;
    }
    /* Half made (an interrupted fill): start again. */
    if (rm_rf(dir) != 0 || fs_mkdir_p(dir, 0700, NULL) != 0)
        return -1;
    char *init[] = {
        FEDSOAR_BIN_DIR "/fedsoarctl", "keys", "init", keys, "--operators", "admin", "--http-names",
        "localhost,127.0.0.1",         NULL};
    if (run_logged(init, log) != 0) {
        fprintf(stderr, "http: fedsoarctl keys init failed (%s)\n", log);
        return -1;
    }
    int64_t t0 = hb_now_us();
    char *fill[] = {FEDSOAR_CASEFILL, state, count, NULL};
    if (run_logged(fill, log) != 0) {
        fprintf(stderr, "http: casefill %s %s failed (%s)\n", state, count, log);
        return -1;
    }
    *fill_s = (double)(hb_now_us() - t0) / 1e6;
    *made_s = *fill_s;
    f = fopen(marker, "w");
    if (!f)
        return -1;
    fprintf(f, "%.1f\n", *fill_s);
    return fclose(f) == 0 ? 0 : -1;
}

/* Whether the broker answers HTTPS (the OpenAPI document needs no token). */
static bool answers(const hb_broker_t *b)
{
    hb_client_t c;
    double us;
    hb_client_init(&c, b->http_port, b->ca, NULL);
    curl_easy_setopt(c.curl, CURLOPT_TIMEOUT_MS, 2000L);
    long st = hb_client_do(&c, "GET", "/api/v1/openapi.json", NULL, &us);
    hb_client_free(&c);
    return st == 200;
}

int hb_broker_start(hb_broker_t *b, const char *dir)
{
    memset(b, 0, sizeof *b);
    char state[700], config[700], playbooks[700], log[700], listen[64], http[64];
    snprintf(b->keys, sizeof b->keys, "%s/keys", dir);
    snprintf(b->ca, sizeof b->ca, "%s/http/ca.crt", b->keys);
    snprintf(state, sizeof state, "%s/state", dir);
    snprintf(config, sizeof config, "%s/broker.json", dir);
    snprintf(playbooks, sizeof playbooks, "%s/no-playbooks", dir);
    snprintf(log, sizeof log, "%s/broker.log", dir);
    fs_mkdir_p(playbooks, 0700, NULL);
    /* No rate limit in the way of a benchmark's thousands of requests. */
    FILE *f = fopen(config, "w");
    if (!f)
        return -1;
    fprintf(f,
            "{\"http\": {\"rate_limit_per_min\": 1000000}, \"store\": {\"map_size_mb\": %d}, "
            "\"log_level\": \"warn\"}\n",
            BROKER_MAP_MB);
    fclose(f);
    int p1 = free_port(), p2 = free_port(), p3 = free_port();
    while (p2 == p1)
        p2 = free_port();
    while (p3 == p1 || p3 == p2)
        p3 = free_port();
    snprintf(listen, sizeof listen, "tcp://127.0.0.1:%d", p1);
    snprintf(b->control, sizeof b->control, "tcp://127.0.0.1:%d", p2);
    snprintf(http, sizeof http, "127.0.0.1:%d", p3);
    b->http_port = p3;
    char *argv[] = {FEDSOAR_BIN_DIR "/fedsoar-broker",
                    "--config",
                    config,
                    "--state-dir",
                    state,
                    "--keys",
                    b->keys,
                    "--playbooks",
                    playbooks,
                    "--listen",
                    listen,
                    "--control",
                    b->control,
                    "--http",
                    http,
                    NULL};
    b->pid = bench_spawn_logged(argv, log);
    if (b->pid < 0)
        return -1;
    int64_t deadline = fs_mono_ms() + BROKER_READY_TIMEOUT_MS;
    while (fs_mono_ms() < deadline) {
        int status;
        if (waitpid(b->pid, &status, WNOHANG) == b->pid) {
            fprintf(stderr, "http: the broker exited at start (%s)\n", log);
            b->pid = 0;
            return -1;
        }
        if (answers(b))
            return 0;
        usleep(200 * 1000);
    }
    fprintf(stderr, "http: the broker did not answer HTTPS within %d s (%s)\n",
            BROKER_READY_TIMEOUT_MS / 1000, log);
    hb_broker_stop(b);
    return -1;
}

void hb_broker_stop(hb_broker_t *b)
{
    if (b->pid <= 0)
        return;
    kill(b->pid, SIGTERM);
    int64_t deadline = fs_mono_ms() + BROKER_STOP_TIMEOUT_MS;
    while (waitpid(b->pid, NULL, WNOHANG) == 0) {
        if (fs_mono_ms() > deadline) {
            kill(b->pid, SIGKILL);
            waitpid(b->pid, NULL, 0);
            break;
        }
        usleep(50 * 1000);
    }
    b->pid = 0;
}

/* fedsoarctl (operator admin) with args after the global flags; the last
   line of its stdout into last (may be NULL). Its exit status. */
static int ctl(const hb_broker_t *b, const char *const *args, char *last, size_t last_size)
{
    char *argv[16] = {FEDSOAR_BIN_DIR "/fedsoarctl", "--keys", (char *)b->keys, "--control",
                      (char *)b->control};
    size_t n = 5;
    for (; *args && n < 15; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    int out[2];
    if (pipe(out) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(out[1], 1);
        dup2(null, 2);
        close(out[0]);
        close(out[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(out[1]);
    FILE *f = fdopen(out[0], "r");
    char line[512];
    if (last && last_size)
        last[0] = '\0';
    while (f && fgets(line, sizeof line, f))
        if (last && line[0] != '\n') {
            line[strcspn(line, "\n")] = '\0';
            size_t len = strlen(line) < last_size ? strlen(line) : last_size - 1;
            memcpy(last, line, len);
            last[len] = '\0';
        }
    if (f)
        fclose(f);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int hb_broker_token(hb_broker_t *b, const char *dir, const char *name, const char *role, char *out,
                    size_t out_size)
{
    char path[700], line[256];
    snprintf(path, sizeof path, "%s/tokens", dir);
    size_t nl = strlen(name);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, name, nl) == 0 && line[nl] == ' ') {
            snprintf(out, out_size, "%s", line + nl + 1);
            fclose(f);
            return 0;
        }
    }
    if (f)
        fclose(f);
    /* Not cached (or the cache was lost): revoke any old one, make it. */
    char token[256];
    ctl(b, (const char *const[]){"token", "revoke", name, NULL}, NULL, 0);
    if (ctl(b, (const char *const[]){"token", "create", "--name", name, "--role", role, NULL},
            token, sizeof token) != 0) {
        fprintf(stderr, "http: fedsoarctl token create --name %s --role %s failed\n", name, role);
        return -1;
    }
    int rc = -1;
    if (token[0] && strlen(token) < out_size) {
        snprintf(out, out_size, "%s", token);
        f = fopen(path, "a");
        if (f) {
            fchmod(fileno(f), 0600); /* bearer tokens, if only a benchmark's */
            fprintf(f, "%s %s\n", name, token);
            rc = fclose(f) == 0 ? 0 : -1;
        }
    }
    return rc;
}

int hb_store_reads(const char *dir)
{
    char state[700];
    snprintf(state, sizeof state, "%s/state", dir);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl(FEDSOAR_CASEFILL, FEDSOAR_CASEFILL, "--time", state, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

void hb_proc_status(pid_t pid, long *threads, long *rss_kb, long *anon_kb)
{
    char path[64], line[256];
    *threads = *rss_kb = *anon_kb = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "Threads:", 8) == 0)
            *threads = strtol(line + 8, NULL, 10);
        else if (strncmp(line, "VmRSS:", 6) == 0)
            *rss_kb = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "RssAnon:", 8) == 0)
            *anon_kb = strtol(line + 8, NULL, 10);
    }
    if (f)
        fclose(f);
}
