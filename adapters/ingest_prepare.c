/*  ingest_prepare.c — the costly half of ingesting, off the daemon's
    thread: a poll's records are normalized and their events serialized to
    the outbox's stored form (outbox_encode) on the source's worker thread
    and the adapter's pool (ingest_pool.c), into an ingest_prepared_t per
    record.  Nothing here touches LMDB, counts, logs or tells the source
    anything: ingest_apply (ingest.c, the daemon's thread) replays each
    prepared record, in order, with the counts, logs and fates the daemon
    gave when it normalized them itself.
    The normalizer and outbox_encode are safe on several threads at once
    (normalize.h). */
#include "adapter_internal.h"

#include <string.h>

#define INGEST_PREPARED_MAX_BYTES ((size_t)1 << 40) /* bounded by the poll's input instead */

static ingest_item_t *item_new(ingest_prepared_t *p, ingest_item_kind_t kind, size_t record_no,
                               size_t offset)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->items = fs_xrealloc(p->items, p->cap * sizeof *p->items);
    }
    ingest_item_t *it = &p->items[p->n++];
    *it = (ingest_item_t){.kind = kind, .record_no = record_no, .offset = offset};
    return it;
}

/* Appends bytes and a NUL to the record's buffer; their offset in it. */
static size_t keep(ingest_prepared_t *p, const void *bytes, size_t n)
{
    size_t at = p->buf.len;
    fs_err_t e;
    if (ocsf_buf_append(&p->buf, bytes, n, &e) != 0 || ocsf_buf_append(&p->buf, "", 1, &e) != 0)
        fs_oom(n + 1); /* only past INGEST_PREPARED_MAX_BYTES */
    return at;
}

static void add_failure(ingest_prepared_t *p, size_t record_no, size_t offset, const char *why)
{
    ingest_item_t *it = item_new(p, INGEST_ITEM_FAIL, record_no, offset);
    it->text_at = keep(p, why, strlen(why));
}

static void add_event(ingest_prepared_t *p, json_t *ev, size_t record_no, size_t offset)
{
    size_t at = p->buf.len;
    fs_err_t e = {0};
    if (outbox_encode(ev, &p->buf, &e) != 0) {
        add_failure(p, record_no, offset, e.text);
        return;
    }
    ingest_item_t *it = item_new(p, INGEST_ITEM_EVENT, record_no, offset);
    it->at = at;
    it->len = p->buf.len - at;
    const char *source = json_string_value(json_object_get(ev, "source"));
    it->text_at = source ? keep(p, source, strlen(source)) : INGEST_NO_TEXT;
}

static void add_reject(ingest_prepared_t *p, size_t record_no, size_t offset, const char *reason,
                       const char *raw, size_t raw_len)
{
    size_t text_at = keep(p, reason, strlen(reason));
    size_t at = keep(p, raw, raw_len);
    ingest_item_t *it = item_new(p, INGEST_ITEM_REJECT, record_no, offset);
    it->text_at = text_at;
    it->at = at;
    it->len = raw_len;
}

/* normalize_emit_at_fn / normalize_reject_fn: arg is the ingest_prepared_t. */
static void on_event(void *arg, json_t *ev, size_t record_no, size_t offset)
{
    add_event(arg, ev, record_no, offset);
}

static void on_reject(void *arg, size_t record_no, size_t offset, const char *reason,
                      const char *raw, size_t raw_len)
{
    add_reject(arg, record_no, offset, reason, raw, raw_len);
}

void ingest_prepare(ingest_prepared_t *p, normalizer_t *nz, const char *source_id,
                    const normalize_opts_t *opts, const json_t *rec, size_t index)
{
    memset(p, 0, sizeof *p);
    ocsf_buf_init(&p->buf, INGEST_PREPARED_MAX_BYTES);
    fs_err_t e = {0};
    if (json_is_string(rec)) {
        /* Native text: framed and mapped by normalizer_run_at. */
        p->text = true;
        p->rejected = normalizer_run_at(nz, source_id, opts, json_string_value(rec),
                                        json_string_length(rec), on_event, on_reject, p, &e);
        if (p->rejected < 0)
            add_failure(p, 0, 0, e.text);
        return;
    }
    json_t *ev = normalizer_map(nz, source_id, opts, rec, &e);
    if (ev) {
        add_event(p, ev, index + 1, 0);
        json_decref(ev);
        return;
    }
    char *raw = json_dumps(rec, JSON_COMPACT);
    add_reject(p, index + 1, 0, e.text, raw ? raw : "", raw ? strlen(raw) : 0);
    free(raw);
}

void ingest_prepared_release(ingest_prepared_t *p)
{
    free(p->items);
    ocsf_buf_release(&p->buf);
    memset(p, 0, sizeof *p);
}

/* ---- a whole poll, over the pool ------------------------------------------------------- */

typedef struct prepare_job {
    adapter_t *a;
    const char *source_id;
    normalize_opts_t opts;
    const json_t *records;
    ingest_prepared_t *out;
} prepare_job_t;

static void prepare_one(void *ctx, size_t i)
{
    prepare_job_t *j = ctx;
    ingest_prepare(&j->out[i], j->a->normalizer, j->source_id, &j->opts,
                   json_array_get(j->records, i), i);
}

ingest_prepared_t *ingest_prepare_all(adapter_t *a, const char *source_id, const json_t *records)
{
    size_t n = json_array_size(records);
    prepare_job_t j = {
        .a = a,
        .source_id = source_id,
        .opts = {.site = a->cfg.site, .keep_raw = a->cfg.keep_raw},
        .records = records,
        .out = fs_xcalloc(n ? n : 1, sizeof(ingest_prepared_t)),
    };
    ingest_pool_run(a->pool, n, prepare_one, &j);
    return j.out;
}

void ingest_prepared_free(ingest_prepared_t **self_p, size_t n)
{
    if (!self_p || !*self_p)
        return;
    for (size_t i = 0; i < n; i++)
        ingest_prepared_release(&(*self_p)[i]);
    free(*self_p);
    *self_p = NULL;
}
