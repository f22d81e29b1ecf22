/*  fuzz_okta_user.c — the Okta user, groups and sign-in event parsers
    (okta-user-context analyzer). */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_decref(okta_user_summary((const char *)data, size, &e));
    json_decref(okta_group_names((const char *)data, size, &e));
    json_t *events = okta_parse_logs((const char *)data, size, &e);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) json_decref(okta_signin_summary(ev));
    json_decref(events);
    return 0;
}
