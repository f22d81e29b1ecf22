/*  fuzz_crowdstrike.c — the CrowdStrike API page parser (query ids and
    entity objects) the crowdstrike-alerts source and crowdstrike-falcon
    actuator run on every vendor answer. */
#include "vendor_parsers.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int objects = 0; objects < 2; objects++) {
        fs_err_t e = {0};
        json_int_t total;
        char *after = NULL;
        json_t *r = crowdstrike_parse_page((const char *)data, size, objects, &total, &after, &e);
        json_decref(r);
        free(after);
    }
    return 0;
}
