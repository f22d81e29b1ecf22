/*  decode_stub.c — the rfc822 decoder is not built yet (GMime step, see
    docs/normalize.md "Missing"); records of email.rfc822 are rejected with
    this reason instead of being dropped. */
#include "internal.h"

json_t *nz_decode_rfc822(const char *msg, size_t len, fs_err_t *e)
{
    (void)msg, (void)len;
    fs_err_set(e, "rfc822 decoder not built in this version");
    return NULL;
}
