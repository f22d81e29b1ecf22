/*  odata_paging.c — what the five Microsoft sources (graph_alerts.c,
    mde_alerts.c, entra_signins.c, entra_audits.c, sentinel_incidents.c)
    share: OData collections polled with a timestamp filter and followed by
    @odata.nextLink; each source file holds one odata_kind_t row.

      graph-alerts        GET /v1.0/security/alerts_v2?$filter=lastUpdateDateTime ge T&$top=N
      mde-alerts          GET /api/alerts?$filter=lastUpdateTime ge T&$top=N         (Defender for
   Endpoint) entra-signins       GET /v1.0/auditLogs/signIns?$filter=createdDateTime ge T&$top=N
      entra-audits        GET /v1.0/auditLogs/directoryAudits?$filter=activityDateTime ge T&$top=N
      sentinel-incidents  GET
   {workspace}/providers/Microsoft.SecurityInsights/incidents?api-version=V
                              &$filter=properties/lastModifiedTimeUtc ge
   T&$orderby=properties/lastModifiedTimeUtc asc&$top=N

    OAuth2 client credentials against the configured token_url, with the
    resource's /.default scope.  `ge` plus the ids already taken at T (the
    checkpoint, connector_support.h) instead of `gt`, so records sharing the
    boundary instant are neither lost nor repeated. */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    source_http_t src;
    const odata_kind_t *kind;
    char collection[1024]; /* path and fixed query ("?api-version=…&" or "?") */
} odata_t;

json_t *graph_parse_page(const char *body, size_t len, char **next_link, fs_err_t *e)
{
    if (next_link)
        *next_link = NULL;
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    json_t *value = json_object_get(j, "value");
    if (!json_is_array(value)) {
        const char *msg =
            json_string_value(json_object_get(json_object_get(j, "error"), "message"));
        fs_err_set(e, "Graph response has no value array%s%.200s", msg ? ": " : "", msg ? msg : "");
        json_decref(j);
        return NULL;
    }
    size_t i;
    json_t *v;
    json_array_foreach(value, i, v)
    {
        if (!json_is_object(v)) {
            fs_err_set(e, "Graph response: value[%zu] is not an object", i);
            json_decref(j);
            return NULL;
        }
    }
    const char *nl = json_string_value(json_object_get(j, "@odata.nextLink"));
    if (!nl) /* Azure Resource Manager lists (Sentinel) say "nextLink" */
        nl = json_string_value(json_object_get(j, "nextLink"));
    if (next_link && nl && *nl && strlen(nl) < 4000)
        *next_link = fs_xstrdup(nl);
    json_incref(value);
    json_decref(j);
    return value;
}

void odata_source_destroy(void **state_p)
{
    odata_t *s = *state_p;
    if (!s)
        return;
    source_http_release(&s->src);
    free(s);
    *state_p = NULL;
}

void *odata_source_new(const odata_kind_t *kind, const char *type, const json_t *config,
                       fs_err_t *e)
{
    odata_t *s = fs_xcalloc(1, sizeof *s);
    s->kind = kind;
    source_http_prepare(&s->src, config, type, kind->defaults, kind->page_default, kind->page_max);
    int n;
    if (kind->path) {
        n = snprintf(s->collection, sizeof s->collection, "%s?", kind->path);
    } else {
        const char *ws = json_string_value(json_object_get(config, "workspace_path"));
        const char *api = json_string_value(json_object_get(s->src.config, "api_version"));
        if (!ws || strncmp(ws, "/subscriptions/", 15) != 0 || strpbrk(ws, "?#% ") || !api ||
            strpbrk(api, "&?#% ")) {
            fs_err_set(e, "workspace_path: required, /subscriptions/S/resourceGroups/RG/providers/"
                          "Microsoft.OperationalInsights/workspaces/W");
            void *p = s;
            odata_source_destroy(&p);
            return NULL;
        }
        n = snprintf(s->collection, sizeof s->collection,
                     "%s/providers/Microsoft.SecurityInsights/incidents?api-version=%s&", ws, api);
    }
    if (n >= (int)sizeof s->collection) {
        fs_err_set(e, "workspace_path: too long");
        void *p = s;
        odata_source_destroy(&p);
        return NULL;
    }
    if (source_http_open(&s->src, e) != 0) {
        void *p = s;
        odata_source_destroy(&p);
        return NULL;
    }
    return s;
}

/* The string at a dotted path of a record, or NULL. */
static const char *dotted(const json_t *rec, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *v = rec;
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
        v = json_object_get(v, k);
    return json_string_value(v);
}

/* One poll's paging: the URL of the next page (@odata.nextLink). */
typedef struct {
    odata_t *s;
    char *url;
} odata_pages_t;

static int fetch_page(void *ctx, const source_cursor_t *base, int page, json_t **records,
                      fs_err_t *e)
{
    odata_pages_t *p = ctx;
    odata_t *s = p->s;
    const odata_kind_t *k = s->kind;
    if (page == 0) {
        char filter[160];
        snprintf(filter, sizeof filter, "%s ge %s", k->filter, base->ts);
        char *q = http_escape(filter);
        char *ob = k->orderby ? http_escape(k->orderby) : NULL;
        char first[2048];
        snprintf(first, sizeof first, "%s$filter=%s%s%s&$top=%d", s->collection, q,
                 ob ? "&$orderby=" : "", ob ? ob : "", s->src.page_size);
        free(q);
        free(ob);
        p->url = fs_xstrdup(first);
    }
    http_response_t r;
    if (http_client_request(s->src.http, "GET", p->url, NULL, HTTP_IDEMPOTENT, &r, e) != 0) {
        http_response_clear(&r);
        return -1;
    }
    fs_err_t pe = {0};
    char *link = NULL;
    *records = graph_parse_page(r.body, r.len, &link, &pe);
    http_response_clear(&r);
    if (!*records)
        return fs_err_set(e, "%s: GET %s: %s", s->src.name, k->path ? k->path : "incidents",
                          pe.text);
    if (!link)
        return 0;
    free(p->url);
    p->url = link;
    return 1;
}

static void record_key(void *ctx, const json_t *rec, const char **ts, const char **id)
{
    const odata_pages_t *p = ctx;
    const odata_t *s = p->s;
    *ts = dotted(rec, s->kind->ts);
    *id = json_string_value(json_object_get(rec, s->kind->id));
}

int odata_source_poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                      char **next_cp, fs_err_t *e)
{
    odata_t *s = state;
    odata_pages_t pages = {.s = s};
    source_pager_t pager = {s->src.name, s->src.config, s->src.max_pages,
                            fetch_page,  record_key,    &pages};
    int rc = source_poll_pages(&pager, checkpoint, emit, arg, next_cp, e);
    free(pages.url);
    return rc;
}
