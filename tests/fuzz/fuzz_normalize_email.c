/*  fuzz_normalize_email.c — the GMime rfc822 decoder (headers, MIME tree,
    URL and Authentication-Results scanning, attachment hashing) and the
    email.rfc822 mapping: any bytes as one .eml. */
#include "normalize_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_normalize("email.rfc822", data, size, true);
    return 0;
}
