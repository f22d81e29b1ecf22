/*  engine.c — the stand-in's life: load the case files, answer a request.

    A request is matched against the routes of every case file in order: method,
    path pattern (conditions.c), then the route's "when". The first match runs its
    steps (steps.c); a route whose steps do not reply falls through to the next
    match (that is how one guard route checks the auth of a whole API). Two
    control routes belong to the engine: GET /_standin/stats (counters) and
    POST /_standin/release?vendor=DATASET&count=N (serve N more records).

    Variables a route sees: req.method, req.path, q (query), h (headers, names in
    lower case), raw (the body), body (the body as JSON, else null), form (the body
    as application/x-www-form-urlencoded), p (q with form on top), cfg.client_id,
    cfg.client_secret, cfg.api_token, cfg.username, cfg.basic (base64 of
    username:api_token), cfg.port, cfg.base (http://127.0.0.1:PORT), state (the
    store), and the path's captures. */
#include "common.h"
#include "standin.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const stat_names[] = {"tokens_issued", "rate_limited", "unauthorized",
                                         "server_errors", "actions",      "requests"};

standin_t *standin_new(const standin_config_t *cfg)
{
    standin_t *s = fs_xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    char *basic = auth_basic(cfg->username, cfg->api_token), base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", cfg->port);
    s->cfg_vars =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "client_id", cfg->client_id,
                  "client_secret", cfg->client_secret, "api_token", cfg->api_token, "username",
                  cfg->username, "basic", basic, "port", cfg->port, "base", base);
    free(basic);
    s->routes = json_array();
    s->datasets = json_object();
    s->state = json_object();
    s->counts = json_object();
    s->seqs = json_object();
    s->faults = json_object();
    for (size_t i = 0; i < sizeof stat_names / sizeof *stat_names; i++)
        json_object_set_new(s->counts, stat_names[i], json_integer(0));
    return s;
}

void standin_destroy(standin_t **sp)
{
    standin_t *s = *sp;
    if (!s)
        return;
    json_decref(s->cfg_vars);
    json_decref(s->routes);
    json_decref(s->datasets);
    json_decref(s->state);
    json_decref(s->counts);
    json_decref(s->seqs);
    json_decref(s->faults);
    free(s);
    *sp = NULL;
}

void standin_count(standin_t *s, const char *counter)
{
    json_int_t n = json_integer_value(json_object_get(s->counts, counter));
    json_object_set_new(s->counts, counter, json_integer(n + 1));
}

void standin_enable_fault(standin_t *s, const char *name)
{
    json_object_set_new(s->faults, name, json_true());
}

int standin_load_case(standin_t *s, const char *path, const char *fixtures_dir)
{
    json_error_t err;
    json_t *c = json_load_file(path, 0, &err);
    json_t *routes = json_object_get(c, "routes");
    if (!json_is_array(routes)) {
        fprintf(stderr, "standin: %s:%d: %s\n", path, err.line, c ? "no routes array" : err.text);
        json_decref(c);
        return -1;
    }
    const char *name;
    json_t *spec, *route;
    json_object_foreach(json_object_get(c, "state"), name, spec) /* initial stores */
        json_object_set_new(s->state, name, json_deep_copy(spec));
    json_object_foreach(json_object_get(c, "datasets"), name, spec)
    {
        if (dataset_load(s, name, spec, fixtures_dir) != 0) {
            json_decref(c);
            return -1;
        }
    }
    size_t i;
    json_array_foreach(routes, i, route)
    {
        if (!json_is_string(json_object_get(route, "path")) ||
            !json_is_array(json_object_get(route, "do"))) {
            fprintf(stderr, "standin: %s: route %zu needs a path and a do list\n", path, i);
            json_decref(c);
            return -1;
        }
        json_object_set_new(route, "case", json_string(path));
        json_array_append(s->routes, route);
    }
    json_decref(c);
    return 0;
}

static int json_file(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] != '.' && n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

int standin_load_cases(standin_t *s, const char *cases_dir, const char *fixtures_dir)
{
    struct dirent **names;
    int n = scandir(cases_dir, &names, json_file, alphasort), rc = n > 0 ? 0 : -1;
    if (n <= 0)
        fprintf(stderr, "standin: no case files in %s\n", cases_dir);
    for (int i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", cases_dir, names[i]->d_name);
        if (rc == 0 && standin_load_case(s, path, fixtures_dir) != 0)
            rc = -1;
        free(names[i]);
    }
    free(n > 0 ? names : NULL);
    return rc;
}

int standin_set_visible(standin_t *s, const char *spec)
{
    char name[64];
    for (const char *p = spec; p && *p;) {
        size_t n = strcspn(p, "=");
        if (!p[n] || n >= sizeof name)
            return -1;
        memcpy(name, p, n);
        name[n] = '\0';
        json_t *d = dataset_get(s, name);
        long v = strtol(p + n + 1, NULL, 10);
        if (!d)
            return -1;
        if (v >= 0 && v < json_integer_value(json_object_get(d, "visible")))
            json_object_set_new(d, "visible", json_integer(v));
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    return 0;
}

static void release(standin_t *s, const standin_request_t *req, standin_reply_t *out)
{
    const char *name = json_string_value(json_object_get(req->query, "vendor"));
    const char *count = json_string_value(json_object_get(req->query, "count"));
    json_t *d = name ? json_object_get(s->datasets, name) : NULL;
    if (!d) {
        reply_json(out, 400, json_pack("{s:s}", "error", "unknown vendor"));
        return;
    }
    long n = count ? strtol(count, NULL, 10) : 1;
    json_int_t v = json_integer_value(json_object_get(d, "visible")) + (n > 0 ? n : 0);
    json_int_t size = (json_int_t)json_array_size(json_object_get(d, "items"));
    json_object_set_new(d, "visible", json_integer(v < size ? v : size));
    reply_json(out, 200, json_pack("{s:O}", "visible", json_object_get(d, "visible")));
}

/* application/x-www-form-urlencoded text -> {name: value} (decoded). */
static json_t *form_parse(const char *body)
{
    json_t *form = json_object();
    for (const char *p = body; p && *p;) {
        size_t len = strcspn(p, "&"), eq = strcspn(p, "=");
        if (eq < len) {
            char *v = fs_xmalloc(len - eq), key[128];
            size_t o = 0;
            for (size_t i = eq + 1; i < len; i++) {
                char hex[3] = {p[i + 1], i + 2 < len ? p[i + 2] : 0, 0};
                if (p[i] == '%' && i + 2 < len) {
                    v[o++] = (char)strtol(hex, NULL, 16);
                    i += 2;
                } else {
                    v[o++] = p[i] == '+' ? ' ' : p[i];
                }
            }
            snprintf(key, sizeof key, "%.*s", (int)eq, p);
            json_object_set_new(form, key, json_stringn_nocheck(v, o));
            free(v);
        }
        p += len;
        if (*p == '&')
            p++;
    }
    return form;
}

static json_t *request_vars(standin_t *s, const standin_request_t *req)
{
    json_t *form = form_parse(req->body), *p = json_copy(req->query);
    json_object_update(p, form);
    json_t *body = json_loads(req->body, JSON_DECODE_ANY, NULL), *vars = json_object();
    json_object_set_new(vars, "req",
                        json_pack("{s:o, s:o}", "method", json_string_nocheck(req->method), "path",
                                  json_string_nocheck(req->path)));
    json_object_set(vars, "q", req->query);
    json_object_set(vars, "h", req->headers);
    json_object_set_new(vars, "raw", json_string_nocheck(req->body));
    json_object_set_new(vars, "body", body ? body : json_null());
    json_object_set_new(vars, "form", form);
    json_object_set_new(vars, "p", p);
    json_object_set(vars, "cfg", s->cfg_vars);
    json_object_set(vars, "state", s->state);
    return vars;
}

static bool method_ok(const json_t *want, const char *method)
{
    if (!want)
        return true;
    if (json_is_string(want))
        return strcmp(json_string_value(want), method) == 0;
    size_t i;
    json_t *m;
    json_array_foreach(want, i, m) if (strcmp(json_string_value(m), method) == 0) return true;
    return false;
}

void standin_handle(standin_t *s, const standin_request_t *req, standin_reply_t *out)
{
    memset(out, 0, sizeof *out);
    standin_count(s, "requests");
    if (strcmp(req->path, "/_standin/stats") == 0) {
        reply_json(out, 200, json_deep_copy(s->counts));
        return;
    }
    if (strcmp(req->method, "POST") == 0 && strcmp(req->path, "/_standin/release") == 0) {
        release(s, req, out);
        return;
    }
    json_t *base = request_vars(s, req), *route;
    size_t i;
    json_array_foreach(s->routes, i, route)
    {
        if (!method_ok(json_object_get(route, "method"), req->method))
            continue;
        json_t *vars = json_copy(base);
        bool replied = false;
        if (pattern_match(json_string_value(json_object_get(route, "path")), req->path, vars) &&
            (!json_object_get(route, "when") || cond_eval(s, json_object_get(route, "when"), vars)))
            replied = steps_run(s, json_object_get(route, "do"), vars, out);
        json_decref(vars);
        if (replied) {
            json_decref(base);
            return;
        }
    }
    json_decref(base);
    reply_json(out, 404, json_pack("{s:s}", "error", "no such stand-in route"));
}

void standin_reply_clear(standin_reply_t *r)
{
    free(r->content_type);
    free(r->body);
    json_decref(r->headers);
    memset(r, 0, sizeof *r);
}
