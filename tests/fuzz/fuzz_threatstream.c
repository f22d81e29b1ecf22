/*  fuzz_threatstream.c — the ThreatStream intelligence page parser (the
    threatstream-indicators source and the threatstream-lookup analyzer)
    and the analyzer's per-indicator summary. */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    bool more;
    json_int_t total;
    json_t *objs = threatstream_page((const char *)data, size, &more, &total, &e);
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o) json_decref(threatstream_indicator_summary(o));
    json_decref(objs);
    return 0;
}
