/*  ingest.c — the one normalize-into-outbox path: every source's records
    (polled by sources.c, streamed by the replay source) become events or
    dead letters here, inside one outbox transaction that commits together
    with the source's checkpoint (adapter_internal.h, ingest_t). */
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

/* normalize_emit_at_fn for native text (ingest_record). */
static void ingest_event_at(void *arg, json_t *event, size_t record_no, size_t offset)
{
    ingest_t *in = arg;
    size_t refused0 = in->refused;
    ingest_event(arg, event, record_no);
    if (!in->failed)
        tell(in, record_no, offset,
             in->refused != refused0 ? SOURCE_RECORD_REFUSED : SOURCE_RECORD_ADDED,
             in->refused != refused0 ? "the outbox is full (kept in the dead letters)" : NULL);
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

int ingest_record(ingest_t *in, const json_t *rec, size_t index)
{
    adapter_t *a = in->a;
    normalize_opts_t opts = {.site = a->cfg.site, .keep_raw = a->cfg.keep_raw};
    if (json_is_string(rec)) {
        /* Native text: framed and mapped by normalizer_run. */
        size_t added0 = in->added, refused0 = in->refused;
        in->index = index;
        long r =
            normalizer_run_at(a->normalizer, in->source_id, &opts, json_string_value(rec),
                              json_string_length(rec), ingest_event_at, ingest_reject, in, in->e);
        if (r < 0 || in->failed)
            return -1;
        return in->refused != refused0        ? SOURCE_RECORD_REFUSED
               : r > 0 || in->added == added0 ? SOURCE_RECORD_REJECTED
                                              : SOURCE_RECORD_ADDED;
    }
    fs_err_t me = {0};
    json_t *ev = normalizer_map(a->normalizer, in->source_id, &opts, rec, &me);
    int rc, fate;
    if (ev) {
        rc = outbox_add(a->outbox, ev, in->e);
        json_decref(ev);
        if (rc == 0)
            in->added++;
        else if (rc > 0)
            in->refused++;
        fate = rc == 0 ? SOURCE_RECORD_ADDED : SOURCE_RECORD_REFUSED;
    } else {
        fate = SOURCE_RECORD_REJECTED;
        char *raw = json_dumps(rec, JSON_COMPACT);
        fs_log(FS_LOG_WARN, "adapter", "record_rejected",
               "site=%s source=%s record=%zu reason=\"%s\"", a->cfg.site, in->name, index + 1,
               me.text);
        rc = outbox_dead_letter(a->outbox, in->source_id, index + 1, 0, me.text, raw ? raw : "",
                                raw ? strlen(raw) : 0, in->e);
        free(raw);
        in->rejected++;
    }
    in->pending++;
    if (rc < 0) {
        in->failed = true;
        return -1;
    }
    return fate;
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
