/*  runs.c — durable playbook runs on the broker.

    The engine (playbooks/engine.c) decides; this file makes its decisions
    durable.  Every advance of a run happens inside one LMDB transaction
    together with all the effects it produced: journaled commands and
    requests, approval gates, timer rows, case changes and timeline lines.
    A broker killed at any instant has all of an advance or none of it.
    What wakes a run — a response, a result, a vote, a timer — is itself a
    stored row or is redelivered by the site, so nothing lives only in
    memory.  Command and request ids are derived from (run, step path,
    index, attempt): the same step execution always carries the same id,
    which is what lets a site drop a duplicate. */
#include "broker_internal.h"

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
    fs_err_t e = {{0}};
    playbook_t *loaded = doc ? playbook_parse(doc, version, &e) : NULL;
    json_decref(doc);
    if (loaded)
        zhashx_insert(b->versions, version, loaded);
    return loaded;
}

static const playbook_t *by_name(void *arg, const char *name)
{
    broker_t *b = arg;
    if (b->gov && b->adv_txn) {
        /* Under governance a sub-playbook is the version active at the
           run's site, never an unreviewed file. */
        json_t *active = governance_site_versions(b, b->adv_txn, b->adv_site, b->adv_shadow);
        const char *version = json_string_value(json_object_get(active, name));
        if (!version && b->adv_shadow) {
            json_decref(active);
            active = governance_site_versions(b, b->adv_txn, b->adv_site, false);
            version = json_string_value(json_object_get(active, name));
        }
        const playbook_t *pb = version ? by_version(b, b->adv_txn, version) : NULL;
        json_decref(active);
        return pb;
    }
    for (size_t i = 0; i < playbook_set_count(b->playbooks); i++)
        if (strcmp(playbook_name(playbook_set_get(b->playbooks, i)), name) == 0)
            return playbook_set_get(b->playbooks, i);
    return NULL;
}

/* ---- keys -------------------------------------------------------------------- */

static void run_key(uint64_t id, unsigned char key[8])
{
    fs_u64_to_be(id, key);
}

/* Short, deterministic id of one step execution (OpenC2 command_id <= 36). */
static void exec_id(broker_t *b, uint64_t run_id, const char *path, json_int_t index,
                    json_int_t attempt, char out[40])
{
    char what[600], hash[65];
    snprintf(what, sizeof what, "%s|%lld|%lld", path, (long long)index, (long long)attempt);
    fs_sha256_hex(what, strlen(what), hash);
    snprintf(out, 40, "%s-%llu-%.10s", casestore_instance(b->store), (unsigned long long)run_id,
             hash);
}

static int timer_put(broker_t *b, casestore_txn_t *txn, int64_t at, uint64_t run_id,
                     const char *path, fs_err_t *e)
{
    unsigned char key[16 + 512];
    size_t plen = strlen(path);
    if (plen > 512)
        return fs_err_set(e, "step path too long");
    fs_u64_to_be((uint64_t)at, key);
    fs_u64_to_be(run_id, key + 8);
    memcpy(key + 16, path, plen);
    return casestore_put(b->store, txn, CASESTORE_DB_TIMERS, key, 16 + plen, "", 0, e);
}

static int pending_put(broker_t *b, casestore_txn_t *txn, const char *site, const char *id,
                       const char *kind, fs_err_t *e)
{
    char key[160];
    int klen = snprintf(key, sizeof key, "%s%c%s", site, '\0', id);
    return casestore_put(b->store, txn, CASESTORE_DB_PENDING, key, (size_t)klen, kind, 1, e);
}

static int pending_del(broker_t *b, casestore_txn_t *txn, const char *site, const char *id,
                       fs_err_t *e)
{
    char key[160];
    int klen = snprintf(key, sizeof key, "%s%c%s", site, '\0', id);
    return casestore_del(b->store, txn, CASESTORE_DB_PENDING, key, (size_t)klen, e);
}

/* ---- effects ----------------------------------------------------------------- */

typedef struct {
    broker_t *b;
    casestore_txn_t *txn;
    json_t *run;
    const json_t *event;
    json_t *outgoing;  /* {site, type, body} to send after commit */
    json_t *immediate; /* deliveries that failed at once: {path, index, value} */
    fs_err_t *e;
} apply_t;

static uint64_t run_id_of(const json_t *run)
{
    return (uint64_t)json_integer_value(json_object_get(run, "id"));
}

static uint64_t case_id_of(const json_t *run)
{
    return (uint64_t)json_integer_value(json_object_get(run, "case_id"));
}

static bool is_shadow(const apply_t *a)
{
    return json_is_true(json_object_get(a->run, "shadow"));
}

static int timeline(apply_t *a, const char *kind, json_t *fields)
{
    json_object_set_new(fields, "run_id", json_integer((json_int_t)run_id_of(a->run)));
    char actor[96];
    snprintf(actor, sizeof actor, "playbook:%s",
             json_string_value(json_object_get(a->run, "playbook")));
    if (is_shadow(a)) {
        /* A shadow run leaves the case timeline alone; the audit log still
           records what it did. */
        char kbuf[96];
        snprintf(kbuf, sizeof kbuf, "shadow.%s", kind);
        json_t *subject = json_pack("{s:I, s:I}", "case_id", (json_int_t)case_id_of(a->run),
                                    "run_id", (json_int_t)run_id_of(a->run));
        int rc = casestore_audit_append(a->b->store, a->txn, kbuf, actor, subject, fields, a->e);
        json_decref(subject);
        json_decref(fields);
        return rc;
    }
    int rc = casestore_timeline_add_as(a->b->store, a->txn, case_id_of(a->run), kind, fields, actor,
                                       a->e);
    json_decref(fields);
    return rc;
}

/* Shadow runs: every effect is recorded on the run ("shadow_effects") and
   answered at once as if it had succeeded; nothing is journaled, sent,
   asked or changed. */
static void shadow_record(apply_t *a, json_t *what)
{
    json_t *list = json_object_get(a->run, "shadow_effects");
    if (!list)
        json_object_set_new(a->run, "shadow_effects", list = json_array());
    if (json_array_size(list) < 500)
        json_array_append(list, what);
    json_decref(what);
}

static void answer_at_once(apply_t *a, const json_t *fx, const char *outcome, json_t *value)
{
    json_t *index = json_object_get(fx, "index");
    json_array_append_new(a->immediate,
                          json_pack("{s:O, s:o, s:s, s:o}", "path", json_object_get(fx, "path"),
                                    "index", index ? json_incref(index) : json_integer(0),
                                    "outcome", outcome, "value", value));
}

static void fail_at_once(apply_t *a, const json_t *fx, int status, const char *reason)
{
    answer_at_once(a, fx, "error",
                   json_pack("{s:i, s:s}", "status", status, "status_text", reason));
}

static const char *target_site(apply_t *a, const json_t *fx)
{
    const char *site = json_string_value(json_object_get(fx, "site"));
    return site && *site ? site : json_string_value(json_object_get(a->event, "site"));
}

json_t *runs_command_body(const json_t *rec)
{
    json_t *body =
        json_pack("{s:O, s:O, s:O}", "command_id", json_object_get(rec, "command_id"), "command",
                  json_object_get(rec, "command"), "case_id", json_object_get(rec, "case_id"));
    if (json_is_true(json_object_get(rec, "critical"))) {
        json_object_set_new(body, "critical", json_true());
        json_object_set(body, "run_id", json_object_get(rec, "run_id"));
        json_t *proof = json_object_get(rec, "proof");
        json_object_set(body, "proof", proof ? proof : json_array());
    }
    return body;
}

static json_t *command_record(apply_t *a, const json_t *fx, const json_t *cmd, const char *site)
{
    return json_pack("{s:O, s:s, s:I, s:I, s:O, s:O, s:O, s:O, s:O, s:s, s:I, s:O}", "command_id",
                     json_object_get(cmd, "command_id"), "site", site, "case_id",
                     (json_int_t)case_id_of(a->run), "run_id", (json_int_t)run_id_of(a->run),
                     "playbook", json_object_get(a->run, "playbook"), "step",
                     json_object_get(fx, "step"), "path", json_object_get(fx, "path"), "index",
                     json_object_get(fx, "index"), "command", cmd, "state", "pending", "created",
                     (json_int_t)fs_now_ms(), "critical", json_object_get(fx, "critical"));
}

/* The approvers' signed votes of the run's latest approved gate: the
   proof a critical command carries to its site (docs/governance.md). */
static json_t *run_proof(apply_t *a)
{
    json_int_t best = 0;
    const char *path;
    json_t *node;
    json_object_foreach(json_object_get(a->run, "nodes"), path, node)
    {
        json_int_t id = json_integer_value(json_object_get(node, "approval_id"));
        if (id > best)
            best = id;
    }
    json_t *proof = json_array();
    if (!best)
        return proof;
    unsigned char key[8];
    fs_u64_to_be((uint64_t)best, key);
    json_t *ap = casestore_get_json(a->b->store, a->txn, CASESTORE_DB_APPROVALS, key, 8);
    const char *status = json_string_value(json_object_get(ap, "status"));
    size_t i;
    json_t *v;
    if (status && strcmp(status, "approved") == 0)
        json_array_foreach(json_object_get(ap, "votes"), i, v)
        {
            const char *d = json_string_value(json_object_get(v, "decision"));
            if (d && strcmp(d, "approve") == 0 && json_object_get(v, "signature"))
                json_array_append_new(proof, json_pack("{s:O, s:O, s:O}", "operator",
                                                       json_object_get(v, "operator"), "signature",
                                                       json_object_get(v, "signature"), "payload",
                                                       json_object_get(v, "payload")));
        }
    json_decref(ap);
    return proof;
}

static int refuse_command(apply_t *a, const json_t *fx, const char *command_id, int status,
                          const char *reason, json_t *route)
{
    fail_at_once(a, fx, status, reason);
    fs_log(FS_LOG_WARN, "broker", "command_refused", "command_id=%s status=%d reason=\"%s\"",
           command_id, status, reason);
    return timeline(a, "command_refused",
                    json_pack("{s:s, s:O, s:i, s:s, s:o?}", "command_id", command_id, "step",
                              json_object_get(fx, "step"), "status", status, "reason", reason,
                              "route", route));
}

/* Validates, routes (docs/openc2.md "Routing") and journals one OpenC2
   command of a step; a command routed to several sites (a perimeter deny)
   becomes one journaled command per site and one answer to the run when
   every site has answered. */
static int apply_command(apply_t *a, const json_t *fx)
{
    broker_t *b = a->b;
    const char *path = json_string_value(json_object_get(fx, "path"));
    json_t *cmd = json_deep_copy(json_object_get(fx, "command"));
    char group[40];
    exec_id(b, run_id_of(a->run), path, json_integer_value(json_object_get(fx, "index")),
            json_integer_value(json_object_get(fx, "attempt")), group);
    if (json_string_value(json_object_get(cmd, "command_id")))
        snprintf(group, sizeof group, "%.33s",
                 json_string_value(json_object_get(cmd, "command_id")));
    json_object_set_new(cmd, "command_id", json_string(group));
    char reason[256] = "";
    int verdict = openc2_validate_command(cmd, reason, sizeof reason);
    if (verdict != OPENC2_VALID) {
        int rc = refuse_command(a, fx, group, verdict, reason, NULL);
        json_decref(cmd);
        return rc;
    }
    const char *explicit_site = json_string_value(json_object_get(fx, "site"));
    json_t *route = NULL;
    json_t *sites = route_decide(b->routes, cmd,
                                 explicit_site && *explicit_site ? explicit_site : NULL, &route);
    size_t n = json_array_size(sites);
    if (n == 0) {
        const char *why = json_string_value(json_object_get(route, "reason"));
        snprintf(reason, sizeof reason, "no site to route it to: %s",
                 why ? why : "no site matches");
        int rc = refuse_command(a, fx, group, 404, reason, route);
        json_decref(sites);
        json_decref(cmd);
        return rc;
    }
    char *target = json_dumps(json_object_get(cmd, "target"), JSON_COMPACT | JSON_SORT_KEYS);
    const char *action = json_string_value(json_object_get(cmd, "action"));
    bool critical = json_is_true(json_object_get(fx, "critical"));
    json_t *proof = critical ? run_proof(a) : NULL;
    if (critical && json_array_size(proof) == 0)
        fs_log(FS_LOG_WARN, "broker", "critical_without_proof",
               "command_id=%s run_id=%llu msg=\"no signed approval in this run: the site will "
               "refuse it\"",
               group, (unsigned long long)run_id_of(a->run));
    int rc = 0;
    size_t i;
    json_t *site_j;
    json_array_foreach(sites, i, site_j)
    {
        const char *site = json_string_value(site_j);
        char id[48];
        if (n == 1)
            snprintf(id, sizeof id, "%s", group);
        else if (snprintf(id, sizeof id, "%.33s-%zu", group, i) >= (int)sizeof id)
            break; /* cannot happen: a group id is at most 33 chars and i < 65536 sites */
        json_t *one = json_deep_copy(cmd);
        json_object_set_new(one, "command_id", json_string(id));
        json_t *rec = command_record(a, fx, one, site);
        if (n > 1)
            json_object_set_new(rec, "group", json_string(group));
        if (proof)
            json_object_set(rec, "proof", proof);
        rc = casestore_put_json(b->store, a->txn, CASESTORE_DB_COMMANDS, id, strlen(id), rec, a->e);
        if (rc == 0)
            rc = pending_put(b, a->txn, site, id, "C", a->e);
        if (rc == 0)
            rc = casestore_counter_add(b->store, a->txn, "commands", 1, a->e);
        if (rc == 0)
            rc = timeline(a, "command",
                          json_pack("{s:s, s:s, s:s, s:s, s:O, s:O?}", "command_id", id, "site",
                                    site, "action", action ? action : "?", "target",
                                    target ? target : "?", "step", json_object_get(fx, "step"),
                                    "rule", json_object_get(route, "rule")));
        json_array_append_new(a->outgoing, json_pack("{s:s, s:i, s:o}", "site", site, "type",
                                                     FSP_COMMAND, "body", runs_command_body(rec)));
        json_decref(rec);
        json_decref(one);
        if (rc != 0)
            break;
    }
    if (rc == 0 && n > 1) {
        char key[64];
        snprintf(key, sizeof key, "fanout:%s", group);
        json_t *fan = json_pack("{s:O, s:{}}", "sites", sites, "responses");
        rc = casestore_put_json(b->store, a->txn, CASESTORE_DB_META, key, strlen(key), fan, a->e);
        json_decref(fan);
    }
    free(target);
    json_decref(proof);
    json_decref(route);
    json_decref(sites);
    json_decref(cmd);
    return rc;
}

static int apply_request(apply_t *a, const json_t *fx)
{
    broker_t *b = a->b;
    const char *path = json_string_value(json_object_get(fx, "path"));
    char id[40];
    exec_id(b, run_id_of(a->run), path, 0, json_integer_value(json_object_get(fx, "attempt")), id);
    const char *site = target_site(a, fx);
    if (!site) {
        fail_at_once(a, fx, 404, "no site to send the request to");
        return timeline(a, "request_refused",
                        json_pack("{s:s, s:O, s:s}", "request_id", id, "step",
                                  json_object_get(fx, "step"), "reason", "no site"));
    }
    json_t *rec = json_pack(
        "{s:s, s:s, s:I, s:I, s:O, s:O, s:O, s:O, s:O, s:s, s:I}", "request_id", id, "site", site,
        "case_id", (json_int_t)case_id_of(a->run), "run_id", (json_int_t)run_id_of(a->run), "path",
        json_object_get(fx, "path"), "type", json_object_get(fx, "type"), "name",
        json_object_get(fx, "name"), "input", json_object_get(fx, "input"), "step",
        json_object_get(fx, "step"), "state", "pending", "created", (json_int_t)fs_now_ms());
    int rc = casestore_put_json(b->store, a->txn, CASESTORE_DB_REQUESTS, id, strlen(id), rec, a->e);
    if (rc == 0)
        rc = pending_put(b, a->txn, site, id, "R", a->e);
    if (rc == 0)
        rc = timeline(a, "request",
                      json_pack("{s:s, s:s, s:O, s:O, s:O}", "request_id", id, "site", site, "type",
                                json_object_get(fx, "type"), "name", json_object_get(fx, "name"),
                                "step", json_object_get(fx, "step")));
    json_array_append_new(a->outgoing, json_pack("{s:s, s:i, s:{s:s, s:O, s:O, s:O, s:O}}", "site",
                                                 site, "type", FSP_REQUEST, "body", "request_id",
                                                 id, "type", json_object_get(fx, "type"), "name",
                                                 json_object_get(fx, "name"), "input",
                                                 json_object_get(fx, "input"), "case_id",
                                                 json_object_get(rec, "case_id")));
    json_decref(rec);
    return rc;
}

static int apply_approval(apply_t *a, const json_t *fx)
{
    broker_t *b = a->b;
    uint64_t id = casestore_next_id(b->store, a->txn, "approval_id", a->e);
    if (!id)
        return -1;
    json_t *rec =
        json_pack("{s:I, s:I, s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:s, s:[], s:I}", "id",
                  (json_int_t)id, "run_id", (json_int_t)run_id_of(a->run), "case_id",
                  (json_int_t)case_id_of(a->run), "playbook", json_object_get(a->run, "playbook"),
                  "path", json_object_get(fx, "path"), "step", json_object_get(fx, "step"), "role",
                  json_object_get(fx, "role"), "quorum", json_object_get(fx, "quorum"), "deadline",
                  json_object_get(fx, "deadline"), "on_timeout", json_object_get(fx, "on_timeout"),
                  "reason", json_object_get(fx, "reason"), "status", "open", "votes", "created",
                  (json_int_t)fs_now_ms());
    unsigned char key[8];
    fs_u64_to_be(id, key);
    int rc = casestore_put_json(b->store, a->txn, CASESTORE_DB_APPROVALS, key, 8, rec, a->e);
    json_decref(rec);
    /* The run's node remembers its gate, so a timeout can close it. */
    json_t *node = json_object_get(json_object_get(a->run, "nodes"),
                                   json_string_value(json_object_get(fx, "path")));
    json_object_set_new(node, "approval_id", json_integer((json_int_t)id));
    if (rc == 0)
        rc = timeline(
            a, "approval_requested",
            json_pack("{s:I, s:O, s:O, s:O, s:O, s:O}", "approval_id", (json_int_t)id, "step",
                      json_object_get(fx, "step"), "role", json_object_get(fx, "role"), "quorum",
                      json_object_get(fx, "quorum"), "deadline", json_object_get(fx, "deadline"),
                      "reason", json_object_get(fx, "reason")));
    fs_log(FS_LOG_INFO, "broker", "approval_requested", "approval_id=%llu run_id=%llu role=%s",
           (unsigned long long)id, (unsigned long long)run_id_of(a->run),
           json_string_value(json_object_get(fx, "role")));
    return rc;
}

static int apply_shadow(apply_t *a, const json_t *fx, const char *kind)
{
    const char *step = json_string_value(json_object_get(fx, "step"));
    if (strcmp(kind, "command") == 0) {
        const json_t *cmd = json_object_get(fx, "command");
        char *target = json_dumps(json_object_get(cmd, "target"), JSON_COMPACT | JSON_SORT_KEYS);
        const char *site = target_site(a, fx);
        shadow_record(a, json_pack("{s:s, s:s?, s:s?, s:O?, s:s?}", "kind", "command", "step", step,
                                   "site", site, "action", json_object_get(cmd, "action"), "target",
                                   target));
        free(target);
        answer_at_once(a, fx, "ok",
                       json_pack("{s:i, s:s}", "status", 200, "status_text", "shadow: not sent"));
    } else if (strcmp(kind, "request") == 0) {
        shadow_record(a,
                      json_pack("{s:s, s:s?, s:s?, s:O?}", "kind", "request", "step", step, "site",
                                target_site(a, fx), "name", json_object_get(fx, "name")));
        answer_at_once(a, fx, "ok", json_pack("{s:b}", "shadow", 1));
    } else if (strcmp(kind, "approval") == 0) {
        shadow_record(a, json_pack("{s:s, s:s?, s:O?}", "kind", "approval", "step", step, "role",
                                   json_object_get(fx, "role")));
        answer_at_once(a, fx, "approved",
                       json_pack("{s:s, s:[], s:b}", "decision", "approved", "votes", "shadow", 1));
    } else if (strcmp(kind, "case") == 0) {
        shadow_record(
            a, json_pack("{s:s, s:O?}", "kind", "case", "fields", json_object_get(fx, "fields")));
    }
    return 0; /* timeline lines of a shadow run are not kept */
}

static int apply_effects(apply_t *a, const json_t *effects)
{
    size_t i;
    json_t *fx;
    int rc = 0;
    json_t *case_fields = json_array(); /* all `set` steps of this advance: one case write */
    json_array_foreach(effects, i, fx)
    {
        const char *kind = json_string_value(json_object_get(fx, "kind"));
        if (rc != 0)
            break;
        if (is_shadow(a) && strcmp(kind, "timer") != 0) {
            rc = apply_shadow(a, fx, kind);
        } else if (strcmp(kind, "command") == 0) {
            rc = apply_command(a, fx);
        } else if (strcmp(kind, "request") == 0) {
            rc = apply_request(a, fx);
        } else if (strcmp(kind, "approval") == 0) {
            rc = apply_approval(a, fx);
        } else if (strcmp(kind, "timer") == 0) {
            rc = timer_put(a->b, a->txn, json_integer_value(json_object_get(fx, "at")),
                           run_id_of(a->run), json_string_value(json_object_get(fx, "path")), a->e);
        } else if (strcmp(kind, "case") == 0) {
            json_array_append(case_fields, json_object_get(fx, "fields"));
        } else if (strcmp(kind, "timeline") == 0) {
            json_t *f = json_deep_copy(fx);
            json_object_del(f, "kind");
            rc = timeline(a, "step", f);
        }
    }
    if (rc == 0 && json_array_size(case_fields)) {
        char by[96];
        snprintf(by, sizeof by, "playbook:%s",
                 json_string_value(json_object_get(a->run, "playbook")));
        rc = casestore_case_update_all(a->b->store, a->txn, case_id_of(a->run), case_fields, by,
                                       a->e);
    }
    json_decref(case_fields);
    return rc;
}

/* ---- advancing a run ------------------------------------------------------- */

static json_t *load_event(broker_t *b, casestore_txn_t *txn, uint64_t event_id)
{
    unsigned char key[8];
    fs_u64_to_be(event_id, key);
    json_t *ev = casestore_get_json(b->store, txn, CASESTORE_DB_EVENTS, key, 8);
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
    run_key(run_id_of(run), key);
    return casestore_put_json(b->store, txn, CASESTORE_DB_RUNS, key, 8, run, e);
}

/* Advances a run as far as it goes, applies its effects, stores it. */
static int advance(broker_t *b, casestore_txn_t *txn, json_t *run, const json_t *event,
                   json_t *outgoing, fs_err_t *e)
{
    const char *version = json_string_value(json_object_get(run, "version"));
    const playbook_t *pb = by_version(b, txn, version);
    if (!pb)
        return fs_err_set(e, "run %llu: playbook version %s is not available",
                          (unsigned long long)run_id_of(run), version);
    /* Copied: advancing replaces the run's status string. */
    char before[32] = "";
    const char *was = json_string_value(json_object_get(run, "status"));
    snprintf(before, sizeof before, "%s", was ? was : "");
    bool was_open = strcmp(before, "completed") != 0;
    int rc = 0;
    /* Shadow runs answer every effect at once: they need a round per step. */
    int rounds = json_is_true(json_object_get(run, "shadow")) ? MAX_SHADOW_ROUNDS : MAX_IMMEDIATE;
    b->adv_txn = txn;
    b->adv_site = json_string_value(json_object_get(event, "site"));
    b->adv_shadow = json_is_true(json_object_get(run, "shadow"));
    for (int round = 0; round < rounds && rc == 0; round++) {
        json_t *c = casestore_case_get(b->store, txn, case_id_of(run));
        json_t *ctx = json_pack("{s:O, s:o, s:o}", "event", event, "case", c ? c : json_object(),
                                "sites", known_sites(b, txn));
        json_t *effects = json_array();
        fs_err_t ae = {{0}};
        playbook_advance(pb, run, ctx, fs_now_ms(), by_name, b, effects, &ae);
        json_decref(ctx);
        apply_t a = {b, txn, run, event, outgoing, json_array(), e};
        rc = apply_effects(&a, effects);
        json_decref(effects);
        /* Effects that failed at once (an invalid command) go back to the run. */
        size_t i;
        json_t *d;
        int delivered = 0;
        json_array_foreach(a.immediate, i, d) delivered +=
            playbook_deliver(run, json_string_value(json_object_get(d, "path")),
                             (int)json_integer_value(json_object_get(d, "index")),
                             json_string_value(json_object_get(d, "outcome")),
                             json_object_get(d, "value"), fs_now_ms()) == 0;
        json_decref(a.immediate);
        if (!delivered)
            break;
    }
    b->adv_txn = NULL;
    b->adv_site = NULL;
    const char *status = json_string_value(json_object_get(run, "status"));
    if (rc == 0 && was_open && strcmp(status, "waiting") != 0) {
        apply_t a = {b, txn, run, event, outgoing, NULL, e};
        rc = timeline(&a,
                      strcmp(status, "completed") == 0 ? "playbook_completed" : "playbook_failed",
                      json_pack("{s:O, s:s, s:O?}", "playbook", json_object_get(run, "playbook"),
                                "status", status, "error", json_object_get(run, "error")));
        fs_log(strcmp(status, "completed") == 0 ? FS_LOG_INFO : FS_LOG_WARN, "broker",
               "run_finished", "run_id=%llu playbook=%s status=%s",
               (unsigned long long)run_id_of(run),
               json_string_value(json_object_get(run, "playbook")), status);
    }
    if (rc == 0 && strcmp(before, status) != 0) {
        /* Every status change of a run is an audit entry of its own. */
        char actor[96];
        snprintf(actor, sizeof actor, "playbook:%s",
                 json_string_value(json_object_get(run, "playbook")));
        json_t *subject =
            json_pack("{s:I, s:I, s:O}", "run_id", (json_int_t)run_id_of(run), "case_id",
                      (json_int_t)case_id_of(run), "version", json_object_get(run, "version"));
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
                     const json_t *event, uint64_t event_id, uint64_t case_id, json_t *outgoing,
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
    apply_t a = {b, txn, run, event, outgoing, NULL, e};
    int rc = timeline(&a, "playbook",
                      json_pack("{s:s, s:s}", "playbook", playbook_name(pb), "version", version));
    if (rc == 0)
        rc = advance(b, txn, run, event, outgoing, e);
    fs_log(FS_LOG_INFO, "broker", "playbook_run", "playbook=%s run_id=%llu case_id=%llu status=%s",
           playbook_name(pb), (unsigned long long)run_id, (unsigned long long)case_id,
           json_string_value(json_object_get(run, "status")));
    json_decref(run);
    return rc;
}

int runs_on_finding(broker_t *b, casestore_txn_t *txn, const json_t *event, uint64_t event_id,
                    json_t *outgoing, fs_err_t *e)
{
    /* Which playbooks trigger, decided before anything is written. Without
       governance: every playbook of the directory, everywhere. With it:
       the versions activated at the event's site, live and shadow. */
    const playbook_t *matched[64];
    bool shadow[64];
    size_t n = 0;
    if (!b->gov) {
        for (size_t i = 0; i < playbook_set_count(b->playbooks) && n < 64; i++) {
            const playbook_t *pb = playbook_set_get(b->playbooks, i);
            fs_err_t me = {{0}};
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
                fs_err_t me = {{0}};
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
    }
    json_int_t cls = json_integer_value(json_object_get(event, "class_uid"));
    if (n == 0 && cls != 2004 && cls != 2005)
        return 0; /* telemetry no playbook wants: stored, no case */
    bool created = false;
    uint64_t case_id = casestore_case_attach_alert(b->store, txn, event, event_id,
                                                   b->cfg.correlation_window_ms, &created, e);
    if (!case_id)
        return -1;
    if (created)
        fs_log(FS_LOG_INFO, "broker", "case_opened", "case_id=%llu site=%s event_id=%llu",
               (unsigned long long)case_id, json_string_value(json_object_get(event, "site")),
               (unsigned long long)event_id);
    for (size_t i = 0; i < n; i++)
        if (start_run(b, txn, matched[i], shadow[i], event, event_id, case_id, outgoing, e) != 0)
            return -1;
    return 0;
}

/* Loads run `run_id`, delivers an outcome to PATH, advances it. */
static int wake(broker_t *b, casestore_txn_t *txn, uint64_t run_id, const char *path, int index,
                const char *outcome, const json_t *value, json_t *outgoing, fs_err_t *e)
{
    unsigned char key[8];
    run_key(run_id, key);
    json_t *run = casestore_get_json(b->store, txn, CASESTORE_DB_RUNS, key, 8);
    if (!run)
        return 0; /* a run that no longer exists: nothing to wake */
    int rc = 0;
    const char *status = json_string_value(json_object_get(run, "status"));
    if (strcmp(status, "waiting") == 0 &&
        playbook_deliver(run, path, index, outcome, value, fs_now_ms()) == 0) {
        json_t *event =
            load_event(b, txn, (uint64_t)json_integer_value(json_object_get(run, "event_id")));
        rc = advance(b, txn, run, event, outgoing, e);
        json_decref(event);
    }
    json_decref(run);
    return rc;
}

int runs_on_response(broker_t *b, casestore_txn_t *txn, const char *site, const json_t *body,
                     json_t *outgoing, fs_err_t *e)
{
    const char *command_id = json_string_value(json_object_get(body, "command_id"));
    json_t *response = json_object_get(body, "response");
    json_t *status_j = json_object_get(response, "status");
    if (!command_id || !json_is_object(response) || !json_is_number(status_j))
        return fs_err_set(e, "§5.4: RESPONSE needs \"command_id\" and an OpenC2 \"response\" "
                             "with a status");
    json_t *rec =
        casestore_get_json(b->store, txn, CASESTORE_DB_COMMANDS, command_id, strlen(command_id));
    if (!rec)
        return fs_err_set(e, "§5.4: RESPONSE for unknown command %s", command_id);
    int rc = 0;
    const char *sent_to = json_string_value(json_object_get(rec, "site"));
    const char *state = json_string_value(json_object_get(rec, "state"));
    int status = (int)json_number_value(status_j);
    if (!sent_to || strcmp(sent_to, site) != 0) {
        rc = fs_err_set(e, "§5.4: command %s was not sent to site %s", command_id, site);
    } else if (state && strcmp(state, "answered") == 0) {
        rc = 0; /* a duplicate RESPONSE: already stored */
    } else {
        bool final = status != 102;
        json_object_set(rec, "response", response);
        json_object_set_new(rec, "state", json_string(final ? "answered" : "acknowledged"));
        json_object_set_new(rec, "answered", json_integer(fs_now_ms()));
        rc = casestore_put_json(b->store, txn, CASESTORE_DB_COMMANDS, command_id,
                                strlen(command_id), rec, e);
        if (rc == 0 && final)
            rc = pending_del(b, txn, site, command_id, e);
        if (rc == 0 && final)
            rc = casestore_counter_add(b->store, txn, "commands/answered", 1, e);
        json_t *entry =
            json_pack("{s:s, s:s, s:i, s:O?, s:O?}", "command_id", command_id, "site", site,
                      "status", status, "status_text", json_object_get(response, "status_text"),
                      "run_id", json_object_get(rec, "run_id"));
        if (rc == 0)
            rc = casestore_timeline_add(
                b->store, txn, (uint64_t)json_integer_value(json_object_get(rec, "case_id")),
                "response", entry, e);
        json_decref(entry);
        json_t *value = json_incref(response);
        bool ok = status == 200, complete = true;
        const char *group = json_string_value(json_object_get(rec, "group"));
        if (rc == 0 && final && group) {
            /* A fanned-out command answers the run once every site has. */
            char key[64];
            snprintf(key, sizeof key, "fanout:%s", group);
            json_t *fan = casestore_get_json(b->store, txn, CASESTORE_DB_META, key, strlen(key));
            json_t *resps = json_object_get(fan, "responses");
            json_object_set(resps, site, response);
            complete = json_object_size(resps) >= json_array_size(json_object_get(fan, "sites"));
            const char *k;
            json_t *r;
            json_object_foreach(resps, k, r) ok =
                ok && json_number_value(json_object_get(r, "status")) == 200;
            json_decref(value);
            value = json_pack("{s:i, s:s, s:O}", "status", ok ? 200 : 500, "status_text",
                              ok ? "every site answered 200" : "not every site answered 200",
                              "sites", resps);
            rc =
                fan ? casestore_put_json(b->store, txn, CASESTORE_DB_META, key, strlen(key), fan, e)
                    : 0;
            json_decref(fan);
        }
        if (rc == 0 && final && complete)
            rc = wake(b, txn, (uint64_t)json_integer_value(json_object_get(rec, "run_id")),
                      json_string_value(json_object_get(rec, "path")),
                      (int)json_integer_value(json_object_get(rec, "index")), ok ? "ok" : "error",
                      value, outgoing, e);
        json_decref(value);
        fs_log(FS_LOG_INFO, "broker", "command_answered", "command_id=%s site=%s status=%d",
               command_id, site, status);
    }
    json_decref(rec);
    return rc;
}

int runs_on_result(broker_t *b, casestore_txn_t *txn, const char *site, const json_t *body,
                   json_t *outgoing, fs_err_t *e)
{
    const char *request_id = json_string_value(json_object_get(body, "request_id"));
    const char *status = json_string_value(json_object_get(body, "status"));
    if (!request_id || !status || (strcmp(status, "ok") != 0 && strcmp(status, "error") != 0))
        return fs_err_set(e, "§5.8: RESULT needs \"request_id\" and \"status\" ok|error");
    json_t *rec =
        casestore_get_json(b->store, txn, CASESTORE_DB_REQUESTS, request_id, strlen(request_id));
    if (!rec)
        return fs_err_set(e, "§5.8: RESULT for unknown request %s", request_id);
    int rc = 0;
    const char *sent_to = json_string_value(json_object_get(rec, "site"));
    if (!sent_to || strcmp(sent_to, site) != 0) {
        rc = fs_err_set(e, "§5.8: request %s was not sent to site %s", request_id, site);
    } else if (strcmp(json_string_value(json_object_get(rec, "state")), "pending") == 0) {
        json_t *value = strcmp(status, "ok") == 0
                            ? json_incref(json_object_get(body, "result"))
                            : json_pack("{s:s, s:O?}", "status_text", "failed", "error",
                                        json_object_get(body, "error"));
        json_object_set_new(rec, "state", json_string(status));
        json_object_set(rec, "result", value ? value : json_null());
        rc = casestore_put_json(b->store, txn, CASESTORE_DB_REQUESTS, request_id,
                                strlen(request_id), rec, e);
        if (rc == 0)
            rc = pending_del(b, txn, site, request_id, e);
        json_t *entry =
            json_pack("{s:s, s:s, s:s, s:O?, s:O?, s:O?}", "request_id", request_id, "site", site,
                      "status", status, "name", json_object_get(rec, "name"), "result", value,
                      "run_id", json_object_get(rec, "run_id"));
        if (rc == 0)
            rc = casestore_timeline_add(
                b->store, txn, (uint64_t)json_integer_value(json_object_get(rec, "case_id")),
                "result", entry, e);
        json_decref(entry);
        if (rc == 0)
            rc = wake(b, txn, (uint64_t)json_integer_value(json_object_get(rec, "run_id")),
                      json_string_value(json_object_get(rec, "path")), 0, status, value, outgoing,
                      e);
        json_decref(value);
    }
    json_decref(rec);
    return rc;
}

/* ---- timers ------------------------------------------------------------------ */

int64_t runs_next_timer(broker_t *b)
{
    casestore_txn_t *txn;
    int64_t at = -1;
    if (casestore_begin(b->store, false, &txn, NULL) != 0)
        return -1;
    casestore_val_t k, v;
    if (casestore_first(b->store, txn, CASESTORE_DB_TIMERS, &k, &v) == 0 && k.len >= 16)
        at = (int64_t)fs_u64_from_be(k.data);
    casestore_abort(&txn);
    return at;
}

int runs_fire_timers(broker_t *b, json_t *outgoing, fs_err_t *e)
{
    casestore_txn_t *txn;
    if (casestore_begin(b->store, true, &txn, e) != 0)
        return -1;
    int64_t now = fs_now_ms();
    int fired = 0, rc = 0;
    while (rc == 0 && fired < 256) {
        casestore_val_t k, v;
        if (casestore_first(b->store, txn, CASESTORE_DB_TIMERS, &k, &v) != 0 || k.len < 16 ||
            k.len > 16 + 512 || (int64_t)fs_u64_from_be(k.data) > now)
            break;
        unsigned char row[16 + 512]; /* copied: the key is deleted next */
        size_t rlen = k.len;
        memcpy(row, k.data, rlen);
        uint64_t run_id = fs_u64_from_be(row + 8);
        char path[513];
        snprintf(path, sizeof path, "%.*s", (int)(rlen - 16), (char *)row + 16);
        if ((rc = casestore_del(b->store, txn, CASESTORE_DB_TIMERS, row, rlen, e)) != 0)
            break;
        fired++;
        rc = wake(b, txn, run_id, path, 0, "timer", NULL, outgoing, e);
        /* An approval gate that timed out is closed on its record too. */
        unsigned char key[8];
        run_key(run_id, key);
        json_t *run = rc == 0 ? casestore_get_json(b->store, txn, CASESTORE_DB_RUNS, key, 8) : NULL;
        json_t *node = json_object_get(json_object_get(run, "nodes"), path);
        json_t *aid = json_object_get(node, "approval_id");
        if (aid && strcmp(playbook_node_state(run, path), "wait") != 0) {
            fs_u64_to_be((uint64_t)json_integer_value(aid), key);
            json_t *ap = casestore_get_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8);
            if (ap && strcmp(json_string_value(json_object_get(ap, "status")), "open") == 0) {
                json_object_set_new(ap, "status", json_string("expired"));
                rc = casestore_put_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8, ap, e);
                json_t *entry =
                    json_pack("{s:O, s:O, s:I}", "approval_id", aid, "on_timeout",
                              json_object_get(ap, "on_timeout"), "run_id", (json_int_t)run_id);
                if (rc == 0)
                    rc = casestore_timeline_add(b->store, txn, case_id_of(run), "approval_expired",
                                                entry, e);
                json_decref(entry);
            }
            json_decref(ap);
        }
        json_decref(run);
    }
    if (rc != 0) {
        casestore_abort(&txn);
        return -1;
    }
    return casestore_commit(&txn, e) == 0 ? fired : -1;
}

/* ---- approvals ---------------------------------------------------------------- */

/* A signed vote must be this operator's, on this gate of this run, with
   this decision and quorum, recent, and verify with the operator's trusted
   signing key. */
static int check_vote_signature(broker_t *b, const json_t *ap, uint64_t approval_id,
                                const char *operator_name, bool approve, const char *signature,
                                const char *payload, fs_err_t *e)
{
    fs_err_t pe = {{0}};
    json_t *p = proof_vote_parse(payload, strlen(payload), &pe);
    if (!p)
        return fs_err_set(e, "signed vote refused: %s", pe.text);
    int rc = 0;
    int64_t t = json_integer_value(json_object_get(p, "time")), now = fs_now_ms();
    char priv[4096], pub[4096];
    if ((uint64_t)json_integer_value(json_object_get(p, "approval_id")) != approval_id ||
        json_integer_value(json_object_get(p, "run_id")) !=
            json_integer_value(json_object_get(ap, "run_id")))
        rc = fs_err_set(e,
                        "signed vote refused: it is for approval %lld of run %lld, not approval "
                        "%llu of run %lld",
                        (long long)json_integer_value(json_object_get(p, "approval_id")),
                        (long long)json_integer_value(json_object_get(p, "run_id")),
                        (unsigned long long)approval_id,
                        (long long)json_integer_value(json_object_get(ap, "run_id")));
    else if (strcmp(json_string_value(json_object_get(p, "operator")), operator_name) != 0)
        rc = fs_err_set(e, "signed vote refused: signed for operator %s, sent by %s",
                        json_string_value(json_object_get(p, "operator")), operator_name);
    else if (strcmp(json_string_value(json_object_get(p, "decision")),
                    approve ? "approve" : "deny") != 0)
        rc = fs_err_set(e, "signed vote refused: the signed decision is not %s",
                        approve ? "approve" : "deny");
    else if (json_integer_value(json_object_get(p, "quorum")) !=
             json_integer_value(json_object_get(ap, "quorum")))
        rc = fs_err_set(e, "signed vote refused: signed for quorum %lld, the gate's is %lld",
                        (long long)json_integer_value(json_object_get(p, "quorum")),
                        (long long)json_integer_value(json_object_get(ap, "quorum")));
    else if (t > now + 5 * 60 * 1000 || now - t > 60 * 60 * 1000)
        rc = fs_err_set(
            e, "signed vote refused: its time is more than an hour from the broker's clock");
    else if (keys_signing_paths(b->cfg.keys_dir, operator_name, priv, sizeof priv, pub,
                                sizeof pub) != 0 ||
             keys_verify(pub, payload, strlen(payload), signature, &pe) != 0)
        rc = fs_err_set(e, "signed vote refused: %s", pe.text);
    json_decref(p);
    return rc;
}

int runs_decide(broker_t *b, casestore_txn_t *txn, uint64_t approval_id, const char *operator_name,
                const char *role, bool approve, const char *comment, const char *signature,
                const char *payload, json_t *outgoing, json_t **result, fs_err_t *e)
{
    unsigned char key[8];
    fs_u64_to_be(approval_id, key);
    json_t *ap = casestore_get_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8);
    if (!ap)
        return fs_err_set(e, "no approval %llu", (unsigned long long)approval_id);
    int rc = 0;
    const char *need = json_string_value(json_object_get(ap, "role"));
    const char *status = json_string_value(json_object_get(ap, "status"));
    json_t *votes = json_object_get(ap, "votes");
    size_t i;
    json_t *v;
    bool voted = false;
    json_array_foreach(votes, i, v) voted =
        voted || strcmp(json_string_value(json_object_get(v, "operator")), operator_name) == 0;
    if (strcmp(status, "open") != 0) {
        rc = fs_err_set(e, "approval %llu is %s, no longer open", (unsigned long long)approval_id,
                        status);
    } else if (!role || (strcmp(role, need) != 0 && strcmp(role, "admin") != 0)) {
        rc = fs_err_set(e, "approval %llu needs role %s; operator %s has role %s",
                        (unsigned long long)approval_id, need, operator_name,
                        role ? role : "(none)");
    } else if (voted) {
        rc = fs_err_set(e, "operator %s has already decided on approval %llu", operator_name,
                        (unsigned long long)approval_id);
    } else if ((signature || payload) && (!signature || !payload)) {
        rc = fs_err_set(e, "a signed vote needs both signature and payload");
    } else if (!signature && b->gov) {
        rc = fs_err_set(e,
                        "governance is on: votes must be signed (operator %s has no signing key "
                        "KEYS/operators/%s.sign.pem?)",
                        operator_name, operator_name);
    } else if (signature && check_vote_signature(b, ap, approval_id, operator_name, approve,
                                                 signature, payload, e) != 0) {
        rc = -1;
    } else {
        json_array_append_new(votes, json_pack("{s:s, s:s, s:s, s:I, s:s?, s:s?, s:s?}", "operator",
                                               operator_name, "role", role, "decision",
                                               approve ? "approve" : "deny", "time",
                                               (json_int_t)fs_now_ms(), "comment", comment,
                                               "signature", signature, "payload", payload));
        size_t approvals = 0;
        json_array_foreach(votes, i, v) approvals +=
            strcmp(json_string_value(json_object_get(v, "decision")), "approve") == 0;
        const char *outcome =
            !approve                                                                 ? "denied"
            : approvals >= (size_t)json_integer_value(json_object_get(ap, "quorum")) ? "approved"
                                                                                     : NULL;
        if (outcome)
            json_object_set_new(ap, "status", json_string(outcome));
        rc = casestore_put_json(b->store, txn, CASESTORE_DB_APPROVALS, key, 8, ap, e);
        json_t *entry = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:I, s:O, s:b}", "approval_id",
                                  (json_int_t)approval_id, "operator", operator_name, "role", role,
                                  "decision", approve ? "approve" : "deny", "comment", comment,
                                  "approvals", (json_int_t)approvals, "quorum",
                                  json_object_get(ap, "quorum"), "signed", signature != NULL);
        if (rc == 0)
            rc = casestore_timeline_add(
                b->store, txn, (uint64_t)json_integer_value(json_object_get(ap, "case_id")),
                "approval_vote", entry, e);
        json_decref(entry);
        if (rc == 0 && outcome) {
            json_t *decision = json_pack("{s:s, s:O}", "decision", outcome, "votes", votes);
            rc = wake(b, txn, (uint64_t)json_integer_value(json_object_get(ap, "run_id")),
                      json_string_value(json_object_get(ap, "path")), 0, outcome, decision,
                      outgoing, e);
            json_decref(decision);
        }
        fs_log(FS_LOG_INFO, "broker", "approval_vote",
               "approval_id=%llu operator=%s decision=%s status=%s",
               (unsigned long long)approval_id, operator_name, approve ? "approve" : "deny",
               json_string_value(json_object_get(ap, "status")));
        if (rc == 0 && result)
            *result = json_incref(ap);
    }
    json_decref(ap);
    return rc;
}

/* ---- delivery to sites --------------------------------------------------------- */

struct redeliver {
    broker_t *b;
    casestore_txn_t *txn;
    session_t *s;
    int sent;
};

static int redeliver_one(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    struct redeliver *r = arg;
    size_t slen = strlen(r->s->site);
    if (key->len <= slen + 1 || memcmp(key->data, r->s->site, slen) != 0 ||
        ((const char *)key->data)[slen] != '\0')
        return 0;
    const char *id = (const char *)key->data + slen + 1;
    size_t idlen = key->len - slen - 1;
    bool request = val->len == 1 && *(const char *)val->data == 'R';
    json_t *rec = casestore_get_json(
        r->b->store, r->txn, request ? CASESTORE_DB_REQUESTS : CASESTORE_DB_COMMANDS, id, idlen);
    if (!rec)
        return 0;
    json_t *body =
        request
            ? json_pack("{s:O, s:O, s:O, s:O, s:O}", "request_id",
                        json_object_get(rec, "request_id"), "type", json_object_get(rec, "type"),
                        "name", json_object_get(rec, "name"), "input",
                        json_object_get(rec, "input"), "case_id", json_object_get(rec, "case_id"))
            : runs_command_body(rec);
    fsp_send(r->b->sites, r->s->peer, request ? FSP_REQUEST : FSP_COMMAND, body);
    json_decref(body);
    json_decref(rec);
    r->sent++;
    return 0;
}

void runs_redeliver(broker_t *b, session_t *s)
{
    struct redeliver r = {b, NULL, s, 0};
    if (casestore_begin(b->store, false, &r.txn, NULL) != 0)
        return;
    casestore_foreach(b->store, r.txn, CASESTORE_DB_PENDING, false, redeliver_one, &r);
    casestore_abort(&r.txn);
    if (r.sent)
        fs_log(FS_LOG_INFO, "broker", "redelivered", "site=%s count=%d", s->site, r.sent);
}

void runs_send(broker_t *b, json_t *outgoing)
{
    size_t i;
    json_t *item;
    json_array_foreach(outgoing, i, item)
    {
        const char *site = json_string_value(json_object_get(item, "site"));
        session_t *s = zhashx_lookup(b->sessions, site);
        if (s && s->connected)
            fsp_send(b->sites, s->peer,
                     (fsp_type_t)json_integer_value(json_object_get(item, "type")),
                     json_object_get(item, "body"));
        /* else: pending in the journal, sent when the site says HELLO */
    }
}
