/*  journal_log.h — private to libfedsoar_adapters: the command journal's
    write-ahead log, a fixed-size file beside the outbox's LMDB
    (STATE_DIR/journal.log; docs/internals/adapters.md "The command
    journal's log").

    Why: an LMDB commit flushes the device twice (its data pages, then its
    meta page) and writes a page path per table; a command's "started" and
    its answer are on the path from alert to response, one commit each.
    Here a batch of entries is one write of a few hundred bytes to blocks
    the file already has, opened O_DSYNC: one flush.  The outbox copies the
    log's entries into LMDB later (outbox.c, journal_checkpoint), off the
    command's path, and the log starts over.

    Records, one after another from offset 0 (all integers big-endian):

        "FJL1"  sum[8]  generation u64  key_len u16  value_len u32  key  value

    sum: the first 8 bytes of SHA-256 over everything after it.  Only the
    records of the current generation count (its number, random, is kept
    in LMDB and changes at each checkpoint and each open): the log is read from offset 0 up to
    the first record that is not one of them (zeros, an older generation,
    a torn write), so a restart after a crash mid-write keeps every write
    that finished and nothing else.

    Ownership: the caller owns a journal_log_t; strings passed are copied. */
#ifndef FEDSOAR_ADAPTER_JOURNAL_LOG_H
#define FEDSOAR_ADAPTER_JOURNAL_LOG_H

#include "common.h"

#include <stddef.h>
#include <stdint.h>

#define JOURNAL_LOG_BYTES (4u << 20)       /* the file's size, written with zeros at creation */
#define JOURNAL_LOG_HEADER 26u             /* magic, sum, generation, key and value lengths */
#define JOURNAL_LOG_KEY_MAX 1024u          /* longer keys are refused */
#define JOURNAL_LOG_VALUE_MAX (512u << 10) /* larger entries go to LMDB directly (outbox.c) */

typedef struct journal_log journal_log_t;

/* Opens path, creating it (zero-filled, flushed, its directory too) when
   absent or of another size. NULL with e set when the file system refuses. */
journal_log_t *journal_log_open(const char *path, fs_err_t *e);
void journal_log_close(journal_log_t **self_p);

/* Called for each record of the scan, in order; a non-zero return stops it. */
typedef int (*journal_log_fn)(void *arg, const char *key, size_t key_len, const char *value,
                              size_t value_len);

/* Why a scan stopped, at *end. */
typedef enum {
    JOURNAL_LOG_END,       /* the buffer's end */
    JOURNAL_LOG_UNWRITTEN, /* zeros: never written in this generation */
    JOURNAL_LOG_STALE,     /* a record of another generation */
    JOURNAL_LOG_DAMAGED,   /* a bad header or sum: the rest of an earlier record
                              (the log restarts over old ones), or a torn write */
    JOURNAL_LOG_STOPPED    /* fn returned non-zero */
} journal_log_stop_t;
const char *journal_log_stop_text(journal_log_stop_t why);

/* The records of `generation` at the start of buf (len bytes), in order.
   Returns how many fn was given; *end is the offset after the last. Pure:
   touches nothing but its arguments (the fuzz target's entry). */
size_t journal_log_scan(const unsigned char *buf, size_t len, uint64_t generation,
                        journal_log_fn fn, void *arg, size_t *end, journal_log_stop_t *why);

/* Reads the file and scans it for `generation` (journal_log_scan); the log
   then appends after the last record found, in that generation. -1 with e
   set when the file cannot be read (fn is not called). */
int journal_log_replay(journal_log_t *self, uint64_t generation, journal_log_fn fn, void *arg,
                       size_t *records, journal_log_stop_t *why, size_t *end, fs_err_t *e);

/* Adds a record to the open batch (memory only). -1 with e set (FS_E_TOO_BIG)
   when key or value is over its maximum. */
int journal_log_add(journal_log_t *self, const char *key, const char *value, size_t value_len,
                    fs_err_t *e);
/* Bytes of records in the open batch, and whether it fits after the log's last. */
size_t journal_log_batch_bytes(const journal_log_t *self);
bool journal_log_batch_fits(const journal_log_t *self);
/* Writes the open batch after the last record in one write: durable when
   it returns 0. -1 with e set (FS_E_FULL when it does not fit, FS_E_IO);
   the batch is dropped either way. After an FS_E_IO the caller must
   journal_log_restart before the next write: part of it may be on disk. */
int journal_log_write(journal_log_t *self, fs_err_t *e);
void journal_log_drop(journal_log_t *self);
/* Starts over at offset 0 in `generation`: the caller has kept every
   record of the previous one elsewhere (and recorded the new number). */
void journal_log_restart(journal_log_t *self, uint64_t generation);
/* Bytes used by the records of the current generation. */
size_t journal_log_used(const journal_log_t *self);

#endif
