/*  mde_alerts.c — the mde-alerts source (odata_paging.c does the paging):
      GET /api/alerts?$filter=lastUpdateTime ge T&$top=N (Defender for Endpoint)
    OAuth2 client credentials against the configured token_url. */
#include "connector_support.h"

static const odata_kind_t kind = {
    "/api/alerts",
    "lastUpdateTime",
    "lastUpdateTime",
    "id",
    NULL,
    "{\"auth\": \"oauth2\", \"base_url\": \"https://api.securitycenter.microsoft.com\", "
    "\"scope\": \"https://api.securitycenter.microsoft.com/.default\"}",
    1000,
    10000};

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return odata_source_new(&kind, "mde-alerts", config, e);
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, 10000)),
    FS_FIELDS_END,
};
static const fs_schema_t schema = {.type = FS_SCHEMA_OBJECT,
                                   .fields = {fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_mde_alerts = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "mde-alerts",
    .source_id = "microsoft.mde_alert",
    .summary = "Defender for Endpoint /api/alerts (OAuth2; lastUpdateTime; @odata.nextLink)",
    .init = init,
    .poll = odata_source_poll,
    .cleanup = odata_source_destroy,
    .config_schema = &schema,
};
