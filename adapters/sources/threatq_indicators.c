/*  threatq_indicators.c — source "threatq-indicators": new and changed
    ThreatQuotient (ThreatQ) indicators at or above a score, as records of
    source id "threatq.indicator" (normalize/mappings/threatq.indicator.json).

      POST /api/token                  OAuth2 client credentials
      POST /api/indicators/query?limit=N&offset=K&sort=updated_at
           &with=type,status,score,sources
        {"criteria": {"+and": [{"updated_at": {"+gte": "YYYY-MM-DD HH:MM:SS"}},
                               {"score": {"+gte": MIN}}, {"status": "Active"}]}}
      -> {"total", "offset", "limit", "data": [indicator, ...]}

    ThreatQ writes times as "YYYY-MM-DD HH:MM:SS" (UTC), which the
    checkpoint (connector_support.h) reads as it is; the filter is written
    in that form, in whole seconds.  Paging by offset until a page is short or
    `total` is reached.  The parser is shared with the threatq-lookup
    analyzer (vendor_parsers.h). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

#define TQ_PAGE_MAX 1000

json_t *threatq_page(const char *body, size_t len, json_int_t *total, fs_err_t *e)
{
    *total = -1;
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *data = json_object_get(j, "data");
    if (!json_is_array(data)) {
        const char *msg = json_string_value(json_object_get(j, "message"));
        if (!msg)
            msg = json_string_value(
                json_object_get(json_array_get(json_object_get(j, "errors"), 0), "message"));
        fs_err_set(e, "ThreatQ answer has no data array%s%.200s", msg ? ": " : "", msg ? msg : "");
        json_decref(j);
        return NULL;
    }
    size_t i;
    json_t *o;
    json_array_foreach(data, i, o)
    {
        if (!json_is_object(o) || !json_is_string(json_object_get(o, "value"))) {
            fs_err_set(e, "ThreatQ answer: data[%zu] is not an indicator with a value", i);
            json_decref(j);
            return NULL;
        }
    }
    json_t *t = json_object_get(j, "total");
    if (json_is_integer(t) && json_integer_value(t) >= 0)
        *total = json_integer_value(t);
    json_incref(data);
    json_decref(j);
    return data;
}

typedef struct tq_source {
    source_http_t http; /* first: source_http_destroy frees the whole state */
    double min_score;
    json_int_t offset;
    char idbuf[32]; /* the last record's id as text (record_key) */
} tq_source_t;

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    tq_source_t *s = fs_xcalloc(1, sizeof *s);
    source_http_prepare(&s->http, config, "threatq-indicators",
                        "{\"auth\": \"oauth2\", \"token_url\": \"/api/token\"}", 200, TQ_PAGE_MAX);
    json_t *m = json_object_get(s->http.config, "min_score");
    s->min_score = json_is_number(m) ? json_number_value(m) : 8.0;
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
    tq_source_t *s = ctx;
    if (page == 0)
        s->offset = 0;
    char since[32];
    fs_time_format(base->ts_ms - base->ts_ms % 1000, since, sizeof since);
    since[10] = ' ';
    since[19] = '\0'; /* "YYYY-MM-DD HH:MM:SS": ThreatQ's form, whole seconds */
    json_t *body =
        json_pack("{s:{s:[{s:{s:s}}, {s:{s:f}}, {s:s}]}}", "criteria", "+and", "updated_at", "+gte",
                  since, "score", "+gte", s->min_score, "status", "Active");
    char url[256];
    snprintf(url, sizeof url,
             "/api/indicators/query?limit=%d&offset=%lld&sort=updated_at"
             "&with=type,status,score,sources",
             s->http.page_size, (long long)s->offset);
    http_response_t r;
    json_t *j = http_client_json(s->http.http, "POST", url, body, HTTP_IDEMPOTENT, &r, e);
    json_decref(body);
    json_decref(j);
    if (!j) {
        http_response_clear(&r);
        return -1;
    }
    json_int_t total;
    fs_err_t pe = {0};
    *records = threatq_page(r.body, r.len, &total, &pe);
    http_response_clear(&r);
    if (!*records)
        return fs_err_set(e, "%s: POST /api/indicators/query offset %lld: %s", s->http.name,
                          (long long)s->offset, pe.text);
    size_t n = json_array_size(*records);
    s->offset += (json_int_t)n;
    if (n < (size_t)s->http.page_size || (total >= 0 && s->offset >= total))
        return 0;
    return 1;
}

static void record_key(void *ctx, const json_t *ind, const char **ts, const char **id)
{
    tq_source_t *s = ctx;
    *ts = json_string_value(json_object_get(ind, "updated_at")); /* fs_time_parse reads its form */
    json_t *v = json_object_get(ind, "id");
    if (json_is_integer(v)) {
        snprintf(s->idbuf, sizeof s->idbuf, "%lld", (long long)json_integer_value(v));
        *id = s->idbuf;
    } else {
        *id = json_string_value(v);
    }
}

/* The criteria are applied again here, so an instance that ignores one of
   them (an older ThreatQ, a changed score) still delivers only Active
   indicators at or above min_score; the checkpoint moves over the others. */
typedef struct {
    tq_source_t *s;
    source_emit_fn *emit;
    void *arg;
} tq_filter_t;

static int emit_wanted(void *arg, const json_t *ind)
{
    tq_filter_t *f = arg;
    json_t *sum = threatq_indicator_summary(ind);
    json_t *sc = json_object_get(sum, "score");
    const char *st = json_string_value(json_object_get(sum, "status"));
    bool wanted = json_is_number(sc) && json_number_value(sc) >= f->s->min_score && st &&
                  strcmp(st, "Active") == 0;
    json_decref(sum);
    return wanted ? f->emit(f->arg, ind) : 0;
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_cp, fs_err_t *e)
{
    tq_source_t *s = state;
    tq_filter_t filter = {s, emit, arg};
    source_pager_t pager = {s->http.name, s->http.config, s->http.max_pages,
                            fetch_page,   record_key,     s};
    return source_poll_pages(&pager, checkpoint, emit_wanted, &filter, next_cp, e);
}

static const fs_schema_field_t tq_fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, TQ_PAGE_MAX)),
    FS_FIELD("min_score", FS_S_NUMBER(0, 10)),
    FS_FIELDS_END,
};
static const fs_schema_t tq_schema = {
    .type = FS_SCHEMA_OBJECT, .fields = {tq_fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_threatq_indicators = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "threatq-indicators",
    .source_id = "threatq.indicator",
    .summary = "ThreatQuotient active indicators at or above min_score (OAuth2; "
               "indicators/query by updated_at, offset paging)",
    .init = init,
    .poll = poll,
    .cleanup = source_http_destroy, /* http is the state's first member */
    .config_schema = &tq_schema,
};
