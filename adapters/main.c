/*  fedsoar-adapter — the site adapter (docs/cli.md). */
#include "adapter.h"
#include "data_dir.h"
#include "jq_regex_cache.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: fedsoar-adapter [--config FILE] --site NAME [--broker ENDPOINT]\n"
        "                       [--state-dir DIR] [--keys DIR] [--replay SOURCE_ID:FILE]...\n"
        "                       [--mappings DIR] [--actuators LIST] [--insecure]\n"
        "                       [--log-level debug|info|warn|error]\n"
        "\n"
        "The fedsoar site adapter: normalizes the site's security data to OCSF, keeps it in\n"
        "a durable outbox until the broker has stored it, and carries out OpenC2 commands.\n"
        "\n"
        "  --config FILE             JSON config file (keys in docs/cli.md); flags override it\n"
        "  --site NAME               this site's name; its key is KEYS/sites/NAME.cert_secret\n"
        "  --broker ENDPOINT         broker site endpoint (default tcp://127.0.0.1:7700)\n"
        "  --state-dir DIR           outbox, dead letters, command journal\n"
        "                            (default /var/lib/fedsoar/adapter-NAME)\n"
        "  --keys DIR                key layout from `fedsoarctl keys init` (default "
        "/etc/fedsoar/keys)\n"
        "  --replay SOURCE_ID:FILE   normalize a vendor-format file into the outbox (repeatable;\n"
        "                            a file already taken in is skipped)\n"
        "  --mappings DIR            normalization mappings (default: the shipped ones)\n"
        "  --actuators LIST          comma-separated actuators (default record-only)\n"
        "  --max-rate N              send at most N events/s to the broker (0 = unlimited),\n"
        "                            to spare a thin WAN link; the outbox absorbs the rest\n"
        "  --insecure                CURVE off. Local experiments only.\n"
        "  --list-connectors         list every source, analyzer/responder and actuator type\n"
        "  --dead-letters            print the site's dead letters (rejected records, with\n"
        "                            reason, position and raw bytes) as JSON lines, and exit\n"
        "  --help, --version\n");
}

/* --list-connectors: every type the configuration can name, one per line. */
static void list_connectors(void)
{
    json_t *types = adapter_known_types();
    size_t i;
    json_t *t;
    json_array_foreach(types, i, t)
    {
        const char *kind = json_string_value(json_object_get(t, "kind"));
        const char *extra = json_string_value(
            json_object_get(t, strcmp(kind, "source") == 0 ? "source_id" : "profile"));
        printf("%-9s %-22s %-27s %s\n", kind, json_string_value(json_object_get(t, "type")),
               extra ? extra : "-", json_string_value(json_object_get(t, "summary")));
    }
    json_decref(types);
}

int main(int argc, char **argv)
{
    fs_memory_policy_install();
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},   {"site", required_argument, 0, 'S'},
        {"broker", required_argument, 0, 'b'},   {"state-dir", required_argument, 0, 's'},
        {"keys", required_argument, 0, 'k'},     {"replay", required_argument, 0, 'r'},
        {"mappings", required_argument, 0, 'm'}, {"actuators", required_argument, 0, 'a'},
        {"insecure", no_argument, 0, 'i'},       {"log-level", required_argument, 0, 'L'},
        {"max-rate", required_argument, 0, 'R'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},        {"list-connectors", no_argument, 0, 'l'},
        {"dead-letters", no_argument, 0, 'D'},   {0, 0, 0, 0}};
    const char *config = NULL, *site = NULL, *broker = NULL, *state = NULL, *keys = NULL,
               *mappings = NULL, *actuators = NULL, *level = NULL, *max_rate = NULL;
    bool insecure = false, dead_letters = false;
    adapter_replay_t replays[64];
    size_t nreplay = 0;
    int c, rc = 2;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'S':
            site = optarg;
            break;
        case 'b':
            broker = optarg;
            break;
        case 's':
            state = optarg;
            break;
        case 'k':
            keys = optarg;
            break;
        case 'm':
            mappings = optarg;
            break;
        case 'a':
            actuators = optarg;
            break;
        case 'i':
            insecure = true;
            break;
        case 'L':
            level = optarg;
            break;
        case 'R':
            max_rate = optarg;
            break;
        case 'r': {
            char *colon = strchr(optarg, ':');
            if (!colon || colon == optarg || !colon[1]) {
                fprintf(stderr, "fedsoar-adapter: --replay \"%s\": expected SOURCE_ID:FILE\n",
                        optarg);
                return 2;
            }
            if (nreplay == sizeof replays / sizeof *replays) {
                fprintf(stderr, "fedsoar-adapter: at most 64 --replay files\n");
                return 2;
            }
            *colon = '\0';
            replays[nreplay++] = (adapter_replay_t){optarg, colon + 1};
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        case 'l':
            list_connectors();
            return 0;
        case 'D':
            dead_letters = true;
            break;
        case 'V':
            printf("fedsoar-adapter %s (protocol %s)\n", FEDSOAR_VERSION, FS_PROTOCOL_VERSION);
            return 0;
        default:
            fprintf(stderr, "fedsoar-adapter: unknown or incomplete option \"%s\" (see --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "fedsoar-adapter: unexpected argument \"%s\" (see --help)\n", argv[optind]);
        return 2;
    }
    fs_err_t e = {0};
    json_t *cfg = NULL;
    if (config && !(cfg = fs_config_load(config, &e))) {
        fprintf(stderr, "fedsoar-adapter: %s\n", e.text);
        return 2;
    }
    /* Fail closed (issue 11.4): every key, type, range and name is checked
       against the written schema before anything starts. */
    if (cfg && fs_schema_check(adapter_config_schema(), cfg, "$", &e) != 0) {
        fprintf(stderr, "fedsoar-adapter: %s: %s\n", config, e.text);
        json_decref(cfg);
        return 2;
    }
    if (broker && !adapter_broker_list_ok(broker)) {
        fprintf(stderr, "fedsoar-adapter: --broker \"%.200s\": expected %s\n", broker,
                strchr(broker, ',') ? BROKER_LIST_WHAT
                                    : "an endpoint tcp://HOST:PORT, ipc://PATH or inproc://NAME");
        json_decref(cfg);
        return 2;
    }
    if (!site)
        site = fs_config_string(cfg, "site", NULL);
    if (!site) {
        fprintf(stderr, "fedsoar-adapter: --site NAME is required (or \"site\" in the config)\n");
        json_decref(cfg);
        return 2;
    }
    char default_state[512];
    snprintf(default_state, sizeof default_state, "/var/lib/fedsoar/adapter-%s", site);
    /* Config "replay": [{"source": ID, "file": PATH}] adds to the flags. */
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(cfg, "replay"), i, item)
    {
        const char *src = json_string_value(json_object_get(item, "source"));
        const char *file = json_string_value(json_object_get(item, "file"));
        if (!src || !file || nreplay == sizeof replays / sizeof *replays) {
            fprintf(stderr, "fedsoar-adapter: %s: replay[%zu] needs \"source\" and \"file\"\n",
                    config, i);
            json_decref(cfg);
            return 2;
        }
        replays[nreplay++] = (adapter_replay_t){src, file};
    }
    uint64_t rate = (uint64_t)fs_config_int(cfg, "link.max_events_per_s", 0);
    if (max_rate && fs_parse_u64(max_rate, &rate) != 0) {
        fprintf(stderr, "fedsoar-adapter: --max-rate \"%s\": expected events per second\n",
                max_rate);
        json_decref(cfg);
        return 2;
    }
    const char *env_mappings = getenv("FEDSOAR_MAPPINGS");
    char shipped_mappings[4096];
    adapter_config_t ac = {
        .site = site,
        .broker = broker ? broker : fs_config_string(cfg, "broker", "tcp://127.0.0.1:7700"),
        .state_dir = state ? state : fs_config_string(cfg, "state_dir", default_state),
        .keys_dir = keys ? keys : fs_config_string(cfg, "keys_dir", "/etc/fedsoar/keys"),
        .mappings_dir =
            mappings       ? mappings
            : env_mappings ? env_mappings
                           : fs_config_string(cfg, "mappings_dir",
                                              fs_data_dir(shipped_mappings, sizeof shipped_mappings,
                                                          "mappings", FEDSOAR_MAPPINGS_DIR)),
        .actuators = actuators ? actuators : fs_config_string(cfg, "actuators", "record-only"),
        .connectors = json_object_get(cfg, "connectors"),
        .sources = json_object_get(cfg, "sources"),
        .actuator_config = json_object_get(cfg, "actuator_config"),
        .trusted_operators_dir = fs_config_string(cfg, "trusted_operators_dir", NULL),
        .critical_actions = json_object_get(cfg, "critical_actions"),
        .proof_max_age_ms = fs_config_int(cfg, "proof_max_age_s", 86400) * 1000,
        .replays = replays,
        .replay_count = nreplay,
        .outbox_max = (uint64_t)fs_config_int(cfg, "outbox.max_events", 1000000),
        .outbox_retain_acked_s = fs_config_int(cfg, "outbox.retain_acked_s", 3600),
        .journal_retain_days = fs_config_int(cfg, "outbox.journal_retain_days", 90),
        .outbox_reserve_mb =
            (uint64_t)fs_config_int(cfg, "outbox.reserve_mb", OUTBOX_RESERVE_MB_DEFAULT),
        .max_rate = rate,
        .insecure = insecure || json_is_true(json_object_get(cfg, "insecure")),
        .keep_raw = json_is_true(json_object_get(cfg, "keep_raw_data")),
    };
    const char *lvs = level ? level : fs_config_string(cfg, "log_level", "info");
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    int lv = -1;
    for (int k = 0; k < 4; k++)
        if (strcmp(lvs, levels[k]) == 0)
            lv = k;
    if (lv < 0) {
        fprintf(stderr, "fedsoar-adapter: log level \"%s\" is not debug, info, warn or error\n",
                lvs);
        json_decref(cfg);
        return 2;
    }
    fs_log_set_level((fs_log_level_t)lv);
    if (dead_letters) {
        /* Read-only look at the state directory; the adapter may be running. */
        outbox_t *ob = outbox_open(ac.state_dir, 0, &e);
        if (!ob) {
            fprintf(stderr, "fedsoar-adapter: %s\n", e.text);
            json_decref(cfg);
            return 2;
        }
        json_t *all = outbox_dead_letters(ob, 100000);
        size_t k;
        json_t *d;
        json_array_foreach(all, k, d)
        {
            char *line = json_dumps(d, JSON_COMPACT);
            printf("%s\n", line ? line : "");
            free(line);
        }
        json_decref(all);
        outbox_close(&ob);
        json_decref(cfg);
        return 0;
    }
    adapter_t *a = adapter_new(&ac, &e);
    if (!a) {
        fprintf(stderr, "fedsoar-adapter: %s\n", e.text);
        json_decref(cfg);
        return 2;
    }
    for (size_t r = 0; r < nreplay; r++) {
        if (adapter_replay(a, replays[r].source, replays[r].file, &e) < 0) {
            fprintf(stderr, "fedsoar-adapter: %s\n", e.text);
            goto done;
        }
    }
    rc = adapter_run(a);
done:
    adapter_destroy(&a);
    fs_jq_regex_cache_release();
    json_decref(cfg);
    return rc;
}
