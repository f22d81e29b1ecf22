/*  fuzz_routes.c — libFuzzer target for the routing scope/config parser
    (route_load_sites) and, when a table loads, route_decide and route_learn
    over the same input. The input is a routes file: {"sites": {...}}, or
    {"sites": ..., "command": {...}, "site": "...", "event": {...}}. Errors
    must be bounded strings; nothing may crash or leak. */
#include "routing.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (!doc)
        return 0;
    route_table_t *t = route_table_new(64);
    fs_err_t e = {0};
    int rc = route_load_sites(t, json_object_get(doc, "sites"), &e);
    if (rc != 0 && strnlen(e.text, sizeof e.text) >= sizeof e.text)
        abort();
    /* scopes and capabilities one by one too, as the broker sets them */
    const char *name;
    json_t *site;
    json_object_foreach(json_object_get(doc, "sites"), name, site)
    {
        (void)route_set_scopes(t, name, json_object_get(site, "scopes"), &e);
        (void)route_set_capabilities(t, name, json_object_get(site, "capabilities"), &e);
    }
    const char *learner = json_string_value(json_object_get(doc, "learn_site"));
    if (learner)
        (void)route_learn(t, learner, json_object_get(doc, "event"), 1700000000000);
    json_t *ex = NULL;
    json_t *sites = route_decide(t, json_object_get(doc, "command"),
                                 json_string_value(json_object_get(doc, "site")), &ex);
    if (!sites || !ex || !json_is_array(sites))
        abort();
    json_decref(sites);
    json_decref(ex);
    route_table_destroy(&t);
    json_decref(doc);
    return 0;
}
