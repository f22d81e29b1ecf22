/*  fuzz_crowdstrike_host.c — the Falcon device entity and login-history
    parsers (crowdstrike-host-context analyzer). */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_decref(crowdstrike_host_summary((const char *)data, size, &e));
    json_decref(crowdstrike_login_users((const char *)data, size, 3, &e));
    return 0;
}
