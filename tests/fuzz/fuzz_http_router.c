/*  fuzz_http_router.c — libFuzzer target for the HTTPS API's router: path
    matching, query parameters and JSON bodies (broker/http_router.c).

    Input: lines "METHOD PATH", then "name=value" query lines, then a blank
    line, then the body. Whatever comes in, the router must answer either a
    route with an args object or a problem with a 4xx status and bounded
    text; nothing may crash or leak. */
#include "http_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_Q 40

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t head_len = size;
    char *blank = strstr(text, "\n\n");
    const char *body = "";
    size_t body_len = 0;
    if (blank) {
        *blank = '\0';
        body = blank + 2;
        body_len = size - (size_t)(body - text);
        head_len = (size_t)(blank - text);
    }
    (void)head_len;
    char *save = NULL;
    char *first = strtok_r(text, "\n", &save);
    char *method = first ? first : "";
    char *path = first ? strchr(first, ' ') : NULL;
    if (path)
        *path++ = '\0';
    const char *names[MAX_Q], *values[MAX_Q];
    size_t n = 0;
    for (char *line; n < MAX_Q && (line = strtok_r(NULL, "\n", &save));) {
        char *eq = strchr(line, '=');
        if (eq)
            *eq++ = '\0';
        names[n] = line;
        values[n++] = eq;
    }
    http_request_t req = {method, path ? path : "", names,        values, n,
                          body,   body_len,         size % 2 == 0};
    http_match_t m;
    http_problem_t p = {0};
    int status = http_route_request(&req, &m, &p);
    if (status == 0 && (!m.route || !json_is_object(m.args)))
        abort();
    if (status != 0 && (status < 400 || status > 499 || m.route || m.args ||
                        strnlen(p.detail, sizeof p.detail) >= sizeof p.detail))
        abort();
    http_match_clear(&m);
    http_problem_clear(&p);
    free(text);
    return 0;
}
