/*  fuzz_entra_user.c — the Graph user, memberOf and sign-in parsers
    (entra-user-context analyzer). */
#include "vendor_parsers.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    char *next = NULL;
    json_decref(entra_user_summary((const char *)data, size, &e));
    json_t *page = graph_parse_page((const char *)data, size, &next, &e);
    size_t i;
    json_t *v;
    json_array_foreach(page, i, v)
    {
        (void)entra_member_name(v);
        json_decref(entra_signin_summary(v));
    }
    json_decref(page);
    free(next);
    return 0;
}
