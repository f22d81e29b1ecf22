/*  webhook_answer.c — what one POSTed body became and the answer that tells
    its sender (webhook_internal.h).  Pure: no I/O, no locks; the daemon's
    commit hooks fill it, the listener sends it, the fuzz target drives it.

      202 {"status": "stored", "accepted": 3, "refused_total": 1,
           "refused": [{"record": 2, "offset": 118, "reason": "..."}]}

    Records count from 1 and offsets are byte offsets in the body, as in
    the dead letters.  At most WEBHOOK_MAX_LISTED refused records are named;
    refused_total counts them all. */
#include "webhook_internal.h"

#include <stdlib.h>
#include <string.h>

void webhook_answer_init(webhook_answer_t *a)
{
    memset(a, 0, sizeof *a);
}

void webhook_answer_release(webhook_answer_t *a)
{
    json_decref(a->refused);
    webhook_answer_init(a);
}

void webhook_answer_add(webhook_answer_t *a, size_t record_no, size_t offset,
                        source_record_fate_t fate, const char *reason)
{
    if (fate == SOURCE_RECORD_ADDED) {
        a->accepted++;
        return;
    }
    if (fate == SOURCE_RECORD_REFUSED)
        a->full++;
    else
        a->rejected++;
    if (!a->refused)
        a->refused = json_array();
    if (json_array_size(a->refused) >= WEBHOOK_MAX_LISTED)
        return;
    json_t *r = json_object();
    json_object_set_new(r, "record", json_integer((json_int_t)record_no));
    json_object_set_new(r, "offset", json_integer((json_int_t)offset));
    /* Reasons come from the splitter and the mapping: plain text about the
       record, never a secret; a string that is not UTF-8 is replaced. */
    json_t *why = json_string(reason ? reason : "not stored");
    json_object_set_new(r, "reason", why ? why : json_string("(reason not printable)"));
    json_array_append_new(a->refused, r);
}

unsigned webhook_answer_status(const webhook_answer_t *a, bool committed, webhook_style_t style)
{
    if (!committed)
        return 503;
    if (a->accepted)
        return style == WEBHOOK_STYLE_SPLUNK ? 200 : 202;
    if (a->full)
        return 503; /* retry later: the outbox had no room */
    return 400;
}

char *webhook_answer_body(const webhook_answer_t *a, unsigned status, const char *error)
{
    json_t *j = json_object();
    if (status < 300)
        json_object_set_new(j, "status", json_string("stored"));
    else if (error)
        json_object_set_new(j, "error", json_string(error));
    json_object_set_new(j, "accepted", json_integer((json_int_t)a->accepted));
    json_object_set_new(j, "refused_total", json_integer((json_int_t)(a->rejected + a->full)));
    json_object_set_new(j, "refused", a->refused ? json_incref(a->refused) : json_array());
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s ? s : fs_xstrdup("{}");
}

char *webhook_answer_error(const char *text)
{
    json_t *j = json_pack("{s:s}", "error", text ? text : "refused");
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s ? s : fs_xstrdup("{}");
}
