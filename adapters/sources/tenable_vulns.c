/*  tenable_vulns.c — source "tenable-vulns": Tenable Vulnerability
    Management (Tenable.io) vulnerability exports, as Vulnerability Findings
    (OCSF 2002, mapping normalize/mappings/tenable.vuln_export.json).

      POST /vulns/export          {"num_assets": N, "filters": {"since": T, "state": [...]}}
                                  → {"export_uuid": "…"}
      GET  /vulns/export/{uuid}/status
                                  → {"status": "QUEUED|PROCESSING|FINISHED|CANCELLED|ERROR",
                                     "chunks_available": [1, 2, …]}
      GET  /vulns/export/{uuid}/chunks/{id}   → [vulnerability, …]
      X-ApiKeys: accessKey=…; secretKey=…     (auth "header"; the whole value is the secret)

    An export is a job that Tenable builds in the background, so one poll
    does one step of it and the checkpoint carries the job between polls:
      {"since": T}                                      no export open
      {"since": T, "export": {"uuid", "started", "taken": [chunk ids]}}
    A poll opens an export when none is open (filter `since` — or
    `last_found`, config time_filter — = T, epoch seconds), asks its status,
    and downloads the chunks it lists that are not in `taken` (at most
    max_pages per poll).  The records of a chunk and the chunk's id in
    `taken` are committed together (sources.c), so a chunk is taken once.
    When the export is FINISHED and every chunk is taken, the next export
    starts at this one's start time (`since` = started): vulnerabilities
    whose state changed while it ran are in the next one.  An export that
    Tenable lost (404), cancelled or failed is dropped and a new one opened
    with the same `since`; chunks already taken then come again and
    deduplicate on metadata.uid at the broker (docs/connectors.md). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <stdlib.h>
#include <string.h>

#define TENABLE_MAX_TAKEN 10000 /* chunk ids of one export remembered in the checkpoint */
#define TENABLE_UUID_MAX 64

/* ---- parsers (vendor_parsers.h; fuzz target tests/fuzz/fuzz_tenable.c) ---- */

static bool uuid_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n < TENABLE_UUID_MAX && strspn(s, "0123456789abcdefABCDEF-") == n;
}

/* Tenable's error answers: {"error": "…"} or {"message": "…"} (some 4xx). */
static const char *tenable_error(const json_t *j)
{
    const char *m = json_string_value(json_object_get(j, "error"));
    return m ? m : json_string_value(json_object_get(j, "message"));
}

int tenable_parse_export_uuid(const char *body, size_t len, char *uuid, size_t size, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return -1;
    const char *u = json_string_value(json_object_get(j, "export_uuid"));
    int rc = 0;
    if (!u) {
        const char *m = tenable_error(j);
        rc = fs_err_set(e, "Tenable answer has no export_uuid%s%.200s", m ? ": " : "", m ? m : "");
    } else if (!uuid_ok(u) || strlen(u) >= size) {
        rc = fs_err_set(e, "Tenable export_uuid is not a UUID (hex digits and '-', under %d bytes)",
                        TENABLE_UUID_MAX);
    } else {
        snprintf(uuid, size, "%s", u);
    }
    json_decref(j);
    return rc;
}

json_t *tenable_parse_status(const char *body, size_t len, fs_err_t *e)
{
    static const char *const known[] = {"QUEUED",    "PROCESSING", "FINISHED",
                                        "CANCELLED", "ERROR",      NULL};
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    const char *st = json_string_value(json_object_get(j, "status"));
    size_t k = 0;
    while (st && known[k] && strcmp(known[k], st) != 0)
        k++;
    if (!st || !known[k]) {
        const char *m = tenable_error(j);
        fs_err_set(e, "Tenable export status %s%.40s%s%.200s", st ? "unknown: " : "missing",
                   st ? st : "", m ? ": " : "", m ? m : "");
        json_decref(j);
        return NULL;
    }
    json_t *avail = json_object_get(j, "chunks_available");
    json_t *chunks = json_array();
    size_t i;
    json_t *v;
    if (avail && !json_is_array(avail)) {
        fs_err_set(e, "Tenable export status: chunks_available is not an array");
        goto fail;
    }
    json_array_foreach(avail, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX) {
            fs_err_set(e, "Tenable export status: chunks_available[%zu] is not a chunk id", i);
            goto fail;
        }
        json_array_append(chunks, v);
    }
    json_t *out = json_pack("{s:s,s:o}", "status", known[k], "chunks", chunks);
    json_decref(j);
    return out;
fail:
    json_decref(chunks);
    json_decref(j);
    return NULL;
}

json_t *tenable_parse_chunk(const char *body, size_t len, fs_err_t *e)
{
    json_t *j = fs_json_parse(body, len, e);
    if (!j)
        return NULL;
    if (!json_is_array(j)) {
        const char *m = tenable_error(j);
        fs_err_set(e, "Tenable chunk is not an array of vulnerabilities%s%.200s", m ? ": " : "",
                   m ? m : "");
        json_decref(j);
        return NULL;
    }
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v)
    {
        if (!json_is_object(v)) {
            fs_err_set(e, "Tenable chunk: element %zu is not a vulnerability object", i);
            json_decref(j);
            return NULL;
        }
    }
    return j;
}

/* ---- the source ------------------------------------------------------------- */

typedef struct {
    source_http_t http;
    int num_assets;
    const char *time_filter; /* "since" or "last_found" (borrowed from http.config) */
} tenable_t;

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    tenable_t *t = fs_xcalloc(1, sizeof *t);
    source_http_prepare(&t->http, config, "tenable-vulns",
                        "{\"auth\": \"header\", \"api_key_header\": \"X-ApiKeys\"}", 50, 5000);
    json_t *na = json_object_get(config, "num_assets");
    t->num_assets = na ? (int)json_integer_value(na) : 50;
    t->time_filter = json_string_value(json_object_get(t->http.config, "time_filter"));
    if (!t->time_filter)
        t->time_filter = "since";
    if (source_http_open(&t->http, e) != 0) {
        source_http_release(&t->http);
        free(t);
        return NULL;
    }
    return t;
}

static void cleanup(void **state_p)
{
    tenable_t *t = *state_p;
    if (!t)
        return;
    source_http_release(&t->http);
    free(t);
    *state_p = NULL;
}

/* The export the checkpoint carries. */
typedef struct {
    json_int_t since, started;
    char uuid[TENABLE_UUID_MAX];
    json_t *taken; /* array of chunk ids; NULL when no export is open */
} tenable_cp_t;

static int cp_load(tenable_cp_t *c, const char *checkpoint, const json_t *config, fs_err_t *e)
{
    memset(c, 0, sizeof *c);
    if (!checkpoint) {
        source_cursor_t cur;
        if (source_cursor_load(&cur, NULL, config, e) != 0)
            return -1;
        c->since = cur.ts_ms / 1000;
        source_cursor_clear(&cur);
        return 0;
    }
    json_t *j = json_loads(checkpoint, 0, NULL);
    json_t *since = json_object_get(j, "since"), *ex = json_object_get(j, "export");
    bool ok = json_is_integer(since) && json_integer_value(since) >= 0;
    if (ok && ex) {
        const char *u = json_string_value(json_object_get(ex, "uuid"));
        json_t *st = json_object_get(ex, "started"), *tk = json_object_get(ex, "taken");
        ok = u && uuid_ok(u) && json_is_integer(st) && json_is_array(tk);
        if (ok) {
            snprintf(c->uuid, sizeof c->uuid, "%s", u);
            c->started = json_integer_value(st);
            c->taken = json_incref(tk);
        }
    }
    if (ok)
        c->since = json_integer_value(since);
    json_decref(j);
    if (!ok)
        return fs_err_set(e, "the stored checkpoint is unreadable (%.80s); delete it to start over",
                          checkpoint);
    return 0;
}

static char *cp_dump(const tenable_cp_t *c)
{
    json_t *j = json_pack("{s:I}", "since", c->since);
    if (c->taken)
        json_object_set_new(
            j, "export",
            json_pack("{s:s,s:I,s:O}", "uuid", c->uuid, "started", c->started, "taken", c->taken));
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static void cp_drop_export(tenable_cp_t *c)
{
    json_decref(c->taken);
    c->taken = NULL;
    c->uuid[0] = '\0';
}

static bool taken(const json_t *list, json_int_t id)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (json_integer_value(v) == id) return true;
    return false;
}

static int open_export(tenable_t *t, tenable_cp_t *c, fs_err_t *e)
{
    json_t *filters = json_pack("{s:I}", t->time_filter, c->since);
    json_t *state = json_object_get(t->http.config, "state");
    json_object_set_new(filters, "state",
                        state ? json_deep_copy(state)
                              : json_pack("[sss]", "OPEN", "REOPENED", "FIXED"));
    json_t *sev = json_object_get(t->http.config, "severity");
    if (sev)
        json_object_set_new(filters, "severity", json_deep_copy(sev));
    json_t *req = json_pack("{s:i,s:o}", "num_assets", t->num_assets, "filters", filters);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    json_int_t now_s = fs_now_ms() / 1000;
    http_response_t r;
    /* Not idempotent: a repeated POST opens a second export. */
    int q = http_client_request(t->http.http, "POST", "/vulns/export", body, 0, &r, e);
    free(body);
    if (q != 0) {
        http_response_clear(&r);
        return -1;
    }
    fs_err_t pe = {0};
    q = tenable_parse_export_uuid(r.body, r.len, c->uuid, sizeof c->uuid, &pe);
    http_response_clear(&r);
    if (q != 0)
        return fs_err_set(e, "%s: POST /vulns/export: %s", t->http.name, pe.text);
    c->started = now_s;
    c->taken = json_array();
    fs_log(FS_LOG_INFO, "adapter", "tenable_export_opened", "source=\"%s\" export=%s %s=%lld",
           t->http.name, c->uuid, t->time_filter, (long long)c->since);
    return 0;
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_cp, fs_err_t *e)
{
    tenable_t *t = state;
    *next_cp = NULL;
    tenable_cp_t c;
    if (cp_load(&c, checkpoint, t->http.config, e) != 0)
        return -1;
    int rc = -1;
    json_t *status = NULL;
    bool opened = false; /* this poll opened the export */
    int fetched = 0;     /* chunks taken in this poll */
    if (!c.taken) {
        if (open_export(t, &c, e) != 0)
            goto out;
        opened = true;
    }
    char url[256];
    snprintf(url, sizeof url, "/vulns/export/%s/status", c.uuid);
    http_response_t r;
    if (http_client_request(t->http.http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, e) != 0) {
        bool lost = r.status == 404;
        http_response_clear(&r);
        if (!lost)
            goto failed;
        /* Tenable forgets exports after a few days: open a new one now. */
        fs_log(FS_LOG_WARN, "adapter", "tenable_export_lost", "source=\"%s\" export=%s",
               t->http.name, c.uuid);
        cp_drop_export(&c);
        rc = 1;
        goto out;
    }
    fs_err_t pe = {0};
    status = tenable_parse_status(r.body, r.len, &pe);
    http_response_clear(&r);
    if (!status) {
        fs_err_set(e, "%s: GET %s: %s", t->http.name, url, pe.text);
        goto failed;
    }
    const char *st = json_string_value(json_object_get(status, "status"));
    if (strcmp(st, "CANCELLED") == 0 || strcmp(st, "ERROR") == 0) {
        fs_log(FS_LOG_WARN, "adapter", "tenable_export_failed", "source=\"%s\" export=%s status=%s",
               t->http.name, c.uuid, st);
        cp_drop_export(&c);
        rc = 1;
        goto out;
    }
    json_t *chunks = json_object_get(status, "chunks");
    size_t records = 0;
    bool pending = false; /* an available chunk is left for the next poll */
    size_t i;
    json_t *v;
    json_array_foreach(chunks, i, v)
    {
        json_int_t id = json_integer_value(v);
        if (taken(c.taken, id))
            continue;
        if (fetched >= t->http.max_pages || records >= CONNECTOR_MAX_RECORDS / 2 ||
            json_array_size(c.taken) >= TENABLE_MAX_TAKEN) {
            pending = true;
            break;
        }
        snprintf(url, sizeof url, "/vulns/export/%s/chunks/%lld", c.uuid, (long long)id);
        if (http_client_request(t->http.http, "GET", url, NULL, HTTP_IDEMPOTENT, &r, e) != 0) {
            http_response_clear(&r);
            goto failed;
        }
        json_t *vulns = tenable_parse_chunk(r.body, r.len, &pe);
        http_response_clear(&r);
        if (!vulns) {
            fs_err_set(e, "%s: GET %s: %s", t->http.name, url, pe.text);
            goto failed;
        }
        size_t k;
        json_t *vuln;
        json_array_foreach(vulns, k, vuln)
        {
            if (emit(arg, vuln) != 0) {
                json_decref(vulns);
                fs_err_set(e, "%s: the adapter took no more records in this poll", t->http.name);
                goto out;
            }
        }
        records += json_array_size(vulns);
        json_decref(vulns);
        json_array_append_new(c.taken, json_integer(id));
        fetched++;
    }
    if (json_array_size(c.taken) >= TENABLE_MAX_TAKEN && pending) {
        fs_err_set(e, "%s: export %s has more than %d chunks; raise num_assets", t->http.name,
                   c.uuid, TENABLE_MAX_TAKEN);
        goto out;
    }
    if (strcmp(st, "FINISHED") == 0 && !pending) {
        fs_log(FS_LOG_INFO, "adapter", "tenable_export_done", "source=\"%s\" export=%s chunks=%zu",
               t->http.name, c.uuid, json_array_size(c.taken));
        c.since = c.started;
        cp_drop_export(&c);
        rc = 0;
    } else {
        rc = pending ? 1 : 0; /* QUEUED / PROCESSING: ask again at the next interval */
    }
    goto out;
failed:
    /* A status or chunk request failed after this poll opened the export or
       took whole chunks: commit that progress (the export's uuid, the chunks
       taken; nothing of the failed chunk was emitted) rather than lose it and
       leave an orphan export at Tenable; the next poll asks again. */
    if (opened || fetched > 0) {
        char q[600];
        fs_log(FS_LOG_WARN, "adapter", "tenable_poll_incomplete",
               "source=\"%s\" export=%s chunks_taken=%d reason=%s", t->http.name, c.uuid, fetched,
               fs_log_quote(q, sizeof q, e->text));
        *e = (fs_err_t){0};
        rc = 0;
    }
out:
    if (rc >= 0)
        *next_cp = cp_dump(&c);
    json_decref(status);
    json_decref(c.taken);
    return rc;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t tenable_fields[] = {
    FS_FIELD("num_assets", FS_S_INT(50, 5000)),
    FS_FIELD("time_filter", FS_S_ENUM("since", "last_found")),
    FS_FIELD("state",
             FS_S_ARRAY(FS_S_ENUM("OPEN", "REOPENED", "FIXED", "open", "reopened", "fixed"), 1, 3)),
    FS_FIELD("severity", FS_S_ARRAY(FS_S_ENUM("info", "low", "medium", "high", "critical"), 1, 5)),
    FS_FIELDS_END,
};
static const fs_schema_t tenable_schema = {
    .type = FS_SCHEMA_OBJECT, .fields = {tenable_fields, source_http_fields, http_client_fields}};

const adapter_plugin_t source_tenable_vulns = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "tenable-vulns",
    .source_id = "tenable.vuln_export",
    .summary = "Tenable Vulnerability Management /vulns/export (X-ApiKeys; export job, status, "
               "chunks; checkpoint on the last export's start)",
    .init = init,
    .poll = poll,
    .cleanup = cleanup,
    .config_schema = &tenable_schema,
};
