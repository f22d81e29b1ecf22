/*  fuzz_cortex_results.c — what a site can put in a RESULT or a 102 that
    the broker applies to a case: the input is a connector's result (JSON;
    when it is not JSON, the same bytes as a string), handed to
    cortex_results_apply (taxonomies, artifacts, operations) and, as a 102's
    results.manual.validation, to manual_validation_on_response, against a
    real broker with a temporary store seeded with a case.  Each input runs
    in its own transaction, aborted afterwards.  No crash; every failure says
    why; the case stays within its bounds (observables, tags, fields). */
#include "cortex_results.h"
#include "fuzz_broker.h"
#include "manual_validation.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    broker_t *broker = fuzz_broker_get();
    fs_err_t e = {0};
    json_t *input = fs_json_parse((const char *)data, size, &e);
    if (!input)
        input = json_stringn_nocheck((const char *)data, size);
    casestore_txn_t *txn;
    REQUIRE(casestore_begin(broker->store, true, &txn, &e) == 0);
    json_t *request = json_pack("{s:s, s:s, s:s, s:i, s:i}", "request_id", "r-1", "type", "action",
                                "name", "fuzz", "case_id", 1, "run_id", 1);
    json_t *result = json_deep_copy(input);
    int n = cortex_results_apply(broker, txn, request, "alpha", result, &e);
    REQUIRE(n >= 0 || e.text[0]);
    json_t *c = casestore_case_get(broker->store, txn, 1);
    REQUIRE(json_is_object(c));
    REQUIRE(json_array_size(json_object_get(c, "observables")) <= 200);
    REQUIRE(json_array_size(json_object_get(c, "tags")) <= 64);
    REQUIRE(json_object_size(json_object_get(c, "custom_fields")) <= 64);
    json_decref(c);
    /* The same bytes as the validation a 102 asks for. */
    json_t *rec = json_pack("{s:s, s:s, s:i, s:i, s:s, s:s}", "command_id", "c-1", "site", "alpha",
                            "case_id", 1, "run_id", 1, "path", "0", "step", "s");
    json_t *response =
        json_pack("{s:i, s:{s:{s:O}}}", "status", 102, "results", "manual", "validation", input);
    fs_err_t ve = {0};
    REQUIRE(manual_validation_on_response(broker, txn, "alpha", rec, response, &ve) == 0 ||
            ve.text[0]);
    json_decref(response);
    json_decref(rec);
    casestore_abort(&txn);
    json_decref(result);
    json_decref(request);
    json_decref(input);
    return 0;
}
