/*  fuzz_normalize_xml.c — XML event framing and the Windows event XML
    decoder + windows.security mapping. */
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
    normalizer_run(nz, "windows.security", &opts, (const char *)data, size, emit, NULL, NULL, &e);
    return 0;
}
