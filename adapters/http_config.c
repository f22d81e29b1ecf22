/*  http_config.c — the HTTP client's configuration keys (their written
    schema, which every HTTP connector's schema joins) and the loading of a
    credential from the file or environment variable a config names
    (http_client.h). */
#include "http_client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Overwrites a secret's bytes in a way the compiler keeps. */
static void wipe(char *s, size_t n)
{
    volatile char *p = s;
    while (n--)
        *p++ = 0;
}

int http_secret_load(const json_t *config, const char *key, char *out, size_t size, fs_err_t *e)
{
    char k[64];
    out[0] = '\0';
    if (json_object_get(config, key))
        return fs_err_set(e,
                          "%s: secrets are not accepted inline; name a file with %s_file or an "
                          "environment variable with %s_env",
                          key, key, key);
    snprintf(k, sizeof k, "%s_file", key);
    const char *file = json_string_value(json_object_get(config, k));
    snprintf(k, sizeof k, "%s_env", key);
    const char *env = json_string_value(json_object_get(config, k));
    if (file) {
        fs_err_t fe = {0};
        size_t len = 0;
        char *buf = fs_file_read(file, HTTP_SECRET_MAX - 1, &len, &fe);
        if (!buf)
            return fs_err_set(e, "%s_file: cannot read the secret file %s (%s)", key, file,
                              errno ? strerror(errno) : "too large or unreadable");
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
            buf[--len] = '\0';
        if (len == 0 || len >= size) {
            wipe(buf, len);
            free(buf);
            return fs_err_set(e, "%s_file: %s is empty or longer than %zu bytes", key, file,
                              size - 1);
        }
        memcpy(out, buf, len + 1);
        wipe(buf, len);
        free(buf);
        return 0;
    }
    if (env) {
        const char *v = getenv(env);
        if (!v || !*v)
            return fs_err_set(e, "%s_env: the environment variable %s is not set", key, env);
        if (strlen(v) >= size)
            return fs_err_set(e, "%s_env: %s is longer than %zu bytes", key, env, size - 1);
        memcpy(out, v, strlen(v) + 1);
        return 0;
    }
    return fs_err_set(e, "%s_file or %s_env: required (where the credential is)", key, key);
}

static const char *url_check(const json_t *v)
{
    const char *u = json_string_value(v);
    return strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0
               ? NULL
               : "an http:// or https:// URL";
}

#define HTTP_URL_SCHEMA FS_S_STRING_CHECK(url_check, "an http:// or https:// URL")

const fs_schema_field_t http_client_fields[] = {
    FS_FIELD("base_url", HTTP_URL_SCHEMA),
    FS_FIELD("timeout_s", FS_S_INT(1, 600)),
    FS_FIELD("connect_timeout_s", FS_S_INT(1, 120)),
    FS_FIELD("max_body_bytes", FS_S_INT(1024, 256L << 20)),
    FS_FIELD("max_retries", FS_S_INT(0, 10)),
    FS_FIELD("retry_max_wait_s", FS_S_INT(0, 3600)),
    FS_FIELD("tls_verify", FS_S_BOOL),
    FS_FIELD("ca_file", FS_S_STRING),
    FS_FIELD("client_cert_file", FS_S_STRING),
    FS_FIELD("client_key_file", FS_S_STRING),
    FS_FIELD("auth", FS_S_ENUM("none", "oauth2", "ssws", "bearer", "apitoken", "header", "basic")),
    FS_FIELD("token_url", FS_S_STRING),
    FS_FIELD("client_id", FS_S_STRING),
    FS_FIELD("client_secret_file", FS_S_STRING),
    FS_FIELD("client_secret_env", FS_S_STRING),
    FS_FIELD("client_secret",
             FS_S_INLINE_SECRET("no inline secret (name a file with client_secret_file or "
                                "an environment variable with client_secret_env)")),
    FS_FIELD("scope", FS_S_STRING_LEN(0, 0)),
    FS_FIELD("api_token_file", FS_S_STRING),
    FS_FIELD("api_token_env", FS_S_STRING),
    FS_FIELD("api_token",
             FS_S_INLINE_SECRET("no inline secret (name a file with api_token_file or an "
                                "environment variable with api_token_env)")),
    FS_FIELD("api_key_header", FS_S_STRING),
    FS_FIELD("username", FS_S_STRING),
    FS_FIELDS_END,
};
