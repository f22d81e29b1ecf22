/*  fedsoar-broker — the central broker (docs/cli.md). */
#include "broker.h"
#include "config_schema.h"
#include "data_dir.h"
#include "jq_regex_cache.h"
#include "playbooks.h"
#include "route_schema.h"
#include "routing.h"
#include "private/site_coverage.h" /* broker_coverage_schema */

#include <czmq.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: fedsoar-broker [--config FILE] [--state-dir DIR] [--listen ENDPOINT]\n"
        "                      [--control ENDPOINT] [--keys DIR] [--playbooks DIR]\n"
        "                      [--http ADDR:PORT [--http-insecure]] [--insecure]\n"
        "                      [--log-level debug|info|warn|error]\n"
        "\n"
        "The central fedsoar broker: stores events and cases in LMDB, runs playbooks and\n"
        "routes OpenC2 commands to site adapters over FSP/1 (ZeroMQ + CURVE).\n"
        "\n"
        "  --config FILE       JSON config file (keys in docs/cli.md); flags override it\n"
        "  --state-dir DIR     where the LMDB store lives (default /var/lib/fedsoar/broker)\n"
        "  --listen ENDPOINT   site endpoint (default tcp://127.0.0.1:7700)\n"
        "  --control ENDPOINT  operator endpoint (default tcp://127.0.0.1:7701)\n"
        "  --keys DIR          key layout from `fedsoarctl keys init` (default /etc/fedsoar/keys)\n"
        "  --playbooks DIR     playbook directory (default: the shipped library)\n"
        "  --http ADDR:PORT    serve the HTTPS API (docs/api.md) on ADDR:PORT, e.g.\n"
        "                      127.0.0.1:8443 or [::1]:8443 (certificate: KEYS/http/)\n"
        "  --http-insecure     plain HTTP instead of HTTPS: loopback addresses only\n"
        "  --insecure          CURVE off: anyone reaching the ports is trusted. Experiments only.\n"
        "  --help, --version\n");
}

/* The written schema of the broker config file (issue 11.4; docs/cli.md). */
static const fs_schema_field_t store_fields[] = {
    FS_FIELD("map_size_mb", FS_S_INT(1, 1048576)),
    FS_FIELD("map_max_mb", FS_S_INT(1, 1048576)),
    FS_FIELDS_END,
};

static const fs_schema_field_t audit_fields[] = {
    FS_FIELD("checkpoint_every", FS_S_INT(1, 1000000)),
    FS_FIELD("checkpoint_interval_s", FS_S_INT(1, 86400)),
    FS_FIELDS_END,
};

static const fs_schema_field_t http_fields[] = {
    FS_FIELD("listen", FS_S_STRING_LEN(3, 64)),
    FS_FIELD("cert_file", FS_S_STRING),
    FS_FIELD("key_file", FS_S_STRING),
    FS_FIELD("insecure", FS_S_BOOL),
    FS_FIELD("public_url", FS_S_STRING_LEN(8, 256)),
    FS_FIELD("max_body_bytes", FS_S_INT(1024, 64 << 20)),
    FS_FIELD("rate_limit_per_min", FS_S_INT(1, 1000000)),
    FS_FIELD("login_link_ttl_s", FS_S_INT(5, 3600)),
    FS_FIELD("session_idle_s", FS_S_INT(1, 30 * 86400)),
    FS_FIELD("console_dir", FS_S_STRING),
    FS_FIELDS_END,
};

/* The identity crosswalk (docs/identities.md): a CSV person,site,account
   loaded at every start; a bad file stops the start. */
static const fs_schema_field_t identities_fields[] = {
    FS_FIELD("file", FS_S_STRING_LEN(1, 4096)),
    FS_FIELDS_END,
};

static const fs_schema_field_t broker_fields[] = {
    FS_FIELD("listen", &fs_schema_endpoint),
    FS_FIELD("control", &fs_schema_endpoint),
    FS_FIELD("state_dir", FS_S_STRING),
    FS_FIELD("keys_dir", FS_S_STRING),
    FS_FIELD("playbooks_dir", FS_S_STRING),
    FS_FIELD("insecure", FS_S_BOOL),
    FS_FIELD("log_level", &fs_schema_log_level),
    FS_FIELD("store", FS_S_OBJECT(store_fields)),
    FS_FIELD("correlation_window_s", FS_S_INT(1, 31536000)),
    FS_FIELD("dedup_window_s", FS_S_INT(0, 31536000)),
    FS_FIELD("audit", FS_S_OBJECT(audit_fields)),
    FS_FIELD("http", FS_S_OBJECT(http_fields)),
    FS_FIELD("sites", &route_sites_schema),
    FS_FIELD("governance", &governance_config_schema),
    FS_FIELD("identities", FS_S_OBJECT(identities_fields)),
    FS_FIELD("coverage", &broker_coverage_schema), /* source_coverage.c */
    FS_FIELDS_END,
};

static const fs_schema_t broker_schema = {.type = FS_SCHEMA_OBJECT, .fields = {broker_fields}};

/* The schema, then what it cannot say (CIDRs, a reachable quorum), so that
   every config error names the file. */
static int check_config(const json_t *cfg, fs_err_t *e)
{
    if (fs_schema_check(&broker_schema, cfg, "$", e) != 0)
        return -1;
    const json_t *sites = json_object_get(cfg, "sites"), *gov = json_object_get(cfg, "governance");
    if (sites) {
        route_table_t *t = route_table_new(0);
        int rc = t ? route_load_sites(t, sites, e) : fs_err_set(e, "out of memory");
        route_table_destroy(&t);
        if (rc != 0)
            return -1;
    }
    if (gov) {
        governance_config_t *g = governance_config_parse(gov, e);
        if (!g)
            return -1;
        governance_config_destroy(&g);
    }
    return 0;
}

/* A --listen / --control flag: the same endpoint syntax as the config. */
static int check_endpoint_flag(const char *flag, const char *value)
{
    if (!value || fs_schema_endpoint_ok(value))
        return 0;
    fprintf(stderr,
            "fedsoar-broker: %s \"%.200s\": expected an endpoint tcp://HOST:PORT, ipc://PATH or "
            "inproc://NAME\n",
            flag, value);
    return -1;
}

/* Each HTTPS connection holds a thread, a TCP socket and one to three
   ZeroMQ sockets (its bridge; an event stream's SUB and DEALER), each
   with a descriptor of its own: the defaults (1,024 descriptors, 1,023
   ZeroMQ sockets) end near 300 streams. Called before the first socket. */
static void raise_limits_for_http(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    zsys_set_max_sockets(8192);
}

static int parse_level(const char *s, fs_log_level_t *out)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (fs_log_level_t)i;
            return 0;
        }
    return -1;
}

int main(int argc, char **argv)
{
    fs_memory_policy_install();
    static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                         {"state-dir", required_argument, 0, 's'},
                                         {"listen", required_argument, 0, 'l'},
                                         {"control", required_argument, 0, 'C'},
                                         {"keys", required_argument, 0, 'k'},
                                         {"playbooks", required_argument, 0, 'p'},
                                         {"insecure", no_argument, 0, 'i'},
                                         {"http", required_argument, 0, 'H'},
                                         {"http-insecure", no_argument, 0, 'I'},
                                         {"log-level", required_argument, 0, 'L'},
                                         {"help", no_argument, 0, 'h'},
                                         {"version", no_argument, 0, 'V'},
                                         {0, 0, 0, 0}};
    const char *config = NULL, *state = NULL, *listen = NULL, *control = NULL, *keys = NULL,
               *playbooks = NULL, *level = NULL, *http = NULL;
    bool insecure = false, http_insecure = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 's':
            state = optarg;
            break;
        case 'l':
            listen = optarg;
            break;
        case 'C':
            control = optarg;
            break;
        case 'k':
            keys = optarg;
            break;
        case 'p':
            playbooks = optarg;
            break;
        case 'i':
            insecure = true;
            break;
        case 'H':
            http = optarg;
            break;
        case 'I':
            http_insecure = true;
            break;
        case 'L':
            level = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("fedsoar-broker %s (protocol %s)\n", FEDSOAR_VERSION, FS_PROTOCOL_VERSION);
            return 0;
        default:
            fprintf(stderr, "fedsoar-broker: unknown or incomplete option \"%s\" (see --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "fedsoar-broker: unexpected argument \"%s\" (see --help)\n", argv[optind]);
        return 2;
    }
    fs_err_t e = {0};
    json_t *cfg = NULL;
    if (config && !(cfg = fs_config_load(config, &e))) {
        fprintf(stderr, "fedsoar-broker: %s\n", e.text);
        return 2;
    }
    if (cfg && check_config(cfg, &e) != 0) {
        fprintf(stderr, "fedsoar-broker: %s: %s\n", config, e.text);
        json_decref(cfg);
        return 2;
    }
    if (check_endpoint_flag("--listen", listen) != 0 ||
        check_endpoint_flag("--control", control) != 0) {
        json_decref(cfg);
        return 2;
    }
    char shipped_playbooks[4096], shipped_console[4096];
    broker_config_t bc = {
        .listen = listen ? listen : fs_config_string(cfg, "listen", "tcp://127.0.0.1:7700"),
        .control = control ? control : fs_config_string(cfg, "control", "tcp://127.0.0.1:7701"),
        .state_dir = state ? state : fs_config_string(cfg, "state_dir", "/var/lib/fedsoar/broker"),
        .keys_dir = keys ? keys : fs_config_string(cfg, "keys_dir", "/etc/fedsoar/keys"),
        .playbooks_dir =
            playbooks ? playbooks
                      : fs_config_string(cfg, "playbooks_dir",
                                         fs_data_dir(shipped_playbooks, sizeof shipped_playbooks,
                                                     "playbooks", FEDSOAR_PLAYBOOKS_DIR)),
        .insecure = insecure || json_is_true(json_object_get(cfg, "insecure")),
        .map_mb = (size_t)fs_config_int(cfg, "store.map_size_mb", 4096),
        .map_max_mb = (size_t)fs_config_int(cfg, "store.map_max_mb", 65536),
        .correlation_window_ms = fs_config_int(cfg, "correlation_window_s", 86400) * 1000,
        .dedup_window_ms = fs_config_int(cfg, "dedup_window_s", 604800) * 1000,
        .audit_checkpoint_every = (uint64_t)fs_config_int(cfg, "audit.checkpoint_every", 1000),
        .audit_checkpoint_interval_ms =
            fs_config_int(cfg, "audit.checkpoint_interval_s", 60) * 1000,
        .sites = json_object_get(cfg, "sites"),
        .governance = json_object_get(cfg, "governance"),
        .http =
            {
                .listen = http ? http : fs_config_string(cfg, "http.listen", NULL),
                .cert_file = fs_config_string(cfg, "http.cert_file", NULL),
                .key_file = fs_config_string(cfg, "http.key_file", NULL),
                .insecure = http_insecure ||
                            json_is_true(json_object_get(json_object_get(cfg, "http"), "insecure")),
                .public_url = fs_config_string(cfg, "http.public_url", NULL),
                .max_body = (size_t)fs_config_int(cfg, "http.max_body_bytes", 1 << 20),
                .rate_limit = (unsigned)fs_config_int(cfg, "http.rate_limit_per_min", 600),
                .login_link_ttl_s = (unsigned)fs_config_int(cfg, "http.login_link_ttl_s", 60),
                .session_idle_s = (unsigned)fs_config_int(cfg, "http.session_idle_s", 8 * 3600),
                .console_dir = fs_config_string(cfg, "http.console_dir",
                                                fs_data_dir(shipped_console, sizeof shipped_console,
                                                            "console", FEDSOAR_CONSOLE_DIR)),
            },
        .config = cfg,
    };
    fs_log_level_t lv = FS_LOG_INFO;
    const char *lvs = level ? level : fs_config_string(cfg, "log_level", "info");
    if (parse_level(lvs, &lv) != 0) {
        fprintf(stderr, "fedsoar-broker: log level \"%s\" is not debug, info, warn or error\n",
                lvs);
        json_decref(cfg);
        return 2;
    }
    fs_log_set_level(lv);
    if (bc.http.listen)
        raise_limits_for_http();
    broker_t *b = broker_new(&bc, &e);
    if (!b) {
        fprintf(stderr, "fedsoar-broker: %s\n", e.text);
        json_decref(cfg);
        return 2;
    }
    int rc = broker_run(b);
    broker_destroy(&b);
    fs_jq_regex_cache_release();
    json_decref(cfg);
    return rc;
}
