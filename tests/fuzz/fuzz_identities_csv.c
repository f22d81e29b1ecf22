/*  fuzz_identities_csv.c — the identity crosswalk's CSV reader
    (casestore/identities_csv.c): any bytes give rows or named errors,
    never a crash, a leak or a read past the input. */
#include "casestore_identities.h"

#include <stdint.h>
#include <string.h>

static bool known(void *arg, const char *site)
{
    (void)arg;
    return strcmp(site, "alpha") == 0 || strcmp(site, "beta") == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_t *errors = NULL;
    json_t *rows =
        casestore_identities_parse_csv((const char *)data, size, "fuzz", known, NULL, &errors, &e);
    /* Exactly one of the two, and errors always say where. */
    if ((rows == NULL) == (errors == NULL) || (!rows && !e.text[0]))
        __builtin_trap();
    json_decref(rows);
    json_decref(errors);
    return 0;
}
