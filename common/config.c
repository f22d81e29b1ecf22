#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *fs_config_load(const char *path, fs_err_t *e)
{
    /* Bounded: a config larger than FS_CONFIG_MAX_BYTES is refused, never parsed. */
    size_t len = 0;
    char *text = fs_file_read(path, FS_CONFIG_MAX_BYTES, &len, e);
    if (!text)
        return NULL;
    json_error_t je;
    json_t *cfg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!cfg) {
        fs_err_set(e, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(cfg)) {
        fs_err_set(e, "%s: a config file must hold one JSON object", path);
        json_decref(cfg);
        return NULL;
    }
    return cfg;
}

static const json_t *lookup(const json_t *cfg, const char *dotted)
{
    char key[256];
    const json_t *cur = cfg;
    const char *p = dotted;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        cur = json_object_get(cur, key);
        p += n + (dot ? 1 : 0);
    }
    return cur;
}

const char *fs_config_string(const json_t *cfg, const char *dotted, const char *dflt)
{
    const json_t *v = cfg ? lookup(cfg, dotted) : NULL;
    return json_is_string(v) ? json_string_value(v) : dflt;
}

long long fs_config_int(const json_t *cfg, const char *dotted, long long dflt)
{
    const json_t *v = cfg ? lookup(cfg, dotted) : NULL;
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}
