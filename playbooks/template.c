/*  template.c — JSON templates whose strings may hold jq expressions:
      "{{ .event.site }}"          the whole string becomes the jq value
      "blocked {{ .item }} at {{ .event.site }}"   interpolated as text
    Expressions are compiled once, when the playbook is loaded, as members
    of the playbook's jq group (one libjq compile for all of them). */
#include "template.h"

#include <stdlib.h>
#include <string.h>

struct template_exprs {
    char *text;
    fs_jq_t *expr;
    char *reads; /* the one top-level field it can read (sole_field), or NULL */
    template_exprs_t *next;
};

static template_exprs_t *find(template_exprs_t *list, const char *text)
{
    for (; list; list = list->next)
        if (strcmp(list->text, text) == 0)
            return list;
    return NULL;
}

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* A plain string literal: no backslash, so no escape and no "\(...)". */
static const char *plain_string(const char *p)
{
    if (*p != '"')
        return NULL;
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\')
            return NULL;
    return *p == '"' ? p + 1 : NULL;
}

/* A path of plain names, ".event.site" or ".steps[\"still-open\"].x" (the
   first step a name); the end, its first name in *name and *len, or NULL. */
static const char *plain_path(const char *p, const char **name, size_t *len)
{
    if (p[0] != '.' || !is_name_start(p[1]))
        return NULL;
    *name = ++p;
    while (is_name_char(*p))
        p++;
    *len = (size_t)(p - *name);
    for (;;) {
        if (p[0] == '.' && is_name_start(p[1])) {
            for (p++; is_name_char(*p); p++)
                ;
        } else if (p[0] == '[') {
            const char *q = plain_string(p + 1);
            if (!q || *q != ']')
                return NULL;
            p = q + 1;
        } else {
            return p;
        }
    }
}

/* A constant: a number (a leading "-" is jq's negation of one), a plain
   string, true, false or null. The end, or NULL. */
static const char *constant(const char *p)
{
    if (*p == '"')
        return plain_string(p);
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        size_t n = strlen(words[i]);
        if (strncmp(p, words[i], n) == 0 && !is_name_char(p[n]))
            return p + n;
    }
    if (*p == '-')
        p++;
    if (!(*p >= '0' && *p <= '9'))
        return NULL;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p[0] == '.' && p[1] >= '0' && p[1] <= '9')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    if ((*p == 'e' || *p == 'E') && (p[1] == '+' || p[1] == '-' || (p[1] >= '0' && p[1] <= '9'))) {
        p += p[1] == '+' || p[1] == '-' ? 2 : 1;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return is_name_char(*p) ? NULL : p;
}

/* After a comparison operator at p, or NULL. */
static const char *comparison(const char *p)
{
    if ((p[0] == '=' || p[0] == '!' || p[0] == '<' || p[0] == '>') && p[1] == '=')
        return p + 2;
    return p[0] == '<' || p[0] == '>' ? p + 1 : NULL;
}

/* After the keyword "and" or "or" at p, or NULL. */
static const char *and_or(const char *p)
{
    size_t n = strncmp(p, "and", 3) == 0 ? 3 : strncmp(p, "or", 2) == 0 ? 2 : 0;
    return n && !is_name_char(p[n]) ? p + n : NULL;
}

/* The one top-level field of its input that program can read, when the
   program is made of plain paths that all start with that field
   (".event.site", ".item", ".steps[\"ti\"].verdict"), each alone or
   compared with a constant, joined by "and" / "or" (".event.severity_id
   >= 3 and .event.site == \"alpha\""), and then ends or goes on after a
   pipe (".event | [.evidences[]? ...]"): such terms read nothing but that
   field, "|" binds loosest in jq and nothing right of it reaches back to
   the input, so the program gives the same on {"event": ctx.event} as on
   the whole run context. Then the case, the bulk of the context, is not
   converted to jq for it (issue 19: that conversion was 12 % of the
   broker's CPU per alert, and 7 % of a 10-step playbook's with a
   condition). Anything else ("|=", "//", ",", "as", "?", arithmetic, two
   fields, a program that does not start with a path): NULL, the whole
   context. */
static char *sole_field(const char *p)
{
    const char *field = NULL, *name;
    size_t field_len = 0, len;
    for (;;) {
        if (!(p = plain_path(skip_space(p), &name, &len)))
            return NULL;
        if (field && (len != field_len || strncmp(name, field, len) != 0))
            return NULL;
        field = name;
        field_len = len;
        const char *after = comparison(p = skip_space(p));
        if (after && !(p = constant(skip_space(after))))
            return NULL;
        if (!(after = and_or(p = skip_space(p))))
            break;
        p = after;
    }
    if (*p == '\0' || (p[0] == '|' && p[1] != '='))
        return fs_xstrndup(field, field_len);
    return NULL;
}

/* Every output of node's program on ctx: on {FIELD: ctx.FIELD} when the
   program reads only FIELD (sole_field), else on ctx itself, converted
   once for all the expressions of one template (*shared, may be NULL:
   converted for this call alone). */
static json_t *run_node(const template_exprs_t *node, const json_t *ctx, fs_jq_input_t **shared,
                        fs_err_t *e)
{
    if (node->reads) {
        json_t *narrow = json_object();
        json_t *v = json_object_get(ctx, node->reads);
        if (v)
            json_object_set(narrow, node->reads, v);
        json_t *all = fs_jq_all(node->expr, narrow, e);
        json_decref(narrow);
        return all;
    }
    if (!shared)
        return fs_jq_all(node->expr, ctx, e);
    if (!*shared)
        *shared = fs_jq_input_new(ctx);
    return fs_jq_all_input(node->expr, *shared, e);
}

/* Calls fn for each "{{ expr }}" in s with the trimmed expression. */
static int each_expr(const char *s, int (*fn)(void *arg, const char *expr), void *arg)
{
    const char *p = s;
    while ((p = strstr(p, "{{"))) {
        const char *end = strstr(p + 2, "}}");
        if (!end)
            return -2;
        const char *a = p + 2, *b = end;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        char *expr = fs_xstrndup(a, (size_t)(b - a));
        int rc = fn(arg, expr);
        free(expr);
        if (rc != 0)
            return rc;
        p = end + 2;
    }
    return 0;
}

struct compile_ctx {
    template_exprs_t **list;
    fs_jq_group_t *group;
    const char *where;
};

static int compile_one(void *arg, const char *text)
{
    struct compile_ctx *c = arg;
    if (find(*c->list, text))
        return 0;
    fs_jq_t *expr = fs_jq_group_add(c->group, text, c->where);
    template_exprs_t *node = fs_xcalloc(1, sizeof *node);
    node->text = fs_xstrdup(text);
    node->expr = expr;
    node->reads = sole_field(text);
    node->next = *c->list;
    *c->list = node;
    return 0;
}

int template_compile(const json_t *tmpl, template_exprs_t **list, fs_jq_group_t *group,
                     const char *path, fs_err_t *e)
{
    if (json_is_string(tmpl)) {
        struct compile_ctx c = {list, group, path};
        if (each_expr(json_string_value(tmpl), compile_one, &c) != 0)
            return fs_err_set(e, "%s: \"{{\" without \"}}\"", path);
        return 0;
    }
    char sub[512];
    if (json_is_object(tmpl)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)tmpl, k, v)
        {
            snprintf(sub, sizeof sub, "%s.%s", path, k);
            if (template_compile(v, list, group, sub, e) != 0)
                return -1;
        }
    } else if (json_is_array(tmpl)) {
        size_t i;
        json_t *v;
        json_array_foreach(tmpl, i, v)
        {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            if (template_compile(v, list, group, sub, e) != 0)
                return -1;
        }
    }
    return 0;
}

void template_exprs_destroy(template_exprs_t **list)
{
    while (list && *list) {
        template_exprs_t *next = (*list)->next;
        fs_jq_destroy(&(*list)->expr);
        free((*list)->text);
        free((*list)->reads);
        free(*list);
        *list = next;
    }
}

/* The run context of one template_render call, converted for jq once, on
   the first expression that needs it (owned by template_render's frame). */
struct render_input {
    const json_t *ctx;
    fs_jq_input_t *jq;
};

/* First output of a compiled expression (json null when none). */
static json_t *first_value(template_exprs_t *list, const char *text, struct render_input *ri,
                           fs_err_t *e)
{
    template_exprs_t *node = find(list, text);
    if (!node) {
        fs_err_set(e, "expression not compiled: %s", text);
        return NULL;
    }
    json_t *all = run_node(node, ri->ctx, &ri->jq, e);
    if (!all)
        return NULL;
    json_t *v = json_array_get(all, 0);
    v = v ? json_incref(v) : json_null();
    json_decref(all);
    return v;
}

static json_t *render_string(const char *s, template_exprs_t *list, struct render_input *ri,
                             fs_err_t *e)
{
    const char *open = strstr(s, "{{");
    if (!open)
        return json_string(s);
    size_t len = strlen(s);
    /* A string that is one expression keeps the value's type. */
    if (open == s && len >= 4 && strcmp(s + len - 2, "}}") == 0 && !strstr(s + 2, "{{") &&
        strstr(s + 2, "}}") == s + len - 2) {
        char *expr = fs_xstrndup(s + 2, len - 4);
        char *a = expr, *b = expr + strlen(expr);
        while (*a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            *--b = '\0';
        json_t *v = first_value(list, a, ri, e);
        free(expr);
        return v;
    }
    /* Interpolation: text with values spliced in. */
    size_t cap = len + 256, n = 0;
    char *out = fs_xmalloc(cap);
    const char *p = s;
    for (;;) {
        const char *o = strstr(p, "{{");
        const char *c = o ? strstr(o + 2, "}}") : NULL;
        const char *lit_end = c ? o : p + strlen(p);
        size_t lit = (size_t)(lit_end - p);
        char *piece = NULL;
        if (c) {
            char *expr = fs_xstrndup(o + 2, (size_t)(c - o - 2));
            char *a = expr, *b = expr + strlen(expr);
            while (*a == ' ')
                a++;
            while (b > a && b[-1] == ' ')
                *--b = '\0';
            json_t *v = first_value(list, a, ri, e);
            free(expr);
            if (!v) {
                free(out);
                return NULL;
            }
            piece = json_is_string(v) ? fs_xstrdup(json_string_value(v))
                                      : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            json_decref(v);
        }
        size_t plen = piece ? strlen(piece) : 0;
        if (n + lit + plen + 1 > cap) {
            cap = (n + lit + plen + 1) * 2;
            out = fs_xrealloc(out, cap);
        }
        memcpy(out + n, p, lit);
        n += lit;
        if (piece)
            memcpy(out + n, piece, plen);
        n += plen;
        free(piece);
        if (!c)
            break;
        p = c + 2;
    }
    out[n] = '\0';
    json_t *v = json_string(out);
    free(out);
    if (!v)
        fs_err_set(e, "template produced invalid UTF-8");
    return v;
}

static json_t *render(const json_t *tmpl, template_exprs_t *list, struct render_input *ri,
                      fs_err_t *e)
{
    if (json_is_string(tmpl))
        return render_string(json_string_value(tmpl), list, ri, e);
    if (json_is_object(tmpl)) {
        json_t *out = json_object();
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)tmpl, k, v)
        {
            json_t *r = render(v, list, ri, e);
            if (!r) {
                json_decref(out);
                return NULL;
            }
            json_object_set_new(out, k, r);
        }
        return out;
    }
    if (json_is_array(tmpl)) {
        json_t *out = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(tmpl, i, v)
        {
            json_t *r = render(v, list, ri, e);
            if (!r) {
                json_decref(out);
                return NULL;
            }
            json_array_append_new(out, r);
        }
        return out;
    }
    return json_deep_copy(tmpl);
}

json_t *template_render(const json_t *tmpl, template_exprs_t *list, const json_t *ctx, fs_err_t *e)
{
    struct render_input ri = {ctx, NULL};
    json_t *out = render(tmpl, list, &ri, e);
    fs_jq_input_destroy(&ri.jq);
    return out;
}

void template_add_program(template_exprs_t **list, fs_jq_group_t *group, const char *program,
                          const char *where)
{
    struct compile_ctx c = {list, group, where};
    compile_one(&c, program);
}

const char *template_reads(const template_exprs_t *list, const char *text)
{
    const template_exprs_t *node = find((template_exprs_t *)list, text);
    return node ? node->reads : NULL;
}

json_t *template_eval_program(template_exprs_t *list, const char *program, const json_t *ctx,
                              fs_err_t *e)
{
    template_exprs_t *node = find(list, program);
    if (!node) {
        fs_err_set(e, "jq program was not compiled with the playbook: %s", program);
        return NULL;
    }
    return run_node(node, ctx, NULL, e);
}
