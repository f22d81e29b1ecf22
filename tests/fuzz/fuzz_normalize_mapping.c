/*  fuzz_normalize_mapping.c — the mapping loader (validation, line map,
    path compiler, jq compile) on arbitrary mapping-file text; when a file
    loads, it is also applied to a small fixed record. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e;
    mapping_t *m = nz_mapping_load_text("fuzz.json", (const char *)data, size, &e);
    if (!m)
        return 0;
    json_t *rec = json_pack("{s:s, s:i, s:{s:s, s:[s,s]}, s:[{s:s},{s:i}]}", "id", "x", "time",
                            1700000000, "device", "hostname", "h", "ips", "10.0.0.1", "bad",
                            "evidence", "ipAddress", "203.0.113.1", "n", 3);
    normalize_opts_t opts = {.site = "fuzz", .keep_raw = true};
    json_t *ev = nz_mapping_apply(m, &opts, rec, "{}", 2, &e);
    json_decref(ev);
    json_decref(rec);
    nz_mapping_free(m);
    return 0;
}
