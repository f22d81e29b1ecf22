/*  timeline.c — each case's timeline: append-only rows
    (case_id BE + entry id BE -> entry JSON), each one also an audit entry
    "case.KIND" written in the same transaction. */
#include "casestore_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Who caused a timeline entry, when the caller did not say: an operator
   (votes, human edits), the site that answered, or the broker. */
static const char *derive_actor(const json_t *fields, const char *kind, char *buf, size_t size)
{
    const char *op = json_string_value(json_object_get(fields, "operator"));
    const char *by = json_string_value(json_object_get(fields, "by"));
    const char *site = json_string_value(json_object_get(fields, "site"));
    if (op && snprintf(buf, size, "operator:%s", op) < (int)size)
        return buf;
    if (by)
        return by;
    if (site &&
        (strcmp(kind, "response") == 0 || strcmp(kind, "result") == 0 ||
         strcmp(kind, "opened") == 0 || strcmp(kind, "alert") == 0) &&
        snprintf(buf, size, "site:%s", site) < (int)size)
        return buf;
    return "broker";
}

/* The ids an audit entry is about, taken from a timeline entry. */
static json_t *audit_subject(uint64_t case_id, const json_t *fields)
{
    static const char *const ids[] = {"run_id", "command_id", "request_id", "approval_id",
                                      "event_id"};
    json_t *subject = json_object();
    json_object_set_new(subject, "case_id", json_integer((json_int_t)case_id));
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        json_t *v = json_object_get(fields, ids[i]);
        if (v)
            json_object_set(subject, ids[i], v);
    }
    return subject;
}

int casestore_timeline_add(casestore_t *st, casestore_txn_t *txn, uint64_t case_id,
                           const char *kind, json_t *fields, fs_err_t *e)
{
    return casestore_timeline_add_as(st, txn, case_id, kind, fields, NULL, e);
}

int casestore_timeline_add_as(casestore_t *st, casestore_txn_t *txn, uint64_t case_id,
                              const char *kind, json_t *fields, const char *actor, fs_err_t *e)
{
    uint64_t id = casestore_next_id(st, txn, "timeline_id", e);
    if (!id)
        return -1;
    unsigned char key[16];
    fs_u64_to_be(case_id, key);
    fs_u64_to_be(id, key + 8);
    /* Built member by member: json_pack parses its format on every call,
       and this runs for every timeline line (each playbook step). */
    json_t *entry = json_object(), *kind_v = json_string(kind);
    if (!kind_v) {
        json_decref(entry);
        return fs_err_setc(e, CASESTORE_E_INVALID, "timeline: kind is not UTF-8");
    }
    json_object_set_new(entry, "time", json_integer((json_int_t)fs_now_ms()));
    json_object_set_new(entry, "kind", kind_v);
    if (fields)
        json_object_update(entry, fields);
    int rc = casestore_put_json(st, txn, CASESTORE_DB_TIMELINE, key, 16, entry, e);
    if (rc == 0) {
        /* The audit chain records every timeline line, in the same txn. */
        char kbuf[96], abuf[96];
        json_t *subject = audit_subject(case_id, fields);
        snprintf(kbuf, sizeof kbuf, "case.%s", kind);
        rc = casestore_audit_append(st, txn, kbuf,
                                    actor ? actor : derive_actor(fields, kind, abuf, sizeof abuf),
                                    subject, entry, e);
        json_decref(subject);
    }
    json_decref(entry);
    return rc;
}

struct timeline_page {
    unsigned char prefix[8];
    json_t *out;
    size_t max;
};

static int timeline_one(void *arg, const casestore_val_t *k, const casestore_val_t *v)
{
    struct timeline_page *p = arg;
    if (k->len != 16 || memcmp(k->data, p->prefix, 8) != 0 || json_array_size(p->out) >= p->max)
        return 1;
    json_t *entry = json_loadb(v->data, v->len, 0, NULL);
    if (entry)
        json_array_append_new(p->out, entry);
    return 0;
}

json_t *casestore_timeline(casestore_t *st, casestore_txn_t *txn, uint64_t case_id, size_t max)
{
    struct timeline_page p = {.out = json_array(), .max = max};
    fs_u64_to_be(case_id, p.prefix);
    casestore_foreach_from(st, txn, CASESTORE_DB_TIMELINE, p.prefix, 8, timeline_one, &p);
    return p.out;
}

struct timeline_range {
    unsigned char prefix[8];
    json_t *items;
    size_t limit;
    uint64_t last;
    bool more;
};

static int range_one(void *arg, const casestore_val_t *k, const casestore_val_t *v)
{
    struct timeline_range *r = arg;
    if (k->len != 16 || memcmp(k->data, r->prefix, 8) != 0)
        return 1;
    if (json_array_size(r->items) >= r->limit) {
        r->more = true;
        return 1;
    }
    uint64_t id = fs_u64_from_be((const unsigned char *)k->data + 8);
    json_t *entry = json_loadb(v->data, v->len, 0, NULL);
    if (entry) {
        json_object_set_new(entry, "entry_id", json_integer((json_int_t)id));
        json_array_append_new(r->items, entry);
    }
    r->last = id;
    return 0;
}

json_t *casestore_timeline_page(casestore_t *st, casestore_txn_t *txn, uint64_t case_id,
                                uint64_t after, size_t limit)
{
    struct timeline_range r = {.items = json_array(), .limit = limit ? limit : 50};
    unsigned char from[16];
    fs_u64_to_be(case_id, r.prefix);
    memcpy(from, r.prefix, 8);
    fs_u64_to_be(after == UINT64_MAX ? after : after + 1, from + 8);
    if (after != UINT64_MAX)
        casestore_foreach_from(st, txn, CASESTORE_DB_TIMELINE, from, 16, range_one, &r);
    json_t *cursor = json_null();
    if (r.more) {
        char buf[24];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)r.last);
        cursor = json_string(buf);
    }
    return json_pack("{s:o, s:o}", "items", r.items, "next_cursor", cursor);
}
