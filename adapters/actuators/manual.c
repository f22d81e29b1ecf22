/*  manual.c — actuator "manual": a site answers OpenC2 pairs through
    people.  The command becomes a ticket at the site's ITSM stating what to
    change, where and why, with a link back to the case; the command's
    response is 102 Processing until IT staff resolve the ticket; then a
    configured analyzer checks that the change took effect, and the
    response becomes 200, or 500 with the reason; the ticket is closed with
    the outcome.

    Per command a small state machine, kept in LMDB (manual_state.c,
    STATE_DIR/manual.mdb) so a kill -9 resumes at the stage it reached:
      new ──(ticket opened)──▶ ticketed ──(ticket resolved)──▶ resolved
          ──▶ validating ──(analyzer's verdict or a person's decision)──▶ done
          ──(ticket closed)──▶ closed
    execute() only records "new" and answers 102; tick() does the talking
    to the ITSM and the analyzer, one step per command and tick, polling
    the ticket with backoff (poll_s doubling up to poll_max_s).  Both run
    on the actuator's worker lane (or the daemon's thread),
    never at once.  Each stage becomes
    another 102 RESPONSE (its status_text says the stage) that the daemon's
    thread journals and sends (adapter_manual_flush): the broker puts it on
    the case timeline, and a COMMAND it resends after a restart is answered
    with the latest stage (protocol §5.4).  The final 200/500 carries every
    stage with its time in results.stages, so stages sent while the broker
    was away still reach the case.  A record is forgotten only once its
    final answer is journaled.

    The ticketing connector speaks the ticket contract (docs/connectors.md,
    "Ticket contract": op create / get / update / close; redmine-issue
    does).  The connectors named are the actuator's own instances, built
    from the same "connectors" entries (manual_actuator.h), so a REQUEST
    never shares one with it. */
#include "connector_support.h"
#include "manual_actuator.h"
#include "manual_state.h"
#include "manual_validation.h"
#include "outbox.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MANUAL_MAX_ACTIVE 256

typedef struct manual {
    json_t *config; /* the actuator_config entry (own copy) */
    json_t *pairs;  /* {"action": ["target", …]} */
    bool fallback;
    adapter_t *a; /* bound by adapter_manual_bind (borrowed; its site name only) */
    const adapter_plugin_t *ticket_plugin, *check_plugin;
    void *ticket_state, *check_state;
    manual_store_t *store;
    json_t *active; /* the records not forgotten, as in the store (owned; the lane's) */
    /* Shared between the lane and the daemon's thread, under lock: */
    pthread_mutex_t lock;
    json_t *outgoing;  /* [{"command_id", "response", "final"}] to journal and send */
    json_t *contexts;  /* {command_id: {"case_id", "case_url", "playbook", "step"}} */
    json_t *journaled; /* {command_id: true}: final answers the daemon has journaled */
    json_t *decisions; /* {command_id: the broker's "validation" decision}, not yet applied */
    const char *analyzer, *approval_role; /* in config: exactly one is set */
    int64_t poll_ms, poll_max_ms, ticket_timeout_ms, validation_timeout_ms;
} manual_t;

extern const adapter_plugin_t actuator_manual;

static json_int_t cfg_int(const json_t *c, const char *key, json_int_t dflt)
{
    json_t *v = json_object_get(c, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : dflt;
}

/* "ACTION TARGET": exactly two words, one space apart, the action of
   [a-z_], each under 64 characters (a longer word is refused, not cut). */
static bool split_pair(const char *s, char action[64], char target[64])
{
    size_t a = s ? strspn(s, "abcdefghijklmnopqrstuvwxyz_") : 0;
    if (a == 0 || a >= 64 || s[a] != ' ')
        return false;
    const char *t = s + a + 1;
    size_t n = strcspn(t, " \t\r\n");
    if (n == 0 || n >= 64 || t[n] != '\0')
        return false;
    memcpy(action, s, a);
    action[a] = '\0';
    memcpy(target, t, n + 1);
    return true;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    if (!json_is_object(config)) {
        fs_err_set(e,
                   "actuator_config.manual: required: {\"ticketing\": CONNECTOR, "
                   "\"validation\": {\"analyzer\": CONNECTOR}, \"pairs\": [\"contain device\"]}");
        return NULL;
    }
    json_t *pairs = json_object();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(config, "pairs"), i, p)
    {
        char action[64], target[64];
        if (!split_pair(json_string_value(p), action, target)) {
            fs_err_set(e,
                       "actuator_config.manual.pairs[%zu]: \"ACTION TARGET\", e.g. \"contain "
                       "device\"",
                       i);
            json_decref(pairs);
            return NULL;
        }
        json_t *have = json_object_get(pairs, action);
        if (!have)
            json_object_set_new(pairs, action, have = json_array());
        json_array_append_new(have, json_string(target));
    }
    bool fallback = json_is_true(json_object_get(config, "fallback"));
    if (json_object_size(pairs) == 0 && !fallback) {
        fs_err_set(e, "actuator_config.manual: claims nothing: give \"pairs\" or "
                      "\"fallback\": true");
        json_decref(pairs);
        return NULL;
    }
    const json_t *v = json_object_get(config, "validation");
    const char *role = json_string_value(json_object_get(v, "approval_role"));
    if (!json_string_value(json_object_get(config, "ticketing")) ||
        !json_string_value(json_object_get(v, "analyzer")) == !role) {
        fs_err_set(e, "actuator_config.manual: \"ticketing\" (a responder's name) and "
                      "\"validation\": {\"analyzer\": NAME} or {\"approval_role\": ROLE} "
                      "(exactly one) are required");
        json_decref(pairs);
        return NULL;
    }
    if (role && strspn(role, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(role)) {
        fs_err_set(e,
                   "actuator_config.manual.validation.approval_role: \"%s\" is not a role name "
                   "of the broker's key store ([a-z0-9_-], e.g. \"validator\")",
                   role);
        json_decref(pairs);
        return NULL;
    }
    manual_store_t *store = manual_store_open(state_dir, e);
    if (!store) {
        json_decref(pairs);
        return NULL;
    }
    manual_t *m = fs_xcalloc(1, sizeof *m);
    m->store = store;
    pthread_mutex_init(&m->lock, NULL);
    m->outgoing = json_array();
    m->contexts = json_object();
    m->journaled = json_object();
    m->decisions = json_object();
    m->config = json_deep_copy(config);
    v = json_object_get(m->config, "validation");
    m->analyzer = json_string_value(json_object_get(v, "analyzer"));
    m->approval_role = json_string_value(json_object_get(v, "approval_role"));
    m->pairs = pairs;
    m->fallback = fallback;
    m->active = manual_store_load(store);
    m->poll_ms = cfg_int(config, "poll_s", 30) * 1000;
    m->poll_max_ms = cfg_int(config, "poll_max_s", 600) * 1000;
    if (m->poll_max_ms < m->poll_ms)
        m->poll_max_ms = m->poll_ms;
    m->ticket_timeout_ms = cfg_int(config, "ticket_timeout_s", 7 * 86400) * 1000;
    m->validation_timeout_ms = cfg_int(config, "validation_timeout_s", 86400) * 1000;
    return m;
}

static void cleanup(void **state_p)
{
    manual_t *m = *state_p;
    if (!m)
        return;
    if (m->ticket_plugin)
        m->ticket_plugin->cleanup(&m->ticket_state);
    if (m->check_plugin)
        m->check_plugin->cleanup(&m->check_state);
    json_decref(m->config);
    json_decref(m->pairs);
    json_decref(m->active);
    json_decref(m->outgoing);
    json_decref(m->contexts);
    json_decref(m->journaled);
    json_decref(m->decisions);
    manual_store_close(&m->store);
    pthread_mutex_destroy(&m->lock);
    free(m);
    *state_p = NULL;
}

static json_t *pairs(void *state)
{
    return json_deep_copy(((manual_t *)state)->pairs);
}

/* ---- talking to the broker ------------------------------------------------------ */

/* Queues response (taken) for the daemon's thread to journal as
   command_id's latest answer and send (adapter_manual_flush). */
static void respond(manual_t *m, const char *command_id, json_t *response, bool final)
{
    fs_log(FS_LOG_INFO, "manual", "stage", "site=%s command_id=%s status=%d text=\"%s\"",
           m->a ? m->a->cfg.site : "?", command_id,
           (int)json_integer_value(json_object_get(response, "status")),
           json_string_value(json_object_get(response, "status_text")));
    pthread_mutex_lock(&m->lock);
    json_array_append_new(m->outgoing, json_pack("{s:s, s:o, s:b}", "command_id", command_id,
                                                 "response", response, "final", final));
    pthread_mutex_unlock(&m->lock);
}

static json_t *processing(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *processing(const char *fmt, ...)
{
    char text[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return json_pack("{s:i, s:s}", "status", 102, "status_text", text);
}

/* ---- execute: record "new", answer 102 --------------------------------------------- */

static json_t *execute(void *state, const json_t *command)
{
    manual_t *m = state;
    const char *id = json_string_value(json_object_get(command, "command_id"));
    if (!m->a)
        return openc2_status(500, "manual actuator: not bound to the adapter");
    if (!id)
        return openc2_status(400, "manual actuator: the command has no command_id");
    if (json_array_size(m->active) >= MANUAL_MAX_ACTIVE)
        return openc2_status(503,
                             "manual actuator: %d commands already wait for people; "
                             "refused rather than queued without bound",
                             MANUAL_MAX_ACTIVE);
    pthread_mutex_lock(&m->lock);
    json_t *ctx = json_incref(json_object_get(m->contexts, id));
    json_object_del(m->contexts, id);
    pthread_mutex_unlock(&m->lock);
    int64_t now = fs_now_ms();
    json_t *rec = json_pack(
        "{s:s, s:O, s:O?, s:O?, s:O?, s:O?, s:s, s:I, s:I, s:I, s:I}", "command_id", id, "command",
        command, "case_id", json_object_get(ctx, "case_id"), "case_url",
        json_object_get(ctx, "case_url"), "playbook", json_object_get(ctx, "playbook"), "step",
        json_object_get(ctx, "step"), "stage", "new", "began_at", (json_int_t)now, "stage_at",
        (json_int_t)now, "next_at", (json_int_t)0, "backoff_ms", (json_int_t)0);
    json_decref(ctx);
    json_object_set_new(rec, "stages", json_array());
    fs_err_t e = {0};
    if (manual_store_save(m->store, rec, &e) != 0) {
        json_decref(rec);
        return openc2_status(500, "manual actuator: cannot record the command: %s", e.text);
    }
    json_array_append_new(m->active, rec);
    return processing("manual: a ticket is being opened at %s for IT staff",
                      json_string_value(json_object_get(m->config, "ticketing")));
}

/* ---- the ticket's text -------------------------------------------------------------- */

static char *ticket_text(manual_t *m, const json_t *rec, char **summary)
{
    const json_t *cmd = json_object_get(rec, "command");
    const char *action = json_string_value(json_object_get(cmd, "action"));
    const char *ttype = "?";
    json_t *tval = NULL;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(cmd, "target"), k, v)
    {
        ttype = k;
        tval = v;
    }
    char *target = json_dumps(tval ? tval : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
    char *args =
        json_dumps(json_object_get(cmd, "args") ? json_object_get(cmd, "args") : json_object(),
                   JSON_COMPACT | JSON_SORT_KEYS);
    char *whole = json_dumps(cmd, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_int_t case_id = json_integer_value(json_object_get(rec, "case_id"));
    const char *url = json_string_value(json_object_get(rec, "case_url"));
    const char *playbook = json_string_value(json_object_get(rec, "playbook"));
    const char *step = json_string_value(json_object_get(rec, "step"));
    *summary = fs_xasprintf("fedsoar: %s %s %.120s (case #%lld)", action ? action : "?", ttype,
                            target ? target : "", (long long)case_id);
    char why[400];
    snprintf(why, sizeof why, "case #%lld%s%s%s%s", (long long)case_id,
             playbook ? ", playbook " : "", playbook ? playbook : "", step ? ", step " : "",
             step ? step : "");
    char check[200];
    if (m->analyzer)
        snprintf(check, sizeof check, "checks with the analyzer \"%s\"", m->analyzer);
    else
        snprintf(check, sizeof check, "asks a person with the role \"%s\" to confirm",
                 m->approval_role);
    char *text = fs_xasprintf(
        "WHAT to change: OpenC2 action \"%s\" on target %s %s, with args %s.\n"
        "WHERE: site %s.\n"
        "WHY: %s.\n"
        "CASE: %s\n\n"
        "Carry out the change, then resolve this ticket. fedsoar then %s "
        "that it took effect and closes the ticket with the outcome.\n\n"
        "The command (command_id %s):\n%s\n",
        action ? action : "?", ttype, target ? target : "", args ? args : "{}", m->a->cfg.site, why,
        url ? url : "(no link: the broker has no http.public_url)", check,
        json_string_value(json_object_get(rec, "command_id")), whole ? whole : "");
    free(target);
    free(args);
    free(whole);
    return text;
}

/* ---- the stages -------------------------------------------------------------------- */

static void set_stage(json_t *rec, const char *stage, int64_t now)
{
    json_object_set_new(rec, "stage", json_string(stage));
    json_object_set_new(rec, "stage_at", json_integer(now));
    json_object_set_new(rec, "next_at", json_integer(0));
    json_object_set_new(rec, "backoff_ms", json_integer(0));
}

/* After a failed or unanswered try: the next one later, the wait doubling. */
static void back_off(manual_t *m, json_t *rec, int64_t now, const char *error)
{
    json_int_t b = json_integer_value(json_object_get(rec, "backoff_ms"));
    b = b ? b * 2 : m->poll_ms;
    if (b > m->poll_max_ms)
        b = m->poll_max_ms;
    json_object_set_new(rec, "backoff_ms", json_integer(b));
    json_object_set_new(rec, "next_at", json_integer(now + b));
    if (error)
        json_object_set_new(rec, "last_error", json_string(error));
}

static const char *result_error(const json_t *r)
{
    const char *s = json_string_value(json_object_get(r, "error"));
    return s ? s : "the connector answered without a status";
}

static bool ok(const json_t *r)
{
    const char *s = json_string_value(json_object_get(r, "status"));
    return s && strcmp(s, "ok") == 0;
}

static void finish(json_t *rec, int64_t now, int status, const char *why)
{
    json_object_set_new(rec, "outcome",
                        json_pack("{s:i, s:s}", "status", status, "status_text", why));
    set_stage(rec, "done", now);
}

static void stage_new(manual_t *m, json_t *rec, int64_t now)
{
    char *summary = NULL;
    char *text = ticket_text(m, rec, &summary);
    json_t *in = json_pack("{s:s, s:s, s:s, s:O?}", "op", "create", "summary", summary,
                           "description", text, "case_id", json_object_get(rec, "case_id"));
    free(text);
    free(summary);
    json_t *r = m->ticket_plugin->run(m->ticket_state, in);
    json_decref(in);
    const json_t *res = json_object_get(r, "result");
    json_t *tid = json_object_get(res, "id");
    if (ok(r) && (json_is_string(tid) || json_is_integer(tid))) {
        json_object_set_new(
            rec, "ticket", json_pack("{s:O, s:O?}", "id", tid, "url", json_object_get(res, "url")));
        set_stage(rec, "ticketed", now);
        json_object_set_new(rec, "next_at", json_integer(now + m->poll_ms));
    } else if (now - json_integer_value(json_object_get(rec, "stage_at")) > m->ticket_timeout_ms) {
        char why[600];
        snprintf(why, sizeof why, "manual: no ticket could be opened within %lld s: %s",
                 (long long)(m->ticket_timeout_ms / 1000), ok(r) ? "no id" : result_error(r));
        finish(rec, now, 500, why);
    } else {
        back_off(m, rec, now, ok(r) ? "the ticket has no id" : result_error(r));
    }
    json_decref(r);
}

static void stage_ticketed(manual_t *m, json_t *rec, int64_t now)
{
    json_t *ticket = json_object_get(rec, "ticket");
    json_t *in = json_pack("{s:s, s:O}", "op", "get", "id", json_object_get(ticket, "id"));
    json_t *r = m->ticket_plugin->run(m->ticket_state, in);
    json_decref(in);
    const char *st = json_string_value(json_object_get(json_object_get(r, "result"), "state"));
    if (ok(r) && st && (strcmp(st, "resolved") == 0 || strcmp(st, "closed") == 0)) {
        set_stage(rec, "resolved", now);
    } else if (now - json_integer_value(json_object_get(rec, "stage_at")) > m->ticket_timeout_ms) {
        char why[300];
        snprintf(why, sizeof why,
                 "manual: ticket %s was not resolved within ticket_timeout_s (%lld s)",
                 json_string_value(json_object_get(ticket, "id")),
                 (long long)(m->ticket_timeout_ms / 1000));
        finish(rec, now, 500, why);
    } else {
        back_off(m, rec, now, ok(r) ? NULL : result_error(r));
    }
    json_decref(r);
}

/* A person decides: the decision the broker sent (adapter_manual_context)
   for this command, or still waiting until validation_timeout_s. */
static void stage_approval(manual_t *m, json_t *rec, int64_t now)
{
    const char *id = json_string_value(json_object_get(rec, "command_id"));
    pthread_mutex_lock(&m->lock);
    json_t *decision = json_incref(json_object_get(m->decisions, id));
    json_object_del(m->decisions, id);
    pthread_mutex_unlock(&m->lock);
    char text[700];
    int v = manual_validation_outcome(decision, m->approval_role, text, sizeof text);
    if (v >= 0) {
        json_object_set(rec, "validation", decision);
        finish(rec, now, v == 1 ? 200 : 500, text);
    } else if (now - json_integer_value(json_object_get(rec, "stage_at")) >
               m->validation_timeout_ms) {
        snprintf(text, sizeof text,
                 "manual: validation timed out: nobody with role %s decided within "
                 "validation_timeout_s (%lld s)",
                 m->approval_role, (long long)(m->validation_timeout_ms / 1000));
        finish(rec, now, 500, text);
    } else {
        /* nothing to ask anyone: look again soon (a decision costs no call) */
        json_object_set_new(rec, "next_at", json_integer(now + 1000));
    }
    json_decref(decision);
}

static void stage_validating(manual_t *m, json_t *rec, int64_t now)
{
    if (m->approval_role) {
        stage_approval(m, rec, now);
        return;
    }
    json_t *in =
        json_pack("{s:O, s:O?, s:O?, s:O}", "command", json_object_get(rec, "command"), "case_id",
                  json_object_get(rec, "case_id"), "ticket", json_object_get(rec, "ticket"),
                  "command_id", json_object_get(rec, "command_id"));
    json_t *r = m->check_plugin->run(m->check_state, in);
    json_decref(in);
    char why[600], text[700];
    int v = manual_analyzer_verdict(r, why, sizeof why);
    json_decref(r);
    const char *analyzer = m->analyzer;
    if (v == 1) {
        snprintf(text, sizeof text, "manual: carried out by IT staff and validated by %s: %s",
                 analyzer, why);
        finish(rec, now, 200, text);
    } else if (v == 0) {
        snprintf(text, sizeof text, "manual: validation by %s rejected the change: %s", analyzer,
                 why);
        finish(rec, now, 500, text);
    } else if (now - json_integer_value(json_object_get(rec, "stage_at")) >
               m->validation_timeout_ms) {
        snprintf(text, sizeof text,
                 "manual: validation by %s did not decide within validation_timeout_s (%lld s): %s",
                 analyzer, (long long)(m->validation_timeout_ms / 1000), why);
        finish(rec, now, 500, text);
    } else {
        back_off(m, rec, now, why);
    }
}

/* Closes the ticket with the outcome; 0 closed (or it cannot be, said). */
static int stage_done(manual_t *m, json_t *rec, int64_t now)
{
    const json_t *outcome = json_object_get(rec, "outcome");
    json_t *ticket = json_object_get(rec, "ticket");
    if (!ticket)
        return 0;
    char notes[900];
    snprintf(notes, sizeof notes, "fedsoar outcome: %s %s",
             json_integer_value(json_object_get(outcome, "status")) == 200 ? "DONE (200)"
                                                                           : "FAILED (500)",
             json_string_value(json_object_get(outcome, "status_text")));
    json_t *in = json_pack("{s:s, s:O, s:s}", "op", "close", "id", json_object_get(ticket, "id"),
                           "notes", notes);
    json_t *r = m->ticket_plugin->run(m->ticket_state, in);
    json_decref(in);
    int rc = 0;
    if (!ok(r)) {
        json_int_t tries = json_integer_value(json_object_get(rec, "close_tries")) + 1;
        json_object_set_new(rec, "close_tries", json_integer(tries));
        if (tries < 5) {
            back_off(m, rec, now, result_error(r));
            rc = -1;
        } else {
            char text[900];
            snprintf(text, sizeof text, "%s (the ticket could not be closed: %s)",
                     json_string_value(json_object_get(outcome, "status_text")), result_error(r));
            json_object_set_new((json_t *)outcome, "status_text", json_string(text));
        }
    }
    json_decref(r);
    return rc;
}

/* A stage's 102, kept in the record (the final answer lists them all) and queued. */
static void say(manual_t *m, json_t *rec, int64_t now, json_t *response)
{
    json_t *stages = json_object_get(rec, "stages");
    if (!json_is_array(stages))
        json_object_set_new(rec, "stages", stages = json_array());
    json_array_append_new(stages, json_pack("{s:I, s:O, s:O}", "at", (json_int_t)now, "stage",
                                            json_object_get(rec, "stage"), "text",
                                            json_object_get(response, "status_text")));
    respond(m, json_string_value(json_object_get(rec, "command_id")), response, false);
}

/* The final answer: the outcome, with the ticket and every stage. */
static json_t *final_answer(const json_t *rec)
{
    json_t *out = json_deep_copy(json_object_get(rec, "outcome"));
    json_object_set_new(out, "results",
                        json_pack("{s:{s:O?, s:O, s:O?}}", "manual", "ticket",
                                  json_object_get(rec, "ticket"), "stages",
                                  json_object_get(rec, "stages"), "validation",
                                  json_object_get(rec, "validation")));
    return out;
}

/* One step of one command; returns true when it changed stage. */
static bool advance(manual_t *m, json_t *rec, int64_t now)
{
    char stage[16];
    snprintf(stage, sizeof stage, "%s", json_string_value(json_object_get(rec, "stage")));
    if (strcmp(stage, "closed") == 0 || json_integer_value(json_object_get(rec, "next_at")) > now)
        return false;
    if (strcmp(stage, "new") == 0)
        stage_new(m, rec, now);
    else if (strcmp(stage, "ticketed") == 0)
        stage_ticketed(m, rec, now);
    else if (strcmp(stage, "resolved") == 0)
        set_stage(rec, "validating", now);
    else if (strcmp(stage, "validating") == 0)
        stage_validating(m, rec, now);
    else if (strcmp(stage, "done") == 0 && stage_done(m, rec, now) == 0)
        set_stage(rec, "closed", now);
    const char *now_stage = json_string_value(json_object_get(rec, "stage"));
    bool changed = strcmp(stage, now_stage) != 0;
    const json_t *t = json_object_get(rec, "ticket");
    const char *tid = json_string_value(json_object_get(t, "id"));
    const char *url = json_string_value(json_object_get(t, "url"));
    const char *outcome =
        json_string_value(json_object_get(json_object_get(rec, "outcome"), "status_text"));
    if (!changed)
        ;
    else if (strcmp(now_stage, "ticketed") == 0)
        say(m, rec, now,
            processing("manual: ticket %s opened for IT staff: %s", tid, url ? url : ""));
    else if (strcmp(now_stage, "resolved") == 0)
        say(m, rec, now, processing("manual: ticket %s resolved by IT staff", tid));
    else if (strcmp(now_stage, "validating") == 0 && m->approval_role)
        say(m, rec, now, manual_validation_ask(rec, m->approval_role, m->a->cfg.site));
    else if (strcmp(now_stage, "validating") == 0)
        say(m, rec, now,
            processing("manual: ticket %s resolved, validation by %s running", tid, m->analyzer));
    else if (strcmp(now_stage, "done") == 0)
        say(m, rec, now,
            processing("manual: %s; closing ticket %s", outcome, tid ? tid : "(none)"));
    /* The record first, then (closed) the final answer: a crash between
       the two finds it closed and answers again (manual_flush is idempotent). */
    fs_err_t e = {0};
    if (manual_store_save(m->store, rec, &e) != 0)
        fs_log(FS_LOG_ERROR, "manual", "state_failed", "command_id=%s reason=\"%s\"",
               json_string_value(json_object_get(rec, "command_id")), e.text);
    if (changed && strcmp(now_stage, "closed") == 0)
        respond(m, json_string_value(json_object_get(rec, "command_id")), final_answer(rec), true);
    return changed;
}

static int tick(void *state)
{
    manual_t *m = state;
    if (!m->a)
        return 0;
    int64_t now = fs_now_ms();
    int changes = 0;
    for (size_t i = 0; i < json_array_size(m->active); i++) {
        json_t *rec = json_array_get(m->active, i);
        const char *id = json_string_value(json_object_get(rec, "command_id"));
        if (advance(m, rec, now))
            changes++;
        if (strcmp(json_string_value(json_object_get(rec, "stage")), "closed") != 0)
            continue;
        pthread_mutex_lock(&m->lock);
        bool journaled = json_object_get(m->journaled, id) != NULL;
        if (journaled)
            json_object_del(m->journaled, id);
        pthread_mutex_unlock(&m->lock);
        fs_err_t e = {0};
        if (journaled && manual_store_drop(m->store, id, &e) == 0)
            json_array_remove(m->active, i--);
        else if (journaled)
            fs_log(FS_LOG_ERROR, "manual", "state_failed", "command_id=%s reason=\"%s\"", id,
                   e.text);
    }
    return changes;
}

/* ---- binding (manual_actuator.h) ------------------------------------------------------ */

static manual_t *bound(adapter_t *a, actuator_slot_t **slot)
{
    for (size_t i = 0; i < a->actuator_count; i++)
        if (a->actuators[i].plugin == &actuator_manual) {
            if (slot)
                *slot = &a->actuators[i];
            return a->actuators[i].state;
        }
    return NULL;
}

/* Our own instance of the connector named name, of kind kind. */
static int own_connector(adapter_t *a, const char *name, const char *kind,
                         const adapter_plugin_t **plugin, void **state, fs_err_t *e)
{
    size_t i;
    json_t *c;
    json_array_foreach(a->cfg.connectors, i, c)
    {
        const char *n = json_string_value(json_object_get(c, "name"));
        if (!n || strcmp(n, name) != 0)
            continue;
        const char *k = json_string_value(json_object_get(c, "kind"));
        if (!k || strcmp(k, kind) != 0)
            return fs_err_set(e, "actuator_config.manual: connector \"%s\" is a %s, not an %s",
                              name, k ? k : "(no kind)", kind);
        const char *type = json_string_value(json_object_get(c, "type"));
        fs_err_t fe = {0};
        *plugin = adapter_plugin_find(ADAPTER_PLUGIN_CONNECTOR, type, &fe);
        if (!*plugin)
            return fs_err_set(e, "actuator_config.manual: connector \"%s\": %s", name,
                              fe.text[0] ? fe.text : "unknown type");
        if (!(*state = (*plugin)->init(c, a->cfg.state_dir, &fe))) {
            *plugin = NULL;
            return fs_err_set(e, "actuator_config.manual: connector \"%s\": %s", name, fe.text);
        }
        return 0;
    }
    return fs_err_set(e, "actuator_config.manual: no connector named \"%s\" in \"connectors\"",
                      name);
}

int adapter_manual_bind(adapter_t *a, fs_err_t *e)
{
    manual_t *m = bound(a, NULL);
    if (!m)
        return 0;
    const char *tname = json_string_value(json_object_get(m->config, "ticketing"));
    if (own_connector(a, tname, "responder", &m->ticket_plugin, &m->ticket_state, e) != 0 ||
        (m->analyzer &&
         own_connector(a, m->analyzer, "analyzer", &m->check_plugin, &m->check_state, e) != 0))
        return -1;
    m->a = a;
    /* Closed before the restart but perhaps not journaled: answer again. */
    size_t i;
    json_t *rec;
    json_array_foreach(
        m->active, i,
        rec) if (strcmp(json_string_value(json_object_get(rec, "stage")) ?: "", "closed") == 0)
        respond(m, json_string_value(json_object_get(rec, "command_id")), final_answer(rec), true);
    if (json_array_size(m->active))
        fs_log(FS_LOG_INFO, "manual", "resumed", "site=%s commands=%zu", a->cfg.site,
               json_array_size(m->active));
    return 0;
}

actuator_slot_t *adapter_manual_fallback(adapter_t *a)
{
    actuator_slot_t *slot = NULL;
    manual_t *m = bound(a, &slot);
    return m && m->fallback ? slot : NULL;
}

void adapter_manual_context(adapter_t *a, const json_t *body)
{
    manual_t *m = bound(a, NULL);
    const char *id = json_string_value(json_object_get(body, "command_id"));
    if (!m || !id)
        return;
    pthread_mutex_lock(&m->lock);
    if (json_object_size(m->contexts) >= 4 * MANUAL_MAX_ACTIVE)
        json_object_clear(m->contexts); /* commands that never reached execute (refused) */
    json_object_set_new(
        m->contexts, id,
        json_pack("{s:O?, s:O?, s:O?, s:O?}", "case_id", json_object_get(body, "case_id"),
                  "case_url", json_object_get(body, "case_url"), "playbook",
                  json_object_get(body, "playbook"), "step", json_object_get(body, "step")));
    /* A person's decision on the validation (docs/protocol.md §5.4): the
       lane applies it to the command waiting in stage validating. */
    const json_t *decision = json_object_get(body, "validation");
    if (json_is_object(decision) && json_object_get(decision, "decided")) {
        if (json_object_size(m->decisions) >= 4 * MANUAL_MAX_ACTIVE)
            json_object_clear(m->decisions); /* for commands no longer waiting */
        json_object_set(m->decisions, id, (json_t *)decision);
    }
    pthread_mutex_unlock(&m->lock);
}

void adapter_manual_flush(adapter_t *a)
{
    manual_t *m = bound(a, NULL);
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    json_t *out = m->outgoing;
    m->outgoing = json_array();
    pthread_mutex_unlock(&m->lock);
    size_t i;
    json_t *o;
    json_array_foreach(out, i, o)
    {
        const char *id = json_string_value(json_object_get(o, "command_id"));
        json_t *response = json_object_get(o, "response");
        fs_err_t e = {0};
        int rc = journal_finish(a->outbox, id, response, &e);
        if (rc == 0)
            rc = journal_write(a->outbox, &e);
        if (rc != 0)
            fs_log(FS_LOG_ERROR, "manual", "journal_failed", "command_id=%s reason=\"%s\"", id,
                   e.text);
        json_t *reply = json_pack("{s:s, s:O}", "command_id", id, "response", response);
        if (a->dealer)
            fsp_send(a->dealer, NULL, FSP_RESPONSE, reply);
        json_decref(reply);
        if (rc == 0 && json_is_true(json_object_get(o, "final"))) {
            pthread_mutex_lock(&m->lock);
            json_object_set_new(m->journaled, id, json_true());
            pthread_mutex_unlock(&m->lock);
        }
    }
    json_decref(out);
}

/* ---- the descriptor -------------------------------------------------------------------- */

static const fs_schema_field_t validation_fields[] = {
    FS_FIELD("analyzer", FS_S_STRING_LEN(1, 64)),
    FS_FIELD("approval_role", FS_S_STRING_LEN(1, 64)),
    FS_FIELDS_END,
};
static const fs_schema_field_t manual_fields[] = {
    FS_FIELD("pairs", FS_S_ARRAY(FS_S_STRING_LEN(3, 130), 0, 64)),
    FS_FIELD("fallback", FS_S_BOOL),
    FS_REQUIRED("ticketing", FS_S_STRING_LEN(1, 64)),
    FS_REQUIRED("validation", FS_S_OBJECT(validation_fields)),
    FS_FIELD("ticket_timeout_s", FS_S_INT(1, 31536000)),
    FS_FIELD("validation_timeout_s", FS_S_INT(1, 31536000)),
    FS_FIELD("poll_s", FS_S_INT(1, 86400)),
    FS_FIELD("poll_max_s", FS_S_INT(1, 86400)),
    FS_FIELDS_END,
};
static const fs_schema_t manual_schema = {.type = FS_SCHEMA_OBJECT, .fields = {manual_fields}};

const adapter_plugin_t actuator_manual = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_ACTUATOR,
    .type = "manual",
    .summary = "OpenC2 pairs answered by people: a ticket at the site's ITSM (102 until "
               "resolved), then a validation (200 or 500), the ticket closed with the outcome",
    .profile = "slpf",
    .init = init,
    .pairs = pairs,
    .execute = execute,
    .tick = tick,
    .cleanup = cleanup,
    .config_schema = &manual_schema,
};
