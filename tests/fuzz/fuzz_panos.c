/*  fuzz_panos.c — the PAN-OS XML API response parser and the commit job's
    answer parser (panos actuator), fed the same bytes. */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char msg[256], job[32];
    panos_parse_response((const char *)data, size, msg, sizeof msg, job, sizeof job);
    char status[32], result[32], details[400];
    panos_parse_job((const char *)data, size, status, sizeof status, result, sizeof result, details,
                    sizeof details);
    return 0;
}
