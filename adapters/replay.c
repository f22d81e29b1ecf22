/*  replay.c — `--replay SOURCE:FILE`: a vendor file into the outbox,
    streamed in bounded memory, taking in only the records not taken in
    before.

    The file is read in REPLAY_CHUNK pieces and fed to the normalizer's
    record splitter (normalize_stream_*); the adapter holds one chunk plus
    at most one unfinished record, whatever the file size.  Events are
    committed to the outbox in batches of about REPLAY_BATCH records, and
    each batch commits, in the same LMDB transaction, the replay checkpoint
    of (source, file):

        meta "replay:SOURCE:<sha256(real path), 32 hex>" =
        {"position": "v1 MODE OFFSET RECORDS", "sha256": <of bytes [0, OFFSET)>,
         "file": <real path>, "time": <ms>}

    OFFSET is the end of the last complete record (the splitter's clean
    position there).  On the next replay of the same path: when the first
    OFFSET bytes still hash the same, the file grew or is unchanged, and
    the replay resumes at OFFSET (only new records are sent); otherwise the
    file was rewritten and is taken in from the start (logged as
    replay_restarted).  A kill -9 loses or doubles nothing: a batch's events
    and its checkpoint commit together or not at all.

    Whole-message sources (email.rfc822) have one record per file: a file
    whose size changed is a new message and is taken in from the start.
    An input that ends inside a record (a file still being written) gets
    that record dead-lettered as truncated, and the checkpoint stays before
    it, so the next replay takes it in once it is complete. */
#include "adapter_internal.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_CHUNK (1u << 20) /* bytes read at a time */
#define REPLAY_BATCH 4096       /* records (events + rejects) per outbox transaction */

typedef struct replay {
    adapter_t *a;
    const char *source;
    const char *path; /* real path */
    char key[160];    /* outbox meta name of the checkpoint */
    size_t added, rejected, pending;
    bool failed;
    fs_err_t *e;
    EVP_MD_CTX *sha;  /* bytes consumed so far */
    EVP_MD_CTX *snap; /* bytes up to snap_pos */
    char snap_pos[96];
    bool have_snap;
} replay_t;

static void on_event(void *arg, json_t *event, size_t record_no)
{
    (void)record_no;
    replay_t *r = arg;
    if (r->failed)
        return;
    int rc = outbox_add(r->a->outbox, event, r->e);
    if (rc < 0)
        r->failed = true;
    else if (rc == 0)
        r->added++;
    r->pending++;
}

static void on_reject(void *arg, size_t record_no, size_t offset, const char *reason,
                      const char *raw, size_t raw_len)
{
    replay_t *r = arg;
    char q[600];
    fs_log(FS_LOG_WARN, "adapter", "record_rejected",
           "site=%s source=%s file=%s record=%zu offset=%zu reason=%s", r->a->cfg.site, r->source,
           r->path, record_no, offset, fs_log_quote(q, sizeof q, reason));
    r->rejected++;
    r->pending++;
    if (!r->failed && outbox_dead_letter(r->a->outbox, r->source, record_no, offset, reason, raw,
                                         raw_len, r->e) != 0)
        r->failed = true;
}

static void digest_hex(EVP_MD_CTX *ctx, char out[65])
{
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (copy && EVP_MD_CTX_copy_ex(copy, ctx) == 1)
        EVP_DigestFinal_ex(copy, md, &n);
    EVP_MD_CTX_free(copy);
    for (unsigned int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", i < n ? md[i] : 0);
    out[64] = '\0';
}

/* Writes the checkpoint (the last clean position) into the open batch and
   commits it with the batch's events; opens the next batch when more. */
static int commit_batch(replay_t *r, bool more)
{
    if (r->have_snap) {
        char hex[65];
        digest_hex(r->snap, hex);
        json_t *cp = json_pack("{s:s, s:s, s:s, s:I}", "position", r->snap_pos, "sha256", hex,
                               "file", r->path, "time", (json_int_t)fs_now_ms());
        char *text = cp ? json_dumps(cp, JSON_COMPACT) : NULL;
        json_decref(cp);
        int rc = text ? outbox_set_meta(r->a->outbox, r->key, text, r->e)
                      : fs_err_set(r->e, "replay: out of memory");
        free(text);
        if (rc != 0) {
            outbox_abort(r->a->outbox);
            return -1;
        }
    }
    if (outbox_commit(r->a->outbox, r->e) != 0)
        return -1;
    r->pending = 0;
    return more ? outbox_begin(r->a->outbox, r->e) : 0;
}

/* Hashes the first `offset` bytes of f into sha. Returns 0, or -1 when the
   file is shorter or unreadable. */
static int hash_prefix(FILE *f, uint64_t offset, EVP_MD_CTX *sha, char *buf)
{
    uint64_t left = offset;
    while (left > 0) {
        size_t want = left < REPLAY_CHUNK ? (size_t)left : REPLAY_CHUNK;
        size_t n = fread(buf, 1, want, f);
        if (n == 0)
            return -1;
        EVP_DigestUpdate(sha, buf, n);
        left -= n;
    }
    return 0;
}

/* Offset in a position string "v1 MODE OFFSET RECORDS". */
static int position_offset(const char *pos, uint64_t *off)
{
    const char *a = pos ? strchr(pos, ' ') : NULL;
    const char *b = a ? strchr(a + 1, ' ') : NULL;
    const char *c = b ? strchr(b + 1, ' ') : NULL;
    if (!c || c - b - 1 >= 32)
        return -1;
    char num[32];
    memcpy(num, b + 1, (size_t)(c - b - 1));
    num[c - b - 1] = '\0';
    return fs_parse_u64(num, off);
}

/* Where to start: the checkpoint's position when the file still begins
   with the bytes it hashed (sha then covers them and f is there), else
   NULL (from the start; f rewound, sha reset). *done: nothing new. */
static char *resume_point(replay_t *r, FILE *f, uint64_t size, bool whole, char *buf, bool *done)
{
    *done = false;
    char *text = outbox_get_meta(r->a->outbox, r->key);
    if (!text)
        return NULL;
    json_t *cp = json_loads(text, 0, NULL);
    free(text);
    const char *pos = json_string_value(json_object_get(cp, "position"));
    const char *want = json_string_value(json_object_get(cp, "sha256"));
    uint64_t off = 0;
    char *out = NULL;
    const char *why = NULL;
    char got[65] = "";
    if (!pos || !want || position_offset(pos, &off) != 0) {
        why = "the checkpoint is unreadable";
    } else if (off > size) {
        why = "the file is shorter than where the last replay stopped (rewritten or truncated)";
    } else if (hash_prefix(f, off, r->sha, buf) != 0) {
        why = "the file could not be read up to where the last replay stopped";
    } else if (digest_hex(r->sha, got), strcmp(got, want) != 0) {
        why = "the bytes before where the last replay stopped changed (file rewritten)";
    } else if (whole && off != size) {
        why = "a whole-message file changed size (a new message)";
    } else {
        out = strdup(pos);
        *done = off == size;
    }
    if (why) {
        fs_log(FS_LOG_WARN, "adapter", "replay_restarted",
               "site=%s source=%s file=%s stopped_at=%llu size=%llu reason=\"%s: taking it in from "
               "the start\"",
               r->a->cfg.site, r->source, r->path, (unsigned long long)off,
               (unsigned long long)size, why);
        rewind(f);
        EVP_DigestInit_ex(r->sha, EVP_sha256(), NULL);
    }
    json_decref(cp);
    return out;
}

/* Feeds buf[0, have) until the splitter needs more; hashes what it consumed
   and takes a snapshot (checkpoint candidate) at every clean position.
   Returns the bytes consumed. */
static size_t feed_all(replay_t *r, normalize_stream_t *s, const char *buf, size_t have, bool eof)
{
    size_t off = 0;
    for (;;) {
        size_t k = normalize_stream_feed(s, buf + off, have - off, eof);
        EVP_DigestUpdate(r->sha, buf + off, k);
        off += k;
        if (!normalize_stream_truncated(s) &&
            normalize_stream_position(s, r->snap_pos, sizeof r->snap_pos) == 0) {
            EVP_MD_CTX_copy_ex(r->snap, r->sha);
            r->have_snap = true;
            if (r->pending >= REPLAY_BATCH && !r->failed) {
                if (commit_batch(r, true) != 0) {
                    r->failed = true;
                    return off;
                }
                fs_log(FS_LOG_INFO, "adapter", "replay_progress",
                       "site=%s source=%s file=%s offset=%zu records=%zu events=%zu",
                       r->a->cfg.site, r->source, r->path, normalize_stream_offset(s),
                       normalize_stream_records(s), r->added);
            }
        }
        if (k == 0 || off == have || r->failed)
            return off;
    }
}

long adapter_replay(adapter_t *a, const char *source, const char *file, fs_err_t *e)
{
    if (!normalizer_has_source(a->normalizer, source))
        return fs_err_set(e,
                          "--replay %s:%s: unknown source id \"%s\" (fedsoarctl normalize "
                          "--list-sources lists them)",
                          source, file, source);
    char *path = realpath(file, NULL);
    FILE *f = path ? fopen(path, "rb") : NULL;
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        fs_err_set(e, "--replay %s:%s: cannot read the file: %s", source, file, strerror(errno));
        if (f)
            fclose(f);
        free(path);
        return -1;
    }
    replay_t r = {.a = a, .source = source, .path = path, .e = e};
    char id[65];
    fs_sha256_hex(path, strlen(path), id);
    snprintf(r.key, sizeof r.key, "replay:%s:%.32s", source, id);
    r.sha = EVP_MD_CTX_new();
    r.snap = EVP_MD_CTX_new();
    size_t cap = REPLAY_CHUNK * 2, have = 0;
    char *buf = malloc(cap);
    long result = -1;
    normalize_stream_t *s = NULL;
    char *start = NULL;
    bool done = false, open_batch = false;
    if (!r.sha || !r.snap || !buf || EVP_DigestInit_ex(r.sha, EVP_sha256(), NULL) != 1) {
        fs_err_set(e, "--replay: out of memory");
        goto out;
    }
    normalize_opts_t opts = {.site = a->cfg.site, .keep_raw = a->cfg.keep_raw};
    s = normalize_stream_new(a->normalizer, source, &opts, NULL, on_event, on_reject, &r, e);
    if (!s)
        goto out;
    bool whole = normalize_stream_whole_message(s);
    normalize_stream_destroy(&s);
    start = resume_point(&r, f, (uint64_t)st.st_size, whole, buf, &done);
    if (done) {
        fs_log(FS_LOG_INFO, "adapter", "replay_skipped",
               "site=%s source=%s file=%s reason=\"already taken in, nothing new\"", a->cfg.site,
               source, path);
        result = 0;
        goto out;
    }
    fs_err_t pe = {{0}};
    s = normalize_stream_new(a->normalizer, source, &opts, start, on_event, on_reject, &r, &pe);
    if (!s) { /* e.g. the mapping's framing changed since: from the start */
        fs_log(FS_LOG_WARN, "adapter", "replay_restarted",
               "site=%s source=%s file=%s reason=\"%s: taking it in from the start\"", a->cfg.site,
               source, path, pe.text);
        rewind(f);
        EVP_DigestInit_ex(r.sha, EVP_sha256(), NULL);
        if (!(s = normalize_stream_new(a->normalizer, source, &opts, NULL, on_event, on_reject, &r,
                                       e)))
            goto out;
    }
    size_t from = normalize_stream_offset(s);
    if (from > 0)
        fs_log(FS_LOG_INFO, "adapter", "replay_resumed",
               "site=%s source=%s file=%s offset=%zu records=%zu", a->cfg.site, source, path, from,
               normalize_stream_records(s));
    r.have_snap = normalize_stream_position(s, r.snap_pos, sizeof r.snap_pos) == 0 &&
                  EVP_MD_CTX_copy_ex(r.snap, r.sha) == 1;
    if (outbox_begin(a->outbox, e) != 0)
        goto out;
    open_batch = true;
    bool file_eof = false;
    while (!r.failed) {
        if (have + REPLAY_CHUNK > cap) {
            char *g = realloc(buf, have + REPLAY_CHUNK);
            if (!g) {
                fs_err_set(e, "--replay: out of memory");
                goto out;
            }
            buf = g;
            cap = have + REPLAY_CHUNK;
        }
        size_t n = fread(buf + have, 1, REPLAY_CHUNK, f);
        have += n;
        if (n < REPLAY_CHUNK) {
            if (ferror(f)) {
                fs_err_set(e, "--replay %s:%s: read error: %s", source, path, strerror(errno));
                goto out;
            }
            file_eof = true;
        }
        /* Everything complete first, then (at the end) the rest with eof:
           the last checkpoint stays before a record the file cuts short. */
        size_t off = feed_all(&r, s, buf, have, false);
        if (file_eof && !r.failed)
            off += feed_all(&r, s, buf + off, have - off, true);
        memmove(buf, buf + off, have - off);
        have -= off;
        if (file_eof)
            break;
    }
    if (r.failed)
        goto out;
    open_batch = false;
    if (commit_batch(&r, false) != 0)
        goto out;
    fs_log(FS_LOG_INFO, "adapter", "replayed",
           "site=%s source=%s file=%s from_offset=%zu records=%zu events=%zu rejected=%zu%s",
           a->cfg.site, source, path, from, normalize_stream_records(s), r.added, r.rejected,
           normalize_stream_truncated(s) ? " last_record=truncated" : "");
    result = (long)r.rejected;
out:
    if (open_batch)
        outbox_abort(a->outbox);
    normalize_stream_destroy(&s);
    free(start);
    free(buf);
    EVP_MD_CTX_free(r.sha);
    EVP_MD_CTX_free(r.snap);
    fclose(f);
    free(path);
    return result;
}
