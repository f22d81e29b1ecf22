/*  fuzz_joesandbox.c — the Joe Sandbox answer parsers: submission/new
    (the joesandbox actuator), submission/info and the MISP report's IOCs
    (the joesandbox-verdict analyzer). */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_decref(joesandbox_submission_id((const char *)data, size, &e));
    json_decref(joesandbox_submission_info((const char *)data, size, &e));
    json_decref(joesandbox_iocs((const char *)data, size, &e));
    return 0;
}
