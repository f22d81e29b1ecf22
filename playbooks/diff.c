/*  diff.c — playbook_diff (playbook_diff.h): the steps added, removed and
    changed, the leaf changes by JSON pointer, and a unified text diff of
    the two pretty-printed documents.

    The text diff is a longest-common-subsequence over lines after the
    common head and tail are cut off; when what is left would need more
    than DP_CELLS_MAX cells the middle is shown as removed-then-added
    (correct, only less minimal). */
#include "playbook_diff.h"

#include <stdint.h>
#include <string.h>

#define DP_CELLS_MAX (4u * 1024 * 1024)
#define CONTEXT_LINES 3

/* ---- a growable text buffer, bounded -------------------------------------- */

typedef struct {
    char *s;
    size_t len, size;
    bool full;
} text_t;

static void text_add(text_t *t, const char *p, size_t n)
{
    if (t->full)
        return;
    if (t->len + n + 1 > PLAYBOOK_DIFF_TEXT_MAX) {
        t->full = true;
        return;
    }
    if (t->len + n + 1 > t->size) {
        t->size = (t->len + n + 1) * 2;
        t->s = fs_xrealloc(t->s, t->size);
    }
    memcpy(t->s + t->len, p, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void text_addz(text_t *t, const char *p)
{
    text_add(t, p, strlen(p));
}

/* ---- leaf changes --------------------------------------------------------- */

typedef struct {
    json_t *changes;
    bool truncated;
} walk_t;

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Appends key to a JSON pointer (RFC 6901: ~ as ~0, / as ~1) and to a
   "$.a[0]" path; false when either would not fit. */
static bool extend(const char *ptr, const char *path, const char *key, bool index, char *ptr_out,
                   char *path_out, size_t size)
{
    size_t n = strlen(ptr);
    if (n + 1 >= size)
        return false;
    memcpy(ptr_out, ptr, n);
    ptr_out[n++] = '/';
    for (const char *k = key; *k; k++) {
        if (n + 3 >= size)
            return false;
        if (*k == '~' || *k == '/') {
            ptr_out[n++] = '~';
            ptr_out[n++] = *k == '~' ? '0' : '1';
        } else {
            ptr_out[n++] = *k;
        }
    }
    ptr_out[n] = '\0';
    int w = index ? snprintf(path_out, size, "%s[%s]", path, key)
                  : snprintf(path_out, size, "%s.%s", path, key);
    return w >= 0 && (size_t)w < size;
}

static void leaf(walk_t *w, const char *ptr, const char *path, const json_t *a, const json_t *b)
{
    if (json_array_size(w->changes) >= PLAYBOOK_DIFF_CHANGES_MAX) {
        w->truncated = true;
        return;
    }
    json_t *c = json_pack("{s:s, s:s, s:s}", "pointer", ptr, "path", path, "op",
                          !a   ? "added"
                          : !b ? "removed"
                               : "changed");
    if (a)
        json_object_set(c, "a", (json_t *)a);
    if (b)
        json_object_set(c, "b", (json_t *)b);
    json_array_append_new(w->changes, c);
}

static void walk(walk_t *w, const json_t *a, const json_t *b, const char *ptr, const char *path)
{
    char sub_ptr[1024], sub_path[1024];
    if (json_is_object(a) && json_is_object(b)) {
        size_t n = json_object_size(a) + json_object_size(b), k = 0;
        const char **keys = fs_xcalloc(n ? n : 1, sizeof *keys);
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)a, key, v) keys[k++] = key;
        json_object_foreach((json_t *)b, key, v) if (!json_object_get(a, key)) keys[k++] = key;
        qsort(keys, k, sizeof *keys, cmp_str);
        for (size_t i = 0; i < k; i++)
            if (extend(ptr, path, keys[i], false, sub_ptr, sub_path, sizeof sub_ptr))
                walk(w, json_object_get(a, keys[i]), json_object_get(b, keys[i]), sub_ptr,
                     sub_path);
        free(keys);
        return;
    }
    if (json_is_array(a) && json_is_array(b)) {
        size_t n =
            json_array_size(a) > json_array_size(b) ? json_array_size(a) : json_array_size(b);
        for (size_t i = 0; i < n; i++) {
            char idx[24];
            snprintf(idx, sizeof idx, "%zu", i);
            if (extend(ptr, path, idx, true, sub_ptr, sub_path, sizeof sub_ptr))
                walk(w, json_array_get(a, i), json_array_get(b, i), sub_ptr, sub_path);
        }
        return;
    }
    if (a && b && json_equal((json_t *)a, (json_t *)b))
        return;
    leaf(w, ptr, path, a, b);
}

/* ---- steps by id ---------------------------------------------------------- */

/* The keys of a step that hold nested step lists. */
static bool nested_key(const char *k, const json_t *v)
{
    return strcmp(k, "then") == 0 || strcmp(k, "else") == 0 || strcmp(k, "steps") == 0 ||
           strcmp(k, "branches") == 0 || (strcmp(k, "on_error") == 0 && json_is_array(v));
}

/* Every step of a list (nested ones too) as id -> its own fields. */
static void collect_steps(const json_t *steps, json_t *out, int depth)
{
    size_t i;
    json_t *step;
    if (depth > 32)
        return;
    json_array_foreach(steps, i, step)
    {
        if (!json_is_object(step))
            continue;
        json_t *own = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(step, k, v)
        {
            if (!nested_key(k, v)) {
                json_object_set(own, k, v);
                continue;
            }
            if (strcmp(k, "branches") == 0) {
                size_t j;
                json_t *branch;
                json_array_foreach(v, j, branch) collect_steps(branch, out, depth + 1);
            } else {
                collect_steps(v, out, depth + 1);
            }
        }
        const char *id = json_string_value(json_object_get(step, "id"));
        if (id && !json_object_get(out, id))
            json_object_set(out, id, own);
        json_decref(own);
    }
}

static json_t *sorted_keys(const json_t *o)
{
    size_t n = json_object_size(o), k = 0;
    const char **keys = fs_xcalloc(n ? n : 1, sizeof *keys);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v) keys[k++] = key;
    qsort(keys, k, sizeof *keys, cmp_str);
    json_t *out = json_array();
    for (size_t i = 0; i < k; i++)
        json_array_append_new(out, json_string(keys[i]));
    free(keys);
    return out;
}

static json_t *step_changes(const json_t *a, const json_t *b)
{
    json_t *sa = json_object(), *sb = json_object();
    collect_steps(json_object_get(a, "steps"), sa, 0);
    collect_steps(json_object_get(b, "steps"), sb, 0);
    json_t *added = json_array(), *removed = json_array(), *changed = json_array();
    json_t *ids_a = sorted_keys(sa), *ids_b = sorted_keys(sb);
    size_t i;
    json_t *id;
    json_array_foreach(ids_a, i, id)
    {
        json_t *other = json_object_get(sb, json_string_value(id));
        if (!other)
            json_array_append(removed, id);
        else if (!json_equal(other, json_object_get(sa, json_string_value(id))))
            json_array_append(changed, id);
    }
    json_array_foreach(ids_b, i, id) if (!json_object_get(sa, json_string_value(id)))
        json_array_append(added, id);
    json_decref(ids_a);
    json_decref(ids_b);
    json_decref(sa);
    json_decref(sb);
    return json_pack("{s:o, s:o, s:o}", "added", added, "removed", removed, "changed", changed);
}

/* ---- the unified text diff ------------------------------------------------ */

typedef struct {
    const char **line; /* into the text */
    size_t *len;
    size_t n;
} lines_t;

static void split_lines(const char *text, lines_t *l)
{
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    l->line = fs_xcalloc(n, sizeof *l->line);
    l->len = fs_xcalloc(n, sizeof *l->len);
    l->n = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        l->line[l->n] = p;
        l->len[l->n++] = len;
        p += len + (nl ? 1 : 0);
    }
}

static bool same_line(const lines_t *a, size_t i, const lines_t *b, size_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->line[i], b->line[j], a->len[i]) == 0;
}

/* The edit script: ' ' keep (a i, b j), '-' a i, '+' b j. */
typedef struct {
    char op;
    size_t i, j;
} edit_t;

static size_t edits_of(const lines_t *a, const lines_t *b, edit_t *out)
{
    size_t head = 0, n = 0;
    while (head < a->n && head < b->n && same_line(a, head, b, head))
        head++;
    size_t tail = 0;
    while (tail < a->n - head && tail < b->n - head &&
           same_line(a, a->n - 1 - tail, b, b->n - 1 - tail))
        tail++;
    for (size_t k = 0; k < head; k++)
        out[n++] = (edit_t){' ', k, k};
    size_t na = a->n - head - tail, nb = b->n - head - tail;
    if (na && nb && (na + 1) * (nb + 1) <= DP_CELLS_MAX) {
        /* lcs[i][j]: the LCS length of a[head+i..] and b[head+j..] */
        uint32_t *lcs = fs_xcalloc((na + 1) * (nb + 1), sizeof *lcs);
#define L(i, j) lcs[(i) * (nb + 1) + (j)]
        for (size_t i = na; i-- > 0;)
            for (size_t j = nb; j-- > 0;)
                L(i, j) = same_line(a, head + i, b, head + j)
                              ? L(i + 1, j + 1) + 1
                              : (L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1));
        size_t i = 0, j = 0;
        while (i < na || j < nb) {
            if (i < na && j < nb && same_line(a, head + i, b, head + j)) {
                out[n++] = (edit_t){' ', head + i, head + j};
                i++, j++;
            } else if (i < na && (j == nb || L(i + 1, j) >= L(i, j + 1))) {
                out[n++] = (edit_t){'-', head + i, head + j};
                i++;
            } else {
                out[n++] = (edit_t){'+', head + i, head + j};
                j++;
            }
        }
#undef L
        free(lcs);
    } else {
        for (size_t k = 0; k < na; k++)
            out[n++] = (edit_t){'-', head + k, head};
        for (size_t k = 0; k < nb; k++)
            out[n++] = (edit_t){'+', head + na, head + k};
    }
    for (size_t k = 0; k < tail; k++)
        out[n++] = (edit_t){' ', a->n - tail + k, b->n - tail + k};
    return n;
}

static void emit_hunk(text_t *t, const lines_t *a, const lines_t *b, const edit_t *ed, size_t from,
                      size_t to)
{
    size_t la = 0, lb = 0;
    for (size_t k = from; k < to; k++) {
        la += ed[k].op != '+';
        lb += ed[k].op != '-';
    }
    /* unified format: the first line of each side, 1-based; 0 lines: the one before */
    size_t sa = la ? ed[from].i + 1 : ed[from].i, sb = lb ? ed[from].j + 1 : ed[from].j;
    char head[96];
    snprintf(head, sizeof head, "@@ -%zu,%zu +%zu,%zu @@\n", sa, la, sb, lb);
    text_addz(t, head);
    for (size_t k = from; k < to; k++) {
        char op = ed[k].op;
        text_add(t, &op, 1);
        if (op == '+')
            text_add(t, b->line[ed[k].j], b->len[ed[k].j]);
        else
            text_add(t, a->line[ed[k].i], a->len[ed[k].i]);
        text_add(t, "\n", 1);
    }
}

static char *unified(const json_t *a, const json_t *b, const char *label_a, const char *label_b)
{
    char *ta = json_dumps(a, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    char *tb = json_dumps(b, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    lines_t la, lb;
    split_lines(ta ? ta : "", &la);
    split_lines(tb ? tb : "", &lb);
    edit_t *ed = fs_xcalloc(la.n + lb.n + 1, sizeof *ed);
    size_t n = edits_of(&la, &lb, ed);
    text_t t = {0};
    text_addz(&t, "");
    bool any = false;
    for (size_t k = 0; k < n && !any; k++)
        any = ed[k].op != ' ';
    if (any) {
        text_addz(&t, "--- ");
        text_addz(&t, label_a ? label_a : "a");
        text_addz(&t, "\n+++ ");
        text_addz(&t, label_b ? label_b : "b");
        text_addz(&t, "\n");
    }
    for (size_t k = 0; k < n;) {
        if (ed[k].op == ' ') {
            k++;
            continue;
        }
        /* A hunk: from CONTEXT_LINES before this change to CONTEXT_LINES
           after the last change that is within 2*CONTEXT_LINES of the next. */
        size_t from = k > CONTEXT_LINES ? k - CONTEXT_LINES : 0, last = k;
        for (size_t m = k; m < n; m++) {
            if (ed[m].op != ' ') {
                if (m - last > 2 * CONTEXT_LINES)
                    break;
                last = m;
            }
        }
        size_t to = last + 1 + CONTEXT_LINES < n ? last + 1 + CONTEXT_LINES : n;
        emit_hunk(&t, &la, &lb, ed, from, to);
        k = to;
    }
    if (t.full) {
        t.s = fs_xrealloc(t.s, t.len + sizeof "[truncated]\n");
        memcpy(t.s + t.len, "[truncated]\n", sizeof "[truncated]\n");
    }
    free(ed);
    free(la.line);
    free(la.len);
    free(lb.line);
    free(lb.len);
    free(ta);
    free(tb);
    return t.s;
}

json_t *playbook_diff(const json_t *a, const json_t *b, const char *label_a, const char *label_b)
{
    walk_t w = {json_array(), false};
    walk(&w, a, b, "", "$");
    char *text = unified(a, b, label_a, label_b);
    json_t *out = json_pack("{s:o, s:o, s:b, s:s}", "steps", step_changes(a, b), "changes",
                            w.changes, "truncated", w.truncated, "text", text);
    free(text);
    return out;
}
