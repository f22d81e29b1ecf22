/*  sentinel_incidents.c — the sentinel-incidents source (odata_paging.c does the paging):
      GET {workspace}/providers/Microsoft.SecurityInsights/incidents?api-version=V
      &$filter=properties/lastModifiedTimeUtc ge T&$orderby=properties/lastModifiedTimeUtc
   asc&$top=N OAuth2 client credentials against the configured token_url. */
#include "connector_support.h"

static const odata_kind_t kind = {
    NULL,
    "properties/lastModifiedTimeUtc",
    "properties.lastModifiedTimeUtc",
    "name",
    "properties/lastModifiedTimeUtc asc",
    "{\"auth\": \"oauth2\", \"base_url\": \"https://management.azure.com\", "
    "\"scope\": \"https://management.azure.com/.default\", \"api_version\": \"2023-02-01\"}",
    200,
    1000};

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    return odata_source_new(&kind, "sentinel-incidents", config, e);
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, 1000)),
    FS_REQUIRED("workspace_path", FS_S_STRING),
    FS_FIELD("api_version", FS_S_STRING),
    FS_FIELDS_END,
};
static const fs_schema_t schema = {.type = FS_SCHEMA_OBJECT,
                                   .fields = {fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_sentinel_incidents = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "sentinel-incidents",
    .source_id = "microsoft.sentinel_incident",
    .summary = "Microsoft Sentinel incidents, ARM SecurityInsights (OAuth2; lastModifiedTimeUtc; "
               "nextLink)",
    .init = init,
    .poll = odata_source_poll,
    .cleanup = odata_source_destroy,
    .config_schema = &schema,
};
