/*  ingest.c — EVENTS from a site (docs/protocol.md §5.3): sequence check,
    admission (admission.c), storage, then for the findings and the events
    a playbook wants: route learning, cases and runs (runs.c) — all in one
    transaction, committed before the ACK, and only then the messages the
    runs queued are sent. A batch is written alone (handle_events) or with
    the site messages waiting behind it in one transaction (site.c:
    events_write, then events_acked after the group's commit). */
#include "broker_internal.h"
#include "casestore_activity.h"
#include "ocsf.h"

#include <string.h>

/* Findings open cases, and so does any event a loaded playbook triggers on;
   the rest is stored and counted without being parsed. */
static bool needs_parsing(broker_t *b, json_int_t class_uid)
{
    if (OCSF_CLASS_IS_FINDING(class_uid))
        return true;
    for (size_t i = 0; i < playbook_set_count(b->playbooks); i++)
        if (playbook_wants_class(playbook_set_get(b->playbooks, i), class_uid))
            return true;
    return false;
}

/* The answer to a batch that was not stored (docs/protocol.md §5.3
   "RESEND"): an ACK of what is stored (upto = last_seq) that tells the site
   where to start again, echoing the batch's "pass" so that the site can
   tell this answer from those to batches it sent before it rewound. */
static void send_resend(broker_t *b, session_t *s, const fsp_msg_t *m, const char *epoch,
                        uint64_t last, int64_t retry_after_ms, const char *reason)
{
    json_t *pass = json_object_get(m->body, "pass");
    json_t *body = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s}", "epoch", epoch, "upto",
                             (json_int_t)last, "resend_from", (json_int_t)(last + 1), "first_seq",
                             json_integer_value(json_object_get(m->body, "first_seq")),
                             "retry_after_ms", (json_int_t)retry_after_ms, "reason", reason);
    if (json_is_integer(pass))
        json_object_set(body, "pass", pass);
    fsp_send(b->sites, s->peer, FSP_ACK, body);
    json_decref(body);
}

int events_write(broker_t *b, casestore_txn_t *txn, session_t *s, const fsp_msg_t *m,
                 events_done_t *done, outbound_t *out, fs_err_t *e)
{
    const char *epoch = json_string_value(json_object_get(m->body, "epoch"));
    json_t *first_j = json_object_get(m->body, "first_seq");
    json_t *classes = json_object_get(m->body, "classes");
    size_t count = zmsg_size(m->events);
    if (!epoch || !json_is_integer(first_j) || json_integer_value(first_j) < 1)
        return fs_err_set(e, "§5.3: EVENTS needs \"epoch\" and \"first_seq\" >= 1"),
               EVENTS_MALFORMED;
    if (!json_is_array(classes) || json_array_size(classes) != count)
        return fs_err_set(e, "§5.3: EVENTS \"classes\" must list one class_uid per event frame"),
               EVENTS_MALFORMED;
    uint64_t first = (uint64_t)json_integer_value(first_j), upto = first + count - 1;
    *done = (events_done_t){.epoch = epoch, .first = first, .upto = upto, .count = count};

    char key[SITE_SEQ_KEY_MAX];
    size_t klen = site_seq_key(s->site, epoch, key);
    uint64_t last = site_last_seq(b, txn, key, klen);
    if (first > last + 1) {
        /* A gap means this batch is stale (from a connection that died) or
           the site skipped events: storing it would make the missing ones
           look like duplicates later. Refuse; the site resends in order. */
        done->upto = last;
        fs_err_set(e, "§5.3: sequence gap: expected first_seq %llu, got %llu",
                   (unsigned long long)(last + 1), (unsigned long long)first);
        return EVENTS_GAP;
    }
    char counter[64];
    snprintf(counter, sizeof counter, "events/%s", s->site);
    uint64_t seq = first;
    int rc = 0;
    casestore_activity_t *act = casestore_activity_new(s->site, fs_now_ms()); /* site_activity.c */
    for (zframe_t *f = zmsg_first(m->events); f && rc == 0; f = zmsg_next(m->events), seq++) {
        if (seq <= last)
            continue; /* a resend of what is already stored: idempotent */
        const char *why = NULL;
        fs_json_pick_t src = {.path = "source"};
        admit_t verdict =
            admission_check(b, txn, s->site, zframe_data(f), zframe_size(f), &why, &src, e);
        if (verdict == ADMIT_ERROR) {
            rc = -1;
            break;
        }
        if (verdict == ADMIT_DUPLICATE) {
            done->duplicates++;
            continue;
        }
        if (verdict == ADMIT_REFUSED) {
            char name[96];
            snprintf(name, sizeof name, "refused/%s/%s", s->site, why);
            rc = casestore_counter_add(b->store, txn, name, 1, e);
            if (!done->refused++) {
                done->first_refused = seq;
                done->refused_why = why;
            }
            continue;
        }
        uint64_t id = casestore_append_event(b->store, txn, zframe_data(f), zframe_size(f), e);
        if (!id) {
            rc = -1;
            break;
        }
        done->stored++;
        json_int_t cls = json_integer_value(json_array_get(classes, seq - first));
        const char *source = src.found == FS_PICK_STRING ? src.at : NULL;
        /* Only findings are parsed on the broker: the hot path stays cheap. */
        fs_err_t pe = {0};
        json_t *event = needs_parsing(b, cls)
                            ? fs_json_parse((const char *)zframe_data(f), zframe_size(f), &pe)
                            : NULL;
        if (event) /* its lag sample read from the parse at hand, not parsed again */
            casestore_activity_note_event(act, source, src.len, event, cls);
        else
            casestore_activity_note(act, source, src.len, zframe_data(f), zframe_size(f), cls);
        if (!event && pe.text[0])
            fs_log(FS_LOG_WARN, "broker", "finding_unreadable",
                   "site=%s seq=%llu event_id=%llu reason=\"%s\"", s->site, (unsigned long long)seq,
                   (unsigned long long)id, pe.text);
        if (!event)
            continue;
        /* Its run reads it again when the response to its command comes. */
        casestore_event_parsed(b->store, id, zframe_data(f), zframe_size(f), event);
        /* What this site's own events say it owns (its devices, its users). */
        route_learn(b->routes, s->site, event, fs_now_ms());
        if (OCSF_CLASS_IS_FINDING(cls))
            casestore_activity_note_finding(act, event);
        rc = runs_on_finding(b, txn, event, id, out, e);
        json_decref(event);
    }
    if (rc == 0 && upto > last) {
        unsigned char be[8];
        fs_u64_to_be(upto, be);
        rc = casestore_put(b->store, txn, CASESTORE_DB_SEQ, key, klen, be, 8, e);
    }
    if (rc == 0 && done->stored)
        rc = casestore_activity_flush(b->store, txn, act, e);
    casestore_activity_destroy(&act);
    if (rc == 0 && done->stored)
        rc = casestore_counter_add(b->store, txn, "events", (int64_t)done->stored, e);
    if (rc == 0 && done->stored)
        rc = casestore_counter_add(b->store, txn, counter, (int64_t)done->stored, e);
    if (rc == 0 && done->duplicates) {
        snprintf(counter, sizeof counter, "duplicates/%s", s->site);
        rc = casestore_counter_add(b->store, txn, counter, (int64_t)done->duplicates, e);
    }
    return rc;
}

void events_acked(broker_t *b, session_t *s, const events_done_t *done)
{
    if (done->refused)
        fs_log(FS_LOG_WARN, "broker", "events_refused",
               "site=%s count=%llu first_seq=%llu reason=%s msg=\"an event must name its sender as "
               "its site "
               "(docs/security.md)\"",
               s->site, (unsigned long long)done->refused, (unsigned long long)done->first_refused,
               done->refused_why);
    /* Committed: now, and only now, acknowledge (refused and duplicate
       events included: they are dealt with, and the outbox moves on). */
    json_t *ack = json_pack("{s:s, s:I}", "epoch", done->epoch, "upto", (json_int_t)done->upto);
    fsp_send(b->sites, s->peer, FSP_ACK, ack);
    json_decref(ack);
    fs_log(FS_LOG_DEBUG, "broker", "events_stored",
           "site=%s first=%llu count=%zu new=%llu duplicates=%llu", s->site,
           (unsigned long long)done->first, done->count, (unsigned long long)done->stored,
           (unsigned long long)done->duplicates);
}

/* Stores one batch alone and ACKs it (0); -1 with e set when nothing was
   stored; 1 with e set for a malformed batch (answered with ERROR, never
   resent). *gap is set (and the RESEND sent) for a batch past last_seq + 1. */
static int store_events(broker_t *b, session_t *s, fsp_msg_t *m, bool *gap, fs_err_t *e)
{
    casestore_txn_t *txn;
    if (casestore_begin(b->store, true, &txn, e) != 0)
        return -1;
    outbound_t out;
    outbound_init(&out);
    events_done_t done;
    int rc = events_write(b, txn, s, m, &done, &out, e);
    if (rc != 0) {
        casestore_abort(&txn);
        outbound_clear(&out);
        if (rc == EVENTS_GAP) {
            fs_log(FS_LOG_DEBUG, "broker", "events_resend", "site=%s reason=\"%s\"", s->site,
                   e->text);
            send_resend(b, s, m, done.epoch, done.upto, 0, e->text);
            *gap = true;
            return 0;
        }
        return rc == EVENTS_MALFORMED ? 1 : -1; /* -1: no ACK, the site sends it again */
    }
    if (casestore_commit(&txn, e) != 0) {
        outbound_clear(&out);
        return -1;
    }
    events_acked(b, s, &done);
    delivery_flush(b, &out);
    return 0;
}

/* How long a site should wait before resending while the store fails:
   the broker's hint; the site backs off further on its own (§5.3). */
#define INGEST_RETRY_AFTER_MS 1000

int handle_events(broker_t *b, session_t *s, fsp_msg_t *m, fs_err_t *e)
{
    bool gap = false;
    int rc = store_events(b, s, m, &gap, e);
    if (rc > 0)
        return -1;
    /* A full map grew (casestore_grow_if_full, between transactions): the
       batch is tried once more at once rather than after a round trip. */
    if (rc < 0 && casestore_grow_if_full(b->store, NULL) == 1) {
        fs_err_t again = {0};
        rc = store_events(b, s, m, &gap, &again);
        if (rc != 0)
            *e = again;
    }
    if (rc == 0)
        return 0;
    /* Not stored (the transaction was aborted, nothing was ACKed): tell the
       site where to start again instead of leaving the batches it has in
       flight past a gap. A malformed batch (no epoch) gets the ERROR. */
    const char *epoch = json_string_value(json_object_get(m->body, "epoch"));
    if (rc > 0 || !epoch)
        return -1;
    char key[SITE_SEQ_KEY_MAX];
    size_t klen = site_seq_key(s->site, epoch, key);
    casestore_txn_t *txn;
    fs_err_t re = {0};
    if (casestore_begin(b->store, false, &txn, &re) != 0)
        return -1;
    uint64_t last = site_last_seq(b, txn, key, klen);
    casestore_abort(&txn);
    casestore_health_t h;
    casestore_health(b->store, &h);
    if (!h.failing) /* the store said nothing: say why here */
        fs_log(FS_LOG_WARN, "broker", "message_failed", "site=%s type=EVENTS reason=\"%s\"",
               s->site, e->text);
    send_resend(b, s, m, epoch, last, INGEST_RETRY_AFTER_MS, e->text);
    return 0;
}
