/*  actuator_openc2_https.c — forwards OpenC2 commands to a native OpenC2
    Consumer over HTTPS (OpenC2 "Specification for Transfer of OpenC2
    Messages via HTTPS" v1.1, or v1.0 per consumer) with mutual TLS, and
    relays the Consumer's response. Configured by the adapter config's
    "actuator_config": {"openc2-https": {...}} (docs/openc2.md, "OpenC2 over
    HTTPS"):

      url                 https://host:port/.well-known/openc2 (required, https only)
      transfer            "1.1" (default: message envelope) or "1.0" (bare
                          command, X-Request-ID header)
      ca                  PEM file of the CA(s) that sign the Consumer's certificate
      cert, key           PEM client certificate and key (mutual TLS)
      timeout_ms          whole request, default 4000 (keep it below the FSP
                          liveness of 5 s: the adapter waits for the answer)
      connect_timeout_ms  default 2000
      from, to            v1.1 header values (default "fedsoar-adapter", none)
      pairs               {"action": ["target", ...]}: what the Consumer does.
                          Absent: asked with 'query features' at init.

    Error mapping: no connection, a TLS failure, a timeout or HTTP
    502/503/504 -> 503; any other non-200 HTTP status, a malformed or
    uncorrelated response -> 500. status_text says which and where. */
#include "adapter.h"
#include "federation.h"

#include <curl/curl.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define OC2H_MAX_BODY OPENC2_MAX_TEXT
#define OC2H_CT_V11 "application/openc2+json;version=1.0"
#define OC2H_CT_V10_CMD "application/openc2-cmd+json;version=1.0"
#define OC2H_CT_V10_RSP "application/openc2-rsp+json;version=1.0"

typedef struct {
    char *url, *ca, *cert, *key, *from, *to;
    bool v10;
    long timeout_ms, connect_timeout_ms;
    json_t *pairs;
    CURL *curl;
} oc2h_t;

typedef struct {
    char *data;
    size_t len;
    bool too_big;
    char x_request_id[80];
} reply_t;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    reply_t *r = arg;
    size_t n = size * nmemb;
    if (r->len + n > OC2H_MAX_BODY) {
        r->too_big = true;
        return 0; /* aborts the transfer */
    }
    char *p = realloc(r->data, r->len + n + 1);
    if (!p)
        return 0;
    memcpy(p + r->len, ptr, n);
    r->data = p;
    r->len += n;
    r->data[r->len] = '\0';
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
    reply_t *r = arg;
    size_t n = size * nmemb;
    static const char name[] = "x-request-id:";
    if (n > sizeof name - 1 && strncasecmp(ptr, name, sizeof name - 1) == 0) {
        const char *v = ptr + sizeof name - 1;
        size_t vl = n - (sizeof name - 1);
        while (vl && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl >= sizeof r->x_request_id)
            vl = sizeof r->x_request_id - 1;
        memcpy(r->x_request_id, v, vl);
        r->x_request_id[vl] = '\0';
    }
    return n;
}

static void new_request_id(char out[37])
{
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        /* no entropy: still unique enough for correlation within this process */
        uint64_t t = (uint64_t)fs_mono_ms() ^ (uint64_t)fs_now_ms() << 20;
        for (int i = 0; i < 16; i++)
            b[i] = (unsigned char)(t >> (8 * (i % 8))) ^ (unsigned char)i;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

/* Printable, bounded excerpt of a body for status texts. */
static void excerpt(const char *s, size_t len, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; s && i < len && o + 4 < size; i++)
        out[o++] = isprint((unsigned char)s[i]) ? s[i] : ' ';
    if (s && len > o && o + 4 >= size && size > 4) {
        memcpy(out + size - 4, "...", 3);
        o = size - 1;
    }
    out[o] = '\0';
}

static json_t *fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *fail(int status, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fs_log(FS_LOG_WARN, "openc2-https", "consumer_failed", "status=%d reason=\"%s\"", status, text);
    return openc2_response_new(status, text, NULL);
}

/* One exchange: sends the command, returns the relayed response or an error
   response (caller owns). */
static json_t *exchange(oc2h_t *self, const json_t *command)
{
    char request_id[37];
    new_request_id(request_id);
    json_t *msg;
    if (self->v10) {
        msg = json_deep_copy(command);
    } else {
        msg = json_pack("{s:{s:s, s:I, s:s}, s:{s:{s:O}}}", "headers", "request_id", request_id,
                        "created", (json_int_t)fs_now_ms(), "from", self->from, "body", "openc2",
                        "request", command);
        if (msg && self->to)
            json_object_set_new(json_object_get(msg, "headers"), "to", json_pack("[s]", self->to));
    }
    char *body = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    if (!body)
        return fail(500, "openc2-https: out of memory building the request");

    CURL *h = self->curl;
    curl_easy_reset(h);
    struct curl_slist *hdrs = NULL;
    char xrid[64];
    if (self->v10) {
        hdrs = curl_slist_append(hdrs, "Content-Type: " OC2H_CT_V10_CMD);
        hdrs = curl_slist_append(hdrs, "Accept: " OC2H_CT_V10_RSP);
        snprintf(xrid, sizeof xrid, "X-Request-ID: %s", request_id);
        hdrs = curl_slist_append(hdrs, xrid);
    } else {
        hdrs = curl_slist_append(hdrs, "Content-Type: " OC2H_CT_V11);
        hdrs = curl_slist_append(hdrs, "Accept: " OC2H_CT_V11);
    }
    hdrs = curl_slist_append(hdrs, "User-Agent: fedsoar-adapter/" FEDSOAR_VERSION);
    hdrs = curl_slist_append(hdrs, "Expect:");
    reply_t r = {0};
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, self->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, self->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, self->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (self->ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, self->ca);
    if (self->cert)
        curl_easy_setopt(h, CURLOPT_SSLCERT, self->cert);
    if (self->key)
        curl_easy_setopt(h, CURLOPT_SSLKEY, self->key);
    int64_t t0 = fs_mono_ms();
    CURLcode rc = curl_easy_perform(h);
    long http = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
    curl_slist_free_all(hdrs);
    free(body);
    fs_log(FS_LOG_INFO, "openc2-https", "exchanged",
           "url=%s transfer=%s request_id=%s http=%ld curl=%d ms=%lld", self->url,
           self->v10 ? "1.0" : "1.1", request_id, http, (int)rc, (long long)(fs_mono_ms() - t0));

    json_t *out = NULL;
    char snip[200];
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        out = fail(503, "openc2-https: consumer %s did not answer within %ld ms (request_id %s)",
                   self->url, self->timeout_ms, request_id);
    } else if (rc == CURLE_WRITE_ERROR && r.too_big) {
        out = fail(500, "openc2-https: consumer %s sent more than %d bytes", self->url,
                   OC2H_MAX_BODY);
    } else if (rc != CURLE_OK) {
        out = fail(503, "openc2-https: cannot exchange with consumer %s: %s (%s)", self->url,
                   curl_easy_strerror(rc), errbuf[0] ? errbuf : "no detail");
    } else if (http != 200) {
        excerpt(r.data, r.len, snip, sizeof snip);
        int status = http == 502 || http == 503 || http == 504 ? 503 : 500;
        out = fail(status, "openc2-https: consumer %s answered HTTP %ld%s%s", self->url, http,
                   snip[0] ? ": " : "", snip);
    }
    if (out) {
        free(r.data);
        return out;
    }
    fs_err_t e = {{0}};
    json_t *doc = fs_json_parse(r.data ? r.data : "", r.len, &e);
    free(r.data);
    if (!doc)
        return fail(500, "openc2-https: consumer %s sent a body that is not JSON: %s", self->url,
                    e.text);
    const json_t *rsp;
    if (self->v10) {
        if (r.x_request_id[0] && strcmp(r.x_request_id, request_id) != 0) {
            json_decref(doc);
            return fail(500, "openc2-https: consumer %s answered X-Request-ID %.40s to request %s",
                        self->url, r.x_request_id, request_id);
        }
        rsp = doc;
    } else {
        const char *rid =
            json_string_value(json_object_get(json_object_get(doc, "headers"), "request_id"));
        if (!rid || strcmp(rid, request_id) != 0) {
            out = fail(500,
                       "openc2-https: consumer %s answered headers.request_id \"%.40s\" "
                       "to request %s: the response does not belong to this command",
                       self->url, rid ? rid : "(none)", request_id);
            json_decref(doc); /* rid points into doc */
            return out;
        }
        rsp = json_object_get(json_object_get(json_object_get(doc, "body"), "openc2"), "response");
        if (!rsp) {
            json_decref(doc);
            return fail(500, "openc2-https: consumer %s answered without body.openc2.response",
                        self->url);
        }
    }
    char reason[OPENC2_REASON_MAX];
    if (openc2_validate_response(rsp, reason, sizeof reason) == OPENC2_BAD_REQUEST) {
        json_decref(doc);
        return fail(500, "openc2-https: consumer %s sent an invalid OpenC2 response: %s", self->url,
                    reason);
    }
    /* 501 (an extension this side does not know) is relayed as it is. */
    out = json_deep_copy(rsp);
    json_decref(doc);
    return out ? out : fail(500, "openc2-https: out of memory");
}

/* ---- configuration ----------------------------------------------------------- */

static int take_string(const json_t *cfg, const char *key, char **out, fs_err_t *e)
{
    const json_t *v = json_object_get(cfg, key);
    if (!v)
        return 0;
    if (!json_is_string(v) || !json_string_length(v))
        return fs_err_set(e, "actuator_config.openc2-https.%s: expected a non-empty string", key);
    *out = strdup(json_string_value(v));
    return *out ? 0 : fs_err_set(e, "out of memory");
}

static int take_ms(const json_t *cfg, const char *key, long dflt, long *out, fs_err_t *e)
{
    const json_t *v = json_object_get(cfg, key);
    *out = dflt;
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 600000)
        return fs_err_set(e, "actuator_config.openc2-https.%s: expected milliseconds, 1..600000",
                          key);
    *out = (long)json_integer_value(v);
    return 0;
}

static int check_pairs(const json_t *pairs, const char *where, fs_err_t *e)
{
    if (!json_is_object(pairs) || json_object_size(pairs) == 0)
        return fs_err_set(e, "%s: expected a non-empty object {\"action\": [\"target\", ...]}",
                          where);
    const char *action;
    json_t *targets;
    json_object_foreach((json_t *)pairs, action, targets)
    {
        size_t i;
        json_t *t;
        if (!json_is_array(targets) || json_array_size(targets) == 0)
            return fs_err_set(e, "%s.%.32s: expected a non-empty array of target names", where,
                              action);
        json_array_foreach(targets, i, t) if (!json_is_string(t)) return fs_err_set(
            e, "%s.%.32s[%zu]: expected a string", where, action, i);
    }
    return 0;
}

static void cleanup(void **state_p)
{
    oc2h_t *self = state_p ? *state_p : NULL;
    if (!self)
        return;
    if (self->curl)
        curl_easy_cleanup(self->curl);
    free(self->url);
    free(self->ca);
    free(self->cert);
    free(self->key);
    free(self->from);
    free(self->to);
    json_decref(self->pairs);
    free(self);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    static bool curl_ready;
    if (!json_is_object(config)) {
        fs_err_set(e, "openc2-https needs \"actuator_config\": {\"openc2-https\": {\"url\": "
                      "\"https://...\", ...}} in the adapter config (docs/openc2.md)");
        return NULL;
    }
    static const char *const known[] = {
        "url",        "transfer",           "ca",   "cert", "key",
        "timeout_ms", "connect_timeout_ms", "from", "to",   "pairs"};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)config, k, v)
    {
        size_t i = 0;
        while (i < sizeof known / sizeof *known && strcmp(k, known[i]) != 0)
            i++;
        if (i == sizeof known / sizeof *known) {
            fs_err_set(e,
                       "actuator_config.openc2-https.%.64s: unknown member (known: url, "
                       "transfer, ca, cert, key, timeout_ms, connect_timeout_ms, from, to, "
                       "pairs)",
                       k);
            return NULL;
        }
    }
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
            fs_err_set(e, "openc2-https: libcurl failed to initialize");
            return NULL;
        }
        curl_ready = true;
    }
    oc2h_t *self = calloc(1, sizeof *self);
    void *state = self;
    if (!self) {
        fs_err_set(e, "out of memory");
        return NULL;
    }
    if (take_string(config, "url", &self->url, e) || take_string(config, "ca", &self->ca, e) ||
        take_string(config, "cert", &self->cert, e) || take_string(config, "key", &self->key, e) ||
        take_string(config, "from", &self->from, e) || take_string(config, "to", &self->to, e) ||
        take_ms(config, "timeout_ms", 4000, &self->timeout_ms, e) ||
        take_ms(config, "connect_timeout_ms", 2000, &self->connect_timeout_ms, e))
        goto fail;
    if (!self->url || strncasecmp(self->url, "https://", 8) != 0) {
        fs_err_set(e, "actuator_config.openc2-https.url: expected an https:// URL of the OpenC2 "
                      "Consumer (e.g. https://fw.example:8443/.well-known/openc2)");
        goto fail;
    }
    if (!self->cert != !self->key) {
        fs_err_set(e,
                   "actuator_config.openc2-https: \"cert\" and \"key\" go together (mutual TLS)");
        goto fail;
    }
    const char *transfer = json_string_value(json_object_get(config, "transfer"));
    if (json_object_get(config, "transfer") &&
        (!transfer || (strcmp(transfer, "1.0") != 0 && strcmp(transfer, "1.1") != 0))) {
        fs_err_set(e, "actuator_config.openc2-https.transfer: expected \"1.0\" or \"1.1\"");
        goto fail;
    }
    self->v10 = transfer && strcmp(transfer, "1.0") == 0;
    if (!self->from && !(self->from = strdup("fedsoar-adapter"))) {
        fs_err_set(e, "out of memory");
        goto fail;
    }
    if (!(self->curl = curl_easy_init())) {
        fs_err_set(e, "openc2-https: curl_easy_init failed");
        goto fail;
    }
    const json_t *pairs = json_object_get(config, "pairs");
    if (pairs) {
        if (check_pairs(pairs, "actuator_config.openc2-https.pairs", e) != 0)
            goto fail;
        self->pairs = json_deep_copy(pairs);
    } else {
        /* Ask the Consumer what it does (LS 4.1). */
        json_t *q = json_pack("{s:s, s:{s:[s,s,s]}}", "action", "query", "target", "features",
                              "versions", "profiles", "pairs");
        json_t *rsp = q ? exchange(self, q) : NULL;
        json_decref(q);
        int status = (int)json_integer_value(json_object_get(rsp, "status"));
        const json_t *got = json_object_get(json_object_get(rsp, "results"), "pairs");
        if (status != 200 || check_pairs(got, "the consumer's 'query features' pairs", e) != 0) {
            if (status != 200)
                fs_err_set(e,
                           "openc2-https: 'query features' to %s failed: %d %s; set \"pairs\" "
                           "in actuator_config.openc2-https to start without asking",
                           self->url, status,
                           json_string_value(json_object_get(rsp, "status_text"))
                               ? json_string_value(json_object_get(rsp, "status_text"))
                               : "no answer");
            json_decref(rsp);
            goto fail;
        }
        self->pairs = json_deep_copy(got);
        json_decref(rsp);
    }
    if (!self->pairs) {
        fs_err_set(e, "out of memory");
        goto fail;
    }
    fs_log(FS_LOG_INFO, "openc2-https", "ready", "url=%s transfer=%s pairs=%s", self->url,
           self->v10 ? "1.0" : "1.1", pairs ? "configured" : "discovered");
    return self;
fail:
    cleanup(&state);
    return NULL;
}

static json_t *pairs_of(void *state)
{
    oc2h_t *self = state;
    return json_deep_copy(self->pairs);
}

static json_t *execute(void *state, const json_t *command)
{
    return exchange(state, command);
}

/* The written schema of its config (issue 11.4; docs/openc2.md). */
static const fs_schema_field_t oc2h_fields[] = {
    FS_REQUIRED("url", FS_S_STRING),
    FS_FIELD("transfer", FS_S_ENUM("1.0", "1.1")),
    FS_FIELD("ca", FS_S_STRING),
    FS_FIELD("cert", FS_S_STRING),
    FS_FIELD("key", FS_S_STRING),
    FS_FIELD("timeout_ms", FS_S_INT(1, 600000)),
    FS_FIELD("connect_timeout_ms", FS_S_INT(1, 600000)),
    FS_FIELD("from", FS_S_STRING),
    FS_FIELD("to", FS_S_STRING),
    FS_FIELD("pairs", FS_S_MAP(NULL, FS_S_ARRAY(FS_S_STRING, 0, 64), 64)),
    FS_FIELDS_END,
};
static const fs_schema_t oc2h_schema = {.type = FS_SCHEMA_OBJECT, .fields = {oc2h_fields}};

const actuator_ops_t actuator_openc2_https = {
    .api_version = ACTUATOR_API_VERSION,
    .name = "openc2-https",
    .profile = "slpf",
    .init = init,
    .pairs = pairs_of,
    .execute = execute,
    .cleanup = cleanup,
    .config_schema = &oc2h_schema,
};
