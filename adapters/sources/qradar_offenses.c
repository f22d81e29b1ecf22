/*  qradar_offenses.c — source "qradar-offenses": IBM QRadar offenses as
    Detection Findings (source id qradar.offense, mapping
    normalize/mappings/qradar.offense.json).

      GET /api/siem/offenses?filter=last_persisted_time >= N&sort=+last_persisted_time
          Range: items=A-B        → [offense, …]   Content-Range: items A-B/TOTAL
      GET /api/siem/source_addresses/{id}?fields=id,source_ip
      GET /api/siem/local_destination_addresses/{id}?fields=id,local_destination_ip
      GET /api/analytics/rules/{id}?fields=id,name
      SEC: token; Version: api_version (qradar_api.c)

    The checkpoint is the newest last_persisted_time taken (epoch ms, kept
    as "SECONDS.mmm") plus the offense ids taken at exactly that time
    (connector_support.h, source_cursor_t): QRadar persists an offense again
    each time it changes, so an updated offense comes again as a new event.
    The filter is inclusive (>=) and the boundary ids are skipped: a strict
    ">" would lose an offense persisted in the same millisecond after a poll.

    Paging is by key, not by offset: after a page, the next one asks
    `>= the newest time seen` with Range starting after the offenses already
    seen at that time.  An offense that QRadar persists again while we page
    moves to the end of the sort order; with offset paging it would shift
    every later offense back by one and one would be skipped for good.

    Each offense is given what its ids stand for, resolved and cached per
    instance (at most max_addresses addresses per offense):
      "source_addresses": ["IP", …], "local_destination_addresses": ["IP", …],
      rules[i].name.
    An id QRadar no longer knows (404) is left out; any other failure fails
    the poll (retried later, nothing committed). */
#include "connector_support.h"
#include "qradar.h"

#include <stdlib.h>
#include <string.h>

#define QRADAR_PAGE_MAX 500
#define QRADAR_CACHE_MAX 5000
#define QRADAR_ADDR_DEFAULT 10
#define QRADAR_ADDR_MAX 100

typedef struct {
    source_http_t http; /* page_size, max_pages, the config with defaults, the name */
    qradar_api_t api;
    json_t *cache; /* "s:ID" / "d:ID" / "r:ID" -> string */
    int max_addresses;
    bool resolve;
    /* keyset paging within one poll (fetch_page / record_key) */
    int64_t from_ms;  /* the filter of the page just fetched */
    long range_start; /* its Range start */
    long page_n;      /* offenses in it */
    int64_t page_max; /* the newest last_persisted_time seen in it */
    long page_at_max; /* offenses at exactly page_max in it */
    char ts[32], id[24];
} qradar_t;

static void cleanup(void **state_p)
{
    qradar_t *q = *state_p;
    if (!q)
        return;
    qradar_api_release(&q->api);
    source_http_release(&q->http);
    json_decref(q->cache);
    free(q);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    qradar_t *q = fs_xcalloc(1, sizeof *q);
    source_http_prepare(&q->http, config, "qradar-offenses", "{\"auth\": \"none\"}", 50,
                        QRADAR_PAGE_MAX);
    if (source_http_open(&q->http, e) != 0 ||
        qradar_api_open(&q->api, q->http.config, q->http.name, e) != 0) {
        void *p = q;
        cleanup(&p);
        return NULL;
    }
    q->cache = json_object();
    json_t *ma = json_object_get(config, "max_addresses");
    q->max_addresses = json_is_integer(ma) ? (int)json_integer_value(ma) : QRADAR_ADDR_DEFAULT;
    q->resolve = !json_is_false(json_object_get(config, "resolve"));
    return q;
}

/* The string a cached id stands for: GETs it once.  1 with *out (borrowed
   from the cache), 0 when QRadar does not know the id, -1 with e set. */
static int resolve_id(qradar_t *q, char kind, json_int_t id, const char **out, fs_err_t *e)
{
    static const struct {
        char kind;
        const char *path, *fields, *member;
    } what[] = {
        {'s', "/api/siem/source_addresses/", "id,source_ip", "source_ip"},
        {'d', "/api/siem/local_destination_addresses/", "id,local_destination_ip",
         "local_destination_ip"},
        {'r', "/api/analytics/rules/", "id,name", "name"},
    };
    size_t k = 0;
    while (what[k].kind != kind)
        k++;
    char key[40], url[160];
    snprintf(key, sizeof key, "%c:%lld", kind, (long long)id);
    *out = json_string_value(json_object_get(q->cache, key));
    if (*out)
        return 1;
    snprintf(url, sizeof url, "%s%lld?fields=%s", what[k].path, (long long)id, what[k].fields);
    long status;
    fs_err_t ce = {0};
    json_t *j = qradar_call(&q->api, "GET", url, -1, -1, NULL, 0, &status, &ce);
    if (!j && status == 404)
        return 0;
    if (!j)
        return fs_err_set(e, "%s", ce.text);
    const char *v = json_string_value(json_object_get(j, what[k].member));
    if (!v || strlen(v) > 255) {
        json_decref(j);
        return fs_err_set(e, "%s: GET %s%lld: no %s in the answer", q->http.name, what[k].path,
                          (long long)id, what[k].member);
    }
    if (json_object_size(q->cache) >= QRADAR_CACHE_MAX)
        json_object_clear(q->cache);
    json_object_set_new(q->cache, key, json_string(v));
    json_decref(j);
    *out = json_string_value(json_object_get(q->cache, key));
    return 1;
}

/* ids (an array of integers) -> a new array of the strings they stand for. */
static int resolve_list(qradar_t *q, char kind, const json_t *ids, json_t **out, fs_err_t *e)
{
    *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        if ((int)json_array_size(*out) >= q->max_addresses)
            break;
        const char *s;
        int rc = json_is_integer(v) ? resolve_id(q, kind, json_integer_value(v), &s, e) : 0;
        if (rc < 0)
            return -1;
        if (rc == 1)
            json_array_append_new(*out, json_string(s));
    }
    return 0;
}

static int enrich(qradar_t *q, json_t *offense, fs_err_t *e)
{
    json_t *src, *dst;
    if (resolve_list(q, 's', json_object_get(offense, "source_address_ids"), &src, e) != 0 ||
        (json_object_set_new(offense, "source_addresses", src),
         resolve_list(q, 'd', json_object_get(offense, "local_destination_address_ids"), &dst, e) !=
             0))
        return -1;
    json_object_set_new(offense, "local_destination_addresses", dst);
    size_t i;
    json_t *rule;
    json_array_foreach(json_object_get(offense, "rules"), i, rule)
    {
        json_t *id = json_object_get(rule, "id");
        const char *name;
        if (!json_is_object(rule) || !json_is_integer(id) || json_object_get(rule, "name"))
            continue;
        int rc = resolve_id(q, 'r', json_integer_value(id), &name, e);
        if (rc < 0)
            return -1;
        if (rc == 1)
            json_object_set_new(rule, "name", json_string(name));
    }
    return 0;
}

static int fetch_page(void *ctx, const source_cursor_t *base, int page, json_t **records,
                      fs_err_t *e)
{
    qradar_t *q = ctx;
    if (page == 0) {
        q->from_ms = base->ts_ms;
        q->range_start = 0;
    } else if (q->page_max == q->from_ms) {
        q->range_start += q->page_n; /* a whole page at one time: move on within it */
    } else {
        q->from_ms = q->page_max;
        q->range_start = q->page_at_max;
    }
    q->page_n = q->page_at_max = 0;
    q->page_max = q->from_ms;
    char filter[64], url[256], cr[128];
    snprintf(filter, sizeof filter, "last_persisted_time >= %lld", (long long)q->from_ms);
    char *qf = http_escape(filter);
    snprintf(url, sizeof url, "/api/siem/offenses?filter=%s&sort=%%2Blast_persisted_time", qf);
    free(qf);
    long last = q->range_start + q->http.page_size - 1;
    json_t *j = qradar_call(&q->api, "GET", url, q->range_start, last, cr, sizeof cr, NULL, e);
    if (!j)
        return -1;
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    fs_err_t pe = {0};
    *records = qradar_parse_offenses(text, strlen(text), &pe);
    free(text);
    if (!*records)
        return fs_err_set(e, "%s: GET /api/siem/offenses (items %ld-%ld): %s", q->http.name,
                          q->range_start, last, pe.text);
    size_t n = json_array_size(*records), i;
    json_t *o;
    json_array_foreach(*records, i, o)
    {
        if (q->resolve && enrich(q, o, e) != 0)
            return -1;
    }
    long first, end, total;
    if (cr[0] && qradar_parse_content_range(cr, &first, &end, &total) == 0)
        return total >= 0 ? end + 1 < total : n == (size_t)q->http.page_size;
    return n == (size_t)q->http.page_size; /* no Content-Range (an empty page has none) */
}

/* Also counts, for the next page's key, the newest time in this page. */
static void record_key(void *ctx, const json_t *offense, const char **ts, const char **id)
{
    qradar_t *q = ctx;
    json_int_t ms = json_integer_value(json_object_get(offense, "last_persisted_time"));
    q->page_n++;
    if (ms > q->page_max)
        q->page_max = ms, q->page_at_max = 0;
    if (ms == q->page_max)
        q->page_at_max++;
    snprintf(q->ts, sizeof q->ts, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
    snprintf(q->id, sizeof q->id, "%lld",
             (long long)json_integer_value(json_object_get(offense, "id")));
    *ts = q->ts; /* valid until the next call: source_cursor_take copies what it keeps */
    *id = q->id;
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_cp, fs_err_t *e)
{
    qradar_t *q = state;
    source_pager_t pager = {q->http.name, q->http.config, q->http.max_pages,
                            fetch_page,   record_key,     q};
    return source_poll_pages(&pager, checkpoint, emit, arg, next_cp, e);
}

/* The written schema of its config (docs/connectors.md). */
static const fs_schema_field_t qradar_fields[] = {
    FS_FIELD("page_size", FS_S_INT(1, QRADAR_PAGE_MAX)),
    FS_FIELD("api_version", FS_S_STRING_LEN(1, QRADAR_VERSION_MAX - 1)),
    FS_FIELD("max_addresses", FS_S_INT(0, QRADAR_ADDR_MAX)),
    FS_FIELD("resolve", FS_S_BOOL),
    FS_FIELDS_END,
};
static const fs_schema_t qradar_schema = {
    .type = FS_SCHEMA_OBJECT, .fields = {qradar_fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_qradar_offenses = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "qradar-offenses",
    .source_id = "qradar.offense",
    .summary = "IBM QRadar offenses (SEC token; Range paging by last_persisted_time; addresses "
               "and rules resolved)",
    .init = init,
    .poll = poll,
    .cleanup = cleanup,
    .config_schema = &qradar_schema,
};
