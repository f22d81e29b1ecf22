/*  fuzz_normalize_json.c — JSON framing (NDJSON, arrays, concatenated
    values, envelopes) and every JSON mapping.  The first input byte picks
    the source; the rest is the input buffer. */
#include "normalize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static normalizer_t *nz;

/* jq keeps its stacks with pointers LeakSanitizer cannot follow: tear the
   normalizer down at exit instead of leaving it to the OS. */
static void cleanup(void)
{
    normalizer_destroy(&nz);
}

static void emit(void *arg, json_t *ev, size_t no)
{
    (void)arg, (void)no;
    char *s = json_dumps(ev, JSON_COMPACT);
    free(s);
}

static void reject(void *arg, size_t no, size_t off, const char *reason, const char *raw, size_t n)
{
    (void)arg, (void)no, (void)off, (void)reason, (void)raw, (void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const json_sources[] = {
        "crowdstrike.alert",      "crowdstrike.detection_summary", "microsoft.graph_alert",
        "microsoft.mde_alert",    "microsoft.sentinel_incident",   "microsoft.entra_signin",
        "microsoft.entra_audit",  "okta.system_log",               "splunk.notable",
        "sentinelone.threat",     "suricata.eve",                  "windows.security"};
    if (!nz) {
        fs_err_t e;
        const char *dir = getenv("FEDSOAR_MAPPINGS");
        nz = normalizer_new(dir && *dir ? dir : FEDSOAR_MAPPINGS_DIR, &e);
        if (!nz)
            abort();
        atexit(cleanup);
    }
    if (size < 1)
        return 0;
    const char *src = json_sources[data[0] % (sizeof json_sources / sizeof json_sources[0])];
    normalize_opts_t opts = {.site = "fuzz", .keep_raw = (data[0] & 0x80) != 0};
    fs_err_t e;
    normalizer_run(nz, src, &opts, (const char *)data + 1, size - 1, emit, reject, NULL, &e);
    return 0;
}
