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
    uncorrelated response -> 500. status_text says which and where.

    The transfer is http_client.c's (mutual TLS, https only, TLS 1.2 or
    later, one attempt, no redirect); this file builds the message and
    reads the answer (openc2_https_parse_answer, fuzzed). */
#include "openc2.h"
#include "http_client.h"
#include "plugin.h"
#include "vendor_parsers.h"

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
    http_client_t *http;
} oc2h_t;

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
    char *body = json_dumps(msg, JSON_COMPACT); /* jansson aborts on OOM (common.h) */
    json_decref(msg);

    const char *v10_headers[] = {"Content-Type: " OC2H_CT_V10_CMD, "Accept: " OC2H_CT_V10_RSP, NULL,
                                 "Expect:", NULL};
    const char *v11_headers[] = {"Content-Type: " OC2H_CT_V11, "Accept: " OC2H_CT_V11,
                                 "Expect:", NULL};
    char xrid[64];
    if (self->v10) {
        snprintf(xrid, sizeof xrid, "X-Request-ID: %s", request_id);
        v10_headers[2] = xrid;
    }
    http_response_t r;
    fs_err_t he = {0};
    int64_t t0 = fs_mono_ms();
    http_client_exchange(self->http, "POST", self->url, body, self->v10 ? v10_headers : v11_headers,
                         "X-Request-ID", &r, &he);
    long http = r.status;
    free(body);
    fs_log(FS_LOG_INFO, "openc2-https", "exchanged",
           "url=%s transfer=%s request_id=%s http=%ld curl=%d ms=%lld", self->url,
           self->v10 ? "1.0" : "1.1", request_id, http, r.transport,
           (long long)(fs_mono_ms() - t0));

    json_t *out = NULL;
    char snip[200];
    if (r.timed_out) {
        out = fail(503, "openc2-https: consumer %s did not answer within %ld ms (request_id %s)",
                   self->url, self->timeout_ms, request_id);
    } else if (r.too_big) {
        out = fail(500, "openc2-https: consumer %s sent more than %d bytes", self->url,
                   OC2H_MAX_BODY);
    } else if (r.transport != 0) {
        out = fail(503, "openc2-https: cannot exchange with consumer %s: %s", self->url, r.detail);
    } else if (http != 200) {
        excerpt(r.body, r.len, snip, sizeof snip);
        int status = http == 502 || http == 503 || http == 504 ? 503 : 500;
        out = fail(status, "openc2-https: consumer %s answered HTTP %ld%s%s", self->url, http,
                   snip[0] ? ": " : "", snip);
    }
    if (out) {
        http_response_clear(&r);
        return out;
    }
    char why[400];
    json_t *rsp = openc2_https_parse_answer(r.body, r.len, self->v10, request_id, r.captured, why,
                                            sizeof why);
    http_response_clear(&r);
    if (!rsp)
        return fail(500, "openc2-https: consumer %s %s", self->url, why);
    return rsp;
}

json_t *openc2_https_parse_answer(const char *body, size_t len, bool v10, const char *request_id,
                                  const char *x_request_id, char *why, size_t size)
{
    fs_err_t e = {0};
    json_t *doc = fs_json_parse(body ? body : "", len, &e);
    if (!doc) {
        snprintf(why, size, "sent a body that is not JSON: %s", e.text);
        return NULL;
    }
    const json_t *rsp;
    if (v10) {
        if (x_request_id && x_request_id[0] && strcmp(x_request_id, request_id) != 0) {
            snprintf(why, size, "answered X-Request-ID %.40s to request %s", x_request_id,
                     request_id);
            json_decref(doc);
            return NULL;
        }
        rsp = doc;
    } else {
        const char *rid =
            json_string_value(json_object_get(json_object_get(doc, "headers"), "request_id"));
        if (!rid || strcmp(rid, request_id) != 0) {
            snprintf(why, size,
                     "answered headers.request_id \"%.40s\" "
                     "to request %s: the response does not belong to this command",
                     rid ? rid : "(none)", request_id);
            json_decref(doc); /* rid points into doc */
            return NULL;
        }
        rsp = json_object_get(json_object_get(json_object_get(doc, "body"), "openc2"), "response");
        if (!rsp) {
            snprintf(why, size, "answered without body.openc2.response");
            json_decref(doc);
            return NULL;
        }
    }
    char reason[OPENC2_REASON_MAX];
    if (openc2_validate_response(rsp, reason, sizeof reason) == OPENC2_BAD_REQUEST) {
        snprintf(why, size, "sent an invalid OpenC2 response: %s", reason);
        json_decref(doc);
        return NULL;
    }
    /* 501 (an extension this side does not know) is relayed as it is. */
    json_t *out = json_deep_copy(rsp);
    json_decref(doc);
    return out;
}

/* ---- configuration ----------------------------------------------------------- */

static int take_string(const json_t *cfg, const char *key, char **out, fs_err_t *e)
{
    const json_t *v = json_object_get(cfg, key);
    if (!v)
        return 0;
    if (!json_is_string(v) || !json_string_length(v))
        return fs_err_set(e, "actuator_config.openc2-https.%s: expected a non-empty string", key);
    *out = fs_xstrdup(json_string_value(v));
    return 0;
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
    http_client_destroy(&self->http);
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
    oc2h_t *self = fs_xcalloc(1, sizeof *self);
    void *state = self;
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
    if (!self->from)
        self->from = fs_xstrdup("fedsoar-adapter");
    /* The HTTP client: base_url is the URL's origin; requests name the URL. */
    char origin[1024];
    const char *host = self->url + 8;
    snprintf(origin, sizeof origin, "https://%.*s", (int)strcspn(host, "/?#"), host);
    http_client_opts_t ho = {.base_url = origin,
                             .timeout_ms = self->timeout_ms,
                             .connect_timeout_ms = self->connect_timeout_ms,
                             .max_body = OC2H_MAX_BODY,
                             .max_retries = 0,
                             .ca_file = self->ca,
                             .client_cert_file = self->cert,
                             .client_key_file = self->key,
                             .https_only = true};
    fs_err_t he = {0};
    if (!(self->http = http_client_new_opts(&ho, "openc2-https", &he))) {
        fs_err_set(e, "actuator_config.openc2-https.url: %s", he.text);
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
        json_t *rsp = exchange(self, q);
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

const adapter_plugin_t actuator_openc2_https = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_ACTUATOR,
    .type = "openc2-https",
    .summary = "OpenC2 commands forwarded to a native consumer over HTTPS (mutual TLS)",
    .profile = "slpf",
    .init = init,
    .pairs = pairs_of,
    .execute = execute,
    .cleanup = cleanup,
    .config_schema = &oc2h_schema,
};
