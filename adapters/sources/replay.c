/*  replay.c — source "replay" (internal, one-shot): `--replay SOURCE:FILE`
    and the config's "replay" entries.  A vendor file into the outbox,
    streamed in bounded memory, taking in only the records not taken in
    before.  The daemon runs it once, at start, through the sources' commit
    path (adapter_run_one_shot, ingest.c): the records go through the same
    normalize-into-outbox code as every other source's.

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
#include "plugin.h"

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
    char *source;  /* normalize source id */
    char *path;    /* real path */
    FILE *f;       /* open from init, so an unreadable file fails at once */
    uint64_t size; /* at init */
    char key[160]; /* outbox meta name of the checkpoint */
    source_sink_t *sink;
    const char *site; /* for logs */
    bool failed;
    fs_err_t *e;
    EVP_MD_CTX *sha;  /* bytes consumed so far */
    EVP_MD_CTX *snap; /* bytes up to snap_pos */
    char snap_pos[96];
    bool have_snap;
} replay_t;

/* Whether feeding must stop: a commit failed or the batch could not take a record. */
static bool failed(const replay_t *r)
{
    return r->failed || source_sink_failed(r->sink);
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
    char *text = NULL;
    if (r->have_snap) {
        char hex[65];
        digest_hex(r->snap, hex);
        json_t *cp = json_pack("{s:s, s:s, s:s, s:I}", "position", r->snap_pos, "sha256", hex,
                               "file", r->path, "time", (json_int_t)fs_now_ms());
        text = json_dumps(cp, JSON_COMPACT);
        json_decref(cp);
    }
    int rc = source_sink_commit(r->sink, text, more, r->e);
    free(text);
    return rc;
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
static char *resume_point(replay_t *r, const char *text, FILE *f, uint64_t size, bool whole,
                          char *buf, bool *done)
{
    *done = false;
    if (!text)
        return NULL;
    json_t *cp = json_loads(text, 0, NULL);
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
        out = fs_xstrdup(pos);
        *done = off == size;
    }
    if (why) {
        fs_log(FS_LOG_WARN, "adapter", "replay_restarted",
               "site=%s source=%s file=%s stopped_at=%llu size=%llu reason=\"%s: taking it in from "
               "the start\"",
               r->site, r->source, r->path, (unsigned long long)off, (unsigned long long)size, why);
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
            if (source_sink_pending(r->sink) >= REPLAY_BATCH && !failed(r)) {
                if (commit_batch(r, true) != 0) {
                    r->failed = true;
                    return off;
                }
                fs_log(FS_LOG_INFO, "adapter", "replay_progress",
                       "site=%s source=%s file=%s offset=%zu records=%zu events=%zu", r->site,
                       r->source, r->path, normalize_stream_offset(s), normalize_stream_records(s),
                       source_sink_added(r->sink));
            }
        }
        if (k == 0 || off == have || failed(r))
            return off;
    }
}

static void cleanup(void **state_p)
{
    replay_t *r = state_p ? *state_p : NULL;
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    EVP_MD_CTX_free(r->sha);
    EVP_MD_CTX_free(r->snap);
    free(r->source);
    free(r->path);
    free(r);
    *state_p = NULL;
}

/* config: {"name", "type": "replay", "source_id", "file"} (made by the daemon). */
static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    const char *source = json_string_value(json_object_get(config, "source_id"));
    const char *file = json_string_value(json_object_get(config, "file"));
    if (!source || !file) {
        fs_err_set(e, "replay: needs \"source_id\" and \"file\"");
        return NULL;
    }
    replay_t *r = fs_xcalloc(1, sizeof *r);
    void *state = r;
    r->source = fs_xstrdup(source);
    r->path = realpath(file, NULL);
    r->f = r->path ? fopen(r->path, "rb") : NULL;
    struct stat st;
    if (!r->f || fstat(fileno(r->f), &st) != 0) {
        fs_err_set(e, "--replay %s:%s: cannot read the file: %s", source, file, strerror(errno));
        cleanup(&state);
        return NULL;
    }
    r->size = (uint64_t)st.st_size;
    char id[65];
    fs_sha256_hex(r->path, strlen(r->path), id);
    snprintf(r->key, sizeof r->key, "replay:%s:%.32s", source, id);
    r->sha = EVP_MD_CTX_new();
    r->snap = EVP_MD_CTX_new();
    if (!r->sha || !r->snap || EVP_DigestInit_ex(r->sha, EVP_sha256(), NULL) != 1)
        fs_oom(sizeof(EVP_MD_CTX *)); /* OpenSSL could not allocate its context */
    return r;
}

static void checkpoint_key(void *state, char *out, size_t size)
{
    replay_t *r = state;
    snprintf(out, size, "%s", r->key);
}

static int stream(void *state, const char *checkpoint, source_sink_t *sink, fs_err_t *e)
{
    replay_t *r = state;
    r->sink = sink;
    r->site = source_sink_site(sink);
    r->e = e;
    const char *source = r->source, *path = r->path, *site = r->site;
    FILE *f = r->f;
    size_t cap = REPLAY_CHUNK * 2, have = 0;
    char *buf = fs_xmalloc(cap);
    int result = -1;
    normalize_stream_t *s = NULL;
    char *start = NULL;
    bool done = false;
    if (!(s = source_sink_stream(sink, NULL, e)))
        goto out;
    bool whole = normalize_stream_whole_message(s);
    normalize_stream_destroy(&s);
    start = resume_point(r, checkpoint, f, r->size, whole, buf, &done);
    if (done) {
        fs_log(FS_LOG_INFO, "adapter", "replay_skipped",
               "site=%s source=%s file=%s reason=\"already taken in, nothing new\"", site, source,
               path);
        result = 0;
        goto out;
    }
    fs_err_t pe = {0};
    s = source_sink_stream(sink, start, &pe);
    if (!s) { /* e.g. the mapping's framing changed since: from the start */
        fs_log(FS_LOG_WARN, "adapter", "replay_restarted",
               "site=%s source=%s file=%s reason=\"%s: taking it in from the start\"", site, source,
               path, pe.text);
        rewind(f);
        EVP_DigestInit_ex(r->sha, EVP_sha256(), NULL);
        if (!(s = source_sink_stream(sink, NULL, e)))
            goto out;
    }
    size_t from = normalize_stream_offset(s);
    if (from > 0)
        fs_log(FS_LOG_INFO, "adapter", "replay_resumed",
               "site=%s source=%s file=%s offset=%zu records=%zu", site, source, path, from,
               normalize_stream_records(s));
    r->have_snap = normalize_stream_position(s, r->snap_pos, sizeof r->snap_pos) == 0 &&
                   EVP_MD_CTX_copy_ex(r->snap, r->sha) == 1;
    bool file_eof = false;
    while (!failed(r)) {
        if (have + REPLAY_CHUNK > cap) {
            buf = fs_xrealloc(buf, have + REPLAY_CHUNK);
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
        size_t off = feed_all(r, s, buf, have, false);
        if (file_eof && !failed(r))
            off += feed_all(r, s, buf + off, have - off, true);
        memmove(buf, buf + off, have - off);
        have -= off;
        if (file_eof)
            break;
    }
    if (failed(r) || commit_batch(r, false) != 0)
        goto out;
    fs_log(FS_LOG_INFO, "adapter", "replayed",
           "site=%s source=%s file=%s from_offset=%zu records=%zu events=%zu rejected=%zu%s", site,
           source, path, from, normalize_stream_records(s), source_sink_added(sink),
           source_sink_rejected(sink),
           normalize_stream_truncated(s) ? " last_record=truncated" : "");
    result = 0;
out:
    normalize_stream_destroy(&s);
    free(start);
    free(buf);
    return result;
}

const adapter_plugin_t source_replay = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "replay",
    .source_id = NULL, /* the config's "source_id" */
    .summary = "a vendor-format file, once (--replay SOURCE_ID:FILE, config \"replay\")",
    .flags = ADAPTER_PLUGIN_INTERNAL,
    .init = init,
    .stream = stream,
    .checkpoint_key = checkpoint_key,
    .cleanup = cleanup,
};
