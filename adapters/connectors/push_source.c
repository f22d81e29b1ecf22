/*  push_source.c — routes the commit hook of sources.c to the push
    sources (push_source.h); one table row per push source type. */
#include "push_source.h"

#include <stddef.h>

static const struct {
    const source_ops_t *ops;
    void (*on_record)(void *state, size_t record, push_outcome_t outcome);
    void (*on_commit)(void *state, bool committed);
} push_sources[] = {
    {&source_splunk_webhook, splunk_webhook_on_record, splunk_webhook_on_commit},
};

void push_source_record(const source_ops_t *ops, void *state, size_t record, push_outcome_t outcome)
{
    for (size_t i = 0; i < sizeof push_sources / sizeof *push_sources; i++)
        if (push_sources[i].ops == ops)
            push_sources[i].on_record(state, record, outcome);
}

void push_source_committed(const source_ops_t *ops, void *state, bool committed)
{
    for (size_t i = 0; i < sizeof push_sources / sizeof *push_sources; i++)
        if (push_sources[i].ops == ops)
            push_sources[i].on_commit(state, committed);
}
