/*  bench/openc2 — OpenC2 figures (issue 5):
    1. validated commands/s (strict validator, language + slpf, from text);
    2. routing decisions/s with 10,000 scopes (100 sites x 100 IPv4 /24s),
       owner and perimeter rules, with and without the explanation;
       assets learned/s from OCSF events;
    3. command -> response round trip p50/p99 through the real adapter
       (adapter_new/adapter_run in a child process: CURVE, FSP/1 COMMAND,
       LMDB command journal, record-only actuator, RESPONSE), beside the raw
       ZeroMQ CURVE round trip (DEALER/ROUTER echo, same body) measured in
       the same run. This process plays the broker's ROUTER; the broker's
       playbook engine is not in the path (docs: bench/README.md).

    bench/openc2 [ROUND_TRIPS]   default 2000 */
#include "adapter.h"
#include "bench.h"
#include "fsp.h"
#include "keys.h"
#include "openc2.h"
#include "routing.h"

#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const COMMANDS[] = {
    "{\"action\":\"deny\",\"target\":{\"ipv4_connection\":{\"src_addr\":\"10.1.2.3\",\"dst_addr\":"
    "\"198.51.100.0/24\",\"dst_port\":443,\"protocol\":\"tcp\"}},\"args\":{\"duration\":60000,"
    "\"slpf\":{\"drop_process\":\"reject\"}},\"actuator\":{\"slpf\":{}},\"command_id\":"
    "\"5f0c1c1e-9d3e-4a0b-8f0e-2a1d3c4b5a69\"}",
    "{\"action\":\"deny\",\"target\":{\"ipv6_net\":\"2001:db8:a::/48\"},\"args\":{"
    "\"response_requested\":\"complete\"}}",
    "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":\"ws-17.alpha.example\"}}}",
    "{\"action\":\"query\",\"target\":{\"features\":[\"versions\",\"profiles\",\"pairs\"]}}",
};

static void bench_validate(void)
{
    openc2_validator_t *v = openc2_validator_new_default();
    char reason[OPENC2_REASON_MAX];
    size_t n = 200000, ok = 0;
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        const char *c = COMMANDS[i % 4];
        ok += openc2_check_command_text(v, c, strlen(c), reason, sizeof reason) == OPENC2_VALID;
    }
    double dt = now_s() - t0;
    printf("validated commands (text -> verdict, 4 mixed commands):  %10.0f commands/s  (%zu/%zu "
           "valid)\n",
           (double)n / dt, ok, n);
    openc2_validator_destroy(&v);
}

static route_table_t *table_10k(void)
{
    route_table_t *t = route_table_new(0);
    fs_err_t e = {0};
    for (int s = 0; s < 100; s++) {
        json_t *arr = json_array();
        for (int k = 0; k < 100; k++) {
            char cidr[32];
            snprintf(cidr, sizeof cidr, "10.%d.%d.0/24", s, k);
            json_array_append_new(arr, json_string(cidr));
        }
        char name[16], suffix[32];
        snprintf(name, sizeof name, "site%d", s);
        snprintf(suffix, sizeof suffix, "s%d.example", s);
        json_t *sc = json_pack("{s:o, s:[s]}", "ipv4", arr, "dns_suffixes", suffix);
        json_t *caps = json_pack("{s:{s:[s,s], s:[s]}}", "pairs", "deny", "ipv4_net", "domain_name",
                                 "contain", "device");
        if (route_set_scopes(t, name, sc, &e) || route_set_capabilities(t, name, caps, &e))
            fprintf(stderr, "bench: %s\n", e.text);
        json_decref(sc);
        json_decref(caps);
    }
    return t;
}

static double route_rate(route_table_t *t, const char *text, bool explain, size_t n,
                         size_t *sites_out)
{
    json_t *cmd = json_loads(text, 0, NULL);
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        json_t *ex = NULL;
        json_t *r = route_decide(t, cmd, NULL, explain ? &ex : NULL);
        *sites_out = json_array_size(r);
        json_decref(r);
        json_decref(ex);
    }
    double dt = now_s() - t0;
    json_decref(cmd);
    return (double)n / dt;
}

static void bench_routing(void)
{
    double t0 = now_s();
    route_table_t *t = table_10k();
    json_t *one =
        json_loads("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"}}", 0, NULL);
    json_decref(route_decide(t, one, NULL, NULL)); /* builds the index */
    json_decref(one);
    printf("route table: 100 sites x 100 IPv4 scopes = 10,000 scopes, loaded+indexed in %.1f ms\n",
           (now_s() - t0) * 1000);
    size_t sites = 0;
    double r1 = route_rate(t, "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.42.17.9\"}}",
                           false, 200000, &sites);
    printf("routing decisions, owner rule (deny ipv4_net inside):     %10.0f decisions/s  -> %zu "
           "site\n",
           r1, sites);
    double r2 = route_rate(t,
                           "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":"
                           "\"ws-1.s77.example\"}}}",
                           false, 200000, &sites);
    printf("routing decisions, owner rule (contain device by name):   %10.0f decisions/s  -> %zu "
           "site\n",
           r2, sites);
    double r3 = route_rate(t, "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"198.51.100.7\"}}",
                           false, 20000, &sites);
    printf("routing decisions, perimeter rule (external, fan-out):    %10.0f decisions/s  -> %zu "
           "sites\n",
           r3, sites);
    double r4 = route_rate(t, "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.42.17.9\"}}",
                           true, 5000, &sites);
    printf("routing decisions with the JSON explanation (100 rows):   %10.0f decisions/s\n", r4);
    /* learning */
    size_t n = 200000;
    json_t **evs = malloc(256 * sizeof *evs);
    for (int i = 0; i < 256; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 "{\"device\":{\"ip\":\"10.42.%d.%d\",\"hostname\":\"ws-%d\"},"
                 "\"actor\":{\"user\":{\"name\":\"user%d\"}}}",
                 i % 100, i, i, i);
        evs[i] = json_loads(text, 0, NULL);
    }
    t0 = now_s();
    for (size_t i = 0; i < n; i++)
        route_learn(t, "site42", evs[i % 256], (int64_t)i);
    printf("assets learned from OCSF events:                         %10.0f events/s  (%zu assets "
           "held)\n",
           (double)n / (now_s() - t0), route_asset_count(t));
    for (int i = 0; i < 256; i++)
        json_decref(evs[i]);
    free(evs);
    route_table_destroy(&t);
}

/* ---- round trips ----------------------------------------------------------------- */

static void echo_actor(zsock_t *pipe, void *args)
{
    zsock_t *router = args;
    zsock_signal(pipe, 0);
    zpoller_t *p = zpoller_new(pipe, router, NULL);
    for (;;) {
        void *w = zpoller_wait(p, -1);
        if (w != router)
            break;
        zmsg_t *m = zmsg_recv(router);
        zmsg_send(&m, router);
    }
    zpoller_destroy(&p);
}

static void report(const char *what, double *lat, size_t n)
{
    bench_sort(lat, n);
    printf("%s p50 %7.1f us  p99 %7.1f us  (%zu round trips)\n", what, lat[n / 2] * 1e6,
           lat[n * 99 / 100] * 1e6, n);
}

static void raw_curve_rtt(const char *keys, const char *body, size_t n, double *lat)
{
    fs_err_t e = {0};
    zcert_t *server = keys_load_secret(keys, NULL, "broker", &e);
    zcert_t *client = keys_load_secret(keys, "sites", "bench", &e);
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    zcert_apply(server, router);
    zsock_set_curve_server(router, 1);
    int port = zsock_bind(router, "tcp://127.0.0.1:*");
    zactor_t *actor = zactor_new(echo_actor, router);
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    zcert_apply(client, dealer);
    zsock_set_curve_serverkey(dealer, zcert_public_txt(server));
    zsock_set_rcvtimeo(dealer, 5000);
    zsock_connect(dealer, "tcp://127.0.0.1:%d", port);
    for (size_t i = 0; i < n + 50; i++) {
        double t0 = now_s();
        zstr_sendx(dealer, "FSP/1", "COMMAND", body, NULL);
        zmsg_t *m = zmsg_recv(dealer);
        if (i >= 50)
            lat[i - 50] = now_s() - t0;
        zmsg_destroy(&m);
    }
    zsock_destroy(&dealer);
    zstr_send(actor, "$TERM");
    zactor_destroy(&actor);
    zsock_destroy(&router);
    zcert_destroy(&server);
    zcert_destroy(&client);
}

static int adapter_rtt(const char *dir, const char *keys, size_t n, double *lat)
{
    fs_err_t e = {0};
    zcert_t *server = keys_load_secret(keys, NULL, "broker", &e);
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    /* no ZAP handler: CURVE accepts any client key, the bench's own adapter */
    zcert_apply(server, router);
    zsock_set_curve_server(router, 1);
    int port = zsock_bind(router, "tcp://127.0.0.1:*");
    char endpoint[64], state[256];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    snprintf(state, sizeof state, "%s/adapter", dir);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        fs_log_set_level(FS_LOG_ERROR);
        adapter_config_t ac = {.site = "bench",
                               .broker = endpoint,
                               .state_dir = state,
                               .keys_dir = keys,
                               .mappings_dir = FEDSOAR_MAPPINGS_DIR,
                               .actuators = "record-only",
                               .outbox_max = 1000};
        fs_mkdir_p(state, 0700, NULL);
        adapter_t *a = adapter_new(&ac, &e);
        if (!a) {
            fprintf(stderr, "adapter: %s\n", e.text);
            _exit(1);
        }
        adapter_run(a);
        adapter_destroy(&a);
        _exit(0);
    }
    zpoller_t *poller = zpoller_new(router, NULL);
    zframe_t *peer = NULL;
    size_t done = 0, warm = 50;
    double sent_at = 0, deadline = now_s() + 120;
    bool waiting = false;
    char id[40] = "";
    while (done < n + warm && now_s() < deadline) {
        if (peer && !waiting) {
            snprintf(id, sizeof id, "bench-%zu", done);
            json_t *body = json_pack("{s:s, s:{s:s, s:{s:s}}}", "command_id", id, "command",
                                     "action", "deny", "target", "ipv4_net", "198.51.100.7");
            sent_at = now_s();
            fsp_send(router, peer, FSP_COMMAND, body);
            json_decref(body);
            waiting = true;
        }
        if (!zpoller_wait(poller, 1000))
            continue;
        fsp_msg_t m;
        if (fsp_recv(router, true, &m, &e) != 0) {
            fsp_msg_clear(&m);
            continue;
        }
        if (m.type == FSP_HELLO && m.peer) {
            zframe_destroy(&peer);
            peer = zframe_dup(m.peer);
            json_t *w = json_pack("{s:s, s:I}", "epoch",
                                  json_string_value(json_object_get(m.body, "epoch"))
                                      ? json_string_value(json_object_get(m.body, "epoch"))
                                      : "",
                                  "last_seq", (json_int_t)0);
            fsp_send(router, peer, FSP_WELCOME, w);
            json_decref(w);
            waiting = false;
        } else if (m.type == FSP_RESPONSE && waiting) {
            const char *cid = json_string_value(json_object_get(m.body, "command_id"));
            if (cid && strcmp(cid, id) == 0) {
                if (done >= warm)
                    lat[done - warm] = now_s() - sent_at;
                done++;
                waiting = false;
            }
        }
        fsp_msg_clear(&m);
    }
    zpoller_destroy(&poller);
    zframe_destroy(&peer);
    kill(child, SIGTERM);
    waitpid(child, NULL, 0);
    zsock_destroy(&router);
    zcert_destroy(&server);
    if (done < n + warm) {
        fprintf(stderr, "adapter round trip: only %zu of %zu answered\n", done, n + warm);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000;
    if (n < 10 || n > 1000000) {
        fprintf(stderr, "usage: openc2 [ROUND_TRIPS 10..1000000]\n");
        return 2;
    }
    printf("fedsoar bench/openc2\n");
    bench_validate();
    bench_routing();
    char dir[] = "/tmp/fedsoar-bench-oc2-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char keys[128], cmd[160];
    snprintf(keys, sizeof keys, "%s/keys", dir);
    fs_err_t e = {0};
    if (keys_init(keys, "bench", NULL, NULL, &e) != 0) {
        fprintf(stderr, "%s\n", e.text);
        return 1;
    }
    const char *body = "{\"command_id\":\"bench-1\",\"command\":{\"action\":\"deny\",\"target\":"
                       "{\"ipv4_net\":\"198.51.100.7\"}}}";
    double *raw = calloc(n, sizeof *raw), *full = calloc(n, sizeof *full);
    raw_curve_rtt(keys, body, n, raw);
    report("raw ZeroMQ CURVE round trip (DEALER<->ROUTER echo):      ", raw, n);
    if (adapter_rtt(dir, keys, n, full) == 0)
        report("COMMAND -> adapter (journal, record-only) -> RESPONSE:  ", full, n);
    double fsync_p50, fsync_p99;
    bench_raw_fsync(dir, &fsync_p50, &fsync_p99);
    printf("raw fdatasync of a 4 KiB append (same filesystem):       p50 %7.1f us  p99 %7.1f us\n",
           fsync_p50 * 1e6, fsync_p99 * 1e6);
    free(raw);
    free(full);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
