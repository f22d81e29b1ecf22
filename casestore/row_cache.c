/*  row_cache.c — parsed rows kept with the exact bytes they stand for
    (private/casestore_internal.h): the case cache (cases.c) and the event
    cache (event_cache.c).

    Why: a row read again and again costs a parse each time. A case record
    is read four times by one alert and once more by its response, and was
    44 % of the broker's time in a burst; an event is read again when the
    response to its command comes back (bench/README.md, issue 19). A read
    compares the row's bytes in LMDB with the kept ones: equal, the
    document is reused; different, the row is parsed again. So the cache
    needs no invalidation: an aborted transaction, a row written by
    another path or by another store in the same process only costs a
    parse. Slots are chosen by id; one lock, held for a compare or a swap,
    never for a parse. */
#include "casestore_internal.h"

#include <stdlib.h>
#include <string.h>

json_t *casestore__row_cache_find(casestore__row_cache_t *c, uint64_t id,
                                  const casestore_val_t *row, bool take, bool *taken)
{
    json_t *doc = NULL;
    char *bytes = NULL;
    *taken = false;
    pthread_mutex_lock(&c->lock);
    casestore__row_slot_t *s = &c->slots[id % c->n];
    if (s->doc && s->id == id && s->len == row->len && memcmp(s->bytes, row->data, row->len) == 0) {
        if (take && s->doc->refcount == 1) { /* only the cache has it */
            doc = s->doc;
            bytes = s->bytes;
            *s = (casestore__row_slot_t){0};
            *taken = true;
        } else {
            doc = json_incref(s->doc);
        }
    }
    pthread_mutex_unlock(&c->lock);
    free(bytes);
    return doc;
}

void casestore__row_cache_keep(casestore__row_cache_t *c, uint64_t id, const void *data, size_t len,
                               json_t *doc)
{
    char *bytes = fs_xmalloc(len ? len : 1);
    memcpy(bytes, data, len);
    pthread_mutex_lock(&c->lock);
    casestore__row_slot_t *s = &c->slots[id % c->n];
    char *old_bytes = s->bytes;
    json_t *old_doc = s->doc;
    *s = (casestore__row_slot_t){.id = id, .bytes = bytes, .len = len, .doc = json_incref(doc)};
    pthread_mutex_unlock(&c->lock);
    free(old_bytes);
    json_decref(old_doc);
}
