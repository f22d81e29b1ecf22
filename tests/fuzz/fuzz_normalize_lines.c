/*  fuzz_normalize_lines.c — line framing and the CEF decoder + mapping. */
#include "normalize_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_normalize("cef", data, size, true);
    return 0;
}
