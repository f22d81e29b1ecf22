/*  fuzz_playbook.c — a playbook document: parse and validate; when it is
    accepted, match and plan it against a fixed finding. */
#include "playbooks.h"

#include <assert.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {{0}};
    json_t *doc = fs_json_parse((const char *)data, size, &e);
    if (!doc)
        return 0;
    playbook_t *pb = playbook_parse(doc, "fuzz.json", &e);
    if (pb) {
        json_t *ev = json_pack("{s:i, s:s, s:i, s:[{s:i, s:s}]}", "class_uid", 2004, "site", "alpha",
                               "severity_id", 5, "observables", "type_id", 2, "value", "203.0.113.1");
        if (playbook_matches(pb, ev, &e)) {
            json_t *ctx = json_pack("{s:O, s:{}}", "event", ev, "case");
            json_decref(playbook_plan(pb, ctx, &e));
            json_decref(ctx);
        }
        json_decref(ev);
        playbook_destroy(&pb);
    } else {
        assert(e.text[0]);
    }
    json_decref(doc);
    return 0;
}
