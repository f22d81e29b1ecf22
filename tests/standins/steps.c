/*  steps.c — what a route does: its steps, in order, until one replies.

    Every step may carry guards: "when": C / "unless": C (conditions.c), and
    "fault": NAME (the step runs only when --fault NAME was given, and only once:
    scripted 429s, 5xx, ...). Then one operation (templates everywhere):
      {"let": {NAME: T, ...}}                      bind variables
      {"find": DATASET, ...} {"list": DATASET, ...} records and pages (paging.c)
      {"get": MAP, "key": T, "as": NAME, "create": T} a stored value (create: default, kept)
      {"put"|"merge"|"push"|"pull"|"del": MAP, "key": T, "value": T}  change the store
      {"seq": NAME, "as": NAME}                    next number of a sequence (1, 2, ...)
      {"issue_token": NAME}                        a new bearer token, bound as NAME
      {"count": COUNTER}                           add one to a /_standin/stats counter
      {"record": T}                                append T to the record file (one line)
      {"reply": {"status": N, "json"|"text"|"ndjson": T, "type": CT, "headers": {H: T}}}
    A step may combine "count" and "record" with "reply"; they run first. */
#include "common.h"
#include "standin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void reply_json(standin_reply_t *out, unsigned status, json_t *body)
{
    out->status = status;
    out->content_type = fs_xstrdup("application/json");
    out->body = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : fs_xstrdup("");
    out->len = strlen(out->body);
    json_decref(body);
}

/* One JSON text a line (Splunk's export stream). */
static char *ndjson(const json_t *list, size_t *len)
{
    size_t cap = 256, n = 0;
    char *buf = fs_xmalloc(cap);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        char *line = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        size_t l = strlen(line);
        if (n + l + 2 > cap)
            buf = fs_xrealloc(buf, cap = (n + l + 2) * 2);
        memcpy(buf + n, line, l);
        n += l;
        buf[n++] = '\n';
        free(line);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

void reply_build(standin_t *s, const json_t *spec, json_t *vars, standin_reply_t *out)
{
    unsigned status = (unsigned)json_integer_value(json_object_get(spec, "status"));
    const char *type = json_string_value(json_object_get(spec, "type"));
    if (json_object_get(spec, "text")) {
        out->status = status;
        out->body = tpl_text(s, json_object_get(spec, "text"), vars);
        out->len = strlen(out->body);
        out->content_type = fs_xstrdup(type ? type : "text/plain");
    } else if (json_object_get(spec, "ndjson")) {
        json_t *list = tpl_eval(s, json_object_get(spec, "ndjson"), vars);
        out->status = status;
        out->body = ndjson(list, &out->len);
        out->content_type = fs_xstrdup(type ? type : "application/json");
        json_decref(list);
    } else {
        json_t *body = json_object_get(spec, "json");
        reply_json(out, status, body ? tpl_eval(s, body, vars) : NULL);
        if (type) {
            free(out->content_type);
            out->content_type = fs_xstrdup(type);
        }
    }
    const char *name;
    json_t *value;
    json_object_foreach(json_object_get(spec, "headers"), name, value)
    {
        if (!out->headers)
            out->headers = json_object();
        char *text = tpl_text(s, value, vars);
        json_object_set_new(out->headers, name, json_string(text));
        free(text);
    }
}

static void record(standin_t *s, json_t *rec)
{
    FILE *f = s->cfg.record_path ? fopen(s->cfg.record_path, "a") : NULL;
    if (f) {
        char *line = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(f, "%s\n", line);
        free(line);
        fflush(f);
        fsync(fileno(f));
        fclose(f);
    }
    standin_count(s, "actions");
    json_decref(rec);
}

/* The stored value map[key]: borrowed, or NULL. Creates map when asked. */
static json_t *store_slot(standin_t *s, const json_t *step, const char *op, json_t *vars,
                          char **key)
{
    const char *map = json_string_value(json_object_get(step, op));
    json_t *m = json_object_get(s->state, map);
    if (!m)
        json_object_set_new(s->state, map, m = json_object());
    *key = tpl_text(s, json_object_get(step, "key"), vars);
    return m;
}

static void store_op(standin_t *s, const json_t *step, const char *op, json_t *vars)
{
    char *key;
    json_t *m = store_slot(s, step, op, vars, &key), *cur = json_object_get(m, key);
    json_t *value = tpl_eval(s, json_object_get(step, "value"), vars);
    if (strcmp(op, "put") == 0) {
        json_object_set(m, key, value);
    } else if (strcmp(op, "merge") == 0 && json_is_object(cur)) {
        json_object_update(cur, value);
    } else if (strcmp(op, "del") == 0) {
        json_object_del(m, key);
    } else if (strcmp(op, "push") == 0) {
        if (!json_is_array(cur))
            json_object_set_new(m, key, cur = json_array());
        json_array_append(cur, value);
    } else if (strcmp(op, "pull") == 0) {
        for (size_t i = 0; i < json_array_size(cur); i++)
            if (json_equal(json_array_get(cur, i), value)) {
                json_array_remove(cur, i);
                break;
            }
    }
    json_decref(value);
    free(key);
}

static void get_op(standin_t *s, const json_t *step, json_t *vars)
{
    char *key;
    json_t *m = store_slot(s, step, "get", vars, &key), *cur = json_object_get(m, key);
    if (!cur && json_object_get(step, "create"))
        json_object_set_new(m, key, cur = tpl_eval(s, json_object_get(step, "create"), vars));
    const char *as = json_string_value(json_object_get(step, "as"));
    json_object_set(vars, as ? as : "value", cur ? cur : json_null());
    free(key);
}

static void seq_op(standin_t *s, const json_t *step, json_t *vars)
{
    const char *name = json_string_value(json_object_get(step, "seq"));
    json_int_t n = json_integer_value(json_object_get(s->seqs, name)) + 1;
    json_object_set_new(s->seqs, name, json_integer(n));
    const char *as = json_string_value(json_object_get(step, "as"));
    json_object_set_new(vars, as ? as : name, json_integer(n));
}

/* The fault and condition guards of a step: true when it runs. */
static bool guards_pass(standin_t *s, const json_t *step, json_t *vars)
{
    const char *fault = json_string_value(json_object_get(step, "fault"));
    if (fault) {
        if (!json_object_get(s->faults, fault))
            return false;
        for (int i = 0; i < s->nfired; i++)
            if (s->fired[i] == step)
                return false;
    }
    const json_t *when = json_object_get(step, "when"), *unless = json_object_get(step, "unless");
    if ((when && !cond_eval(s, when, vars)) || (unless && cond_eval(s, unless, vars)))
        return false;
    if (fault && s->nfired < STANDIN_MAX_FIRED)
        s->fired[s->nfired++] = step;
    return true;
}

static const char *const store_ops[] = {"put", "merge", "del", "push", "pull"};

bool steps_run(standin_t *s, const json_t *steps, json_t *vars, standin_reply_t *out)
{
    size_t i;
    json_t *step;
    json_array_foreach(steps, i, step)
    {
        if (!guards_pass(s, step, vars))
            continue;
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(step, "let"), k, v)
            json_object_set_new(vars, k, tpl_eval(s, v, vars));
        if (json_object_get(step, "find"))
            paging_find(s, step, vars);
        if (json_object_get(step, "list"))
            paging_list(s, step, vars);
        if (json_object_get(step, "get"))
            get_op(s, step, vars);
        for (size_t o = 0; o < sizeof store_ops / sizeof *store_ops; o++)
            if (json_object_get(step, store_ops[o]))
                store_op(s, step, store_ops[o], vars);
        if (json_object_get(step, "seq"))
            seq_op(s, step, vars);
        if (json_object_get(step, "issue_token"))
            json_object_set_new(vars, json_string_value(json_object_get(step, "issue_token")),
                                json_string(auth_issue_token(s)));
        if (json_object_get(step, "count"))
            standin_count(s, json_string_value(json_object_get(step, "count")));
        if (json_object_get(step, "record"))
            record(s, tpl_eval(s, json_object_get(step, "record"), vars));
        if (json_object_get(step, "reply")) {
            reply_build(s, json_object_get(step, "reply"), vars, out);
            return true;
        }
    }
    return false;
}
