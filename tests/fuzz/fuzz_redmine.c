/*  fuzz_redmine.c — the Redmine issue and error parsers (redmine-issue
    responder, the manual actuator's Redmine ticketing). */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    char why[600];
    json_decref(redmine_parse_issue((const char *)data, size, &e));
    redmine_error_text((const char *)data, size, why, sizeof why);
    char tiny[8];
    redmine_error_text((const char *)data, size, tiny, sizeof tiny);
    return 0;
}
