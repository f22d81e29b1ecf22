/*  fuzz_servicenow.c — the ServiceNow Table API record and error parsers
    (servicenow-incident responder). */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    char why[420];
    json_decref(servicenow_parse_record((const char *)data, size, &e));
    servicenow_error_text((const char *)data, size, why, sizeof why);
    return 0;
}
