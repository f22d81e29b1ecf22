/*  bench/recovery — the broker's restart after kill -9 with many runs in
    flight (issue 19 clause 3): how long until it serves again, what a
    control command costs just after, and whether every timer, approval and
    command came back.

    bench/recovery [RUNS [SOON_S [LATER_S]]]   defaults 10000 3 15
    (FEDSOAR_BIN=DIR: the broker from DIR instead of this build's bin/)
    The real fedsoar-broker (CURVE on) runs from bin/ with four playbooks,
    one per kind of waiting run: an approval gate (1 h), a wait of SOON_S
    seconds, a wait of LATER_S seconds, and an OpenC2 command to site
    "mute", which is never connected before the restart. This process plays
    site "bench" and sends RUNS findings (RUNS/4 of each kind, each its own
    case; the short waits last, so that their timers fall due just after
    the restart), then kill -9s the broker at the last ACK (every run is
    committed with its finding) and reads the store itself to know what was
    in flight. Then it execs the broker again and measures:
      - exec -> serving: the control socket answers `stats` AND site
        bench's HELLO gets WELCOME (both sent at once; the clients retry the
        TCP connection every 2 ms);
      - `stats` round trips just after, p50/p99;
      - every timer re-armed: each waiting run of both waits moves on after
        the restart, and its wait step has exactly one "done" line on the
        case timeline;
      - approvals still open and answerable: one in ten approved over the
        control socket, their runs complete;
      - commands redelivered: site mute says HELLO and gets every pending
        COMMAND; it answers 200 and those runs complete.
    Raw limits in the same run: the same broker restarted after kill -9 on
    an empty store (exec -> serving, and `stats` p50/p99), and a raw LMDB
    open + walk of the runs table of the killed broker's store (and the same
    walk parsing every row).
    Exit 1 when something did not come back; never because of a time. */
#include "fsp.h"
#include "keys.h"
#include "recovery.h"
#include "bench.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH 500
#define LATENCY_ROUNDS 200
#define EMPTY_RESTARTS 3

typedef struct {
    char dir[64], keys[128], playbooks[128], config[128], log[128];
    char listen[64], control[64];
    char *server_key; /* the broker's public key */
    int soon_s, later_s;
} bench_t;

static const char *const STEP_CLOSE = "{\"id\":\"close\",\"type\":\"set\",\"case\":{\"status\":"
                                      "\"closed\"}}";

static int write_playbooks(bench_t *B, fs_err_t *e)
{
    char body[K_N][1024], path[256];
    snprintf(body[K_APPROVAL], sizeof body[0],
             "{\"id\":\"gate\",\"type\":\"approval\",\"role\":\"approver\",\"quorum\":1,"
             "\"timeout\":\"1h\",\"reason\":\"recovery bench {{ .case.id }}\"}");
    snprintf(body[K_SOON], sizeof body[0],
             "{\"id\":\"pause\",\"type\":\"wait\",\"duration\":\"%ds\"}", B->soon_s);
    snprintf(body[K_LATER], sizeof body[0],
             "{\"id\":\"pause\",\"type\":\"wait\",\"duration\":\"%ds\"}", B->later_s);
    snprintf(body[K_COMMAND], sizeof body[0],
             "{\"id\":\"block\",\"type\":\"openc2\",\"site\":\"mute\",\"command\":{\"action\":"
             "\"deny\",\"target\":{\"ipv4_net\":\"{{ .event.observables[0].value }}\"},\"args\":{"
             "\"response_requested\":\"complete\"}}}");
    if (fs_mkdir_p(B->playbooks, 0700, e) != 0)
        return -1;
    for (int k = 0; k < K_N; k++) {
        char *doc =
            fs_xasprintf("{\"name\":\"recovery-%s\",\"trigger\":{\"class_uid\":[2004],"
                         "\"sources\":[\"bench.%s\"]},\"steps\":[%s,%s]}",
                         recovery_kind_names[k], recovery_kind_names[k], body[k], STEP_CLOSE);
        snprintf(path, sizeof path, "%s/recovery-%s.json", B->playbooks, recovery_kind_names[k]);
        int rc = fs_file_write_atomic(path, doc, strlen(doc), 0600, e);
        free(doc);
        if (rc != 0)
            return -1;
    }
    /* Site mute can deny addresses (as its HELLO would say), so the commands
       are journaled for it and wait there. */
    const char *cfg =
        "{\"sites\":{\"mute\":{\"capabilities\":{\"pairs\":{\"deny\":[\"ipv4_net\"]}}}}}";
    return fs_file_write_atomic(B->config, cfg, strlen(cfg), 0600, e);
}

static pid_t start_broker(const bench_t *B, const char *state)
{
    /* FEDSOAR_BIN=DIR runs DIR/fedsoar-broker instead (another build, to
       compare two in the same minutes). */
    char broker[600];
    const char *bin = getenv("FEDSOAR_BIN");
    snprintf(broker, sizeof broker, "%s/fedsoar-broker", bin && *bin ? bin : FEDSOAR_BIN_DIR);
    char *argv[] = {broker,
                    "--config",
                    (char *)B->config,
                    "--state-dir",
                    (char *)state,
                    "--keys",
                    (char *)B->keys,
                    "--listen",
                    (char *)B->listen,
                    "--control",
                    (char *)B->control,
                    "--playbooks",
                    (char *)B->playbooks,
                    NULL};
    return bench_spawn_logged(argv, B->log);
}

static void kill9(pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
    }
    *pid = 0;
}

static zsock_t *client(const bench_t *B, const char *kind, const char *name, const char *endpoint)
{
    fs_err_t e = {0};
    zcert_t *cert = keys_load_secret(B->keys, kind, name, &e);
    if (!cert) {
        fprintf(stderr, "recovery: %s\n", e.text);
        return NULL;
    }
    zsock_t *s = zsock_new(ZMQ_DEALER);
    zcert_apply(cert, s);
    zcert_destroy(&cert);
    zsock_set_curve_serverkey(s, B->server_key);
    zsock_set_reconnect_ivl(s, 2);
    zsock_set_rcvtimeo(s, 30000);
    zsock_set_linger(s, 0);
    zsock_connect(s, "%s", endpoint);
    return s;
}

static int send_hello(zsock_t *site, const char *name, const char *epoch)
{
    json_t *hello =
        json_pack("{s:s, s:s, s:s}", "site", name, "protocol", FS_PROTOCOL_VERSION, "epoch", epoch);
    int rc = fsp_send(site, NULL, FSP_HELLO, hello);
    json_decref(hello);
    return rc;
}

/* One CONTROL request as operator admin; the reply's result, or NULL. */
static json_t *control_call(zsock_t *ctl, const char *cmd, json_t *args)
{
    json_t *req = json_pack("{s:s, s:o}", "cmd", cmd, "args", args ? args : json_object());
    fsp_send(ctl, NULL, FSP_CONTROL, req);
    json_decref(req);
    fsp_msg_t m;
    fs_err_t e = {0};
    json_t *result = NULL;
    if (fsp_recv(ctl, false, &m, &e) == 0 && json_is_true(json_object_get(m.body, "ok")))
        result = json_incref(json_object_get(m.body, "result"));
    else if (m.body)
        fprintf(stderr, "recovery: %s: %s\n", cmd,
                json_string_value(json_object_get(m.body, "error")));
    fsp_msg_clear(&m);
    return result;
}

/* The restart as clients see it: from just before exec until the control
   socket answered `stats` and site bench got WELCOME (both asked at once).
   Returns the connected control socket for what follows, or NULL. */
typedef struct {
    double serving_ms, control_ms, welcome_ms;
    double p50_ms, p99_ms;
    double started_ms; /* the broker's own "started" log line, ms after the exec (-1: none) */
} restart_t;

/* When the broker logged "started" (it is ready to serve: sockets bound,
   audit start committed), from the last such line of its log: wall-clock
   ms, or -1. */
static int64_t log_started_ms(const char *log)
{
    FILE *f = fopen(log, "r");
    char line[1024];
    int64_t at = -1;
    while (f && fgets(line, sizeof line, f)) {
        struct tm tm = {0};
        const char *ts = strstr(line, "ts=");
        if (!strstr(line, "event=started") || !ts)
            continue;
        const char *rest = strptime(ts + 3, "%Y-%m-%dT%H:%M:%S", &tm);
        if (rest && rest[0] == '.')
            at = (int64_t)timegm(&tm) * 1000 + strtol(rest + 1, NULL, 10);
    }
    if (f)
        fclose(f);
    return at;
}

static zsock_t *restart(const bench_t *B, const char *state, pid_t *pid, restart_t *r)
{
    zsock_t *ctl = client(B, "operators", "admin", B->control);
    zsock_t *site = client(B, "sites", "bench", B->listen);
    if (!ctl || !site) {
        zsock_destroy(&ctl);
        zsock_destroy(&site);
        return NULL;
    }
    memset(r, 0, sizeof *r);
    double t0 = now_s();
    int64_t exec_ms = fs_now_ms();
    *pid = start_broker(B, state);
    json_t *req = json_pack("{s:s, s:{}}", "cmd", "stats", "args");
    fsp_send(ctl, NULL, FSP_CONTROL, req);
    json_decref(req);
    send_hello(site, "bench", "b");
    zpoller_t *p = zpoller_new(ctl, site, NULL);
    while ((!r->control_ms || !r->welcome_ms) && now_s() - t0 < 60) {
        void *w = zpoller_wait(p, 1000);
        if (!w)
            continue;
        fsp_msg_t m;
        fs_err_t e = {0};
        if (fsp_recv(w, false, &m, &e) != 0)
            continue;
        double at = (now_s() - t0) * 1000;
        if (w == ctl && json_is_true(json_object_get(m.body, "ok")))
            r->control_ms = at;
        else if (w == site && m.type == FSP_WELCOME)
            r->welcome_ms = at;
        fsp_msg_clear(&m);
    }
    zpoller_destroy(&p);
    zsock_destroy(&site);
    if (!r->control_ms || !r->welcome_ms) {
        fprintf(stderr, "recovery: the broker did not serve within 60 s (%s)\n", B->log);
        zsock_destroy(&ctl);
        return NULL;
    }
    r->serving_ms = r->control_ms > r->welcome_ms ? r->control_ms : r->welcome_ms;
    int64_t started = log_started_ms(B->log);
    r->started_ms = started >= exec_ms ? (double)(started - exec_ms) : -1;
    /* A control command just after, one at a time. */
    double lat[LATENCY_ROUNDS] = {0};
    int ok = 0;
    for (int i = 0; i < LATENCY_ROUNDS; i++) {
        double t = now_s();
        json_t *res = control_call(ctl, "stats", NULL);
        lat[i] = (now_s() - t) * 1000;
        ok += res != NULL;
        json_decref(res);
    }
    bench_sort(lat, LATENCY_ROUNDS);
    r->p50_ms = bench_quantile(lat, LATENCY_ROUNDS, 0.5);
    r->p99_ms = bench_quantile(lat, LATENCY_ROUNDS, 0.99);
    if (ok != LATENCY_ROUNDS) {
        fprintf(stderr, "recovery: %d of %d stats failed\n", LATENCY_ROUNDS - ok, LATENCY_ROUNDS);
        zsock_destroy(&ctl);
        return NULL;
    }
    return ctl;
}

static char *finding(size_t i, recovery_kind_t k)
{
    return fs_xasprintf(
        "{\"class_uid\":2004,\"category_uid\":2,\"activity_id\":1,\"type_uid\":200401,"
        "\"severity_id\":3,\"time\":%lld,\"site\":\"bench\",\"source\":\"bench.%s\","
        "\"metadata\":{\"version\":\"1.8.0\",\"uid\":\"recovery-%zu\"},"
        "\"finding_info\":{\"uid\":\"recovery-%zu\",\"title\":\"recovery %s %zu\"},"
        "\"observables\":[{\"type_id\":2,\"value\":\"10.%zu.%zu.%zu\"},{\"type_id\":1,"
        "\"value\":\"host-%zu\"}]}",
        (long long)fs_now_ms(), recovery_kind_names[k], i, i, recovery_kind_names[k], i,
        i >> 16 & 255, i >> 8 & 255, i & 255, i);
}

/* Sends `runs` findings as site bench, kind by kind (K_COMMAND first,
   K_SOON last), and returns at the last ACK: every run is committed. */
static int send_findings(zsock_t *site, size_t runs, double *seconds)
{
    size_t per = runs / K_N, total = per * K_N, sent = 0, acked = 0, window = 4 * BATCH;
    double t0 = now_s();
    while (acked < total) {
        while (sent < total && sent - acked < window) {
            zmsg_t *frames = zmsg_new();
            json_t *classes = json_array();
            size_t first = sent + 1;
            for (size_t j = 0; j < BATCH && sent < total; j++, sent++) {
                char *f = finding(sent, (recovery_kind_t)(sent / per));
                zmsg_addstr(frames, f);
                free(f);
                json_array_append_new(classes, json_integer(2004));
            }
            json_t *body = json_pack("{s:s, s:I, s:o}", "epoch", "b", "first_seq",
                                     (json_int_t)first, "classes", classes);
            fsp_send_events(site, body, &frames);
            json_decref(body);
        }
        fsp_msg_t m;
        fs_err_t e = {0};
        if (fsp_recv(site, false, &m, &e) != 0) {
            fprintf(stderr, "recovery: no ACK after %zu of %zu findings\n", acked, total);
            return -1;
        }
        if (m.type == FSP_ACK)
            acked = (size_t)json_integer_value(json_object_get(m.body, "upto"));
        fsp_msg_clear(&m);
    }
    *seconds = now_s() - t0;
    return 0;
}

/* Polls the store until `done` holds or `deadline_ms` (wall clock) passes;
   the ms after `since` (monotonic) when it held, or -1. at_ms: as for
   recovery_view_read. */
typedef bool(done_fn)(const recovery_view_t *v, const void *arg);

static double wait_until(const char *state, int64_t at_ms, done_fn *done, const void *arg,
                         int64_t deadline_ms, double since, recovery_view_t *last)
{
    for (;;) {
        recovery_view_t v;
        if (recovery_view_read(state, at_ms, &v) == 0) {
            bool ok = done(&v, arg);
            recovery_view_clear(last);
            *last = v;
            if (ok)
                return (now_s() - since) * 1000;
        }
        if (fs_now_ms() > deadline_ms)
            return -1;
        usleep(200000);
    }
}

static bool kind_completed(const recovery_view_t *v, const void *arg)
{
    recovery_kind_t k = *(const recovery_kind_t *)arg;
    return v->completed[k] == v->runs[k];
}

/* Site mute's HELLO after the restart (mute stays connected: the caller
   closes it once the runs went on): every pending COMMAND redelivered,
   each answered 200. Counts distinct ids and repeats. */
static int mute_site(zsock_t *mute, size_t expected, size_t *distinct, size_t *repeated)
{
    zsock_set_rcvtimeo(mute, 5000);
    send_hello(mute, "mute", "m");
    zhashx_t *seen = zhashx_new();
    *distinct = *repeated = 0;
    int welcomed = 0;
    while (*distinct < expected || !welcomed) {
        fsp_msg_t m;
        fs_err_t e = {0};
        if (fsp_recv(mute, false, &m, &e) != 0)
            break; /* 5 s with nothing: no more is coming */
        if (m.type == FSP_WELCOME)
            welcomed = 1;
        const char *id = json_string_value(json_object_get(m.body, "command_id"));
        if (m.type == FSP_COMMAND && id) {
            if (zhashx_insert(seen, id, (void *)1) == 0)
                (*distinct)++;
            else
                (*repeated)++;
            json_t *rsp = json_pack("{s:s, s:{s:i}}", "command_id", id, "response", "status", 200);
            fsp_send(mute, NULL, FSP_RESPONSE, rsp);
            json_decref(rsp);
        }
        fsp_msg_clear(&m);
    }
    zhashx_destroy(&seen);
    return welcomed ? 0 : -1;
}

static int check(bool ok, const char *what)
{
    printf("  %s %s\n", ok ? "ok  " : "FAIL", what);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    size_t runs = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000;
    bench_t B = {.soon_s = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3,
                 .later_s = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 15};
    if (runs < K_N || B.soon_s < 1 || B.later_s <= B.soon_s) {
        fprintf(stderr, "usage: recovery [RUNS>=4 [SOON_S>=1 [LATER_S>SOON_S]]]\n");
        return 2;
    }
    runs -= runs % K_N;
    snprintf(B.dir, sizeof B.dir, "/tmp/fedsoar-recovery-XXXXXX");
    if (!mkdtemp(B.dir))
        return 1;
    snprintf(B.keys, sizeof B.keys, "%s/keys", B.dir);
    snprintf(B.playbooks, sizeof B.playbooks, "%s/playbooks", B.dir);
    snprintf(B.config, sizeof B.config, "%s/broker.json", B.dir);
    snprintf(B.log, sizeof B.log, "%s/broker.log", B.dir);
    int port1 = free_port(), port2 = free_port();
    while (port2 == port1)
        port2 = free_port();
    snprintf(B.listen, sizeof B.listen, "tcp://127.0.0.1:%d", port1);
    snprintf(B.control, sizeof B.control, "tcp://127.0.0.1:%d", port2);
    char empty[128], state[128];
    snprintf(empty, sizeof empty, "%s/state-empty", B.dir);
    snprintf(state, sizeof state, "%s/state", B.dir);
    fs_err_t e = {0};
    if (keys_init(B.keys, "bench,mute", "admin", "admin", &e) != 0 ||
        !(B.server_key = keys_load_broker_public(B.keys, &e)) || write_playbooks(&B, &e) != 0) {
        fprintf(stderr, "recovery: %s\n", e.text);
        return 1;
    }
    printf(
        "fedsoar bench/recovery: %zu runs in flight (%zu each: an approval gate, a wait of %d s, "
        "a wait of %d s, an OpenC2 command to a site that is not connected), CURVE on\n",
        runs, runs / K_N, B.soon_s, B.later_s);
    int failed = 0;
    pid_t pid = 0;
    restart_t r;
    zsock_t *ctl;

    /* Raw limit: the same broker restarted after kill -9 on an empty store. */
    double empty_ms[EMPTY_RESTARTS];
    restart_t empty_r = {0};
    for (int i = 0; i <= EMPTY_RESTARTS; i++) {
        if (!(ctl = restart(&B, empty, &pid, &r)))
            return 1;
        zsock_destroy(&ctl);
        kill9(&pid);
        if (i > 0) { /* the first start made the store */
            empty_ms[i - 1] = r.serving_ms;
            if (i == 1 || r.serving_ms < empty_r.serving_ms)
                empty_r = r;
        }
    }

    /* The runs in flight. */
    pid = start_broker(&B, state);
    zsock_t *site = client(&B, "sites", "bench", B.listen);
    fsp_msg_t m;
    double ingest_s = 0;
    if (!site || send_hello(site, "bench", "b") != 0 || fsp_recv(site, false, &m, &e) != 0 ||
        m.type != FSP_WELCOME || send_findings(site, runs, &ingest_s) != 0) {
        fprintf(stderr, "recovery: could not start the runs (%s)\n", B.log);
        kill9(&pid);
        return 1;
    }
    fsp_msg_clear(&m);
    kill9(&pid); /* at the last ACK */
    int64_t killed_ms = fs_now_ms();
    zsock_destroy(&site);
    printf("%zu findings sent and committed in %.2f s; broker killed (-9) at the last ACK\n", runs,
           ingest_s);

    /* Raw limit: open the killed broker's store and walk its runs table. */
    double walk_s = 0, parse_s = 0;
    size_t rows = 0, bytes = 0;
    if (recovery_raw_scan(state, &walk_s, &parse_s, &rows, &bytes) != 0)
        return 1;
    recovery_view_t at_kill;
    if (recovery_view_read(state, killed_ms, &at_kill) != 0)
        return 1;
    size_t in_flight = 0;
    for (int k = 0; k < K_N; k++)
        in_flight += at_kill.runs[k] - at_kill.completed[k];
    printf("in flight at the kill: %zu runs (approval %zu, command %zu, wait %d s %zu, wait %d s "
           "%zu); %zu timer rows (the %d s waits due %+.1f..%+.1f s from the kill, the %d s "
           "waits %+.1f..%+.1f s); %zu approvals open; %zu commands pending for site mute\n",
           in_flight, at_kill.runs[K_APPROVAL] - at_kill.completed[K_APPROVAL],
           at_kill.runs[K_COMMAND] - at_kill.completed[K_COMMAND], B.soon_s,
           at_kill.runs[K_SOON] - at_kill.completed[K_SOON], B.later_s,
           at_kill.runs[K_LATER] - at_kill.completed[K_LATER], at_kill.timers, B.soon_s,
           (double)(at_kill.soon_first_at - killed_ms) / 1000,
           (double)(at_kill.soon_last_at - killed_ms) / 1000, B.later_s,
           (double)(at_kill.later_first_at - killed_ms) / 1000,
           (double)(at_kill.later_last_at - killed_ms) / 1000, at_kill.approvals_open,
           at_kill.pending_mute);
    printf("raw: LMDB open + walk of the runs table (%zu rows, %.1f MB):        %8.2f ms\n", rows,
           (double)bytes / 1e6, walk_s * 1000);
    printf("raw: the same walk parsing every row (jansson):                    %8.2f ms\n",
           parse_s * 1000);
    printf(
        "raw: restart on an empty store after kill -9, exec -> serving:     %8.2f ms  (best; runs:",
        empty_r.serving_ms);
    for (int i = 0; i < EMPTY_RESTARTS; i++)
        printf(" %.1f", empty_ms[i]);
    printf(")\n");
    printf("raw: the same, the broker's own \"started\" log line (bound, audit committed): %.0f ms "
           "after the exec\n",
           empty_r.started_ms);
    printf("raw: stats just after, empty store:  p50 %.2f ms  p99 %.2f ms  (%d round trips)\n",
           empty_r.p50_ms, empty_r.p99_ms, LATENCY_ROUNDS);

    /* The restart. */
    double restarted = now_s();
    int64_t restarted_ms = fs_now_ms();
    if (!(ctl = restart(&B, state, &pid, &r))) {
        kill9(&pid);
        return 1;
    }
    printf("restart with %zu runs in flight, exec -> serving again:            %8.2f ms  (control "
           "answered %.1f ms, WELCOME %.1f ms; %.0f ms after the kill)   target < 1 s: %s\n",
           in_flight, r.serving_ms, r.control_ms, r.welcome_ms, (double)(restarted_ms - killed_ms),
           r.serving_ms < 1000 ? "met" : "NOT met");
    printf("the broker's own \"started\" log line (bound, audit committed): %.0f ms after the "
           "exec\n",
           r.started_ms);
    printf("stats just after the restart:        p50 %.2f ms  p99 %.2f ms  (%d round trips; "
           "raw p99 ratio %.1f)\n",
           r.p50_ms, r.p99_ms, LATENCY_ROUNDS, empty_r.p99_ms > 0 ? r.p99_ms / empty_r.p99_ms : 0);

    /* Timers: every waiting run of the short wait moves on; stats round
       trips meanwhile, from just before the first falls due. */
    recovery_view_t v = {0};
    recovery_kind_t soon = K_SOON, later = K_LATER, command = K_COMMAND;
    double burst[4096] = {0};
    size_t nburst = 0;
    while (fs_now_ms() < at_kill.soon_first_at - 100)
        usleep(10000);
    while (nburst < sizeof burst / sizeof *burst && fs_now_ms() < at_kill.soon_last_at + 1500) {
        double t = now_s();
        json_t *res = control_call(ctl, "stats", NULL);
        burst[nburst++] = (now_s() - t) * 1000;
        failed |= res == NULL;
        json_decref(res);
        usleep(2000); /* a sample every ~2 ms: 4096 cover 8 s */
    }
    bench_sort(burst, nburst);
    double soon_ms = wait_until(state, restarted_ms, kind_completed, &soon,
                                at_kill.soon_last_at + 30000, restarted, &v);
    bench_sort(v.late_ms[1], v.fired_after[1]);
    printf(
        "wait %d s: %zu of %zu waiting runs fired after the restart, the last %+.0f ms after the "
        "exec (the last due %+.0f ms); late by p50 %.0f ms  p99 %.0f ms  max %.0f ms\n",
        B.soon_s, v.fired_after[1], at_kill.wait_timers[1],
        (double)(v.last_fired[1] - restarted_ms), (double)(at_kill.soon_last_at - restarted_ms),
        v.fired_after[1] ? bench_quantile(v.late_ms[1], v.fired_after[1], 0.5) : 0,
        v.fired_after[1] ? bench_quantile(v.late_ms[1], v.fired_after[1], 0.99) : 0,
        v.fired_after[1] ? v.late_ms[1][v.fired_after[1] - 1] : 0);
    if (nburst)
        printf("stats while they fired:              p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%zu "
               "round trips, one every 2 ms)\n",
               bench_quantile(burst, nburst, 0.5), bench_quantile(burst, nburst, 0.99),
               burst[nburst - 1], nburst);
    failed |= check(soon_ms >= 0 && v.fired_after[1] == at_kill.wait_timers[1],
                    "every short wait fired after the restart");

    /* Approvals: still open after the restart, and answerable. */
    size_t open_now = v.approvals_open, asked = 0, answered = 0, done = 0;
    uint64_t *approved_runs = fs_xcalloc(at_kill.approvals_ids_len + 1, sizeof *approved_runs);
    for (size_t i = 0; i < at_kill.approvals_ids_len; i += 10) {
        json_t *res =
            control_call(ctl, "approval.decide",
                         json_pack("{s:I, s:s}", "id", (json_int_t)at_kill.approval_ids[i],
                                   "decision", "approve"));
        answered += res != NULL;
        json_decref(res);
        approved_runs[asked++] = at_kill.approval_run_ids[i];
    }
    for (int tries = 0; tries < 150; tries++) {
        if (recovery_runs_completed(state, approved_runs, asked, &done) == 0 && done == asked)
            break;
        usleep(200000);
    }
    printf("approvals: %zu open after the restart (%zu at the kill); %zu approved over the control "
           "socket (one in ten), %zu accepted, %zu of their runs completed\n",
           open_now, at_kill.approvals_open, asked, answered, done);
    failed |= check(open_now == at_kill.approvals_open && answered == asked && done == asked,
                    "approvals survived the restart and are answerable");
    free(approved_runs);

    /* Commands: redelivered when the site comes; it stays connected until
       the runs went on (its RESPONSEs must reach the broker). */
    size_t distinct = 0, repeated = 0;
    double t_mute = now_s();
    zsock_t *mute = client(&B, "sites", "mute", B.listen);
    int mute_rc = mute ? mute_site(mute, at_kill.pending_mute, &distinct, &repeated) : -1;
    double cmd_ms =
        wait_until(state, restarted_ms, kind_completed, &command, fs_now_ms() + 60000, t_mute, &v);
    zsock_destroy(&mute);
    printf("commands: site mute said HELLO and got %zu COMMANDs (%zu distinct, %zu repeated) of "
           "%zu pending; answered 200: %zu of %zu runs completed, %.0f ms after its HELLO\n",
           distinct + repeated, distinct, repeated, at_kill.pending_mute, v.completed[K_COMMAND],
           v.runs[K_COMMAND], cmd_ms);
    failed |= check(mute_rc == 0 && distinct == at_kill.pending_mute && cmd_ms >= 0,
                    "every pending command was redelivered and its run went on");

    /* The longer wait, due well after the restart. */
    double later_ms = wait_until(state, restarted_ms, kind_completed, &later,
                                 at_kill.later_last_at + 30000, restarted, &v);
    bench_sort(v.late_ms[0], v.fired_after[0]);
    printf("wait %d s: %zu of %zu waiting runs fired after the restart, the last %+.0f ms after "
           "the exec (the last due %+.0f ms); late by p50 %.0f ms  p99 %.0f ms  max %.0f ms\n",
           B.later_s, v.fired_after[0], at_kill.wait_timers[0],
           (double)(v.last_fired[0] - restarted_ms), (double)(at_kill.later_last_at - restarted_ms),
           v.fired_after[0] ? bench_quantile(v.late_ms[0], v.fired_after[0], 0.5) : 0,
           v.fired_after[0] ? bench_quantile(v.late_ms[0], v.fired_after[0], 0.99) : 0,
           v.fired_after[0] ? v.late_ms[0][v.fired_after[0] - 1] : 0);
    failed |= check(later_ms >= 0 && v.fired_after[0] == at_kill.wait_timers[0],
                    "every longer wait fired after the restart");
    /* The gates' deadlines (1 h) are timer rows too: the open gates' are
       still armed (an approved gate's row may stay: it wakes nothing). */
    size_t deadlines = at_kill.timers - at_kill.wait_timers[0] - at_kill.wait_timers[1];
    printf("timer rows left: %zu (the approval gates' deadlines: %zu at the kill, %zu gates "
           "approved since)\n",
           v.timers, deadlines, asked);
    failed |= check(v.timers <= deadlines && v.timers + asked >= deadlines,
                    "the open gates' deadline timers are still armed");
    recovery_view_clear(&v);

    zsock_destroy(&ctl);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    size_t once = 0, never = 0, twice = 0;
    if (recovery_wait_lines(state, &once, &never, &twice) != 0)
        return 1;
    printf("wait steps' \"done\" lines on the case timelines: %zu runs with exactly one, %zu with "
           "none, %zu with more\n",
           once, never, twice);
    failed |= check(once == at_kill.runs[K_SOON] + at_kill.runs[K_LATER] && !never && !twice,
                    "each waiting timer fired exactly once");
    recovery_view_clear(&at_kill);
    free(B.server_key);
    if (!failed) {
        char cmd[160];
        snprintf(cmd, sizeof cmd, "rm -rf %s", B.dir);
        failed = system(cmd) != 0;
    } else {
        printf("kept %s (broker.log)\n", B.dir);
    }
    return failed ? 1 : 0;
}
