/*  servicenow_incident.c — responder "servicenow-incident": opens, updates
    and closes ServiceNow incidents through the Table API.
      create  POST  /api/now/table/{table}            (input without "sys_id")
      update  PATCH /api/now/table/{table}/{sys_id}   (input with "sys_id": state, close_code,
   close_notes, …) Input fields go to the record as they are, except "summary"/"title" (→
   short_description) and "text" (→ description); config "defaults" (an object) fills fields a
   create leaves out.  Result {"sys_id", "number", "state", "action": "created"|"updated"}. Auth:
   basic (username + password_file|password_env, the default) or oauth2 (client credentials at
   /oauth_token.do).  Creating is not idempotent, so a 5xx is not retried; an update is (PATCH sets
   fields).

   It also speaks the ticket contract of the manual actuator (docs/connectors.md, "Ticket
   contract"), chosen by input "op":
      create  as above; "case_id" goes to correlation_id (the field ServiceNow keeps for an
              outside system's id), correlation_display "fedsoar"; the result adds "id" (the
              sys_id) and "url" (the incident's form)
      get     GET   /api/now/table/{table}/{id}  → "state": open | resolved (6) | closed (7, 8)
      close   PATCH state 7, close_code (config, "Solved (Permanently)"), close_notes = "notes"
   "id" is the sys_id in get/close. */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

#define SN_FIELDS "sysparm_fields=sys_id%2Cnumber%2Cstate&sysparm_exclude_reference_link=true"
#define SN_CLOSE_CODE "Solved (Permanently)"

json_t *servicenow_parse_record(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *rec = json_object_get(j, "result");
    const char *sys_id = json_string_value(json_object_get(rec, "sys_id"));
    const char *number = json_string_value(json_object_get(rec, "number"));
    json_t *res = NULL;
    if (!sys_id || !*sys_id || !number)
        fs_err_set(e, "ServiceNow answered without result.sys_id and result.number");
    else
        res = json_pack("{s:s, s:s, s:O?}", "sys_id", sys_id, "number", number, "state",
                        json_object_get(rec, "state"));
    json_decref(j);
    return res;
}

void servicenow_error_text(const char *body, size_t len, char *out, size_t size)
{
    out[0] = '\0';
    json_t *j = json_loadb(body, len, 0, NULL);
    json_t *err = json_object_get(j, "error");
    const char *msg = json_string_value(json_object_get(err, "message"));
    const char *detail = json_string_value(json_object_get(err, "detail"));
    if (msg)
        snprintf(out, size, "%.200s%s%.200s", msg, detail ? ": " : "", detail ? detail : "");
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    json_decref(j);
}

/* The error result of a request that failed: the transport's or HTTP
   error, then what ServiceNow's error body says. */
static json_t *request_failed(const http_response_t *r, const fs_err_t *e)
{
    char why[420];
    servicenow_error_text(r->body ? r->body : "", r->len, why, sizeof why);
    return connector_error("%s%s%s", e->text, why[0] ? ": " : "", why);
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    const char *table = json_string_value(json_object_get(config, "table"));
    if (table && (!*table || strlen(table) >= 64 ||
                  strspn(table, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(table))) {
        fs_err_set(e, "table: a ServiceNow table name ([a-z0-9_], e.g. \"incident\")");
        return NULL;
    }
    json_t *defaults = json_object_get(config, "defaults");
    if (defaults && !json_is_object(defaults)) {
        fs_err_set(e,
                   "defaults: an object of incident fields (e.g. {\"assignment_group\": \"SOC\"})");
        return NULL;
    }
    if (json_object_get(config, "password")) {
        fs_err_set(
            e, "password: secrets are not accepted inline; name a file with password_file or an "
               "environment variable with password_env");
        return NULL;
    }
    /* The basic-auth password is the HTTP client's api_token. */
    json_t *c = json_deep_copy(config);
    static const char *const keys[][2] = {{"password_file", "api_token_file"},
                                          {"password_env", "api_token_env"}};
    for (size_t i = 0; i < 2; i++)
        if (json_object_get(c, keys[i][0]))
            json_object_set(c, keys[i][1], json_object_get(c, keys[i][0]));
    connector_http_t *s = connector_http_state(
        c, "servicenow", "{\"auth\": \"basic\", \"token_url\": \"/oauth_token.do\"}", e);
    json_decref(c);
    return s;
}

/* The record to send: input minus sys_id, aliases renamed; NULL with *why. */
static json_t *record_fields(const json_t *input, const json_t *defaults, const char **why)
{
    json_t *rec = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)input, k, v)
    {
        if (strcmp(k, "sys_id") == 0 || strcmp(k, "op") == 0 || strcmp(k, "id") == 0)
            continue;
        if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v)) {
            *why = k;
            json_decref(rec);
            return NULL;
        }
        const char *name = strcmp(k, "summary") == 0 || strcmp(k, "title") == 0
                               ? "short_description"
                           : strcmp(k, "text") == 0    ? "description"
                           : strcmp(k, "case_id") == 0 ? "correlation_id"
                                                       : k;
        if (strcmp(k, "case_id") == 0) {
            json_object_set_new(rec, "correlation_display", json_string("fedsoar"));
            if (json_is_integer(v)) {
                json_object_set_new(rec, name,
                                    json_sprintf("%lld", (long long)json_integer_value(v)));
                continue;
            }
        }
        if (!json_object_get(rec, name) || name == k)
            json_object_set(rec, name, v);
    }
    json_object_update_missing(rec, (json_t *)defaults);
    return rec;
}

static bool sys_id_ok(const char *id)
{
    return id && strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32;
}

/* op get: the incident's state in the ticket contract's words. */
static json_t *get_incident(connector_http_t *s, const char *table, const char *sys_id)
{
    char url[256];
    snprintf(url, sizeof url, "/api/now/table/%s/%s?%s", table, sys_id, SN_FIELDS);
    http_response_t r;
    fs_err_t e = {0};
    int rc = http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e);
    json_t *res;
    if (rc != 0) {
        res = request_failed(&r, &e);
    } else {
        json_t *rec = servicenow_parse_record(r.body, r.len, &e);
        if (!rec) {
            res = connector_error("%s", e.text);
        } else {
            /* incident_state: 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled */
            json_t *st = json_object_get(rec, "state");
            char code[16] = "";
            if (json_is_string(st))
                snprintf(code, sizeof code, "%s", json_string_value(st));
            else if (json_is_integer(st))
                snprintf(code, sizeof code, "%lld", (long long)json_integer_value(st));
            const char *word = strcmp(code, "6") == 0                             ? "resolved"
                               : strcmp(code, "7") == 0 || strcmp(code, "8") == 0 ? "closed"
                                                                                  : "open";
            json_object_set_new(rec, "id", json_string(sys_id));
            json_object_set_new(rec, "incident_state", json_string(code));
            json_object_set_new(rec, "state", json_string(word));
            res = connector_ok(rec);
        }
    }
    http_response_clear(&r);
    return res;
}

static json_t *run_record(connector_http_t *s, const json_t *input);

static json_t *run(void *state, const json_t *input)
{
    connector_http_t *s = state;
    const char *op = json_string_value(json_object_get(input, "op"));
    const char *table = json_string_value(json_object_get(s->config, "table"));
    const char *id = json_string_value(json_object_get(input, "id"));
    if (!id)
        id = json_string_value(json_object_get(input, "sys_id"));
    if (!op || strcmp(op, "create") == 0 || strcmp(op, "update") == 0) {
        if (op && strcmp(op, "create") == 0 && json_object_get(input, "sys_id"))
            return connector_error("op \"create\" takes no \"sys_id\"");
        return run_record(s, input);
    }
    if (strcmp(op, "get") != 0 && strcmp(op, "close") != 0)
        return connector_error("op \"%.40s\": create, get, update or close", op);
    if (!sys_id_ok(id))
        return connector_error("op %s needs \"id\": a ServiceNow sys_id (32 hex digits)", op);
    if (strcmp(op, "get") == 0)
        return get_incident(s, table ? table : "incident", id);
    const char *notes = json_string_value(json_object_get(input, "notes"));
    const char *code = json_string_value(json_object_get(s->config, "close_code"));
    json_t *patch =
        json_pack("{s:s, s:s, s:s, s:s}", "sys_id", id, "state", "7", "close_code",
                  code ? code : SN_CLOSE_CODE, "close_notes", notes ? notes : "closed by fedsoar");
    json_t *res = run_record(s, patch);
    json_decref(patch);
    json_t *out = json_object_get(res, "result");
    if (out)
        json_object_set_new(out, "action", json_string("closed"));
    return res;
}

static json_t *run_record(connector_http_t *s, const json_t *input)
{
    const char *table = json_string_value(json_object_get(s->config, "table"));
    const char *sys_id = json_string_value(json_object_get(input, "sys_id"));
    bool update = sys_id != NULL;
    if (update && (strlen(sys_id) != 32 || strspn(sys_id, "0123456789abcdef") != 32))
        return connector_error("sys_id \"%.40s\" is not a ServiceNow sys_id (32 hex digits)",
                               sys_id);
    const char *bad = NULL;
    json_t *body =
        record_fields(input, update ? NULL : json_object_get(s->config, "defaults"), &bad);
    if (!body)
        return connector_error("input field \"%.60s\": a string, number or boolean", bad);
    if (!update && !json_string_value(json_object_get(body, "short_description"))) {
        json_decref(body);
        return connector_error(
            "input needs \"short_description\" (or \"summary\") to open an incident");
    }
    if (update && json_object_size(body) == 0) {
        json_decref(body);
        return connector_error(
            "input has \"sys_id\" but no field to change (state, close_notes, …)");
    }
    char url[256];
    snprintf(url, sizeof url, "/api/now/table/%s%s%s?%s", table ? table : "incident",
             update ? "/" : "", update ? sys_id : "", SN_FIELDS);
    http_response_t r;
    fs_err_t e = {0};
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    /* PATCH sets fields (idempotent); POST creates a record (not repeated after a 5xx). */
    int rc = http_client_request(s->http, update ? "PATCH" : "POST", url, text,
                                 update ? HTTP_IDEMPOTENT : 0, &r, &e);
    free(text);
    json_t *res;
    if (rc != 0) {
        res = request_failed(&r, &e);
    } else {
        json_t *rec = servicenow_parse_record(r.body, r.len, &e);
        if (rec) {
            json_object_set_new(rec, "action", json_string(update ? "updated" : "created"));
            const char *sid = json_string_value(json_object_get(rec, "sys_id"));
            json_object_set_new(rec, "id", json_string(sid));
            json_object_set_new(rec, "url",
                                json_sprintf("%s/nav_to.do?uri=%s.do%%3Fsys_id%%3D%s",
                                             http_client_base(s->http), table ? table : "incident",
                                             sid));
            res = connector_ok(rec);
        } else {
            res = connector_error("%s", e.text);
        }
    }
    http_response_clear(&r);
    return res;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t snow_fields[] = {
    FS_FIELD("table", FS_S_STRING_LEN(1, 63)),
    FS_FIELD("defaults", FS_S_MAP(NULL, FS_S_ANY, 0)),
    FS_FIELD("close_code", FS_S_STRING_LEN(1, 80)),
    FS_FIELD("password_file", FS_S_STRING),
    FS_FIELD("password_env", FS_S_STRING),
    FS_FIELD("password",
             FS_S_INLINE_SECRET("no inline secret (name a file with password_file or an "
                                "environment variable with password_env)")),
    FS_FIELDS_END,
};
static const fs_schema_t snow_schema = {.type = FS_SCHEMA_OBJECT,
                                        .fields = {snow_fields, http_client_fields}};

const adapter_plugin_t connector_servicenow_incident = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "servicenow-incident",
    .summary = "responder: open, read, update or close a ServiceNow incident (Table API); speaks "
               "the ticket contract (op create/get/close)",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &snow_schema,
};
