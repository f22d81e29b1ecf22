/*  path.c — pre-split field paths ("device.external_ip", "evidence[].ipAddress",
    "@odata\.type") and the get/collect/set operations the mapping engine
    performs per record.  Compiling happens once at load. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int push_seg(nz_path_t *p, const char *s, size_t n, fs_err_t *e)
{
    if (p->n >= NZ_MAX_PATH_SEGMENTS)
        return fs_err_set(e, "path \"%s\" has more than %d segments", p->text,
                          NZ_MAX_PATH_SEGMENTS);
    p->seg = fs_xrealloc(p->seg, (p->n + 1) * sizeof *p->seg);
    p->seg[p->n] = fs_xstrndup(s, n);
    p->n++;
    return 0;
}

int nz_path_compile(nz_path_t *p, const char *text, bool output, fs_err_t *e)
{
    memset(p, 0, sizeof *p);
    p->text = fs_xstrdup(text);
    if (strcmp(text, ".") == 0)
        return 0;
    if (!*text)
        return fs_err_set(e, "empty path (use \".\" for the current value)");
    char seg[256];
    size_t n = 0;
    for (const char *c = text;; c++) {
        if (*c == '\\' && c[1] == '.') {
            if (n + 1 >= sizeof seg)
                return fs_err_set(e, "path \"%s\": segment too long", text);
            seg[n++] = '.';
            c++;
            continue;
        }
        if (*c == '.' || *c == '\0') {
            bool wild = n >= 2 && seg[n - 2] == '[' && seg[n - 1] == ']';
            size_t keylen = wild ? n - 2 : n;
            if (keylen == 0 && !wild)
                return fs_err_set(e, "path \"%s\": empty segment", text);
            if (keylen > 0 && push_seg(p, seg, keylen, e) != 0)
                return -1;
            if (wild) {
                if (output) {
                    if (*c != '\0')
                        return fs_err_set(e,
                                          "output path \"%s\": \"[]\" (append) is allowed only "
                                          "on the last segment",
                                          text);
                    p->append = true;
                } else if (push_seg(p, "[]", 2, e) != 0) {
                    return -1;
                }
            }
            n = 0;
            if (*c == '\0')
                break;
            continue;
        }
        if (n + 1 >= sizeof seg)
            return fs_err_set(e, "path \"%s\": segment too long", text);
        seg[n++] = *c;
    }
    if (output && p->n == 0)
        return fs_err_set(e, "output path \"%s\" names no field", text);
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->seg[i], "[]") == 0)
            p->wild = true;
    return 0;
}

void nz_path_free(nz_path_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->seg[i]);
    free(p->seg);
    free(p->text);
    memset(p, 0, sizeof *p);
}

bool nz_path_has_wildcard(const nz_path_t *p)
{
    return p->wild;
}

json_t *nz_path_get(json_t *root, const nz_path_t *p)
{
    json_t *v = root;
    for (size_t i = 0; v && i < p->n; i++) {
        if (!json_is_object(v))
            return NULL;
        v = json_object_get(v, p->seg[i]);
    }
    return v;
}

static void collect(json_t *v, const nz_path_t *p, size_t i, json_t *out, int depth)
{
    if (!v || depth > NZ_MAX_PATH_SEGMENTS)
        return;
    if (i == p->n) {
        json_array_append(out, v);
        return;
    }
    if (p->seg[i][0] == '[' && p->seg[i][1] == ']' && p->seg[i][2] == '\0') {
        if (!json_is_array(v))
            return;
        size_t k;
        json_t *el;
        json_array_foreach(v, k, el) collect(el, p, i + 1, out, depth + 1);
        return;
    }
    if (!json_is_object(v))
        return;
    collect(json_object_get(v, p->seg[i]), p, i + 1, out, depth + 1);
}

void nz_path_collect(json_t *root, const nz_path_t *p, json_t *out)
{
    collect(root, p, 0, out, 0);
}

/* Keys come from mapping files (valid UTF-8, checked at load): no per-call check. */
int nz_path_set(json_t *root, const nz_path_t *p, json_t *v)
{
    if (!v)
        return -1;
    json_t *cur = root;
    for (size_t i = 0; i + 1 < p->n; i++) {
        json_t *next = json_object_get(cur, p->seg[i]);
        if (!next) {
            next = json_object();
            if (json_object_set_new_nocheck(cur, p->seg[i], next) != 0) {
                json_decref(v);
                return -1;
            }
        } else if (!json_is_object(next)) {
            json_decref(v);
            return -1;
        }
        cur = next;
    }
    const char *last = p->seg[p->n - 1];
    if (p->append) {
        json_t *arr = json_object_get(cur, last);
        if (!arr) {
            arr = json_array();
            if (json_object_set_new_nocheck(cur, last, arr) != 0) {
                json_decref(v);
                return -1;
            }
        } else if (!json_is_array(arr)) {
            json_decref(v);
            return -1;
        }
        return json_array_append_new(arr, v);
    }
    return json_object_set_new_nocheck(cur, last, v);
}
