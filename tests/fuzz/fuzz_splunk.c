/*  fuzz_splunk.c — the Splunk export (NDJSON) parser. */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_decref(splunk_parse_export((const char *)data, size, &e));
    return 0;
}
