/*  event_cache.c — stored events read back parsed (casestore.h, "events").

    The broker parses each finding as it stores it, and reads the event
    again when the response to its run's command comes back: a second
    parse of the same bytes, 9 % of the broker's CPU samples at 500/s
    (bench/README.md, issue 19). row_cache.c keeps the last events parsed,
    each with its bytes, so that read finds the document instead. */
#include "casestore_internal.h"

/* Events in flight at once (a command out for each); more are parsed again. */
#define EVENT_CACHE_SLOTS 64
/* A larger event is parsed on each read: the cache stays under ~20 MB. */
#define EVENT_CACHE_MAX_BYTES (32 * 1024)

CASESTORE__ROW_CACHE(event_cache, EVENT_CACHE_SLOTS);

void casestore_event_parsed(casestore_t *st, uint64_t event_id, const void *data, size_t len,
                            json_t *event)
{
    (void)st; /* one cache for the process: a read checks the bytes of its own store */
    if (len <= EVENT_CACHE_MAX_BYTES)
        casestore__row_cache_keep(&event_cache, event_id, data, len, event);
}

json_t *casestore_event_view(casestore_t *st, casestore_txn_t *txn, uint64_t event_id)
{
    unsigned char key[8];
    fs_u64_to_be(event_id, key);
    casestore_val_t row;
    if (casestore_get(st, txn, CASESTORE_DB_EVENTS, key, 8, &row, NULL) != 0)
        return NULL;
    bool taken;
    json_t *doc = casestore__row_cache_find(&event_cache, event_id, &row, false, &taken);
    return doc ? doc : json_loadb(row.data, row.len, 0, NULL);
}
