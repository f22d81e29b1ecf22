/*  fuzz_webhook_body.c — the webhook source's body path without the network
    (adapters/sources/webhook_answer.c): a POSTed body split by a mapping's
    framing (normalizer_run_at, as the daemon does for the webhook) and the
    answer built from every record's fate.  The first byte picks the source
    (okta.system_log, splunk.notable, cef, suricata.eve) and whether the
    outbox is "full" (events then count as refused).  Checks: every record
    is counted once, offsets lie inside the body and increase, record
    numbers increase from 1, and the answer is valid JSON whose counts
    agree. */
#include "normalize_fuzz.h"
#include "webhook_internal.h"

#include <string.h>

#define MUST(c)                                                                                    \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

typedef struct {
    webhook_answer_t answer;
    size_t size, seen, last_no, last_off;
    bool full;
} run_t;

static void take(run_t *r, size_t no, size_t off, source_record_fate_t fate, const char *why)
{
    MUST(off <= r->size);
    MUST(no == r->last_no + 1);
    MUST(r->seen == 0 || off >= r->last_off);
    r->last_no = no;
    r->last_off = off;
    r->seen++;
    webhook_answer_add(&r->answer, no, off, fate, why);
}

static void on_event(void *arg, json_t *ev, size_t no, size_t off)
{
    run_t *r = arg;
    MUST(ev);
    take(r, no, off, r->full ? SOURCE_RECORD_REFUSED : SOURCE_RECORD_ADDED,
         r->full ? "the outbox is full" : NULL);
}

static void on_reject(void *arg, size_t no, size_t off, const char *why, const char *raw,
                      size_t raw_len)
{
    (void)raw, (void)raw_len;
    take(arg, no, off, SOURCE_RECORD_REJECTED, why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const sources[] = {"okta.system_log", "splunk.notable", "cef",
                                          "suricata.eve"};
    if (size < 1)
        return 0;
    fuzz_normalize(sources[0], (const uint8_t *)"", 0, false); /* loads the mappings once */
    run_t r = {.size = size - 1, .full = (data[0] & 0x80) != 0};
    webhook_answer_init(&r.answer);
    normalize_opts_t opts = {.site = "fuzz"};
    fs_err_t e = {0};
    long rej = normalizer_run_at(fuzz_nz, sources[data[0] % 4], &opts, (const char *)data + 1,
                                 size - 1, on_event, on_reject, &r, &e);
    MUST(rej >= 0);
    MUST(r.answer.accepted + r.answer.rejected + r.answer.full == r.seen);
    MUST((size_t)rej == r.answer.rejected);
    for (int committed = 0; committed < 2; committed++) {
        unsigned status = webhook_answer_status(&r.answer, committed, WEBHOOK_STYLE_GENERAL);
        MUST(status == 202 || status == 400 || status == 503);
        char *body = webhook_answer_body(&r.answer, status, status >= 300 ? "not stored" : NULL);
        json_t *j = json_loads(body, 0, NULL);
        MUST(j);
        MUST((size_t)json_integer_value(json_object_get(j, "accepted")) == r.answer.accepted);
        size_t listed = json_array_size(json_object_get(j, "refused"));
        MUST(listed <= WEBHOOK_MAX_LISTED);
        MUST(listed == (r.seen - r.answer.accepted < WEBHOOK_MAX_LISTED ? r.seen - r.answer.accepted
                                                                        : WEBHOOK_MAX_LISTED));
        json_decref(j);
        free(body);
    }
    /* The error text is a C string: the input's tail, terminated. */
    char *text = fs_xstrndup((const char *)data + (size > 1), size > 1 ? size - 1 : size);
    char *err = webhook_answer_error(text);
    free(err);
    free(text);
    webhook_answer_release(&r.answer);
    return 0;
}
