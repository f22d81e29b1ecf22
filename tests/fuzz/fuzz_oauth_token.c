/*  fuzz_oauth_token.c — the OAuth2 token answer parser (http_parse.c,
    http_oauth_parse_token) every oauth2 connector trusts.  Checks: a token
    is returned only non-empty, NUL-terminated within the buffer and free of
    line breaks (it goes into an Authorization header). */
#include "vendor_parsers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Checked in every build (assert is gone under NDEBUG). */
#define MUST(c)                                                                                    \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char token[256];
    memset(token, 'x', sizeof token);
    int64_t secs = -12345;
    if (http_oauth_parse_token((const char *)data, size, token, sizeof token, &secs) == 0) {
        size_t n = strnlen(token, sizeof token);
        MUST(n > 0 && n < sizeof token);
        MUST(!strpbrk(token, "\r\n"));
        MUST(secs != -12345);
    }
    return 0;
}
