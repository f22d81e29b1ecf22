/*  http_client.c — the libcurl wrapper behind every vendor connector
    (http_client.h says what it guarantees). */
#include "http_client.h"
#include "vendor_parsers.h"

#include <czmq.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HTTP_BACKOFF_BASE_MS 500
#define HTTP_BACKOFF_MAX_MS 30000

typedef enum {
    AUTH_NONE,
    AUTH_OAUTH2,
    AUTH_SSWS,
    AUTH_BEARER,
    AUTH_HEADER,
    AUTH_BASIC,
    AUTH_APITOKEN
} auth_kind_t;

struct http_client {
    char what[96];
    char base[1024];   /* scheme://host[:port][/prefix], no trailing slash */
    char origin[1024]; /* scheme://host[:port] */
    long timeout_ms, connect_timeout_ms;
    size_t max_body;
    int max_retries;
    long retry_max_wait_s;
    bool tls_verify;
    bool https_only; /* https:// only, TLS 1.2 or later (http_client_new_opts) */
    char ca_file[512];
    char client_cert[512], client_key[512]; /* mutual TLS: PEM files, or "" */
    auth_kind_t auth;
    char secret[HTTP_SECRET_MAX]; /* API token or OAuth2 client secret */
    char client_id[256];
    char username[256];
    char key_header[64];
    char token_url[1024];
    char scope[512];
    char token[HTTP_SECRET_MAX]; /* cached OAuth2 access token */
    int64_t token_expires;       /* monotonic ms */
    CURL *curl;
};

static bool curl_ready;

/* Internal request flag (http_client_exchange): one attempt, every body kept. */
#define HTTP_ONCE (1 << 8)

/* ---- small helpers ----------------------------------------------------------- */

static void wipe(char *s, size_t n)
{
    volatile char *p = s;
    while (n--)
        *p++ = 0;
}

/* The URL as it may appear in logs and errors: without query and fragment
   (vendors put tokens and cursors there) and without userinfo. */
static void url_for_humans(const char *url, char *out, size_t size)
{
    const char *s = strstr(url, "://");
    const char *host = s ? s + 3 : url;
    const char *at = strchr(host, '@');
    const char *slash = strchr(host, '/');
    size_t scheme = s ? (size_t)(host - url) : 0;
    if (at && (!slash || at < slash))
        host = at + 1;
    size_t n = strcspn(host, "?#");
    snprintf(out, size, "%.*s%.*s%s", (int)scheme, url, (int)(n > 900 ? 900 : n), host,
             host[n] ? "?…" : "");
}

/* ---- construction -------------------------------------------------------------- */

static const char *cfg_str(const json_t *c, const char *k)
{
    return json_string_value(json_object_get(c, k));
}

static long cfg_int(const json_t *c, const char *k, long dflt, long lo, long hi)
{
    json_t *v = json_object_get(c, k);
    if (!json_is_integer(v))
        return dflt;
    json_int_t n = json_integer_value(v);
    return n < lo ? lo : n > hi ? hi : (long)n;
}

static int parse_base(http_client_t *c, const char *base, fs_err_t *e)
{
    if (!base || (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0))
        return fs_err_set(e, "%s: base_url: required, an http:// or https:// URL", c->what);
    if (strchr(base, '?') || strchr(base, '#') || strchr(base, '@'))
        return fs_err_set(e, "%s: base_url: no query, fragment or user info allowed", c->what);
    if (snprintf(c->base, sizeof c->base, "%s", base) >= (int)sizeof c->base)
        return fs_err_set(e, "%s: base_url: longer than %zu bytes", c->what, sizeof c->base - 1);
    size_t n = strlen(c->base);
    while (n && c->base[n - 1] == '/')
        c->base[--n] = '\0';
    const char *host = strstr(c->base, "://") + 3;
    size_t hlen = strcspn(host, "/");
    if (hlen == 0)
        return fs_err_set(e, "%s: base_url: no host", c->what);
    snprintf(c->origin, sizeof c->origin, "%.*s", (int)(host - c->base + (ptrdiff_t)hlen), c->base);
    return 0;
}

static int curl_start(const char *what, fs_err_t *e)
{
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
            return fs_err_set(e, "%s: libcurl failed to initialise", what);
        curl_ready = true;
    }
    return 0;
}

/* Mutual TLS: both files or neither. */
static int set_client_cert(http_client_t *c, const char *cert, const char *key, fs_err_t *e)
{
    if (!cert != !key)
        return fs_err_set(e, "%s: client_cert_file and client_key_file go together (mutual TLS)",
                          c->what);
    if (cert &&
        (snprintf(c->client_cert, sizeof c->client_cert, "%s", cert) >=
             (int)sizeof c->client_cert ||
         snprintf(c->client_key, sizeof c->client_key, "%s", key) >= (int)sizeof c->client_key))
        return fs_err_set(e, "%s: client_cert_file or client_key_file: path too long", c->what);
    return 0;
}

http_client_t *http_client_new_opts(const http_client_opts_t *o, const char *what, fs_err_t *e)
{
    if (curl_start(what, e) != 0)
        return NULL;
    http_client_t *c = fs_xcalloc(1, sizeof *c);
    snprintf(c->what, sizeof c->what, "%s", what);
    c->https_only = o->https_only;
    if (parse_base(c, o->base_url, e) != 0)
        goto fail;
    if (c->https_only && strncmp(c->base, "https://", 8) != 0) {
        fs_err_set(e, "%s: an https:// URL is required", what);
        goto fail;
    }
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
    c->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
    c->max_body = o->max_body ? o->max_body : HTTP_DEFAULT_MAX_BODY;
    c->max_retries = o->max_retries;
    c->retry_max_wait_s = 60;
    c->tls_verify = true;
    c->auth = AUTH_NONE;
    if (o->ca_file &&
        snprintf(c->ca_file, sizeof c->ca_file, "%s", o->ca_file) >= (int)sizeof c->ca_file) {
        fs_err_set(e, "%s: ca_file: path too long", what);
        goto fail;
    }
    if (set_client_cert(c, o->client_cert_file, o->client_key_file, e) != 0)
        goto fail;
    if (!(c->curl = curl_easy_init())) {
        fs_err_set(e, "%s: cannot create a libcurl handle", what);
        goto fail;
    }
    return c;
fail:
    http_client_destroy(&c);
    return NULL;
}

/* The config path builds the same options and adds what only a connector
   config has (retry ceiling, tls_verify, credentials). */
http_client_t *http_client_new(const json_t *config, const char *what, fs_err_t *e)
{
    http_client_opts_t o = {
        .base_url = cfg_str(config, "base_url"),
        .timeout_ms = cfg_int(config, "timeout_s", 30, 1, 600) * 1000,
        .connect_timeout_ms = cfg_int(config, "connect_timeout_s", 10, 1, 120) * 1000,
        .max_body =
            (size_t)cfg_int(config, "max_body_bytes", HTTP_DEFAULT_MAX_BODY, 1024, 256L << 20),
        .max_retries = (int)cfg_int(config, "max_retries", 4, 0, 10),
        .ca_file = cfg_str(config, "ca_file"),
        .client_cert_file = cfg_str(config, "client_cert_file"),
        .client_key_file = cfg_str(config, "client_key_file"),
    };
    http_client_t *c = http_client_new_opts(&o, what, e);
    if (!c)
        return NULL;
    c->retry_max_wait_s = cfg_int(config, "retry_max_wait_s", 60, 0, 3600);
    c->tls_verify = !json_is_false(json_object_get(config, "tls_verify"));
    if (!c->tls_verify && strncmp(c->base, "https://", 8) == 0)
        fs_log(
            FS_LOG_WARN, "http", "tls_unverified",
            "connector=\"%s\" msg=\"tls_verify is false: the vendor's certificate is not checked\"",
            what);

    const char *auth = cfg_str(config, "auth");
    if (!auth || strcmp(auth, "none") == 0) {
        c->auth = AUTH_NONE;
    } else if (strcmp(auth, "oauth2") == 0) {
        c->auth = AUTH_OAUTH2;
        const char *tu = cfg_str(config, "token_url"), *id = cfg_str(config, "client_id");
        if (!tu || !id) {
            fs_err_set(e, "%s: auth oauth2 needs token_url and client_id", what);
            goto fail;
        }
        if (snprintf(c->client_id, sizeof c->client_id, "%s", id) >= (int)sizeof c->client_id ||
            snprintf(c->scope, sizeof c->scope, "%s",
                     cfg_str(config, "scope") ? cfg_str(config, "scope") : "") >=
                (int)sizeof c->scope) {
            fs_err_set(e, "%s: client_id or scope too long", what);
            goto fail;
        }
        int n = tu[0] == '/' ? snprintf(c->token_url, sizeof c->token_url, "%s%s", c->base, tu)
                             : snprintf(c->token_url, sizeof c->token_url, "%s", tu);
        if (n >= (int)sizeof c->token_url || (strncmp(c->token_url, "https://", 8) != 0 &&
                                              strncmp(c->token_url, "http://", 7) != 0)) {
            fs_err_set(e, "%s: token_url: an http(s) URL or a path on base_url", what);
            goto fail;
        }
        fs_err_t se = {0};
        if (http_secret_load(config, "client_secret", c->secret, sizeof c->secret, &se) != 0) {
            fs_err_set(e, "%s: %s", what, se.text);
            goto fail;
        }
    } else if (strcmp(auth, "ssws") == 0 || strcmp(auth, "bearer") == 0 ||
               strcmp(auth, "header") == 0 || strcmp(auth, "basic") == 0 ||
               strcmp(auth, "apitoken") == 0) {
        c->auth = strcmp(auth, "ssws") == 0     ? AUTH_SSWS
                  : strcmp(auth, "bearer") == 0 ? AUTH_BEARER
                  : strcmp(auth, "header") == 0 ? AUTH_HEADER
                  : strcmp(auth, "basic") == 0  ? AUTH_BASIC
                                                : AUTH_APITOKEN;
        if (c->auth == AUTH_HEADER) {
            const char *h = cfg_str(config, "api_key_header");
            if (!h || !*h || strlen(h) >= sizeof c->key_header || strpbrk(h, ":\r\n ")) {
                fs_err_set(e, "%s: auth header needs api_key_header (a header name)", what);
                goto fail;
            }
            snprintf(c->key_header, sizeof c->key_header, "%s", h);
        }
        if (c->auth == AUTH_BASIC) {
            const char *u = cfg_str(config, "username");
            if (!u || !*u || strlen(u) >= sizeof c->username || strchr(u, ':')) {
                fs_err_set(e, "%s: auth basic needs username", what);
                goto fail;
            }
            snprintf(c->username, sizeof c->username, "%s", u);
        }
        fs_err_t se = {0};
        if (http_secret_load(config, "api_token", c->secret, sizeof c->secret, &se) != 0) {
            fs_err_set(e, "%s: %s", what, se.text);
            goto fail;
        }
    } else {
        fs_err_set(e,
                   "%s: auth: \"%s\" is not none, oauth2, ssws, bearer, apitoken, header or basic",
                   what, auth);
        goto fail;
    }
    if (strpbrk(c->secret, "\r\n")) {
        fs_err_set(e, "%s: the credential contains a line break", what);
        goto fail;
    }
    return c;
fail:
    http_client_destroy(&c);
    return NULL;
}

void http_client_destroy(http_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    http_client_t *c = *self_p;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    wipe(c->secret, sizeof c->secret);
    wipe(c->token, sizeof c->token);
    free(c);
    *self_p = NULL;
}

const char *http_client_base(const http_client_t *self)
{
    return self->base;
}

void http_response_clear(http_response_t *r)
{
    if (!r)
        return;
    free(r->body);
    free(r->link_next);
    memset(r, 0, sizeof *r);
}

/* ---- one transfer ------------------------------------------------------------------ */

typedef struct {
    char *buf;
    size_t len, cap, max;
    bool too_big;
    long retry_after; /* -1 = none */
    char *link_next;
    const char *capture; /* a response header to keep, or NULL */
    char *captured;      /* where (http_response_t.captured) */
    size_t captured_size;
} sink_t;

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    sink_t *s = arg;
    size_t add = size * n;
    if (s->len + add > s->max) {
        s->too_big = true;
        return 0; /* aborts the transfer */
    }
    if (s->len + add + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 16384;
        while (cap < s->len + add + 1)
            cap *= 2;
        s->buf = fs_xrealloc(s->buf, cap);
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, add);
    s->len += add;
    s->buf[s->len] = '\0';
    return add;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    sink_t *s = arg;
    size_t len = size * n;
    if (len > 11 && strncasecmp(data, "HTTP/", 5) == 0) { /* a new response (1xx then final) */
        s->retry_after = -1;
        free(s->link_next);
        s->link_next = NULL;
    } else if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        char v[128];
        size_t m = len - 12 < sizeof v - 1 ? len - 12 : sizeof v - 1;
        memcpy(v, data + 12, m);
        v[m] = '\0';
        v[strcspn(v, "\r\n")] = '\0';
        s->retry_after = http_retry_after_seconds(v);
    } else if (len > 5 && strncasecmp(data, "Link:", 5) == 0 && !s->link_next) {
        s->link_next = http_link_next(data + 5, len - 5);
    }
    size_t cn = s->capture ? strlen(s->capture) : 0;
    if (cn && len > cn && strncasecmp(data, s->capture, cn) == 0 && data[cn] == ':') {
        const char *v = data + cn + 1;
        size_t vl = len - cn - 1;
        while (vl && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl >= s->captured_size)
            vl = s->captured_size - 1;
        memcpy(s->captured, v, vl);
        s->captured[vl] = '\0';
    }
    return len;
}

/* Resolves url against base; refuses other origins. */
static int resolve(http_client_t *c, const char *url, char *out, size_t size, fs_err_t *e)
{
    if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0) {
        size_t n = strlen(c->origin);
        if (strncmp(url, c->origin, n) != 0 || (url[n] != '/' && url[n] != '\0' && url[n] != '?')) {
            char h[256];
            url_for_humans(url, h, sizeof h);
            return fs_err_set(e, "%s: refusing to send credentials to %s (not on %s)", c->what, h,
                              c->origin);
        }
        if (snprintf(out, size, "%s", url) >= (int)size)
            return fs_err_set(e, "%s: URL longer than %zu bytes", c->what, size - 1);
        return 0;
    }
    if (snprintf(out, size, "%s%s%s", c->base, url[0] == '/' ? "" : "/", url) >= (int)size)
        return fs_err_set(e, "%s: URL longer than %zu bytes", c->what, size - 1);
    return 0;
}

typedef struct {
    long status;
    CURLcode cc;
    char curl_error[CURL_ERROR_SIZE];
} attempt_t;

/* Aborts a transfer when the adapter is asked to stop (SIGINT/SIGTERM). */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)arg, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return zsys_interrupted ? 1 : 0;
}

static void transfer(http_client_t *c, const char *method, const char *url, const char *body,
                     int flags, const char *auth_header, const char *const *headers, sink_t *sink,
                     attempt_t *at)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    struct curl_slist *hdrs = NULL;
    if (headers) {
        for (size_t i = 0; headers[i]; i++)
            hdrs = curl_slist_append(hdrs, headers[i]);
    } else {
        hdrs = curl_slist_append(hdrs, "Accept: application/json");
    }
    hdrs = curl_slist_append(hdrs, "User-Agent: fedsoar-adapter/" FEDSOAR_VERSION);
    if (body && !headers)
        hdrs = curl_slist_append(hdrs, flags & HTTP_FORM
                                           ? "Content-Type: application/x-www-form-urlencoded"
                                           : "Content-Type: application/json");
    if (auth_header)
        hdrs = curl_slist_append(hdrs, auth_header);
    at->curl_error[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, c->https_only ? "https" : "http,https");
    if (c->https_only)
        curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
    if (c->ca_file[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    if (c->client_cert[0]) { /* mutual TLS */
        curl_easy_setopt(h, CURLOPT_SSLCERT, c->client_cert);
        curl_easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
               strcmp(method, "PATCH") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, sink);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, at->curl_error);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    at->cc = curl_easy_perform(h);
    at->status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &at->status);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hdrs);
}

bool http_nap(long ms)
{
    for (long slept = 0; slept < ms; slept += 100) {
        if (zsys_interrupted)
            return false;
        zclock_sleep((int)(ms - slept < 100 ? ms - slept : 100));
    }
    return !zsys_interrupted;
}

static long backoff_ms(int attempt)
{
    long ms = HTTP_BACKOFF_BASE_MS;
    for (int i = 0; i < attempt && ms < HTTP_BACKOFF_MAX_MS; i++)
        ms *= 2;
    if (ms > HTTP_BACKOFF_MAX_MS)
        ms = HTTP_BACKOFF_MAX_MS;
    return ms / 2 + (long)(rand() % (int)(ms / 2 + 1)); /* jitter: [ms/2, ms] */
}

/* Runs one request with the retry policy; auth_header may be NULL. */
static int perform(http_client_t *c, const char *method, const char *url, const char *body,
                   int flags, const char *auth_header, const char *const *headers,
                   const char *capture, http_response_t *out, fs_err_t *e)
{
    memset(out, 0, sizeof *out);
    char human[1024];
    url_for_humans(url, human, sizeof human);
    for (int attempt = 0;; attempt++) {
        sink_t sink = {.max = c->max_body,
                       .retry_after = -1,
                       .capture = capture,
                       .captured = out->captured,
                       .captured_size = sizeof out->captured};
        attempt_t at;
        transfer(c, method, url, body, flags, auth_header, headers, &sink, &at);
        out->transport = (int)at.cc;
        out->timed_out = at.cc == CURLE_OPERATION_TIMEDOUT;
        out->too_big = sink.too_big;
        if (at.cc != CURLE_OK)
            snprintf(out->detail, sizeof out->detail, "%s (%s)", curl_easy_strerror(at.cc),
                     at.curl_error[0] ? at.curl_error : "no detail");
        if ((flags & HTTP_ONCE) && (at.cc != CURLE_OK || at.status < 200 || at.status >= 300)) {
            /* A proxy's exchange: no retry; the caller reads what happened. */
            out->status = at.status;
            out->body = sink.buf ? sink.buf : fs_xstrdup("");
            out->len = sink.len;
            free(sink.link_next);
            return fs_err_set(e, "%s: %s %s: %s", c->what, method, human,
                              at.cc != CURLE_OK ? curl_easy_strerror(at.cc) : "not a 2xx answer");
        }
        bool retryable = false;
        long wait = -1;
        if (at.cc == CURLE_OK && at.status >= 200 && at.status < 300) {
            out->status = at.status;
            out->body = sink.buf ? sink.buf : fs_xstrdup("");
            out->len = sink.len;
            out->link_next = sink.link_next;
            return 0;
        }
        if (sink.too_big) {
            free(sink.buf);
            free(sink.link_next);
            return fs_err_set(e, "%s: %s %s: response body larger than max_body_bytes (%zu)",
                              c->what, method, human, c->max_body);
        }
        if (at.cc != CURLE_OK) {
            retryable = flags & HTTP_IDEMPOTENT;
            fs_err_set(e, "%s: %s %s: %s", c->what, method, human,
                       at.curl_error[0] ? at.curl_error : curl_easy_strerror(at.cc));
        } else if (at.status == 429) {
            retryable = true;
            wait = sink.retry_after;
            fs_err_set(e, "%s: %s %s: HTTP 429 rate limited", c->what, method, human);
        } else if (at.status >= 500) {
            retryable = flags & HTTP_IDEMPOTENT;
            wait = sink.retry_after; /* 503 may carry one too */
            fs_err_set(e, "%s: %s %s: HTTP %ld from the vendor", c->what, method, human, at.status);
        } else {
            fs_err_set(e, "%s: %s %s: HTTP %ld%s", c->what, method, human, at.status,
                       flags & HTTP_FORM ? "" /* the token request adds its own hint */
                       : at.status == 401
                           ? " (credentials refused: check the token or client secret)"
                       : at.status == 403 ? " (the credentials lack a permission this call needs)"
                       : at.status == 404 ? " (not found)"
                                          : "");
            /* keep the body: callers may want the vendor's error details */
            out->status = at.status;
            out->body = sink.buf ? sink.buf : fs_xstrdup("");
            out->len = sink.len;
            free(sink.link_next);
            return -1;
        }
        free(sink.buf);
        free(sink.link_next);
        out->status = at.status;
        if (!retryable || attempt >= c->max_retries)
            return -1;
        if (wait > c->retry_max_wait_s) {
            char msg[sizeof e->text];
            if (snprintf(msg, sizeof msg, "%s (Retry-After %ld s exceeds retry_max_wait_s %ld)",
                         e ? e->text : "", wait, c->retry_max_wait_s) >= (int)sizeof msg)
                msg[sizeof msg - 2] = '.'; /* truncated, still useful */
            return fs_err_set(e, "%s", msg);
        }
        long ms = wait >= 0 ? wait * 1000 : backoff_ms(attempt);
        fs_log(FS_LOG_WARN, "http", "retrying",
               "connector=\"%s\" method=%s url=\"%s\" status=%ld attempt=%d wait_ms=%ld", c->what,
               method, human, at.status, attempt + 1, ms);
        if (!http_nap(ms))
            return fs_err_set(e, "%s: %s %s: interrupted while waiting to retry", c->what, method,
                              human);
    }
}

/* ---- OAuth2 client credentials ------------------------------------------------------ */

static int fetch_token(http_client_t *c, fs_err_t *e)
{
    char *id = http_escape(c->client_id), *secret = http_escape(c->secret),
         *scope = http_escape(c->scope);
    size_t n = strlen(id) + strlen(secret) + strlen(scope) + 96;
    char *form = fs_xmalloc(n);
    snprintf(form, n, "grant_type=client_credentials&client_id=%s&client_secret=%s%s%s", id, secret,
             scope[0] ? "&scope=" : "", scope);
    wipe(secret, strlen(secret));
    free(secret);
    free(id);
    free(scope);
    http_response_t r;
    int rc = perform(c, "POST", c->token_url, form, HTTP_FORM | HTTP_IDEMPOTENT, NULL, NULL, NULL,
                     &r, e);
    wipe(form, strlen(form));
    free(form);
    if (rc != 0) {
        char msg[sizeof e->text];
        bool refused = r.status == 400 || r.status == 401 || r.status == 403;
        if (snprintf(
                msg, sizeof msg, "%s%s", e ? e->text : "",
                refused ? " (OAuth2 token request: client credentials refused; check client_id and "
                          "client_secret_file/_env)"
                        : " (OAuth2 token request)") >= (int)sizeof msg)
            msg[sizeof msg - 2] = '.';
        http_response_clear(&r);
        return fs_err_set(e, "%s", msg);
    }
    int64_t secs = 3600;
    if (http_oauth_parse_token(r.body, r.len, c->token, sizeof c->token, &secs) != 0) {
        wipe(r.body, r.len);
        http_response_clear(&r);
        return fs_err_set(e, "%s: OAuth2 token response from %s has no usable access_token",
                          c->what, c->token_url);
    }
    /* Refresh a minute early (or at 90% of a short lifetime). */
    int64_t early = secs > 600 ? 60 : secs / 10;
    c->token_expires = fs_mono_ms() + (secs - early) * 1000;
    wipe(r.body, r.len);
    http_response_clear(&r);
    fs_log(FS_LOG_INFO, "http", "token_refreshed", "connector=\"%s\" expires_in_s=%lld", c->what,
           (long long)secs);
    return 0;
}

static int auth_header(http_client_t *c, char *out, size_t size, fs_err_t *e)
{
    out[0] = '\0';
    switch (c->auth) {
    case AUTH_NONE:
        return 0;
    case AUTH_OAUTH2:
        if ((!c->token[0] || fs_mono_ms() >= c->token_expires) && fetch_token(c, e) != 0)
            return -1;
        if (snprintf(out, size, "Authorization: Bearer %s", c->token) >= (int)size)
            return fs_err_set(e, "%s: the access token is too long for a header", c->what);
        return 0;
    case AUTH_SSWS:
    case AUTH_BEARER:
    case AUTH_APITOKEN:
    case AUTH_HEADER:
        if (snprintf(out, size, "%s:%s %s",
                     c->auth == AUTH_HEADER ? c->key_header : "Authorization",
                     c->auth == AUTH_SSWS       ? " SSWS"
                     : c->auth == AUTH_BEARER   ? " Bearer"
                     : c->auth == AUTH_APITOKEN ? " ApiToken"
                                                : "",
                     c->secret) >= (int)size)
            return fs_err_set(e, "%s: the credential is too long for a header", c->what);
        return 0;
    case AUTH_BASIC: {
        char plain[HTTP_SECRET_MAX + 300];
        int n = snprintf(plain, sizeof plain, "%s:%s", c->username, c->secret);
        static const char tbl[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t len = (size_t)n, o = (size_t)snprintf(out, size, "Authorization: Basic ");
        for (size_t i = 0; i < len && o + 5 < size; i += 3) {
            unsigned v = (unsigned char)plain[i] << 16;
            if (i + 1 < len)
                v |= (unsigned char)plain[i + 1] << 8;
            if (i + 2 < len)
                v |= (unsigned char)plain[i + 2];
            out[o++] = tbl[(v >> 18) & 63];
            out[o++] = tbl[(v >> 12) & 63];
            out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
            out[o++] = i + 2 < len ? tbl[v & 63] : '=';
        }
        out[o] = '\0';
        wipe(plain, sizeof plain);
        return 0;
    }
    }
    return 0;
}

int http_client_request(http_client_t *c, const char *method, const char *url, const char *body,
                        int flags, http_response_t *out, fs_err_t *e)
{
    memset(out, 0, sizeof *out);
    char full[HTTP_URL_MAX];
    if (resolve(c, url, full, sizeof full, e) != 0)
        return -1;
    char hdr[HTTP_SECRET_MAX + 64];
    if (!(flags & HTTP_NO_AUTH) && auth_header(c, hdr, sizeof hdr, e) != 0)
        return -1;
    const char *ah = (flags & HTTP_NO_AUTH) || !hdr[0] ? NULL : hdr;
    int rc = perform(c, method, full, body, flags & ~HTTP_ONCE, ah, NULL, NULL, out, e);
    if (rc != 0 && out->status == 401 && c->auth == AUTH_OAUTH2 && !(flags & HTTP_NO_AUTH)) {
        /* The token may have been revoked or expired early: fetch a new one once. */
        fs_log(FS_LOG_INFO, "http", "token_rejected",
               "connector=\"%s\" msg=\"401: refreshing the token once\"", c->what);
        http_response_clear(out);
        c->token[0] = '\0';
        if (auth_header(c, hdr, sizeof hdr, e) == 0)
            rc = perform(c, method, full, body, flags & ~HTTP_ONCE, hdr, NULL, NULL, out, e);
    }
    wipe(hdr, sizeof hdr);
    return rc;
}

json_t *http_client_json(http_client_t *c, const char *method, const char *url, const json_t *body,
                         int flags, http_response_t *resp, fs_err_t *e)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    http_response_t local;
    http_response_t *r = resp ? resp : &local;
    int rc = http_client_request(c, method, url, text, flags, r, e);
    free(text);
    json_t *j = NULL;
    if (rc == 0) {
        if (r->len == 0) {
            j = json_object();
        } else {
            fs_err_t pe = {0};
            j = fs_json_parse(r->body, r->len, &pe);
            if (!j) {
                char human[512];
                url_for_humans(url, human, sizeof human);
                fs_err_set(e, "%s: %s %s: HTTP %ld with a body that is not JSON (%s)", c->what,
                           method, human, r->status, pe.text);
            }
        }
    }
    if (!resp)
        http_response_clear(&local);
    return j;
}

int http_client_exchange(http_client_t *c, const char *method, const char *url, const char *body,
                         const char *const *headers, const char *capture, http_response_t *out,
                         fs_err_t *e)
{
    memset(out, 0, sizeof *out);
    char full[HTTP_URL_MAX];
    if (resolve(c, url, full, sizeof full, e) != 0)
        return -1;
    return perform(c, method, full, body, HTTP_ONCE, NULL, headers, capture, out, e);
}
