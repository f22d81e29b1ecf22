/*  fuzz_virustotal.c — the VirusTotal v3 object summarizer (virustotal analyzer). */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_decref(virustotal_summarize((const char *)data, size, 3, &e));
    return 0;
}
