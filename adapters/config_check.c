/*  config_check.c — the written schema of the adapter config file (issue
    11.4, docs/cli.md): every top-level key, and each "connectors",
    "sources" and "actuator_config" entry by the schema its type declares
    next to its init (adapter_plugin_t.config_schema, one registry:
    registry.c). fedsoar-adapter checks the file against it before any
    connector, source or actuator is created, and stops with exit 2 on the
    first mismatch. */
#include "adapter_internal.h"
#include "route_schema.h"

#include <string.h>

#define KNOWN_MAX 64 /* types per registry, with room to grow */

static bool site_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

static const char *site_check(const json_t *v)
{
    return site_name_ok(json_string_value(v))
               ? NULL
               : "a site name (1..64 letters, digits, '-', '_', '.')";
}

static const char *instance_name_check(const json_t *v)
{
    const char *s = json_string_value(v);
    return strlen(s) >= 1 && strlen(s) <= 64 && !strchr(s, ':')
               ? NULL
               : "a name of 1..64 characters without ':'";
}

/* "record-only,slpf-nft": every name a known actuator type. */
static const char *actuators_check(const json_t *v)
{
    static const char *const what =
        "a comma-separated list of actuator types (fedsoar-adapter --list-connectors)";
    const char *s = json_string_value(v);
    size_t count = 0;
    if (!*s || strlen(s) >= 512)
        return what;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, ",");
        bool known = false;
        char name[64];
        if (n < sizeof name) {
            memcpy(name, p, n);
            name[n] = '\0';
            known = adapter_plugin_find(ADAPTER_PLUGIN_ACTUATOR, name, NULL) != NULL;
        }
        if (!known || ++count > ADAPTER_MAX_ACTUATORS)
            return what;
        p += n;
        if (*p == ',' && !*++p)
            return what;
    }
    return NULL;
}

static const fs_schema_field_t no_fields[] = {FS_FIELDS_END};
static const fs_schema_t no_keys = {.type = FS_SCHEMA_OBJECT, .fields = {no_fields}};

static const fs_schema_field_t connector_fields[] = {
    FS_REQUIRED("name", FS_S_STRING_LEN(1, 64)),
    FS_REQUIRED("kind", FS_S_ENUM("analyzer", "responder")),
    /* jobs started per minute (command_work.c); absent or 0: no limit */
    FS_FIELD("rate_limit", FS_S_NUMBER(0, 1000000000)),
    /* calls at once: exec only (command_work.c) */
    FS_FIELD("concurrency", FS_S_INT(1, 16)),
    FS_FIELDS_END,
};

/* "actuator_config": {"limits": {"TYPE": {"rate_limit": N}}}: commands per
   minute an actuator starts; their sum is `query features` rate_limit. */
static const fs_schema_field_t actuator_limit_fields[] = {
    FS_FIELD("rate_limit", FS_S_NUMBER(0, 1000000000)),
    FS_FIELDS_END,
};
static const fs_schema_t *const actuator_limits =
    FS_S_MAP(FS_S_STRING, FS_S_OBJECT(actuator_limit_fields), ADAPTER_MAX_ACTUATORS);

static const fs_schema_field_t source_fields[] = {
    FS_REQUIRED("name",
                FS_S_STRING_CHECK(instance_name_check, "a name of 1..64 characters without ':'")),
    FS_FIELD("interval_s", FS_S_INT(1, 86400)),
    FS_FIELD("silence_alert_s", FS_S_INT(1, 31536000)),
    FS_FIELDS_END,
};

static const fs_schema_field_t replay_fields[] = {
    FS_REQUIRED("source", FS_S_STRING),
    FS_REQUIRED("file", FS_S_STRING),
    FS_FIELDS_END,
};

static fs_schema_variant_t connector_variants[KNOWN_MAX + 1];
static fs_schema_variant_t source_variants[KNOWN_MAX + 1];
static fs_schema_field_t actuator_fields[KNOWN_MAX + 1];
static fs_schema_t connector_item = {.type = FS_SCHEMA_OBJECT,
                                     .fields = {connector_fields},
                                     .tag = "type",
                                     .variants = connector_variants};
static fs_schema_t source_item = {.type = FS_SCHEMA_OBJECT,
                                  .fields = {source_fields},
                                  .tag = "type",
                                  .variants = source_variants};
static fs_schema_t actuator_config = {.type = FS_SCHEMA_OBJECT, .fields = {actuator_fields}};

bool adapter_broker_list_ok(const char *list)
{
    if (!list)
        return false;
    char one[1024];
    int n = 0;
    for (const char *p = list;; n++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0 || len >= sizeof one || n == 8)
            return false;
        memcpy(one, p, len);
        one[len] = '\0';
        if (!fs_schema_endpoint_ok(one))
            return false;
        if (!comma)
            return true;
        p = comma + 1;
    }
}

static const char *broker_list_check(const json_t *v)
{
    const char *s = json_string_value(v);
    if (adapter_broker_list_ok(s))
        return NULL;
    /* One endpoint: the message every other endpoint key gives. */
    return s && strchr(s, ',') ? BROKER_LIST_WHAT
                               : "an endpoint tcp://HOST:PORT, ipc://PATH or inproc://NAME";
}

static const fs_schema_field_t adapter_fields[] = {
    FS_FIELD("site",
             FS_S_STRING_CHECK(site_check, "a site name (1..64 letters, digits, '-', '_', '.')")),
    FS_FIELD("broker",
             FS_S_STRING_CHECK(broker_list_check,
                               "an endpoint tcp://HOST:PORT, ipc://PATH or inproc://NAME")),
    FS_FIELD("state_dir", FS_S_STRING),
    FS_FIELD("keys_dir", FS_S_STRING),
    FS_FIELD("mappings_dir", FS_S_STRING),
    FS_FIELD("actuators",
             FS_S_STRING_CHECK(actuators_check, "a comma-separated list of actuator types "
                                                "(fedsoar-adapter --list-connectors)")),
    FS_FIELD("actuator_config", &actuator_config),
    FS_FIELD("connectors", FS_S_ARRAY(&connector_item, 0, ADAPTER_MAX_CONNECTORS)),
    FS_FIELD("sources", FS_S_ARRAY(&source_item, 0, ADAPTER_MAX_SOURCES)),
    FS_FIELD("replay", FS_S_ARRAY(FS_S_OBJECT(replay_fields), 0, 64)),
    FS_FIELD("trusted_operators_dir", FS_S_STRING),
    FS_FIELD("critical_actions", FS_S_ARRAY(&route_action_pair_schema, 0, 256)),
    FS_FIELD("proof_max_age_s", FS_S_INT(0, 31536000)),
    FS_FIELD("outbox", FS_S_OBJECT((const fs_schema_field_t[]){
                           FS_FIELD("max_events", FS_S_INT(1, 1000000000)),
                           FS_FIELD("reserve_mb", FS_S_INT(0, 1048576)),
                           FS_FIELD("retain_acked_s", FS_S_INT(0, 31536000)),
                           FS_FIELD("journal_retain_days", FS_S_INT(0, 36500)), FS_FIELDS_END})),
    FS_FIELD("link", FS_S_OBJECT((const fs_schema_field_t[]){
                         FS_FIELD("max_events_per_s", FS_S_INT(0, 10000000)), FS_FIELDS_END})),
    FS_FIELD("insecure", FS_S_BOOL),
    FS_FIELD("keep_raw_data", FS_S_BOOL),
    FS_FIELD("log_level", &fs_schema_log_level),
    FS_FIELDS_END,
};

static const fs_schema_t adapter_schema = {.type = FS_SCHEMA_OBJECT, .fields = {adapter_fields}};

const fs_schema_t *adapter_config_schema(void)
{
    static bool built;
    if (built)
        return &adapter_schema;
    size_t count, nc = 0, ns = 0, na = 0;
    const adapter_plugin_t *const *all = adapter_plugins(&count);
    for (size_t i = 0; i < count; i++) {
        const adapter_plugin_t *p = all[i];
        const fs_schema_t *schema = p->config_schema ? p->config_schema : &no_keys;
        if (p->api_version != ADAPTER_PLUGIN_VERSION || (p->flags & ADAPTER_PLUGIN_INTERNAL))
            continue;
        if (p->kind == ADAPTER_PLUGIN_CONNECTOR && nc < KNOWN_MAX)
            connector_variants[nc++] = (fs_schema_variant_t){p->type, schema};
        else if (p->kind == ADAPTER_PLUGIN_SOURCE && ns < KNOWN_MAX)
            source_variants[ns++] = (fs_schema_variant_t){p->type, schema};
        else if (p->kind == ADAPTER_PLUGIN_ACTUATOR && na < KNOWN_MAX)
            actuator_fields[na++] = (fs_schema_field_t)FS_FIELD(p->type, schema);
    }
    actuator_fields[na++] = (fs_schema_field_t)FS_FIELD("limits", actuator_limits);
    built = true;
    return &adapter_schema;
}
