/*  jq_group.c — several jq programs compiled as one libjq program
    (jq_program.h "groups"). libjq 1.6 parses and binds its builtin library
    in every jq_compile; one combined program pays that once:

      def _fs_jq_0: (
      PROGRAM 0
      );
      def _fs_jq_1: (
      PROGRAM 1
      );
      .[0] as $_fs_jq_sel | .[1] | if $_fs_jq_sel < 1 then _fs_jq_0 else _fs_jq_1 end

    and member N runs on [N, input] (jq_program.c, selected()). The newlines
    keep a program's trailing "# comment" from swallowing the ")". Only a
    program that reads as exactly one term between the parentheses joins
    (groupable()): the combined text must never accept what the program alone
    would refuse, nor read it differently. */
#include "jq_program_private.h"

#include <stdlib.h>
#include <string.h>

struct member {
    char *program;
    char *where;
    fs_jq_t *jq; /* NULL once its caller destroyed it, or once compiled */
};

struct fs_jq_group {
    struct member *members;
    size_t n, cap;
    size_t compiled; /* members before this index went through a compile */
    long failed;     /* the member whose failure the last compile reported, or -1 */
};

fs_jq_group_t *fs_jq_group_new(void)
{
    fs_jq_group_t *g = fs_xcalloc(1, sizeof *g);
    g->failed = -1;
    return g;
}

void fs_jq_group_destroy(fs_jq_group_t **group_p)
{
    if (!group_p || !*group_p)
        return;
    fs_jq_group_t *g = *group_p;
    for (size_t i = 0; i < g->n; i++) {
        if (g->members[i].jq)
            g->members[i].jq->group = NULL; /* stays uncompiled; its owner destroys it */
        free(g->members[i].program);
        free(g->members[i].where);
    }
    free(g->members);
    free(g);
    *group_p = NULL;
}

fs_jq_t *fs_jq_group_add(fs_jq_group_t *g, const char *program, const char *where)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 8;
        g->members = fs_xrealloc(g->members, g->cap * sizeof *g->members);
    }
    fs_jq_t *jq = fs_xcalloc(1, sizeof *jq);
    jq->member = -1;
    jq->group = g;
    g->members[g->n++] = (struct member){fs_xstrdup(program), fs_xstrdup(where ? where : ""), jq};
    return jq;
}

void fs_jq_group_forget(fs_jq_group_t *g, const fs_jq_t *member)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->members[i].jq == member)
            g->members[i].jq = NULL;
}

const char *fs_jq_group_failed_where(const fs_jq_group_t *g)
{
    return g->failed >= 0 ? g->members[g->failed].where : NULL;
}

/* Whether program, read as jq 1.6's lexer reads it, is exactly one term
   inside "(\n" and "\n)" that means there what it means alone. Follows the
   lexer as unterminated_string (jq_program.c) does: '#' comments to the end
   of the line outside strings, a backslash escapes the next byte inside
   one, "\(" opens code that the matching ")" closes. Requires ( ) [ ] { }
   outside strings and comments to match and never close below zero, some
   code, and a last token other than ';' (a program of only defs compiles
   alone but not as a term). Refuses, rather than guess how a libjq version
   reads them, comments holding '\r' or ending in a backslash (jq 1.7 reads
   the next line as comment too), and words the combined text gives another
   meaning or place: $__loc__ (the line moves), import/include/module (only
   at a program's top), _fs_jq_ (the other members and the dispatcher),
   halt (libjq 1.6 keeps the halt message past jq_start and frees it again:
   valgrind saw invalid reads of a grouped member's input). */
static bool groupable(const char *program)
{
    static const char *const words[] = {"__loc__", "_fs_jq_", "import",
                                        "include", "module",  "halt"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strstr(program, words[i]))
            return false;
    enum { MAX_NESTING = 64 };
    char open[MAX_NESTING]; /* '(' '[' '{', '"' a string, 'i' code inside "\(" */
    int depth = 0;
    char last = 0; /* the last byte of code, '"' for a string */
    for (const char *p = program; *p; p++) {
        char top = depth ? open[depth - 1] : 0;
        if (top == '"') {
            if (*p == '"') {
                depth--;
                last = '"';
            } else if (*p == '\\') {
                if (!p[1])
                    return false;
                if (*++p == '(') {
                    if (depth == MAX_NESTING)
                        return false;
                    open[depth++] = 'i';
                }
            }
            continue;
        }
        if (*p == '#') {
            while (p[1] && p[1] != '\n') {
                if (*++p == '\r')
                    return false;
            }
            if (*p == '\\')
                return false;
            continue;
        }
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            continue;
        last = *p;
        switch (*p) {
        case '"':
        case '(':
        case '[':
        case '{':
            if (depth == MAX_NESTING)
                return false;
            open[depth++] = *p;
            break;
        case ')':
            if (top != '(' && top != 'i')
                return false;
            depth--;
            break;
        case ']':
            if (top != '[')
                return false;
            depth--;
            break;
        case '}':
            if (top != '{')
                return false;
            depth--;
            break;
        default:
            break;
        }
    }
    return depth == 0 && last != 0 && last != ';';
}

/* The dispatcher for members lo..hi: a binary tree of comparisons. */
static void dispatch(fs_text_t *t, size_t lo, size_t hi)
{
    if (lo == hi) {
        fs_text_printf(t, "_fs_jq_%zu", lo);
        return;
    }
    size_t mid = lo + (hi - lo + 1) / 2;
    fs_text_printf(t, "if $_fs_jq_sel < %zu then ", mid);
    dispatch(t, lo, mid - 1);
    fs_text_printf(t, " else ");
    dispatch(t, mid, hi);
    fs_text_printf(t, " end");
}

/* The members at idx[0..k) compiled as one program; NULL when the combined
   text does not compile (its message is of no use: each member is then
   compiled alone and gives its own). */
static struct fs_jq_state *combined(const fs_jq_group_t *g, const size_t *idx, size_t k)
{
    fs_text_t t = {0};
    for (size_t j = 0; j < k; j++)
        fs_text_printf(&t, "def _fs_jq_%zu: (\n%s\n);\n", j, g->members[idx[j]].program);
    fs_text_printf(&t, ".[0] as $_fs_jq_sel | .[1] | ");
    dispatch(&t, 0, k - 1);
    fs_err_t ignored = {0};
    struct fs_jq_state *st = fs_jq_state_compile(t.data, &ignored);
    fs_text_release(&t);
    return st;
}

int fs_jq_group_compile(fs_jq_group_t *g, fs_err_t *e)
{
    size_t first = g->compiled;
    g->compiled = g->n;
    g->failed = -1;
    size_t *idx = fs_xcalloc(g->n - first + 1, sizeof *idx), k = 0;
    for (size_t i = first; i < g->n; i++)
        if (g->members[i].jq && groupable(g->members[i].program))
            idx[k++] = i;
    struct fs_jq_state *st = k >= 2 ? combined(g, idx, k) : NULL;
    for (size_t j = 0; st && j < k; j++) {
        fs_jq_t *jq = g->members[idx[j]].jq;
        jq->state = st;
        jq->member = (int)j;
        st->refs++;
    }
    fs_jq_state_release(&st); /* the members hold it now */
    free(idx);
    int rc = 0;
    for (size_t i = first; i < g->n; i++) {
        fs_jq_t *jq = g->members[i].jq;
        if (!jq)
            continue;
        jq->group = NULL;
        g->members[i].jq = NULL;
        if (jq->state)
            continue;
        fs_err_t inner = {0};
        if (!(jq->state = fs_jq_state_compile(g->members[i].program, &inner)) && rc == 0) {
            rc = fs_err_setc(e, inner.code, "%s: %s", g->members[i].where, inner.text);
            g->failed = (long)i;
        }
    }
    return rc;
}
