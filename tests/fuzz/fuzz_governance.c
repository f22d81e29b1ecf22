/*  fuzz_governance.c — what an operator or a broker can hand to the
    governance code: a signed approval payload, a signed vote payload (both
    parsed by the broker and, for votes, by every site), a proof array and
    the broker config's "governance" object. None may crash; every refusal
    must say why. */
#include "keys.h"
#include "playbooks.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_t *a = governance_approval_parse((const char *)data, size, &e);
    assert(a || e.text[0]);
    json_decref(a);
    e.text[0] = '\0';
    json_t *v = governance_vote_parse((const char *)data, size, &e);
    assert(v || e.text[0]);
    json_decref(v);
    json_t *doc = fs_json_parse((const char *)data, size, &e);
    if (doc) {
        e.text[0] = '\0';
        governance_config_t *g = governance_config_parse(doc, &e);
        assert(g || e.text[0]);
        if (g)
            governance_count_approvals(g, json_object_get(doc, "members"), "alice");
        governance_config_destroy(&g);
        /* As a proof: signatures cannot verify (no keys here), but the
           shape checks run on every element. */
        char reason[512];
        if (governance_proof_verify(doc, 1, "/nonexistent", 0, 0, reason, sizeof reason) != -1 ||
            !reason[0])
            abort();
        json_t *d = governance_diff(doc, json_object_get(doc, "steps"));
        json_decref(d);
        json_decref(doc);
    }
    return 0;
}
