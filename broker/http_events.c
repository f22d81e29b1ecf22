/*  http_events.c — loop side of GET /api/v1/stream: the control command
    events.since turns the audit chain after a seq into the Server-Sent
    Events a caller may see (docs/internals/http_stream.md).  The audit log
    is the only source: an event's id is its audit seq, so a client that
    resumes with Last-Event-ID gets exactly what it missed, across broker
    restarts.  The HTTP side (http_stream.c) calls this over the bridge. */
#include "broker_internal.h"
#include "http_internal.h"

#include <stdlib.h>
#include <string.h>

/* Bounds of one call: what it returns and what it reads. A site-admin's
   call may skip many entries of other sites; EXAMINE_MAX keeps the loop's
   turn short whatever the history looks like ("more": true, call again). */
#define EVENTS_MAX 500
#define EVENTS_BYTES_MAX (256u * 1024)
#define EXAMINE_MAX 20000

typedef struct events_page {
    broker_t *b;
    casestore_txn_t *txn;
    const caller_t *who;
    json_t *events;  /* the answer's array */
    json_t *visible; /* site-admin only: "case_id" -> true|false, per call */
    uint64_t head;   /* last seq examined */
    size_t bytes;    /* about how much JSON the events make */
    size_t examined; /* entries read */
    bool more;       /* stopped on a bound */
} events_page_t;

static bool is_site_admin(const caller_t *who)
{
    return who->role && strcmp(who->role, "site-admin") == 0;
}

/* Whether the caller may see events of case_id (loaded once per call). */
static bool case_visible(events_page_t *p, uint64_t case_id)
{
    if (!is_site_admin(p->who))
        return true;
    if (!case_id || !p->who->site)
        return false;
    char key[24];
    snprintf(key, sizeof key, "%llu", (unsigned long long)case_id);
    json_t *known = json_object_get(p->visible, key);
    if (known)
        return json_is_true(known);
    json_t *c = casestore_case_get(p->b->store, p->txn, case_id);
    bool ok = c && control_case_visible(p->who, c);
    json_decref(c);
    json_object_set_new(p->visible, key, json_boolean(ok));
    return ok;
}

static const char *str_of(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

static uint64_t id_of(const json_t *o, const char *name)
{
    json_int_t v = json_integer_value(json_object_get(o, name));
    return v > 0 ? (uint64_t)v : 0;
}

/* Copies the members `names` of from that exist into to. */
static void copy_members(json_t *to, const json_t *from, const char *const *names)
{
    for (; *names; names++) {
        json_t *v = json_object_get(from, *names);
        if (v && !json_is_null(v))
            json_object_set(to, *names, v);
    }
}

/* Case timeline kinds that change what the case board shows. */
static bool board_change(const char *what)
{
    static const char *const kinds[] = {"updated", "alert", "note", "assigned", NULL};
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp(what, kinds[i]) == 0)
            return true;
    return false;
}

/* An approval vote that closed its gate: a deny, or the quorum reached. */
static const char *vote_outcome(const json_t *d)
{
    const char *decision = str_of(d, "decision");
    if (decision && strcmp(decision, "deny") == 0)
        return "denied";
    json_int_t quorum = json_integer_value(json_object_get(d, "quorum"));
    if (quorum > 0 && json_integer_value(json_object_get(d, "approvals")) >= quorum)
        return "approved";
    return NULL;
}

/* One audit entry -> (name, data) of an SSE event, or NULL when it is not
   one the stream carries or the caller may not see it. data: caller owns. */
static const char *map_entry(events_page_t *p, const json_t *entry, json_t **data)
{
    static const char *const case_fields[] = {"site", "source", "text", "event_id", NULL};
    static const char *const changed[] = {"status", "assignee", "severity_id", NULL};
    static const char *const gate[] = {"run_id", "step", "role", "quorum", "deadline", NULL};
    const char *kind = str_of(entry, "kind");
    const json_t *subject = json_object_get(entry, "subject");
    const json_t *details = json_object_get(entry, "details");
    uint64_t case_id = id_of(subject, "case_id");
    *data = NULL;
    if (!kind)
        return NULL;
    if (strncmp(kind, "site.source_", 12) == 0) { /* coverage health (source_coverage.c) */
        const char *site = str_of(subject, "site"), *source = str_of(subject, "source");
        if (!site || !source ||
            (strcmp(kind + 12, "silent") != 0 && strcmp(kind + 12, "flowing") != 0) ||
            (is_site_admin(p->who) && (!p->who->site || strcmp(p->who->site, site) != 0)))
            return NULL;
        *data = json_pack("{s:s, s:s, s:O?, s:O?, s:O?}", "site", site, "source", source,
                          "last_event_ms", json_object_get(details, "last_event_ms"),
                          "silence_alert_s", json_object_get(details, "silence_alert_s"), "case_id",
                          json_object_get(details, "case_id"));
        return kind; /* "site.source_silent" / "site.source_flowing" */
    }
    if (strncmp(kind, "site.", 5) == 0) {
        const char *site = str_of(subject, "site");
        bool up = strcmp(kind, "site.hello") == 0;
        if (!site || (!up && strcmp(kind, "site.bye") != 0 && strcmp(kind, "site.lost") != 0))
            return NULL;
        if (is_site_admin(p->who) && (!p->who->site || strcmp(p->who->site, site) != 0))
            return NULL;
        *data = json_pack("{s:s}", "site", site);
        if (!up)
            json_object_set_new(*data, "reason", json_string(kind + 5));
        return up ? "site.connected" : "site.disconnected";
    }
    if (strcmp(kind, "run.status") == 0) {
        const char *to = str_of(details, "to");
        if (!to || strcmp(to, "running") == 0 || strcmp(to, "waiting") == 0 ||
            !case_visible(p, case_id))
            return NULL;
        const char *actor = str_of(entry, "actor");
        *data = json_pack("{s:I, s:I, s:s}", "run_id", (json_int_t)id_of(subject, "run_id"),
                          "case_id", (json_int_t)case_id, "status", to);
        if (actor && strncmp(actor, "playbook:", 9) == 0)
            json_object_set_new(*data, "playbook", json_string(actor + 9));
        if (json_is_true(json_object_get(details, "shadow")))
            json_object_set_new(*data, "shadow", json_true());
        return "run.completed";
    }
    if (strncmp(kind, "case.", 5) != 0 || !case_id)
        return NULL;
    const char *what = kind + 5;
    const char *name = NULL;
    if (strcmp(what, "opened") == 0) {
        name = "case.opened";
    } else if (strcmp(what, "approval_requested") == 0) {
        name = "approval.requested";
    } else if (strcmp(what, "approval_vote") == 0 && vote_outcome(details)) {
        name = "approval.decided";
    } else if (strcmp(what, "approval_expired") == 0) {
        name = "approval.decided";
    } else if (board_change(what)) {
        name = "case.updated";
    }
    if (!name || !case_visible(p, case_id))
        return NULL;
    *data = json_pack("{s:I}", "case_id", (json_int_t)case_id);
    if (strcmp(what, "opened") == 0) {
        json_object_set_new(*data, "status", json_string("new"));
        copy_members(*data, details, case_fields);
    } else if (strncmp(what, "approval_", 9) == 0) {
        json_object_set_new(*data, "approval_id",
                            json_integer((json_int_t)id_of(subject, "approval_id")));
        if (strcmp(what, "approval_requested") == 0)
            copy_members(*data, details, gate);
        else
            json_object_set_new(*data, "decision",
                                json_string(strcmp(what, "approval_expired") == 0
                                                ? "expired"
                                                : vote_outcome(details)));
    } else {
        /* Only the board's fields, never a note's text or an alert's body. */
        const json_t *fields = json_object_get(details, "fields");
        bool note = json_object_get(fields, "note") != NULL;
        json_object_set_new(*data, "change", json_string(note ? "note" : what));
        copy_members(*data, json_is_object(fields) ? fields : details, changed);
        if (strcmp(what, "alert") == 0)
            copy_members(*data, details, (const char *const[]){"site", "event_id", NULL});
    }
    return name;
}

static int visit_entry(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    events_page_t *p = arg;
    if (key->len != 8)
        return 0;
    if (json_array_size(p->events) >= EVENTS_MAX || p->bytes >= EVENTS_BYTES_MAX ||
        p->examined >= EXAMINE_MAX) {
        p->more = true;
        return 1;
    }
    uint64_t seq = fs_u64_from_be(key->data);
    p->examined++;
    p->head = seq;
    json_t *entry = json_loadb(val->data, val->len, 0, NULL);
    json_t *data = NULL;
    const char *name = entry ? map_entry(p, entry, &data) : NULL;
    if (name) {
        char *text = json_dumps(data, JSON_COMPACT);
        p->bytes += (text ? strlen(text) : 0) + strlen(name) + 32;
        free(text);
        json_array_append_new(p->events, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)seq,
                                                   "event", name, "data", data));
    } else {
        json_decref(data);
    }
    json_decref(entry);
    return 0;
}

json_t *control_events_since(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e)
{
    const json_t *since_j = json_object_get(args, "since");
    if (since_j && (!json_is_integer(since_j) || json_integer_value(since_j) < 0)) {
        fs_err_setc(e, BROKER_E_INVALID, "args.since: the audit seq to start after (0: from now)");
        return NULL;
    }
    uint64_t since = since_j ? (uint64_t)json_integer_value(since_j) : 0;
    uint64_t head = casestore_audit_head(b->store, txn);
    events_page_t p = {.b = b,
                       .txn = txn,
                       .who = who,
                       .events = json_array(),
                       .visible = json_object(),
                       .head = since};
    if (since == 0) {
        /* A new stream: nothing from the past, only what comes next. */
        p.head = head;
    } else if (since < head) {
        unsigned char from[8];
        fs_u64_to_be(since + 1, from);
        casestore_foreach_from(b->store, txn, CASESTORE_DB_AUDIT, from, 8, visit_entry, &p);
    }
    json_decref(p.visible);
    return json_pack("{s:o, s:I, s:b}", "events", p.events, "head", (json_int_t)p.head, "more",
                     p.more && p.head < head);
}
