/*  fuzz_json_write.c — fs_json_write (common/json_write.c) against
    json_dumps, byte for byte.  The first input byte picks the mode, the rest
    is the input:
      mode & 1 == 0: the rest is parsed as JSON (any value, NUL allowed in
        strings); fs_json_write, sorted and not, must write exactly what
        json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY [| JSON_SORT_KEYS])
        writes, after whatever the buffer held;
      mode & 1 == 1: the rest is split at its first NUL into raw bytes for a
        key and for a string, made with the _nocheck functions (possibly
        invalid UTF-8), in an object beside ordinary members; fs_json_write
        must fail exactly when json_dumps does and match it otherwise. */
#include "common.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_against_jansson(const json_t *v)
{
    for (int sorted = 0; sorted <= 1; sorted++) {
        char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | (sorted ? JSON_SORT_KEYS : 0));
        fs_text_t t = {0};
        fs_text_append(&t, "[", 1);
        int rc = fs_json_write(&t, v, sorted);
        if (want ? rc != 0 || t.len != 1 + strlen(want) || memcmp(t.data + 1, want, t.len - 1)
                 : rc != -1 || t.len != 1)
            __builtin_trap();
        free(want);
        fs_text_release(&t);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    if ((data[0] & 1) == 0) {
        json_t *v = json_loadb(rest, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (v)
            check_against_jansson(v);
        json_decref(v);
        return 0;
    }
    const char *nul = memchr(rest, '\0', n);
    size_t klen = nul ? (size_t)(nul - rest) : n;
    char *key = malloc(klen + 1);
    if (!key)
        return 0;
    memcpy(key, rest, klen);
    key[klen] = '\0';
    const char *sval = nul ? nul + 1 : "";
    size_t slen = nul ? n - klen - 1 : 0;
    json_t *o = json_object();
    json_object_set_new(o, "m", json_integer(-7));
    json_object_set_new_nocheck(o, key, json_stringn_nocheck(sval, slen));
    json_object_set_new(o, "a", json_pack("[s, {}]", "x"));
    check_against_jansson(o);
    json_t *s = json_stringn_nocheck(sval, slen);
    check_against_jansson(s);
    json_decref(s);
    json_decref(o);
    free(key);
    return 0;
}
