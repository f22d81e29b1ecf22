/*  runs.c — playbook runs on findings, and the command journal.

    Everything a finding causes (case, run, commands) is written in the same
    transaction that stores the event, so a broker killed at any point either
    has all of it or none of it and the site resends the batch.  Commands are
    journaled before they are sent and stay pending until a final RESPONSE
    is stored; a site that (re)connects gets its pending commands again, and
    the adapter executes each command_id at most once. */
#include "broker_internal.h"

#include <string.h>

static int journal_command(broker_t *b, MDB_txn *txn, json_t *cmd_rec, fs_err_t *e)
{
    const char *id = json_string_value(json_object_get(cmd_rec, "command_id"));
    return store_put_json(b->store, txn, DB_COMMANDS, id, strlen(id), cmd_rec, e);
}

static json_t *command_body(const json_t *rec)
{
    return json_pack("{s:O, s:O, s:O}", "command_id", json_object_get(rec, "command_id"),
                     "command", json_object_get(rec, "command"), "case_id",
                     json_object_get(rec, "case_id"));
}

/* One OpenC2 action of a plan: validate, journal, queue for sending. */
static int run_openc2(broker_t *b, MDB_txn *txn, json_t *run, const json_t *action, size_t index,
                      const json_t *event, json_t *outgoing, fs_err_t *e)
{
    uint64_t run_id = (uint64_t)json_integer_value(json_object_get(run, "id"));
    uint64_t case_id = (uint64_t)json_integer_value(json_object_get(run, "case_id"));
    const char *step = json_string_value(json_object_get(action, "step"));
    json_t *cmd = json_deep_copy(json_object_get(action, "command"));
    if (!json_object_get(cmd, "command_id")) {
        /* Deterministic: the same run step always yields the same id, which
           is what lets a site drop a duplicate. */
        char id[40];
        snprintf(id, sizeof id, "%s-%llu-%s-%zu", store_instance(b->store),
                 (unsigned long long)run_id, step, index);
        json_object_set_new(cmd, "command_id", json_string(id));
    }
    const char *command_id = json_string_value(json_object_get(cmd, "command_id"));
    const char *site = json_string_value(json_object_get(action, "site"));
    if (!site)
        site = json_string_value(json_object_get(event, "site"));
    char reason[256] = "";
    int verdict = openc2_validate_command(cmd, reason, sizeof reason);
    char *target = json_dumps(json_object_get(cmd, "target"), JSON_COMPACT | JSON_SORT_KEYS);
    const char *action_name = json_string_value(json_object_get(cmd, "action"));
    int rc;
    if (verdict != OPENC2_VALID || !site) {
        json_t *entry = json_pack("{s:s, s:s, s:i, s:s, s:I}", "command_id", command_id, "step",
                                  step, "status", verdict ? verdict : 404, "reason",
                                  verdict ? reason : "no site to route the command to",
                                  "run_id", (json_int_t)run_id);
        rc = cases_timeline_add(b->store, txn, case_id, "command_refused", entry, e);
        json_decref(entry);
        json_array_append_new(json_object_get(run, "steps"),
                              json_pack("{s:s, s:s, s:s}", "step", step, "state", "refused",
                                        "command_id", command_id));
        fs_log(FS_LOG_WARN, "broker", "command_refused", "command_id=%s status=%d reason=\"%s\"",
               command_id, verdict ? verdict : 404, verdict ? reason : "no site");
    } else {
        json_t *rec = json_pack("{s:s, s:s, s:I, s:I, s:O, s:s, s:O, s:s, s:I}", "command_id",
                                command_id, "site", site, "case_id", (json_int_t)case_id,
                                "run_id", (json_int_t)run_id, "playbook",
                                json_object_get(run, "playbook"), "step", step, "command", cmd,
                                "state", "pending", "created", (json_int_t)fs_now_ms());
        char pkey[128];
        int plen = snprintf(pkey, sizeof pkey, "%s%c%s", site, '\0', command_id);
        rc = journal_command(b, txn, rec, e);
        if (rc == 0)
            rc = store_put(b->store, txn, DB_PENDING, pkey, (size_t)plen, "", 0, 0, e);
        if (rc == 0)
            rc = store_counter_add(b->store, txn, "commands", 1, e);
        if (rc == 0) {
            json_t *entry = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "command_id", command_id,
                                      "site", site, "action", action_name ? action_name : "?",
                                      "target", target ? target : "?", "step", step, "run_id",
                                      (json_int_t)run_id);
            rc = cases_timeline_add(b->store, txn, case_id, "command", entry, e);
            json_decref(entry);
        }
        json_array_append_new(json_object_get(run, "steps"),
                              json_pack("{s:s, s:s, s:s, s:s}", "step", step, "state", "sent",
                                        "command_id", command_id, "site", site));
        json_object_set_new(run, "outstanding",
                            json_integer(json_integer_value(json_object_get(run, "outstanding")) + 1));
        json_array_append_new(outgoing, json_pack("{s:s, s:o}", "site", site, "body",
                                                  command_body(rec)));
        json_decref(rec);
    }
    free(target);
    json_decref(cmd);
    return rc;
}

static int put_run(broker_t *b, MDB_txn *txn, json_t *run, fs_err_t *e)
{
    unsigned char key[8];
    fs_u64_to_be((uint64_t)json_integer_value(json_object_get(run, "id")), key);
    return store_put_json(b->store, txn, DB_RUNS, key, 8, run, e);
}

static int run_playbook(broker_t *b, MDB_txn *txn, const playbook_t *pb, const json_t *event,
                        uint64_t event_id, uint64_t case_id, json_t *outgoing, fs_err_t *e)
{
    uint64_t run_id = store_next_id(b->store, txn, "run_id", e);
    if (!run_id || store_counter_add(b->store, txn, "runs", 1, e) != 0)
        return -1;
    json_t *run = json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:I, s:[], s:i}", "id",
                            (json_int_t)run_id, "playbook", playbook_name(pb), "version",
                            playbook_version(pb), "case_id", (json_int_t)case_id, "event_id",
                            (json_int_t)event_id, "status", "running", "started",
                            (json_int_t)fs_now_ms(), "steps", "outstanding", 0);
    json_t *entry = json_pack("{s:s, s:s, s:I}", "playbook", playbook_name(pb), "version",
                              playbook_version(pb), "run_id", (json_int_t)run_id);
    int rc = cases_timeline_add(b->store, txn, case_id, "playbook", entry, e);
    json_decref(entry);
    json_t *c = cases_get(b->store, txn, case_id);
    json_t *context = json_pack("{s:O, s:o}", "event", event, "case", c ? c : json_object());
    fs_err_t pe = {{0}};
    json_t *actions = rc == 0 ? playbook_plan(pb, context, &pe) : NULL;
    json_decref(context);
    if (rc == 0 && !actions) {
        /* A template that fails is the playbook's problem, not the event's:
           record it on the run and the case, keep the event. */
        json_object_set_new(run, "status", json_string("failed"));
        json_object_set_new(run, "error", json_string(pe.text));
        entry = json_pack("{s:s, s:I}", "reason", pe.text, "run_id", (json_int_t)run_id);
        rc = cases_timeline_add(b->store, txn, case_id, "playbook_failed", entry, e);
        json_decref(entry);
        fs_log(FS_LOG_WARN, "broker", "playbook_failed", "run_id=%llu reason=\"%s\"",
               (unsigned long long)run_id, pe.text);
    }
    size_t i;
    json_t *action;
    json_array_foreach(actions, i, action) {
        if (rc != 0)
            break;
        const char *type = json_string_value(json_object_get(action, "type"));
        if (strcmp(type, "set") == 0) {
            char by[96];
            snprintf(by, sizeof by, "playbook:%s", playbook_name(pb));
            rc = cases_update(b->store, txn, case_id, json_object_get(action, "case"), by, e);
        } else {
            rc = run_openc2(b, txn, run, action, i, event, outgoing, e);
        }
    }
    json_decref(actions);
    if (json_integer_value(json_object_get(run, "outstanding")) == 0 &&
        strcmp(json_string_value(json_object_get(run, "status")), "running") == 0) {
        json_object_set_new(run, "status", json_string("completed"));
        json_object_set_new(run, "finished", json_integer(fs_now_ms()));
    }
    if (rc == 0)
        rc = put_run(b, txn, run, e);
    fs_log(FS_LOG_INFO, "broker", "playbook_run", "playbook=%s run_id=%llu case_id=%llu status=%s",
           playbook_name(pb), (unsigned long long)run_id, (unsigned long long)case_id,
           json_string_value(json_object_get(run, "status")));
    json_decref(run);
    return rc;
}

int runs_on_finding(broker_t *b, MDB_txn *txn, const json_t *event, uint64_t event_id,
                    json_t *outgoing, fs_err_t *e)
{
    bool created = false;
    uint64_t case_id = cases_attach_alert(b->store, txn, event, event_id,
                                          b->cfg.correlation_window_ms, &created, e);
    if (!case_id)
        return -1;
    if (created)
        fs_log(FS_LOG_INFO, "broker", "case_opened", "case_id=%llu site=%s event_id=%llu",
               (unsigned long long)case_id, json_string_value(json_object_get(event, "site")),
               (unsigned long long)event_id);
    for (size_t i = 0; i < playbook_set_count(b->playbooks); i++) {
        const playbook_t *pb = playbook_set_get(b->playbooks, i);
        fs_err_t me = {{0}};
        if (playbook_matches(pb, event, &me)) {
            if (run_playbook(b, txn, pb, event, event_id, case_id, outgoing, e) != 0)
                return -1;
        } else if (me.text[0]) {
            fs_log(FS_LOG_WARN, "broker", "trigger_failed", "playbook=%s reason=\"%s\"",
                   playbook_name(pb), me.text);
        }
    }
    return 0;
}

int runs_on_response(broker_t *b, MDB_txn *txn, const char *site, const json_t *body,
                     fs_err_t *e)
{
    const char *command_id = json_string_value(json_object_get(body, "command_id"));
    json_t *response = json_object_get(body, "response");
    json_t *status_j = json_object_get(response, "status");
    if (!command_id || !json_is_object(response) || !json_is_number(status_j))
        return fs_err_set(e, "§5.4: RESPONSE needs \"command_id\" and an OpenC2 \"response\" "
                             "with a status");
    json_t *rec = store_get_json(b->store, txn, DB_COMMANDS, command_id, strlen(command_id));
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
        rc = journal_command(b, txn, rec, e);
        char pkey[128];
        int plen = snprintf(pkey, sizeof pkey, "%s%c%s", site, '\0', command_id);
        if (rc == 0 && final)
            rc = store_del(b->store, txn, DB_PENDING, pkey, (size_t)plen, e);
        if (rc == 0 && final)
            rc = store_counter_add(b->store, txn, "commands/answered", 1, e);
        uint64_t case_id = (uint64_t)json_integer_value(json_object_get(rec, "case_id"));
        json_t *entry = json_pack("{s:s, s:s, s:i, s:O?}", "command_id", command_id, "site", site,
                                  "status", status, "status_text",
                                  json_object_get(response, "status_text"));
        if (rc == 0)
            rc = cases_timeline_add(b->store, txn, case_id, "response", entry, e);
        json_decref(entry);
        uint64_t run_id = (uint64_t)json_integer_value(json_object_get(rec, "run_id"));
        unsigned char key[8];
        fs_u64_to_be(run_id, key);
        json_t *run = final ? store_get_json(b->store, txn, DB_RUNS, key, 8) : NULL;
        if (run && rc == 0) {
            json_int_t left = json_integer_value(json_object_get(run, "outstanding")) - 1;
            json_object_set_new(run, "outstanding", json_integer(left > 0 ? left : 0));
            if (left <= 0) {
                json_object_set_new(run, "status", json_string("completed"));
                json_object_set_new(run, "finished", json_integer(fs_now_ms()));
            }
            rc = store_put_json(b->store, txn, DB_RUNS, key, 8, run, e);
        }
        json_decref(run);
        fs_log(FS_LOG_INFO, "broker", "command_answered", "command_id=%s site=%s status=%d",
               command_id, site, status);
    }
    json_decref(rec);
    return rc;
}

struct redeliver {
    broker_t *b;
    MDB_txn *txn;
    session_t *s;
    int sent;
};

static int redeliver_one(void *arg, const MDB_val *key, const MDB_val *val)
{
    (void)val;
    struct redeliver *r = arg;
    size_t slen = strlen(r->s->site);
    if (key->mv_size <= slen + 1 || memcmp(key->mv_data, r->s->site, slen) != 0 ||
        ((const char *)key->mv_data)[slen] != '\0')
        return 0;
    const char *id = (const char *)key->mv_data + slen + 1;
    size_t idlen = key->mv_size - slen - 1;
    json_t *rec = store_get_json(r->b->store, r->txn, DB_COMMANDS, id, idlen);
    if (rec) {
        json_t *body = command_body(rec);
        fsp_send(r->b->sites, r->s->peer, FSP_COMMAND, body);
        json_decref(body);
        json_decref(rec);
        r->sent++;
    }
    return 0;
}

void runs_redeliver(broker_t *b, session_t *s)
{
    struct redeliver r = {b, NULL, s, 0};
    if (store_begin(b->store, false, &r.txn, NULL) != 0)
        return;
    store_foreach(b->store, r.txn, DB_PENDING, false, redeliver_one, &r);
    store_abort(&r.txn);
    if (r.sent)
        fs_log(FS_LOG_INFO, "broker", "commands_redelivered", "site=%s count=%d", s->site, r.sent);
}

void runs_send(broker_t *b, json_t *outgoing)
{
    size_t i;
    json_t *item;
    json_array_foreach(outgoing, i, item) {
        const char *site = json_string_value(json_object_get(item, "site"));
        session_t *s = zhashx_lookup(b->sessions, site);
        if (s && s->connected)
            fsp_send(b->sites, s->peer, FSP_COMMAND, json_object_get(item, "body"));
        /* else: pending in the journal, sent when the site says HELLO */
    }
}
