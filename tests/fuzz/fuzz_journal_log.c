/*  fuzz_journal_log.c — the command journal's log reader
    (adapters/journal_log.c journal_log_scan), over any bytes as the file's
    content: the first 8 bytes name the generation to read, the rest is the
    log.  Checks: it never reads past the buffer; every record it gives has
    a key of 1..JOURNAL_LOG_KEY_MAX bytes and a value of at most
    JOURNAL_LOG_VALUE_MAX, back to back from offset 0 up to where it says
    it stopped; reading only that prefix gives the same records again. */
#include "journal_log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Checked in every build (assert is gone under NDEBUG). */
#define MUST(c)                                                                                    \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

typedef struct {
    const unsigned char *base;
    size_t len, next, count;
    unsigned long long hash;
} walk_t;

static int on_record(void *arg, const char *key, size_t klen, const char *value, size_t vlen)
{
    walk_t *w = arg;
    const unsigned char *k = (const unsigned char *)key;
    MUST(klen >= 1 && klen <= JOURNAL_LOG_KEY_MAX && vlen <= JOURNAL_LOG_VALUE_MAX);
    MUST(k == w->base + w->next + JOURNAL_LOG_HEADER); /* back to back */
    MUST((const unsigned char *)value == k + klen && k + klen + vlen <= w->base + w->len);
    for (size_t i = 0; i < klen + vlen; i++)
        w->hash = w->hash * 1099511628211ull ^ k[i];
    w->next += JOURNAL_LOG_HEADER + klen + vlen;
    w->count++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    uint64_t generation = fs_u64_from_be(data);
    const unsigned char *log = data + 8;
    size_t len = size - 8, end;
    journal_log_stop_t why;
    walk_t all = {log, len, 0, 0, 0};
    size_t n = journal_log_scan(log, len, generation, on_record, &all, &end, &why);
    MUST(n == all.count && end == all.next && end <= len);
    MUST(why != JOURNAL_LOG_STOPPED && journal_log_stop_text(why) != NULL);
    MUST(why != JOURNAL_LOG_END || len - end < JOURNAL_LOG_HEADER);
    walk_t prefix = {log, end, 0, 0, 0};
    size_t again = journal_log_scan(log, end, generation, on_record, &prefix, &end, &why);
    MUST(again == n && prefix.hash == all.hash && why == JOURNAL_LOG_END);
    return 0;
}
