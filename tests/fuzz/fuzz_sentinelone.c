/*  fuzz_sentinelone.c — the SentinelOne threats page parser. */
#include "vendor_parsers.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    char *cursor = NULL;
    json_decref(sentinelone_parse_page((const char *)data, size, &cursor, &e));
    free(cursor);
    return 0;
}
