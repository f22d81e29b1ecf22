/*  fuzz_playbook.c — a playbook document: parse and validate; when it is
    accepted, run it through the engine against a fixed finding, answering
    every effect (commands and requests succeed, approvals pass, timers
    fire) for a bounded number of rounds. */
#include "playbooks.h"

#include <assert.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_t *doc = fs_json_parse((const char *)data, size, &e);
    if (!doc)
        return 0;
    playbook_t *pb = playbook_parse(doc, "fuzz.json", &e);
    if (pb) {
        json_t *ctx = json_pack("{s:{s:i, s:s, s:i, s:[{s:i, s:s}]}, s:{}}", "event", "class_uid",
                                2004, "site", "alpha", "severity_id", 5, "observables", "type_id",
                                2, "value", "203.0.113.1", "case");
        fs_err_t me = {0};
        playbook_matches(pb, json_object_get(ctx, "event"), &me);
        json_t *run = json_pack("{s:i}", "id", 1);
        json_t *ok = json_pack("{s:i}", "status", 200);
        int64_t now = 0;
        for (int round = 0; round < 20; round++) {
            json_t *fx = json_array();
            int rc = playbook_advance(pb, run, ctx, now, NULL, NULL, fx, &e);
            size_t i;
            json_t *f;
            json_array_foreach(fx, i, f)
            {
                const char *kind = json_string_value(json_object_get(f, "kind"));
                const char *path = json_string_value(json_object_get(f, "path"));
                assert(kind);
                if (strcmp(kind, "command") == 0 || strcmp(kind, "request") == 0)
                    playbook_deliver(run, path,
                                     (int)json_integer_value(json_object_get(f, "index")), "ok", ok,
                                     now);
                else if (strcmp(kind, "approval") == 0)
                    playbook_deliver(run, path, 0, "approved", ok, now);
                else if (strcmp(kind, "timer") == 0 &&
                         json_integer_value(json_object_get(f, "at")) > now)
                    now = json_integer_value(json_object_get(f, "at"));
            }
            json_array_foreach(
                fx, i, f) if (strcmp(json_string_value(json_object_get(f, "kind")), "timer") == 0)
                playbook_deliver(run, json_string_value(json_object_get(f, "path")), 0, "timer",
                                 NULL, now);
            json_decref(fx);
            if (rc != 0)
                break;
        }
        json_decref(ok);
        json_decref(run);
        json_decref(ctx);
        playbook_destroy(&pb);
    } else {
        assert(e.text[0]);
    }
    json_decref(doc);
    return 0;
}
