/*  fuzz_cacao_import.c — a CACAO v2.0 document: the structural check and
    the import (playbook_cacao.h). What the import accepts must be a valid
    fedsoar playbook, and must export and import again to the same
    playbook (the round trip the CLI promises). */
#include "playbook_cacao.h"
#include "playbooks.h"

#include <assert.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_t *doc = fs_json_parse((const char *)data, size, &e);
    if (!doc)
        return 0;
    json_t *pb = playbook_cacao_import(doc, NULL, &e);
    if (pb) {
        playbook_t *parsed = playbook_parse(pb, "fuzz", &e);
        assert(parsed);
        playbook_destroy(&parsed);
        json_t *out = playbook_cacao_export(pb, NULL, 0, &e);
        assert(out);
        json_t *back = playbook_cacao_import(out, NULL, &e);
        assert(back && json_equal(back, pb));
        json_decref(back);
        json_decref(out);
        json_decref(pb);
    }
    json_decref(doc);
    return 0;
}
