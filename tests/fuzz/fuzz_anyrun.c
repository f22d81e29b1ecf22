/*  fuzz_anyrun.c — the ANY.RUN answer parsers: POST /v1/analysis (the
    anyrun actuator), the task status and the IOC report (the anyrun-verdict
    analyzer). */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_decref(anyrun_taskid((const char *)data, size, &e));
    json_decref(anyrun_task_status((const char *)data, size, &e));
    json_decref(anyrun_iocs((const char *)data, size, &e));
    return 0;
}
