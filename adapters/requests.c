/*  requests.c — REQUEST/RESULT at the site (protocol §5.8): the broker asks
    a named analyzer (enrich) or responder (action); the adapter journals the
    request_id before running it (command_work.c, on the connector's lane),
    runs it once, and answers RESULT, also to a repeated REQUEST (from the
    journal). */
#include "command_work.h"

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
    /* The actuators are in (adapter_new adds them first): every lane can
       be made, and the workers started. */
    return adapter_work_start(a, e);
}

/* Sets job's lane to the analyzer (enrich) or responder (action) named,
   or its output to the error (when the site has none). */
static bool lane_of(adapter_t *a, worker_job_t *job, const char *type, const char *name)
{
    const char *kind = strcmp(type, "enrich") == 0 ? "analyzer" : "responder";
    for (size_t i = 0; i < a->connector_count; i++) {
        connector_slot_t *c = &a->connectors[i];
        if (strcmp(c->name, name) == 0 && strcmp(c->kind, kind) == 0) {
            job->lane_no = a->actuator_count + i; /* after the actuators' lanes */
            return true;
        }
    }
    char text[256];
    snprintf(text, sizeof text, "site %s has no %s named %s", a->cfg.site, kind, name);
    job->output = json_pack("{s:s, s:s}", "status", "error", "error", text);
    return false;
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
    if (adapter_work_inflight(a, key))
        return; /* a repeat while it runs: its one answer is on its way */
    json_t *input = json_object_get(body, "input");
    worker_job_t *job = worker_job_new(WORKER_JOB_REQUEST, key, request_id,
                                       input ? json_incref(input) : json_null());
    job->record = json_incref((json_t *)body);
    job->what = fs_xasprintf("%s=%s", type, name);
    json_t *outcome = NULL;
    int state = journal_lookup(a->outbox, key, &outcome);
    if (state == 2) {
        job->output = outcome;
        adapter_work_send(a, job);
        worker_job_destroy(&job);
        return;
    }
    if (state == 1) {
        job->output = json_pack("{s:s, s:s}", "status", "error", "error",
                                "interrupted by an adapter restart and not repeated");
        adapter_work_answer_job(a, job);
        return;
    }
    if (!lane_of(a, job, type, name)) {
        adapter_work_answer_job(a, job);
    } else if (!adapter_work_has_room(a)) {
        job->output = json_pack("{s:s, s:s}", "status", "error", "error",
                                "the site's workers are full; not run");
        adapter_work_send(a, job);
        worker_job_destroy(&job);
    } else {
        adapter_work_queue(a, job);
    }
}
