/*  fuzz_json_pointer.c — the RFC 6901 JSON pointer lookup (http-json).
    Input: the pointer, a newline, then a JSON document. */
#include "vendor_parsers.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t plen = nl ? (size_t)(nl - s) : size;
    json_t *doc = nl ? json_loadb(nl + 1, size - plen - 1, JSON_DECODE_ANY, NULL) : json_object();
    const json_t *out;
    int rc = json_pointer_get(doc ? doc : json_null(), s, plen, &out);
    if (rc == 0 && !out)
        __builtin_trap(); /* found must name a value */
    if (rc != 0 && out)
        __builtin_trap();
    json_decref(doc);
    return 0;
}
