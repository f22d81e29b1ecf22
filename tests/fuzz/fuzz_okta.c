/*  fuzz_okta.c — the Okta System Log page parser (okta-logs source). */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_decref(okta_parse_logs((const char *)data, size, &e));
    return 0;
}
