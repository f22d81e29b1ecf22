/*  fuzz_normalize_xml.c — XML event framing and the Windows event XML
    decoder + windows.security mapping. */
#include "normalize_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_normalize("windows.security", data, size, true);
    return 0;
}
