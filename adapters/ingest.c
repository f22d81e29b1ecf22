/*  ingest.c — the one normalize-into-outbox path: every source's records
    (polled by sources.c, streamed by the replay source) become events or
    dead letters here, inside one outbox transaction that commits together
    with the source's checkpoint (adapter_internal.h, ingest_t).

    Polled sources' records arrive here already normalized and serialized
    (ingest_prepare.c, on the source's thread): ingest_apply only writes
    them, with the same counts, logs, dead letters and fates, in the same
    order, as the replay path (ingest_event, ingest_reject) has for the
    records it normalizes on this thread. */
#include "adapter_internal.h"

#include <string.h>

int ingest_begin(ingest_t *in, fs_err_t *e)
{
    in->e = e;
    in->failed = false;
    in->pending = 0;
    if (outbox_begin(in->a->outbox, e) != 0)
        return -1;
    in->open = true;
    return 0;
}

void ingest_abort(ingest_t *in)
{
    if (in->open)
        outbox_abort(in->a->outbox);
    in->open = false;
}

void ingest_event(void *arg, json_t *event, size_t record_no)
{
    (void)record_no;
    ingest_t *in = arg;
    if (in->failed)
        return;
    int rc = outbox_add(in->a->outbox, event, in->e);
    if (rc < 0)
        in->failed = true;
    else if (rc == 0)
        in->added++;
    else
        in->refused++;
    in->pending++;
}

/* A push source answering record by record learns each one's fate. */
static void tell(ingest_t *in, size_t record_no, size_t offset, source_record_fate_t fate,
                 const char *reason)
{
    if (in->plugin && in->plugin->on_text_record)
        in->plugin->on_text_record(in->state, in->index, record_no, offset, fate, reason);
}

void ingest_reject(void *arg, size_t record_no, size_t offset, const char *reason, const char *raw,
                   size_t raw_len)
{
    ingest_t *in = arg;
    tell(in, record_no, offset, SOURCE_RECORD_REJECTED, reason);
    char q[600];
    if (in->file)
        fs_log(FS_LOG_WARN, "adapter", "record_rejected",
               "site=%s source=%s file=%s record=%zu offset=%zu reason=%s", in->a->cfg.site,
               in->name, in->file, record_no, offset, fs_log_quote(q, sizeof q, reason));
    else
        fs_log(FS_LOG_WARN, "adapter", "record_rejected",
               "site=%s source=%s record=%zu offset=%zu reason=\"%s\"", in->a->cfg.site, in->name,
               record_no, offset, reason);
    in->rejected++;
    in->pending++;
    if (!in->failed && outbox_dead_letter(in->a->outbox, in->source_id, record_no, offset, reason,
                                          raw, raw_len, in->e) != 0)
        in->failed = true;
}

/* An event encoded by outbox_encode (ingest_prepare.c): ingest_event's
   twin, which also tells a push source its fate. */
static void apply_event(ingest_t *in, const ingest_prepared_t *p, const ingest_item_t *it,
                        bool text)
{
    if (in->failed)
        return;
    const char *source = it->text_at == INGEST_NO_TEXT ? NULL : p->buf.data + it->text_at;
    int rc = outbox_add_encoded(in->a->outbox, source, p->buf.data + it->at, it->len, in->e);
    if (rc < 0)
        in->failed = true;
    else if (rc == 0)
        in->added++;
    else
        in->refused++;
    in->pending++;
    if (text && !in->failed)
        tell(in, it->record_no, it->offset, rc ? SOURCE_RECORD_REFUSED : SOURCE_RECORD_ADDED,
             rc ? "the outbox is full (kept in the dead letters)" : NULL);
}

/* A record that did not normalize, native text: ingest_reject's twin. */
static void apply_reject(ingest_t *in, const ingest_prepared_t *p, const ingest_item_t *it)
{
    ingest_reject(in, it->record_no, it->offset, p->buf.data + it->text_at, p->buf.data + it->at,
                  it->len);
}

/* What the record's preparing could not do (an event that did not
   serialize): the write that would have failed. */
static void apply_failure(ingest_t *in, const ingest_prepared_t *p, const ingest_item_t *it)
{
    if (in->failed)
        return;
    fs_err_set(in->e, "%s", p->buf.data + it->text_at);
    in->failed = true;
    in->pending++;
}

/* A mapped object's one item: added, refused or dead-lettered (logged
   with its number in the poll). */
static int apply_object(ingest_t *in, const ingest_prepared_t *p, size_t index)
{
    const ingest_item_t *it = &p->items[0];
    int rc, fate;
    if (it->kind == INGEST_ITEM_FAIL) {
        fs_err_set(in->e, "%s", p->buf.data + it->text_at);
        rc = -1;
        fate = SOURCE_RECORD_ADDED;
    } else if (it->kind == INGEST_ITEM_EVENT) {
        const char *source = it->text_at == INGEST_NO_TEXT ? NULL : p->buf.data + it->text_at;
        rc = outbox_add_encoded(in->a->outbox, source, p->buf.data + it->at, it->len, in->e);
        if (rc == 0)
            in->added++;
        else if (rc > 0)
            in->refused++;
        fate = rc == 0 ? SOURCE_RECORD_ADDED : SOURCE_RECORD_REFUSED;
    } else {
        fate = SOURCE_RECORD_REJECTED;
        fs_log(FS_LOG_WARN, "adapter", "record_rejected",
               "site=%s source=%s record=%zu reason=\"%s\"", in->a->cfg.site, in->name, index + 1,
               p->buf.data + it->text_at);
        rc = outbox_dead_letter(in->a->outbox, in->source_id, index + 1, 0,
                                p->buf.data + it->text_at, p->buf.data + it->at, it->len, in->e);
        in->rejected++;
    }
    in->pending++;
    if (rc < 0) {
        in->failed = true;
        return -1;
    }
    return fate;
}

int ingest_apply(ingest_t *in, const ingest_prepared_t *p, size_t index)
{
    if (!p->text)
        return p->n ? apply_object(in, p, index) : -1;
    size_t added0 = in->added, refused0 = in->refused;
    in->index = index;
    for (size_t i = 0; i < p->n; i++) {
        const ingest_item_t *it = &p->items[i];
        if (it->kind == INGEST_ITEM_EVENT)
            apply_event(in, p, it, true);
        else if (it->kind == INGEST_ITEM_REJECT)
            apply_reject(in, p, it);
        else
            apply_failure(in, p, it);
    }
    if (p->rejected < 0 || in->failed)
        return -1;
    return in->refused != refused0                  ? SOURCE_RECORD_REFUSED
           : p->rejected > 0 || in->added == added0 ? SOURCE_RECORD_REJECTED
                                                    : SOURCE_RECORD_ADDED;
}

int ingest_commit(ingest_t *in, const char *key, const char *checkpoint, bool more)
{
    if (in->failed || (checkpoint && outbox_set_meta(in->a->outbox, key, checkpoint, in->e) != 0)) {
        ingest_abort(in);
        return -1;
    }
    in->open = false;
    if (outbox_commit(in->a->outbox, in->e) != 0)
        return -1;
    in->pending = 0;
    return more ? ingest_begin(in, in->e) : 0;
}
