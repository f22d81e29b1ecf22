/*  fuzz_openc2.c — libFuzzer target for the OpenC2 validator: the input is
    validated from text as a command and as a response, by the default
    profile set (language + slpf) and by an slpf-only set, so the 400 and
    501 paths and the profile-shape interpreter are all reached. The
    verdict must be one of 0/400/501 and the reason a bounded C string. */
#include "openc2.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static openc2_validator_t *v_default, *v_slpf;

static void check_verdict(int verdict, const char *reason, size_t size)
{
    if (verdict != OPENC2_VALID && verdict != OPENC2_BAD_REQUEST &&
        verdict != OPENC2_NOT_IMPLEMENTED)
        abort();
    if (strnlen(reason, size) >= size)
        abort();
    if ((verdict == OPENC2_VALID) != (reason[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!v_default) {
        fs_err_t e;
        v_default = openc2_validator_new_default();
        v_slpf = openc2_validator_new();
        if (!v_default || !v_slpf || openc2_validator_add(v_slpf, "slpf", NULL, &e) != 0)
            abort();
    }
    char reason[OPENC2_REASON_MAX];
    const char *text = (const char *)data;
    openc2_validator_t *vs[2] = {v_default, v_slpf};
    for (int i = 0; i < 2; i++) {
        int r = openc2_check_command_text(vs[i], text, size, reason, sizeof reason);
        check_verdict(r, reason, sizeof reason);
        r = openc2_check_response_text(vs[i], text, size, reason, sizeof reason);
        check_verdict(r, reason, sizeof reason);
    }
    /* the helpers must cope with whatever parsed */
    json_t *j = json_loadb(text, size, JSON_DECODE_ANY, NULL);
    if (j) {
        const char *a, *t;
        (void)openc2_command_pair(j, &a, &t);
        (void)openc2_command_id(j);
        json_decref(j);
    }
    return 0;
}
