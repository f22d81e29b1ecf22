/*  control_sites.c — control commands about sites: stats, sites,
    route.explain (docs/cli.md). `sites` is what GET /api/v1/sites shows:
    per site its record (what its HELLO and HEARTBEATs reported), health,
    backlog (the site's outbox, and the commands and requests journaled for
    it and not yet answered) and connectors. */
#include "broker_internal.h"

#include <string.h>

/* Counters "refused/SITE/REASON" -> {"SITE": {"REASON": n}}. */
static int collect_refused(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    json_t *out = arg;
    char name[128];
    if (key->len >= sizeof name || val->len != 8)
        return 0;
    memcpy(name, key->data, key->len);
    name[key->len] = '\0';
    char *site = strncmp(name, "refused/", 8) == 0 ? name + 8 : NULL;
    char *reason = site ? strchr(site, '/') : NULL;
    if (!reason)
        return 0;
    *reason++ = '\0';
    json_t *per = json_object_get(out, site);
    if (!per)
        json_object_set_new(out, site, per = json_object());
    json_object_set_new(per, reason, json_integer((json_int_t)fs_u64_from_be(val->data)));
    return 0;
}

json_t *control_refused_counts(broker_t *b, casestore_txn_t *txn)
{
    json_t *out = json_object();
    casestore_foreach(b->store, txn, CASESTORE_DB_COUNTERS, false, collect_refused, out);
    return out;
}

/* stats "store": whether writes succeed, and why not (docs/operations.md
   "When the disk fills"). */
static json_t *store_health_json(broker_t *b)
{
    casestore_health_t h;
    casestore_health(b->store, &h);
    json_t *failures = json_object();
    for (int c = 0; c < CASESTORE_CAUSE_COUNT; c++)
        json_object_set_new(failures, casestore_cause_name((casestore_cause_t)c),
                            json_integer((json_int_t)h.failures[c]));
    /* Commit times: how many took up to each bound (cumulative, as a
       Prometheus histogram), and the longest. */
    json_t *le = json_object();
    uint64_t cumulative = 0;
    for (int i = 0; i < CASESTORE_COMMIT_BUCKETS; i++) {
        char bound[16];
        snprintf(bound, sizeof bound, "%g", CASESTORE_COMMIT_BOUNDS_MS[i]);
        cumulative += h.commit_bucket[i];
        json_object_set_new(le, bound, json_integer((json_int_t)cumulative));
    }
    json_t *commits = json_pack("{s:I, s:f, s:o}", "count", (json_int_t)h.commits, "max_ms",
                                (double)h.commit_max_us / 1000, "le_ms", le);
    return json_pack("{s:s, s:s?, s:s?, s:o, s:o, s:I, s:o, s:I, s:I, s:I, s:o}", "state",
                     h.failing ? "failing" : "ok", "cause",
                     h.failing ? casestore_cause_name(h.cause) : NULL, "last_error",
                     h.last_error[0] ? h.last_error : NULL, "since",
                     h.failing ? json_integer(h.since_ms) : json_null(), "recovered",
                     h.recovered_ms ? json_integer(h.recovered_ms) : json_null(), "last_outage_ms",
                     (json_int_t)h.last_outage_ms, "failures", failures, "map_mb",
                     (json_int_t)h.map_mb, "map_max_mb", (json_int_t)h.map_max_mb, "map_grown",
                     (json_int_t)h.map_grown, "commits", commits);
}

/* Values the sites' normalizers could not convert in records they kept:
   {"total": N, "per_site": {site: {source: {field: count}}}}, as each
   adapter last reported (HEARTBEAT "normalize_warnings"). */
static json_t *normalize_warnings_json(broker_t *b, casestore_txn_t *txn)
{
    json_t *records = broker_site_records(b, txn), *per = json_object();
    json_int_t total = 0;
    const char *site;
    json_t *rec;
    json_object_foreach(records, site, rec)
    {
        json_t *w = json_object_get(rec, "normalize_warnings");
        if (!json_object_size(w))
            continue;
        const char *source, *field;
        json_t *fields, *n;
        json_object_foreach(w, source, fields) json_object_foreach(fields, field, n) total +=
            json_integer_value(n);
        json_object_set(per, site, w);
    }
    json_decref(records);
    return json_pack("{s:I, s:o}", "total", total, "per_site", per);
}

json_t *control_stats(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                      fs_err_t *e)
{
    (void)args, (void)e, (void)who;
    json_t *records = broker_site_records(b, txn);
    json_t *ev_per = json_object(), *dl_per = json_object(), *connected = json_array();
    json_int_t dl_total = 0;
    const char *site;
    json_t *rec;
    json_object_foreach(records, site, rec)
    {
        char name[96];
        snprintf(name, sizeof name, "events/%s", site);
        json_object_set_new(ev_per, site,
                            json_integer((json_int_t)casestore_counter(b->store, txn, name)));
        json_int_t dl = json_integer_value(json_object_get(rec, "dead_letters"));
        json_object_set_new(dl_per, site, json_integer(dl));
        dl_total += dl;
        session_t *s = zhashx_lookup(b->sessions, site);
        if (s && s->connected)
            json_array_append_new(connected, json_string(site));
    }
    json_t *dup_per = json_object(), *refused = control_refused_counts(b, txn);
    json_object_foreach(records, site, rec)
    {
        char name[96];
        snprintf(name, sizeof name, "duplicates/%s", site);
        json_object_set_new(dup_per, site,
                            json_integer((json_int_t)casestore_counter(b->store, txn, name)));
    }
    json_decref(records);
    uint64_t cmds = casestore_counter(b->store, txn, "commands");
    uint64_t answered = casestore_counter(b->store, txn, "commands/answered");
    json_t *out = json_pack(
        "{s:{s:I, s:o, s:o, s:o}, s:{s:I, s:o}, s:I, s:I, s:{s:I, s:I, s:I}, s:o, s:{s:I}}",
        "events", "total", (json_int_t)casestore_counter(b->store, txn, "events"), "per_site",
        ev_per, "duplicates_per_site", dup_per, "refused_per_site", refused, "dead_letters",
        "total", dl_total, "per_site", dl_per, "cases",
        (json_int_t)casestore_counter(b->store, txn, "cases"), "runs",
        (json_int_t)casestore_counter(b->store, txn, "runs"), "commands", "total", (json_int_t)cmds,
        "answered", (json_int_t)answered, "pending", (json_int_t)(cmds - answered),
        "connected_sites", connected, "handshakes", "refused", (json_int_t)b->handshakes.refused);
    json_object_set_new(out, "store", store_health_json(b));
    json_object_set_new(out, "normalize_warnings", normalize_warnings_json(b, txn));
    return out;
}

/* A site's journal of what awaits its answer (CASESTORE_DB_PENDING
   "site\0id" -> 'C' command | 'R' request), counted up to PENDING_COUNT_MAX. */
#define PENDING_COUNT_MAX 100000
struct pending_ctx {
    const char *site;
    size_t len;
    json_int_t commands, requests;
};

static int count_pending(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    struct pending_ctx *p = arg;
    if (key->len <= p->len || memcmp(key->data, p->site, p->len + 1) != 0)
        return 1; /* past this site's rows */
    if (val->len == 1 && ((const char *)val->data)[0] == 'R')
        p->requests++;
    else
        p->commands++;
    return p->commands + p->requests >= PENDING_COUNT_MAX;
}

/* ok / degraded / down, and why: the connection, the heartbeat's age,
   and what the site or the broker had to refuse. */
static void health_of(json_t *rec, bool connected, const json_t *refused)
{
    json_t *why = json_array();
    int64_t hb = json_integer_value(json_object_get(rec, "last_heartbeat"));
    int64_t age = hb ? fs_now_ms() - hb : -1;
    if (!connected)
        json_array_append_new(why, json_string("not connected"));
    else if (age < 0 || age > (int64_t)FSP_LIVENESS * FSP_HEARTBEAT_MS)
        json_array_append_new(why, json_string("no heartbeat within the liveness interval"));
    if (json_integer_value(json_object_get(rec, "dead_letters")) > 0)
        json_array_append_new(why, json_string("the site dead-lettered events"));
    if (json_integer_value(json_object_get(rec, "outbox_full")) > 0)
        json_array_append_new(why, json_string("the site's outbox refused events (full)"));
    if (json_object_size(refused) > 0)
        json_array_append_new(why, json_string("the broker refused events of this site"));
    const char *state = !connected || (age < 0 || age > (int64_t)FSP_LIVENESS * FSP_HEARTBEAT_MS)
                            ? (connected ? "degraded" : "down")
                        : json_array_size(why) ? "degraded"
                                               : "ok";
    json_object_set_new(rec, "health", json_string(state));
    json_object_set_new(rec, "health_reasons", why);
    json_object_set_new(rec, "heartbeat_age_ms", age >= 0 ? json_integer(age) : json_null());
}

json_t *control_sites(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                      fs_err_t *e)
{
    (void)args, (void)e, (void)who;
    json_t *records = broker_site_records(b, txn);
    json_t *refused = control_refused_counts(b, txn);
    const char *site;
    json_t *rec;
    json_object_foreach(records, site, rec)
    {
        session_t *s = zhashx_lookup(b->sessions, site);
        bool connected = s && s->connected;
        char name[96];
        snprintf(name, sizeof name, "events/%s", site);
        json_object_set_new(rec, "connected", json_boolean(connected));
        json_object_set_new(rec, "events_received",
                            json_integer((json_int_t)casestore_counter(b->store, txn, name)));
        json_object_set(rec, "last_seen",
                        json_object_get(rec, "last_heartbeat")
                            ? json_object_get(rec, "last_heartbeat")
                            : json_null());
        json_t *ref = json_object_get(refused, site);
        json_object_set_new(rec, "refused_events", ref ? json_incref(ref) : json_object());
        health_of(rec, connected, ref);
        struct pending_ctx p = {site, strlen(site), 0, 0};
        casestore_foreach_from(b->store, txn, CASESTORE_DB_PENDING, site, p.len + 1, count_pending,
                               &p);
        json_object_set_new(rec, "backlog",
                            json_pack("{s:I, s:I, s:O?}", "commands", p.commands, "requests",
                                      p.requests, "outbox",
                                      json_object_get(rec, "outbox_backlog")));
        if (!json_object_get(rec, "capabilities"))
            json_object_set_new(rec, "capabilities", json_null());
        if (!json_object_get(rec, "connectors"))
            json_object_set_new(rec, "connectors", json_null()); /* an adapter before 0.2 */
    }
    json_decref(refused);
    return records;
}

json_t *control_route_explain(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e)
{
    (void)txn, (void)who;
    const json_t *command = json_object_get(args, "command");
    char reason[256];
    int verdict =
        json_is_object(command) ? openc2_validate_command(command, reason, sizeof reason) : 400;
    if (verdict != OPENC2_VALID) {
        fs_err_setc(e, BROKER_E_INVALID, "%d %s", verdict,
                    json_is_object(command) ? reason : "args.command: an OpenC2 command object");
        return NULL;
    }
    json_t *ex = NULL;
    json_t *sites =
        route_decide(b->routes, command, json_string_value(json_object_get(args, "site")), &ex);
    json_decref(sites);
    return ex; /* never NULL: allocation failure aborts (common.h) */
}
