/*  slpf_driver.c — drives the slpf-nft actuator for tests/netns/slpf_netns.sh.

    usage: slpf_driver STATE_DIR [--no-tick]
    Starts the actuator (init: the reconcile of a fresh start) and prints
    {"ready": true} or {"error": "..."}. Then reads one OpenC2 command per
    stdin line, checks it with the strict validator as the adapter does,
    executes it and prints the response as one JSON line. A line "tick"
    calls tick() and prints {"tick": N}. While stdin is idle, tick() runs
    about once per second (unless --no-tick), like the adapter daemon.
    EOF ends it (cleanup, exit 0). The table is $FEDSOAR_NFT_TABLE. */
#include "plugin.h"
#include "openc2.h"

/* The actuator, from the adapter's one plugin registry (set in main). */
static const adapter_plugin_t *actuator_slpf_nft;

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_BYTES (64 * 1024)

static void print_json(json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    printf("%s\n", text ? text : "{\"error\": \"no response\"}");
    fflush(stdout);
    free(text);
}

static void handle_line(void *state, const char *line, size_t len)
{
    if (len == 4 && memcmp(line, "tick", 4) == 0) {
        json_t *r = json_pack("{s:i}", "tick", actuator_slpf_nft->tick(state));
        print_json(r);
        json_decref(r);
        return;
    }
    fs_err_t e = {0};
    json_t *cmd = fs_json_parse(line, len, &e);
    json_t *rsp;
    if (!cmd) {
        rsp = json_pack("{s:i, s:s}", "status", 400, "status_text", e.text);
    } else {
        char reason[OPENC2_REASON_MAX] = "";
        int verdict = openc2_validate_command(cmd, reason, sizeof reason);
        rsp = verdict == OPENC2_VALID ? actuator_slpf_nft->execute(state, cmd)
                                      : openc2_response_for_verdict(verdict, reason);
    }
    print_json(rsp);
    json_decref(rsp);
    json_decref(cmd);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: slpf_driver STATE_DIR [--no-tick]\n");
        return 2;
    }
    bool auto_tick = !(argc > 2 && strcmp(argv[2], "--no-tick") == 0);
    actuator_slpf_nft = adapter_plugin_find(ADAPTER_PLUGIN_ACTUATOR, "slpf-nft", NULL);
    fs_err_t e = {0};
    void *state = actuator_slpf_nft->init(NULL, argv[1], &e);
    if (!state) {
        json_t *r = json_pack("{s:s}", "error", e.text);
        print_json(r);
        json_decref(r);
        return 1;
    }
    json_t *ready = json_pack("{s:b, s:o}", "ready", 1, "pairs", actuator_slpf_nft->pairs(state));
    print_json(ready);
    json_decref(ready);

    static char buf[LINE_MAX_BYTES];
    size_t used = 0;
    int64_t next_tick = fs_mono_ms() + 1000;
    bool eof = false;
    while (!eof) {
        struct pollfd p = {.fd = 0, .events = POLLIN};
        int64_t wait = next_tick - fs_mono_ms();
        int n = poll(&p, 1, auto_tick ? (int)(wait < 0 ? 0 : wait > 1000 ? 1000 : wait) : -1);
        if (auto_tick && fs_mono_ms() >= next_tick) {
            actuator_slpf_nft->tick(state);
            next_tick = fs_mono_ms() + 1000;
        }
        if (n <= 0)
            continue;
        ssize_t got = read(0, buf + used, sizeof buf - used);
        if (got <= 0) {
            eof = true;
            got = 0;
        }
        used += (size_t)got;
        char *start = buf, *nl;
        while ((nl = memchr(start, '\n', used - (size_t)(start - buf)))) {
            if (nl > start)
                handle_line(state, start, (size_t)(nl - start));
            start = nl + 1;
        }
        used -= (size_t)(start - buf);
        memmove(buf, start, used);
        if (used == sizeof buf) {
            fprintf(stderr, "slpf_driver: line longer than %d bytes dropped\n", LINE_MAX_BYTES);
            used = 0;
        }
        if (eof && used)
            handle_line(state, buf, used);
    }
    actuator_slpf_nft->cleanup(&state);
    return 0;
}
