/*  paging.c — a vendor's records (datasets) and the pages it serves of them.

    A dataset is declared in a case file as {"file": "DIR/records.json"} (a JSON
    array, or an OData page whose "value" is one; "format": "ndjson" for one record
    a line) or as {"items": [...]}; "sort_by": "a.b" sorts it by that timestamp.
    Only its first `visible` records are listed until released (--visible,
    POST /_standin/release).

    The "list" step binds as "as" (default "page"):
      {items, total, offset, limit, next (offset + limit), end (offset + items
       served), more (next < total), last (the "after.key" of the last item, else the request's
   after)} from these options (templates): "where" (a condition on item), "after":
    {"key", "value"} (skip up to and including the record whose key is value: Okta's
    cursor), "order" ("desc"/"DESCENDING": newest last in the dataset comes first),
    "offset", "limit" (or "until": the last index, inclusive, as in QRadar's
    Range: items=A-B), "all": true (unreleased records too). */
#include "common.h"
#include "standin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *sort_path;

static const char *record_ts(const json_t *rec)
{
    const char *ts = json_string_value(var_get((json_t *)rec, sort_path));
    return ts ? ts : "";
}

static int by_ts(const void *a, const void *b)
{
    return ts_cmp(record_ts(*(json_t *const *)a), record_ts(*(json_t *const *)b));
}

static json_t *load_ndjson(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    json_t *out = json_array();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *row = json_loads(line, 0, NULL);
        if (row)
            json_array_append_new(out, row);
    }
    free(line);
    fclose(f);
    return out;
}

static json_t *load_items(const json_t *spec, const char *fixtures_dir)
{
    const char *file = json_string_value(json_object_get(spec, "file"));
    if (!file)
        return json_deep_copy(json_object_get(spec, "items"));
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", fixtures_dir, file);
    const char *format = json_string_value(json_object_get(spec, "format"));
    if (format && strcmp(format, "ndjson") == 0)
        return load_ndjson(path);
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (json_is_object(j) && json_is_array(json_object_get(j, "value"))) { /* an OData page */
        json_t *value = json_incref(json_object_get(j, "value"));
        json_decref(j);
        j = value;
    }
    if (!json_is_array(j))
        fprintf(stderr, "standin: %s: %s\n", path, j ? "not an array" : err.text);
    return j;
}

int dataset_load(standin_t *s, const char *name, const json_t *spec, const char *fixtures_dir)
{
    json_t *items = load_items(spec, fixtures_dir);
    if (!json_is_array(items)) {
        fprintf(stderr, "standin: dataset %s: no records\n", name);
        json_decref(items);
        return -1;
    }
    sort_path = json_string_value(json_object_get(spec, "sort_by"));
    size_t n = json_array_size(items);
    if (sort_path && n > 1) {
        json_t **v = fs_xcalloc(n, sizeof *v);
        for (size_t i = 0; i < n; i++)
            v[i] = json_incref(json_array_get(items, i));
        qsort(v, n, sizeof *v, by_ts);
        json_array_clear(items);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, v[i]);
        free(v);
    }
    json_object_set_new(s->datasets, name,
                        json_pack("{s:o, s:I}", "items", items, "visible", (json_int_t)n));
    return 0;
}

json_t *dataset_get(standin_t *s, const char *name)
{
    json_t *d = name ? json_object_get(s->datasets, name) : NULL;
    if (!d)
        fprintf(stderr, "standin: no dataset %s\n", name ? name : "(none)");
    return d;
}

/* Evaluates an integer option of a step (a template), or def. */
static long long int_opt(standin_t *s, const json_t *step, const char *key, long long def,
                         json_t *vars)
{
    json_t *v = tpl_eval(s, json_object_get(step, key), vars);
    long long n;
    if (!tpl_int(v, &n))
        n = def;
    json_decref(v);
    return n;
}

/* True when the item (bound as "item") passes the step's "where". */
static bool item_passes(standin_t *s, const json_t *step, json_t *item, json_t *vars)
{
    const json_t *where = json_object_get(step, "where");
    if (!where)
        return true;
    json_object_set(vars, "item", item);
    bool ok = cond_eval(s, where, vars);
    json_object_del(vars, "item");
    return ok;
}

int paging_list(standin_t *s, const json_t *step, json_t *vars)
{
    json_t *d = dataset_get(s, json_string_value(json_object_get(step, "list")));
    if (!d)
        return -1;
    json_t *items = json_object_get(d, "items");
    size_t n = json_is_true(json_object_get(step, "all"))
                   ? json_array_size(items)
                   : (size_t)json_integer_value(json_object_get(d, "visible"));
    char *order = tpl_text(s, json_object_get(step, "order"), vars);
    bool desc = strcmp(order, "desc") == 0 || strcmp(order, "DESCENDING") == 0;
    free(order);
    const json_t *after_spec = json_object_get(step, "after");
    const char *after_key = json_string_value(json_object_get(after_spec, "key"));
    json_t *after = tpl_eval(s, json_object_get(after_spec, "value"), vars);
    bool past = !json_is_string(after) || !after_key;
    json_t *match = json_array();
    for (size_t k = 0; k < n; k++) {
        json_t *item = json_array_get(items, desc ? n - 1 - k : k);
        if (!past) {
            past = json_equal(var_get(item, after_key), after);
            continue;
        }
        if (item_passes(s, step, item, vars))
            json_array_append(match, item);
    }
    long long total = (long long)json_array_size(match);
    long long offset = int_opt(s, step, "offset", 0, vars);
    long long limit = int_opt(s, step, "limit", total, vars);
    if (json_object_get(step, "until"))
        limit = int_opt(s, step, "until", offset - 1, vars) - offset + 1;
    json_t *page = json_array();
    for (long long i = offset; i >= 0 && i < offset + limit && i < total; i++)
        json_array_append(page, json_array_get(match, (size_t)i));
    json_t *last = json_array_size(page) && after_key
                       ? var_get(json_array_get(page, json_array_size(page) - 1), after_key)
                       : after;
    json_t *bound = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:b, s:O?}", "items", page, "total",
                              (json_int_t)total, "offset", (json_int_t)offset, "limit",
                              (json_int_t)limit, "next", (json_int_t)(offset + limit), "end",
                              (json_int_t)(offset + (long long)json_array_size(page)), "more",
                              offset + limit < total, "last", json_is_null(last) ? NULL : last);
    const char *as = json_string_value(json_object_get(step, "as"));
    json_object_set_new(vars, as ? as : "page", bound);
    json_decref(after);
    json_decref(match);
    return 0;
}

int paging_find(standin_t *s, const json_t *step, json_t *vars)
{
    json_t *d = dataset_get(s, json_string_value(json_object_get(step, "find")));
    if (!d)
        return -1;
    const char *pick = json_string_value(json_object_get(step, "pick"));
    json_t *found = NULL, *item;
    size_t i;
    json_array_foreach(json_object_get(d, "items"), i, item)
    {
        json_t *cand = pick ? var_get(item, pick) : item;
        if (cand && item_passes(s, step, cand, vars)) {
            found = cand;
            break;
        }
    }
    const char *as = json_string_value(json_object_get(step, "as"));
    json_object_set_new(vars, as ? as : "found", found ? json_incref(found) : json_null());
    return 0;
}
