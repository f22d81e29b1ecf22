/*  journal_log.c — the command journal's write-ahead log: one O_DSYNC
    write per batch into a zero-filled file of fixed size, read back from
    offset 0 at open (private/journal_log.h). */
#include "journal_log.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char MAGIC[4] = {'F', 'J', 'L', '1'};

struct journal_log {
    int fd; /* O_DSYNC: a write returns once its blocks are on the device */
    char *path;
    size_t size;         /* the file's bytes */
    size_t used;         /* offset after the last record of this generation */
    uint64_t generation; /* of the records written now */
    unsigned char *batch;
    size_t batch_len, batch_cap;
};

const char *journal_log_stop_text(journal_log_stop_t why)
{
    switch (why) {
    case JOURNAL_LOG_END:
        return "the end of the file";
    case JOURNAL_LOG_UNWRITTEN:
        return "space not written in this generation";
    case JOURNAL_LOG_STALE:
        return "a record of an earlier generation";
    case JOURNAL_LOG_DAMAGED:
        return "no whole record: the rest of an earlier one, or a write torn by a crash";
    case JOURNAL_LOG_STOPPED:
        return "the reader stopped";
    }
    return "?";
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void sum_of(const unsigned char *from, size_t len, unsigned char out[8])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(from, len, digest);
    memcpy(out, digest, 8);
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

size_t journal_log_scan(const unsigned char *buf, size_t len, uint64_t generation,
                        journal_log_fn fn, void *arg, size_t *end, journal_log_stop_t *why)
{
    size_t off = 0, records = 0;
    journal_log_stop_t stop = JOURNAL_LOG_END;
    while (len - off >= JOURNAL_LOG_HEADER) {
        const unsigned char *r = buf + off;
        if (memcmp(r, MAGIC, 4) != 0) {
            stop = all_zero(r, JOURNAL_LOG_HEADER) ? JOURNAL_LOG_UNWRITTEN : JOURNAL_LOG_DAMAGED;
            break;
        }
        size_t klen = (size_t)r[20] << 8 | r[21], vlen = be32(r + 22);
        if (klen == 0 || klen > JOURNAL_LOG_KEY_MAX || vlen > JOURNAL_LOG_VALUE_MAX ||
            klen + vlen > len - off - JOURNAL_LOG_HEADER) {
            stop = JOURNAL_LOG_DAMAGED;
            break;
        }
        unsigned char sum[8];
        sum_of(r + 12, JOURNAL_LOG_HEADER - 12 + klen + vlen, sum);
        if (memcmp(sum, r + 4, 8) != 0) {
            stop = JOURNAL_LOG_DAMAGED;
            break;
        }
        if (fs_u64_from_be(r + 12) != generation) {
            stop = JOURNAL_LOG_STALE;
            break;
        }
        const char *key = (const char *)r + JOURNAL_LOG_HEADER;
        if (fn && fn(arg, key, klen, key + klen, vlen) != 0) {
            stop = JOURNAL_LOG_STOPPED;
            break;
        }
        records++;
        off += JOURNAL_LOG_HEADER + klen + vlen;
    }
    if (len - off < JOURNAL_LOG_HEADER && off < len && stop == JOURNAL_LOG_END)
        stop = all_zero(buf + off, len - off) ? JOURNAL_LOG_UNWRITTEN : JOURNAL_LOG_DAMAGED;
    *end = off;
    *why = stop;
    return records;
}

static int io_fail(fs_err_t *e, const char *what, const char *path)
{
    return fs_err_setc(e, FS_E_IO, "journal log %s: %s: %s", path, what, strerror(errno));
}

/* Writes the file's zeros and flushes it and its directory, so that a
   later write never allocates (it would be a metadata commit, not one
   data flush). */
static int create(journal_log_t *self, fs_err_t *e)
{
    int fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return io_fail(e, "create", self->path);
    unsigned char *zeros = fs_xcalloc(1, 1 << 16);
    int rc = 0;
    for (size_t off = 0; rc == 0 && off < JOURNAL_LOG_BYTES; off += 1 << 16)
        if (pwrite(fd, zeros, 1 << 16, (off_t)off) != 1 << 16)
            rc = -1;
    free(zeros);
    if (rc == 0 && fdatasync(fd) != 0)
        rc = -1;
    if (rc != 0) {
        io_fail(e, "fill", self->path);
        close(fd);
        return -1;
    }
    close(fd);
    char *copy = fs_xstrdup(self->path);
    int dir = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (dir < 0 || fsync(dir) != 0) {
        if (dir >= 0)
            close(dir);
        return io_fail(e, "flush its directory", self->path);
    }
    close(dir);
    self->size = JOURNAL_LOG_BYTES;
    return 0;
}

journal_log_t *journal_log_open(const char *path, fs_err_t *e)
{
    journal_log_t *self = fs_xcalloc(1, sizeof *self);
    self->fd = -1;
    self->path = fs_xstrdup(path);
    struct stat st;
    if (stat(path, &st) == 0 && (size_t)st.st_size == JOURNAL_LOG_BYTES)
        self->size = JOURNAL_LOG_BYTES;
    else if (create(self, e) != 0) {
        journal_log_close(&self);
        return NULL;
    }
    if ((self->fd = open(path, O_RDWR | O_DSYNC | O_CLOEXEC)) < 0) {
        io_fail(e, "open", path);
        journal_log_close(&self);
        return NULL;
    }
    return self;
}

void journal_log_close(journal_log_t **self_p)
{
    journal_log_t *self = *self_p;
    if (!self)
        return;
    if (self->fd >= 0)
        close(self->fd);
    free(self->path);
    free(self->batch);
    free(self);
    *self_p = NULL;
}

int journal_log_replay(journal_log_t *self, uint64_t generation, journal_log_fn fn, void *arg,
                       size_t *records, journal_log_stop_t *why, size_t *end, fs_err_t *e)
{
    unsigned char *buf = fs_xmalloc(self->size);
    ssize_t n = pread(self->fd, buf, self->size, 0);
    if (n != (ssize_t)self->size) {
        free(buf);
        return io_fail(e, "read", self->path);
    }
    *records = journal_log_scan(buf, self->size, generation, fn, arg, end, why);
    free(buf);
    self->generation = generation;
    self->used = *end;
    return 0;
}

int journal_log_add(journal_log_t *self, const char *key, const char *value, size_t value_len,
                    fs_err_t *e)
{
    size_t klen = strlen(key);
    if (klen == 0 || klen > JOURNAL_LOG_KEY_MAX || value_len > JOURNAL_LOG_VALUE_MAX)
        return fs_err_setc(e, FS_E_TOO_BIG,
                           "journal log: an entry of %zu + %zu bytes (at most %u + %u)", klen,
                           value_len, JOURNAL_LOG_KEY_MAX, JOURNAL_LOG_VALUE_MAX);
    size_t need = JOURNAL_LOG_HEADER + klen + value_len;
    if (self->batch_len + need > self->batch_cap) {
        self->batch_cap = (self->batch_len + need) * 2;
        self->batch = fs_xrealloc(self->batch, self->batch_cap);
    }
    unsigned char *r = self->batch + self->batch_len;
    memcpy(r, MAGIC, 4); /* sum and generation: at the write (journal_log_write) */
    r[20] = (unsigned char)(klen >> 8);
    r[21] = (unsigned char)klen;
    for (int i = 0; i < 4; i++)
        r[22 + i] = (unsigned char)(value_len >> (24 - 8 * i));
    memcpy(r + JOURNAL_LOG_HEADER, key, klen);
    memcpy(r + JOURNAL_LOG_HEADER + klen, value, value_len);
    self->batch_len += need;
    return 0;
}

size_t journal_log_batch_bytes(const journal_log_t *self)
{
    return self->batch_len;
}

bool journal_log_batch_fits(const journal_log_t *self)
{
    return self->batch_len <= self->size - self->used;
}

void journal_log_drop(journal_log_t *self)
{
    self->batch_len = 0;
}

int journal_log_write(journal_log_t *self, fs_err_t *e)
{
    size_t len = self->batch_len;
    self->batch_len = 0;
    if (len == 0)
        return 0;
    if (len > self->size - self->used)
        return fs_err_setc(e, FS_E_FULL, "journal log %s: %zu bytes do not fit (%zu of %zu used)",
                           self->path, len, self->used, self->size);
    /* Stamped now: a checkpoint since the adds moved the generation on. */
    for (size_t off = 0; off < len;) {
        unsigned char *r = self->batch + off;
        size_t body = JOURNAL_LOG_HEADER - 12 + ((size_t)r[20] << 8 | r[21]) + be32(r + 22);
        fs_u64_to_be(self->generation, r + 12);
        sum_of(r + 12, body, r + 4);
        off += 12 + body;
    }
    ssize_t n = pwrite(self->fd, self->batch, len, (off_t)self->used);
    if (n != (ssize_t)len) {
        if (n >= 0)
            errno = EIO; /* short: the rest did not reach the file */
        return io_fail(e, "write", self->path);
    }
    self->used += len;
    return 0;
}

void journal_log_restart(journal_log_t *self, uint64_t generation)
{
    self->generation = generation;
    self->used = 0;
}

size_t journal_log_used(const journal_log_t *self)
{
    return self->used;
}
