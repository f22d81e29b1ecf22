/*  fuzz_normalize_json.c — JSON framing (NDJSON, arrays, concatenated
    values, envelopes) and every JSON mapping.  The first input byte picks
    the source (its top bit: keep raw_data); the rest is the input buffer. */
#include "normalize_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const json_sources[] = {"crowdstrike.alert",
                                               "crowdstrike.detection_summary",
                                               "microsoft.graph_alert",
                                               "microsoft.mde_alert",
                                               "microsoft.sentinel_incident",
                                               "microsoft.entra_signin",
                                               "microsoft.entra_audit",
                                               "okta.system_log",
                                               "splunk.notable",
                                               "sentinelone.threat",
                                               "suricata.eve",
                                               "windows.security"};
    if (size < 1)
        return 0;
    fuzz_normalize(json_sources[data[0] % (sizeof json_sources / sizeof json_sources[0])], data + 1,
                   size - 1, (data[0] & 0x80) != 0);
    return 0;
}
