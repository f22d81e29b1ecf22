/*  intel_driver.c — runs one analyzer of the adapter's plugin registry the
    way the adapter does (init from its config, run per job), for
    tests/connectors/intel_tip.sh: the HTTP exchanges are real (the
    vendor stand-in on loopback), only the broker's REQUEST/RESULT
    envelope is left out.

    usage: intel_driver TYPE CONFIG.json INPUT.json...
           intel_driver --actuator TYPE CONFIG.json COMMAND.json...
    Prints one JSON line per input: the run's {"status", "result"|"error"}
    (an actuator: {"pairs"} first, then per command the OpenC2 response,
    the command checked by the strict validator first, as the adapter
    does), or {"error": "..."} and exit 1 when init fails. */
#include "openc2.h"
#include "plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_json(json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s\n", text ? text : "null");
    fflush(stdout);
    free(text);
}

int main(int argc, char **argv)
{
    bool actuator = argc > 1 && strcmp(argv[1], "--actuator") == 0;
    if (actuator) {
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: intel_driver [--actuator] TYPE CONFIG.json INPUT.json...\n");
        return 2;
    }
    fs_err_t e = {0};
    const adapter_plugin_t *p = adapter_plugin_find(
        actuator ? ADAPTER_PLUGIN_ACTUATOR : ADAPTER_PLUGIN_CONNECTOR, argv[1], &e);
    if (!p) {
        fprintf(stderr, "no analyzer %s %s\n", argv[1], e.text);
        return 2;
    }
    json_t *cfg = fs_config_load(argv[2], &e);
    if (!cfg) {
        fprintf(stderr, "%s\n", e.text);
        return 2;
    }
    void *state = p->init(cfg, "/tmp", &e);
    json_decref(cfg);
    if (!state) {
        json_t *err = json_pack("{s:s}", "error", e.text);
        print_json(err);
        json_decref(err);
        return 1;
    }
    if (actuator) {
        json_t *pr = json_pack("{s:o}", "pairs", p->pairs(state));
        print_json(pr);
        json_decref(pr);
    }
    for (int i = 3; i < argc; i++) {
        json_t *input = fs_config_load(argv[i], &e);
        json_t *res;
        char reason[OPENC2_REASON_MAX] = "";
        int verdict;
        if (!input)
            res = json_pack("{s:s, s:s}", "status", "error", "error", e.text);
        else if (!actuator)
            res = p->run(state, input);
        else if ((verdict = openc2_validate_command(input, reason, sizeof reason)) != OPENC2_VALID)
            res = openc2_response_for_verdict(verdict, reason);
        else
            res = p->execute(state, input);
        print_json(res);
        json_decref(res);
        json_decref(input);
    }
    p->cleanup(&state);
    return 0;
}
