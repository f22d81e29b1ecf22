/*  shapes.c — one source, several delivery shapes.  The same Entra sign-in
    arrives from the Graph API (camelCase fields at the top), through Azure
    Monitor diagnostic settings / Event Hub (`{"time", "category",
    "properties": {...}}`) and as a Log Analytics table row (`TimeGenerated`,
    `UserPrincipalName`, `IPAddress` ...).  Rather than one rule set per
    shape, a mapping lists "shapes": per record, the first shape whose
    `when` holds rewrites the record into the shape its rules read (rename
    columns or envelope keys, then lift an object's keys up), and the rules
    run once.

    "record_arrays" lists paths where a delivered body holds an array of
    records that is not a top-level envelope (Okta's event hook:
    `{"data": {"events": [...]}}`); such a record is its elements.

    Both are applied to the run's own copy of the record (mapping_apply.c
    owns it); what the rewrite does not move stays where it was and ends in
    `unmapped` as always. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define NZ_MAX_SHAPES 8
#define NZ_MAX_RENAMES 128
#define NZ_MAX_RECORD_ARRAYS 4

static int shape_compile(load_t *L, nz_shape_t *sh, json_t *j, const char *where)
{
    char w[300];
    fs_err_t e;
    if (!json_is_object(j))
        return nz_load_fail(L, where, "a shape must be an object {name, when, lift, rename}");
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "name") && strcmp(key, "when") && strcmp(key, "lift") &&
            strcmp(key, "rename") && strcmp(key, "comment")) {
            nz_load_fmt(w, sizeof w, "%s.%s", where, key);
            return nz_load_fail(L, w, "unknown shape key (expected name, when, lift, rename)");
        }
    }
    json_t *x = json_object_get(j, "name");
    if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > 64) {
        nz_load_fmt(w, sizeof w, "%s.name", where);
        return nz_load_fail(L, w, "expected the shape's name (1..64 characters)");
    }
    sh->name = fs_xstrdup(json_string_value(x));
    if ((x = json_object_get(j, "when"))) {
        nz_load_fmt(w, sizeof w, "%s.when", where);
        if (!(sh->when = nz_cond_new(L, x, w)))
            return -1;
    }
    if ((x = json_object_get(j, "lift"))) {
        nz_load_fmt(w, sizeof w, "%s.lift", where);
        if (!json_is_string(x) || nz_path_compile(&sh->lift, json_string_value(x), false, &e) != 0)
            return nz_load_fail(L, w, "expected a path without [] (the object to lift)");
        sh->has_lift = true;
        if (sh->lift.wild || sh->lift.n == 0)
            return nz_load_fail(L, w, "expected a path without [] (the object to lift)");
    }
    if ((x = json_object_get(j, "rename"))) {
        nz_load_fmt(w, sizeof w, "%s.rename", where);
        if (!json_is_object(x) || json_object_size(x) > NZ_MAX_RENAMES)
            return nz_load_fail(L, w, "expected {\"Column\": \"field.path\", ...} (up to %d)",
                                NZ_MAX_RENAMES);
        sh->renames = fs_xcalloc(json_object_size(x) + 1, sizeof *sh->renames);
        json_object_foreach(x, key, v)
        {
            nz_rename_t *rn = &sh->renames[sh->nrenames++];
            char kw[400];
            nz_load_fmt(kw, sizeof kw, "%s.%s", w, key);
            if (!json_is_string(v) || nz_path_compile(&rn->from, key, false, &e) != 0 ||
                nz_path_compile(&rn->to, json_string_value(v), false, &e) != 0 || rn->from.wild ||
                rn->to.wild || rn->from.n == 0 || rn->to.n == 0)
                return nz_load_fail(L, kw, "expected a field path without [] on both sides");
        }
    }
    if (!sh->has_lift && !sh->nrenames)
        return nz_load_fail(L, where, "a shape needs \"lift\" or \"rename\"");
    return 0;
}

int nz_shapes_compile(load_t *L, json_t *doc)
{
    mapping_t *m = L->m;
    json_t *x = json_object_get(doc, "shapes");
    if (x) {
        if (!json_is_array(x) || json_array_size(x) == 0 || json_array_size(x) > NZ_MAX_SHAPES)
            return nz_load_fail(L, "shapes", "expected an array of 1..%d shapes", NZ_MAX_SHAPES);
        m->nshapes = json_array_size(x);
        m->shapes = fs_xcalloc(m->nshapes, sizeof *m->shapes);
        for (size_t i = 0; i < m->nshapes; i++) {
            char w[64];
            nz_load_fmt(w, sizeof w, "shapes[%zu]", i);
            if (shape_compile(L, &m->shapes[i], json_array_get(x, i), w) != 0)
                return -1;
        }
    }
    x = json_object_get(doc, "record_arrays");
    if (x) {
        if (!json_is_array(x) || json_array_size(x) == 0 ||
            json_array_size(x) > NZ_MAX_RECORD_ARRAYS)
            return nz_load_fail(L, "record_arrays", "expected an array of 1..%d paths",
                                NZ_MAX_RECORD_ARRAYS);
        m->nrecord_arrays = json_array_size(x);
        m->record_arrays = fs_xcalloc(m->nrecord_arrays, sizeof *m->record_arrays);
        for (size_t i = 0; i < m->nrecord_arrays; i++) {
            fs_err_t e;
            json_t *p = json_array_get(x, i);
            char w[64];
            nz_load_fmt(w, sizeof w, "record_arrays[%zu]", i);
            if (!json_is_string(p) ||
                nz_path_compile(&m->record_arrays[i], json_string_value(p), false, &e) != 0 ||
                m->record_arrays[i].wild || m->record_arrays[i].n == 0)
                return nz_load_fail(L, w, "expected a field path without []");
        }
    }
    return 0;
}

void nz_shapes_free(mapping_t *m)
{
    for (size_t i = 0; i < m->nshapes; i++) {
        nz_shape_t *sh = &m->shapes[i];
        free(sh->name);
        if (sh->when) {
            nz_cond_free(sh->when);
            free(sh->when);
        }
        nz_path_free(&sh->lift);
        for (size_t k = 0; k < sh->nrenames; k++) {
            nz_path_free(&sh->renames[k].from);
            nz_path_free(&sh->renames[k].to);
        }
        free(sh->renames);
    }
    free(m->shapes);
    for (size_t i = 0; i < m->nrecord_arrays; i++)
        nz_path_free(&m->record_arrays[i]);
    free(m->record_arrays);
}

/* Removes the value at p (no wildcards) from rec and returns it (a new
   reference), or NULL when it was not there. */
static json_t *path_take(json_t *rec, const nz_path_t *p)
{
    json_t *parent = rec;
    for (size_t i = 0; i + 1 < p->n && parent; i++)
        parent = json_object_get(parent, p->seg[i]);
    if (!json_is_object(parent))
        return NULL;
    json_t *v = json_object_get(parent, p->seg[p->n - 1]);
    if (!v)
        return NULL;
    json_incref(v);
    json_object_del(parent, p->seg[p->n - 1]);
    return v;
}

static void lift(json_t *rec, const nz_path_t *p)
{
    json_t *obj = nz_path_get(rec, p);
    if (!json_is_object(obj))
        return;
    json_incref(obj);
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, k, v)
    {
        if (json_object_get(rec, k))
            continue; /* a key of the outer record wins; the inner one stays */
        json_object_set(rec, k, v);
        json_object_del(obj, k);
    }
    if (json_object_size(obj) == 0) {
        json_t *gone = path_take(rec, p);
        json_decref(gone);
    }
    json_decref(obj);
}

const char *nz_shape_apply(const mapping_t *m, json_t *rec)
{
    for (size_t i = 0; i < m->nshapes; i++) {
        nz_shape_t *sh = &m->shapes[i];
        if (sh->when && !nz_cond_eval(sh->when, rec))
            continue;
        for (size_t k = 0; k < sh->nrenames; k++) {
            const nz_rename_t *rn = &sh->renames[k];
            json_t *have = nz_path_get(rec, &rn->to);
            if (have && !json_is_null(have))
                continue; /* the target is taken: the column stays (unmapped) */
            json_t *v = nz_path_get(rec, &rn->from);
            if (!v || json_is_null(v))
                continue; /* a null column is like an absent one (it stays) */
            json_incref(v);
            if (nz_path_set(rec, &rn->to, json_incref(v)) == 0)
                json_decref(path_take(rec, &rn->from));
            json_decref(v); /* on a conflict the column stays under its name */
        }
        if (sh->has_lift) /* after renaming: the envelope's own keys moved out of the way */
            lift(rec, &sh->lift);
        atomic_fetch_add_explicit(&sh->seen, 1, memory_order_relaxed);
        return sh->name;
    }
    return NULL;
}

json_t *nz_record_array(const mapping_t *m, json_t *rec)
{
    for (size_t i = 0; i < m->nrecord_arrays; i++) {
        json_t *a = nz_path_get(rec, &m->record_arrays[i]);
        if (json_is_array(a))
            return a;
    }
    return NULL;
}
