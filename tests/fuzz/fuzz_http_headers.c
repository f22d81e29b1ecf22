/*  fuzz_http_headers.c — the response header parsers of the HTTP client:
    Link (rel="next" pagination, RFC 8288) and Retry-After (seconds or an
    HTTP date). */
#include "vendor_parsers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    free(http_link_next((const char *)data, size));
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    (void)http_retry_after_seconds(s);
    free(s);
    return 0;
}
