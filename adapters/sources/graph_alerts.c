/*  graph_alerts.c — the graph-alerts source (odata_paging.c does the paging):
      GET /v1.0/security/alerts_v2?$filter=lastUpdateDateTime ge T&$top=N
    OAuth2 client credentials against the configured token_url. */
#include "connector_support.h"

static const odata_kind_t kind = {
    "/v1.0/security/alerts_v2",
    "lastUpdateDateTime",
    "lastUpdateDateTime",
    "id",
    NULL,
    "{\"auth\": \"oauth2\", \"base_url\": \"https://graph.microsoft.com\", \"scope\": "
    "\"https://graph.microsoft.com/.default\"}",
    500,
    2000};

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return odata_source_new(&kind, "graph-alerts", config, e);
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, 2000)),
    FS_FIELDS_END,
};
static const fs_schema_t schema = {.type = FS_SCHEMA_OBJECT,
                                   .fields = {fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_graph_alerts = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "graph-alerts",
    .source_id = "microsoft.graph_alert",
    .summary = "Microsoft Graph security/alerts_v2 (OAuth2 client credentials; @odata.nextLink)",
    .init = init,
    .poll = odata_source_poll,
    .cleanup = odata_source_destroy,
    .config_schema = &schema,
};
