/*  fuzz_panos.c — the PAN-OS XML API response parser (panos actuator). */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char msg[256], job[32];
    panos_parse_response((const char *)data, size, msg, sizeof msg, job, sizeof job);
    return 0;
}
