/*  requests.c — REQUEST/RESULT at the site (protocol §5.8): the broker asks
    a named analyzer (enrich) or responder (action); the adapter journals the
    request_id before running it, runs it once, and answers RESULT, also to a
    repeated REQUEST (from the journal). */
#include "adapter_internal.h"

#include <string.h>

int adapter_add_connectors(adapter_t *a, fs_err_t *e)
{
    size_t i;
    json_t *c;
    json_array_foreach(a->cfg.connectors, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *kind = json_string_value(json_object_get(c, "kind"));
        const char *type = json_string_value(json_object_get(c, "type"));
        if (!name || !*name || strlen(name) > 64)
            return fs_err_set(e, "connectors[%zu].name: required, 1-64 chars", i);
        if (!kind || (strcmp(kind, "analyzer") != 0 && strcmp(kind, "responder") != 0))
            return fs_err_set(e, "connectors[%zu].kind: \"analyzer\" or \"responder\"", i);
        fs_err_t fe = {0}; /* every type is in the one registry (registry.c) */
        const adapter_plugin_t *ops = adapter_plugin_find(ADAPTER_PLUGIN_CONNECTOR, type, &fe);
        if (fe.text[0])
            return fs_err_set(e, "connectors[%zu]: %s", i, fe.text);
        if (!ops)
            return fs_err_set(
                e,
                "connectors[%zu].type: unknown connector type \"%s\" (fedsoar-adapter "
                "--list-connectors lists them)",
                i, type ? type : "(none)");
        for (size_t k = 0; k < a->connector_count; k++)
            if (strcmp(a->connectors[k].name, name) == 0)
                return fs_err_set(e, "connectors[%zu].name: \"%s\" is used twice", i, name);
        if (a->connector_count == ADAPTER_MAX_CONNECTORS)
            return fs_err_set(e, "more than %d connectors", ADAPTER_MAX_CONNECTORS);
        connector_slot_t *slot = &a->connectors[a->connector_count];
        fs_err_t ie = {0};
        if (!(slot->state = ops->init(c, a->cfg.state_dir, &ie)))
            return fs_err_set(e, "connectors[%zu] (%s): %s", i, name, ie.text);
        slot->plugin = ops;
        snprintf(slot->name, sizeof slot->name, "%s", name);
        snprintf(slot->kind, sizeof slot->kind, "%s", kind);
        a->connector_count++;
    }
    return 0;
}

static json_t *run_request(adapter_t *a, const char *type, const char *name, const json_t *input)
{
    const char *kind = strcmp(type, "enrich") == 0 ? "analyzer" : "responder";
    for (size_t i = 0; i < a->connector_count; i++) {
        connector_slot_t *c = &a->connectors[i];
        if (strcmp(c->name, name) == 0 && strcmp(c->kind, kind) == 0)
            return c->plugin->run(c->state, input);
    }
    char text[256];
    snprintf(text, sizeof text, "site %s has no %s named %s", a->cfg.site, kind, name);
    return json_pack("{s:s, s:s}", "status", "error", "error", text);
}

void adapter_on_request(adapter_t *a, const json_t *body)
{
    const char *request_id = json_string_value(json_object_get(body, "request_id"));
    const char *type = json_string_value(json_object_get(body, "type"));
    const char *name = json_string_value(json_object_get(body, "name"));
    if (!request_id || !type || !name ||
        (strcmp(type, "enrich") != 0 && strcmp(type, "action") != 0)) {
        fs_log(FS_LOG_WARN, "adapter", "request_refused",
               "site=%s reason=\"§5.8: REQUEST needs request_id, type enrich|action and name\"",
               a->cfg.site);
        return;
    }
    /* The same journal as commands, in its own key space. */
    char key[80];
    snprintf(key, sizeof key, "request:%s", request_id);
    json_t *outcome = NULL;
    fs_err_t e = {0};
    int state = journal_lookup(a->outbox, key, &outcome);
    if (state == 1) {
        outcome = json_pack("{s:s, s:s}", "status", "error", "error",
                            "interrupted by an adapter restart and not repeated");
        journal_finish(a->outbox, key, outcome, &e);
    } else if (state == 0) {
        if (journal_begin(a->outbox, key, body, &e) != 0) {
            fs_log(FS_LOG_ERROR, "adapter", "journal_failed", "request_id=%s reason=\"%s\"",
                   request_id, e.text);
            return; /* not run; the broker redelivers it */
        }
        outcome = run_request(a, type, name, json_object_get(body, "input"));
        if (journal_finish(a->outbox, key, outcome, &e) != 0)
            fs_log(FS_LOG_ERROR, "adapter", "journal_failed", "request_id=%s reason=\"%s\"",
                   request_id, e.text);
        fs_log(FS_LOG_INFO, "adapter", "request_done", "site=%s request_id=%s %s=%s status=%s",
               a->cfg.site, request_id, type, name,
               json_string_value(json_object_get(outcome, "status")));
    }
    json_t *reply =
        json_pack("{s:s, s:O, s:O?, s:O?}", "request_id", request_id, "status",
                  json_object_get(outcome, "status"), "result", json_object_get(outcome, "result"),
                  "error", json_object_get(outcome, "error"));
    if (a->dealer)
        fsp_send(a->dealer, NULL, FSP_RESULT, reply);
    json_decref(reply);
    json_decref(outcome);
}
