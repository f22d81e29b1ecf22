/*  openc2_https_driver.c — drives the openc2-https actuator for
    tests/connectors/openc2_https.sh, as the adapter does.

    usage: openc2_https_driver CONFIG.json [COMMAND.json ...]
    CONFIG.json is the actuator's config object (what the adapter config has
    under "actuator_config": {"openc2-https": ...}). Prints {"pairs": ...}
    after init (or {"error": "..."} and exits 1), then for each command file
    checks the command with the strict validator and prints the relayed
    response as one JSON line. */
#include "plugin.h"
#include "openc2.h"

/* The actuator, from the adapter's one plugin registry (set in main). */
static const adapter_plugin_t *actuator_openc2_https;

#include <stdio.h>
#include <stdlib.h>

static void print_json(json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    printf("%s\n", text ? text : "{\"error\": \"no response\"}");
    fflush(stdout);
    free(text);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: openc2_https_driver CONFIG.json [COMMAND.json ...]\n");
        return 2;
    }
    actuator_openc2_https = adapter_plugin_find(ADAPTER_PLUGIN_ACTUATOR, "openc2-https", NULL);
    fs_err_t e = {0};
    json_t *cfg = fs_config_load(argv[1], &e);
    if (!cfg) {
        fprintf(stderr, "%s\n", e.text);
        return 2;
    }
    void *state = actuator_openc2_https->init(cfg, "/tmp", &e);
    json_decref(cfg);
    if (!state) {
        json_t *err = json_pack("{s:s}", "error", e.text);
        print_json(err);
        json_decref(err);
        return 1;
    }
    json_t *p = json_pack("{s:o}", "pairs", actuator_openc2_https->pairs(state));
    print_json(p);
    json_decref(p);
    for (int i = 2; i < argc; i++) {
        json_t *cmd = fs_config_load(argv[i], &e);
        json_t *rsp;
        if (!cmd) {
            rsp = json_pack("{s:i, s:s}", "status", 400, "status_text", e.text);
        } else {
            char reason[OPENC2_REASON_MAX] = "";
            int verdict = openc2_validate_command(cmd, reason, sizeof reason);
            rsp = verdict == OPENC2_VALID ? actuator_openc2_https->execute(state, cmd)
                                          : openc2_response_for_verdict(verdict, reason);
        }
        print_json(rsp);
        json_decref(rsp);
        json_decref(cmd);
    }
    actuator_openc2_https->cleanup(&state);
    return 0;
}
