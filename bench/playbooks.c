/*  bench/playbooks — durable playbook steps/s and runs/s in the real broker,
    and its memory with many cases and events stored.

    bench/playbooks [FINDINGS [TELEMETRY]]     defaults 100000 900000
    A child process runs the real broker (broker_new/broker_run) with one
    10-step playbook (set, condition, set …: steps that finish inside the
    ingest transaction, so every step is a committed, durable transition).
    This process plays a site: it streams FINDINGS findings (each with its
    own observables, so each opens a case and starts a run) and TELEMETRY
    plain events, all over FSP/1 with CURVE, and reads the broker's counters
    and its RSS from /proc at the end. Raw limit beside it: the same number
    of events ingested with no playbook loaded. */
#include "broker.h"
#include "fsp.h"
#include "keys.h"
#include "bench.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define STEPS_PER_RUN 10

static const char *PLAYBOOK =
    "{\"name\":\"bench-ten-steps\",\"trigger\":{\"class_uid\":[2004]},\"steps\":["
    "{\"id\":\"s1\",\"type\":\"set\",\"case\":{\"status\":\"analysis\"}},"
    "{\"id\":\"c1\",\"type\":\"condition\",\"if\":\".event.severity_id >= 3\",\"then\":["
    "  {\"id\":\"s2\",\"type\":\"set\",\"case\":{\"severity_id\":4}},"
    "  {\"id\":\"s3\",\"type\":\"set\",\"case\":{\"assignee\":\"tier1-{{ .event.site }}\"}}]},"
    "{\"id\":\"s4\",\"type\":\"set\",\"case\":{\"status\":\"containment\"}},"
    "{\"id\":\"s5\",\"type\":\"set\",\"case\":{\"status\":\"eradication\"}},"
    "{\"id\":\"s6\",\"type\":\"set\",\"case\":{\"status\":\"recovery\"}},"
    "{\"id\":\"s7\",\"type\":\"set\",\"case\":{\"severity_id\":3}},"
    "{\"id\":\"s8\",\"type\":\"set\",\"case\":{\"assignee\":\"tier2\"}},"
    "{\"id\":\"s9\",\"type\":\"set\",\"case\":{\"status\":\"closed\"}}]}";

static long rss_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0)
            kb = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

/* The CPU time (user + system, seconds) process pid has used so far: what
   the broker spent, whatever else the machine was running (wall time on a
   shared machine follows its load). -1 when /proc does not say. */
static double cpu_seconds(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    double out = -1;
    if (f && fgets(line, sizeof line, f)) {
        /* after "pid (comm) ": state is field 3, utime 14, stime 15 */
        const char *p = strrchr(line, ')');
        unsigned long long ticks = 0;
        int field = 3, counted = 0;
        for (p = p ? p + 2 : NULL; p && *p && counted < 2; field++) {
            char *end;
            unsigned long long v = strtoull(p, &end, 10);
            if (field == 14 || field == 15) {
                ticks += v;
                counted++;
            }
            p = strchr(p, ' ');
            p = p ? p + 1 : NULL;
        }
        if (counted == 2)
            out = (double)ticks / (double)sysconf(_SC_CLK_TCK);
    }
    if (f)
        fclose(f);
    return out;
}

typedef struct {
    double seconds;
    double cpu_s; /* the broker's CPU time for the ingest (its start-up not counted) */
    long rss_kb, anon_kb;
    json_t *stats;
} result_t;

static char *finding(size_t i)
{
    char *buf = malloc(1024);
    snprintf(buf, 1024,
             "{\"class_uid\":2004,\"category_uid\":2,\"activity_id\":1,\"type_uid\":200401,"
             "\"severity_id\":3,"
             "\"time\":1795360000000,\"site\":\"bench\",\"source\":\"bench\",\"metadata\":{"
             "\"version\":\"1.8.0\"},"
             "\"finding_info\":{\"uid\":\"f-%zu\",\"title\":\"bench finding %zu\"},"
             "\"observables\":[{\"type_id\":2,\"value\":\"10.%zu.%zu.%zu\"},{\"type_id\":1,"
             "\"value\":\"host-%zu\"}]}",
             i, i, i >> 16 & 255, i >> 8 & 255, i & 255, i);
    return buf;
}

static const char *TELEMETRY =
    "{\"class_uid\":4001,\"category_uid\":4,\"activity_id\":6,\"severity_id\":1,\"time\":"
    "1795360000000,"
    "\"site\":\"bench\",\"source\":\"suricata.eve\",\"src_endpoint\":{\"ip\":\"10.1.2.3\"},"
    "\"dst_endpoint\":{\"ip\":\"192.0.2.7\",\"port\":443},\"traffic\":{\"bytes_in\":5400,\"bytes_"
    "out\":1800}}";

static int run(const char *dir, const char *playbooks, size_t findings, size_t telemetry,
               result_t *out)
{
    char keys[256], state[256], listen[64], control[64];
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(state, sizeof state, "%s/state-%s", dir, playbooks ? "pb" : "raw");
    /* Two free ports from the kernel (plain sockets: a ZeroMQ listener closes
       asynchronously and a forked child would inherit it). */
    int port1 = free_port(), port2 = free_port();
    while (port2 == port1)
        port2 = free_port();
    snprintf(listen, sizeof listen, "tcp://127.0.0.1:%d", port1);
    snprintf(control, sizeof control, "tcp://127.0.0.1:%d", port2);
    char empty[256];
    snprintf(empty, sizeof empty, "%s/no-playbooks", dir);
    fs_mkdir_p(empty, 0700, NULL);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        fs_log_set_level(FS_LOG_WARN);
        fs_err_t e = {0};
        broker_config_t bc = {.listen = listen,
                              .control = control,
                              .state_dir = state,
                              .keys_dir = keys,
                              .playbooks_dir = playbooks ? playbooks : empty,
                              .map_mb = 16384,
                              .correlation_window_ms = 86400000};
        broker_t *b = broker_new(&bc, &e);
        if (!b) {
            fprintf(stderr, "broker: %s\n", e.text);
            _exit(1);
        }
        broker_run(b);
        broker_destroy(&b);
        _exit(0);
    }
    fs_err_t e = {0};
    zcert_t *cert = keys_load_secret(keys, "sites", "bench", &e);
    char *server = keys_load_broker_public(keys, &e);
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    zcert_apply(cert, dealer);
    zsock_set_curve_serverkey(dealer, server);
    zsock_set_rcvtimeo(dealer, 60000);
    zsock_connect(dealer, "%s", listen);
    json_t *hello = json_pack("{s:s, s:s, s:s}", "site", "bench", "protocol", FS_PROTOCOL_VERSION,
                              "epoch", "b");
    fsp_send(dealer, NULL, FSP_HELLO, hello);
    json_decref(hello);
    fsp_msg_t m;
    int rc = fsp_recv(dealer, false, &m, &e);
    if (rc != 0 || m.type != FSP_WELCOME)
        rc = -1;
    fsp_msg_clear(&m);
    size_t total = findings + telemetry, batch = 500, sent = 0, acked = 0, window = 8;
    double cpu0 = cpu_seconds(child);
    double t0 = now_s();
    while (rc == 0 && acked < total) {
        while (sent < total && sent - acked < batch * window) {
            zmsg_t *frames = zmsg_new();
            json_t *classes = json_array();
            size_t first = sent + 1;
            for (size_t k = 0; k < batch && sent < total; k++, sent++) {
                /* Interleave: one finding per (total / findings) events. */
                bool is_finding = findings && sent % (total / findings) == 0 &&
                                  sent / (total / findings) < findings;
                if (is_finding) {
                    char *f = finding(sent);
                    zmsg_addstr(frames, f);
                    free(f);
                } else {
                    zmsg_addstr(frames, TELEMETRY);
                }
                json_array_append_new(classes, json_integer(is_finding ? 2004 : 4001));
            }
            json_t *body = json_pack("{s:s, s:I, s:o}", "epoch", "b", "first_seq",
                                     (json_int_t)first, "classes", classes);
            fsp_send_events(dealer, body, &frames);
            json_decref(body);
        }
        if ((rc = fsp_recv(dealer, false, &m, &e)) == 0 && m.type == FSP_ACK)
            acked = (size_t)json_integer_value(json_object_get(m.body, "upto"));
        fsp_msg_clear(&m);
    }
    out->seconds = now_s() - t0;
    out->cpu_s = cpu_seconds(child) - cpu0;
    out->rss_kb = rss_kb(child, "VmRSS:");
    out->anon_kb = rss_kb(child, "RssAnon:");
    /* The broker's own counters, over the control socket as an operator. */
    zcert_t *op = keys_load_secret(keys, "operators", "admin", &e);
    zsock_t *ctl = zsock_new(ZMQ_DEALER);
    zcert_apply(op, ctl);
    zsock_set_curve_serverkey(ctl, server);
    zsock_set_rcvtimeo(ctl, 60000);
    zsock_connect(ctl, "%s", control);
    json_t *req = json_pack("{s:s}", "cmd", "stats");
    fsp_send(ctl, NULL, FSP_CONTROL, req);
    json_decref(req);
    out->stats = NULL;
    if (fsp_recv(ctl, false, &m, &e) == 0)
        out->stats = json_incref(json_object_get(m.body, "result"));
    fsp_msg_clear(&m);
    zsock_destroy(&ctl);
    zcert_destroy(&op);
    kill(child, SIGTERM);
    waitpid(child, NULL, 0);
    zsock_destroy(&dealer);
    zcert_destroy(&cert);
    free(server);
    return rc;
}

int main(int argc, char **argv)
{
    size_t findings = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    size_t telemetry = argc > 2 ? strtoull(argv[2], NULL, 10) : 900000;
    char dir[] = "/tmp/fedsoar-benchpb-XXXXXX";
    if (!mkdtemp(dir) || !findings)
        return 2;
    char keys[256], pbdir[256], pbfile[300];
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(pbdir, sizeof pbdir, "%s/playbooks", dir);
    snprintf(pbfile, sizeof pbfile, "%s/bench.json", pbdir);
    fs_err_t e = {0};
    if (keys_init(keys, "bench", "admin", "admin", &e) != 0 || fs_mkdir_p(pbdir, 0700, &e) != 0 ||
        fs_file_write_atomic(pbfile, PLAYBOOK, strlen(PLAYBOOK), 0600, &e) != 0) {
        fprintf(stderr, "%s\n", e.text);
        return 1;
    }
    printf("fedsoar bench/playbooks: %zu findings (each a new case and a %d-step run) + %zu "
           "telemetry events\n",
           findings, STEPS_PER_RUN, telemetry);
    result_t raw = {0}, pb = {0};
    if (run(dir, NULL, findings, telemetry, &raw) != 0 ||
        run(dir, pbdir, findings, telemetry, &pb) != 0) {
        fprintf(stderr, "bench: the broker stopped answering\n");
        return 1;
    }
    json_int_t runs = json_integer_value(json_object_get(pb.stats, "runs"));
    json_int_t cases = json_integer_value(json_object_get(pb.stats, "cases"));
    json_int_t events =
        json_integer_value(json_object_get(json_object_get(pb.stats, "events"), "total"));
    printf("raw: same events, cases opened, no playbook:  %8.2f s  (%.0f events/s)\n", raw.seconds,
           (double)(findings + telemetry) / raw.seconds);
    printf("with the 10-step playbook:                    %8.2f s  (%.0f events/s)\n", pb.seconds,
           (double)(findings + telemetry) / pb.seconds);
    printf("broker CPU time (user + system) for the ingest: raw %.2f s, with the playbook %.2f s "
           "(%.1fx raw; wall time %.1fx)\n",
           raw.cpu_s, pb.cpu_s, raw.cpu_s > 0 ? pb.cpu_s / raw.cpu_s : 0.0,
           pb.seconds / raw.seconds);
    double extra = pb.seconds - raw.seconds;
    printf("runs completed %lld, cases %lld, events stored %lld\n", (long long)runs,
           (long long)cases, (long long)events);
    printf("runs/s (whole ingest):        %10.0f\n", (double)runs / pb.seconds);
    printf("durable steps/s (whole ingest): %8.0f   (steps/s of the extra time over raw: %.0f)\n",
           (double)runs * STEPS_PER_RUN / pb.seconds,
           extra > 0 ? (double)runs * STEPS_PER_RUN / extra : 0.0);
    printf("broker memory at the end: VmRSS %ld MB (anonymous %ld MB; the rest is LMDB's file "
           "mapping)\n",
           pb.rss_kb / 1024, pb.anon_kb / 1024);
    json_decref(raw.stats);
    json_decref(pb.stats);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
