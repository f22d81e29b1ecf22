/*  fuzz_tenable.c — the three Tenable export answers the tenable-vulns
    source parses (export uuid, export status, a chunk of vulnerabilities),
    each fed the same bytes. */
#include "vendor_parsers.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    char uuid[64];
    (void)tenable_parse_export_uuid((const char *)data, size, uuid, sizeof uuid, &e);
    json_t *st = tenable_parse_status((const char *)data, size, &e);
    json_decref(st);
    json_t *chunk = tenable_parse_chunk((const char *)data, size, &e);
    json_decref(chunk);
    return 0;
}
