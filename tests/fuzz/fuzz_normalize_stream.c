/*  fuzz_normalize_stream.c — the streaming record splitter (framing.c),
    differentially: the input fed in chunks must give exactly the log of
    the input fed at once (records, numbers, offsets, events, rejects).
    Byte 0 picks the source (every framing: JSON + envelopes, lines/CEF,
    XML-or-JSON, whole message), byte 1 the chunk size and whether a small
    per-record limit (to reach the oversized-record paths) is used. */
#include "normalize_fuzz.h"
#include "normalize_stream_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const sources[] = {
        "crowdstrike.alert", "microsoft.graph_alert", "splunk.notable",   "sentinelone.threat",
        "suricata.eve",      "okta.system_log",       "windows.security", "cef",
        "email.rfc822"};
    if (size < 2)
        return 0;
    if (!fuzz_nz)
        fuzz_normalize("cef", (const uint8_t *)"", 0, false); /* loads the normalizer */
    const char *src = sources[data[0] % (sizeof sources / sizeof *sources)];
    size_t chunk = (size_t)(data[1] & 0x3f) + 1;
    size_t max = data[1] & 0x40 ? 64 + (size_t)(data[0] >> 4) * 16 : 0;
    const char *in = (const char *)data + 2;
    size_t len = size - 2;
    char *whole = diff_run(fuzz_nz, src, in, len, 0, max, NULL, NULL, 0, 0);
    char *parts = diff_run(fuzz_nz, src, in, len, chunk, max, NULL, NULL, 0, 0);
    if (!whole || !parts || strcmp(whole, parts) != 0) {
        fprintf(stderr, "chunked (%zu) != whole for %s\n--- whole\n%s--- chunked\n%s", chunk, src,
                whole ? whole : "(null)", parts ? parts : "(null)");
        abort();
    }
    /* resuming from the position reached halfway gives the same tail */
    char pos[96];
    char *half = diff_run(fuzz_nz, src, in, len, chunk, max, NULL, pos, sizeof pos, len / 2);
    if (pos[0]) {
        const char *sp = strchr(pos + 3, ' ');
        size_t off = sp ? strtoull(sp + 1, NULL, 10) : 0;
        char *rest = off <= len
                         ? diff_run(fuzz_nz, src, in + off, len - off, chunk, max, pos, NULL, 0, 0)
                         : NULL;
        /* the records after the position are the last lines of whole,
           and the counts at the end are the same */
        if (rest && !diff_same_tail(whole, rest)) {
            fprintf(stderr, "resume at \"%s\" differs\n--- whole\n%s--- resumed\n%s", pos, whole,
                    rest);
            abort();
        }
        free(rest);
    }
    free(half);
    free(whole);
    free(parts);
    return 0;
}
