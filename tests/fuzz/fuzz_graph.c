/*  fuzz_graph.c — the Microsoft Graph / Defender collection page parser
    ({"value": [...], "@odata.nextLink"}) used by graph-alerts and
    defender-endpoint. */
#include "vendor_parsers.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    char *next = NULL;
    json_decref(graph_parse_page((const char *)data, size, &next, &e));
    free(next);
    return 0;
}
