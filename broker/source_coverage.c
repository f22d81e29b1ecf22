/*  source_coverage.c — consolidated alert coverage (docs/mna-gap.md): per
    site and source, what the adapter has configured (HEARTBEAT "sources":
    its silence threshold, events normalized, dead letters) beside what the
    broker stored (casestore_site_activity: events in the window, last
    arrival, lag).  A configured source that sent nothing for longer than
    its silence_alert_s raises one health event per silence: an audit entry
    "site.source_silent" (the console's event stream shows it) and, when the
    broker config says coverage.silent_source_case, a case of severity
    medium; events flowing again clear it ("site.source_flowing").

    State of the silences, in CASESTORE_DB_META "coverage:SITE":
      {SOURCE_ID: {"known_since": ms, "silent_since": ms | absent, "case_id"}}
    known_since is when the broker first heard of a source that never sent
    anything: its silence counts from there. */
#include "broker_internal.h"
#include "casestore_activity.h"
#include "site_coverage.h"

#include <string.h>

#define COVERAGE_DEFAULT_WINDOW_DAYS 7
#define COVERAGE_MAX_WINDOW_DAYS 366

static const fs_schema_field_t coverage_fields[] = {
    FS_FIELD("silent_source_case", FS_S_BOOL),
    FS_FIELD("window_days", FS_S_INT(1, COVERAGE_MAX_WINDOW_DAYS)),
    FS_FIELDS_END,
};
const fs_schema_t broker_coverage_schema = {.type = FS_SCHEMA_OBJECT, .fields = {coverage_fields}};

static const json_t *coverage_config(broker_t *b)
{
    return json_object_get(b->cfg.config, "coverage");
}

int coverage_window_days(broker_t *b, const json_t *args, fs_err_t *e)
{
    const json_t *w = json_object_get(args, "window_days");
    if (w && (!json_is_integer(w) || json_integer_value(w) < 1 ||
              json_integer_value(w) > COVERAGE_MAX_WINDOW_DAYS))
        return fs_err_setc(e, BROKER_E_INVALID, "args.window_days: an integer from 1 to %d",
                           COVERAGE_MAX_WINDOW_DAYS);
    if (w)
        return (int)json_integer_value(w);
    json_int_t c = json_integer_value(json_object_get(coverage_config(b), "window_days"));
    return c > 0 ? (int)c : COVERAGE_DEFAULT_WINDOW_DAYS;
}

/* ---- the silences ---------------------------------------------------------------- */

/* What a site's HEARTBEAT may make the broker keep: at most this many
   sources per site, ids of 1..127 printable characters (normalize source
   ids are [a-z0-9._-]), the adapter's own bounds on the threshold. */
#define COVERAGE_MAX_SOURCES 64
#define COVERAGE_MAX_SILENCE_S 31536000

static bool source_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 127)
        return false;
    for (size_t i = 0; i < n; i++)
        if (id[i] <= ' ' || id[i] > '~' || id[i] == '"' || id[i] == '\\')
            return false;
    return true;
}

static int audit_silence(broker_t *b, casestore_txn_t *txn, const char *kind, const char *site,
                         const char *source, json_t *details, fs_err_t *e)
{
    json_t *subject = json_pack("{s:s, s:s}", "site", site, "source", source);
    int rc = casestore_audit_append(b->store, txn, kind, "broker", subject, details, e);
    json_decref(subject);
    json_decref(details);
    return rc;
}

/* A case for a silent source: a synthetic finding stored as an event, so
   that the case has an alert to show; it correlates with nothing (no
   observables) and starts no playbook. */
static uint64_t open_silence_case(broker_t *b, casestore_txn_t *txn, const char *site,
                                  const char *source, int64_t last_ms, int64_t threshold_s,
                                  fs_err_t *e)
{
    char title[320], seen[40] = "";
    if (last_ms)
        fs_time_format(last_ms, seen, sizeof seen);
    snprintf(title, sizeof title, "Source %s at site %s is silent: %s%s (threshold %llds)", source,
             site, last_ms ? "last event " : "no event since it was configured",
             last_ms ? seen : "", (long long)threshold_s);
    int64_t now = fs_now_ms();
    json_t *ev = json_pack(
        "{s:i, s:s, s:I, s:i, s:s, s:s, s:{s:s, s:[s], s:s}, s:{s:{s:s}}, s:[], s:{s:s, s:o}}",
        "class_uid", 2004, "class_name", "Detection Finding", "time", (json_int_t)now,
        "severity_id", 3, "site", site, "source", "fedsoar.coverage", "finding_info", "title",
        title, "types", "fedsoar.source_silent", "uid", source, "metadata", "product", "name",
        "fedsoar broker", "observables", "unmapped", "silent_source", source, "last_event_ms",
        last_ms ? json_integer(last_ms) : json_null());
    char *text = json_dumps(ev, JSON_COMPACT);
    uint64_t event_id = text ? casestore_append_event(b->store, txn, text, strlen(text), e) : 0;
    free(text);
    bool created = false;
    uint64_t case_id = event_id
                           ? casestore_case_attach_alert(b->store, txn, ev, event_id,
                                                         b->cfg.correlation_window_ms, &created, e)
                           : 0;
    json_decref(ev);
    return case_id;
}

/* One configured source of a site, at a heartbeat: returns whether the
   state row changed. */
static int check_source(broker_t *b, casestore_txn_t *txn, const char *site, const json_t *src,
                        json_t *state, bool *changed, fs_err_t *e)
{
    const char *id = json_string_value(json_object_get(src, "source_id"));
    json_int_t threshold = json_integer_value(json_object_get(src, "silence_alert_s"));
    if (!source_id_ok(id) || threshold < 1 || threshold > COVERAGE_MAX_SILENCE_S)
        return 0; /* not what an adapter sends (docs/protocol.md §5.5): not tracked */
    int64_t now = fs_now_ms();
    json_t *st = json_object_get(state, id);
    if (!st) {
        json_object_set_new(state, id, st = json_pack("{s:I}", "known_since", (json_int_t)now));
        *changed = true;
    }
    int64_t last = casestore_site_source_last(b->store, txn, site, id);
    int64_t from = last ? last : json_integer_value(json_object_get(st, "known_since"));
    bool silent = now - from > threshold * 1000;
    bool was = json_object_get(st, "silent_since") != NULL;
    if (silent == was)
        return 0;
    *changed = true;
    if (silent) {
        json_object_set_new(st, "silent_since", json_integer(now));
        uint64_t case_id = 0;
        if (json_is_true(json_object_get(coverage_config(b), "silent_source_case")) &&
            !(case_id = open_silence_case(b, txn, site, id, last, threshold, e)))
            return -1;
        if (case_id)
            json_object_set_new(st, "case_id", json_integer((json_int_t)case_id));
        fs_log(FS_LOG_WARN, "broker", "source_silent",
               "site=%s source=%s last_event_ms=%lld silence_alert_s=%lld case_id=%llu", site, id,
               (long long)last, (long long)threshold, (unsigned long long)case_id);
        return audit_silence(b, txn, "site.source_silent", site, id,
                             json_pack("{s:o, s:I, s:o}", "last_event_ms",
                                       last ? json_integer(last) : json_null(), "silence_alert_s",
                                       threshold, "case_id",
                                       case_id ? json_integer((json_int_t)case_id) : json_null()),
                             e);
    }
    json_int_t since = json_integer_value(json_object_get(st, "silent_since"));
    json_int_t case_id = json_integer_value(json_object_get(st, "case_id"));
    json_object_del(st, "silent_since");
    json_object_del(st, "case_id");
    fs_log(FS_LOG_INFO, "broker", "source_flowing", "site=%s source=%s silent_for_ms=%lld", site,
           id, (long long)(now - since));
    if (case_id) {
        json_t *note = json_pack("{s:s}", "text", "The source sends events again.");
        int nrc =
            casestore_timeline_add_as(b->store, txn, (uint64_t)case_id, "note", note, "broker", e);
        json_decref(note);
        if (nrc != 0)
            return -1;
    }
    return audit_silence(b, txn, "site.source_flowing", site, id,
                         json_pack("{s:I, s:I, s:o}", "silent_since", since, "last_event_ms",
                                   (json_int_t)last, "case_id",
                                   case_id ? json_integer(case_id) : json_null()),
                         e);
}

void coverage_on_heartbeat(broker_t *b, session_t *s)
{
    const json_t *sources = json_object_get(s->reported, "sources");
    if (!json_is_array(sources) || json_array_size(sources) == 0)
        return;
    fs_err_t e = {0};
    casestore_txn_t *txn;
    if (casestore_begin(b->store, true, &txn, &e) != 0)
        goto fail;
    char key[96];
    snprintf(key, sizeof key, "coverage:%s", s->site);
    json_t *state = casestore_get_json(b->store, txn, CASESTORE_DB_META, key, strlen(key));
    if (!json_is_object(state)) {
        json_decref(state);
        state = json_object();
    }
    bool changed = false;
    int rc = 0;
    size_t i;
    json_t *src;
    json_array_foreach(sources, i, src)
    {
        if (i == COVERAGE_MAX_SOURCES)
            break;
        if ((rc = check_source(b, txn, s->site, src, state, &changed, &e)) != 0)
            break;
    }
    /* A source the adapter no longer has is no longer watched. */
    const char *id;
    json_t *st, *tmp;
    json_object_foreach_safe(state, tmp, id, st)
    {
        bool listed = false;
        json_array_foreach(sources, i, src)
        {
            if (i == COVERAGE_MAX_SOURCES)
                break;
            const char *sid = json_string_value(json_object_get(src, "source_id"));
            listed = listed || (sid && strcmp(sid, id) == 0);
        }
        if (!listed) {
            json_object_del(state, id);
            changed = true;
        }
    }
    if (rc == 0 && changed)
        rc = casestore_put_json(b->store, txn, CASESTORE_DB_META, key, strlen(key), state, &e);
    json_decref(state);
    if (rc == 0 && changed)
        rc = casestore_commit(&txn, &e);
    casestore_abort(&txn);
    if (rc == 0)
        return;
fail:
    fs_log(FS_LOG_ERROR, "broker", "coverage_check_failed", "site=%s reason=\"%s\"", s->site,
           e.text);
}

/* ---- the report ---------------------------------------------------------------- */

static void source_figures(json_t *row, const json_t *act, const json_t *conf, int window_days,
                           int64_t now)
{
    json_int_t events = json_integer_value(json_object_get(act, "events"));
    int64_t first = json_integer_value(json_object_get(act, "first_ms"));
    int64_t last = json_integer_value(json_object_get(act, "last_ms"));
    json_object_set_new(row, "events", json_integer(events));
    json_object_set_new(row, "events_total",
                        json_integer(json_integer_value(json_object_get(act, "events_total"))));
    json_object_set_new(row, "last_event_ms", last ? json_integer(last) : json_null());
    json_object_set_new(row, "last_event_age_s",
                        last ? json_integer((now - last) / 1000) : json_null());
    /* Events a minute over the part of the window the source existed in. */
    int64_t span = (int64_t)window_days * 86400000LL;
    if (first && now - first < span)
        span = now - first;
    if (span < 60000)
        span = 60000;
    json_object_set_new(row, "rate_per_min", json_real((double)events * 60000.0 / (double)span));
    json_object_set(row, "lag_p50_s", json_object_get(act, "lag_p50_s") ?: json_null());
    json_object_set(row, "lag_p95_s", json_object_get(act, "lag_p95_s") ?: json_null());
    json_object_set_new(row, "lag_samples",
                        json_integer(json_integer_value(json_object_get(act, "lag_samples"))));
    json_int_t norm = json_integer_value(json_object_get(conf, "normalized"));
    json_int_t dead = json_integer_value(json_object_get(conf, "dead_letters"));
    json_object_set_new(row, "normalized", conf ? json_integer(norm) : json_null());
    json_object_set_new(row, "dead_letters", conf ? json_integer(dead) : json_null());
    json_object_set_new(row, "dead_letter_ratio",
                        conf && norm + dead > 0 ? json_real((double)dead / (double)(norm + dead))
                                                : json_null());
}

static json_t *site_coverage(broker_t *b, casestore_txn_t *txn, const char *site, const json_t *rec,
                             int window_days, int64_t now)
{
    json_t *activity = casestore_site_activity(b->store, txn, site, window_days, now);
    char key[96];
    snprintf(key, sizeof key, "coverage:%s", site);
    json_t *state = casestore_get_json(b->store, txn, CASESTORE_DB_META, key, strlen(key));
    json_t *out = json_object();
    size_t i;
    json_t *conf;
    /* What the adapter has configured, first. */
    json_array_foreach(json_object_get(rec, "sources"), i, conf)
    {
        if (i == COVERAGE_MAX_SOURCES)
            break; /* what the silence check watches, no more */
        const char *id = json_string_value(json_object_get(conf, "source_id"));
        json_int_t limit = json_integer_value(json_object_get(conf, "silence_alert_s"));
        if (!source_id_ok(id) || limit < 1 || limit > COVERAGE_MAX_SILENCE_S ||
            json_object_get(out, id))
            continue;
        const json_t *act = json_object_get(json_object_get(activity, "sources"), id);
        json_int_t threshold = json_integer_value(json_object_get(conf, "silence_alert_s"));
        json_t *row = json_pack("{s:b, s:O?, s:O?, s:I}", "expected", true, "name",
                                json_object_get(conf, "name"), "type",
                                json_object_get(conf, "type"), "silence_alert_s", threshold);
        source_figures(row, act, conf, window_days, now);
        const json_t *st = json_object_get(state, id);
        json_int_t silent_since = json_integer_value(json_object_get(st, "silent_since"));
        int64_t last = json_integer_value(json_object_get(act, "last_ms"));
        bool flowing = last && now - last <= threshold * 1000 &&
                       json_integer_value(json_object_get(act, "events")) > 0;
        json_object_set_new(row, "flowing", json_boolean(flowing));
        json_object_set_new(row, "state",
                            json_string(silent_since ? "silent"
                                        : flowing    ? "flowing"
                                        : last       ? "quiet"
                                                     : "never"));
        json_object_set_new(row, "silent_since",
                            silent_since ? json_integer(silent_since) : json_null());
        json_object_set(row, "case_id", json_object_get(st, "case_id") ?: json_null());
        json_object_set_new(out, id, row);
    }
    /* Then what flowed without being configured (a replay, a removed source). */
    const char *id;
    const json_t *act;
    json_object_foreach(json_object_get(activity, "sources"), id, act)
    {
        if (json_object_get(out, id))
            continue;
        json_t *row =
            json_pack("{s:b, s:n, s:n, s:n}", "expected", false, "name", "type", "silence_alert_s");
        source_figures(row, act, NULL, window_days, now);
        json_object_set_new(row, "flowing",
                            json_boolean(json_integer_value(json_object_get(act, "events")) > 0));
        json_object_set_new(row, "state", json_string("unexpected"));
        json_object_set_new(row, "silent_since", json_null());
        json_object_set_new(row, "case_id", json_null());
        json_object_set_new(out, id, row);
    }
    json_decref(state);
    json_decref(activity);
    return out;
}

json_t *control_sites_coverage(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    int window = coverage_window_days(b, args, e);
    if (window < 0)
        return NULL;
    const char *only = json_string_value(json_object_get(args, "site"));
    if (who->role && strcmp(who->role, "site-admin") == 0)
        only = who->site ? who->site : "";
    json_t *sites = control_sites(b, txn, NULL, who, e);
    if (!sites)
        return NULL;
    int64_t now = fs_now_ms();
    json_t *out = json_object();
    const char *site;
    json_t *rec;
    json_object_foreach(sites, site, rec)
    {
        if (only && strcmp(only, site) != 0)
            continue;
        json_t *srcs = site_coverage(b, txn, site, rec, window, now);
        size_t expected = 0, flowing = 0;
        const char *k;
        json_t *row;
        json_object_foreach(srcs, k, row)
        {
            expected += json_is_true(json_object_get(row, "expected"));
            flowing += json_is_true(json_object_get(row, "expected")) &&
                       json_is_true(json_object_get(row, "flowing"));
        }
        json_object_set_new(
            out, site,
            json_pack("{s:O, s:O?, s:I, s:I, s:o}", "connected", json_object_get(rec, "connected"),
                      "health", json_object_get(rec, "health"), "expected", (json_int_t)expected,
                      "flowing", (json_int_t)flowing, "sources", srcs));
    }
    json_decref(sites);
    return json_pack("{s:i, s:I, s:b, s:o}", "window_days", window, "generated_ms", (json_int_t)now,
                     "silent_source_case",
                     json_is_true(json_object_get(coverage_config(b), "silent_source_case")),
                     "sites", out);
}
