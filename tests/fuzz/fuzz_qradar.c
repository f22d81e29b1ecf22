/*  fuzz_qradar.c — what the IBM QRadar integrations parse (adapters/private/qradar.h):
    a page of offenses, the closing reasons (the same bytes as JSON, looked
    up by a text and by an id), the error body and a Content-Range value,
    each fed the same bytes. */
#include "qradar.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_t *offenses = qradar_parse_offenses((const char *)data, size, &e);
    json_decref(offenses);
    char text[512];
    qradar_error_text((const char *)data, size, text, sizeof text);
    json_t *reasons = json_loadb((const char *)data, size, 0, NULL);
    (void)qradar_closing_reason_id(reasons, "False-Positive, Tuned", &e);
    (void)qradar_closing_reason_id(reasons, "2", &e);
    json_decref(reasons);
    char *value = malloc(size + 1); /* a header value: NUL-terminated */
    if (value) {
        memcpy(value, data, size);
        value[size] = '\0';
        long a, b, t;
        (void)qradar_parse_content_range(value, &a, &b, &t);
        free(value);
    }
    return 0;
}
