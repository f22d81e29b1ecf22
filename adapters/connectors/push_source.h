/*  push_source.h — private to libfedsoar_adapters: the hook through which a
    push source (one that senders push records to, such as splunk-webhook)
    learns what became of each record it handed over, so that it answers
    each sender only after the daemon's commit.

    sources.c calls push_source_record() for every record of a poll while it
    normalizes them inside the outbox transaction, then
    push_source_committed() once the transaction committed (or failed, or
    the poll failed).  Both return at once for any other source type.  Both
    run on the daemon's thread; the source's own threads never touch LMDB. */
#ifndef FEDSOAR_PUSH_SOURCE_H
#define FEDSOAR_PUSH_SOURCE_H

#include "adapter.h"

typedef enum {
    PUSH_ADDED,    /* normalized and added to the outbox */
    PUSH_REJECTED, /* did not normalize: dead-lettered with the reason */
    PUSH_REFUSED,  /* the outbox was full: dead-lettered as "outbox full" */
} push_outcome_t;

/* Record number `record` (0-based, in the order the poll emitted them). */
void push_source_record(const source_ops_t *ops, void *state, size_t record,
                        push_outcome_t outcome);
/* The poll's records were committed (true) or nothing was (false). */
void push_source_committed(const source_ops_t *ops, void *state, bool committed);

/* The push sources, one pair of callbacks each (push_source.c). */
void splunk_webhook_on_record(void *state, size_t record, push_outcome_t outcome);
void splunk_webhook_on_commit(void *state, bool committed);

#endif
