/*  linemap.c — remembers on which line each value of a mapping file starts,
    keyed by its path ("rules[3].map"), so load-time errors can say
    "file:line: field: problem".  jansson keeps no positions after parsing,
    hence this small second pass; it runs only on the error path. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *path;
    int line;
} entry_t;

struct nz_linemap {
    entry_t *e;
    size_t n, cap;
};

typedef struct scan {
    const char *s;
    size_t len, pos;
    int line;
    nz_linemap_t *lm;
    int depth;
} scan_t;

static void ws(scan_t *sc)
{
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];
        if (c == '\n')
            sc->line++;
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            break;
        sc->pos++;
    }
}

static void add(scan_t *sc, const char *path)
{
    nz_linemap_t *lm = sc->lm;
    if (lm->n == lm->cap) {
        size_t cap = lm->cap ? lm->cap * 2 : 64;
        lm->e = fs_xrealloc(lm->e, cap * sizeof *lm->e);
        lm->cap = cap;
    }
    lm->e[lm->n].path = fs_xstrdup(path);
    lm->e[lm->n].line = sc->line;
    lm->n++;
}

/* Reads a string token into out (truncated), leaves pos after the quote. */
static void string_tok(scan_t *sc, char *out, size_t size)
{
    size_t n = 0;
    sc->pos++; /* opening quote */
    while (sc->pos < sc->len && sc->s[sc->pos] != '"') {
        char c = sc->s[sc->pos];
        if (c == '\\' && sc->pos + 1 < sc->len) {
            sc->pos++;
            c = sc->s[sc->pos];
        }
        if (c == '\n')
            sc->line++;
        if (out && n + 1 < size)
            out[n++] = c;
        sc->pos++;
    }
    if (sc->pos < sc->len)
        sc->pos++;
    if (out)
        out[n] = '\0';
}

static void value(scan_t *sc, const char *path)
{
    char sub[512], key[256];
    ws(sc);
    if (sc->pos >= sc->len || ++sc->depth > 64)
        return;
    add(sc, path);
    char c = sc->s[sc->pos];
    if (c == '{') {
        sc->pos++;
        for (;;) {
            ws(sc);
            if (sc->pos >= sc->len)
                break;
            if (sc->s[sc->pos] == '}') {
                sc->pos++;
                break;
            }
            if (sc->s[sc->pos] == ',') {
                sc->pos++;
                continue;
            }
            if (sc->s[sc->pos] != '"')
                break;
            string_tok(sc, key, sizeof key);
            ws(sc);
            if (sc->pos < sc->len && sc->s[sc->pos] == ':')
                sc->pos++;
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
            value(sc, sub);
        }
    } else if (c == '[') {
        sc->pos++;
        size_t idx = 0;
        for (;;) {
            ws(sc);
            if (sc->pos >= sc->len)
                break;
            if (sc->s[sc->pos] == ']') {
                sc->pos++;
                break;
            }
            if (sc->s[sc->pos] == ',') {
                sc->pos++;
                continue;
            }
            snprintf(sub, sizeof sub, "%s[%zu]", path, idx++);
            size_t before = sc->pos;
            value(sc, sub);
            if (sc->pos == before)
                break;
        }
    } else if (c == '"') {
        string_tok(sc, NULL, 0);
    } else {
        while (sc->pos < sc->len && !strchr(",]} \t\r\n", sc->s[sc->pos]))
            sc->pos++;
    }
    sc->depth--;
}

nz_linemap_t *nz_linemap_build(const char *text, size_t len)
{
    nz_linemap_t *lm = fs_xcalloc(1, sizeof *lm);
    scan_t sc = {.s = text, .len = len, .line = 1, .lm = lm};
    value(&sc, "");
    return lm;
}

int nz_linemap_line(const nz_linemap_t *lm, const char *path)
{
    if (!lm || !path)
        return 0;
    /* exact match first, then the longest known prefix */
    size_t best_len = 0;
    int best = 0;
    for (size_t i = 0; i < lm->n; i++) {
        const char *p = lm->e[i].path;
        size_t n = strlen(p);
        if (strcmp(p, path) == 0)
            return lm->e[i].line;
        if (n >= best_len && strncmp(p, path, n) == 0 &&
            (path[n] == '.' || path[n] == '[' || n == 0)) {
            best_len = n;
            best = lm->e[i].line;
        }
    }
    return best;
}

void nz_linemap_destroy(nz_linemap_t **lm_p)
{
    if (!lm_p || !*lm_p)
        return;
    nz_linemap_t *lm = *lm_p;
    for (size_t i = 0; i < lm->n; i++)
        free(lm->e[i].path);
    free(lm->e);
    free(lm);
    *lm_p = NULL;
}
