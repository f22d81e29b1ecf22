/*  http_parse.c — the parsers of what an HTTP server sends the adapter
    (Link and Retry-After headers, the OAuth2 token answer) and URL
    escaping, apart from the transfers (http_client.c) so that fuzz targets
    drive them alone (vendor_parsers.h). */
#include "http_client.h"
#include "vendor_parsers.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

char *http_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = fs_xmalloc(n * 3 + 1), *p = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p = '\0';
    return out;
}

char *http_link_next(const char *value, size_t len)
{
    /* Link: <url>; rel="next", <url2>; rel="self"   (RFC 8288) */
    size_t i = 0;
    while (i < len) {
        while (i < len && (value[i] == ' ' || value[i] == ','))
            i++;
        if (i >= len || value[i] != '<')
            return NULL;
        size_t start = ++i;
        while (i < len && value[i] != '>')
            i++;
        if (i >= len)
            return NULL;
        size_t end = i++;
        /* parameters up to the next ',' that follows a complete link-value */
        size_t pstart = i;
        bool quoted = false;
        while (i < len && (quoted || value[i] != ',')) {
            if (value[i] == '"')
                quoted = !quoted;
            i++;
        }
        for (size_t j = pstart; j + 3 <= i; j++) {
            if (strncasecmp(value + j, "rel", 3) != 0)
                continue;
            size_t k = j + 3;
            while (k < i && value[k] == ' ')
                k++;
            if (k >= i || value[k] != '=')
                continue;
            k++;
            while (k < i && value[k] == ' ')
                k++;
            if (k < i && value[k] == '"')
                k++;
            if (k + 4 <= i && strncasecmp(value + k, "next", 4) == 0 &&
                (k + 4 == i || value[k + 4] == '"' || value[k + 4] == ';' || value[k + 4] == ' ')) {
                if (end - start == 0 || end - start >= HTTP_URL_MAX)
                    return NULL;
                char *url = fs_xmalloc(end - start + 1);
                memcpy(url, value + start, end - start);
                url[end - start] = '\0';
                return url;
            }
        }
    }
    return NULL;
}

long http_retry_after_seconds(const char *value)
{
    while (*value == ' ')
        value++;
    if (isdigit((unsigned char)*value)) {
        uint64_t s;
        char buf[32];
        size_t n = strcspn(value, " \r\n");
        if (n >= sizeof buf)
            return -1;
        memcpy(buf, value, n);
        buf[n] = '\0';
        if (fs_parse_u64(buf, &s) != 0 || s > 86400)
            return -1;
        return (long)s;
    }
    time_t t = curl_getdate(value, NULL);
    if (t < 0)
        return -1;
    time_t now = time(NULL);
    return t <= now ? 0 : (long)(t - now > 86400 ? 86400 : t - now);
}

int http_oauth_parse_token(const char *body, size_t len, char *token, size_t size,
                           int64_t *expires_in_s)
{
    json_t *j = json_loadb(body ? body : "", len, 0, NULL);
    const char *tok = json_string_value(json_object_get(j, "access_token"));
    json_t *exp = json_object_get(j, "expires_in");
    json_int_t secs = json_is_integer(exp) ? json_integer_value(exp) : 3600;
    if (json_is_string(exp)) { /* some IdPs send it as a string */
        uint64_t v;
        secs = fs_parse_u64(json_string_value(exp), &v) == 0 ? (json_int_t)v : 3600;
    }
    int rc = -1;
    if (tok && *tok && strlen(tok) < size && !strpbrk(tok, "\r\n")) {
        snprintf(token, size, "%s", tok);
        *expires_in_s = (int64_t)secs;
        rc = 0;
    }
    json_decref(j);
    return rc;
}
