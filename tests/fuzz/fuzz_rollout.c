/*  fuzz_rollout.c — what a board member (or anyone holding a key) can hand
    to the rollout code: a signed promotion payload ("fedsoar-promotion/1",
    parsed by the broker before any signature is checked) and a criteria
    file (fedsoarctl rollout plan --criteria, the broker's rollout.plan).
    None may crash; every refusal says why; an accepted payload is exactly
    its canonical form, and an accepted criteria object has every member. */
#include "rollout.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_t *p = rollout_promotion_parse((const char *)data, size, &e);
    assert(p || e.text[0]);
    if (p) {
        char *again = fs_json_canonical(p);
        if (!again || strlen(again) != size || memcmp(again, data, size) != 0)
            abort(); /* one representation only */
        free(again);
        json_decref(p);
    }
    json_t *doc = fs_json_parse((const char *)data, size, &e);
    if (doc) {
        e.text[0] = '\0';
        json_t *c = rollout_criteria_parse(doc, &e);
        assert(c || e.text[0]);
        if (c && json_object_size(c) != 7)
            abort();
        json_decref(c);
        json_decref(doc);
    }
    return 0;
}
