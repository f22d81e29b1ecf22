/*  manual_state.h — the manual actuator's records, one per command it
    carries, in its own small LMDB environment STATE_DIR/manual.mdb (the
    adapter's state directory), so a kill -9 at any stage resumes at that
    stage.  Its own environment, not the outbox's: the actuator runs on its
    worker lane, and the outbox belongs to the daemon's thread.  Each call
    is one transaction begun and ended on the calling thread (MDB_NOTLS);
    the actuator's callbacks are never concurrent, so one writer at a time. */
#ifndef FEDSOAR_MANUAL_STATE_H
#define FEDSOAR_MANUAL_STATE_H

#include "common.h"

typedef struct manual_store manual_store_t;

/* Opens (creating) STATE_DIR/manual.mdb. Caller owns. NULL with e set. */
manual_store_t *manual_store_open(const char *state_dir, fs_err_t *e);
void manual_store_close(manual_store_t **self_p);
/* Every record, in command_id order. Caller owns. */
json_t *manual_store_load(manual_store_t *self);
/* Writes rec (borrowed; keyed by its "command_id"), committed (fsync)
   before it returns.  0, or -1 with e set (nothing written). */
int manual_store_save(manual_store_t *self, const json_t *rec, fs_err_t *e);
/* Forgets command_id's record.  0, or -1 with e set. */
int manual_store_drop(manual_store_t *self, const char *command_id, fs_err_t *e);

#endif
