/*  outbox.c — the adapter's LMDB: events waiting for the broker's ACK,
    dead letters, the command journal, and small metadata.  Store and
    forward: a site without its broker keeps collecting. */
#include "adapter.h"
#include "fsp.h"
#include "journal_log.h"

#include <errno.h>
#include <lmdb.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

enum { OB_EVENTS, OB_DEAD, OB_JOURNAL, OB_META, OB_ACKED, OB_JOURNAL_DONE, OB_COUNT };
/* "acked": u64 BE seq -> u64 BE wall ms: when the broker acknowledged up to
   seq; events stay until retain_ms after that (outbox_set_retain).
   "journal_done": u64 BE wall ms "finished" + command_id -> empty: the
   journal's finished entries in the order they may go
   (outbox_set_journal_retain). */
static const char *const names[OB_COUNT] = {"outbox", "dead_letters", "journal",
                                            "meta",   "acked",        "journal_done"};

struct outbox {
    MDB_env *env;
    MDB_dbi dbi[OB_COUNT];
    MDB_txn *txn; /* the open write batch, if any */
    char epoch[17];
    uint64_t max_events;
    uint64_t last_seq;
    ocsf_buf_t value; /* outbox_add's record value, reused (ocsf_dump) */
    char *dir;
    /* Disk space (docs/operations.md "When the disk fills"): below
       reserve_bytes free on the state directory's filesystem, measured at
       each outbox_begin, new events go to the dead letters instead, so that
       the space left keeps what cannot be sent, with its reason. */
    uint64_t reserve_bytes;
    bool low_space;              /* this batch: below the reserve */
    int64_t budget;              /* bytes this batch may still take before the reserve */
    unsigned long long free_now; /* what outbox_begin measured */
    uint64_t batch_records;      /* events and dead letters in the open batch */
    uint64_t refused_disk;       /* events dead-lettered for lack of space, since start */
    uint64_t failed_commits;     /* batches the disk refused, since start */
    uint64_t uncommitted;        /* records in them */
    int64_t retain_ms;           /* keep acknowledged events this long (0: delete at the ACK) */
    int64_t journal_retain_ms;   /* keep finished journal entries this long (0: for ever) */
    uint64_t acked_upto;         /* the broker's last ACK (events above it are the backlog) */
    uint64_t ack_later;          /* an ACK not written yet (outbox_ack_later), if ack_waiting */
    bool ack_waiting;
    uint64_t last_seq_stored; /* the open batch's "last_seq" row, as outbox_begin read it */
    /* The command journal's log (journal_log.h): its entries not yet in
       LMDB, by key (the latest wins), and the open batch's, in order. */
    journal_log_t *jlog;
    uint64_t jlog_generation; /* "journal_log_generation" in meta */
    json_t *jlog_entries;     /* {key: record}: written to the log, not yet in LMDB */
    json_t *jbatch;           /* [[key, record]]: added, not yet written */
    bool jbatch_too_big;      /* an entry of it is over JOURNAL_LOG_VALUE_MAX */
    bool jlog_restart_due;    /* a write failed midway: start a new generation first */
};

static int journal_open(outbox_t *self, fs_err_t *e);

void outbox_set_retain(outbox_t *self, int64_t retain_ms)
{
    self->retain_ms = retain_ms > 0 ? retain_ms : 0;
}

void outbox_set_journal_retain(outbox_t *self, int64_t retain_ms)
{
    self->journal_retain_ms = retain_ms > 0 ? retain_ms : 0;
}

uint64_t outbox_first_seq(outbox_t *self)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    uint64_t first = 0;
    if (mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn) != 0)
        return 0;
    if (mdb_cursor_open(txn, self->dbi[OB_EVENTS], &cur) == 0) {
        MDB_val k, v;
        if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0 && k.mv_size == 8)
            first = fs_u64_from_be(k.mv_data);
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return first;
}

/* outbox_add keeps its buffer between events up to this size. */
#define OUTBOX_VALUE_KEEP (1024u * 1024u)

static int fail(fs_err_t *e, const char *what, int rc)
{
    if (rc == MDB_MAP_FULL)
        return fs_err_setc(e, FS_E_FULL, "outbox: %s: the LMDB map is full", what);
    return fs_err_setc(e, FS_E_STORAGE, "outbox: %s: %s", what, mdb_strerror(rc));
}

static unsigned long long free_bytes(const char *dir)
{
    struct statvfs st;
    return statvfs(dir, &st) == 0 ? (unsigned long long)st.f_bavail * st.f_frsize : ~0ull;
}

void outbox_set_reserve(outbox_t *self, uint64_t bytes)
{
    self->reserve_bytes = bytes;
}

static uint64_t meta_u64(outbox_t *self, MDB_txn *txn, const char *name)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    if (mdb_get(txn, self->dbi[OB_META], &k, &v) != 0 || v.mv_size != 8)
        return 0;
    return fs_u64_from_be(v.mv_data);
}

static int put_meta_u64(outbox_t *self, MDB_txn *txn, const char *name, uint64_t value)
{
    unsigned char be[8];
    fs_u64_to_be(value, be);
    MDB_val k = {strlen(name), (void *)name}, v = {8, be};
    return mdb_put(txn, self->dbi[OB_META], &k, &v, 0);
}

outbox_t *outbox_open(const char *dir, uint64_t max_events, fs_err_t *e)
{
    if (fs_mkdir_p(dir, 0700, e) != 0)
        return NULL;
    outbox_t *self = fs_xcalloc(1, sizeof *self);
    self->dir = fs_xstrdup(dir);
    self->reserve_bytes = (uint64_t)OUTBOX_RESERVE_MB_DEFAULT << 20;
    self->max_events = max_events ? max_events : 1000000;
    ocsf_buf_init(&self->value, 0);
    MDB_txn *txn = NULL;
    int rc = mdb_env_create(&self->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(self->env, OB_COUNT);
    if (rc == 0)
        rc = mdb_env_set_mapsize(self->env, (size_t)8 << 30);
    if (rc == 0)
        rc = mdb_env_open(self->env, dir, MDB_NOTLS, 0600);
    if (rc == 0) {
        int dead;
        mdb_reader_check(self->env, &dead);
        rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    }
    for (int i = 0; i < OB_COUNT && rc == 0; i++)
        rc = mdb_dbi_open(txn, names[i], MDB_CREATE, &self->dbi[i]);
    MDB_val k = {5, "epoch"}, v;
    if (rc == 0 && mdb_get(txn, self->dbi[OB_META], &k, &v) == 0 &&
        v.mv_size < sizeof self->epoch) {
        memcpy(self->epoch, v.mv_data, v.mv_size);
    } else if (rc == 0) {
        unsigned char r[8];
        RAND_bytes(r, sizeof r);
        for (int i = 0; i < 8; i++)
            snprintf(self->epoch + 2 * i, 3, "%02x", r[i]);
        v.mv_size = 16;
        v.mv_data = self->epoch;
        rc = mdb_put(txn, self->dbi[OB_META], &k, &v, 0);
    }
    if (rc == 0) {
        self->last_seq = meta_u64(self, txn, "last_seq");
        /* An outbox an older adapter made has no "acked_upto": what it holds
           is exactly what was not acknowledged. */
        MDB_val ak = {10, "acked_upto"}, av;
        if (mdb_get(txn, self->dbi[OB_META], &ak, &av) == 0 && av.mv_size == 8) {
            self->acked_upto = fs_u64_from_be(av.mv_data);
        } else {
            MDB_cursor *cur;
            MDB_val fk, fv;
            self->acked_upto = self->last_seq;
            if (mdb_cursor_open(txn, self->dbi[OB_EVENTS], &cur) == 0) {
                if (mdb_cursor_get(cur, &fk, &fv, MDB_FIRST) == 0)
                    self->acked_upto = fs_u64_from_be(fk.mv_data) - 1;
                mdb_cursor_close(cur);
            }
        }
        rc = mdb_txn_commit(txn);
        txn = NULL;
    }
    if (txn)
        mdb_txn_abort(txn);
    if (rc != 0) {
        fs_err_set(e, "outbox: cannot open LMDB in %s: %s", dir, mdb_strerror(rc));
        outbox_close(&self);
    } else if (journal_open(self, e) != 0) {
        outbox_close(&self);
    }
    return self;
}

void outbox_close(outbox_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    outbox_abort(*self_p);
    journal_log_close(&(*self_p)->jlog);
    json_decref((*self_p)->jlog_entries);
    json_decref((*self_p)->jbatch);
    if ((*self_p)->env)
        mdb_env_close((*self_p)->env);
    ocsf_buf_release(&(*self_p)->value);
    free((*self_p)->dir);
    free(*self_p);
    *self_p = NULL;
}

const char *outbox_epoch(const outbox_t *self)
{
    return self->epoch;
}

int outbox_begin(outbox_t *self, fs_err_t *e)
{
    if (self->txn)
        return fs_err_set(e, "outbox: a batch is already open");
    int rc = mdb_txn_begin(self->env, NULL, 0, &self->txn);
    if (rc != 0) {
        self->txn = NULL;
        return fail(e, "begin", rc);
    }
    self->last_seq = self->last_seq_stored = meta_u64(self, self->txn, "last_seq");
    self->batch_records = 0;
    bool was_low = self->low_space;
    self->free_now = free_bytes(self->dir);
    self->low_space = self->free_now < self->reserve_bytes;
    self->budget = self->low_space ? 0 : (int64_t)(self->free_now - self->reserve_bytes);
    if (self->low_space != was_low)
        fs_log(self->low_space ? FS_LOG_ERROR : FS_LOG_INFO, "adapter",
               self->low_space ? "outbox_disk_low" : "outbox_disk_ok",
               "state_dir=%s free_bytes=%llu reserve_bytes=%llu msg=\"%s\"", self->dir,
               self->free_now, (unsigned long long)self->reserve_bytes,
               self->low_space ? "new events go to the dead letters (reason: adapter disk full) "
                                 "until space returns; free space on this filesystem"
                               : "space is back: new events are kept and sent again");
    return 0;
}

static int ack_write(outbox_t *self, MDB_txn *txn, uint64_t upto, uint64_t *mark);

/* Writes a noted ACK into the open batch, in a nested transaction: an ACK
   that cannot be written leaves the batch whole (and stays noted, for
   outbox_ack_flush), so it never holds up the commands journaled with it.
   true when written. */
static bool ack_into_batch(outbox_t *self, uint64_t *mark)
{
    MDB_txn *sub;
    if (!self->ack_waiting || mdb_txn_begin(self->env, self->txn, 0, &sub) != 0)
        return false;
    if (ack_write(self, sub, self->ack_later, mark) != 0) {
        mdb_txn_abort(sub);
        return false;
    }
    return mdb_txn_commit(sub) == 0; /* frees sub either way */
}

static int commit(outbox_t *self, fs_err_t *e)
{
    uint64_t mark = 0;
    bool ack_in = ack_into_batch(self, &mark);
    /* Written only when it moved: each row a commit touches is pages that
       its fdatasync writes, and an ACK's commit adds no event. */
    int rc = self->last_seq == self->last_seq_stored
                 ? 0
                 : put_meta_u64(self, self->txn, "last_seq", self->last_seq);
    if (rc != 0) {
        outbox_abort(self);
        return fail(e, "commit", rc);
    }
    rc = mdb_txn_commit(self->txn);
    self->txn = NULL;
    if (rc == 0) {
        if (ack_in) {
            self->acked_upto = mark;
            self->ack_waiting = false;
        }
        return 0;
    }
    /* The disk refused even this batch (the reserve is spent, or the device
       failed): nothing of it is kept. Count and say so; the caller keeps
       running (a polled source reads the same records again from its
       checkpoint, which did not move). */
    self->failed_commits++;
    self->uncommitted += self->batch_records;
    fs_log(FS_LOG_ERROR, "adapter", "outbox_commit_failed",
           "state_dir=%s records=%llu free_bytes=%llu failed_commits=%llu uncommitted=%llu "
           "reason=\"%s\"",
           self->dir, (unsigned long long)self->batch_records, free_bytes(self->dir),
           (unsigned long long)self->failed_commits, (unsigned long long)self->uncommitted,
           rc == MDB_MAP_FULL ? "the LMDB map is full" : mdb_strerror(rc));
    self->low_space = true; /* the next batch measures again */
    return fail(e, "commit", rc);
}

int outbox_commit(outbox_t *self, fs_err_t *e)
{
    return commit(self, e);
}

void outbox_abort(outbox_t *self)
{
    if (self->txn) {
        mdb_txn_abort(self->txn);
        self->txn = NULL;
        MDB_txn *ro;
        if (mdb_txn_begin(self->env, NULL, MDB_RDONLY, &ro) == 0) {
            self->last_seq = meta_u64(self, ro, "last_seq");
            mdb_txn_abort(ro);
        }
    }
}

static uint64_t entries(outbox_t *self, MDB_txn *txn, int db)
{
    MDB_stat st;
    return mdb_stat(txn, self->dbi[db], &st) == 0 ? st.ms_entries : 0;
}

int outbox_encode(const json_t *event, ocsf_buf_t *out, fs_err_t *e)
{
    /* Value: class_uid (4 bytes BE) then the event's JSON, so sending needs
       no parsing.  ocsf_dump writes json_dumps(JSON_COMPACT)'s bytes. */
    uint32_t cls = (uint32_t)json_integer_value(json_object_get(event, "class_uid"));
    unsigned char be[4] = {(unsigned char)(cls >> 24), (unsigned char)(cls >> 16),
                           (unsigned char)(cls >> 8), (unsigned char)cls};
    size_t len0 = out->len;
    fs_err_t de;
    if (ocsf_buf_append(out, be, 4, &de) != 0 || ocsf_dump(event, out, &de) != 0) {
        out->len = len0;
        return fs_err_set(e, "outbox: cannot serialize an event: %s", de.text);
    }
    return 0;
}

int outbox_add_encoded(outbox_t *self, const char *source, const void *value, size_t len,
                       fs_err_t *e)
{
    const char *text = (const char *)value + 4;
    size_t text_len = len - 4;
    int rc;
    if (text_len > FSP_MAX_EVENT) {
        /* No frame over the wire limit (protocol §4.4): keep it here instead. */
        rc = outbox_dead_letter(self, source, 0, 0,
                                "event larger than the 256 KiB FSP/1 frame limit", text, text_len,
                                e);
        return rc == 0 ? 1 : -1;
    }
    /* What an event costs on disk, roughly: LMDB pages are half full at
       worst, and a commit writes copies of the branch pages it touched. */
    if (!self->low_space && (self->budget -= (int64_t)(2 * len + 64)) < 0) {
        self->low_space = true;
        fs_log(FS_LOG_ERROR, "adapter", "outbox_disk_low",
               "state_dir=%s free_bytes=%llu reserve_bytes=%llu msg=\"new events go to the dead "
               "letters (reason: adapter disk full) until space returns; free space on this "
               "filesystem\"",
               self->dir, self->free_now, (unsigned long long)self->reserve_bytes);
    }
    if (self->low_space) {
        /* Below the reserve: what fits is kept where an operator finds it. */
        char reason[200];
        snprintf(reason, sizeof reason,
                 "adapter disk full: %llu bytes free in the state directory, under "
                 "outbox.reserve_mb",
                 self->free_now);
        self->refused_disk++;
        rc = outbox_dead_letter(self, source, 0, 0, reason, text, text_len, e);
        return rc == 0 ? 1 : -1;
    }
    if (self->last_seq - self->acked_upto >= self->max_events) {
        /* Full: keep it where an operator can find and replay it. */
        uint64_t refused = meta_u64(self, self->txn, "refused_full") + 1;
        put_meta_u64(self, self->txn, "refused_full", refused);
        rc = outbox_dead_letter(self, source, 0, 0, "outbox full (outbox.max_events reached)", text,
                                text_len, e);
        return rc == 0 ? 1 : -1;
    }
    unsigned char key[8];
    fs_u64_to_be(self->last_seq + 1, key);
    MDB_val k = {8, key}, v = {len, (void *)value};
    rc = mdb_put(self->txn, self->dbi[OB_EVENTS], &k, &v, MDB_APPEND);
    if (rc != 0)
        return fail(e, "add event", rc);
    self->last_seq++;
    self->batch_records++;
    return 0;
}

int outbox_add(outbox_t *self, const json_t *event, fs_err_t *e)
{
    /* Encoded into a buffer reused from event to event. */
    ocsf_buf_t *val = &self->value;
    val->len = 0;
    if (outbox_encode(event, val, e) != 0) {
        ocsf_buf_trim(val, OUTBOX_VALUE_KEEP);
        return -1;
    }
    int rc = outbox_add_encoded(self, json_string_value(json_object_get(event, "source")),
                                val->data, val->len, e);
    if (val->len > OUTBOX_VALUE_KEEP)
        ocsf_buf_trim(val, OUTBOX_VALUE_KEEP);
    return rc;
}

int outbox_dead_letter(outbox_t *self, const char *source, size_t record_no, size_t offset,
                       const char *reason, const char *raw, size_t raw_len, fs_err_t *e)
{
    uint64_t id = meta_u64(self, self->txn, "dead_id") + 1;
    json_t *rec =
        json_pack("{s:I, s:I, s:s?, s:I, s:I, s:s, s:s%}", "id", (json_int_t)id, "time",
                  (json_int_t)fs_now_ms(), "source", source, "record", (json_int_t)record_no,
                  "offset", (json_int_t)offset, "reason", reason, "raw", raw, raw_len);
    if (!rec) /* raw is not valid UTF-8: keep it hex-encoded rather than lose it */
    {
        char *hex = fs_xmalloc(raw_len * 2 + 1);
        for (size_t i = 0; i < raw_len; i++)
            snprintf(hex + 2 * i, 3, "%02x", (unsigned char)raw[i]);
        hex[raw_len * 2] = '\0';
        rec = json_pack("{s:I, s:I, s:s?, s:I, s:I, s:s, s:s}", "id", (json_int_t)id, "time",
                        (json_int_t)fs_now_ms(), "source", source, "record", (json_int_t)record_no,
                        "offset", (json_int_t)offset, "reason", reason, "raw_hex", hex);
        free(hex);
    }
    char *text = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    unsigned char key[8];
    fs_u64_to_be(id, key);
    MDB_val k = {8, key}, v = {text ? strlen(text) : 0, text};
    int rc = text ? mdb_put(self->txn, self->dbi[OB_DEAD], &k, &v, MDB_APPEND) : ENOMEM;
    free(text);
    if (rc == 0)
        rc = put_meta_u64(self, self->txn, "dead_id", id);
    if (rc == 0)
        self->batch_records++;
    return rc ? fail(e, "dead letter", rc) : 0;
}

size_t outbox_peek(outbox_t *self, uint64_t after, size_t max_events, size_t max_bytes,
                   zmsg_t *frames, json_t *classes, uint64_t *first)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    if (mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn) != 0)
        return 0;
    size_t n = 0, bytes = 0;
    if (mdb_cursor_open(txn, self->dbi[OB_EVENTS], &cur) == 0) {
        unsigned char key[8];
        fs_u64_to_be(after + 1, key);
        MDB_val k = {8, key}, v;
        int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        while (rc == 0 && n < max_events && bytes + v.mv_size <= max_bytes) {
            const unsigned char *p = v.mv_data;
            if (n == 0)
                *first = fs_u64_from_be(k.mv_data);
            else if (fs_u64_from_be(k.mv_data) != *first + n)
                break; /* keep batches contiguous */
            json_array_append_new(classes, json_integer(((json_int_t)p[0] << 24) | (p[1] << 16) |
                                                        (p[2] << 8) | p[3]));
            zmsg_addmem(frames, p + 4, v.mv_size - 4);
            bytes += v.mv_size;
            n++;
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return n;
}

/* Deletes the events up to and including upto. */
static int delete_upto(outbox_t *self, MDB_txn *txn, uint64_t upto)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->dbi[OB_EVENTS], &cur);
    if (rc != 0)
        return rc;
    MDB_val k, v;
    int got = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0 && got == 0 && fs_u64_from_be(k.mv_data) <= upto) {
        rc = mdb_cursor_del(cur, 0);
        got = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc;
}

/* Retention: the ACKs older than retain_ms release their events. */
static int release_expired(outbox_t *self, MDB_txn *txn, int64_t now)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->dbi[OB_ACKED], &cur);
    if (rc != 0)
        return rc;
    MDB_val k, v;
    uint64_t release = 0;
    int got = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0 && got == 0 && v.mv_size == 8 &&
           (int64_t)fs_u64_from_be(v.mv_data) + self->retain_ms <= now) {
        release = fs_u64_from_be(k.mv_data);
        rc = mdb_cursor_del(cur, 0);
        got = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == 0 && release ? delete_upto(self, txn, release) : rc;
}

/* A broker that has less than it acknowledged before (restored from an
   older copy): the ACKs above upto no longer hold; *kept_from is the lowest
   sequence number still here (last_seq + 1 when none). */
static int forget_acks_above(outbox_t *self, MDB_txn *txn, uint64_t upto, uint64_t *kept_from)
{
    MDB_cursor *cur;
    unsigned char key[8];
    fs_u64_to_be(upto + 1, key);
    MDB_val k = {8, key}, v;
    int rc = mdb_cursor_open(txn, self->dbi[OB_ACKED], &cur);
    if (rc != 0)
        return rc;
    int got = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && got == 0) {
        rc = mdb_cursor_del(cur, 0);
        got = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    *kept_from = self->last_seq + 1;
    if (rc == 0 && mdb_cursor_open(txn, self->dbi[OB_EVENTS], &cur) == 0) {
        if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0)
            *kept_from = fs_u64_from_be(k.mv_data);
        mdb_cursor_close(cur);
    }
    return rc;
}

/* Writes the ACK of upto in txn; *mark is what acked_upto becomes once it
   commits. */
static int ack_write(outbox_t *self, MDB_txn *txn, uint64_t upto, uint64_t *mark)
{
    int rc = 0;
    int64_t now = fs_now_ms();
    *mark = upto;
    if (upto < self->acked_upto) {
        uint64_t kept_from = 0;
        rc = forget_acks_above(self, txn, upto, &kept_from);
        if (rc == 0 && kept_from > upto + 1) {
            /* Acknowledged, then released after the retention window: this
               site cannot send them again. */
            fs_log(FS_LOG_ERROR, "adapter", "resend_beyond_retention",
                   "state_dir=%s broker_has=%llu kept_from=%llu lost_from=%llu lost_upto=%llu "
                   "msg=\"the broker has fewer events than it acknowledged, and this site no "
                   "longer keeps the rest (outbox.retain_acked_s)\"",
                   self->dir, (unsigned long long)upto, (unsigned long long)kept_from,
                   (unsigned long long)(upto + 1), (unsigned long long)(kept_from - 1));
            *mark = kept_from - 1;
        }
    }
    if (rc == 0 && self->retain_ms == 0) {
        rc = delete_upto(self, txn, upto);
    } else if (rc == 0) {
        /* Kept retain_ms after this ACK, so that a broker restored from an
           older copy can have them again (docs/operations.md). */
        unsigned char key[8], at[8];
        fs_u64_to_be(upto, key);
        fs_u64_to_be((uint64_t)now, at);
        MDB_val k = {8, key}, v = {8, at};
        if (upto > self->acked_upto)
            rc = mdb_put(txn, self->dbi[OB_ACKED], &k, &v, 0);
        if (rc == 0)
            rc = release_expired(self, txn, now);
    }
    if (rc == 0)
        rc = put_meta_u64(self, txn, "acked_upto", *mark);
    return rc;
}

void outbox_ack_later(outbox_t *self, uint64_t upto)
{
    self->ack_later = upto;
    self->ack_waiting = true;
}

int outbox_ack_flush(outbox_t *self, fs_err_t *e)
{
    if (!self->ack_waiting)
        return 0;
    if (self->txn)
        return fs_err_set(e, "outbox: ack_flush inside a batch (its commit writes the ACK)");
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    if (rc != 0)
        return fail(e, "ack", rc);
    uint64_t mark;
    rc = ack_write(self, txn, self->ack_later, &mark);
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    if (rc != 0)
        return fail(e, "ack", rc);
    self->acked_upto = mark;
    self->ack_waiting = false;
    return 0;
}

int outbox_ack(outbox_t *self, uint64_t upto, fs_err_t *e)
{
    outbox_ack_later(self, upto);
    return outbox_ack_flush(self, e);
}

void outbox_stats(outbox_t *self, outbox_stats_t *out)
{
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    if (mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn) != 0)
        return;
    out->backlog = self->last_seq >= self->acked_upto ? self->last_seq - self->acked_upto : 0;
    out->retained = entries(self, txn, OB_EVENTS) - out->backlog;
    out->dead_letters = entries(self, txn, OB_DEAD);
    out->last_seq = meta_u64(self, txn, "last_seq");
    out->refused_full = meta_u64(self, txn, "refused_full");
    mdb_txn_abort(txn);
    out->refused_disk = self->refused_disk;
    out->failed_commits = self->failed_commits;
    out->uncommitted = self->uncommitted;
}

json_t *outbox_dead_letters(outbox_t *self, size_t max)
{
    json_t *out = json_array();
    MDB_txn *txn;
    MDB_cursor *cur;
    if (mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn) != 0)
        return out;
    if (mdb_cursor_open(txn, self->dbi[OB_DEAD], &cur) == 0) {
        MDB_val k, v;
        int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        while (rc == 0 && json_array_size(out) < max) {
            json_t *rec = json_loadb(v.mv_data, v.mv_size, 0, NULL);
            if (rec)
                json_array_append_new(out, rec);
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return out;
}

bool outbox_seen(outbox_t *self, const char *marker)
{
    MDB_txn *txn;
    bool seen = false;
    if (mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn) == 0) {
        MDB_val k = {strlen(marker), (void *)marker}, v;
        seen = mdb_get(txn, self->dbi[OB_META], &k, &v) == 0;
        mdb_txn_abort(txn);
    }
    return seen;
}

int outbox_mark_seen(outbox_t *self, const char *marker, fs_err_t *e)
{
    MDB_val k = {strlen(marker), (void *)marker}, v = {1, "1"};
    int rc = mdb_put(self->txn, self->dbi[OB_META], &k, &v, 0);
    return rc ? fail(e, "mark", rc) : 0;
}

/* ---- named metadata (source checkpoints) ------------------------------------ */

#define OUTBOX_META_NAME_MAX 200

/* Kept under "x:NAME" so they never collide with the outbox's own keys. */
static int meta_key(const char *name, char *out, size_t size)
{
    return snprintf(out, size, "x:%s", name) >= (int)size ? -1 : 0;
}

char *outbox_get_meta(outbox_t *self, const char *name)
{
    char key[OUTBOX_META_NAME_MAX + 3];
    if (meta_key(name, key, sizeof key) != 0)
        return NULL;
    MDB_txn *txn = self->txn, *ro = NULL;
    if (!txn && mdb_txn_begin(self->env, NULL, MDB_RDONLY, &ro) != 0)
        return NULL;
    MDB_val k = {strlen(key), key}, v;
    char *out = NULL;
    if (mdb_get(txn ? txn : ro, self->dbi[OB_META], &k, &v) == 0) {
        out = fs_xmalloc(v.mv_size + 1);
        memcpy(out, v.mv_data, v.mv_size);
        out[v.mv_size] = '\0';
    }
    if (ro)
        mdb_txn_abort(ro);
    return out;
}

int outbox_set_meta(outbox_t *self, const char *name, const char *value, fs_err_t *e)
{
    char key[OUTBOX_META_NAME_MAX + 3];
    if (meta_key(name, key, sizeof key) != 0)
        return fs_err_set(e, "outbox: metadata name longer than %d bytes", OUTBOX_META_NAME_MAX);
    if (!self->txn)
        return fs_err_set(e, "outbox: set_meta %s outside a batch (call outbox_begin first)", name);
    MDB_val k = {strlen(key), key}, v = {strlen(value), (void *)value};
    int rc = mdb_put(self->txn, self->dbi[OB_META], &k, &v, 0);
    return rc ? fail(e, "set metadata", rc) : 0;
}

/* ---- command journal ------------------------------------------------------ */

/* The journal's entries are written to its log (journal_log.h) and copied
   into the "journal" table at a checkpoint. "journal_log_generation" in
   meta names the log's current records: a checkpoint writes them and a
   new number in one commit, so a crash on either side of it replays the
   same records into the table (rewriting a row with itself) or none.
   Finished entries are also listed in "journal_done" by their time, so
   that those past the retention go oldest first (journal_prune). */

/* Whether an entry's "journal_done" key fits LMDB's key size (511 bytes:
   a longer command id is kept for ever). */
static bool done_listable(outbox_t *self, size_t klen)
{
    return 8 + klen <= (size_t)mdb_env_get_maxkeysize(self->env);
}

/* The "journal_done" key of an entry finished at `finished` (ms). */
static size_t done_key(int64_t finished, const char *key, size_t klen,
                       unsigned char out[8 + JOURNAL_LOG_KEY_MAX])
{
    fs_u64_to_be((uint64_t)finished, out);
    memcpy(out + 8, key, klen);
    return 8 + klen;
}

/* Lists entry `key` in "journal_done" if it finished (`finished`, ms: 0
   for an entry only started); *listed says whether it was. */
static int list_done(outbox_t *self, MDB_txn *txn, const char *key, size_t klen, int64_t finished,
                     bool *listed)
{
    *listed = finished > 0 && done_listable(self, klen);
    if (!*listed)
        return 0;
    unsigned char dk[8 + JOURNAL_LOG_KEY_MAX];
    MDB_val d = {done_key(finished, key, klen, dk), dk}, none = {0, ""};
    return mdb_put(txn, self->dbi[OB_JOURNAL_DONE], &d, &none, 0);
}

/* A row of the journal, and its place in "journal_done" once finished. */
static int put_journal_row(outbox_t *self, MDB_txn *txn, const char *key, size_t klen,
                           const char *value, size_t vlen, int64_t finished)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)value};
    int rc = mdb_put(txn, self->dbi[OB_JOURNAL], &k, &v, 0);
    bool listed;
    return rc != 0 ? rc : list_done(self, txn, key, klen, finished, &listed);
}

static int64_t finished_of(const json_t *rec)
{
    return json_integer_value(json_object_get(rec, "finished"));
}

/* The same for a row's text (a replay, the first open of an older store). */
static int64_t finished_in(const char *value, size_t vlen)
{
    json_t *rec = json_loadb(value, vlen, 0, NULL);
    int64_t finished = finished_of(rec);
    json_decref(rec);
    return finished;
}

static int put_journal_json(outbox_t *self, MDB_txn *txn, const char *key, const json_t *rec)
{
    char *text = json_dumps(rec, JSON_COMPACT);
    int rc =
        text ? put_journal_row(self, txn, key, strlen(key), text, strlen(text), finished_of(rec))
             : ENOMEM;
    free(text);
    return rc;
}

/* At most this many entries go per checkpoint: its commit stays small. */
#define JOURNAL_PRUNE_MAX 1000

/* Whether the "journal_done" key k is due to go when entries finished
   before `before` (ms) go: a key of 8 bytes or fewer is not ours and goes
   at once. */
static bool done_key_due(const MDB_val *k, int64_t before)
{
    return k->mv_size <= 8 || (int64_t)fs_u64_from_be(k->mv_data) < before;
}

/* Deletes the entries finished more than journal_retain_ms ago, oldest
   first, in txn. A command the broker sends again after that runs again:
   the retention must outlast any way the broker could still send it (a
   RESPONSE lost while the site was away, a broker restored from an older
   copy: docs/operations.md). */
static int journal_prune(outbox_t *self, MDB_txn *txn, size_t *pruned)
{
    *pruned = 0;
    int64_t before = fs_now_ms() - self->journal_retain_ms;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->dbi[OB_JOURNAL_DONE], &cur);
    MDB_val dk, dv;
    while (rc == 0 && *pruned < JOURNAL_PRUNE_MAX &&
           (rc = mdb_cursor_get(cur, &dk, &dv, MDB_FIRST)) == 0) {
        if (!done_key_due(&dk, before))
            break;
        bool listed = dk.mv_size > 8; /* else not ours: it goes alone */
        MDB_val k = {dk.mv_size - 8, (char *)dk.mv_data + 8};
        rc = listed ? mdb_del(txn, self->dbi[OB_JOURNAL], &k, NULL) : 0;
        if (rc == 0 || rc == MDB_NOTFOUND)
            rc = mdb_cursor_del(cur, 0);
        if (rc == 0)
            (*pruned)++;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* A store from before "journal_done": its finished entries are listed
   there once, at the first open (a walk of the table). */
static int journal_done_backfill(outbox_t *self, MDB_txn *txn, size_t *listed)
{
    *listed = 0;
    if (meta_u64(self, txn, "journal_done_since"))
        return 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->dbi[OB_JOURNAL], &cur);
    MDB_val k, v;
    for (MDB_cursor_op op = MDB_FIRST; rc == 0 && (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
         op = MDB_NEXT) {
        bool one;
        rc = list_done(self, txn, k.mv_data, k.mv_size, finished_in(v.mv_data, v.mv_size), &one);
        *listed += one;
    }
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND)
        rc = put_meta_u64(self, txn, "journal_done_since", (uint64_t)fs_now_ms());
    return rc;
}

typedef struct {
    outbox_t *self;
    MDB_txn *txn;
    int rc;
} replay_t;

static int replay_row(void *arg, const char *key, size_t klen, const char *value, size_t vlen)
{
    replay_t *r = arg;
    r->rc = put_journal_row(r->self, r->txn, key, klen, value, vlen, finished_in(value, vlen));
    return r->rc;
}

/* A generation's number: random, so that the remains of an older one
   (the log starts over at offset 0 each time) never pass for the current
   one, whatever happened to the store in between (a restore from backup). */
static uint64_t new_generation(uint64_t old)
{
    uint64_t g = old;
    while (g == old || g == 0)
        if (RAND_bytes((unsigned char *)&g, sizeof g) != 1)
            g = old + 1;
    return g;
}

/* Ends txn (rc: what its writes gave) with a new generation's number and,
   once that is committed, starts the log over in it: what it held is in
   the table now. */
static int commit_generation(outbox_t *self, MDB_txn *txn, int rc, fs_err_t *e)
{
    uint64_t next = new_generation(self->jlog_generation);
    if (rc == 0)
        rc = put_meta_u64(self, txn, "journal_log_generation", next);
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    if (rc != 0)
        return fail(e, "journal copy", rc);
    journal_log_restart(self->jlog, self->jlog_generation = next);
    json_object_clear(self->jlog_entries);
    self->jlog_restart_due = false;
    return 0;
}

/* Opens the log and copies what it holds into the table, in a new
   generation: every open starts one, so that no record a crash left
   beyond the last whole one can ever be read as current. */
static int journal_open(outbox_t *self, fs_err_t *e)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/journal.log", self->dir) >= (int)sizeof path)
        return fs_err_set(e, "outbox: state directory path too long");
    self->jlog_entries = json_object();
    self->jbatch = json_array();
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    if (rc != 0)
        return fail(e, "journal", rc);
    MDB_val k = {22, "journal_log_generation"}, v;
    bool known = mdb_get(txn, self->dbi[OB_META], &k, &v) == 0 && v.mv_size == 8;
    self->jlog_generation = known ? fs_u64_from_be(v.mv_data) : 0;
    if (!known)
        unlink(path); /* a log from another store: none of it is this one's */
    if (!(self->jlog = journal_log_open(path, e))) {
        mdb_txn_abort(txn);
        return -1;
    }
    replay_t r = {self, txn, 0};
    size_t records = 0, end = 0;
    journal_log_stop_t why;
    if (journal_log_replay(self->jlog, self->jlog_generation, replay_row, &r, &records, &why, &end,
                           e) != 0) {
        mdb_txn_abort(txn);
        return -1;
    }
    size_t listed = 0;
    if (r.rc == 0)
        r.rc = journal_done_backfill(self, txn, &listed);
    if (commit_generation(self, txn, r.rc, e) != 0)
        return -1;
    if (listed)
        fs_log(FS_LOG_INFO, "adapter", "journal_done_listed",
               "entries=%zu msg=\"finished entries of an older store, listed once for their "
               "retention\"",
               listed);
    /* Nothing readable at offset 0 of a generation's first write is not
       the remains of an older record (those follow newer ones): that
       write was torn, or the disk damaged it. */
    bool torn_start = end == 0 && why == JOURNAL_LOG_DAMAGED;
    if (records || torn_start)
        fs_log(torn_start ? FS_LOG_WARN : FS_LOG_INFO, "adapter", "journal_log_replayed",
               "path=%s records=%zu bytes=%zu stopped=\"%s\"", path, records, end,
               journal_log_stop_text(why));
    return 0;
}

/* One commit: the log's entries, then batch's ([[key, record]], may be
   NULL: an entry too large for the log, with its batch), and a new
   generation; then the log starts over. A checkpoint (no batch: off the
   commands' path) also deletes what outlived the retention. */
static int copy_to_table(outbox_t *self, const json_t *batch, fs_err_t *e)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    if (rc != 0)
        return fail(e, "journal copy", rc);
    const char *key;
    json_t *rec, *pair;
    size_t i;
    json_object_foreach(self->jlog_entries, key, rec)
    {
        if (rc == 0)
            rc = put_journal_json(self, txn, key, rec);
    }
    json_array_foreach(batch, i, pair)
    {
        if (rc == 0)
            rc = put_journal_json(self, txn, json_string_value(json_array_get(pair, 0)),
                                  json_array_get(pair, 1));
    }
    /* The retention, nested: when it cannot delete, the copy commits
       without it (the log must not fill for it) and the next one tries. */
    size_t pruned = 0;
    int prc = 0;
    MDB_txn *sub;
    if (rc == 0 && !batch && self->journal_retain_ms &&
        (prc = mdb_txn_begin(self->env, txn, 0, &sub)) == 0) {
        prc = journal_prune(self, sub, &pruned);
        if (prc == 0)
            prc = mdb_txn_commit(sub);
        else
            mdb_txn_abort(sub);
    }
    if (commit_generation(self, txn, rc, e) != 0)
        return -1;
    if (prc != 0)
        fs_log(FS_LOG_WARN, "adapter", "journal_prune_failed",
               "state_dir=%s reason=\"%s\" msg=\"entries past outbox.journal_retain_days stay "
               "until a later checkpoint deletes them\"",
               self->dir, mdb_strerror(prc));
    else if (pruned)
        fs_log(FS_LOG_DEBUG, "adapter", "journal_pruned", "entries=%zu retain_ms=%lld", pruned,
               (long long)self->journal_retain_ms);
    return 0;
}

/* Whether the oldest finished entry is past the retention (a read): so an
   idle site's checkpoint, with nothing in its log, still deletes it. */
static bool prune_due(outbox_t *self)
{
    MDB_txn *txn;
    if (!self->journal_retain_ms || mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn) != 0)
        return false;
    bool due = false;
    MDB_cursor *cur;
    MDB_val k, v;
    if (mdb_cursor_open(txn, self->dbi[OB_JOURNAL_DONE], &cur) == 0) {
        if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0)
            due = done_key_due(&k, fs_now_ms() - self->journal_retain_ms);
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return due;
}

int journal_checkpoint(outbox_t *self, fs_err_t *e)
{
    if (json_object_size(self->jlog_entries) == 0 && !self->jlog_restart_due && !prune_due(self))
        return 0;
    return copy_to_table(self, NULL, e);
}

size_t journal_log_pending(outbox_t *self)
{
    return journal_log_used(self->jlog);
}

int journal_lookup(outbox_t *self, const char *command_id, json_t **response)
{
    *response = NULL;
    json_t *rec = json_incref(json_object_get(self->jlog_entries, command_id));
    MDB_txn *txn = NULL;
    if (!rec && mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn) == 0) {
        MDB_val k = {strlen(command_id), (void *)command_id}, v;
        if (mdb_get(txn, self->dbi[OB_JOURNAL], &k, &v) == 0)
            rec = json_loadb(v.mv_data, v.mv_size, 0, NULL);
        mdb_txn_abort(txn);
    }
    if (!rec)
        return 0;
    json_t *resp = json_object_get(rec, "response");
    if (resp)
        *response = json_incref(resp);
    json_decref(rec);
    return resp ? 2 : 1;
}

/* Adds an entry to the open batch: to the log's, or marked for the table
   when it is larger than a log entry may be (journal_write). */
static int journal_add(outbox_t *self, const char *command_id, json_t *rec, fs_err_t *e)
{
    size_t klen = command_id ? strlen(command_id) : 0;
    if (klen == 0 || klen > JOURNAL_LOG_KEY_MAX) {
        json_decref(rec);
        return fs_err_setc(e, FS_E_INVALID, "journal: a key of 1 to %u bytes is needed",
                           JOURNAL_LOG_KEY_MAX);
    }
    char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    if (!text) {
        json_decref(rec);
        return fs_err_set(e, "journal: %s: cannot serialize the entry", command_id);
    }
    if (journal_log_add(self->jlog, command_id, text, strlen(text), NULL) != 0)
        self->jbatch_too_big = true;
    json_array_append_new(self->jbatch, json_pack("[s, o]", command_id, rec));
    free(text);
    return 0;
}

int journal_begin(outbox_t *self, const char *command_id, const json_t *command, fs_err_t *e)
{
    return journal_add(
        self, command_id,
        json_pack("{s:O, s:I}", "command", command, "started", (json_int_t)fs_now_ms()), e);
}

int journal_finish(outbox_t *self, const char *command_id, const json_t *response, fs_err_t *e)
{
    return journal_add(
        self, command_id,
        json_pack("{s:O, s:I}", "response", response, "finished", (json_int_t)fs_now_ms()), e);
}

void journal_drop(outbox_t *self)
{
    json_array_clear(self->jbatch);
    self->jbatch_too_big = false;
    journal_log_drop(self->jlog);
}

int journal_write(outbox_t *self, fs_err_t *e)
{
    /* Into LMDB with the log's entries (one commit, and the log starts
       over) when the log cannot take the batch: an entry too large for
       it, no room left, or a failed write to start over from. */
    bool to_table =
        self->jlog_restart_due || self->jbatch_too_big || !journal_log_batch_fits(self->jlog);
    size_t i;
    json_t *pair;
    fs_err_t err = {0};
    int rc;
    if (to_table) {
        rc = copy_to_table(self, self->jbatch, &err);
    } else if ((rc = journal_log_write(self->jlog, &err)) == 0) {
        json_array_foreach(self->jbatch, i, pair)
            json_object_set(self->jlog_entries, json_string_value(json_array_get(pair, 0)),
                            json_array_get(pair, 1));
    } else if (err.code == FS_E_IO) {
        self->jlog_restart_due = true; /* part of it may be on disk */
    }
    journal_drop(self);
    if (rc != 0 && e)
        *e = err;
    return rc;
}
