/*  fuzz_teams.c — the Teams webhook answer check (teams-message responder). */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[200];
    long status = size ? 100 + data[0] % 150 * 3 : 200;
    teams_parse_answer(status, (const char *)data, size, why, sizeof why);
    return 0;
}
