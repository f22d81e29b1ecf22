#include "common.h"

#include <stdlib.h>
#include <string.h>

json_t *fs_json_parse(const char *buf, size_t len, fs_err_t *e)
{
    json_error_t je;
    /* I-JSON (RFC 7493): duplicate keys are an error; jansson already
       rejects invalid UTF-8 and, without JSON_ALLOW_NUL, NUL in strings. */
    json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!v)
        fs_err_set(e, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
    return v;
}

char *fs_json_canonical(const json_t *v)
{
    return fs_json_text(v, true);
}

bool fs_json_is_canonical(const json_t *v, const char *text, size_t len)
{
    char *canon = fs_json_canonical(v);
    bool same = canon && strlen(canon) == len && memcmp(canon, text, len) == 0;
    free(canon);
    return same;
}
