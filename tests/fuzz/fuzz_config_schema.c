/*  fuzz_config_schema.c — any JSON document against the written config
    schemas (issue 11.4): the whole adapter config (every connector, source
    and actuator type), the routing "sites" and the "governance" object.
    None may crash; a refusal always names a JSON path ("$…: …"). */
#include "adapter.h"
#include "playbooks.h"
#include "route_schema.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static void one(const fs_schema_t *s, const json_t *doc, const char *path)
{
    fs_err_t e = {0};
    int rc = fs_schema_check(s, doc, path, &e);
    if (rc == 0) {
        assert(!e.text[0]);
        return;
    }
    assert(rc == -1);
    assert(strncmp(e.text, path, strlen(path)) == 0 && strstr(e.text, ": "));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_t *doc = fs_json_parse((const char *)data, size, &e);
    if (!doc)
        return 0;
    one(adapter_config_schema(), doc, "$");
    one(&route_sites_schema, doc, "$.sites");
    one(&route_sites_schema, json_object_get(doc, "sites"), "$.sites");
    one(&governance_config_schema, doc, "$.governance");
    one(&route_action_pair_schema, doc, "$.critical_actions[0]");
    json_decref(doc);
    return 0;
}
