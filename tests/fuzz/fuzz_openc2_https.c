/*  fuzz_openc2_https.c — the openc2-https actuator's reading of a Consumer's
    answer (openc2_https_parse_answer, actuators/openc2_https.c): transfer
    v1.1 envelopes and v1.0 bare responses with an X-Request-ID.  The first
    byte picks the transfer and whether the echoed id matches.  Checks: a
    response is returned only with an empty reason and validates; the
    reason is a bounded C string otherwise. */
#include "openc2.h"
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

#define RID "3f2b8c1e-7d4a-4c9b-8e2f-0a1b2c3d4e5f"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool v10 = data[0] & 1;
    const char *xrid = data[0] & 2 ? RID : data[0] & 4 ? "other-id" : "";
    char why[400];
    why[0] = '\0';
    json_t *rsp = openc2_https_parse_answer((const char *)data + 1, size - 1, v10, RID, xrid, why,
                                            sizeof why);
    if (rsp) {
        char reason[OPENC2_REASON_MAX];
        MUST(openc2_validate_response(rsp, reason, sizeof reason) != OPENC2_BAD_REQUEST);
        json_decref(rsp);
    } else {
        MUST(memchr(why, '\0', sizeof why) != NULL && why[0] != '\0');
    }
    return 0;
}
