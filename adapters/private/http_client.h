/*  http_client.h — private to libfedsoar_adapters: the one libcurl wrapper
    every connector (source, analyzer, responder, actuator, the OpenC2-over-
    HTTPS proxy included) talks to its vendor through.  docs/connectors.md documents the
   configuration keys.

    What it guarantees:
    - bounded: response bodies at most max_body_bytes, every request has a
      total and a connect timeout, retries are counted and their waits capped;
    - TLS verification on unless a config says "tls_verify": false; "ca_file"
      names a private CA (tests, on-premise appliances); mutual TLS with
      "client_cert_file" and "client_key_file" (PEM);
    - 429 (honouring Retry-After in seconds or as an HTTP date) and, for
      idempotent requests, 5xx and transport errors are retried with
      exponential backoff;
    - OAuth2 client credentials: the token is cached, refreshed shortly
      before it expires and once after a 401;
    - credentials come from files or environment variables named in the
      config, never from the config itself, and never reach a log line or an
      error message (errors name method, URL without its query, and status);
    - no redirects are followed and absolute URLs handed back by a vendor
      (pagination links) must stay on the configured origin, so credentials
      never travel to another host. */
#ifndef FEDSOAR_HTTP_CLIENT_H
#define FEDSOAR_HTTP_CLIENT_H

#include "common.h"
#include "config_schema.h"

#define HTTP_DEFAULT_MAX_BODY (16u << 20) /* 16 MiB */
#define HTTP_URL_MAX 4096
#define HTTP_SECRET_MAX 4096

typedef struct http_client http_client_t;

typedef struct http_response {
    long status; /* HTTP status, 0 when no response arrived */
    char *body;  /* NUL-terminated; owned by the response */
    size_t len;
    char *link_next; /* Link: <…>; rel="next", or NULL; owned */
    /* How the last attempt's transfer ended (http_client_exchange): */
    int transport;      /* 0 (a response arrived) or libcurl's CURLcode */
    bool timed_out;     /* the timeout ended it */
    bool too_big;       /* the body passed max_body_bytes */
    char detail[512];   /* a transport failure in libcurl's words ("WHAT (DETAIL)"), or "" */
    char captured[128]; /* the value of the captured response header, "" when absent */
} http_response_t;

/* Request flags. */
enum {
    HTTP_IDEMPOTENT = 1, /* safe to repeat after a 5xx or a lost connection */
    HTTP_NO_AUTH = 2,    /* do not add the configured credentials */
    HTTP_FORM = 4,       /* body is application/x-www-form-urlencoded, not JSON */
};

/* Creates a client from a connector's config object (borrowed):
     base_url (required), timeout_s (30), connect_timeout_s (10),
     max_body_bytes (16 MiB), max_retries (4), retry_max_wait_s (60),
     tls_verify (true), ca_file, client_cert_file + client_key_file (mutual TLS),
     auth: "none" | "oauth2" | "ssws" | "bearer" | "apitoken" | "header" | "basic"
       oauth2: token_url (absolute, or a path on base_url), client_id,
               client_secret_file | client_secret_env, scope (optional)
       ssws/bearer/apitoken: api_token_file | api_token_env ("Authorization: SSWS|Bearer|ApiToken
   …") header: api_key_header (e.g. "x-apikey") + api_token_file | _env basic: username +
   api_token_file | api_token_env `what` names the connector in errors ("sources[0] (cs)"). Caller
   owns. */
http_client_t *http_client_new(const json_t *config, const char *what, fs_err_t *e);
/* The written schema of those keys (issue 11.4): a field table every HTTP
   connector's schema joins (FS_S_OBJECT(its_fields, http_client_fields)). */
extern const fs_schema_field_t http_client_fields[];
void http_client_destroy(http_client_t **self_p);

/* A client built from values rather than a config object, for a caller
   with its own config keys (the openc2-https actuator).  Zero fields take
   the defaults above; auth is none. */
typedef struct http_client_opts {
    const char *base_url; /* required */
    long timeout_ms, connect_timeout_ms;
    size_t max_body;
    int max_retries;
    const char *ca_file;                            /* NULL: the system's CAs */
    const char *client_cert_file, *client_key_file; /* mutual TLS (both or neither) */
    bool https_only;                                /* refuse http:// (and TLS < 1.2) */
} http_client_opts_t;
http_client_t *http_client_new_opts(const http_client_opts_t *opts, const char *what, fs_err_t *e);

/* The configured base URL, without a trailing slash. Borrowed. */
const char *http_client_base(const http_client_t *self);

/* Sends one request and fills *out (clear it with http_response_clear).
   url is a path ("/api/v1/logs?…", joined to base_url) or an absolute URL
   on base_url's origin. body may be NULL. Returns 0 when a response with a
   2xx status arrived, -1 otherwise (e set; out->status says which status,
   0 for transport errors). */
int http_client_request(http_client_t *self, const char *method, const char *url, const char *body,
                        int flags, http_response_t *out, fs_err_t *e);

/* As http_client_request, and parses the 2xx body as JSON (an empty body
   gives an empty object). Caller owns the result; NULL on failure. When
   resp is not NULL the raw response is left there (caller clears it). */
json_t *http_client_json(http_client_t *self, const char *method, const char *url,
                         const json_t *body, int flags, http_response_t *resp, fs_err_t *e);

/* One exchange as a proxy needs it: a single attempt whatever happens (no
   retry), the body kept for every status, the transfer's outcome in
   out->transport / timed_out / too_big / detail.  headers (NULL-terminated
   "Name: value" lines, may be NULL) replace the default Accept and
   Content-Type; capture names a response header whose value goes into
   out->captured (NULL: none).  Returns 0 when a 2xx response arrived, -1
   otherwise (e set). */
int http_client_exchange(http_client_t *self, const char *method, const char *url, const char *body,
                         const char *const *headers, const char *capture, http_response_t *out,
                         fs_err_t *e);

void http_response_clear(http_response_t *r);

/* Sleeps ms between retries, in slices so SIGTERM is served promptly.
   false when interrupted (the caller gives up). */
bool http_nap(long ms);

/* Percent-encodes s for a URL query or path segment. Caller owns. */
char *http_escape(const char *s);

/* Reads a credential named by config keys "<key>_file" or "<key>_env" into
   out (trailing newline trimmed). An inline "<key>" is refused, so secrets
   never sit in a config file that is shown or copied around. */
int http_secret_load(const json_t *config, const char *key, char *out, size_t size, fs_err_t *e);

/* The header parsers (Link, Retry-After) and the OAuth2 token answer
   parser are in vendor_parsers.h. */

#endif
