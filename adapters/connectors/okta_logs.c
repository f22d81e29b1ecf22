/*  okta_logs.c — source "okta-logs": the Okta System Log.

      GET /api/v1/logs?since=TS&limit=N&sortOrder=ASCENDING
      Authorization: SSWS <API token>
    then follows Link: <…>; rel="next" (the `after` cursor) until a page is
    empty or short. Okta always sends rel="next" for polling queries, so a
    short page means "caught up".  Records are LogEvent objects; the
    checkpoint is the newest `published` plus the uuids at that instant. */
#include "connectors.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    http_client_t *http;
    json_t *config;
    int page_size, max_pages;
    char name[80];
} okta_t;

json_t *okta_parse_logs(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    if (!json_is_array(j)) {
        const char *summary = json_string_value(json_object_get(j, "errorSummary"));
        fs_err_set(e, "Okta response is not an array of LogEvents%s%.200s", summary ? ": " : "", summary ? summary : "");
        json_decref(j);
        return NULL;
    }
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v) {
        if (!json_is_object(v)) {
            fs_err_set(e, "Okta response: element %zu is not a LogEvent object", i);
            json_decref(j);
            return NULL;
        }
    }
    return j;
}

static void cleanup(void **state_p)
{
    okta_t *s = *state_p;
    if (!s)
        return;
    http_client_destroy(&s->http);
    json_decref(s->config);
    free(s);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    okta_t *s = calloc(1, sizeof *s);
    s->config = json_deep_copy(config);
    if (!json_object_get(s->config, "auth"))
        json_object_set_new(s->config, "auth", json_string("ssws"));
    const char *name = json_string_value(json_object_get(config, "name"));
    snprintf(s->name, sizeof s->name, "okta-logs %s", name ? name : "");
    s->page_size = connector_page_size(config, 1000, 1000);
    s->max_pages = connector_max_pages(config);
    source_cursor_t c;
    int rc = source_cursor_load(&c, NULL, config, e);
    source_cursor_clear(&c);
    if (rc != 0 || !(s->http = http_client_new(s->config, s->name, e))) {
        void *p = s;
        cleanup(&p);
        return NULL;
    }
    return s;
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg, char **next_cp, fs_err_t *e)
{
    okta_t *s = state;
    source_cursor_t base, next;
    *next_cp = NULL;
    if (source_cursor_load(&base, checkpoint, s->config, e) != 0) {
        source_cursor_clear(&base);
        return -1;
    }
    source_cursor_copy(&next, &base);
    char *since = http_escape(base.ts);
    char first[512];
    snprintf(first, sizeof first, "/api/v1/logs?since=%s&limit=%d&sortOrder=ASCENDING", since, s->page_size);
    free(since);
    char *url = strdup(first);
    int rc = 0, taken = 0;
    for (int page = 0;; page++) {
        if (page == s->max_pages) {
            rc = 1;
            break;
        }
        http_response_t r;
        if (http_client_request(s->http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, e) != 0) {
            http_response_clear(&r);
            rc = -1;
            break;
        }
        fs_err_t pe = {{0}};
        json_t *events = okta_parse_logs(r.body, r.len, &pe);
        char *link = r.link_next;
        r.link_next = NULL;
        http_response_clear(&r);
        if (!events) {
            free(link);
            rc = fs_err_set(e, "%s: GET /api/v1/logs: %s", s->name, pe.text);
            break;
        }
        size_t i;
        json_t *ev;
        json_array_foreach(events, i, ev) {
            const char *ts = json_string_value(json_object_get(ev, "published"));
            const char *id = json_string_value(json_object_get(ev, "uuid"));
            if (!source_cursor_take(&base, &next, ts, id))
                continue;
            if (emit(arg, ev) != 0 || ++taken > CONNECTOR_MAX_RECORDS) {
                rc = fs_err_set(e, "%s: more than %d records in one poll", s->name, CONNECTOR_MAX_RECORDS);
                break;
            }
        }
        size_t count = json_array_size(events);
        json_decref(events);
        if (rc < 0 || count == 0 || count < (size_t)s->page_size || !link) {
            free(link);
            break;
        }
        free(url);
        url = link;
    }
    free(url);
    if (rc >= 0)
        *next_cp = source_cursor_dump(&next);
    source_cursor_clear(&base);
    source_cursor_clear(&next);
    return rc;
}

const source_ops_t source_okta_logs = {
    .api_version = SOURCE_API_VERSION,
    .type = "okta-logs",
    .source_id = "okta.system_log",
    .summary = "Okta System Log /api/v1/logs (SSWS token; since + Link rel=\"next\")",
    .init = init,
    .poll = poll,
    .cleanup = cleanup,
};
