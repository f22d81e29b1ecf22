/*  selftest.c — every case file's "examples", run through the engine without
    HTTP: the request, the reply the vendor gives and the records the test expects,
    side by side as in curl's tests/data/testNNNN. Examples of one file run in order
    on one engine (the reply of the one before is "last", and an example's
    "save": NAME keeps its reply as "saved.NAME" for the later ones);
    "reply.json" is matched as a subset, "reply.text" as a substring, "records"
    exactly (none when absent). The engine's secrets here: client_id
    standin-client, client_secret selftest-secret, api_token selftest-token,
    username soc-bot. */
#include "common.h"
#include "standin.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* want is contained in got: objects by key, arrays element by element. */
static bool subset(const json_t *want, const json_t *got)
{
    if (json_is_object(want)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)want, k,
                            v) if (!subset(v, json_object_get(got, k))) return false;
        return json_is_object(got);
    }
    if (json_is_array(want)) {
        if (!json_is_array(got) || json_array_size(got) != json_array_size(want))
            return false;
        for (size_t i = 0; i < json_array_size(want); i++)
            if (!subset(json_array_get(want, i), json_array_get(got, i)))
                return false;
        return true;
    }
    return json_equal(want, got);
}

static json_t *records_since(const char *path, long *offset)
{
    json_t *out = json_array();
    FILE *f = fopen(path, "r");
    if (!f)
        return out;
    fseek(f, *offset, SEEK_SET);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0)
        json_array_append_new(out, json_loads(line, 0, NULL));
    *offset = ftell(f);
    free(line);
    fclose(f);
    return out;
}

/* Runs one example; returns the failure text (static) or NULL. */
static const char *run_example(standin_t *s, const json_t *ex, json_t **last, json_t *saved,
                               long *offset)
{
    const json_t *rq = json_object_get(ex, "request");
    json_t *vars = json_pack("{s:O, s:O, s:O}", "cfg", s->cfg_vars, "last", *last, "saved", saved);
    json_t *query = tpl_eval(s, json_object_get(rq, "query"), vars);
    json_t *hdrs = tpl_eval(s, json_object_get(rq, "headers"), vars), *headers = json_object();
    json_t *body = tpl_eval(s, json_object_get(rq, "body"), vars);
    const char *name;
    json_t *v;
    json_object_foreach(hdrs, name, v)
    {
        char lower[256];
        size_t n = 0;
        for (; name[n] && n + 1 < sizeof lower; n++)
            lower[n] = (char)tolower((unsigned char)name[n]);
        lower[n] = '\0';
        json_object_set(headers, lower, v);
    }
    char *text = json_is_string(body) ? fs_xstrdup(json_string_value(body))
                 : json_is_null(body) ? fs_xstrdup("")
                                      : json_dumps(body, JSON_COMPACT);
    char *path = tpl_text(s, json_object_get(rq, "path"), vars);
    standin_request_t req = {json_string_value(json_object_get(rq, "method")), path,
                             json_is_object(query) ? query : json_object(), headers, text};
    standin_reply_t r;
    standin_handle(s, &req, &r);
    const json_t *want = json_object_get(ex, "reply");
    json_t *got = json_loads(r.body, JSON_DECODE_ANY, NULL), *records;
    const char *fail = NULL;
    if (r.status != json_integer_value(json_object_get(want, "status")))
        fail = "status";
    else if (json_object_get(want, "json") && !subset(json_object_get(want, "json"), got))
        fail = "reply json";
    else if (json_object_get(want, "text") &&
             !strstr(r.body, json_string_value(json_object_get(want, "text"))))
        fail = "reply text";
    records = records_since(s->cfg.record_path, offset);
    const json_t *want_records = json_object_get(ex, "records");
    json_t *none = json_array();
    if (!fail && !json_equal(records, want_records ? want_records : none))
        fail = "records";
    json_decref(none);
    if (fail) {
        char *rec = json_dumps(records, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(stderr, "  got %u %.*s\n  recorded %s\n", r.status, 600, r.body, rec);
        free(rec);
    }
    json_decref(records);
    json_decref(*last);
    *last = got ? got : json_null();
    const char *save = json_string_value(json_object_get(ex, "save"));
    if (save)
        json_object_set(saved, save, *last);
    if (req.query != query)
        json_decref(req.query);
    standin_reply_clear(&r);
    free(path);
    free(text);
    json_decref(vars);
    json_decref(query);
    json_decref(hdrs);
    json_decref(headers);
    json_decref(body);
    return fail;
}

static int run_file(const char *cases_dir, const char *fixtures_dir, const char *file, int *n)
{
    char tmpl[] = "/tmp/standin-selftest-XXXXXX", path[1024];
    int fd = mkstemp(tmpl), failed = 0;
    if (fd < 0)
        return 1;
    close(fd);
    standin_config_t cfg = {
        "standin-client", "selftest-secret", "selftest-token", "soc-bot", tmpl, 8080, 0};
    standin_t *s = standin_new(&cfg);
    snprintf(path, sizeof path, "%s/%s", cases_dir, file);
    json_t *c = json_load_file(path, 0, NULL), *ex, *last = json_null(), *saved = json_object();
    long offset = 0;
    size_t i;
    if (standin_load_cases(s, cases_dir, fixtures_dir) != 0)
        failed++;
    json_array_foreach(json_object_get(c, "examples"), i, ex)
    {
        json_t *fault;
        size_t k;
        json_array_foreach(json_object_get(ex, "faults"), k, fault)
            standin_enable_fault(s, json_string_value(fault));
        const char *fail = run_example(s, ex, &last, saved, &offset);
        printf("%s %d - %s: %s%s%s\n", fail ? "not ok" : "ok", ++*n, file,
               json_string_value(json_object_get(ex, "title")), fail ? " # wrong " : "",
               fail ? fail : "");
        failed += fail != NULL;
    }
    json_decref(last);
    json_decref(saved);
    json_decref(c);
    standin_destroy(&s);
    unlink(tmpl);
    return failed;
}

static int json_file(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] != '.' && n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

int standin_selftest(const char *cases_dir, const char *fixtures_dir)
{
    struct dirent **names;
    int files = scandir(cases_dir, &names, json_file, alphasort), failed = 0, n = 0;
    for (int i = 0; i < files; i++) {
        failed += run_file(cases_dir, fixtures_dir, names[i]->d_name, &n);
        free(names[i]);
    }
    if (files > 0)
        free(names);
    printf("1..%d\n%s: %d failed\n", n, failed ? "FAIL" : "PASS", failed);
    return files > 0 && failed == 0 ? 0 : -1;
}
