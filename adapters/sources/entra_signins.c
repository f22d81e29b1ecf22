/*  entra_signins.c — the entra-signins source (odata_paging.c does the paging):
      GET /v1.0/auditLogs/signIns?$filter=createdDateTime ge T&$top=N
    OAuth2 client credentials against the configured token_url. */
#include "connector_support.h"

static const odata_kind_t kind = {
    "/v1.0/auditLogs/signIns",
    "createdDateTime",
    "createdDateTime",
    "id",
    NULL,
    "{\"auth\": \"oauth2\", \"base_url\": \"https://graph.microsoft.com\", \"scope\": "
    "\"https://graph.microsoft.com/.default\"}",
    500,
    1000};

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return odata_source_new(&kind, "entra-signins", config, e);
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, 1000)),
    FS_FIELDS_END,
};
static const fs_schema_t schema = {.type = FS_SCHEMA_OBJECT,
                                   .fields = {fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_entra_signins = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "entra-signins",
    .source_id = "microsoft.entra_signin",
    .summary = "Entra ID sign-in logs, Graph auditLogs/signIns (OAuth2; @odata.nextLink)",
    .init = init,
    .poll = odata_source_poll,
    .cleanup = odata_source_destroy,
    .config_schema = &schema,
};
