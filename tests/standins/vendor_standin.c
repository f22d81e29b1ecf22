/*  vendor_standin — one small HTTP server that plays the vendor APIs the
    fedsoar connectors speak, by their documented shapes, for black-box
    tests (tests/connectors/, bash scripts).  Plain HTTP on 127.0.0.1 only.

    vendor_standin --port N --fixtures DIR --record FILE
                   [--client-id ID --client-secret S]   OAuth2 client credentials it accepts
                   [--api-token T] [--username U]       SSWS / bearer / x-apikey / basic secret
                   [--visible crowdstrike=N,okta=N,graph=N]  records served at start (default all)
                   [--rate-limit-once]   first list request per vendor: 429 + Retry-After: 1
                   [--token-uses N]      an OAuth2 token works for N calls, then 401
                   [--fail-5xx-once]     first CrowdStrike entities call: 503

    Vendors and what it checks:
      CrowdStrike  POST /oauth2/token (form client_id, client_secret)
                   GET  /alerts/queries/alerts/v2 (Bearer; filter updated_timestamp:>='TS', limit,
   offset) POST /alerts/entities/alerts/v2 {"composite_ids": [...]} GET
   /devices/queries/devices/v1?filter=hostname:'H' POST
   /devices/entities/devices-actions/v2?action_name=contain|lift_containment {"ids": [...]} GET
   /devices/entities/devices/v2?ids=ID (the alerts' devices; unknown → 404) POST
   /devices/combined/devices/login-history/v1 {"ids": [ID]} (ALPHA-SRV-DB01 → 403) Okta         GET
   /api/v1/logs (SSWS; since, limit, after; Link rel="next" always, as Okta does) GET
   /api/v1/users/{login}, POST /api/v1/users/{id}/lifecycle/suspend, DELETE
   /api/v1/users/{id}/sessions, GET /api/v1/users/{id}/groups GET  /api/v1/logs?filter=actor.id eq
   "ID"&since&limit&sortOrder (fixture okta.system_log/context_user_logs.json; after=offset; Link
   rel="next" always) Microsoft    POST /{tenant}/oauth2/v2.0/token (grant_type, client_id,
   client_secret, scope) GET  /v1.0/security/alerts_v2 ($filter=lastUpdateDateTime ge TS, $top,
   $skiptoken) PATCH /v1.0/users/{u}, POST /v1.0/users/{u}/revokeSignInSessions, GET
   /v1.0/users/{u}, GET /v1.0/users/{u}/memberOf (two pages), GET /v1.0/auditLogs/signIns?$filter=
                   userPrincipalName eq 'U'&$top (microsoft.entra_signin/context_user_signins.json,
   newest first, $skiptoken) GET /api/machines?$filter=computerDnsName eq 'H', POST
   /api/machines/{id}/isolate|unisolate Jira         POST /rest/api/2/issue (Basic) Slack POST
   /api/chat.postMessage (Bearer) VirusTotal   GET  /api/v3/{ip_addresses|files|domains|urls}/{id}
   (x-apikey) PAN-OS       /api/ (XML API, GET or form POST): type=keygen (user, password =
   --client-secret); otherwise X-PAN-KEY (or key=) must be --api-token, else HTTP 403 "Invalid
   Credential"; type=config action=set|delete on vsys1 address/entry and address-group/entry/static
                   (a member must name an existing address: error code 12); type=commit
   cmd=<commit></commit> Teams        POST /webhookb2/<--api-token>/… (the URL is the credential:
   another path → 404); a MessageCard (@type, text) or an Adaptive Card message → 200 "1", else 400
                   "Bad payload received by generic incoming webhook."
      ServiceNow   POST /oauth_token.do (form grant_type=client_credentials, client_id,
   client_secret) POST /api/now/table/incident, PATCH /api/now/table/incident/{sys_id} (Basic
   username:--api-token, or a Bearer token; JSON object body; short_description "fail-500" → 500;
   state 6/7 without close_code + close_notes → 403 data policy; unknown sys_id → 404) Intel (a
   site's own JSON service, for http-json; header X-Api-Key = --api-token, else 401) POST
   /intel/v1/lookup {"indicator": string, …} → {"data": {"attributes": {"verdict", "a/b", "m~n"},
   "tags": [...]}}; indicator "huge" → a 200 KiB answer GET  /intel/v1/search?q=… → {"query": q as
   received, "hits": N} Control: GET /_standin/stats, POST /_standin/release?vendor=V&count=N. Every
   action request is appended as one JSON line to the record file. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY (1 << 20)
#define MAX_TOKENS 64

enum { V_CS, V_OKTA, V_GRAPH, V_MDE, V_SIGNIN, V_AUDIT, V_SENTINEL, V_S1, V_COUNT };
static const char *const vendor_names[V_COUNT] = {
    "crowdstrike", "okta", "graph", "mde", "signin", "audit", "sentinel", "sentinelone"};

static struct {
    pthread_mutex_t lock;
    const char *client_id, *client_secret, *api_token, *username, *record;
    char basic[512];
    int port;
    json_t *data[V_COUNT]; /* sorted records */
    size_t visible[V_COUNT];
    bool rate_limit_once, limited[V_COUNT], fail_5xx_once, failed_5xx;
    long token_uses;
    struct {
        char value[64];
        long uses_left;
    } tokens[MAX_TOKENS];
    int ntokens, token_seq, jira_seq;
    long tokens_issued, rate_limited, unauthorized, server_errors, actions, requests;
} S = {.lock = PTHREAD_MUTEX_INITIALIZER};

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* ---- helpers -------------------------------------------------------------------- */

/* "2025-04-03T10:00:00.1234567Z" -> "20250403100000123456700" (sortable). */
static void ts_key(const char *ts, char out[32])
{
    char iso[40];
    if (ts[0] && strspn(ts, "0123456789.") == strlen(ts)) { /* epoch seconds (Splunk _time) */
        time_t t = (time_t)strtoll(ts, NULL, 10);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &tm);
        ts = iso;
    }
    size_t o = 0;
    const char *p = ts;
    for (; *p && *p != '.' && *p != 'Z' && *p != '+' && o < 14; p++)
        if (*p >= '0' && *p <= '9')
            out[o++] = *p;
    while (o < 14)
        out[o++] = '0';
    size_t f = 0;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9' && f < 9; p++, f++)
            out[o++] = *p;
    for (; f < 9; f++)
        out[o++] = '0';
    out[o] = '\0';
}

static int ts_cmp(const char *a, const char *b)
{
    char ka[32], kb[32];
    ts_key(a, ka);
    ts_key(b, kb);
    return strcmp(ka, kb);
}

static const char *ts_field[V_COUNT] = {"updated_timestamp",
                                        "published",
                                        "lastUpdateDateTime",
                                        "lastUpdateTime",
                                        "createdDateTime",
                                        "activityDateTime",
                                        "properties.lastModifiedTimeUtc",
                                        "threatInfo.updatedAt"};
/* The timestamp of a record of vendor v ("" when it has none). */
static const char *get_ts(int v, const json_t *rec)
{
    const char *f = ts_field[v], *dot = strchr(f, '.');
    if (dot) {
        char outer[64];
        snprintf(outer, sizeof outer, "%.*s", (int)(dot - f), f);
        rec = json_object_get(rec, outer);
        f = dot + 1;
    }
    const char *s = json_string_value(json_object_get(rec, f));
    return s ? s : "";
}
static int sort_vendor;
static int by_ts(const void *a, const void *b)
{
    return ts_cmp(get_ts(sort_vendor, *(json_t *const *)a),
                  get_ts(sort_vendor, *(json_t *const *)b));
}

static json_t *load_sorted(const char *dir, const char *rel, int v)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (json_is_object(j) && json_is_array(json_object_get(j, "value"))) { /* an OData page */
        json_t *value = json_incref(json_object_get(j, "value"));
        json_decref(j);
        j = value;
    }
    if (!json_is_array(j)) {
        fprintf(stderr, "vendor_standin: %s: %s\n", path, err.text);
        exit(2);
    }
    size_t n = json_array_size(j);
    json_t **items = calloc(n ? n : 1, sizeof *items);
    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get(j, i);
    sort_vendor = v;
    qsort(items, n, sizeof *items, by_ts);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(out, items[i]);
    free(items);
    json_decref(j);
    return out;
}

static void record(json_t *rec)
{
    FILE *f = fopen(S.record, "a");
    if (f) {
        char *s = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(f, "%s\n", s);
        free(s);
        fflush(f);
        fsync(fileno(f));
        fclose(f);
    }
    S.actions++;
    json_decref(rec);
}

static void b64(const char *in, char *out, size_t size)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), o = 0;
    for (size_t i = 0; i < n && o + 5 < size; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[o++] = t[(v >> 18) & 63];
        out[o++] = t[(v >> 12) & 63];
        out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = '\0';
}

/* Value of key in an x-www-form-urlencoded body (decoded into out). */
static bool form_get(const char *body, const char *key, char *out, size_t size)
{
    size_t kl = strlen(key);
    for (const char *p = body; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t o = 0;
            for (size_t i = kl + 1; i < len && o + 1 < size; i++) {
                if (p[i] == '%' && i + 2 < len) {
                    char hex[3] = {p[i + 1], p[i + 2], 0};
                    out[o++] = (char)strtol(hex, NULL, 16);
                    i += 2;
                } else {
                    out[o++] = p[i] == '+' ? ' ' : p[i];
                }
            }
            out[o] = '\0';
            return true;
        }
        p = amp ? amp + 1 : NULL;
    }
    return false;
}

typedef struct {
    char *buf;
    size_t len;
    bool too_big;
} body_t;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, json_t *body,
                             const char *h1, const char *v1)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : strdup("");
    json_decref(body);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (h1)
        MHD_add_response_header(r, h1, v1);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static const char *hdr(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static const char *arg(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* ---- auth ----------------------------------------------------------------------- */

static enum MHD_Result oauth_token(struct MHD_Connection *c, const char *body, bool microsoft)
{
    char id[256] = "", secret[512] = "", grant[64] = "", scope[256] = "";
    const char *ct = hdr(c, "Content-Type");
    if (!ct || !strstr(ct, "application/x-www-form-urlencoded"))
        return reply(c, 400, json_pack("{s:s}", "error", "invalid_request"), NULL, NULL);
    form_get(body, "client_id", id, sizeof id);
    form_get(body, "client_secret", secret, sizeof secret);
    form_get(body, "grant_type", grant, sizeof grant);
    form_get(body, "scope", scope, sizeof scope);
    if (microsoft && (strcmp(grant, "client_credentials") != 0 || !strstr(scope, "/.default")))
        return reply(
            c, 400,
            json_pack(
                "{s:s, s:s}", "error", "invalid_request", "error_description",
                "AADSTS900144: grant_type client_credentials and a /.default scope are required"),
            NULL, NULL);
    if (strcmp(id, S.client_id) != 0 || strcmp(secret, S.client_secret) != 0) {
        S.unauthorized++;
        return reply(c, microsoft ? 401 : 403,
                     json_pack("{s:s, s:s}", "error", "invalid_client", "error_description",
                               "bad client credentials"),
                     NULL, NULL);
    }
    int slot = S.ntokens < MAX_TOKENS ? S.ntokens++ : S.token_seq % MAX_TOKENS;
    snprintf(S.tokens[slot].value, sizeof S.tokens[slot].value, "standin-token-%d-%ld",
             ++S.token_seq, (long)getpid());
    S.tokens[slot].uses_left = S.token_uses > 0 ? S.token_uses : 1000000;
    S.tokens_issued++;
    return reply(c, microsoft ? 200 : 201,
                 json_pack("{s:s, s:s, s:i}", "access_token", S.tokens[slot].value, "token_type",
                           microsoft ? "Bearer" : "bearer", "expires_in", 1799),
                 NULL, NULL);
}

static bool bearer_ok(struct MHD_Connection *c)
{
    const char *a = hdr(c, "Authorization");
    if (!a || strncmp(a, "Bearer ", 7) != 0)
        return false;
    for (int i = 0; i < S.ntokens; i++)
        if (strcmp(S.tokens[i].value, a + 7) == 0 && S.tokens[i].uses_left > 0) {
            S.tokens[i].uses_left--;
            return true;
        }
    return false;
}

static enum MHD_Result deny(struct MHD_Connection *c, int v)
{
    S.unauthorized++;
    if (v == V_CS)
        return reply(c, 401,
                     json_pack("{s:[], s:[{s:i, s:s}]}", "resources", "errors", "code", 401,
                               "message", "access denied, invalid bearer token"),
                     NULL, NULL);
    if (v == V_OKTA)
        return reply(c, 401,
                     json_pack("{s:s, s:s}", "errorCode", "E0000011", "errorSummary",
                               "Invalid token provided"),
                     NULL, NULL);
    return reply(c, 401,
                 json_pack("{s:{s:s, s:s}}", "error", "code", "InvalidAuthenticationToken",
                           "message", "Access token has expired or is not yet valid."),
                 "WWW-Authenticate", "Bearer");
}

static bool rate_limited(int v)
{
    if (S.rate_limit_once && !S.limited[v]) {
        S.limited[v] = true;
        S.rate_limited++;
        return true;
    }
    return false;
}

/* ---- CrowdStrike ---------------------------------------------------------------------- */

static enum MHD_Result cs_query(struct MHD_Connection *c)
{
    const char *filter = arg(c, "filter");
    const char *q = filter ? strchr(filter, '\'') : NULL;
    char since[64] = "";
    bool inclusive = filter && strstr(filter, ">=");
    if (!filter || strncmp(filter, "updated_timestamp:>", 19) != 0 || !q ||
        snprintf(since, sizeof since, "%s", q + 1) >= (int)sizeof since)
        return reply(c, 400,
                     json_pack("{s:[], s:[{s:i, s:s}]}", "resources", "errors", "code", 400,
                               "message", "invalid filter"),
                     NULL, NULL);
    since[strcspn(since, "'")] = '\0';
    long limit = arg(c, "limit") ? strtol(arg(c, "limit"), NULL, 10) : 100;
    long offset = arg(c, "offset") ? strtol(arg(c, "offset"), NULL, 10) : 0;
    if (limit < 1 || limit > 10000 || offset < 0)
        return reply(c, 400,
                     json_pack("{s:[], s:[{s:i, s:s}]}", "resources", "errors", "code", 400,
                               "message", "invalid limit or offset"),
                     NULL, NULL);
    json_t *match = json_array();
    for (size_t i = 0; i < S.visible[V_CS]; i++) {
        json_t *a = json_array_get(S.data[V_CS], i);
        int cmp = ts_cmp(json_string_value(json_object_get(a, "updated_timestamp")), since);
        if (cmp > 0 || (cmp == 0 && inclusive))
            json_array_append(match, json_object_get(a, "composite_id"));
    }
    json_t *ids = json_array();
    for (long i = offset; i < offset + limit && (size_t)i < json_array_size(match); i++)
        json_array_append(ids, json_array_get(match, (size_t)i));
    json_t *body =
        json_pack("{s:{s:f, s:{s:I, s:I, s:I}}, s:o, s:[]}", "meta", "query_time", 0.001,
                  "pagination", "offset", (json_int_t)offset, "limit", (json_int_t)limit, "total",
                  (json_int_t)json_array_size(match), "resources", ids, "errors");
    json_decref(match);
    return reply(c, 200, body, NULL, NULL);
}

static enum MHD_Result cs_entities(struct MHD_Connection *c, const char *body)
{
    if (S.fail_5xx_once && !S.failed_5xx) {
        S.failed_5xx = true;
        S.server_errors++;
        return reply(c, 503,
                     json_pack("{s:[], s:[{s:i, s:s}]}", "resources", "errors", "code", 503,
                               "message", "service unavailable"),
                     NULL, NULL);
    }
    json_t *req = json_loads(body, 0, NULL);
    json_t *ids = json_object_get(req, "composite_ids");
    if (!json_is_array(ids) || json_array_size(ids) == 0 || json_array_size(ids) > 1000) {
        json_decref(req);
        return reply(c, 400,
                     json_pack("{s:[], s:[{s:i, s:s}]}", "resources", "errors", "code", 400,
                               "message", "composite_ids: 1-1000 ids required"),
                     NULL, NULL);
    }
    json_t *out = json_array();
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        for (size_t k = 0; k < S.visible[V_CS]; k++) {
            json_t *a = json_array_get(S.data[V_CS], k);
            if (json_equal(json_object_get(a, "composite_id"), id))
                json_array_append(out, a);
        }
    }
    json_decref(req);
    return reply(
        c, 200,
        json_pack("{s:{s:f}, s:o, s:[]}", "meta", "query_time", 0.002, "resources", out, "errors"),
        NULL, NULL);
}

static enum MHD_Result cs_devices(struct MHD_Connection *c)
{
    const char *filter = arg(c, "filter");
    json_t *ids = json_array();
    if (filter && strncmp(filter, "hostname:'", 10) == 0) {
        char host[256];
        snprintf(host, sizeof host, "%s", filter + 10);
        host[strcspn(host, "'")] = '\0';
        for (size_t k = 0; k < json_array_size(S.data[V_CS]); k++) {
            json_t *d = json_object_get(json_array_get(S.data[V_CS], k), "device");
            if (strcmp(json_string_value(json_object_get(d, "hostname")), host) == 0) {
                json_array_append(ids, json_object_get(d, "device_id"));
                break;
            }
        }
    }
    return reply(c, 200,
                 json_pack("{s:{s:{s:I}}, s:o, s:[]}", "meta", "pagination", "total",
                           (json_int_t)json_array_size(ids), "resources", ids, "errors"),
                 NULL, NULL);
}

static enum MHD_Result cs_action(struct MHD_Connection *c, const char *body)
{
    const char *an = arg(c, "action_name");
    json_t *req = json_loads(body, 0, NULL);
    json_t *ids = json_object_get(req, "ids");
    if (!an || (strcmp(an, "contain") != 0 && strcmp(an, "lift_containment") != 0) ||
        !json_is_array(ids) || json_array_size(ids) == 0) {
        json_decref(req);
        return reply(c, 400,
                     json_pack("{s:[], s:[{s:i, s:s}]}", "resources", "errors", "code", 400,
                               "message", "action_name contain|lift_containment and ids required"),
                     NULL, NULL);
    }
    record(json_pack("{s:s, s:s, s:O}", "vendor", "crowdstrike", "action", an, "ids", ids));
    json_t *res = json_pack("[{s:O, s:s}]", "id", json_array_get(ids, 0), "path",
                            "/devices/entities/devices/v1");
    json_decref(req);
    return reply(
        c, 202,
        json_pack("{s:{s:f}, s:o, s:[]}", "meta", "query_time", 0.01, "resources", res, "errors"),
        NULL, NULL);
}

/* The device (from the alerts' device objects) with this id, or NULL. */
static json_t *cs_device(const char *id)
{
    for (size_t k = 0; id && k < json_array_size(S.data[V_CS]); k++) {
        json_t *d = json_object_get(json_array_get(S.data[V_CS], k), "device");
        if (strcmp(json_string_value(json_object_get(d, "device_id")), id) == 0)
            return d;
    }
    return NULL;
}

static enum MHD_Result cs_device_entities(struct MHD_Connection *c)
{
    json_t *d = cs_device(arg(c, "ids"));
    if (!d)
        return reply(c, 404,
                     json_pack("{s:{s:f}, s:[], s:[{s:i, s:s}]}", "meta", "query_time", 0.001,
                               "resources", "errors", "code", 404, "message", "no devices found"),
                     NULL, NULL);
    json_t *dev = json_deep_copy(d);
    json_t *more =
        json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "cid", "c0ffee00000000000000000000000000",
                  "os_version", "Windows 11", "last_seen", "2026-01-07T10:00:00Z", "status",
                  "normal", "tags", "FalconGroupingTags/SOC");
    json_object_update(dev, more);
    json_decref(more);
    return reply(c, 200,
                 json_pack("{s:{s:f}, s:[o], s:[]}", "meta", "query_time", 0.002, "resources", dev,
                           "errors"),
                 NULL, NULL);
}

static enum MHD_Result cs_login_history(struct MHD_Connection *c, const char *body)
{
    json_t *req = json_loads(body, 0, NULL);
    const char *id = json_string_value(json_array_get(json_object_get(req, "ids"), 0));
    json_t *d = cs_device(id);
    enum MHD_Result ret;
    if (!d)
        ret = reply(c, 400,
                    json_pack("{s:[], s:[{s:i, s:s}]}", "resources", "errors", "code", 400,
                              "message", "ids: known device ids required"),
                    NULL, NULL);
    else if (strcmp(json_string_value(json_object_get(d, "hostname")), "ALPHA-SRV-DB01") == 0)
        ret = reply(c, 403,
                    json_pack("{s:[], s:[{s:i, s:s}]}", "resources", "errors", "code", 403,
                              "message", "access denied, authorization failed"),
                    NULL, NULL);
    else
        ret = reply(c, 200,
                    json_pack("{s:{s:f}, s:[{s:s, s:[{s:s, s:s}, {s:s, s:s}]}], s:[]}", "meta",
                              "query_time", 0.003, "resources", "device_id", id, "recent_logins",
                              "login_time", "2026-01-07T08:00:00Z", "user_name", "ALPHA\\j.doe",
                              "login_time", "2026-01-06T22:00:00Z", "user_name",
                              "ALPHA\\svc-backup", "errors"),
                    NULL, NULL);
    json_decref(req);
    return ret;
}

/* ---- Okta ------------------------------------------------------------------------------ */

static bool ssws_ok(struct MHD_Connection *c)
{
    const char *a = hdr(c, "Authorization");
    return a && strncmp(a, "SSWS ", 5) == 0 && strcmp(a + 5, S.api_token) == 0;
}

static enum MHD_Result okta_logs(struct MHD_Connection *c)
{
    const char *since = arg(c, "since"), *after = arg(c, "after");
    long limit = arg(c, "limit") ? strtol(arg(c, "limit"), NULL, 10) : 100;
    if (!since || limit < 1 || limit > 1000)
        return reply(c, 400,
                     json_pack("{s:s, s:s}", "errorCode", "E0000001", "errorSummary",
                               "Api validation failed: since and limit 1-1000"),
                     NULL, NULL);
    json_t *page = json_array();
    bool past_after = after == NULL;
    const char *last = after;
    for (size_t i = 0; i < S.visible[V_OKTA] && json_array_size(page) < (size_t)limit; i++) {
        json_t *ev = json_array_get(S.data[V_OKTA], i);
        if (!past_after) {
            past_after = strcmp(json_string_value(json_object_get(ev, "uuid")), after) == 0;
            continue;
        }
        if (ts_cmp(json_string_value(json_object_get(ev, "published")), since) < 0)
            continue;
        json_array_append(page, ev);
        last = json_string_value(json_object_get(ev, "uuid"));
    }
    char link[2048];
    snprintf(link, sizeof link,
             "<http://127.0.0.1:%d/api/v1/logs?since=%s&limit=%ld%s%s>; rel=\"next\"", S.port,
             since, limit, last ? "&after=" : "", last ? last : "");
    return reply(c, 200, page, "Link", link);
}

static enum MHD_Result okta_user(struct MHD_Connection *c, const char *method, const char *rest)
{
    /* rest: "{login}" | "{id}/lifecycle/suspend" | "{id}/sessions" */
    if (strcmp(method, "GET") == 0 && !strchr(rest, '/')) {
        if (strncmp(rest, "nobody", 6) == 0)
            return reply(c, 404,
                         json_pack("{s:s, s:s}", "errorCode", "E0000007", "errorSummary",
                                   "Not found: Resource not found (User)"),
                         NULL, NULL);
        char id[64];
        snprintf(id, sizeof id, "00u%017lu", (unsigned long)strlen(rest) * 7919u);
        if (strcmp(rest, "j.doe@alpha.example") == 0)
            snprintf(id, sizeof id, "00ujdoe0000000000001");
        return reply(c, 200,
                     json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "id", id, "status", "ACTIVE",
                               "lastLogin", "2026-01-07T08:00:00.000Z", "profile", "login", rest,
                               "email", rest, "displayName", "Jane Doe"),
                     NULL, NULL);
    }
    const char *slash = strchr(rest, '/');
    if (!slash)
        return reply(c, 404, json_pack("{s:s}", "errorCode", "E0000022"), NULL, NULL);
    char id[64];
    snprintf(id, sizeof id, "%.*s", (int)(slash - rest), rest);
    if (strcmp(method, "GET") == 0 && strcmp(slash, "/groups") == 0)
        return reply(c, 200,
                     json_pack("[{s:s, s:s, s:{s:s}}, {s:s, s:s, s:{s:s}}]", "id",
                               "00g1everyone0000001", "type", "BUILT_IN", "profile", "name",
                               "Everyone", "id", "00g1socadmins00001", "type", "OKTA_GROUP",
                               "profile", "name", "SOC-Admins"),
                     NULL, NULL);
    if (strcmp(method, "POST") == 0 && strcmp(slash, "/lifecycle/suspend") == 0) {
        record(json_pack("{s:s, s:s, s:s}", "vendor", "okta", "action", "suspend", "user_id", id));
        return reply(c, 200, json_object(), NULL, NULL);
    }
    if (strcmp(method, "DELETE") == 0 && strcmp(slash, "/sessions") == 0) {
        record(json_pack("{s:s, s:s, s:s}", "vendor", "okta", "action", "clear_sessions", "user_id",
                         id));
        return reply(c, 204, NULL, NULL, NULL);
    }
    return reply(c, 404, json_pack("{s:s}", "errorCode", "E0000022"), NULL, NULL);
}

static json_t *okta_user_logs_data, *entra_user_signins_data; /* fixtures context_user_*.json */

/* A page of a user's events (Okta: the filter names actor.id). */
static enum MHD_Result okta_user_logs(struct MHD_Connection *c, const char *filter)
{
    const char *since = arg(c, "since"), *order = arg(c, "sortOrder"), *after = arg(c, "after");
    long limit = arg(c, "limit") ? strtol(arg(c, "limit"), NULL, 10) : 100;
    char id[64] = "";
    if (strncmp(filter, "actor.id eq \"", 13) != 0 ||
        snprintf(id, sizeof id, "%s", filter + 13) >= (int)sizeof id || !strchr(id, '"') ||
        !since || limit < 1 || limit > 1000)
        return reply(
            c, 400,
            json_pack("{s:s, s:s}", "errorCode", "E0000031", "errorSummary",
                      "Invalid search criteria: filter actor.id eq \"ID\", since, limit 1-1000"),
            NULL, NULL);
    id[strcspn(id, "\"")] = '\0';
    bool desc = order && strcmp(order, "DESCENDING") == 0;
    json_t *match = json_array();
    size_t n = json_array_size(okta_user_logs_data);
    for (size_t k = 0; k < n; k++) {
        json_t *ev = json_array_get(okta_user_logs_data, desc ? n - 1 - k : k);
        if (strcmp(json_string_value(json_object_get(json_object_get(ev, "actor"), "id")), id) ==
                0 &&
            ts_cmp(json_string_value(json_object_get(ev, "published")), since) >= 0)
            json_array_append(match, ev);
    }
    long start = after ? strtol(after, NULL, 10) : 0;
    json_t *page = json_array();
    for (long k = start; k < start + limit && (size_t)k < json_array_size(match); k++)
        json_array_append(page, json_array_get(match, (size_t)k));
    json_decref(match);
    char link[2048];
    snprintf(
        link, sizeof link,
        "<http://127.0.0.1:%d/api/v1/logs?filter=actor.id%%20eq%%20%%22%s%%22&since=%s&limit=%ld"
        "&sortOrder=%s&after=%ld>; rel=\"next\"",
        S.port, id, since, limit, desc ? "DESCENDING" : "ASCENDING",
        start + (long)json_array_size(page));
    return reply(c, 200, page, "Link", link);
}

/* A user's sign-ins (Graph: $filter=userPrincipalName eq 'U'), newest first. */
static enum MHD_Result graph_user_signins(struct MHD_Connection *c, const char *filter)
{
    const char *p = strstr(filter, "userPrincipalName eq '");
    long top = arg(c, "$top") ? strtol(arg(c, "$top"), NULL, 10) : 1000;
    long skip = arg(c, "$skiptoken") ? strtol(arg(c, "$skiptoken"), NULL, 10) : 0;
    char upn[256];
    if (!p || snprintf(upn, sizeof upn, "%s", p + 22) >= (int)sizeof upn || !strchr(upn, '\'') ||
        top < 1 || top > 1000)
        return reply(c, 400,
                     json_pack("{s:{s:s, s:s}}", "error", "code", "BadRequest", "message",
                               "Invalid filter clause"),
                     NULL, NULL);
    upn[strcspn(upn, "'")] = '\0';
    json_t *all = json_object_get(entra_user_signins_data, "value"), *match = json_array();
    for (size_t k = json_array_size(all); k-- > 0;)
        if (strcmp(json_string_value(json_object_get(json_array_get(all, k), "userPrincipalName")),
                   upn) == 0)
            json_array_append(match, json_array_get(all, k));
    json_t *value = json_array();
    for (long k = skip; k < skip + top && (size_t)k < json_array_size(match); k++)
        json_array_append(value, json_array_get(match, (size_t)k));
    json_t *body = json_pack("{s:o}", "value", value);
    if ((size_t)(skip + top) < json_array_size(match)) {
        char next[1024];
        snprintf(
            next, sizeof next,
            "http://127.0.0.1:%d/v1.0/auditLogs/signIns?$filter=userPrincipalName%%20eq%%20'%s'"
            "&$top=%ld&$skiptoken=%ld",
            S.port, upn, top, skip + top);
        json_object_set_new(body, "@odata.nextLink", json_string(next));
    }
    json_decref(match);
    return reply(c, 200, body, NULL, NULL);
}

/* ---- Microsoft ---------------------------------------------------------------------------- */

/* An OData collection page of vendor v: $filter=FIELD ge|gt T, $top, $skiptoken;
   the next page's link under link_name. */
static enum MHD_Result odata(struct MHD_Connection *c, int v, const char *field, const char *url,
                             const char *fixed, const char *link_name)
{
    const char *filter = arg(c, "$filter");
    long top = arg(c, "$top") ? strtol(arg(c, "$top"), NULL, 10) : 100;
    long skip = arg(c, "$skiptoken") ? strtol(arg(c, "$skiptoken"), NULL, 10) : 0;
    char since[64] = "", pat[80];
    bool inclusive = false;
    snprintf(pat, sizeof pat, "%s ", field);
    if (filter) {
        const char *p = strstr(filter, pat);
        size_t fl = strlen(pat);
        if (!p || (strncmp(p + fl, "ge ", 3) != 0 && strncmp(p + fl, "gt ", 3) != 0))
            return reply(c, 400,
                         json_pack("{s:{s:s, s:s}}", "error", "code", "BadRequest", "message",
                                   "Invalid filter clause"),
                         NULL, NULL);
        inclusive = p[fl + 1] == 'e';
        snprintf(since, sizeof since, "%s", p + fl + 3);
        since[strcspn(since, " ")] = '\0';
    }
    if (top < 1 || top > 10000)
        return reply(c, 400,
                     json_pack("{s:{s:s, s:s}}", "error", "code", "BadRequest", "message",
                               "$top out of range"),
                     NULL, NULL);
    json_t *match = json_array();
    for (size_t i = 0; i < S.visible[v]; i++) {
        json_t *a = json_array_get(S.data[v], i);
        int cmp = since[0] ? ts_cmp(get_ts(v, a), since) : 1;
        if (cmp > 0 || (cmp == 0 && inclusive))
            json_array_append(match, a);
    }
    json_t *value = json_array();
    for (long i = skip; i < skip + top && (size_t)i < json_array_size(match); i++)
        json_array_append(value, json_array_get(match, (size_t)i));
    json_t *body = json_pack("{s:o}", "value", value);
    if ((size_t)(skip + top) < json_array_size(match)) {
        char next[2048], enc[1024];
        size_t o = 0;
        for (const char *p = filter ? filter : ""; *p && o + 4 < sizeof enc; p++) {
            if (*p == ' ') {
                memcpy(enc + o, "%20", 3);
                o += 3;
            } else {
                enc[o++] = *p;
            }
        }
        enc[o] = '\0';
        snprintf(next, sizeof next, "http://127.0.0.1:%d%s?%s$filter=%s&$top=%ld&$skiptoken=%ld",
                 S.port, url, fixed, enc, top, skip + top);
        json_object_set_new(body, link_name, json_string(next));
    }
    json_decref(match);
    return reply(c, 200, body, NULL, NULL);
}

static enum MHD_Result graph_alerts(struct MHD_Connection *c)
{
    return odata(c, V_GRAPH, "lastUpdateDateTime", "/v1.0/security/alerts_v2", "",
                 "@odata.nextLink");
}

static enum MHD_Result graph_users(struct MHD_Connection *c, const char *method, const char *rest,
                                   const char *body)
{
    const char *slash = strchr(rest, '/');
    char user[256];
    snprintf(user, sizeof user, "%.*s", slash ? (int)(slash - rest) : (int)strlen(rest), rest);
    if (strncmp(user, "nobody", 6) == 0)
        return reply(c, 404,
                     json_pack("{s:{s:s, s:s}}", "error", "code", "Request_ResourceNotFound",
                               "message", "Resource does not exist"),
                     NULL, NULL);
    if (strcmp(method, "GET") == 0 && !slash)
        return reply(c, 200,
                     json_pack("{s:s, s:s, s:s, s:s, s:b}", "id",
                               "1f2e3d4c-0000-4000-8000-0000000000aa", "userPrincipalName", user,
                               "mail", user, "displayName", "Jane Doe", "accountEnabled", 1),
                     NULL, NULL);
    if (strcmp(method, "GET") == 0 && slash && strcmp(slash, "/memberOf") == 0) {
        const char *skip = arg(c, "$skiptoken");
        if (skip && strcmp(skip, "2") == 0)
            return reply(c, 200,
                         json_pack("{s:[{s:s, s:s}]}", "value", "@odata.type",
                                   "#microsoft.graph.directoryRole", "displayName",
                                   "Security Reader"),
                         NULL, NULL);
        char next[512];
        snprintf(next, sizeof next,
                 "http://127.0.0.1:%d/v1.0/users/%s/memberOf?$select=displayName&$skiptoken=2",
                 S.port, user);
        return reply(c, 200,
                     json_pack("{s:[{s:s, s:s}, {s:s, s:s}], s:s}", "value", "@odata.type",
                               "#microsoft.graph.group", "displayName", "All Staff", "@odata.type",
                               "#microsoft.graph.group", "displayName", "SOC Analysts",
                               "@odata.nextLink", next),
                     NULL, NULL);
    }
    if (strcmp(method, "PATCH") == 0 && !slash) {
        json_t *req = json_loads(body, 0, NULL);
        bool ok = json_is_false(json_object_get(req, "accountEnabled"));
        json_decref(req);
        if (!ok)
            return reply(c, 400, json_pack("{s:{s:s}}", "error", "code", "BadRequest"), NULL, NULL);
        record(json_pack("{s:s, s:s, s:s}", "vendor", "entra", "action", "disable", "user", user));
        return reply(c, 204, NULL, NULL, NULL);
    }
    if (strcmp(method, "POST") == 0 && slash && strcmp(slash, "/revokeSignInSessions") == 0) {
        record(json_pack("{s:s, s:s, s:s}", "vendor", "entra", "action", "revoke_sessions", "user",
                         user));
        return reply(c, 200, json_pack("{s:b}", "value", 1), NULL, NULL);
    }
    return reply(c, 405, json_pack("{s:{s:s}}", "error", "code", "MethodNotAllowed"), NULL, NULL);
}

static enum MHD_Result mde(struct MHD_Connection *c, const char *method, const char *rest,
                           const char *body)
{
    if (strcmp(method, "GET") == 0 && rest[0] == '\0') {
        const char *f = arg(c, "$filter");
        json_t *v = json_array();
        if (f && strstr(f, "computerDnsName eq '") && strstr(f, ".beta.example'"))
            json_array_append_new(v, json_pack("{s:s, s:s}", "id",
                                               "73e7e2de709dff64ef64b1d0c30e67fab63279db",
                                               "computerDnsName", strchr(f, '\'') + 1));
        return reply(c, 200, json_pack("{s:o}", "value", v), NULL, NULL);
    }
    const char *slash = strchr(rest, '/');
    if (strcmp(method, "POST") != 0 || !slash)
        return reply(c, 404, json_pack("{s:{s:s}}", "error", "code", "ResourceNotFound"), NULL,
                     NULL);
    char id[128];
    snprintf(id, sizeof id, "%.*s", (int)(slash - rest), rest);
    bool iso = strcmp(slash, "/isolate") == 0;
    if (!iso && strcmp(slash, "/unisolate") != 0)
        return reply(c, 404, json_pack("{s:{s:s}}", "error", "code", "ResourceNotFound"), NULL,
                     NULL);
    json_t *req = json_loads(body, 0, NULL);
    const char *comment = json_string_value(json_object_get(req, "Comment"));
    if (!comment || (iso && !json_is_string(json_object_get(req, "IsolationType")))) {
        json_decref(req);
        return reply(c, 400,
                     json_pack("{s:{s:s, s:s}}", "error", "code", "InvalidInput", "message",
                               "Comment (and IsolationType) required"),
                     NULL, NULL);
    }
    json_decref(req);
    record(json_pack("{s:s, s:s, s:s}", "vendor", "defender", "action",
                     iso ? "isolate" : "unisolate", "machine_id", id));
    return reply(c, 201,
                 json_pack("{s:s, s:s, s:s}", "id", "b5f6c7d8-0000-4000-8000-000000000001", "type",
                           iso ? "Isolate" : "Unisolate", "status", "Pending"),
                 NULL, NULL);
}

/* ---- SentinelOne ----------------------------------------------------------------------------- */

/* ---- Splunk ---------------------------------------------------------------------------------- */

static json_t *splunk_rows;

static enum MHD_Result splunk_export(struct MHD_Connection *c, const char *body)
{
    const char *a = hdr(c, "Authorization");
    if (!a || strncmp(a, "Bearer ", 7) != 0 || strcmp(a + 7, S.api_token) != 0) {
        S.unauthorized++;
        return reply(c, 401,
                     json_pack("{s:[{s:s, s:s}]}", "messages", "type", "WARN", "text",
                               "call not properly authenticated"),
                     NULL, NULL);
    }
    char search[2048] = "", mode[32] = "", earliest[32] = "";
    form_get(body, "search", search, sizeof search);
    form_get(body, "output_mode", mode, sizeof mode);
    form_get(body, "earliest_time", earliest, sizeof earliest);
    if (!search[0] || strcmp(mode, "json") != 0)
        return reply(c, 400,
                     json_pack("{s:[{s:s, s:s}]}", "messages", "type", "FATAL", "text",
                               "search and output_mode=json required"),
                     NULL, NULL);
    char since[32] = "";
    if (earliest[0]) {
        time_t t = (time_t)strtoll(earliest, NULL, 10);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%S", &tm);
    }
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    size_t i, off = 0;
    json_t *row;
    json_array_foreach(splunk_rows, i, row)
    {
        if (since[0] && ts_cmp(json_string_value(json_object_get(row, "_time")), since) < 0)
            continue;
        json_t *line =
            json_pack("{s:b, s:I, s:O}", "preview", 0, "offset", (json_int_t)off++, "result", row);
        char *t = json_dumps(line, JSON_COMPACT);
        json_decref(line);
        size_t n = strlen(t);
        if (len + n + 2 > cap)
            out = realloc(out, cap = (len + n + 2) * 2);
        memcpy(out + len, t, n);
        len += n;
        out[len++] = '\n';
        free(t);
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(len, out, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result s1_threats(struct MHD_Connection *c)
{
    const char *a = hdr(c, "Authorization");
    if (!a || strncmp(a, "ApiToken ", 9) != 0 || strcmp(a + 9, S.api_token) != 0) {
        S.unauthorized++;
        return reply(c, 401,
                     json_pack("{s:[{s:i, s:s, s:s}]}", "errors", "code", 4010010, "title",
                               "Authentication Failed", "detail", "Invalid token"),
                     NULL, NULL);
    }
    const char *since = arg(c, "updatedAt__gte"), *cursor = arg(c, "cursor");
    long limit = arg(c, "limit") ? strtol(arg(c, "limit"), NULL, 10) : 10;
    long start = cursor && cursor[0] == 'c' ? strtol(cursor + 1, NULL, 10) : 0;
    if (limit < 1 || limit > 1000 || start < 0)
        return reply(
            c, 400,
            json_pack("{s:[{s:i, s:s}]}", "errors", "code", 4000010, "title", "Validation Error"),
            NULL, NULL);
    json_t *match = json_array();
    for (size_t i = 0; i < S.visible[V_S1]; i++) {
        json_t *t = json_array_get(S.data[V_S1], i);
        if (!since || ts_cmp(get_ts(V_S1, t), since) >= 0)
            json_array_append(match, t);
    }
    json_t *page = json_array();
    for (long i = start; i < start + limit && (size_t)i < json_array_size(match); i++)
        json_array_append(page, json_array_get(match, (size_t)i));
    char next[32];
    bool more = (size_t)(start + limit) < json_array_size(match);
    snprintf(next, sizeof next, "c%ld", start + limit);
    json_t *body = json_pack("{s:o, s:{s:s?, s:I}}", "data", page, "pagination", "nextCursor",
                             more ? next : NULL, "totalItems", (json_int_t)json_array_size(match));
    json_decref(match);
    return reply(c, 200, body, NULL, NULL);
}

/* ---- Jira, Slack, VirusTotal ---------------------------------------------------------------- */

static enum MHD_Result jira(struct MHD_Connection *c, const char *body)
{
    const char *a = hdr(c, "Authorization");
    if (!a || strncmp(a, "Basic ", 6) != 0 || strcmp(a + 6, S.basic) != 0) {
        S.unauthorized++;
        return reply(c, 401, json_pack("{s:[s]}", "errorMessages", "You are not authenticated."),
                     NULL, NULL);
    }
    json_t *req = json_loads(body, 0, NULL);
    json_t *f = json_object_get(req, "fields");
    const char *project = json_string_value(json_object_get(json_object_get(f, "project"), "key"));
    const char *summary = json_string_value(json_object_get(f, "summary"));
    if (!project || !summary || !json_object_get(json_object_get(f, "issuetype"), "name")) {
        json_decref(req);
        return reply(c, 400,
                     json_pack("{s:[], s:{s:s}}", "errorMessages", "errors", "summary",
                               "Summary is required."),
                     NULL, NULL);
    }
    char key[64];
    snprintf(key, sizeof key, "%s-%d", project, ++S.jira_seq);
    record(json_pack("{s:s, s:s, s:s, s:s}", "vendor", "jira", "action", "create_issue", "key", key,
                     "summary", summary));
    json_decref(req);
    return reply(c, 201,
                 json_pack("{s:s, s:s, s:s}", "id", "10001", "key", key, "self",
                           "http://127.0.0.1/rest/api/2/issue/10001"),
                 NULL, NULL);
}

static enum MHD_Result slack(struct MHD_Connection *c, const char *body)
{
    const char *a = hdr(c, "Authorization");
    if (!a || strncmp(a, "Bearer ", 7) != 0 || strcmp(a + 7, S.api_token) != 0)
        return reply(c, 200, json_pack("{s:b, s:s}", "ok", 0, "error", "invalid_auth"), NULL, NULL);
    json_t *req = json_loads(body, 0, NULL);
    const char *ch = json_string_value(json_object_get(req, "channel"));
    const char *text = json_string_value(json_object_get(req, "text"));
    json_t *res;
    if (!ch || !text)
        res = json_pack("{s:b, s:s}", "ok", 0, "error", "no_text");
    else if (strcmp(ch, "#nonexistent") == 0)
        res = json_pack("{s:b, s:s}", "ok", 0, "error", "channel_not_found");
    else {
        record(json_pack("{s:s, s:s, s:s, s:s}", "vendor", "slack", "action", "post", "channel", ch,
                         "text", text));
        res = json_pack("{s:b, s:s, s:s}", "ok", 1, "channel", "C0STANDIN", "ts",
                        "1712000000.000100");
    }
    json_decref(req);
    return reply(c, 200, res, NULL, NULL);
}

static enum MHD_Result vt(struct MHD_Connection *c, const char *rest)
{
    const char *k = hdr(c, "x-apikey");
    if (!k || strcmp(k, S.api_token) != 0) {
        S.unauthorized++;
        return reply(c, 401,
                     json_pack("{s:{s:s, s:s}}", "error", "code", "WrongCredentialsError",
                               "message", "Wrong API key"),
                     NULL, NULL);
    }
    if (strstr(rest, "203.0.113.66") ||
        strstr(rest, "05732e84de58a3cc142535431b3aa04efbe034cc96e837f93c360a6387d8faad"))
        return reply(c, 200,
                     json_pack("{s:{s:s, s:{s:i, s:{s:i, s:i, s:i, s:i}}}}", "data", "id", rest,
                               "attributes", "reputation", -42, "last_analysis_stats", "malicious",
                               12, "suspicious", 1, "harmless", 50, "undetected", 20),
                     NULL, NULL);
    if (strstr(rest, "198.51.100.1"))
        return reply(c, 200,
                     json_pack("{s:{s:s, s:{s:i, s:{s:i, s:i, s:i, s:i}}}}", "data", "id", rest,
                               "attributes", "reputation", 5, "last_analysis_stats", "malicious", 0,
                               "suspicious", 0, "harmless", 70, "undetected", 15),
                     NULL, NULL);
    return reply(
        c, 404,
        json_pack("{s:{s:s, s:s}}", "error", "code", "NotFoundError", "message", "not found"), NULL,
        NULL);
}

/* ---- ServiceNow Table API ---------------------------------------------------------------- */

static json_t *sn_incidents; /* sys_id -> record */
static int sn_seq;

static enum MHD_Result sn_error(struct MHD_Connection *c, unsigned status, const char *msg,
                                const char *detail)
{
    return reply(c, status,
                 json_pack("{s:{s:s, s:s}, s:s}", "error", "message", msg, "detail", detail,
                           "status", "failure"),
                 NULL, NULL);
}

static bool sn_closing(const json_t *state)
{
    const char *s = json_string_value(state);
    json_int_t n = s ? strtol(s, NULL, 10) : json_integer_value(state);
    return n == 6 || n == 7;
}

static enum MHD_Result servicenow(struct MHD_Connection *c, const char *method, const char *rest,
                                  const char *body)
{
    const char *a = hdr(c, "Authorization");
    bool basic = a && strncmp(a, "Basic ", 6) == 0 && strcmp(a + 6, S.basic) == 0;
    if (!basic && !bearer_ok(c)) {
        S.unauthorized++;
        return sn_error(c, 401, "User Not Authenticated", "Required to provide Auth information");
    }
    json_t *req = json_loads(body, 0, NULL);
    const char *ct = hdr(c, "Content-Type");
    if (!json_is_object(req) || !ct || !strstr(ct, "application/json")) {
        json_decref(req);
        return sn_error(c, 400, "Exception while reading request",
                        "The payload is not valid JSON.");
    }
    enum MHD_Result ret;
    if (strcmp(method, "POST") == 0 && rest[0] == '\0') {
        const char *sd = json_string_value(json_object_get(req, "short_description"));
        if (sd && strcmp(sd, "fail-500") == 0) {
            S.server_errors++;
            record(json_pack("{s:s, s:s, s:s}", "vendor", "servicenow", "action",
                             "create_failed_500", "short_description", sd));
            json_decref(req);
            return sn_error(c, 500, "Internal Server Error", "stand-in: fail-500");
        }
        char sys_id[40], number[16];
        snprintf(sys_id, sizeof sys_id, "9d385017c611228701d22104cc95%04d", ++sn_seq % 10000);
        snprintf(number, sizeof number, "INC%07d", 10000 + sn_seq);
        json_t *rec = json_deep_copy(req);
        json_object_set_new(rec, "sys_id", json_string(sys_id));
        json_object_set_new(rec, "number", json_string(number));
        if (!json_object_get(rec, "state"))
            json_object_set_new(rec, "state", json_string("1"));
        json_object_set_new(sn_incidents, sys_id, rec);
        record(json_pack("{s:s, s:s, s:s, s:s, s:s?, s:O?}", "vendor", "servicenow", "action",
                         "create", "number", number, "sys_id", sys_id, "short_description", sd,
                         "urgency", json_object_get(req, "urgency")));
        ret = reply(c, 201, json_pack("{s:O}", "result", rec), NULL, NULL);
    } else if (strcmp(method, "PATCH") == 0 && rest[0] == '/') {
        json_t *rec = json_object_get(sn_incidents, rest + 1);
        json_t *state = json_object_get(req, "state");
        if (!rec) {
            ret = sn_error(c, 404, "No Record found",
                           "Record doesn't exist or ACL restricts the record retrieval");
        } else if (state && sn_closing(state) &&
                   ((!json_object_get(req, "close_code") && !json_object_get(rec, "close_code")) ||
                    (!json_object_get(req, "close_notes") &&
                     !json_object_get(rec, "close_notes")))) {
            ret = sn_error(c, 403, "Operation Failed",
                           "Data Policy Exception: \n The following fields are mandatory: "
                           "Resolution code, Resolution notes");
        } else {
            json_object_update(rec, req);
            record(json_pack("{s:s, s:s, s:s, s:s, s:O?, s:O?}", "vendor", "servicenow", "action",
                             "update", "sys_id", rest + 1, "number",
                             json_string_value(json_object_get(rec, "number")), "state", state,
                             "close_notes", json_object_get(req, "close_notes")));
            ret = reply(c, 200, json_pack("{s:O}", "result", rec), NULL, NULL);
        }
    } else {
        ret = sn_error(c, 405, "Method not Supported",
                       "the stand-in does POST on the table and PATCH on a record");
    }
    json_decref(req);
    return ret;
}

/* ---- Intel: a generic JSON service (http-json) ------------------------------------------- */

static enum MHD_Result intel(struct MHD_Connection *c, const char *method, const char *url,
                             const char *body)
{
    const char *k = hdr(c, "X-Api-Key");
    if (!k || !S.api_token[0] || strcmp(k, S.api_token) != 0) {
        S.unauthorized++;
        return reply(c, 401, json_pack("{s:s}", "message", "invalid api key"), NULL, NULL);
    }
    if (strcmp(method, "GET") == 0 && strcmp(url, "/intel/v1/search") == 0) {
        const char *q = arg(c, "q");
        record(json_pack("{s:s, s:s, s:s?}", "vendor", "intel", "action", "search", "q", q));
        return reply(c, 200, json_pack("{s:s?, s:i}", "query", q, "hits", 3), NULL, NULL);
    }
    if (strcmp(method, "POST") != 0 || strcmp(url, "/intel/v1/lookup") != 0)
        return reply(c, 404, json_pack("{s:s}", "message", "no such intel route"), NULL, NULL);
    json_t *req = json_loads(body, 0, NULL);
    const char *ind = json_string_value(json_object_get(req, "indicator"));
    if (!ind) {
        json_decref(req);
        return reply(c, 400, json_pack("{s:s}", "message", "indicator (a string) required"), NULL,
                     NULL);
    }
    record(json_pack("{s:s, s:s, s:O}", "vendor", "intel", "action", "lookup", "request", req));
    json_t *ans;
    if (strcmp(ind, "huge") == 0) {
        json_t *blob = json_array();
        for (int i = 0; i < 2000; i++)
            json_array_append_new(
                blob,
                json_string("0123456789012345678901234567890123456789012345678901234567890123456789"
                            "012345678901234567890123456789"));
        ans = json_pack("{s:o}", "blob", blob);
    } else {
        ans = json_pack("{s:{s:s, s:{s:s, s:i, s:s}, s:[s, s]}}", "data", "id", ind, "attributes",
                        "verdict", strncmp(ind, "203.0.113.", 10) == 0 ? "malicious" : "clean",
                        "a/b", 1, "m~n", "tilde", "tags", "scanner", "tor-exit");
    }
    json_decref(req);
    return reply(c, 200, ans, NULL, NULL);
}

/* Copies the text before the next '<' into out: 0, or -1 when empty or too long. */
static int text_until_tag(const char *p, char *out, size_t size)
{
    size_t n = strcspn(p, "<");
    if (n == 0 || n >= size || !p[n])
        return -1;
    snprintf(out, size, "%.*s", (int)n, p);
    return 0;
}

/* ---- PAN-OS XML API ----------------------------------------------------------------------- */

static json_t *panos_addresses, *panos_groups; /* name -> ip-netmask; group -> [members] */

static enum MHD_Result xml_reply(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum MHD_Result xml_reply(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/xml");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

#define PANOS_OK                                                                                   \
    "<response status=\"success\" code=\"20\"><msg>command succeeded</msg>%s</response>"
#define PANOS_ERR                                                                                  \
    "<response status=\"error\" code=\"%s\"><msg><line>bad request</line></msg></response>"

/* The value between [@name=' and '] (or [text()=' and ']) after key in xpath. */
static bool xpath_name(const char *xpath, const char *key, char *out, size_t size)
{
    const char *p = strstr(xpath, key);
    if (!p)
        return false;
    p += strlen(key);
    const char *q = strchr(p, '\'');
    if (!q || (size_t)(q - p) >= size)
        return false;
    snprintf(out, size, "%.*s", (int)(q - p), p);
    return true;
}

/* A parameter from the form body, else from the query. */
static void panos_param(struct MHD_Connection *c, const char *body, const char *k, char *buf,
                        size_t size)
{
    if (!form_get(body, k, buf, size) && arg(c, k))
        snprintf(buf, size, "%s", arg(c, k));
}

static enum MHD_Result panos(struct MHD_Connection *c, const char *body)
{
    char type[32] = "", action[32] = "", xpath[1024] = "", element[512] = "", key[256] = "",
         user[128] = "", pass[256] = "", cmd[128] = "";
#define PARAM(k, buf) panos_param(c, body, k, buf, sizeof buf)
    PARAM("type", type);
    PARAM("action", action);
    PARAM("xpath", xpath);
    PARAM("element", element);
    PARAM("key", key);
    PARAM("cmd", cmd);
    if (strcmp(type, "keygen") == 0) {
        PARAM("user", user);
        PARAM("password", pass);
        if (strcmp(user, S.username) != 0 || strcmp(pass, S.client_secret) != 0) {
            S.unauthorized++;
            return xml_reply(c, 403,
                             "<response status = 'error' code = '403'><result><msg>Invalid "
                             "Credential</msg></result></response>%s",
                             "");
        }
        return xml_reply(c, 200,
                         "<response status = 'success'><result><key>%s</key></result></response>",
                         S.api_token);
    }
#undef PARAM
    const char *k = hdr(c, "X-PAN-KEY");
    if (!k || !*k)
        k = key;
    if (!S.api_token[0] || strcmp(k, S.api_token) != 0) {
        S.unauthorized++;
        return xml_reply(c, 403,
                         "<response status = 'error' code = '403'><result><msg>Invalid "
                         "Credential</msg></result></response>%s",
                         "");
    }
    if (strcmp(type, "commit") == 0) {
        if (strcmp(cmd, "<commit></commit>") != 0)
            return xml_reply(c, 200, PANOS_ERR, "17");
        record(json_pack("{s:s, s:s, s:O}", "vendor", "panos", "action", "commit", "groups",
                         panos_groups));
        return xml_reply(c, 200,
                         "<response status=\"success\" code=\"19\"><result><msg><line>Commit job "
                         "enqueued with jobid 7</line></msg><job>7</job></result></response>%s",
                         "");
    }
    static const char base[] =
        "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/";
    if (strcmp(type, "config") != 0 || strncmp(xpath, base, sizeof base - 1) != 0)
        return xml_reply(c, 200, PANOS_ERR, "17");
    const char *rest = xpath + sizeof base - 1;
    char name[128], group[128];
    bool set = strcmp(action, "set") == 0, del = strcmp(action, "delete") == 0;
    if (strncmp(rest, "address/entry[@name='", 21) == 0 &&
        xpath_name(rest, "[@name='", name, sizeof name)) {
        char net[64];
        const char *ip = strstr(element, "<ip-netmask>");
        if (set && (!ip || text_until_tag(ip + 12, net, sizeof net) != 0))
            return xml_reply(c, 200, PANOS_ERR, "12");
        if (set)
            json_object_set_new(panos_addresses, name, json_string(net));
        else if (del)
            json_object_del(panos_addresses, name);
        else
            return xml_reply(c, 200, PANOS_ERR, "17");
        return xml_reply(c, 200, PANOS_OK, "");
    }
    if (strncmp(rest, "address-group/entry[@name='", 27) == 0 &&
        xpath_name(rest, "[@name='", group, sizeof group)) {
        json_t *members = json_object_get(panos_groups, group);
        if (!members)
            json_object_set_new(panos_groups, group, members = json_array());
        if (set) {
            const char *m = strstr(element, "<member>");
            if (!m || text_until_tag(m + 8, name, sizeof name) != 0 ||
                !json_object_get(panos_addresses, name))
                return xml_reply(c, 200,
                                 "<response status=\"error\" code=\"12\"><msg><line>%s is not a "
                                 "valid reference</line></msg></response>",
                                 name);
            size_t i;
            json_t *v;
            json_array_foreach(members, i, v) if (strcmp(json_string_value(v), name) ==
                                                  0) return xml_reply(c, 200, PANOS_OK, "");
            json_array_append_new(members, json_string(name));
            record(json_pack("{s:s, s:s, s:s, s:s, s:O}", "vendor", "panos", "action", "block",
                             "group", group, "member", name, "ip",
                             json_object_get(panos_addresses, name)));
            return xml_reply(c, 200, PANOS_OK, "");
        }
        if (del && xpath_name(rest, "[text()='", name, sizeof name)) {
            size_t i;
            json_t *v;
            json_array_foreach(members, i, v) if (strcmp(json_string_value(v), name) == 0)
            {
                json_array_remove(members, i);
                record(json_pack("{s:s, s:s, s:s, s:s}", "vendor", "panos", "action", "unblock",
                                 "group", group, "member", name));
                return xml_reply(c, 200, PANOS_OK, "");
            }
            return xml_reply(c, 200,
                             "<response status=\"success\" code=\"7\"><msg>Object doesn't "
                             "exist</msg>%s</response>",
                             "");
        }
    }
    return xml_reply(c, 200, PANOS_ERR, "17");
}

/* ---- Microsoft Teams incoming webhook ---------------------------------------------------------
 */

static enum MHD_Result teams(struct MHD_Connection *c, const char *url, const char *body)
{
    const char *tok = url + strlen("/webhookb2/");
    size_t tl = strlen(S.api_token);
    if (!tl || strncmp(tok, S.api_token, tl) != 0 || (tok[tl] != '/' && tok[tl] != '\0'))
        return xml_reply(c, 404, "%s", "Webhook not found");
    json_t *req = json_loads(body, 0, NULL);
    const char *text = json_string_value(json_object_get(req, "text")), *format = "messagecard";
    if (!json_is_object(req) || (json_string_value(json_object_get(req, "@type")) == NULL &&
                                 !json_object_get(req, "attachments")))
        text = NULL;
    json_t *content =
        json_object_get(json_array_get(json_object_get(req, "attachments"), 0), "content");
    if (content) {
        format = "adaptive";
        text = json_string_value(
            json_object_get(json_array_get(json_object_get(content, "body"), 1), "text"));
    }
    if (!text) {
        json_decref(req);
        return xml_reply(c, 400, "%s", "Bad payload received by generic incoming webhook.");
    }
    record(json_pack("{s:s, s:s, s:s, s:s}", "vendor", "teams", "action", "post", "format", format,
                     "text", text));
    json_decref(req);
    return xml_reply(c, 200, "%s", "1");
}

/* ---- dispatch ----------------------------------------------------------------------------- */

static enum MHD_Result route(struct MHD_Connection *c, const char *url, const char *method,
                             const char *body)
{
    S.requests++;
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    if (strcmp(url, "/_standin/stats") == 0)
        return reply(c, 200,
                     json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "tokens_issued",
                               (json_int_t)S.tokens_issued, "rate_limited",
                               (json_int_t)S.rate_limited, "unauthorized",
                               (json_int_t)S.unauthorized, "server_errors",
                               (json_int_t)S.server_errors, "actions", (json_int_t)S.actions,
                               "requests", (json_int_t)S.requests),
                     NULL, NULL);
    if (post && strcmp(url, "/_standin/release") == 0) {
        const char *v = arg(c, "vendor");
        long n = arg(c, "count") ? strtol(arg(c, "count"), NULL, 10) : 1;
        for (int i = 0; v && i < V_COUNT; i++)
            if (strcmp(v, vendor_names[i]) == 0) {
                S.visible[i] += (size_t)(n > 0 ? n : 0);
                if (S.visible[i] > json_array_size(S.data[i]))
                    S.visible[i] = json_array_size(S.data[i]);
                return reply(c, 200, json_pack("{s:I}", "visible", (json_int_t)S.visible[i]), NULL,
                             NULL);
            }
        return reply(c, 400, json_pack("{s:s}", "error", "unknown vendor"), NULL, NULL);
    }
    /* CrowdStrike */
    if (post && strcmp(url, "/oauth2/token") == 0)
        return oauth_token(c, body, false);
    if (strncmp(url, "/alerts/", 8) == 0 || strncmp(url, "/devices/", 9) == 0) {
        if (!bearer_ok(c))
            return deny(c, V_CS);
        if (get && strcmp(url, "/alerts/queries/alerts/v2") == 0)
            return rate_limited(V_CS)
                       ? reply(c, 429,
                               json_pack("{s:[], s:[{s:i, s:s}]}", "resources", "errors", "code",
                                         429, "message", "API rate limit exceeded."),
                               "Retry-After", "1")
                       : cs_query(c);
        if (post && strcmp(url, "/alerts/entities/alerts/v2") == 0)
            return cs_entities(c, body);
        if (get && strcmp(url, "/devices/queries/devices/v1") == 0)
            return cs_devices(c);
        if (post && strcmp(url, "/devices/entities/devices-actions/v2") == 0)
            return cs_action(c, body);
        if (get && strcmp(url, "/devices/entities/devices/v2") == 0)
            return cs_device_entities(c);
        if (post && strcmp(url, "/devices/combined/devices/login-history/v1") == 0)
            return cs_login_history(c, body);
        return reply(c, 404,
                     json_pack("{s:[], s:[{s:i, s:s}]}", "resources", "errors", "code", 404,
                               "message", "Not Found"),
                     NULL, NULL);
    }
    /* Okta */
    if (strncmp(url, "/api/v1/", 8) == 0) {
        if (!ssws_ok(c))
            return deny(c, V_OKTA);
        if (get && strcmp(url, "/api/v1/logs") == 0 && arg(c, "filter"))
            return okta_user_logs(c, arg(c, "filter"));
        if (get && strcmp(url, "/api/v1/logs") == 0)
            return rate_limited(V_OKTA)
                       ? reply(c, 429,
                               json_pack("{s:s, s:s}", "errorCode", "E0000047", "errorSummary",
                                         "API call exceeded rate limit due to too many requests."),
                               "Retry-After", "1")
                       : okta_logs(c);
        if (strncmp(url, "/api/v1/users/", 14) == 0)
            return okta_user(c, method, url + 14);
        return reply(c, 404, json_pack("{s:s}", "errorCode", "E0000022"), NULL, NULL);
    }
    /* Microsoft */
    if (post && strstr(url, "/oauth2/v2.0/token"))
        return oauth_token(c, body, true);
    if (strncmp(url, "/subscriptions/", 15) == 0) { /* Azure Resource Manager: Sentinel */
        static const char suffix[] = "/providers/Microsoft.SecurityInsights/incidents";
        size_t n = strlen(url);
        if (!bearer_ok(c))
            return deny(c, V_GRAPH);
        if (!get || n < sizeof suffix || strcmp(url + n - (sizeof suffix - 1), suffix) != 0)
            return reply(c, 404, json_pack("{s:{s:s}}", "error", "code", "ResourceNotFound"), NULL,
                         NULL);
        const char *api = arg(c, "api-version");
        if (!api)
            return reply(c, 400,
                         json_pack("{s:{s:s, s:s}}", "error", "code", "MissingApiVersionParameter",
                                   "message",
                                   "The api-version query parameter (?api-version=) is required"),
                         NULL, NULL);
        char fixed[128];
        snprintf(fixed, sizeof fixed, "api-version=%s&", api);
        return odata(c, V_SENTINEL, "properties/lastModifiedTimeUtc", url, fixed, "nextLink");
    }
    if (strncmp(url, "/v1.0/", 6) == 0 || strncmp(url, "/api/machines", 13) == 0 ||
        strcmp(url, "/api/alerts") == 0) {
        if (!bearer_ok(c))
            return deny(c, V_GRAPH);
        if (get && strcmp(url, "/v1.0/security/alerts_v2") == 0)
            return rate_limited(V_GRAPH)
                       ? reply(c, 429,
                               json_pack("{s:{s:s, s:s}}", "error", "code", "TooManyRequests",
                                         "message", "Too many requests"),
                               "Retry-After", "1")
                       : graph_alerts(c);
        if (strncmp(url, "/v1.0/users/", 12) == 0)
            return graph_users(c, method, url + 12, body);
        if (get && strcmp(url, "/v1.0/auditLogs/signIns") == 0 && arg(c, "$filter") &&
            strstr(arg(c, "$filter"), "userPrincipalName eq "))
            return graph_user_signins(c, arg(c, "$filter"));
        if (get && strcmp(url, "/v1.0/auditLogs/signIns") == 0)
            return odata(c, V_SIGNIN, "createdDateTime", url, "", "@odata.nextLink");
        if (get && strcmp(url, "/v1.0/auditLogs/directoryAudits") == 0)
            return odata(c, V_AUDIT, "activityDateTime", url, "", "@odata.nextLink");
        if (get && strcmp(url, "/api/alerts") == 0)
            return odata(c, V_MDE, "lastUpdateTime", url, "", "@odata.nextLink");
        if (strncmp(url, "/api/machines", 13) == 0)
            return mde(c, method, url[13] == '/' ? url + 14 : url + 13, body);
        return reply(c, 404, json_pack("{s:{s:s}}", "error", "code", "ResourceNotFound"), NULL,
                     NULL);
    }
    if (post && strcmp(url, "/services/search/v2/jobs/export") == 0)
        return splunk_export(c, body);
    if (get && strcmp(url, "/web/api/v2.1/threats") == 0)
        return s1_threats(c);
    if (post && strcmp(url, "/oauth_token.do") == 0) {
        char grant[64] = "";
        form_get(body, "grant_type", grant, sizeof grant);
        if (strcmp(grant, "client_credentials") != 0)
            return reply(c, 400,
                         json_pack("{s:s, s:s}", "error", "unsupported_grant_type",
                                   "error_description", "grant_type client_credentials required"),
                         NULL, NULL);
        return oauth_token(c, body, false);
    }
    if (strncmp(url, "/api/now/table/incident", 23) == 0 && (url[23] == '\0' || url[23] == '/'))
        return servicenow(c, method, url + 23, body);
    if (strncmp(url, "/intel/v1/", 10) == 0)
        return intel(c, method, url, body);
    if (post && strcmp(url, "/rest/api/2/issue") == 0)
        return jira(c, body);
    if (post && strcmp(url, "/api/chat.postMessage") == 0)
        return slack(c, body);
    if (get && strncmp(url, "/api/v3/", 8) == 0)
        return vt(c, url + 8);
    if ((get || post) && strcmp(url, "/api/") == 0)
        return panos(c, body);
    if (post && strncmp(url, "/webhookb2/", 11) == 0)
        return teams(c, url, body);
    return reply(c, 404, json_pack("{s:s}", "error", "no such stand-in route"), NULL, NULL);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)cls, (void)version;
    body_t *b = *con_cls;
    if (!b) {
        *con_cls = calloc(1, sizeof *b);
        return MHD_YES;
    }
    if (*upload_size) {
        if (b->len + *upload_size > MAX_BODY) {
            b->too_big = true;
        } else {
            b->buf = realloc(b->buf, b->len + *upload_size + 1);
            memcpy(b->buf + b->len, upload, *upload_size);
            b->len += *upload_size;
            b->buf[b->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (b->too_big)
        return reply(c, 413, json_pack("{s:s}", "error", "body too large"), NULL, NULL);
    pthread_mutex_lock(&S.lock);
    fprintf(stderr, "standin: %s %s\n", method, url); /* never the headers: they hold credentials */
    enum MHD_Result r = route(c, url, method, b->buf ? b->buf : "");
    pthread_mutex_unlock(&S.lock);
    return r;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    body_t *b = *con_cls;
    if (b) {
        free(b->buf);
        free(b);
    }
    *con_cls = NULL;
}

int main(int argc, char **argv)
{
    const char *fixtures = NULL, *visible = NULL;
    S.client_id = "standin-client";
    S.client_secret = "";
    S.api_token = "";
    S.username = "soc-bot@alpha.example";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--rate-limit-once") == 0)
            S.rate_limit_once = true;
        else if (strcmp(a, "--fail-5xx-once") == 0)
            S.fail_5xx_once = true;
        else if (!v) {
            fprintf(stderr, "vendor_standin: %s needs a value\n", a);
            return 2;
        } else if (strcmp(a, "--port") == 0)
            S.port = (int)strtol(v, NULL, 10), i++;
        else if (strcmp(a, "--fixtures") == 0)
            fixtures = v, i++;
        else if (strcmp(a, "--record") == 0)
            S.record = v, i++;
        else if (strcmp(a, "--client-id") == 0)
            S.client_id = v, i++;
        else if (strcmp(a, "--client-secret") == 0)
            S.client_secret = v, i++;
        else if (strcmp(a, "--api-token") == 0)
            S.api_token = v, i++;
        else if (strcmp(a, "--username") == 0)
            S.username = v, i++;
        else if (strcmp(a, "--visible") == 0)
            visible = v, i++;
        else if (strcmp(a, "--token-uses") == 0)
            S.token_uses = strtol(v, NULL, 10), i++;
        else {
            fprintf(stderr, "vendor_standin: unknown option %s\n", a);
            return 2;
        }
    }
    if (!S.port || !fixtures || !S.record) {
        fprintf(stderr, "usage: vendor_standin --port N --fixtures DIR --record FILE [options]\n");
        return 2;
    }
    S.data[V_CS] = load_sorted(fixtures, "crowdstrike.alert/standin_alerts.json", V_CS);
    S.data[V_OKTA] = load_sorted(fixtures, "okta.system_log/standin_logs.json", V_OKTA);
    S.data[V_GRAPH] =
        load_sorted(fixtures, "microsoft.graph_alert/standin_alerts_v2.json", V_GRAPH);
    S.data[V_MDE] = load_sorted(fixtures, "microsoft.mde_alert/alerts_value.json", V_MDE);
    S.data[V_SIGNIN] = load_sorted(fixtures, "microsoft.entra_signin/signins_value.json", V_SIGNIN);
    S.data[V_AUDIT] = load_sorted(fixtures, "microsoft.entra_audit/audit_value.json", V_AUDIT);
    S.data[V_SENTINEL] =
        load_sorted(fixtures, "microsoft.sentinel_incident/incidents_value.json", V_SENTINEL);
    S.data[V_S1] = load_sorted(fixtures, "sentinelone.threat/standin_threats.json", V_S1);
    {
        char path[1024];
        snprintf(path, sizeof path, "%s/splunk.notable/search_rows.ndjson", fixtures);
        json_error_t err;
        splunk_rows = json_array();
        FILE *f = fopen(path, "r");
        char *lineb = NULL;
        size_t cap = 0;
        while (f && getline(&lineb, &cap, f) > 0) {
            json_t *row = json_loads(lineb, 0, &err);
            if (row)
                json_array_append_new(splunk_rows, row);
        }
        free(lineb);
        if (f)
            fclose(f);
    }
    for (int i = 0; i < V_COUNT; i++)
        S.visible[i] = json_array_size(S.data[i]);
    sn_incidents = json_object();
    {
        char path[1024];
        snprintf(path, sizeof path, "%s/okta.system_log/context_user_logs.json", fixtures);
        okta_user_logs_data = json_load_file(path, 0, NULL);
        snprintf(path, sizeof path, "%s/microsoft.entra_signin/context_user_signins.json",
                 fixtures);
        entra_user_signins_data = json_load_file(path, 0, NULL);
    }
    panos_addresses = json_object();
    panos_groups = json_object();
    if (visible) {
        for (int i = 0; i < V_COUNT; i++) {
            const char *p = strstr(visible, vendor_names[i]);
            if (p && p[strlen(vendor_names[i])] == '=') {
                long n = strtol(p + strlen(vendor_names[i]) + 1, NULL, 10);
                if (n >= 0 && (size_t)n < S.visible[i])
                    S.visible[i] = (size_t)n;
            }
        }
    }
    char plain[600];
    snprintf(plain, sizeof plain, "%s:%s", S.username, S.api_token);
    b64(plain, S.basic, sizeof S.basic);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)S.port)};
    addr.sin_addr.s_addr = htonl(0x7f000001);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)S.port, NULL, NULL, handler,
        NULL, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "vendor_standin: cannot listen on 127.0.0.1:%d\n", S.port);
        return 1;
    }
    fprintf(stderr, "standin: ready on 127.0.0.1:%d\n", S.port);
    while (!stop)
        usleep(100000);
    MHD_stop_daemon(d);
    for (int i = 0; i < V_COUNT; i++)
        json_decref(S.data[i]);
    json_decref(splunk_rows);
    json_decref(sn_incidents);
    json_decref(okta_user_logs_data);
    json_decref(entra_user_signins_data);
    return 0;
}
