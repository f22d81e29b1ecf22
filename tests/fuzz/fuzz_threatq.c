/*  fuzz_threatq.c — the ThreatQ indicator page parser (the
    threatq-indicators source and the threatq-lookup analyzer) and the
    per-indicator summary (score strings included). */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_int_t total;
    json_t *items = threatq_page((const char *)data, size, &total, &e);
    size_t i;
    json_t *o;
    json_array_foreach(items, i, o) json_decref(threatq_indicator_summary(o));
    json_decref(items);
    return 0;
}
