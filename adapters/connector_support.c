/*  connector_support.c — the checkpoint cursor, the page-by-page poll, the
    HTTP source state, the EDR device actions and small helpers the vendor
    integrations share (connector_support.h). */
#include "connector_support.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int parse_ts(const char *ts, int64_t *ms);

void source_cursor_clear(source_cursor_t *c)
{
    json_decref(c->ids);
    memset(c, 0, sizeof *c);
}

int source_cursor_load(source_cursor_t *c, const char *checkpoint, const json_t *config,
                       fs_err_t *e)
{
    memset(c, 0, sizeof *c);
    if (checkpoint) {
        json_t *j = json_loads(checkpoint, 0, NULL);
        const char *ts = json_string_value(json_object_get(j, "ts"));
        json_t *ids = json_object_get(j, "ids");
        if (!ts || parse_ts(ts, &c->ts_ms) != 0 || !json_is_array(ids) ||
            snprintf(c->ts, sizeof c->ts, "%s", ts) >= (int)sizeof c->ts) {
            json_decref(j);
            return fs_err_set(
                e, "the stored checkpoint is unreadable (%.80s); delete it to start over",
                checkpoint);
        }
        c->ids = json_incref(ids);
        json_decref(j);
        return 0;
    }
    c->ids = json_array();
    const char *start = json_string_value(json_object_get(config, "start"));
    if (start) {
        if (fs_time_parse(start, &c->ts_ms) != 0)
            return fs_err_set(e, "start: \"%s\" is not an RFC 3339 time", start);
    } else {
        json_int_t lb = json_integer_value(json_object_get(config, "lookback_s"));
        c->ts_ms = fs_now_ms() - (lb > 0 ? lb : 86400) * 1000;
    }
    fs_time_format(c->ts_ms, c->ts, sizeof c->ts);
    return 0;
}

/* RFC 3339, or epoch seconds with an optional fraction (Splunk's _time). */
static int parse_ts(const char *ts, int64_t *ms)
{
    if (fs_time_parse(ts, ms) == 0)
        return 0;
    char whole[24];
    size_t n = strspn(ts, "0123456789");
    uint64_t secs;
    if (n == 0 || n >= sizeof whole || (ts[n] != '\0' && ts[n] != '.'))
        return -1;
    memcpy(whole, ts, n);
    whole[n] = '\0';
    if (fs_parse_u64(whole, &secs) != 0 || secs > 32503680000ULL) /* year 3000 */
        return -1;
    int64_t frac = 0;
    if (ts[n] == '.') {
        const char *f = ts + n + 1;
        for (int i = 0; i < 3; i++)
            frac = frac * 10 + (f[0] >= '0' && f[0] <= '9' ? *f++ - '0' : 0);
    }
    *ms = (int64_t)secs * 1000 + frac;
    return 0;
}

static bool has_id(const json_t *ids, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) if (strcmp(json_string_value(v), id) == 0) return true;
    return false;
}

bool source_cursor_take(const source_cursor_t *base, source_cursor_t *next, const char *ts,
                        const char *id)
{
    int64_t ms;
    if (!ts || !id || parse_ts(ts, &ms) != 0)
        return true; /* cannot place it: let the normalizer judge (and dead-letter) it */
    if (ms < base->ts_ms || (ms == base->ts_ms && has_id(base->ids, id)))
        return false;
    if (ms == next->ts_ms && has_id(next->ids, id))
        return false; /* the vendor repeated it within this poll */
    if (ms > next->ts_ms) {
        if (snprintf(next->ts, sizeof next->ts, "%s", ts) >= (int)sizeof next->ts)
            return true; /* absurd timestamp text: do not move the cursor onto it */
        next->ts_ms = ms;
        json_array_clear(next->ids);
    }
    if (ms == next->ts_ms && json_array_size(next->ids) < CURSOR_MAX_IDS)
        json_array_append_new(next->ids, json_string(id));
    return true;
}

void source_cursor_copy(source_cursor_t *dst, const source_cursor_t *src)
{
    memcpy(dst->ts, src->ts, sizeof dst->ts);
    dst->ts_ms = src->ts_ms;
    dst->ids = json_deep_copy(src->ids ? src->ids : json_array());
}

char *source_cursor_dump(const source_cursor_t *c)
{
    json_t *j = json_pack("{s:s, s:O}", "ts", c->ts, "ids", c->ids);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

int source_poll_pages(const source_pager_t *p, const char *checkpoint, source_emit_fn *emit,
                      void *arg, char **next_checkpoint, fs_err_t *e)
{
    source_cursor_t base, next;
    *next_checkpoint = NULL;
    if (source_cursor_load(&base, checkpoint, p->config, e) != 0) {
        source_cursor_clear(&base);
        return -1;
    }
    source_cursor_copy(&next, &base);
    int rc = 0, taken = 0;
    for (int page = 0;; page++) {
        if (page == p->max_pages) {
            rc = 1; /* more waiting: the daemon polls again at once */
            break;
        }
        json_t *records = NULL;
        int more = p->fetch(p->ctx, &base, page, &records, e);
        if (more < 0) {
            json_decref(records);
            rc = -1;
            break;
        }
        size_t i;
        json_t *rec;
        json_array_foreach(records, i, rec)
        {
            const char *ts = NULL, *id = NULL;
            p->key(p->ctx, rec, &ts, &id);
            if (!source_cursor_take(&base, &next, ts, id))
                continue;
            if (emit(arg, rec) != 0 || ++taken > CONNECTOR_MAX_RECORDS) {
                rc = fs_err_set(e, "%s: more than %d records in one poll", p->name,
                                CONNECTOR_MAX_RECORDS);
                break;
            }
        }
        json_decref(records);
        if (rc < 0 || !more)
            break;
    }
    if (rc >= 0)
        *next_checkpoint = source_cursor_dump(&next);
    source_cursor_clear(&base);
    source_cursor_clear(&next);
    return rc;
}

int source_emit_text(source_emit_fn *emit, void *arg, const char *name, const char *text,
                     size_t len, fs_err_t *e)
{
    json_t *t = json_stringn_nocheck(text, len); /* bytes as read; the normalizer judges them */
    int rc = 0;
    if (!t || emit(arg, t) != 0)
        rc = fs_err_set(e, "%s: cannot hand %zu bytes to the normalizer", name, len);
    json_decref(t);
    return rc;
}

/* A copy of config (or an empty object) with the keys of defaults_json (a
   JSON object text, may be NULL) it leaves out. Caller owns. */
static json_t *config_with_defaults(const json_t *config, const char *defaults_json)
{
    json_t *c = json_is_object(config) ? json_deep_copy(config) : json_object();
    json_t *d = defaults_json ? json_loads(defaults_json, 0, NULL) : NULL;
    json_object_update_missing(c, d);
    json_decref(d);
    return c;
}

void connector_instance_name(char *buf, size_t size, const char *type, const json_t *config)
{
    const char *name = json_string_value(json_object_get(config, "name"));
    snprintf(buf, size, "%s %s", type, name ? name : "");
}

void source_http_prepare(source_http_t *s, const json_t *config, const char *type,
                         const char *defaults_json, int page_default, int page_max)
{
    memset(s, 0, sizeof *s);
    s->config = config_with_defaults(config, defaults_json);
    connector_instance_name(s->name, sizeof s->name, type, config);
    s->page_size = connector_page_size(config, page_default, page_max);
    s->max_pages = connector_max_pages(config);
}

int source_http_open(source_http_t *s, fs_err_t *e)
{
    source_cursor_t c;
    int rc = source_cursor_load(&c, NULL, s->config, e);
    source_cursor_clear(&c);
    if (rc != 0 || !(s->http = http_client_new(s->config, s->name, e)))
        return -1;
    return 0;
}

void source_http_release(source_http_t *s)
{
    http_client_destroy(&s->http);
    json_decref(s->config);
    s->config = NULL;
}

source_http_t *source_http_new(const json_t *config, const char *type, const char *defaults_json,
                               int page_default, int page_max, fs_err_t *e)
{
    source_http_t *s = fs_xcalloc(1, sizeof *s);
    source_http_prepare(s, config, type, defaults_json, page_default, page_max);
    if (source_http_open(s, e) != 0) {
        void *p = s;
        source_http_destroy(&p);
        return NULL;
    }
    return s;
}

void source_http_destroy(void **state_p)
{
    source_http_t *s = *state_p;
    if (!s)
        return;
    source_http_release(s);
    free(s);
    *state_p = NULL;
}

static const char *time_check(const json_t *v)
{
    int64_t ms;
    return fs_time_parse(json_string_value(v), &ms) == 0 ? NULL : "an RFC 3339 time";
}

const fs_schema_field_t source_http_fields[] = {
    FS_FIELD("start", FS_S_STRING_CHECK(time_check, "an RFC 3339 time (\"2024-01-02T03:04:05Z\")")),
    FS_FIELD("lookback_s", FS_S_INT(1, 315360000)),
    FS_FIELD("max_pages", FS_S_INT(1, 1000)),
    FS_FIELDS_END,
};

int connector_max_pages(const json_t *config)
{
    json_int_t n = json_integer_value(json_object_get(config, "max_pages"));
    return n >= 1 && n <= 1000 ? (int)n : CONNECTOR_MAX_PAGES;
}

int connector_page_size(const json_t *config, int dflt, int max)
{
    json_int_t n = json_integer_value(json_object_get(config, "page_size"));
    return n >= 1 && n <= max ? (int)n : dflt;
}

json_t *connector_ok(json_t *result)
{
    return json_pack("{s:s, s:o}", "status", "ok", "result", result ? result : json_object());
}

json_t *connector_error(const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return json_pack("{s:s, s:s}", "status", "error", "error", text);
}

const char *connector_input_string(const json_t *input, const char *const *keys)
{
    for (; *keys; keys++) {
        const char *s = json_string_value(json_object_get(input, *keys));
        if (s && *s)
            return s;
    }
    return NULL;
}

json_t *openc2_status(int status, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return json_pack("{s:i, s:s}", "status", status, "status_text", text);
}

http_client_t *connector_http_new(const json_t *config, const char *what, const char *defaults_json,
                                  fs_err_t *e)
{
    json_t *c = config_with_defaults(config, defaults_json);
    char label[96];
    const char *name = json_string_value(json_object_get(config, "name"));
    snprintf(label, sizeof label, "%s%s%s", what, name ? " " : "", name ? name : "");
    http_client_t *h = http_client_new(c, label, e);
    json_decref(c);
    return h;
}

/* Generic state of the HTTP responders and analyzers. */
void connector_http_cleanup(void **state_p)
{
    connector_http_t *s = *state_p;
    if (!s)
        return;
    http_client_destroy(&s->http);
    json_decref(s->config);
    free(s);
    *state_p = NULL;
}

connector_http_t *connector_http_state(const json_t *config, const char *what,
                                       const char *defaults_json, fs_err_t *e)
{
    connector_http_t *s = fs_xcalloc(1, sizeof *s);
    if (!(s->http = connector_http_new(config, what, defaults_json, e))) {
        free(s);
        return NULL;
    }
    s->config = json_deep_copy(config);
    snprintf(s->what, sizeof s->what, "%s", what);
    return s;
}

http_client_t *edr_http_new(const json_t *config, const char *actuator, const char *defaults_json,
                            const char *help, fs_err_t *e)
{
    if (!json_is_object(config)) {
        fs_err_set(e, "%s", help);
        return NULL;
    }
    json_t *c = config_with_defaults(config, defaults_json);
    http_client_t *h = http_client_new(c, actuator, e);
    json_decref(c);
    return h;
}

json_t *edr_pairs(void *state)
{
    (void)state;
    return json_pack("{s:[s], s:[s]}", "contain", "device", "allow", "device");
}

json_t *edr_device_id(http_client_t *http, const edr_vendor_t *v, const json_t *device, char *id,
                      size_t size)
{
    const char *did = json_string_value(json_object_get(device, "device_id"));
    if (did) {
        if (strlen(did) >= size || strpbrk(did, v->id_reject))
            return openc2_status(400, "device_id \"%.80s\" is not a %s", did, v->id_what);
        snprintf(id, size, "%s", did);
        return NULL;
    }
    const char *host = json_string_value(json_object_get(device, "hostname"));
    if (!host)
        return openc2_status(400, "contain device needs target.device.device_id or hostname");
    /* The hostname goes between single quotes in the vendor's filter. */
    if (strpbrk(host, "'\\") || strlen(host) > 253)
        return openc2_status(400, "hostname \"%.80s\" cannot be looked up", host);
    char filter[300], url[1024];
    snprintf(filter, sizeof filter, "%s'%s'", v->lookup_field, host);
    char *q = http_escape(filter);
    snprintf(url, sizeof url, "%s%s%s", v->lookup_path, q, v->lookup_tail);
    free(q);
    http_response_t r;
    fs_err_t e = {0};
    if (http_client_request(http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, &e) != 0) {
        http_response_clear(&r);
        return openc2_status(500, "%s", e.text);
    }
    json_t *res = v->lookup_pick(r.body, r.len, host, id, size);
    http_response_clear(&r);
    return res;
}

json_t *edr_post_action(http_client_t *http, const char *url, const json_t *body, json_t **error)
{
    http_response_t r;
    fs_err_t e = {0};
    /* Containment and its release are idempotent at the vendors, so a 5xx
       may be retried. */
    json_t *ans = http_client_json(http, "POST", url, body, HTTP_IDEMPOTENT, &r, &e);
    *error = ans ? NULL : openc2_status(r.status == 404 ? 404 : 500, "%s", e.text);
    http_response_clear(&r);
    return ans;
}

/* The responders on users (okta-*, entra-*): the HTTP client's keys. */
const fs_schema_t user_action_schema = {.type = FS_SCHEMA_OBJECT, .fields = {http_client_fields}};
