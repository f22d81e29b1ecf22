/*  fuzz_http_json.c — the http-json analyzer's answer picker: the vendor's
    body with a fixed set of field pointers, and as a whole. */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_t *fields = json_pack("{s:s, s:s, s:s, s:s, s:s}", "verdict", "/data/attributes/verdict",
                               "first", "/0", "esc", "/a~1b/m~0n", "empty_key", "/", "whole", "");
    json_decref(http_json_pick((const char *)data, size, fields, 4096, &e));
    json_decref(http_json_pick((const char *)data, size, NULL, 65536, &e));
    json_decref(fields);
    return 0;
}
