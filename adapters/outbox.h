/*  outbox.h — the adapter's durable state: one LMDB environment in the
    state directory holding the events waiting for the broker's ACK, the
    dead letters, small named values (source checkpoints) and the command
    journal.  Single-threaded: one outbox_t is used by the daemon's thread
    only (sources' threads never touch it; they may call outbox_encode,
    which touches no outbox).

    Durability rule: an event is committed here before it is sent and
    leaves only when the broker has ACKed it; a command_id is journaled
    before its actuator runs, so it never runs twice. */
#ifndef FEDSOAR_OUTBOX_H
#define FEDSOAR_OUTBOX_H

#include "common.h"
#include "normalize.h" /* ocsf_buf_t */

#include <czmq.h>

typedef struct outbox outbox_t;

/* Opens (creating) the outbox in dir. At most max_events wait in it; past
   that new events are refused (see outbox_add). Caller owns. */
outbox_t *outbox_open(const char *dir, uint64_t max_events, fs_err_t *e);
void outbox_close(outbox_t **self_p);
/* Free space to keep on the state directory's filesystem (bytes; default
   OUTBOX_RESERVE_MB_DEFAULT MiB). Below it, measured at each outbox_begin,
   new events go to the dead letters ("adapter disk full: ..."); above it
   again, they are kept and sent as before. */
#define OUTBOX_RESERVE_MB_DEFAULT 64u
void outbox_set_reserve(outbox_t *self, uint64_t bytes);
/* Random id made with the outbox: sequence numbers count within it. */
const char *outbox_epoch(const outbox_t *self);

/* A write batch: begin, add/dead-letter many, commit (all or nothing). */
int outbox_begin(outbox_t *self, fs_err_t *e);
/* Adds an OCSF event (borrowed) with the next sequence number. When the
   outbox is full the event goes to the dead-letter store with reason
   "outbox full" (never dropped silently) and 1 is returned. */
int outbox_add(outbox_t *self, const json_t *event, fs_err_t *e);
/* The same in two halves, so the costly one can run on another thread:
   outbox_encode appends the stored form of event (borrowed) to out (its
   class_uid, 4 bytes big-endian, then its compact JSON); it touches no
   outbox and is safe on any thread.  0, or -1 with e set (out unchanged).
   outbox_add_encoded adds such a value (borrowed, len bytes) in the open
   batch exactly as outbox_add would (source: the event's "source", for a
   dead letter; may be NULL).  0, 1 (dead-lettered) or -1 with e set. */
int outbox_encode(const json_t *event, ocsf_buf_t *out, fs_err_t *e);
int outbox_add_encoded(outbox_t *self, const char *source, const void *value, size_t len,
                       fs_err_t *e);
int outbox_dead_letter(outbox_t *self, const char *source, size_t record_no, size_t offset,
                       const char *reason, const char *raw, size_t raw_len, fs_err_t *e);
int outbox_commit(outbox_t *self, fs_err_t *e);
void outbox_abort(outbox_t *self);

/* Appends to frames (one per event) and classes (their class_uid) the
   events after seq `after`, at most max_events / max_bytes. Returns the
   number added; *first is the first sequence number. */
size_t outbox_peek(outbox_t *self, uint64_t after, size_t max_events, size_t max_bytes,
                   zmsg_t *frames, json_t *classes, uint64_t *first);
/* The broker stored the events up to and including upto. Without a
   retention they are deleted now; with one (outbox_set_retain) they stay
   until retain_ms after this ACK, and outbox_peek still finds them. upto
   may be lower than an earlier ACK's (a broker restored from an older
   copy): the events above it are the backlog again, as far as they are
   still kept (outbox_first_seq says from where). 0 or -1 with e set. */
int outbox_ack(outbox_t *self, uint64_t upto, fs_err_t *e);
/* outbox_ack in two steps, so that an ACK costs no commit of its own when
   a batch commits soon after: outbox_ack_later keeps upto (a later call
   replaces it, lower or not: the broker's newest word holds); the next
   outbox_commit writes it in its batch (nested: when it cannot be written
   the batch commits without it and it still waits), or outbox_ack_flush
   in a transaction of its own (0 when none waits, or -1 with e set: it
   still waits). The daemon writes the ACK that comes with a COMMAND once
   no command is in flight, after the RESPONSE has left (in the "started"
   commit it added its rows' pages to the command's path: issue 19, the
   p99 at 50 alerts/s). Until written the events count as backlog; a crash
   before only makes the site send them again (the broker's WELCOME says
   what it has). */
void outbox_ack_later(outbox_t *self, uint64_t upto);
int outbox_ack_flush(outbox_t *self, fs_err_t *e);
/* Keep acknowledged events retain_ms after their ACK (config
   outbox.retain_acked_s; 0 = delete at the ACK). */
void outbox_set_retain(outbox_t *self, int64_t retain_ms);
/* The lowest sequence number still kept (0: none). */
uint64_t outbox_first_seq(outbox_t *self);

typedef struct outbox_stats {
    uint64_t backlog;      /* events waiting (not acknowledged) */
    uint64_t retained;     /* acknowledged events kept for outbox.retain_acked_s */
    uint64_t last_seq;     /* last sequence number given */
    uint64_t dead_letters; /* records in the dead-letter store */
    uint64_t refused_full; /* events refused because the outbox was full */
    /* Since this process started (docs/operations.md "When the disk fills"): */
    uint64_t refused_disk;   /* events dead-lettered: less than the reserve free */
    uint64_t failed_commits; /* batches the disk refused altogether */
    uint64_t uncommitted;    /* records in those batches (a polled source reads them again) */
} outbox_stats_t;
void outbox_stats(outbox_t *self, outbox_stats_t *out);

/* Lists dead letters (newest last) as JSON objects. Caller owns. */
json_t *outbox_dead_letters(outbox_t *self, size_t max);

/* Whether a replay input (source + content hash) was already taken in. */
bool outbox_seen(outbox_t *self, const char *marker);
int outbox_mark_seen(outbox_t *self, const char *marker, fs_err_t *e);

/* Small named strings kept beside the events, e.g. a source's checkpoint.
   outbox_get_meta returns a copy (caller owns, free()) or NULL when unset.
   outbox_set_meta writes inside the open batch (outbox_begin), so the value
   commits or aborts together with the events added in it: a source's
   records and its new checkpoint are never committed apart. */
char *outbox_get_meta(outbox_t *self, const char *name);
int outbox_set_meta(outbox_t *self, const char *name, const char *value, fs_err_t *e);

/* Command journal (docs/internals/adapters.md "The command journal's log").
   journal_lookup returns 0 unseen, 1 started but not finished (the adapter
   died while executing), 2 finished (*response set, caller owns); it sees
   written entries only.

   journal_begin / journal_finish add an entry to the journal's batch;
   journal_write writes the batch: many commands' entries in one write and
   one device flush to the journal's log (private/journal_log.h), 0 once
   durable, or -1 with e set; the batch is gone either way (journal_drop
   drops it unwritten). A batch the log cannot take (no room left, an
   entry too large for it) is written to LMDB with the log's entries, in
   one commit, and the log starts over.

   journal_checkpoint copies the log's entries into LMDB in one commit and
   starts the log over: the daemon calls it when no command is in flight,
   off the commands' path. journal_log_pending: the log's bytes not yet
   copied. */
int journal_lookup(outbox_t *self, const char *command_id, json_t **response);
int journal_begin(outbox_t *self, const char *command_id, const json_t *command, fs_err_t *e);
int journal_finish(outbox_t *self, const char *command_id, const json_t *response, fs_err_t *e);
int journal_write(outbox_t *self, fs_err_t *e);
void journal_drop(outbox_t *self);
int journal_checkpoint(outbox_t *self, fs_err_t *e);
size_t journal_log_pending(outbox_t *self);
/* Keep finished journal entries retain_ms after their "finished" (config
   outbox.journal_retain_days; 0 = for ever): each journal_checkpoint
   deletes up to 1,000 of the oldest past it, also with nothing in the log
   (the daemon's idle checkpoint, once a minute). A command the broker sends
   again after that is run again. */
void outbox_set_journal_retain(outbox_t *self, int64_t retain_ms);

#endif
