/*  qradar_api.c — one IBM QRadar REST call (qradar.h): the SEC, Version and
    Range headers, QRadar's retry rules and its error shape, plus the
    parsers of QRadar's answers that the source and the responder share.

    The headers go through http_client_exchange (one attempt each, our
    headers, every body kept) because the shared client has no Range or
    Version header of its own; the retry loop is therefore here: 429 and 503
    always (QRadar answers 503 while a service restarts and 429 when its API
    thread pool is exhausted; neither carries a Retry-After we could rely
    on, so the wait is exponential, 1 s doubling, capped at
    retry_max_wait_s), other 5xx and transport errors for GET only. */
#include "connector_support.h"
#include "qradar.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define QRADAR_BACKOFF_BASE_MS 1000

int qradar_api_open(qradar_api_t *api, const json_t *config, const char *name, fs_err_t *e)
{
    memset(api, 0, sizeof *api);
    snprintf(api->name, sizeof api->name, "%s", name);
    const char *v = json_string_value(json_object_get(config, "api_version"));
    if (!v)
        v = QRADAR_DEFAULT_VERSION;
    if (strlen(v) >= sizeof api->version || strspn(v, "0123456789.") != strlen(v) || !*v)
        return fs_err_set(e, "%s: api_version \"%.20s\" is not a QRadar API version like \"20.0\"",
                          name, v);
    snprintf(api->version, sizeof api->version, "%s", v);
    fs_err_t se = {0};
    if (http_secret_load(config, "api_token", api->token, sizeof api->token, &se) != 0)
        return fs_err_set(e, "%s: the SEC token: %s", name, se.text);
    if (!api->token[0] || strpbrk(api->token, "\r\n"))
        return fs_err_set(e, "%s: the SEC token is empty or holds a line break", name);
    json_t *mr = json_object_get(config, "max_retries");
    api->max_retries = json_is_integer(mr) ? (int)json_integer_value(mr) : 4;
    json_t *mw = json_object_get(config, "retry_max_wait_s");
    api->retry_max_wait_ms = (json_is_integer(mw) ? (long)json_integer_value(mw) : 60) * 1000;
    /* The client itself carries no credentials: the SEC header is ours. */
    json_t *cfg = json_deep_copy(config);
    json_object_set_new(cfg, "auth", json_string("none"));
    json_object_del(cfg, "api_token_file");
    json_object_del(cfg, "api_token_env");
    api->http = http_client_new(cfg, name, e);
    json_decref(cfg);
    if (!api->http) {
        memset(api->token, 0, sizeof api->token);
        return -1;
    }
    return 0;
}

void qradar_api_release(qradar_api_t *api)
{
    http_client_destroy(&api->http);
    memset(api->token, 0, sizeof api->token);
}

void qradar_error_text(const char *body, size_t len, char *out, size_t size)
{
    out[0] = '\0';
    json_t *j = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        return;
    }
    const char *msg = json_string_value(json_object_get(j, "message"));
    const char *desc = json_string_value(json_object_get(j, "description"));
    json_t *code = json_object_get(j, "code");
    if (!msg)
        msg = json_string_value(json_object_get(json_object_get(j, "http_response"), "message"));
    if (msg || desc)
        snprintf(out, size, "QRadar code %lld: %.200s%s%.200s%s",
                 json_is_integer(code) ? (long long)json_integer_value(code) : -1LL,
                 msg ? msg : "(no message)", desc && *desc ? " (" : "", desc ? desc : "",
                 desc && *desc ? ")" : "");
    for (char *p = out; *p; p++) /* one log line */
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    json_decref(j);
}

int qradar_parse_content_range(const char *value, long *first, long *last, long *total)
{
    /* items A-B/TOTAL */
    const char *p = value;
    if (!p || strncmp(p, "items ", 6) != 0)
        return -1;
    p += 6;
    char *end;
    if (*p < '0' || *p > '9')
        return -1;
    long a = strtol(p, &end, 10);
    if (*end != '-' || end[1] < '0' || end[1] > '9')
        return -1;
    long b = strtol(end + 1, &end, 10);
    if (*end != '/' || b < a)
        return -1;
    p = end + 1;
    long t = -1;
    if (strcmp(p, "*") != 0) {
        if (*p < '0' || *p > '9')
            return -1;
        t = strtol(p, &end, 10);
        if (*end != '\0' || t < 0)
            return -1;
    }
    *first = a, *last = b, *total = t;
    return 0;
}

json_t *qradar_parse_offenses(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    if (!json_is_array(j)) {
        char qe[512];
        qradar_error_text(body, len, qe, sizeof qe);
        fs_err_set(e, "QRadar offenses answer is not an array%s%s", qe[0] ? ": " : "", qe);
        json_decref(j);
        return NULL;
    }
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v)
    {
        const char *what = NULL;
        json_t *id = json_object_get(v, "id"), *lp = json_object_get(v, "last_persisted_time");
        if (!json_is_object(v))
            what = "is not an offense object";
        else if (!json_is_integer(id) || json_integer_value(id) < 0)
            what = "has no integer id";
        else if (!json_is_integer(lp) || json_integer_value(lp) < 0)
            what = "has no integer last_persisted_time";
        if (what) {
            fs_err_set(e, "QRadar offenses answer: [%zu] %s", i, what);
            json_decref(j);
            return NULL;
        }
    }
    return j;
}

long qradar_closing_reason_id(const json_t *reasons, const char *reason, fs_err_t *e)
{
    if (!json_is_array(reasons))
        return fs_err_set(e, "QRadar closing reasons answer is not an array");
    bool by_id = reason && *reason && strspn(reason, "0123456789") == strlen(reason);
    char known[512] = "";
    size_t used = 0, i;
    json_t *r;
    json_array_foreach(reasons, i, r)
    {
        json_t *id = json_object_get(r, "id");
        const char *text = json_string_value(json_object_get(r, "text"));
        if (!json_is_integer(id) || !text || json_is_true(json_object_get(r, "is_deleted")))
            continue;
        char idtxt[24];
        snprintf(idtxt, sizeof idtxt, "%lld", (long long)json_integer_value(id));
        if (reason && (by_id ? strcmp(idtxt, reason) == 0 : strcasecmp(text, reason) == 0))
            return (long)json_integer_value(id);
        if (used < sizeof known - 1) {
            int n = snprintf(known + used, sizeof known - used, "%s%s \"%.60s\"", used ? ", " : "",
                             idtxt, text);
            used = n > 0 && (size_t)n < sizeof known - used ? used + (size_t)n : sizeof known - 1;
        }
    }
    fs_err_set(e, "no closing reason %s\"%.80s\" in QRadar (known: %s)", by_id ? "with id " : "",
               reason ? reason : "", known[0] ? known : "none");
    return -1;
}

json_t *qradar_call(qradar_api_t *api, const char *method, const char *url, long range_from,
                    long range_to, char *content_range, size_t cr_size, long *status, fs_err_t *e)
{
    char sec[HTTP_SECRET_MAX + 8], version[QRADAR_VERSION_MAX + 16], range[64];
    snprintf(sec, sizeof sec, "SEC: %s", api->token);
    snprintf(version, sizeof version, "Version: %s", api->version);
    snprintf(range, sizeof range, "Range: items=%ld-%ld", range_from, range_to);
    const char *headers[] = {"Accept: application/json", sec, version,
                             range_from >= 0 ? range : NULL, NULL};
    bool get = strcmp(method, "GET") == 0;
    long wait = QRADAR_BACKOFF_BASE_MS;
    if (status)
        *status = 0;
    for (int attempt = 0;; attempt++) {
        http_response_t r;
        fs_err_t xe = {0};
        int rc = http_client_exchange(api->http, method, url, NULL, headers,
                                      content_range ? "Content-Range" : NULL, &r, &xe);
        long last = r.status;
        if (status)
            *status = last;
        if (rc == 0) {
            if (content_range)
                snprintf(content_range, cr_size, "%s", r.captured);
            json_t *j = fs_json_parse(r.body, r.len, e);
            if (!j)
                fs_err_set(e, "%s: %s %.200s: the answer is not JSON", api->name, method, url);
            http_response_clear(&r);
            return j;
        }
        bool retry = r.status == 429 || r.status == 503 ||
                     (get && (r.status >= 500 || (r.status == 0 && !r.too_big)));
        char qe[512];
        qradar_error_text(r.body, r.len, qe, sizeof qe);
        const char *q = strchr(url, '?');
        if (r.status)
            fs_err_set(e, "%s: %s %.*s: HTTP %ld%s%s%s", api->name, method,
                       (int)(q ? (size_t)(q - url) : strlen(url)), url, r.status,
                       r.status == 401   ? " (the SEC token was refused)"
                       : r.status == 403 ? " (the token's security profile lacks this permission)"
                                         : "",
                       qe[0] ? ": " : "", qe);
        else
            fs_err_set(e, "%s", xe.text);
        http_response_clear(&r);
        if (!retry || attempt >= api->max_retries)
            return NULL;
        fs_log(FS_LOG_WARN, "adapter", "retrying",
               "connector=\"%s\" status=%ld attempt=%d wait_ms=%ld", api->name, last, attempt + 1,
               wait);
        if (!http_nap(wait))
            return NULL;
        wait = wait * 2 > api->retry_max_wait_ms ? api->retry_max_wait_ms : wait * 2;
    }
}
