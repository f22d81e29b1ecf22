/*  misp_events.c — source "misp-events": MISP events as they are published,
    each event's attributes as records of source id "misp.attribute" (the
    mapping normalize/mappings/misp.attribute.json, shared with the webhook
    path).

      POST /events/restSearch   Authorization: KEY
        {"returnFormat": "json", "timestamp": EPOCH_S, "published": true,
         "page": P, "limit": N[, "to_ids": true][, "tags": [...]]}
      -> {"response": [{"Event": {..., "Attribute": [...],
                                  "Object": [{"Attribute": [...]}, ...]}}, ...]}

    A page shorter than `limit` is the last.  The checkpoint is the newest
    Event.timestamp taken plus the event uuids taken at exactly that second
    (connector_support.h, source_cursor_t); an event edited later comes
    again with its new timestamp, and its attributes come again with it (the
    broker's dedup by metadata.original_event_uid keeps one).  Every
    attribute carries its event's summary under "Event" (uuid, info,
    threat_level_id, Orgc, Tag), as the webhook path's records do. */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

#define MISP_PAGE_MAX 1000

/* The event's summary every attribute carries (a new reference). */
static json_t *event_summary(const json_t *ev)
{
    json_t *sum = json_object();
    static const char *const keys[] = {"id",   "uuid",      "info", "threat_level_id", "date",
                                       "Orgc", "timestamp", "Tag",  "analysis",        NULL};
    for (int i = 0; keys[i]; i++) {
        json_t *v = json_object_get(ev, keys[i]);
        if (v)
            json_object_set(sum, keys[i], v);
    }
    return sum;
}

static void add_attributes(json_t *out, const json_t *attrs, const json_t *summary,
                           bool to_ids_only)
{
    size_t i;
    json_t *a;
    json_array_foreach(attrs, i, a)
    {
        if (!json_is_object(a))
            continue; /* not an attribute: nothing to map */
        json_t *t = json_object_get(a, "to_ids");
        if (to_ids_only &&
            !(json_is_true(t) || (json_is_string(t) && !strcmp(json_string_value(t), "1"))))
            continue;
        json_t *copy = json_deep_copy(a);
        json_object_set(copy, "Event", (json_t *)summary);
        json_array_append_new(out, copy);
    }
}

json_t *misp_event_attributes(const json_t *event, bool to_ids_only)
{
    json_t *ev = json_object_get(event, "Event");
    if (!json_is_object(ev))
        ev = (json_t *)event;
    json_t *out = json_array();
    if (!json_is_object(ev))
        return out;
    json_t *summary = event_summary(ev);
    add_attributes(out, json_object_get(ev, "Attribute"), summary, to_ids_only);
    size_t i;
    json_t *obj;
    json_array_foreach(json_object_get(ev, "Object"), i, obj)
        add_attributes(out, json_object_get(obj, "Attribute"), summary, to_ids_only);
    json_decref(summary);
    return out;
}

json_t *misp_events_page(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *resp = json_object_get(j, "response");
    if (json_is_array(j)) /* older MISP answers a bare array */
        resp = j;
    if (!json_is_array(resp)) {
        const char *msg = json_string_value(json_object_get(j, "message"));
        fs_err_set(e, "MISP answer has no response array%s%.200s", msg ? ": " : "", msg ? msg : "");
        json_decref(j);
        return NULL;
    }
    json_t *events = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(resp, i, v)
    {
        json_t *ev = json_object_get(v, "Event");
        if (!json_is_object(ev)) {
            fs_err_set(e, "MISP answer: response[%zu] has no Event object", i);
            json_decref(events);
            json_decref(j);
            return NULL;
        }
        json_array_append(events, ev);
    }
    json_decref(j);
    return events;
}

typedef struct misp_source {
    source_http_t http; /* first: source_http_destroy frees the whole state */
    bool to_ids_only;
    json_t *tags; /* borrowed from http.config, or NULL */
} misp_source_t;

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    misp_source_t *s = fs_xcalloc(1, sizeof *s);
    source_http_prepare(&s->http, config, "misp-events",
                        "{\"auth\": \"header\", \"api_key_header\": \"Authorization\"}", 100,
                        MISP_PAGE_MAX);
    json_t *t = json_object_get(s->http.config, "to_ids_only");
    s->to_ids_only = !json_is_false(t);
    s->tags = json_object_get(s->http.config, "tags");
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
    misp_source_t *s = ctx;
    json_t *req = json_pack("{s:s, s:I, s:b, s:i, s:i}", "returnFormat", "json", "timestamp",
                            (json_int_t)(base->ts_ms / 1000), "published", 1, "page", page + 1,
                            "limit", s->http.page_size);
    if (s->to_ids_only)
        json_object_set_new(req, "to_ids", json_true());
    if (json_is_array(s->tags))
        json_object_set(req, "tags", s->tags);
    http_response_t r;
    json_t *resp =
        http_client_json(s->http.http, "POST", "/events/restSearch", req, HTTP_IDEMPOTENT, &r, e);
    json_decref(req);
    json_decref(resp);
    if (!resp) {
        http_response_clear(&r);
        return -1;
    }
    fs_err_t pe = {0};
    *records = misp_events_page(r.body, r.len, &pe);
    http_response_clear(&r);
    if (!*records)
        return fs_err_set(e, "%s: POST /events/restSearch page %d: %s", s->http.name, page + 1,
                          pe.text);
    return json_array_size(*records) >= (size_t)s->http.page_size ? 1 : 0;
}

static void record_key(void *ctx, const json_t *ev, const char **ts, const char **id)
{
    (void)ctx;
    *ts = json_string_value(json_object_get(ev, "timestamp"));
    *id = json_string_value(json_object_get(ev, "uuid"));
}

/* The pager hands whole events; the daemon gets their attributes. */
typedef struct {
    misp_source_t *s;
    source_emit_fn *emit;
    void *arg;
} misp_fanout_t;

static int emit_attributes(void *arg, const json_t *event)
{
    misp_fanout_t *f = arg;
    json_t *attrs = misp_event_attributes(event, f->s->to_ids_only);
    int rc = 0;
    size_t i;
    json_t *a;
    json_array_foreach(attrs, i, a)
    {
        if (rc == 0)
            rc = f->emit(f->arg, a);
    }
    json_decref(attrs);
    return rc;
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_cp, fs_err_t *e)
{
    misp_source_t *s = state;
    misp_fanout_t fan = {s, emit, arg};
    source_pager_t pager = {s->http.name, s->http.config, s->http.max_pages,
                            fetch_page,   record_key,     s};
    return source_poll_pages(&pager, checkpoint, emit_attributes, &fan, next_cp, e);
}

static const fs_schema_field_t misp_fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, MISP_PAGE_MAX)),
    FS_FIELD("to_ids_only", FS_S_BOOL),
    FS_FIELD("tags", FS_S_ARRAY(FS_S_STRING, 1, 100)),
    FS_FIELDS_END,
};
static const fs_schema_t misp_schema = {
    .type = FS_SCHEMA_OBJECT, .fields = {misp_fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_misp_events = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "misp-events",
    .source_id = "misp.attribute",
    .summary = "MISP published events (events/restSearch by timestamp, page/limit), one record "
               "per attribute",
    .init = init,
    .poll = poll,
    .cleanup = source_http_destroy, /* http is the state's first member */
    .config_schema = &misp_schema,
};
