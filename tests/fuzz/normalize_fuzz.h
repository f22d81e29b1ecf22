/*  normalize_fuzz.h — what every normalize fuzz target shares: one
    normalizer loaded once from the shipped mappings (or $FEDSOAR_MAPPINGS),
    torn down at exit, and a run over one input whose events are serialized
    (so the output path is exercised too). */
#ifndef FEDSOAR_NORMALIZE_FUZZ_H
#define FEDSOAR_NORMALIZE_FUZZ_H

#include "normalize.h"

#include <stdint.h>
#include <stdlib.h>

static normalizer_t *fuzz_nz;

/* jq keeps its stacks with pointers LeakSanitizer cannot follow: tear the
   normalizer down at exit instead of leaving it to the OS. */
static void fuzz_cleanup(void)
{
    normalizer_destroy(&fuzz_nz);
}

static void fuzz_emit(void *arg, json_t *ev, size_t no)
{
    (void)arg, (void)no;
    free(json_dumps(ev, JSON_COMPACT));
}

static inline void fuzz_normalize(const char *source, const uint8_t *data, size_t size,
                                  bool keep_raw)
{
    if (!fuzz_nz) {
        fs_err_t e;
        const char *dir = getenv("FEDSOAR_MAPPINGS");
        fuzz_nz = normalizer_new(dir && *dir ? dir : FEDSOAR_MAPPINGS_DIR, &e);
        if (!fuzz_nz)
            abort();
        atexit(fuzz_cleanup);
    }
    normalize_opts_t opts = {.site = "fuzz", .keep_raw = keep_raw, .receipt_ms = 1767225600000LL};
    fs_err_t e;
    normalizer_run(fuzz_nz, source, &opts, (const char *)data, size, fuzz_emit, NULL, NULL, &e);
}

#endif
