/*  fuzz_fast_dump.c — ocsf_dump (normalize/fast_dump.c) against jansson.
    The first input byte picks the mode, the rest is the input:
      mode & 1 == 0: the rest is parsed as JSON (any value, NUL allowed in
        strings); ocsf_dump must succeed, write exactly json_dumps(v,
        JSON_COMPACT | JSON_ENCODE_ANY), and the text must load back equal
        to v (json_equal);
      mode & 1 == 1: the rest is taken as raw bytes for a key and a string
        made with json_stringn_nocheck (possibly invalid UTF-8); ocsf_dump
        must fail exactly when json_dumps does (or, for a key that is not
        UTF-8, writes broken JSON: ocsf_dump fails), and match it otherwise.
    Whenever the text loads back it must be equal to v (json_equal); a
    failed load is accepted only where jansson refuses its own text (a NUL,
    \u0000, in an object key).
    mode >> 1 != 0 also sets a small bound (mode * 8 bytes): ocsf_dump must
    fail exactly when the text would be longer, and leave the buffer as it
    was. */
#include "normalize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* bad_key: v has an object key that is not valid UTF-8.  json_dumps ignores
   the failure of such a key and writes broken JSON; ocsf_dump must fail. */
static void check_against_jansson(const json_t *v, size_t max, bool bad_key)
{
    char *want = bad_key ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    ocsf_buf_t b;
    ocsf_buf_init(&b, max ? max : 0);
    fs_err_t e;
    /* a prefix, to check that ocsf_dump appends and restores on failure */
    if (ocsf_buf_append(&b, "x", max ? 0 : 1, &e) != 0)
        abort();
    size_t before = b.len;
    int rc = ocsf_dump(v, &b, &e);
    if (!want) {
        if (rc == 0 || b.len != before)
            abort();
    } else if (max && strlen(want) + before > max) {
        if (rc == 0 || b.len != before)
            abort();
    } else {
        if (rc != 0 || b.len - before != strlen(want) ||
            memcmp(b.data + before, want, b.len - before) != 0 || b.data[b.len] != '\0')
            abort();
        /* the text loads back equal to v (unless jansson cannot read even
           its own text: a NUL in an object key) */
        json_error_t je;
        json_t *back =
            json_loadb(b.data + before, b.len - before, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (back ? !json_equal(back, v) : !strstr(want, "\\u0000"))
            abort();
        json_decref(back);
    }
    free(want);
    ocsf_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    size_t max = (mode >> 1) ? (size_t)mode * 8 : 0;
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    if ((mode & 1) == 0) {
        json_error_t je;
        json_t *v = json_loadb(rest, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (v) {
            check_against_jansson(v, max, false);
            json_decref(v);
        }
    } else {
        json_t *o = json_object();
        json_t *s = json_stringn_nocheck(rest, n);
        json_t *a = json_array();
        if (o && s && a) {
            json_array_append(a, s);
            json_object_setn_nocheck(o, rest, n / 2, a);
            json_object_set_new_nocheck(o, "s", s);
            s = NULL;
            json_t *key_ok = json_stringn(rest, n / 2); /* NULL: not UTF-8 */
            check_against_jansson(o, max, key_ok == NULL);
            json_decref(key_ok);
        }
        json_decref(s);
        json_decref(a);
        json_decref(o);
    }
    return 0;
}
