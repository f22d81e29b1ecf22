/*  qradar_close_offense.c — responder "qradar-close-offense": closes an
    IBM QRadar offense with a closing reason (playbook `action` step).

      GET  /api/siem/offense_closing_reasons           → [{id, text, is_deleted, …}]
      POST /api/siem/offenses/{id}?status=CLOSED&closing_reason_id=N   → the offense

    Input: "offense_id" (integer or digits; also "id"), "closing_reason"
    (the reason's text, case-insensitive, or its id; default: the config's
    "closing_reason").  The reason is looked up each time, so a reason an
    admin renamed or deleted is refused by name (with the reasons that
    exist) instead of closing with the wrong one.  Closing an offense that
    is already closed succeeds again (QRadar answers the offense).  The SEC
    token needs the "Manage Offenses" permission.  Not retried on 5xx: a
    POST that may have been applied is reported, not repeated (429/503 are,
    QRadar did not act on them). */
#include "connector_support.h"
#include "qradar.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    qradar_api_t api;
    char reason[128]; /* the default closing reason, "" when none */
} qclose_t;

static void cleanup(void **state_p)
{
    qclose_t *q = *state_p;
    if (!q)
        return;
    qradar_api_release(&q->api);
    free(q);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    qclose_t *q = fs_xcalloc(1, sizeof *q);
    const char *name = json_string_value(json_object_get(config, "name"));
    char what[96];
    snprintf(what, sizeof what, "qradar-close-offense %s", name ? name : "");
    const char *reason = json_string_value(json_object_get(config, "closing_reason"));
    if (reason)
        snprintf(q->reason, sizeof q->reason, "%s", reason);
    if (qradar_api_open(&q->api, config, what, e) != 0) {
        void *p = q;
        cleanup(&p);
        return NULL;
    }
    return q;
}

static json_t *run(void *state, const json_t *input)
{
    qclose_t *q = state;
    json_t *idv = json_object_get(input, "offense_id");
    if (!idv)
        idv = json_object_get(input, "id");
    long long id = -1;
    if (json_is_integer(idv))
        id = json_integer_value(idv);
    else if (json_is_string(idv)) {
        uint64_t u;
        if (fs_parse_u64(json_string_value(idv), &u) == 0 && u < (1ULL << 53))
            id = (long long)u;
    }
    if (id < 0)
        return connector_error("input needs \"offense_id\" (a QRadar offense id, an integer)");
    const char *reason = json_string_value(json_object_get(input, "closing_reason"));
    json_t *rv = json_object_get(input, "closing_reason");
    char rid[32];
    if (json_is_integer(rv)) {
        snprintf(rid, sizeof rid, "%lld", (long long)json_integer_value(rv));
        reason = rid;
    }
    if (!reason || !*reason)
        reason = q->reason[0] ? q->reason : NULL;
    if (!reason || strlen(reason) > 120)
        return connector_error("input needs \"closing_reason\" (its text or id; see GET "
                               "/api/siem/offense_closing_reasons), or the config a default");
    fs_err_t e = {0};
    json_t *reasons =
        qradar_call(&q->api, "GET", "/api/siem/offense_closing_reasons", -1, -1, NULL, 0, NULL, &e);
    if (!reasons)
        return connector_error("%s", e.text);
    long reason_id = qradar_closing_reason_id(reasons, reason, &e);
    json_decref(reasons);
    if (reason_id < 0)
        return connector_error("%s", e.text);
    char url[160];
    snprintf(url, sizeof url, "/api/siem/offenses/%lld?status=CLOSED&closing_reason_id=%ld", id,
             reason_id);
    long status;
    json_t *off = qradar_call(&q->api, "POST", url, -1, -1, NULL, 0, &status, &e);
    if (!off)
        return status == 404 ? connector_error("QRadar has no offense %lld", id)
                             : connector_error("%s", e.text);
    const char *st = json_string_value(json_object_get(off, "status"));
    bool closed = st && strcmp(st, "CLOSED") == 0;
    json_t *res = closed
                      ? connector_ok(json_pack("{s:I, s:s, s:i, s:s}", "offense_id", (json_int_t)id,
                                               "status", st, "closing_reason_id", (int)reason_id,
                                               "closing_reason", reason))
                      : connector_error("QRadar answered offense %lld with status %s, not CLOSED",
                                        id, st ? st : "(none)");
    json_decref(off); /* st points into off: read before this line only */
    fs_log(FS_LOG_INFO, "connector", "qradar_close_offense", "offense=%lld reason_id=%ld ok=%d", id,
           reason_id, closed);
    return res;
}

static const fs_schema_field_t qclose_fields[] = {
    FS_FIELD("api_version", FS_S_STRING_LEN(1, QRADAR_VERSION_MAX - 1)),
    FS_FIELD("closing_reason", FS_S_STRING_LEN(1, 120)),
    FS_FIELDS_END,
};
static const fs_schema_t qclose_schema = {.type = FS_SCHEMA_OBJECT,
                                          .fields = {qclose_fields, http_client_fields}};

const adapter_plugin_t connector_qradar_close_offense = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "qradar-close-offense",
    .summary = "close an IBM QRadar offense with a closing reason (SEC token)",
    .init = init,
    .run = run,
    .cleanup = cleanup,
    .config_schema = &qclose_schema,
};
