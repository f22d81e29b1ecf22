/*  runs.c — durable playbook runs on the broker: which playbooks a finding
    starts, and advancing a run.

    The engine (playbooks/engine.c) decides; effects.c makes its decisions
    durable.  Every advance of a run happens inside one LMDB transaction
    together with all the effects it produced: journaled commands and
    requests, approval gates, timer rows, case changes and timeline lines.
    A broker killed at any instant has all of an advance or none of it.
    What wakes a run — a response, a result, a vote, a timer — is itself a
    stored row or is redelivered by the site, so nothing lives only in
    memory (runs_wake).  Everything an advance needs travels in one
    run_ctx_t, including where sub-playbooks are looked up. */
#include "broker_internal.h"
#include "rollout_internal.h"
#include "jq_program.h"
#include "ocsf.h"

#include <string.h>

#define MAX_IMMEDIATE 32      /* advances in a row for effects that fail at once */
#define MAX_SHADOW_ROUNDS 512 /* a shadow run answers every effect at once */

/* ---- playbook versions ---------------------------------------------------- */

static void playbook_free(void **item)
{
    playbook_destroy((playbook_t **)item);
}

/* The playbook a run started with, by version; loaded from CASESTORE_DB_PLAYBOOKS
   when it is no longer the active file (runs finish on their version). */
static const playbook_t *by_version(broker_t *b, casestore_txn_t *txn, const char *version)
{
    if (!b->versions) {
        b->versions = zhashx_new();
        zhashx_set_destructor(b->versions, playbook_free);
    }
    const playbook_t *pb = zhashx_lookup(b->versions, version);
    if (pb)
        return pb;
    for (size_t i = 0; i < playbook_set_count(b->playbooks); i++)
        if (strcmp(playbook_version(playbook_set_get(b->playbooks, i)), version) == 0)
            return playbook_set_get(b->playbooks, i);
    json_t *doc =
        casestore_get_json(b->store, txn, CASESTORE_DB_PLAYBOOKS, version, strlen(version));
    fs_err_t e = {0};
    playbook_t *loaded = doc ? playbook_parse(doc, version, &e) : NULL;
    json_decref(doc);
    if (loaded)
        zhashx_insert(b->versions, version, loaded);
    return loaded;
}

static const playbook_t *by_name(void *arg, const char *name)
{
    run_ctx_t *c = arg;
    broker_t *b = c->b;
    if (b->gov && c->txn) {
        /* Under governance a sub-playbook is the version active at the
           run's site, never an unreviewed file. */
        json_t *active = governance_site_versions(b, c->txn, c->site, c->shadow);
        const char *version = json_string_value(json_object_get(active, name));
        if (!version && c->shadow) {
            json_decref(active);
            active = governance_site_versions(b, c->txn, c->site, false);
            version = json_string_value(json_object_get(active, name));
        }
        const playbook_t *pb = version ? by_version(b, c->txn, version) : NULL;
        json_decref(active);
        return pb;
    }
    for (size_t i = 0; i < playbook_set_count(b->playbooks); i++)
        if (strcmp(playbook_name(playbook_set_get(b->playbooks, i)), name) == 0)
            return playbook_set_get(b->playbooks, i);
    return NULL;
}

/* ---- what every effect handler shares ---------------------------------------- */

uint64_t runs_id_of(const json_t *run)
{
    return (uint64_t)json_integer_value(json_object_get(run, "id"));
}

uint64_t runs_case_id_of(const json_t *run)
{
    return (uint64_t)json_integer_value(json_object_get(run, "case_id"));
}

void runs_exec_id(broker_t *b, uint64_t run_id, const char *path, json_int_t index,
                  json_int_t attempt, char out[40])
{
    char what[600], hash[65];
    snprintf(what, sizeof what, "%s|%lld|%lld", path, (long long)index, (long long)attempt);
    unsigned long long epoch = fencing_run_epoch(b, run_id);
    if (epoch) /* a run created after a promotion (fencing.c): not the demoted broker's run */
        snprintf(what + strlen(what), sizeof what - strlen(what), "|e%llu", epoch);
    fs_sha256_hex(what, strlen(what), hash);
    snprintf(out, 40, "%s-%llu-%.10s", casestore_instance(b->store), (unsigned long long)run_id,
             hash);
}

int runs_timeline(run_ctx_t *c, const char *kind, json_t *fields)
{
    json_object_set_new(fields, "run_id", json_integer((json_int_t)runs_id_of(c->run)));
    char actor[96];
    snprintf(actor, sizeof actor, "playbook:%s",
             json_string_value(json_object_get(c->run, "playbook")));
    if (c->shadow) {
        /* A shadow run leaves the case timeline alone; the audit log still
           records what it did. */
        char kbuf[96];
        snprintf(kbuf, sizeof kbuf, "shadow.%s", kind);
        json_t *subject = json_pack("{s:I, s:I}", "case_id", (json_int_t)runs_case_id_of(c->run),
                                    "run_id", (json_int_t)runs_id_of(c->run));
        int rc = casestore_audit_append(c->b->store, c->txn, kbuf, actor, subject, fields, c->e);
        json_decref(subject);
        json_decref(fields);
        return rc;
    }
    int rc = casestore_timeline_add_as(c->b->store, c->txn, runs_case_id_of(c->run), kind, fields,
                                       actor, c->e);
    json_decref(fields);
    return rc;
}

void runs_answer_at_once(run_ctx_t *c, const playbook_effect_t *fx, const char *outcome,
                         json_t *value)
{
    json_t *index = json_object_get(fx->doc, "index");
    json_array_append_new(c->immediate, json_pack("{s:O, s:o, s:s, s:o}", "path",
                                                  json_object_get(fx->doc, "path"), "index",
                                                  index ? json_incref(index) : json_integer(0),
                                                  "outcome", outcome, "value", value));
}

void runs_fail_at_once(run_ctx_t *c, const playbook_effect_t *fx, int status, const char *reason)
{
    runs_answer_at_once(c, fx, "error",
                        json_pack("{s:i, s:s}", "status", status, "status_text", reason));
}

json_t *runs_console_context(const broker_t *b)
{
    char base[512];
    return broker_public_url(b, base, sizeof base) ? json_pack("{s:s}", "url", base) : NULL;
}

const char *runs_target_site(const run_ctx_t *c, const playbook_effect_t *fx)
{
    const char *site = json_string_value(json_object_get(fx->doc, "site"));
    return site && *site ? site : json_string_value(json_object_get(c->event, "site"));
}

/* ---- advancing a run ------------------------------------------------------- */

/* Read only: the document may be the one ingest parsed (event_cache.c). */
static json_t *load_event(broker_t *b, casestore_txn_t *txn, uint64_t event_id)
{
    json_t *ev = casestore_event_view(b->store, txn, event_id);
    return ev ? ev : json_object();
}

static int collect_site_name(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)val;
    json_array_append_new(arg, json_stringn(key->data, key->len));
    return 0;
}

/* Every site the broker has heard from, for playbooks that act everywhere
   (`"foreach": ".sites[]"`). */
static json_t *known_sites(broker_t *b, casestore_txn_t *txn)
{
    json_t *out = json_array();
    casestore_foreach(b->store, txn, CASESTORE_DB_SITES, false, collect_site_name, out);
    return out;
}

static int put_run(broker_t *b, casestore_txn_t *txn, json_t *run, fs_err_t *e)
{
    unsigned char key[8];
    fs_u64_to_be(runs_id_of(run), key);
    return casestore_put_json(b->store, txn, CASESTORE_DB_RUNS, key, 8, run, e);
}

/* Advances a run as far as it goes, applies its effects, stores it. */
static int advance(broker_t *b, casestore_txn_t *txn, json_t *run, const json_t *event,
                   outbound_t *out, fs_err_t *e)
{
    const char *version = json_string_value(json_object_get(run, "version"));
    const playbook_t *pb = by_version(b, txn, version);
    if (!pb)
        return fs_err_set(e, "run %llu: playbook version %s is not available",
                          (unsigned long long)runs_id_of(run), version);
    /* Copied: advancing replaces the run's status string. */
    char before[32] = "";
    const char *was = json_string_value(json_object_get(run, "status"));
    snprintf(before, sizeof before, "%s", was ? was : "");
    bool was_open = strcmp(before, "completed") != 0;
    int rc = 0;
    run_ctx_t c = {.b = b,
                   .txn = txn,
                   .run = run,
                   .event = event,
                   .site = json_string_value(json_object_get(event, "site")),
                   .shadow = json_is_true(json_object_get(run, "shadow")),
                   .out = out,
                   .e = e};
    /* Shadow runs answer every effect at once: they need a round per step. */
    int rounds = c.shadow ? MAX_SHADOW_ROUNDS : MAX_IMMEDIATE;
    for (int round = 0; round < rounds && rc == 0; round++) {
        /* Shared with casestore's case cache (read only): no copy, and no
           parse while the case row is unchanged. */
        json_t *kase = casestore_case_view(b->store, txn, runs_case_id_of(run));
        json_t *ctx = json_pack("{s:O, s:o, s:o}", "event", event, "case",
                                kase ? kase : json_object(), "sites", known_sites(b, txn));
        /* .persons: every account of the case's people (control_identities.c). */
        json_object_set_new(ctx, "persons",
                            broker_identities_persons(b, txn, json_object_get(ctx, "case")));
        json_t *console = runs_console_context(b);
        if (console)
            json_object_set_new(ctx, "console", console);
        json_t *effects = json_array();
        fs_err_t ae = {0};
        /* The case and the event are the bulk of the context and the same
           in every template and filter of this round: converted to jq once. */
        fs_jq_pin_t *case_pin = fs_jq_pin_new(json_object_get(ctx, "case"));
        fs_jq_pin_t *event_pin = fs_jq_pin_new(event);
        playbook_advance(pb, run, ctx, fs_now_ms(), by_name, &c, effects, &ae);
        fs_jq_pin_destroy(&event_pin);
        fs_jq_pin_destroy(&case_pin);
        json_decref(ctx);
        c.immediate = json_array();
        rc = effects_apply(&c, effects);
        json_decref(effects);
        /* Effects that failed at once (an invalid command) go back to the run. */
        size_t i;
        json_t *d;
        int delivered = 0;
        json_array_foreach(c.immediate, i, d) delivered +=
            playbook_deliver(run, json_string_value(json_object_get(d, "path")),
                             (int)json_integer_value(json_object_get(d, "index")),
                             json_string_value(json_object_get(d, "outcome")),
                             json_object_get(d, "value"), fs_now_ms()) == 0;
        json_decref(c.immediate);
        c.immediate = NULL;
        if (!delivered)
            break;
    }
    const char *status = json_string_value(json_object_get(run, "status"));
    if (rc == 0 && was_open && strcmp(status, "waiting") != 0) {
        rc = runs_timeline(
            &c, strcmp(status, "completed") == 0 ? "playbook_completed" : "playbook_failed",
            json_pack("{s:O, s:s, s:O?}", "playbook", json_object_get(run, "playbook"), "status",
                      status, "error", json_object_get(run, "error")));
        fs_log(strcmp(status, "completed") == 0 ? FS_LOG_INFO : FS_LOG_WARN, "broker",
               "run_finished", "run_id=%llu playbook=%s status=%s",
               (unsigned long long)runs_id_of(run),
               json_string_value(json_object_get(run, "playbook")), status);
    }
    if (rc == 0 && strcmp(before, status) != 0) {
        /* Every status change of a run is an audit entry of its own. */
        char actor[96];
        snprintf(actor, sizeof actor, "playbook:%s",
                 json_string_value(json_object_get(run, "playbook")));
        json_t *subject =
            json_pack("{s:I, s:I, s:O}", "run_id", (json_int_t)runs_id_of(run), "case_id",
                      (json_int_t)runs_case_id_of(run), "version", json_object_get(run, "version"));
        json_t *details = json_pack("{s:s?, s:s, s:O?, s:O?}", "from", *before ? before : NULL,
                                    "to", status, "error", json_object_get(run, "error"), "shadow",
                                    json_object_get(run, "shadow"));
        rc = casestore_audit_append(b->store, txn, "run.status", actor, subject, details, e);
        json_decref(subject);
        json_decref(details);
    }
    if (rc == 0)
        rc = put_run(b, txn, run, e);
    return rc;
}
static int start_run(broker_t *b, casestore_txn_t *txn, const playbook_t *pb, bool shadow,
                     const json_t *event, uint64_t event_id, uint64_t case_id, outbound_t *out,
                     fs_err_t *e)
{
    uint64_t run_id = casestore_next_id(b->store, txn, "run_id", e);
    if (!run_id || casestore_counter_add(b->store, txn, "runs", 1, e) != 0)
        return -1;
    /* Keep the exact version, so the run can finish on it after a reload. */
    const char *version = playbook_version(pb);
    casestore_val_t have;
    if (casestore_get(b->store, txn, CASESTORE_DB_PLAYBOOKS, version, strlen(version), &have,
                      NULL) == 1 &&
        casestore_put_json(b->store, txn, CASESTORE_DB_PLAYBOOKS, version, strlen(version),
                           playbook_doc(pb), e) != 0)
        return -1;
    json_t *run =
        json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:I}", "id", (json_int_t)run_id, "playbook",
                  playbook_name(pb), "version", version, "case_id", (json_int_t)case_id, "event_id",
                  (json_int_t)event_id, "status", "running", "started", (json_int_t)fs_now_ms());
    if (shadow)
        json_object_set_new(run, "shadow", json_true());
    run_ctx_t c = {.b = b, .txn = txn, .run = run, .event = event, .shadow = shadow, .e = e};
    int rc = runs_timeline(
        &c, "playbook", json_pack("{s:s, s:s}", "playbook", playbook_name(pb), "version", version));
    if (rc == 0)
        rc = advance(b, txn, run, event, out, e);
    fs_log(FS_LOG_INFO, "broker", "playbook_run", "playbook=%s run_id=%llu case_id=%llu status=%s",
           playbook_name(pb), (unsigned long long)run_id, (unsigned long long)case_id,
           json_string_value(json_object_get(run, "status")));
    json_decref(run);
    return rc;
}

int runs_on_finding(broker_t *b, casestore_txn_t *txn, const json_t *event, uint64_t event_id,
                    outbound_t *out, fs_err_t *e)
{
    /* Which playbooks trigger, decided before anything is written. Without
       governance: every playbook of the directory, everywhere. With it:
       the versions activated at the event's site, live and shadow. */
    const playbook_t *matched[64];
    bool shadow[64];
    size_t n = 0;
    /* Every playbook's trigger filter reads the same event, and so do the
       runs they start: converted to jq once for all of them. */
    fs_jq_pin_t *event_pin = fs_jq_pin_new(event);
    if (!b->gov) {
        for (size_t i = 0; i < playbook_set_count(b->playbooks) && n < 64; i++) {
            const playbook_t *pb = playbook_set_get(b->playbooks, i);
            fs_err_t me = {0};
            if (playbook_matches(pb, event, &me)) {
                shadow[n] = false;
                matched[n++] = pb;
            } else if (me.text[0]) {
                fs_log(FS_LOG_WARN, "broker", "trigger_failed", "playbook=%s reason=\"%s\"",
                       playbook_name(pb), me.text);
            }
        }
    } else {
        const char *site = json_string_value(json_object_get(event, "site"));
        for (int mode = 0; mode < 2; mode++) {
            json_t *versions = governance_site_versions(b, txn, site, mode == 1);
            const char *name;
            json_t *v;
            json_object_foreach(versions, name, v)
            {
                const playbook_t *pb = by_version(b, txn, json_string_value(v));
                fs_err_t me = {0};
                if (!pb) {
                    fs_log(FS_LOG_ERROR, "broker", "playbook_missing",
                           "site=%s playbook=%s version=%.12s", site, name, json_string_value(v));
                } else if (n < 64 && playbook_matches(pb, event, &me)) {
                    shadow[n] = mode == 1;
                    matched[n++] = pb;
                } else if (me.text[0]) {
                    fs_log(FS_LOG_WARN, "broker", "trigger_failed", "playbook=%s reason=\"%s\"",
                           name, me.text);
                }
            }
            json_decref(versions);
        }
        /* versions in the observe phase of a rollout: counted, not run */
        if (rollout_observe(b, txn, event, e) != 0) {
            fs_jq_pin_destroy(&event_pin);
            return -1;
        }
    }
    json_int_t cls = json_integer_value(json_object_get(event, "class_uid"));
    if (n == 0 && !OCSF_CLASS_IS_FINDING(cls)) {
        fs_jq_pin_destroy(&event_pin);
        return 0; /* telemetry no playbook wants: stored, no case */
    }
    bool created = false;
    uint64_t case_id = casestore_case_attach_alert(b->store, txn, event, event_id,
                                                   b->cfg.correlation_window_ms, &created, e);
    if (case_id && created)
        fs_log(FS_LOG_INFO, "broker", "case_opened", "case_id=%llu site=%s event_id=%llu",
               (unsigned long long)case_id, json_string_value(json_object_get(event, "site")),
               (unsigned long long)event_id);
    int rc = case_id ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = start_run(b, txn, matched[i], shadow[i], event, event_id, case_id, out, e);
    fs_jq_pin_destroy(&event_pin);
    return rc;
}

/* Loads run `run_id`, delivers an outcome to PATH, advances it. */
int runs_wake(broker_t *b, casestore_txn_t *txn, uint64_t run_id, const char *path, int index,
              const char *outcome, const json_t *value, outbound_t *out, fs_err_t *e)
{
    unsigned char key[8];
    fs_u64_to_be(run_id, key);
    json_t *run = casestore_get_json(b->store, txn, CASESTORE_DB_RUNS, key, 8);
    if (!run)
        return 0; /* a run that no longer exists: nothing to wake */
    int rc = 0;
    const char *status = json_string_value(json_object_get(run, "status"));
    if (strcmp(status, "waiting") == 0 &&
        playbook_deliver(run, path, index, outcome, value, fs_now_ms()) == 0) {
        json_t *event =
            load_event(b, txn, (uint64_t)json_integer_value(json_object_get(run, "event_id")));
        rc = advance(b, txn, run, event, out, e);
        json_decref(event);
    }
    json_decref(run);
    return rc;
}
