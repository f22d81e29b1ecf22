/*  http_json.c — analyzer "http-json": one configurable HTTP call whose JSON
    answer becomes the result, for the site's own intelligence services.
      config  {"base_url", "method": "GET", "url": "/v1/ip/{{data}}?type={{dataType}}",
               "headers": [{"name": "X-Api-Key", "value_file": "…"}], "body": {…template…},
               "fields": {"verdict": "/data/attributes/verdict"}, "max_result_bytes": 65536,
               "timeout_s": 30}
    {{name}} in the URL is the input's field, percent-encoded; in the body a
    string that is exactly "{{name}}" becomes the input's value with its
    type, other strings get it as text.  The result holds each field picked
    by its JSON pointer (RFC 6901; null when absent), or the whole answer
    when no field is configured, at most max_result_bytes serialized. */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

#define HTTP_JSON_MAX_URL 4096
#define HTTP_JSON_MAX_TEXT 65536
#define HTTP_JSON_DEFAULT_RESULT 65536

/* ---- JSON pointers (RFC 6901) ---------------------------------------------------- */

/* The array index a reference token names, or -1 ("-", leading zeros, not digits, too big). */
static long long array_index(const char *tok, size_t n)
{
    if (n == 0 || n > 18 || (n > 1 && tok[0] == '0'))
        return -1;
    long long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (tok[i] < '0' || tok[i] > '9')
            return -1;
        v = v * 10 + (tok[i] - '0');
    }
    return v;
}

int json_pointer_get(const json_t *doc, const char *ptr, size_t len, const json_t **out)
{
    *out = NULL;
    if (len == 0) {
        *out = doc;
        return 0;
    }
    if (ptr[0] != '/')
        return -1;
    for (size_t i = 0; i < len; i++)
        if (ptr[i] == '~' && (i + 1 == len || (ptr[i + 1] != '0' && ptr[i + 1] != '1')))
            return -1;
    char *tok = fs_xmalloc(len);
    const json_t *cur = doc;
    size_t i = 1;
    for (;;) {
        size_t n = 0;
        while (i < len && ptr[i] != '/') {
            if (ptr[i] == '~') {
                tok[n++] = ptr[i + 1] == '1' ? '/' : '~';
                i += 2;
            } else {
                tok[n++] = ptr[i++];
            }
        }
        if (json_is_object(cur)) {
            cur = json_object_getn(cur, tok, n);
        } else if (json_is_array(cur)) {
            long long k = array_index(tok, n);
            cur =
                k >= 0 && (size_t)k < json_array_size(cur) ? json_array_get(cur, (size_t)k) : NULL;
        } else {
            cur = NULL;
        }
        if (!cur || i >= len)
            break;
        i++; /* the '/' before the next token */
    }
    free(tok);
    if (!cur)
        return 1;
    *out = cur;
    return 0;
}

json_t *http_json_pick(const char *body, size_t len, const json_t *fields, size_t max_bytes,
                       fs_err_t *e)
{
    json_t *doc = len == 0 ? json_object() : fs_json_parse(body, len, e);
    if (!doc)
        return NULL;
    json_t *res;
    if (json_object_size(fields) == 0) {
        res = json_incref(doc);
    } else {
        res = json_object();
        const char *name;
        json_t *p;
        json_object_foreach((json_t *)fields, name, p)
        {
            const json_t *v = NULL;
            const char *ptr = json_string_value(p);
            int rc = ptr ? json_pointer_get(doc, ptr, json_string_length(p), &v) : -1;
            if (rc < 0) {
                fs_err_set(e, "fields.%.60s: \"%.80s\" is not a JSON pointer (RFC 6901)", name,
                           ptr ? ptr : "");
                json_decref(res);
                json_decref(doc);
                return NULL;
            }
            json_object_set_new(res, name, v ? json_deep_copy(v) : json_null());
        }
    }
    json_decref(doc);
    char *text = json_dumps(res, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t n = text ? strlen(text) : 0;
    free(text);
    if (n > max_bytes) {
        fs_err_set(e,
                   "the result is %zu bytes, more than max_result_bytes (%zu); pick fields with "
                   "\"fields\"",
                   n, max_bytes);
        json_decref(res);
        return NULL;
    }
    return res;
}

/* ---- templates ---------------------------------------------------------------------- */

/* The field name inside "{{ name }}" starting at p ("{{"): its start and
   length, and where the placeholder ends; false when it is malformed. */
static bool placeholder(const char *p, const char **name, size_t *n, const char **end)
{
    const char *q = p + 2;
    while (*q == ' ')
        q++;
    size_t k = strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
    const char *r = q + k;
    while (*r == ' ')
        r++;
    if (k == 0 || k > 64 || strncmp(r, "}}", 2) != 0)
        return false;
    *name = q;
    *n = k;
    *end = r + 2;
    return true;
}

/* The input's field as text (caller owns), or NULL with why set. */
static char *field_text(const json_t *input, const char *name, size_t n, char *why, size_t size)
{
    const json_t *v = json_object_getn(input, name, n);
    if (json_is_string(v))
        return fs_xstrdup(json_string_value(v));
    if (json_is_number(v) || json_is_boolean(v))
        return json_dumps(v, JSON_ENCODE_ANY);
    snprintf(why, size, "input needs \"%.*s\" (a string, number or boolean) for the template",
             (int)n, name);
    return NULL;
}

/* Renders tpl with the input's fields (percent-encoded when escape).
   Caller owns; NULL with why set (unknown field, malformed, too long). */
static char *render(const char *tpl, const json_t *input, bool escape, size_t max, char *why,
                    size_t size)
{
    size_t cap = strlen(tpl) + 64, len = 0;
    char *out = fs_xmalloc(cap);
    for (const char *p = tpl; *p;) {
        const char *piece = p, *next;
        size_t plen;
        char *val = NULL;
        if (strncmp(p, "{{", 2) == 0) {
            const char *name;
            size_t n;
            if (!placeholder(p, &name, &n, &next)) {
                snprintf(why, size, "template \"%.60s\": \"{{\" without a field name and \"}}\"",
                         tpl);
                free(out);
                return NULL;
            }
            if (!(val = field_text(input, name, n, why, size))) {
                free(out);
                return NULL;
            }
            if (escape) {
                char *esc = http_escape(val);
                free(val);
                val = esc;
            }
            piece = val;
            plen = strlen(val);
        } else {
            const char *b = strstr(p + 1, "{{");
            next = b ? b : p + strlen(p);
            plen = (size_t)(next - p);
        }
        if (len + plen >= max) {
            snprintf(why, size, "template \"%.60s\": rendered text longer than %zu bytes", tpl,
                     max);
            free(val);
            free(out);
            return NULL;
        }
        if (len + plen + 1 > cap)
            out = fs_xrealloc(out, cap = (len + plen + 1) * 2);
        memcpy(out + len, piece, plen);
        len += plen;
        free(val);
        p = next;
    }
    out[len] = '\0';
    return out;
}

/* Renders a body template (any JSON value). Caller owns; NULL with why. */
static json_t *render_json(const json_t *tpl, const json_t *input, char *why, size_t size)
{
    if (json_is_string(tpl)) {
        const char *s = json_string_value(tpl), *name, *end;
        size_t n;
        if (placeholder(s, &name, &n, &end) &&
            *end == '\0') { /* exactly one placeholder: keep the type */
            const json_t *v = json_object_getn(input, name, n);
            if (!v)
                snprintf(why, size, "input needs \"%.*s\" for the body template", (int)n, name);
            return v ? json_deep_copy(v) : NULL;
        }
        char *text = render(s, input, false, HTTP_JSON_MAX_TEXT, why, size);
        json_t *r = text ? json_string(text) : NULL;
        if (text && !r)
            snprintf(why, size, "the body template renders to text that is not UTF-8");
        free(text);
        return r;
    }
    json_t *out = json_is_object(tpl) ? json_object() : json_is_array(tpl) ? json_array() : NULL;
    if (!out)
        return json_deep_copy(tpl);
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(tpl)) {
        json_object_foreach((json_t *)tpl, k, v)
        {
            json_t *r = render_json(v, input, why, size);
            if (!r || json_object_set_new(out, k, r) != 0)
                goto fail;
        }
    } else {
        json_array_foreach(tpl, i, v)
        {
            json_t *r = render_json(v, input, why, size);
            if (!r || json_array_append_new(out, r) != 0)
                goto fail;
        }
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

/* ---- the analyzer -------------------------------------------------------------------- */

/* Checks the config; a copy with the header mapped onto the HTTP client's
   "header" auth (caller owns), or NULL with e set. */
static json_t *checked_config(const json_t *config, fs_err_t *e)
{
    const char *url = json_string_value(json_object_get(config, "url"));
    const char *method = json_string_value(json_object_get(config, "method"));
    json_t *fields = json_object_get(config, "fields"),
           *headers = json_object_get(config, "headers");
    if (!url ||
        (url[0] != '/' && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        fs_err_set(e, "url: required, a path on base_url or a URL on its origin, with {{field}} "
                      "placeholders");
        return NULL;
    }
    /* Malformed placeholders are found now, not at the first request. */
    for (const char *p = strstr(url, "{{"); p; p = strstr(p + 2, "{{")) {
        const char *name, *end;
        size_t n;
        if (!placeholder(p, &name, &n, &end)) {
            fs_err_set(e, "url: \"{{\" without a field name and \"}}\" in \"%.80s\"", url);
            return NULL;
        }
    }
    if (method && strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 &&
        strcmp(method, "PUT") != 0 && strcmp(method, "PATCH") != 0) {
        fs_err_set(e, "method: GET (default), POST, PUT or PATCH");
        return NULL;
    }
    if (fields && !json_is_object(fields)) {
        fs_err_set(e, "fields: an object {\"name\": \"/json/pointer\"}");
        return NULL;
    }
    const char *name;
    json_t *p;
    json_object_foreach(fields, name, p)
    {
        const json_t *dummy;
        if (!json_is_string(p) || json_pointer_get(json_null(), json_string_value(p),
                                                   json_string_length(p), &dummy) < 0) {
            fs_err_set(
                e, "fields.%.60s: a JSON pointer (RFC 6901) such as \"/data/attributes/verdict\"",
                name);
            return NULL;
        }
    }
    if (headers && (!json_is_array(headers) || json_array_size(headers) > 1)) {
        fs_err_set(
            e,
            "headers: at most one header [{\"name\", \"value_file\" | \"value_env\"}] (more need "
            "http_client support; use auth for the standard schemes)");
        return NULL;
    }
    json_t *c = json_deep_copy(config);
    json_t *h = json_array_get(headers, 0);
    if (h) {
        const char *hn = json_string_value(json_object_get(h, "name"));
        if (json_object_get(h, "value")) {
            fs_err_set(e, "headers[0].value: header values are credentials here: name a file with "
                          "value_file or "
                          "an environment variable with value_env");
            json_decref(c);
            return NULL;
        }
        if (!hn || json_object_get(config, "auth")) {
            fs_err_set(e,
                       "headers[0]: needs \"name\", and replaces \"auth\" (give one or the other)");
            json_decref(c);
            return NULL;
        }
        json_object_set_new(c, "auth", json_string("header"));
        json_object_set_new(c, "api_key_header", json_string(hn));
        if (json_object_get(h, "value_file"))
            json_object_set(c, "api_token_file", json_object_get(h, "value_file"));
        if (json_object_get(h, "value_env"))
            json_object_set(c, "api_token_env", json_object_get(h, "value_env"));
    }
    return c;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    json_t *c = checked_config(config, e);
    if (!c)
        return NULL;
    connector_http_t *s = connector_http_state(c, "http-json", "{\"max_body_bytes\": 4194304}", e);
    json_decref(c);
    return s;
}

static json_t *run(void *state, const json_t *input)
{
    connector_http_t *s = state;
    const json_t *cfg = s->config;
    const char *method = json_string_value(json_object_get(cfg, "method"));
    method = method ? method : "GET";
    json_t *idem = json_object_get(cfg, "idempotent");
    int flags = (idem ? json_is_true(idem) : strcmp(method, "GET") == 0) ? HTTP_IDEMPOTENT : 0;
    json_int_t max = json_integer_value(json_object_get(cfg, "max_result_bytes"));
    char why[256];
    if (!json_is_object(input))
        return connector_error("input must be an object");
    char *url = render(json_string_value(json_object_get(cfg, "url")), input, true,
                       HTTP_JSON_MAX_URL, why, sizeof why);
    if (!url)
        return connector_error("%s", why);
    char *text = NULL;
    const json_t *tpl = json_object_get(cfg, "body");
    if (tpl) {
        json_t *body = render_json(tpl, input, why, sizeof why);
        if (!body) {
            free(url);
            return connector_error("%s", why);
        }
        text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(body);
    }
    http_response_t r;
    fs_err_t e = {0};
    int rc = http_client_request(s->http, method, url, text, flags, &r, &e);
    free(url);
    free(text);
    json_t *res = NULL;
    if (rc == 0)
        res = http_json_pick(r.body, r.len, json_object_get(cfg, "fields"),
                             max >= 1 && max <= (16 << 20) ? (size_t)max : HTTP_JSON_DEFAULT_RESULT,
                             &e);
    http_response_clear(&r);
    return res ? connector_ok(res) : connector_error("%s", e.text);
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const char *pointer_check(const json_t *v)
{
    const json_t *dummy;
    return json_pointer_get(json_null(), json_string_value(v), json_string_length(v), &dummy) < 0
               ? "a JSON pointer (RFC 6901) such as \"/data/attributes/verdict\""
               : NULL;
}

static const fs_schema_field_t header_fields[] = {
    FS_REQUIRED("name", FS_S_STRING),
    FS_FIELD("value_file", FS_S_STRING),
    FS_FIELD("value_env", FS_S_STRING),
    FS_FIELD("value",
             FS_S_INLINE_SECRET("no inline header value (it is a credential: name a file with "
                                "value_file or an environment variable with value_env)")),
    FS_FIELDS_END,
};
static const fs_schema_field_t http_json_fields[] = {
    FS_FIELD("method", FS_S_ENUM("GET", "POST", "PUT", "PATCH")),
    FS_REQUIRED("url", FS_S_STRING),
    FS_FIELD("body", FS_S_ANY),
    FS_FIELD("headers", FS_S_ARRAY(FS_S_OBJECT(header_fields), 0, 1)),
    FS_FIELD("fields",
             FS_S_MAP(NULL,
                      FS_S_STRING_CHECK(
                          pointer_check,
                          "a JSON pointer (RFC 6901) such as \"/data/attributes/verdict\""),
                      256)),
    FS_FIELD("max_result_bytes", FS_S_INT(1, 16 << 20)),
    FS_FIELD("idempotent", FS_S_BOOL),
    FS_FIELDS_END,
};
static const fs_schema_t http_json_schema = {.type = FS_SCHEMA_OBJECT,
                                             .fields = {http_json_fields, http_client_fields}};

const adapter_plugin_t connector_http_json = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "http-json",
    .summary =
        "analyzer: one configured HTTP call, fields picked from its JSON answer by JSON pointer",
    .init = init,
    .run = run,
    .cleanup = connector_http_cleanup,
    .config_schema = &http_json_schema,
};
