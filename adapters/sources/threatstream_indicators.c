/*  threatstream_indicators.c — source "threatstream-indicators": new and
    changed Anomali ThreatStream indicators at or above a confidence, as
    records of source id "threatstream.indicator"
    (normalize/mappings/threatstream.indicator.json).

      GET /api/v2/intelligence/?modified_ts__gte=TS&status=active
          &confidence__gte=MIN&order_by=modified_ts&limit=N&offset=K
      Authorization: apikey USER:KEY
      -> {"meta": {"limit", "offset", "next", "total_count"},
          "objects": [{"id", "value", "itype", "type", "confidence",
                       "severity", "status", "source", "modified_ts", ...}]}

    Paging is by offset until meta.next is null.  The checkpoint is the
    newest modified_ts taken plus the indicator ids taken at exactly that
    time (connector_support.h).  The parser is shared with the
    threatstream-lookup analyzer (vendor_parsers.h). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

#define TS_PAGE_MAX 1000

json_t *threatstream_page(const char *body, size_t len, bool *more, json_int_t *total, fs_err_t *e)
{
    *more = false;
    *total = -1;
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *objs = json_object_get(j, "objects");
    if (!json_is_array(objs)) {
        const char *msg = json_string_value(json_object_get(j, "message"));
        if (!msg)
            msg = json_string_value(json_object_get(j, "error"));
        fs_err_set(e, "ThreatStream answer has no objects array%s%.200s", msg ? ": " : "",
                   msg ? msg : "");
        json_decref(j);
        return NULL;
    }
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o)
    {
        if (!json_is_object(o) || !json_is_string(json_object_get(o, "value"))) {
            fs_err_set(e, "ThreatStream answer: objects[%zu] is not an indicator with a value", i);
            json_decref(j);
            return NULL;
        }
    }
    json_t *meta = json_object_get(j, "meta");
    const char *next = json_string_value(json_object_get(meta, "next"));
    *more = next && *next;
    json_t *t = json_object_get(meta, "total_count");
    if (json_is_integer(t) && json_integer_value(t) >= 0)
        *total = json_integer_value(t);
    json_incref(objs);
    json_decref(j);
    return objs;
}

typedef struct ts_source {
    source_http_t http; /* first: source_http_destroy frees the whole state */
    int min_confidence;
    json_int_t offset;
} ts_source_t;

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    ts_source_t *s = fs_xcalloc(1, sizeof *s);
    source_http_prepare(&s->http, config, "threatstream-indicators",
                        "{\"auth\": \"header\", \"api_key_header\": \"Authorization\"}", 200,
                        TS_PAGE_MAX);
    json_t *c = json_object_get(s->http.config, "min_confidence");
    s->min_confidence = c ? (int)json_integer_value(c) : 80;
    if (source_http_open(&s->http, e) != 0) {
        source_http_release(&s->http);
        free(s);
        return NULL;
    }
    return s;
}

static int fetch_page(void *ctx, const source_cursor_t *base, int page, json_t **records,
                      fs_err_t *e)
{
    ts_source_t *s = ctx;
    if (page == 0)
        s->offset = 0;
    char *since = http_escape(base->ts);
    char url[1024];
    snprintf(url, sizeof url,
             "/api/v2/intelligence/?modified_ts__gte=%s&status=active&confidence__gte=%d"
             "&order_by=modified_ts&limit=%d&offset=%lld",
             since, s->min_confidence, s->http.page_size, (long long)s->offset);
    free(since);
    http_response_t r;
    if (http_client_request(s->http.http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, e) != 0) {
        http_response_clear(&r);
        return -1;
    }
    bool more;
    json_int_t total;
    fs_err_t pe = {0};
    *records = threatstream_page(r.body, r.len, &more, &total, &pe);
    http_response_clear(&r);
    if (!*records)
        return fs_err_set(e, "%s: GET /api/v2/intelligence/ offset %lld: %s", s->http.name,
                          (long long)s->offset, pe.text);
    size_t n = json_array_size(*records);
    s->offset += (json_int_t)n;
    return more && n > 0 ? 1 : 0;
}

static void record_key(void *ctx, const json_t *ind, const char **ts, const char **id)
{
    (void)ctx;
    *ts = json_string_value(json_object_get(ind, "modified_ts"));
    json_t *v = json_object_get(ind, "id");
    static __thread char idbuf[32];
    if (json_is_integer(v)) {
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)json_integer_value(v));
        *id = idbuf;
    } else {
        *id = json_string_value(v);
    }
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_cp, fs_err_t *e)
{
    ts_source_t *s = state;
    source_pager_t pager = {s->http.name, s->http.config, s->http.max_pages,
                            fetch_page,   record_key,     s};
    return source_poll_pages(&pager, checkpoint, emit, arg, next_cp, e);
}

static const fs_schema_field_t ts_fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, TS_PAGE_MAX)),
    FS_FIELD("min_confidence", FS_S_INT(0, 100)),
    FS_FIELDS_END,
};
static const fs_schema_t ts_schema = {
    .type = FS_SCHEMA_OBJECT, .fields = {ts_fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_threatstream_indicators = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "threatstream-indicators",
    .source_id = "threatstream.indicator",
    .summary = "Anomali ThreatStream active indicators at or above min_confidence "
               "(intelligence API v2, modified_ts order, offset paging)",
    .init = init,
    .poll = poll,
    .cleanup = source_http_destroy, /* http is the state's first member */
    .config_schema = &ts_schema,
};
