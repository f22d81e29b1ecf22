/*  http_metrics.c — GET /metrics: the Prometheus text exposition format
    0.0.4 (docs/operations.md "Metrics", docs/internals/http_stream.md).

    Two sides, as everywhere in the HTTPS API:
    - HTTP side: http_metrics_count() counts every answered request by
      route pattern and status code, in a small table behind a mutex
      (libmicrohttpd's threads), and http_metrics_append() adds it to the
      text the loop made;
    - loop side: the control command metrics.prometheus reads the broker's
      counters, site records, live sessions and the round-trip histogram
      (commands.c notes each in the transaction's outbound queue, and
      delivery_flush observes it with metrics_observe_roundtrip after the
      commit). */
#include "broker_internal.h"
#include "http_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- text ------------------------------------------------------------------ */

/* Appends printf-style to the NUL-terminated *text of *len bytes. */
static void __attribute__((format(printf, 3, 4)))
appendf(char **text, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = fs_xvasprintf(fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    *text = fs_xrealloc(*text, *len + n + 1);
    memcpy(*text + *len, line, n + 1);
    *len += n;
    free(line);
}

/* A label value as the format wants it: \ " and newline escaped. */
static const char *label(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (; in && *in && o + 3 < size; in++) {
        if (*in == '\\' || *in == '"') {
            out[o++] = '\\';
            out[o++] = *in;
        } else if (*in == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *in;
        }
    }
    out[o] = '\0';
    return out;
}

static void family(char **text, size_t *len, const char *name, const char *type, const char *help)
{
    appendf(text, len, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* ---- HTTP side: requests by route and code ------------------------------------ */

#define HTTP_COUNTERS_MAX 512  /* route patterns x codes */
#define HTTP_COUNTERS_OTHER 16 /* rows kept for route="(other)" when the rest are taken */

static struct {
    pthread_mutex_t lock;
    size_t n;
    struct {
        char route[112];
        unsigned code;
        uint64_t count;
    } row[HTTP_COUNTERS_MAX];
} http_requests = {.lock = PTHREAD_MUTEX_INITIALIZER};

void http_metrics_count(const char *route, unsigned status)
{
    if (!route || !*route)
        route = "(none)";
    pthread_mutex_lock(&http_requests.lock);
    for (int pass = 0; pass < 2; pass++) {
        size_t i = 0;
        for (; i < http_requests.n; i++)
            if (http_requests.row[i].code == status &&
                strcmp(http_requests.row[i].route, route) == 0)
                break;
        if (i == http_requests.n) {
            /* The last rows are kept for "(other)": whatever did not fit. */
            if (pass == 0 && i >= HTTP_COUNTERS_MAX - HTTP_COUNTERS_OTHER) {
                route = "(other)";
                continue;
            }
            if (i >= HTTP_COUNTERS_MAX)
                break; /* dropped: 16 codes of "(other)" already */
            snprintf(http_requests.row[i].route, sizeof http_requests.row[i].route, "%s", route);
            http_requests.row[i].code = status;
            http_requests.n++;
        }
        http_requests.row[i].count++;
        break;
    }
    pthread_mutex_unlock(&http_requests.lock);
}

void http_metrics_append(char **text, size_t *len)
{
    family(text, len, "fedsoar_http_requests_total", "counter",
           "HTTPS API requests answered, by route pattern and status code.");
    pthread_mutex_lock(&http_requests.lock);
    for (size_t i = 0; i < http_requests.n; i++) {
        char route[240];
        appendf(text, len, "fedsoar_http_requests_total{route=\"%s\",code=\"%u\"} %llu\n",
                label(http_requests.row[i].route, route, sizeof route), http_requests.row[i].code,
                (unsigned long long)http_requests.row[i].count);
    }
    pthread_mutex_unlock(&http_requests.lock);
}

/* ---- loop side: the round-trip histogram -------------------------------------- */

static const double roundtrip_bounds[BROKER_ROUNDTRIP_BUCKETS] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                                  1,    2.5,   5,    10,  30,   60};

void metrics_observe_roundtrip(broker_t *b, double seconds)
{
    if (seconds < 0)
        seconds = 0;
    for (size_t i = 0; i < BROKER_ROUNDTRIP_BUCKETS; i++)
        if (seconds <= roundtrip_bounds[i]) {
            b->roundtrip.bucket[i]++;
            break;
        }
    b->roundtrip.count++;
    b->roundtrip.sum += seconds;
}

/* A histogram family: bucket[i] counts observations in (bounds[i-1],
   bounds[i]] (seconds times `scale`), count all of them, sum their seconds. */
static void histogram_append(char **text, size_t *len, const char *name, const char *help,
                             const double *bounds, double scale, const uint64_t *bucket, size_t n,
                             uint64_t count, double sum)
{
    family(text, len, name, "histogram", help);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < n; i++) {
        cumulative += bucket[i];
        appendf(text, len, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i] / scale,
                (unsigned long long)cumulative);
    }
    appendf(text, len, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
            (unsigned long long)count, name, sum, name, (unsigned long long)count);
}

static void roundtrip_append(broker_t *b, char **text, size_t *len)
{
    histogram_append(text, len, "fedsoar_command_roundtrip_seconds",
                     "Seconds from journaling an OpenC2 command to its site's final RESPONSE "
                     "(since the broker started).",
                     roundtrip_bounds, 1, b->roundtrip.bucket, BROKER_ROUNDTRIP_BUCKETS,
                     b->roundtrip.count, b->roundtrip.sum);
}

/* ---- loop side: state by status ------------------------------------------------ */

/* Rows a status scan reads at most (per family and scrape). */
#define STATUS_SCAN_MAX 100000

typedef struct status_scan {
    const char *const *names; /* the statuses counted, NULL-terminated */
    uint64_t count[8];
    size_t rows;
    bool truncated;
} status_scan_t;

static int count_status(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)key;
    status_scan_t *s = arg;
    if (++s->rows > STATUS_SCAN_MAX) {
        s->truncated = true;
        return 1;
    }
    fs_json_pick_t pick = {.path = "status"};
    if (fs_json_pick(val->data, val->len, &pick, 1) != 0 || pick.found != FS_PICK_STRING)
        return 0;
    for (size_t i = 0; i < 8 && s->names[i]; i++)
        if (strlen(s->names[i]) == pick.len && memcmp(s->names[i], pick.at, pick.len) == 0)
            s->count[i]++;
    return 0;
}

/* Runs and approvals by status: a bounded scan of their status fields
   (STATUS_SCAN_MAX rows; a larger store is undercounted and logged).
   Cases come from the casestore's aggregates instead. */
static status_scan_t status_scan_bounded(broker_t *b, casestore_txn_t *txn, casestore_db_t db,
                                         const char *const *names, const char *what)
{
    status_scan_t s = {.names = names};
    casestore_foreach(b->store, txn, db, false, count_status, &s);
    if (s.truncated)
        fs_log(FS_LOG_WARN, "broker", "metrics_scan_truncated", "what=%s rows=%d", what,
               STATUS_SCAN_MAX);
    return s;
}

static void by_status(char **text, size_t *len, const char *name, const char *lbl,
                      const status_scan_t *s)
{
    for (size_t i = 0; s->names[i]; i++)
        appendf(text, len, "%s{%s=\"%s\"} %llu\n", name, lbl, s->names[i],
                (unsigned long long)s->count[i]);
}

/* ---- loop side: per site ------------------------------------------------------- */

typedef struct site_rows {
    json_t *records; /* site -> record */
    json_t *refused; /* {site: {reason: n}} */
    json_t *pending; /* site -> n */
} site_rows_t;

static int collect_pending(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)val;
    site_rows_t *r = arg;
    const char *k = key->data;
    const char *nul = memchr(k, '\0', key->len);
    if (!nul)
        return 0;
    char site[64];
    snprintf(site, sizeof site, "%.*s", (int)(nul - k), k);
    json_object_set_new(r->pending, site,
                        json_integer(json_integer_value(json_object_get(r->pending, site)) + 1));
    return 0;
}

/* What the adapter last reported as its outbox backlog; -1 when it never said. */
static json_int_t outbox_backlog(const json_t *rec)
{
    json_t *v = json_object_get(rec, "outbox_backlog");
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

static void per_site(broker_t *b, casestore_txn_t *txn, char **text, size_t *len)
{
    site_rows_t r = {broker_site_records(b, txn), NULL, json_object()};
    r.refused = control_refused_counts(b, txn);
    casestore_foreach(b->store, txn, CASESTORE_DB_PENDING, false, collect_pending, &r);
    const char *site;
    json_t *rec;
    char l[160], l2[160];

    family(text, len, "fedsoar_events_received_total", "counter",
           "Events stored from each site (after admission and deduplication).");
    json_object_foreach(r.records, site, rec)
    {
        char name[96];
        snprintf(name, sizeof name, "events/%s", site);
        appendf(text, len, "fedsoar_events_received_total{site=\"%s\"} %llu\n",
                label(site, l, sizeof l),
                (unsigned long long)casestore_counter(b->store, txn, name));
    }
    family(text, len, "fedsoar_dead_letters_total", "counter",
           "Records the site's adapter could not map, as it last reported.");
    json_object_foreach(r.records, site, rec) appendf(
        text, len, "fedsoar_dead_letters_total{site=\"%s\"} %lld\n", label(site, l, sizeof l),
        (long long)json_integer_value(json_object_get(rec, "dead_letters")));
    family(text, len, "fedsoar_normalize_warnings_total", "counter",
           "Values that did not convert (time, number, enum, address) in records the site's "
           "adapter kept, by source and vendor field, as it last reported.");
    json_object_foreach(r.records, site, rec)
    {
        const char *source, *field;
        json_t *fields, *n;
        json_object_foreach(json_object_get(rec, "normalize_warnings"), source, fields)
            json_object_foreach(fields, field, n)
        {
            char l3[160];
            appendf(text, len,
                    "fedsoar_normalize_warnings_total{site=\"%s\",source=\"%s\",field=\"%s\"} "
                    "%lld\n",
                    label(site, l, sizeof l), label(source, l2, sizeof l2),
                    label(field, l3, sizeof l3), (long long)json_integer_value(n));
        }
    }
    family(text, len, "fedsoar_events_refused_total", "counter",
           "Events refused at admission, by site and reason.");
    const char *refused_site, *reason;
    json_t *per, *count;
    json_object_foreach(r.refused, refused_site, per) json_object_foreach(per, reason, count)
        appendf(text, len, "fedsoar_events_refused_total{site=\"%s\",reason=\"%s\"} %lld\n",
                label(refused_site, l, sizeof l), label(reason, l2, sizeof l2),
                (long long)json_integer_value(count));
    family(text, len, "fedsoar_duplicates_total", "counter",
           "Events a site sent again that were already stored.");
    json_object_foreach(r.records, site, rec)
    {
        char name[96];
        snprintf(name, sizeof name, "duplicates/%s", site);
        appendf(text, len, "fedsoar_duplicates_total{site=\"%s\"} %llu\n", label(site, l, sizeof l),
                (unsigned long long)casestore_counter(b->store, txn, name));
    }
    family(text, len, "fedsoar_site_connected", "gauge",
           "1 when the site's adapter is connected now, else 0.");
    json_object_foreach(r.records, site, rec)
    {
        session_t *s = zhashx_lookup(b->sessions, site);
        appendf(text, len, "fedsoar_site_connected{site=\"%s\"} %d\n", label(site, l, sizeof l),
                s && s->connected ? 1 : 0);
    }
    family(text, len, "fedsoar_outbox_backlog", "gauge",
           "Events waiting in the site's outbox, as its adapter last reported.");
    json_object_foreach(r.records, site, rec)
    {
        json_int_t n = outbox_backlog(rec);
        if (n >= 0)
            appendf(text, len, "fedsoar_outbox_backlog{site=\"%s\"} %lld\n",
                    label(site, l, sizeof l), (long long)n);
    }
    family(text, len, "fedsoar_pending_commands", "gauge",
           "Commands and requests journaled for the site and not finally answered.");
    json_object_foreach(r.records, site, rec)
        appendf(text, len, "fedsoar_pending_commands{site=\"%s\"} %lld\n", label(site, l, sizeof l),
                (long long)json_integer_value(json_object_get(r.pending, site)));
    json_decref(r.records);
    json_decref(r.refused);
    json_decref(r.pending);
}

json_t *control_metrics_prometheus(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                   const caller_t *who, fs_err_t *e)
{
    (void)args, (void)who, (void)e;
    char *text = NULL;
    size_t len = 0;
    per_site(b, txn, &text, &len);

    static const char *const run_states[] = {"running", "waiting", "completed",
                                             "failed",  "denied",  NULL};
    static const char *const open_only[] = {"open", NULL};
    status_scan_t runs = status_scan_bounded(b, txn, CASESTORE_DB_RUNS, run_states, "runs");
    status_scan_t gates =
        status_scan_bounded(b, txn, CASESTORE_DB_APPROVALS, open_only, "approvals");
    family(&text, &len, "fedsoar_cases", "gauge", "Cases by status.");
    json_t *cases = casestore_case_status_counts(b->store, txn, NULL);
    const char *status;
    json_t *n;
    json_object_foreach(cases, status, n)
        appendf(&text, &len, "fedsoar_cases{status=\"%s\"} %lld\n", status,
                (long long)json_integer_value(n));
    json_decref(cases);
    family(&text, &len, "fedsoar_runs", "gauge", "Playbook runs by state.");
    by_status(&text, &len, "fedsoar_runs", "state", &runs);
    family(&text, &len, "fedsoar_approvals_pending", "gauge",
           "Approval gates open and waiting for votes.");
    appendf(&text, &len, "fedsoar_approvals_pending %llu\n", (unsigned long long)gates.count[0]);

    roundtrip_append(b, &text, &len);
    family(&text, &len, "fedsoar_handshakes_refused_total", "counter",
           "CURVE handshakes refused since the broker started.");
    appendf(&text, &len, "fedsoar_handshakes_refused_total %llu\n",
            (unsigned long long)b->handshakes.refused);
    casestore_health_t h; /* docs/operations.md "When the disk fills" */
    casestore_health(b->store, &h);
    family(&text, &len, "fedsoar_store_commit_failures_total", "counter",
           "Write transactions of the broker's store that failed to commit, by cause.");
    for (int c = 0; c < CASESTORE_CAUSE_COUNT; c++)
        appendf(&text, &len, "fedsoar_store_commit_failures_total{cause=\"%s\"} %llu\n",
                casestore_cause_name((casestore_cause_t)c), (unsigned long long)h.failures[c]);
    family(&text, &len, "fedsoar_store_failing", "gauge",
           "1 while the broker's store cannot commit (nothing new is stored or acknowledged).");
    appendf(&text, &len, "fedsoar_store_failing %d\n", h.failing ? 1 : 0);
    histogram_append(&text, &len, "fedsoar_store_commit_seconds",
                     "Seconds a write commit of the broker's store took (its pages written and "
                     "flushed).",
                     CASESTORE_COMMIT_BOUNDS_MS, 1000, h.commit_bucket, CASESTORE_COMMIT_BUCKETS,
                     h.commits, (double)h.commit_sum_us / 1e6);
    family(&text, &len, "fedsoar_store_map_bytes", "gauge",
           "Size of the store's LMDB map (it grows up to store.map_max_mb).");
    appendf(&text, &len, "fedsoar_store_map_bytes %llu\n", (unsigned long long)h.map_mb << 20);
    family(&text, &len, "fedsoar_audit_head", "gauge", "Seq of the last audit chain entry.");
    appendf(&text, &len, "fedsoar_audit_head %llu\n",
            (unsigned long long)casestore_audit_head(b->store, txn));
    json_t *result = json_pack("{s:s#}", "text", text ? text : "", len);
    free(text);
    return result;
}
