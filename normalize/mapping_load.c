/*  mapping_load.c — reads one mapping file, validates every key, and
    compiles it into a mapping_t (paths split, maps lower-cased, the file's
    jq rules compiled as one group, the consumption trie built); conditions
    are mapping_cond.c.  Errors read "FILE:LINE: FIELD: problem". */
#include "internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nz_load_fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    if (vsnprintf(buf, size, f, ap) < 0 && size)
        buf[0] = '\0';
    va_end(ap);
}

int nz_load_fail(load_t *L, const char *field, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(L->field, sizeof L->field, "%s", field);
    fs_err_set(&L->err, "%s", msg);
    return -1;
}

/* ---- rules ----------------------------------------------------------------- */

static const char *const rule_keys[] = {
    "from",    "to",     "value",    "fn",       "sep",     "unit", "map",  "ci",
    "default", "ranges", "required", "fallback", "drop",    "keep", "when", "pick",
    "rules",   "switch", "jq",       "comment",  "qualify", "try",  NULL};

static int rules_compile(load_t *L, nz_rule_t **out, size_t *nout, json_t *arr, const char *where,
                         int depth);

static int paths_compile(load_t *L, nz_rule_t *r, json_t *from, const char *w)
{
    fs_err_t e;
    if (json_is_string(from)) {
        r->nfrom = 1;
    } else if (json_is_array(from) && json_array_size(from) > 0 && json_array_size(from) <= 16) {
        r->nfrom = json_array_size(from);
    } else {
        return nz_load_fail(L, w, "expected a path string or an array of 1..16 alternative paths");
    }
    r->from = fs_xcalloc(r->nfrom, sizeof *r->from);
    for (size_t i = 0; i < r->nfrom; i++) {
        json_t *s = json_is_string(from) ? from : json_array_get(from, i);
        if (!json_is_string(s))
            return nz_load_fail(L, w, "alternative %zu is not a string", i);
        if (nz_path_compile(&r->from[i], json_string_value(s), false, &e) != 0)
            return nz_load_fail(L, w, "%s", e.text);
    }
    return 0;
}

static int rule_compile(load_t *L, nz_rule_t *r, json_t *j, const char *where, int depth)
{
    char w[256];
    fs_err_t e;
    if (!json_is_object(j))
        return nz_load_fail(L, where, "a rule must be an object");
    r->where = fs_xstrdup(where);
    r->id = L->m->nrule_ids++;
    if (L->m->nrule_ids > NZ_MAX_RULES)
        return nz_load_fail(L, where, "more than %d rules", NZ_MAX_RULES);
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        bool known = false;
        for (size_t i = 0; rule_keys[i]; i++)
            known |= strcmp(key, rule_keys[i]) == 0;
        if (!known) {
            nz_load_fmt(w, sizeof w, "%s.%s", where, key);
            return nz_load_fail(L, w, "unknown rule key (see docs/normalize.md, \"Rules\")");
        }
    }
    json_t *x;
    if ((x = json_object_get(j, "from"))) {
        nz_load_fmt(w, sizeof w, "%s.from", where);
        if (paths_compile(L, r, x, w) != 0)
            return -1;
    }
    if ((x = json_object_get(j, "to"))) {
        nz_load_fmt(w, sizeof w, "%s.to", where);
        if (!json_is_string(x))
            return nz_load_fail(L, w, "expected an output path string");
        if (nz_path_compile(&r->to, json_string_value(x), true, &e) != 0)
            return nz_load_fail(L, w, "%s", e.text);
        r->has_to = true;
    }
    if ((x = json_object_get(j, "value")))
        r->value = json_incref(x);
    if ((x = json_object_get(j, "fn"))) {
        nz_load_fmt(w, sizeof w, "%s.fn", where);
        size_t n = json_is_array(x) ? json_array_size(x) : 1;
        if (!(json_is_string(x) || json_is_array(x)) || n == 0 || n > 4)
            return nz_load_fail(L, w, "expected a function name or an array of 1..4 names");
        for (size_t i = 0; i < n; i++) {
            json_t *s = json_is_array(x) ? json_array_get(x, i) : x;
            nz_fn_t fn = json_is_string(s) ? nz_fn_by_name(json_string_value(s)) : NZ_FN_NONE;
            if (fn == NZ_FN_NONE)
                return nz_load_fail(
                    L, w,
                    "unknown function %s (expected time, int, float, bool, string, "
                    "lower, upper, trim, basename, dirname, split, join, first, ip, "
                    "domain, user, nonempty)",
                    json_is_string(s) ? json_string_value(s) : "(not a string)");
            r->fn[r->nfn++] = fn;
        }
    }
    if ((x = json_object_get(j, "sep"))) {
        nz_load_fmt(w, sizeof w, "%s.sep", where);
        if (!json_is_string(x) || json_string_length(x) == 0)
            return nz_load_fail(L, w, "expected a non-empty string");
        r->sep = fs_xstrdup(json_string_value(x));
    }
    for (size_t i = 0; i < r->nfn; i++)
        if ((r->fn[i] == NZ_FN_SPLIT || r->fn[i] == NZ_FN_JOIN) && !r->sep) {
            nz_load_fmt(w, sizeof w, "%s.fn", where);
            return nz_load_fail(L, w, "split and join need \"sep\"");
        }
    if ((x = json_object_get(j, "unit"))) {
        nz_load_fmt(w, sizeof w, "%s.unit", where);
        const char *u = json_string_value(x);
        if (!u)
            return nz_load_fail(L, w, "expected s, ms, us, ns or auto");
        if (strcmp(u, "s") == 0)
            r->unit = NZ_TIME_S;
        else if (strcmp(u, "ms") == 0)
            r->unit = NZ_TIME_MS;
        else if (strcmp(u, "us") == 0)
            r->unit = NZ_TIME_US;
        else if (strcmp(u, "ns") == 0)
            r->unit = NZ_TIME_NS;
        else if (strcmp(u, "auto") == 0)
            r->unit = NZ_TIME_AUTO;
        else
            return nz_load_fail(L, w, "unknown unit \"%s\" (expected s, ms, us, ns or auto)", u);
    }
    r->map_ci = json_is_true(json_object_get(j, "ci"));
    if ((x = json_object_get(j, "map"))) {
        nz_load_fmt(w, sizeof w, "%s.map", where);
        if (!json_is_object(x) || json_object_size(x) == 0)
            return nz_load_fail(L, w, "expected a non-empty object {vendor value: OCSF value}");
        r->map = json_object();
        const char *k;
        json_t *mv;
        json_object_foreach(x, k, mv)
        {
            char buf[512];
            nz_load_fmt(buf, sizeof buf, "%s", k);
            if (r->map_ci)
                for (char *p = buf; *p; p++)
                    *p = (char)tolower((unsigned char)*p);
            if (json_object_get(r->map, buf))
                return nz_load_fail(L, w, "key \"%s\" appears twice (case-insensitive map)", k);
            json_object_set(r->map, buf, mv);
        }
    }
    if ((x = json_object_get(j, "default")))
        r->dflt = json_incref(x);
    if ((x = json_object_get(j, "ranges"))) {
        nz_load_fmt(w, sizeof w, "%s.ranges", where);
        if (!json_is_array(x) || json_array_size(x) == 0 || json_array_size(x) > 64)
            return nz_load_fail(L, w, "expected an array of [low, high, value] triples");
        r->nranges = json_array_size(x);
        r->ranges = fs_xcalloc(r->nranges, sizeof *r->ranges);
        for (size_t i = 0; i < r->nranges; i++) {
            json_t *t = json_array_get(x, i);
            if (!json_is_array(t) || json_array_size(t) != 3 ||
                !json_is_number(json_array_get(t, 0)) || !json_is_number(json_array_get(t, 1)))
                return nz_load_fail(L, w, "element %zu: expected [low, high, value] with numbers",
                                    i);
            r->ranges[i].lo = json_number_value(json_array_get(t, 0));
            r->ranges[i].hi = json_number_value(json_array_get(t, 1));
            r->ranges[i].value = json_incref(json_array_get(t, 2));
            if (r->ranges[i].lo > r->ranges[i].hi)
                return nz_load_fail(L, w, "element %zu: low > high", i);
        }
    }
    if (r->map && r->nranges) {
        nz_load_fmt(w, sizeof w, "%s", where);
        return nz_load_fail(L, w, "use either map or ranges, not both");
    }
    if ((x = json_object_get(j, "qualify"))) {
        nz_load_fmt(w, sizeof w, "%s.qualify", where);
        if (!json_is_string(x) ||
            nz_path_compile(&r->qualify, json_string_value(x), false, &e) != 0 || r->qualify.wild ||
            r->qualify.n == 0)
            return nz_load_fail(L, w, "expected the path of the user's domain (no [])");
        r->has_qualify = true;
    }
    r->try_only = json_is_true(json_object_get(j, "try"));
    r->required = json_is_true(json_object_get(j, "required"));
    r->fallback = json_is_true(json_object_get(j, "fallback"));
    r->consume_only = json_is_true(json_object_get(j, "drop"));
    r->keep = json_is_true(json_object_get(j, "keep"));
    if ((x = json_object_get(j, "when"))) {
        nz_load_fmt(w, sizeof w, "%s.when", where);
        if (!(r->when = nz_cond_new(L, x, w)))
            return -1;
    }
    if ((x = json_object_get(j, "pick"))) {
        nz_load_fmt(w, sizeof w, "%s.pick", where);
        if (!json_object_get(j, "rules") || !json_object_get(j, "from"))
            return nz_load_fail(L, w, "\"pick\" needs \"from\" (an array) and \"rules\"");
        if (!(r->pick = nz_cond_new(L, x, w)))
            return -1;
    }
    if ((x = json_object_get(j, "jq"))) {
        nz_load_fmt(w, sizeof w, "%s.jq", where);
        if (!json_is_string(x))
            return nz_load_fail(L, w, "expected a jq program string");
        r->jq = fs_jq_group_add(L->jq_group, json_string_value(x), w); /* top_compile compiles */
    }
    if ((x = json_object_get(j, "rules"))) {
        nz_load_fmt(w, sizeof w, "%s.rules", where);
        if (depth >= NZ_MAX_NESTING)
            return nz_load_fail(L, w, "rules nested more than %d deep", NZ_MAX_NESTING);
        if (rules_compile(L, &r->sub, &r->nsub, x, w, depth + 1) != 0)
            return -1;
    }
    if ((x = json_object_get(j, "switch"))) {
        nz_load_fmt(w, sizeof w, "%s.switch", where);
        if (depth >= NZ_MAX_NESTING)
            return nz_load_fail(L, w, "rules nested more than %d deep", NZ_MAX_NESTING);
        if (!json_is_array(x) || json_array_size(x) == 0)
            return nz_load_fail(L, w, "expected an array of {when, rules} cases");
        r->ncases = json_array_size(x);
        r->cases = fs_xcalloc(r->ncases, sizeof *r->cases);
        for (size_t i = 0; i < r->ncases; i++) {
            json_t *c = json_array_get(x, i);
            char cw[256];
            nz_load_fmt(cw, sizeof cw, "%s[%zu]", w, i);
            if (!json_is_object(c) || !json_is_array(json_object_get(c, "rules")))
                return nz_load_fail(L, cw, "a case needs \"rules\" (and optionally \"when\")");
            const char *ck;
            json_t *cv;
            json_object_foreach(c, ck, cv)
            {
                if (strcmp(ck, "when") && strcmp(ck, "rules") && strcmp(ck, "comment")) {
                    char kw[300];
                    nz_load_fmt(kw, sizeof kw, "%s.%s", cw, ck);
                    return nz_load_fail(L, kw, "unknown case key (expected when, rules, comment)");
                }
            }
            if (json_object_get(c, "when")) {
                char ww[300];
                nz_load_fmt(ww, sizeof ww, "%s.when", cw);
                if (!(r->cases[i].when = nz_cond_new(L, json_object_get(c, "when"), ww)))
                    return -1;
            }
            char rw[300];
            nz_load_fmt(rw, sizeof rw, "%s.rules", cw);
            if (rules_compile(L, &r->cases[i].rules, &r->cases[i].nrules,
                              json_object_get(c, "rules"), rw, depth + 1) != 0)
                return -1;
        }
    }

    /* what a rule must have */
    bool produces = r->value || r->nfrom || r->jq || r->nsub;
    if (r->ncases) {
        if (r->has_to || r->nfrom || r->value || r->nsub || r->jq || r->map || r->nranges)
            return nz_load_fail(L, where, "a switch rule takes only \"switch\" (and \"when\")");
        return 0;
    }
    if (r->consume_only) {
        if (!r->nfrom || r->has_to)
            return nz_load_fail(L, where, "a drop rule takes \"from\" and no \"to\"");
        return 0;
    }
    if (!r->has_to)
        return nz_load_fail(L, where, "missing \"to\" (the OCSF field to fill)");
    if (r->nfrom)
        r->warnings = fs_xcalloc(r->nfrom, sizeof *r->warnings);
    r->is_time = depth == 0 && r->to.n == 1 && !r->to.append && strcmp(r->to.seg[0], "time") == 0;
    if (!produces)
        return nz_load_fail(L, where, "needs \"from\", \"value\", \"jq\" or \"rules\"");
    if (r->value && (r->nfrom || r->jq || r->nsub || r->map))
        return nz_load_fail(L, where, "a constant (\"value\") takes no from/jq/rules/map");
    if (r->nsub && (r->jq || r->map || r->nranges || r->nfn))
        return nz_load_fail(L, where, "a rule with nested \"rules\" takes no jq/map/ranges/fn");
    if (r->dflt && !r->map && !r->nranges)
        return nz_load_fail(L, where, "\"default\" needs \"map\" or \"ranges\"");
    if (r->required && !r->nfrom && !r->jq)
        return nz_load_fail(L, where, "\"required\" needs \"from\" or \"jq\"");
    return 0;
}

static void rule_free(nz_rule_t *r);

static int rules_compile(load_t *L, nz_rule_t **out, size_t *nout, json_t *arr, const char *where,
                         int depth)
{
    if (!json_is_array(arr))
        return nz_load_fail(L, where, "expected an array of rules");
    *nout = json_array_size(arr);
    *out = fs_xcalloc(*nout ? *nout : 1, sizeof **out);
    for (size_t i = 0; i < *nout; i++) {
        char w[256];
        nz_load_fmt(w, sizeof w, "%s[%zu]", where, i);
        if (rule_compile(L, &(*out)[i], json_array_get(arr, i), w, depth) != 0)
            return -1;
    }
    return 0;
}

static void rules_free(nz_rule_t *rules, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rule_free(&rules[i]);
    free(rules);
}

static void rule_free(nz_rule_t *r)
{
    for (size_t i = 0; i < r->nfrom; i++)
        nz_path_free(&r->from[i]);
    free(r->from);
    nz_path_free(&r->to);
    nz_path_free(&r->qualify);
    free(r->warnings);
    json_decref(r->value);
    free(r->sep);
    json_decref(r->map);
    json_decref(r->dflt);
    for (size_t i = 0; i < r->nranges; i++)
        json_decref(r->ranges[i].value);
    free(r->ranges);
    if (r->when) {
        nz_cond_free(r->when);
        free(r->when);
    }
    if (r->pick) {
        nz_cond_free(r->pick);
        free(r->pick);
    }
    rules_free(r->sub, r->nsub);
    for (size_t i = 0; i < r->ncases; i++) {
        if (r->cases[i].when) {
            nz_cond_free(r->cases[i].when);
            free(r->cases[i].when);
        }
        rules_free(r->cases[i].rules, r->cases[i].nrules);
    }
    free(r->cases);
    fs_jq_destroy(&r->jq);
    free(r->where);
}

/* ---- consumption trie ------------------------------------------------------ */

static nz_trie_t *trie_child(nz_trie_t *t, const char *key)
{
    size_t lo = 0, hi = t->nchild;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(t->child[mid].key, key);
        if (c == 0)
            return &t->child[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    t->child = fs_xrealloc(t->child, (t->nchild + 1) * sizeof *t->child);
    memmove(&t->child[lo + 1], &t->child[lo], (t->nchild - lo) * sizeof *t->child);
    memset(&t->child[lo], 0, sizeof *t->child);
    t->child[lo].key = fs_xstrdup(key);
    t->nchild++;
    return &t->child[lo];
}

/* Marks prefix+path as consumed by rule id. Wildcard segments are skipped:
   the unmapped walk looks through arrays. */
static void trie_add(nz_trie_t *root, const nz_path_t *prefix, const nz_path_t *p, uint32_t id)
{
    nz_trie_t *t = root;
    const nz_path_t *parts[2] = {prefix, p};
    for (int k = 0; k < 2; k++) {
        if (!parts[k])
            continue;
        for (size_t i = 0; i < parts[k]->n; i++) {
            if (strcmp(parts[k]->seg[i], "[]") == 0)
                continue;
            t = trie_child(t, parts[k]->seg[i]);
        }
    }
    if (t == root)
        return; /* "." at top level: reading the whole record consumes nothing */
    t->rules = fs_xrealloc(t->rules, (t->nrules + 1) * sizeof *t->rules);
    t->rules[t->nrules++] = id;
}

/* Joins two paths (prefix then p) into a temporary path. */
static void path_join(nz_path_t *out, const nz_path_t *a, const nz_path_t *b)
{
    memset(out, 0, sizeof *out);
    out->n = (a ? a->n : 0) + b->n;
    out->seg = fs_xcalloc(out->n ? out->n : 1, sizeof *out->seg);
    size_t k = 0;
    for (size_t i = 0; a && i < a->n; i++)
        out->seg[k++] = fs_xstrdup(a->seg[i]);
    for (size_t i = 0; i < b->n; i++)
        out->seg[k++] = fs_xstrdup(b->seg[i]);
    out->text = fs_xstrdup("(joined)");
}

static void trie_rules(nz_trie_t *root, const nz_path_t *prefix, nz_rule_t *rules, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        nz_rule_t *r = &rules[i];
        for (size_t c = 0; c < r->ncases; c++)
            trie_rules(root, prefix, r->cases[c].rules, r->cases[c].nrules);
        if (r->nsub) {
            if (r->nfrom == 0)
                trie_rules(root, prefix, r->sub, r->nsub);
            for (size_t f = 0; f < r->nfrom; f++) {
                nz_path_t joined;
                path_join(&joined, prefix, &r->from[f]);
                trie_rules(root, &joined, r->sub, r->nsub);
                nz_path_free(&joined);
            }
            continue;
        }
        for (size_t f = 0; f < r->nfrom && !r->keep; f++)
            trie_add(root, prefix, &r->from[f], r->id);
    }
}

static void trie_free(nz_trie_t *t)
{
    for (size_t i = 0; i < t->nchild; i++) {
        trie_free(&t->child[i]);
        free(t->child[i].key);
    }
    free(t->child);
    free(t->rules);
}

/* ---- the file ---------------------------------------------------------------- */

static const char *const top_keys[] = {
    "source", "description", "framing", "envelopes", "decoder",       "product", "observables",
    "rules",  "comment",     "class",   "shapes",    "record_arrays", NULL};

static int top_compile(load_t *L, json_t *doc, const char *file_base)
{
    mapping_t *m = L->m;
    fs_err_t e;
    if (!json_is_object(doc))
        return nz_load_fail(L, "", "a mapping file must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        bool known = false;
        for (size_t i = 0; top_keys[i]; i++)
            known |= strcmp(key, top_keys[i]) == 0;
        if (!known)
            return nz_load_fail(L, key,
                                "unknown key (expected source, description, framing, envelopes, "
                                "decoder, product, shapes, record_arrays, observables, rules)");
    }
    json_t *x = json_object_get(doc, "source");
    if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > 64)
        return nz_load_fail(L, "source",
                            "expected the source id string, e.g. \"crowdstrike.alert\"");
    for (const char *c = json_string_value(x); *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '.' || *c == '_' || *c == '-'))
            return nz_load_fail(L, "source",
                                "source ids use only letters, digits, '.', '_' and '-'");
    if (file_base && strcmp(file_base, json_string_value(x)) != 0)
        return nz_load_fail(L, "source", "source \"%s\" does not match the file name (%s.json)",
                            json_string_value(x), file_base);
    m->source_id = fs_xstrdup(json_string_value(x));
    m->source_json = json_string(json_string_value(x));

    m->framing = NZ_FRAME_JSON;
    if ((x = json_object_get(doc, "framing"))) {
        const char *f = json_string_value(x);
        if (f && strcmp(f, "json") == 0)
            m->framing = NZ_FRAME_JSON;
        else if (f && strcmp(f, "lines") == 0)
            m->framing = NZ_FRAME_LINES;
        else if (f && strcmp(f, "whole") == 0)
            m->framing = NZ_FRAME_WHOLE;
        else if (f && strcmp(f, "xml_or_json") == 0)
            m->framing = NZ_FRAME_AUTO_XML_JSON;
        else
            return nz_load_fail(L, "framing", "expected json, lines, whole or xml_or_json");
    }
    if ((x = json_object_get(doc, "envelopes"))) {
        if (!json_is_array(x) || json_array_size(x) > 8)
            return nz_load_fail(L, "envelopes", "expected an array of up to 8 key names");
        m->nenvelopes = json_array_size(x);
        m->envelopes = fs_xcalloc(m->nenvelopes ? m->nenvelopes : 1, sizeof *m->envelopes);
        for (size_t i = 0; i < m->nenvelopes; i++) {
            if (!json_is_string(json_array_get(x, i)))
                return nz_load_fail(L, "envelopes", "element %zu is not a string", i);
            m->envelopes[i] = fs_xstrdup(json_string_value(json_array_get(x, i)));
        }
    }
    if ((x = json_object_get(doc, "decoder"))) {
        const char *d = json_string_value(x);
        if (d && strcmp(d, "cef") == 0)
            m->decoder = NZ_DEC_CEF;
        else if (d && strcmp(d, "windows_xml") == 0)
            m->decoder = NZ_DEC_WINXML;
        else if (d && strcmp(d, "rfc822") == 0)
            m->decoder = NZ_DEC_RFC822;
        else
            return nz_load_fail(L, "decoder", "expected cef, windows_xml or rfc822");
    }
    x = json_object_get(doc, "product");
    if (!json_is_object(x) || !json_is_string(json_object_get(x, "name")) ||
        !json_is_string(json_object_get(x, "vendor_name")))
        return nz_load_fail(L, "product", "expected {\"name\": ..., \"vendor_name\": ...}");
    m->product = json_deep_copy(x);

    m->auto_observables = true;
    if ((x = json_object_get(doc, "observables"))) {
        if (!json_is_object(x))
            return nz_load_fail(L, "observables", "expected {\"auto\": bool, \"rules\": [...]}");
        json_object_foreach(x, key, v)
        {
            if (strcmp(key, "auto") && strcmp(key, "rules")) {
                char w[256];
                nz_load_fmt(w, sizeof w, "observables.%s", key);
                return nz_load_fail(L, w, "unknown key (expected auto, rules)");
            }
        }
        if (json_object_get(x, "auto"))
            m->auto_observables = json_is_true(json_object_get(x, "auto"));
        json_t *rs = json_object_get(x, "rules");
        if (rs && !json_is_array(rs))
            return nz_load_fail(L, "observables.rules", "expected an array");
        m->nobs = rs ? json_array_size(rs) : 0;
        m->obs = fs_xcalloc(m->nobs ? m->nobs : 1, sizeof *m->obs);
        for (size_t i = 0; i < m->nobs; i++) {
            char w[256];
            json_t *o = json_array_get(rs, i);
            nz_load_fmt(w, sizeof w, "observables.rules[%zu]", i);
            if (!json_is_object(o))
                return nz_load_fail(L, w, "expected {\"from\", \"type_id\", \"name\"}");
            json_object_foreach(o, key, v)
            {
                if (strcmp(key, "from") && strcmp(key, "type_id") && strcmp(key, "name") &&
                    strcmp(key, "when") && strcmp(key, "comment") && strcmp(key, "qualify") &&
                    strcmp(key, "where")) {
                    char kw[300];
                    nz_load_fmt(kw, sizeof kw, "%s.%s", w, key);
                    return nz_load_fail(
                        L, kw, "unknown key (expected from, type_id, name, when, where, qualify)");
                }
            }
            json_t *from = json_object_get(o, "from");
            json_t *tid = json_object_get(o, "type_id");
            json_t *name = json_object_get(o, "name");
            if (!json_is_string(from))
                return nz_load_fail(L, w, "\"from\" must be a path string");
            if (nz_path_compile(&m->obs[i].from, json_string_value(from), false, &e) != 0)
                return nz_load_fail(L, w, "%s", e.text);
            if (!json_is_integer(tid) || !ocsf_observable_type_name((int)json_integer_value(tid)))
                return nz_load_fail(
                    L, w, "\"type_id\" must be a known OCSF observable type id (1..10, 99)");
            m->obs[i].type_id = (int)json_integer_value(tid);
            m->obs[i].name = fs_xstrdup(json_is_string(name) ? json_string_value(name)
                                                             : json_string_value(from));
            json_t *q = json_object_get(o, "qualify");
            if ((q || json_object_get(o, "where")) &&
                (m->obs[i].from.n == 0 || !strcmp(m->obs[i].from.seg[m->obs[i].from.n - 1], "[]")))
                return nz_load_fail(L, w,
                                    "\"qualify\" and \"where\" need a path that ends in a key");
            if (json_object_get(o, "where")) {
                char ww[300];
                nz_load_fmt(ww, sizeof ww, "%s.where", w);
                if (!(m->obs[i].where = nz_cond_new(L, json_object_get(o, "where"), ww)))
                    return -1;
            }
            if (q) {
                if (!json_is_string(q) || json_string_length(q) == 0 ||
                    strchr(json_string_value(q), '.') || m->obs[i].from.n == 0 ||
                    !strcmp(m->obs[i].from.seg[m->obs[i].from.n - 1], "[]"))
                    return nz_load_fail(L, w,
                                        "\"qualify\" must name the key beside the user name "
                                        "that holds its domain");
                m->obs[i].qualify = fs_xstrdup(json_string_value(q));
            }
            if (json_object_get(o, "when")) {
                char ww[300];
                nz_load_fmt(ww, sizeof ww, "%s.when", w);
                if (!(m->obs[i].when = nz_cond_new(L, json_object_get(o, "when"), ww)))
                    return -1;
            }
        }
    }
    m->time_from_receipt = fs_xcalloc(1, sizeof *m->time_from_receipt);
    if (nz_shapes_compile(L, doc) != 0)
        return -1;
    x = json_object_get(doc, "rules");
    if (!json_is_array(x) || json_array_size(x) == 0)
        return nz_load_fail(L, "rules", "expected a non-empty array of rules");
    if (rules_compile(L, &m->rules, &m->nrules, x, "rules", 0) != 0)
        return -1;
    trie_rules(&m->trie, NULL, m->rules, m->nrules);
    return 0;
}

void nz_mapping_free(mapping_t *m)
{
    if (!m)
        return;
    free(m->source_id);
    json_decref(m->source_json);
    free(m->file);
    for (size_t i = 0; i < m->nenvelopes; i++)
        free(m->envelopes[i]);
    free(m->envelopes);
    json_decref(m->product);
    rules_free(m->rules, m->nrules);
    for (size_t i = 0; i < m->nobs; i++) {
        nz_path_free(&m->obs[i].from);
        free(m->obs[i].name);
        free(m->obs[i].qualify);
        if (m->obs[i].where) {
            nz_cond_free(m->obs[i].where);
            free(m->obs[i].where);
        }
        if (m->obs[i].when) {
            nz_cond_free(m->obs[i].when);
            free(m->obs[i].when);
        }
    }
    free(m->obs);
    nz_path_free(&m->uid_from);
    nz_shapes_free(m);
    free(m->time_from_receipt);
    trie_free(&m->trie);
    free(m);
}

mapping_t *nz_mapping_load_text(const char *name, const char *text, size_t len, fs_err_t *e)
{
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        fs_err_set(e, "%s:%d: invalid JSON at column %d: %s (fix the syntax)", name, je.line,
                   je.column, je.text);
        return NULL;
    }
    load_t L = {0};
    L.jq_group = fs_jq_group_new();
    L.m = fs_xcalloc(1, sizeof *L.m);
    L.m->file = fs_xstrdup(name);
    /* the file name (without directory and .json) must equal the source id */
    char base[256];
    const char *slash = strrchr(name, '/');
    snprintf(base, sizeof base, "%s", slash ? slash + 1 : name);
    size_t bl = strlen(base);
    bool check_base = bl > 5 && strcmp(base + bl - 5, ".json") == 0;
    if (check_base)
        base[bl - 5] = '\0';
    int rc = top_compile(&L, doc, check_base ? base : NULL);
    /* Every "jq" rule in one libjq compile (jq_program.h "groups"). Also
       after another error: a rule read before it that does not compile is
       the first error, as when each was compiled where it was read; the
       error names the rule's JSON path. */
    fs_err_t jq_e;
    if (fs_jq_group_compile(L.jq_group, &jq_e) != 0) {
        const char *w = fs_jq_group_failed_where(L.jq_group);
        rc = nz_load_fail(&L, w, "%s", jq_e.text + strlen(w) + 2);
    }
    if (rc != 0) {
        nz_linemap_t *lm = nz_linemap_build(text, len);
        int line = nz_linemap_line(lm, L.field);
        nz_linemap_destroy(&lm);
        fs_err_set(e, "%s:%d: %s: %s", name, line, *L.field ? L.field : "(top)", L.err.text);
        fs_jq_group_destroy(&L.jq_group);
        nz_mapping_free(L.m);
        json_decref(doc);
        return NULL;
    }
    fs_jq_group_destroy(&L.jq_group);
    json_decref(doc);
    return L.m;
}

mapping_t *nz_mapping_load(const char *path, fs_err_t *e)
{
    size_t len;
    fs_err_t fe;
    char *text = fs_file_read(path, 4u * 1024u * 1024u, &len, &fe);
    if (!text) {
        fs_err_set(e, "%s", fe.text);
        return NULL;
    }
    mapping_t *m = nz_mapping_load_text(path, text, len, e);
    free(text);
    return m;
}
