/*  fuzz_normalize_email.c — the GMime rfc822 decoder (headers, MIME tree,
    URL and Authentication-Results scanning, attachment hashing) and the
    email.rfc822 mapping: any bytes as one .eml. */
#include "normalize.h"

#include <stdint.h>
#include <stdlib.h>

static normalizer_t *nz;

/* jq keeps its stacks with pointers LeakSanitizer cannot follow: tear the
   normalizer down at exit instead of leaving it to the OS. */
static void cleanup(void)
{
    normalizer_destroy(&nz);
}

static void emit(void *arg, json_t *ev, size_t no)
{
    (void)arg, (void)no;
    char *s = json_dumps(ev, JSON_COMPACT);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!nz) {
        fs_err_t e;
        const char *dir = getenv("FEDSOAR_MAPPINGS");
        nz = normalizer_new(dir && *dir ? dir : FEDSOAR_MAPPINGS_DIR, &e);
        if (!nz)
            abort();
        atexit(cleanup);
    }
    normalize_opts_t opts = {.site = "fuzz", .keep_raw = true};
    fs_err_t e;
    normalizer_run(nz, "email.rfc822", &opts, (const char *)data, size, emit, NULL, NULL, &e);
    return 0;
}
