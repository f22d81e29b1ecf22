/*  site_activity.c — what each site produced, kept as the events arrive
    (casestore.h "site activity"; docs/mna-gap.md): per site and UTC day,
    per source the event count, first and last arrival and a histogram of
    the lag from the event's own time to the broker; per OCSF class and per
    ATT&CK technique a count. The broker's ingest notes each stored event in
    a small in-memory tally and writes the tally once per EVENTS batch, in
    the batch's transaction: a few rows per batch, never a scan at query
    time beyond the window's own rows.

    Rows in CASESTORE_DB_AGGREGATES (beside case_aggregates.c's "t"/"d"/"o"):
      "S" SITE \0 DAY(BE32) 's' SOURCE -> src_row_t (day 0: all time)
      "S" SITE \0 DAY(BE32) 'c' CLASS(BE32) -> u64 BE count
      "S" SITE \0 DAY(BE32) 't' TECHNIQUE  -> u64 BE count
    All integers in the values are big-endian, so a store moves between
    machines. */
#include "casestore_activity.h"
#include "casestore_internal.h"

#include <string.h>

#define DAY_MS 86400000LL
#define ACT_KEY_MAX 200
#define ACT_NAME_MAX 128
#define ACT_TALLY_MAX 256 /* distinct (kind, name) per batch; more are folded into "(other)" */

/* Lag bucket upper bounds in seconds; the last bucket is everything above. */
static const int64_t lag_bounds_s[CASESTORE_ACTIVITY_LAG_BUCKETS - 1] = {
    1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400};

/* A source row's value: count, first, last (ms), then the lag buckets. */
#define SRC_ROW_LEN (8 * 3 + 4 * CASESTORE_ACTIVITY_LAG_BUCKETS)

typedef struct tally {
    char kind; /* 's' source, 'c' class, 't' technique */
    char name[ACT_NAME_MAX];
    size_t name_len;
    uint64_t count;
    int64_t first, last;
    uint32_t lag[CASESTORE_ACTIVITY_LAG_BUCKETS];
    bool lag_sampled; /* a source: its lag was sampled in this batch */
} tally_t;

struct casestore_activity {
    char site[64];
    int64_t now;
    size_t n;
    tally_t t[ACT_TALLY_MAX + 3]; /* + one "(other)" per kind */
};

casestore_activity_t *casestore_activity_new(const char *site, int64_t now_ms)
{
    /* Not zeroed: 60 KB of tallies, one batch per EVENTS message (often a
       single event); tally_of clears each slot it hands out. */
    casestore_activity_t *a = fs_xmalloc(sizeof *a);
    snprintf(a->site, sizeof a->site, "%s", site);
    a->now = now_ms;
    a->n = 0;
    return a;
}

void casestore_activity_destroy(casestore_activity_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

/* The tally of (kind, name); past ACT_TALLY_MAX names, the "(other)" of
   the kind (one per kind, kept in the 3 slots beyond). */
static tally_t *tally_of(casestore_activity_t *a, char kind, const char *name, size_t len)
{
    bool other = len == 0 || len >= ACT_NAME_MAX;
    if (other) {
        name = "(other)";
        len = 7;
    }
    for (size_t i = 0; i < a->n; i++)
        if (a->t[i].kind == kind && a->t[i].name_len == len && memcmp(a->t[i].name, name, len) == 0)
            return &a->t[i];
    if (a->n >= ACT_TALLY_MAX && !other)
        return tally_of(a, kind, "", 0);
    if (a->n >= ACT_TALLY_MAX + 3)
        return NULL; /* not reached: one "(other)" per kind */
    tally_t *t = &a->t[a->n++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    memcpy(t->name, name, len);
    t->name_len = len;
    return t;
}

static int lag_bucket(int64_t lag_ms)
{
    for (int i = 0; i < CASESTORE_ACTIVITY_LAG_BUCKETS - 1; i++)
        if (lag_ms <= lag_bounds_s[i] * 1000)
            return i;
    return CASESTORE_ACTIVITY_LAG_BUCKETS - 1;
}

/* OCSF "time" is epoch milliseconds; an event without one gives no lag. */
static void sample_lag(casestore_activity_t *a, tally_t *src, const json_t *event)
{
    json_t *tm = json_object_get(event, "time");
    if (!json_is_integer(tm) || json_integer_value(tm) <= 0)
        return;
    src->lag[lag_bucket(a->now - (int64_t)json_integer_value(tm))]++;
    src->lag_sampled = true;
}

/* casestore_activity_note and _note_event: parsed, when given, is the
   event data holds. */
static void note(casestore_activity_t *a, const char *source, size_t source_len, const void *data,
                 size_t len, const json_t *parsed, json_int_t class_uid)
{
    const char *name = source ? source : "(none)";
    size_t nlen = source ? source_len : 6;
    tally_t *src = tally_of(a, 's', name, nlen);
    if (src) {
        if (!src->count++)
            src->first = a->now;
        src->last = a->now;
        if (!src->lag_sampled && parsed) {
            sample_lag(a, src, parsed);
        } else if (!src->lag_sampled) {
            /* One event per source per batch is parsed for its time: the lag
               is a sample, bounded in cost whatever the batch size. */
            json_t *event = json_loadb(data, len, 0, NULL);
            if (event)
                sample_lag(a, src, event);
            json_decref(event);
        }
    }
    char cls[4] = {(char)((uint32_t)class_uid >> 24), (char)((uint32_t)class_uid >> 16),
                   (char)((uint32_t)class_uid >> 8), (char)(uint32_t)class_uid};
    tally_t *c = tally_of(a, 'c', cls, 4);
    if (c)
        c->count++;
}

void casestore_activity_note(casestore_activity_t *a, const char *source, size_t source_len,
                             const void *data, size_t len, json_int_t class_uid)
{
    note(a, source, source_len, data, len, NULL, class_uid);
}

void casestore_activity_note_event(casestore_activity_t *a, const char *source, size_t source_len,
                                   const json_t *event, json_int_t class_uid)
{
    note(a, source, source_len, NULL, 0, event, class_uid);
}

static void note_attacks(casestore_activity_t *a, const json_t *attacks)
{
    size_t i;
    json_t *at;
    json_array_foreach(attacks, i, at)
    {
        const char *uid =
            json_string_value(json_object_get(json_object_get(at, "technique"), "uid"));
        if (!uid || !*uid)
            continue;
        tally_t *t = tally_of(a, 't', uid, strlen(uid));
        if (t)
            t->count++;
    }
}

void casestore_activity_note_finding(casestore_activity_t *a, const json_t *event)
{
    note_attacks(a, json_object_get(json_object_get(event, "finding_info"), "attacks"));
    note_attacks(a, json_object_get(event, "attacks"));
}

static size_t act_key(unsigned char *key, const char *site, uint32_t day, char kind,
                      const char *name, size_t len)
{
    size_t slen = strlen(site), n = 0;
    key[n++] = 'S';
    memcpy(key + n, site, slen + 1);
    n += slen + 1;
    key[n++] = (unsigned char)(day >> 24), key[n++] = (unsigned char)(day >> 16);
    key[n++] = (unsigned char)(day >> 8), key[n++] = (unsigned char)day;
    key[n++] = (unsigned char)kind;
    memcpy(key + n, name, len);
    return n + len;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Adds one tally to the row under key (creating it). */
static int merge_row(casestore_t *st, casestore_txn_t *txn, const unsigned char *key, size_t klen,
                     const tally_t *t, fs_err_t *e)
{
    unsigned char row[SRC_ROW_LEN] = {0};
    size_t rlen = t->kind == 's' ? SRC_ROW_LEN : 8;
    casestore_val_t v;
    int rc = casestore_get(st, txn, CASESTORE_DB_AGGREGATES, key, klen, &v, e);
    if (rc < 0)
        return -1;
    if (rc == 0 && v.len == rlen)
        memcpy(row, v.data, rlen);
    fs_u64_to_be(fs_u64_from_be(row) + t->count, row);
    if (t->kind == 's') {
        int64_t first = (int64_t)fs_u64_from_be(row + 8);
        if (!first || t->first < first)
            fs_u64_to_be((uint64_t)t->first, row + 8);
        if (t->last > (int64_t)fs_u64_from_be(row + 16))
            fs_u64_to_be((uint64_t)t->last, row + 16);
        for (int i = 0; i < CASESTORE_ACTIVITY_LAG_BUCKETS; i++)
            put_u32(row + 24 + 4 * i, get_u32(row + 24 + 4 * i) + t->lag[i]);
    }
    return casestore_put(st, txn, CASESTORE_DB_AGGREGATES, key, klen, row, rlen, e);
}

int casestore_activity_flush(casestore_t *st, casestore_txn_t *txn, casestore_activity_t *a,
                             fs_err_t *e)
{
    uint32_t day = (uint32_t)(a->now / DAY_MS);
    unsigned char key[ACT_KEY_MAX];
    for (size_t i = 0; i < a->n; i++) {
        const tally_t *t = &a->t[i];
        if (!t->count)
            continue;
        size_t klen = act_key(key, a->site, day, t->kind, t->name, t->name_len);
        if (merge_row(st, txn, key, klen, t, e) != 0)
            return -1;
        if (t->kind == 's') { /* the all-time row: first and last ever seen */
            klen = act_key(key, a->site, 0, t->kind, t->name, t->name_len);
            if (merge_row(st, txn, key, klen, t, e) != 0)
                return -1;
        }
    }
    a->n = 0;
    return 0;
}

/* ---- reading ---------------------------------------------------------------- */

struct reader {
    const char *site;
    size_t slen;
    uint32_t from_day;  /* the window's first day */
    bool all_time_pass; /* reading the day-0 rows (they come first) */
    json_t *sources, *classes, *techniques;
    json_t *lags; /* source -> [bucket counts] over the window */
};

static json_t *entry_of(json_t *obj, const char *name)
{
    json_t *o = json_object_get(obj, name);
    if (!o)
        json_object_set_new(obj, name, o = json_object());
    return o;
}

static void add_int(json_t *obj, const char *key, json_int_t v)
{
    json_object_set_new(obj, key, json_integer(json_integer_value(json_object_get(obj, key)) + v));
}

static int read_row(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    struct reader *r = arg;
    const unsigned char *k = key->data;
    size_t head = 1 + r->slen + 1;
    if (key->len < head + 5 || k[0] != 'S' || memcmp(k + 1, r->site, r->slen + 1) != 0)
        return 1; /* past this site's rows */
    uint32_t day = get_u32(k + head);
    if (r->all_time_pass && day != 0)
        return 1; /* the days follow: the second pass starts at the window */
    char kind = (char)k[head + 4];
    char name[ACT_NAME_MAX];
    size_t nlen = key->len - head - 5;
    if (nlen >= sizeof name)
        return 0;
    memcpy(name, k + head + 5, nlen);
    name[nlen] = '\0';
    const unsigned char *v = val->data;
    if (kind == 's' && val->len == SRC_ROW_LEN) {
        json_t *s = entry_of(r->sources, name);
        if (day == 0) { /* all time */
            json_object_set_new(s, "first_ms", json_integer((json_int_t)fs_u64_from_be(v + 8)));
            json_object_set_new(s, "last_ms", json_integer((json_int_t)fs_u64_from_be(v + 16)));
            json_object_set_new(s, "events_total", json_integer((json_int_t)fs_u64_from_be(v)));
            return 0;
        }
        if (day < r->from_day)
            return 0;
        add_int(s, "events", (json_int_t)fs_u64_from_be(v));
        json_t *h = json_object_get(r->lags, name);
        if (!h) {
            h = json_array();
            for (int i = 0; i < CASESTORE_ACTIVITY_LAG_BUCKETS; i++)
                json_array_append_new(h, json_integer(0));
            json_object_set_new(r->lags, name, h);
        }
        for (int i = 0; i < CASESTORE_ACTIVITY_LAG_BUCKETS; i++)
            json_array_set_new(h, (size_t)i,
                               json_integer(json_integer_value(json_array_get(h, (size_t)i)) +
                                            get_u32(v + 24 + 4 * i)));
        return 0;
    }
    if (day == 0 || day < r->from_day || val->len != 8)
        return 0;
    if (kind == 'c' && nlen == 4) {
        char cls[16];
        snprintf(cls, sizeof cls, "%u", get_u32(k + head + 5));
        add_int(r->classes, cls, (json_int_t)fs_u64_from_be(v));
    } else if (kind == 't') {
        add_int(r->techniques, name, (json_int_t)fs_u64_from_be(v));
    }
    return 0;
}

/* The upper bound (seconds) of the bucket holding quantile q, null when no
   sample; the last bucket has no bound: 86401 stands for "more than 86400". */
static json_t *lag_quantile(const json_t *h, double q)
{
    json_int_t total = 0, run = 0;
    for (size_t i = 0; i < json_array_size(h); i++)
        total += json_integer_value(json_array_get(h, i));
    if (!total)
        return json_null();
    json_int_t want = (json_int_t)(q * (double)total + 0.999999);
    for (size_t i = 0; i < json_array_size(h); i++) {
        run += json_integer_value(json_array_get(h, i));
        if (run >= want)
            return json_integer(i < CASESTORE_ACTIVITY_LAG_BUCKETS - 1
                                    ? lag_bounds_s[i]
                                    : lag_bounds_s[CASESTORE_ACTIVITY_LAG_BUCKETS - 2] + 1);
    }
    return json_null();
}

json_t *casestore_site_activity(casestore_t *st, casestore_txn_t *txn, const char *site,
                                int window_days, int64_t now_ms)
{
    unsigned char key[ACT_KEY_MAX];
    if (strlen(site) > 63)
        return NULL;
    struct reader r = {.site = site,
                       .slen = strlen(site),
                       .all_time_pass = true,
                       .sources = json_object(),
                       .classes = json_object(),
                       .techniques = json_object(),
                       .lags = json_object()};
    int64_t today = now_ms / DAY_MS;
    r.from_day =
        (uint32_t)(window_days > 0 && today - window_days + 1 > 1 ? today - window_days + 1 : 1);
    /* Two ranges: the all-time rows (day 0), then the window's days only. */
    size_t klen = act_key(key, site, 0, 's', "", 0) - 1;
    casestore_foreach_from(st, txn, CASESTORE_DB_AGGREGATES, key, klen, read_row, &r);
    r.all_time_pass = false;
    klen = act_key(key, site, r.from_day, 's', "", 0) - 1;
    casestore_foreach_from(st, txn, CASESTORE_DB_AGGREGATES, key, klen, read_row, &r);
    const char *name;
    json_t *s;
    json_object_foreach(r.sources, name, s)
    {
        if (!json_object_get(s, "events"))
            json_object_set_new(s, "events", json_integer(0));
        json_t *h = json_object_get(r.lags, name);
        json_int_t samples = 0;
        for (size_t i = 0; i < json_array_size(h); i++)
            samples += json_integer_value(json_array_get(h, i));
        json_object_set_new(s, "lag_samples", json_integer(samples));
        json_object_set_new(s, "lag_p50_s", lag_quantile(h, 0.50));
        json_object_set_new(s, "lag_p95_s", lag_quantile(h, 0.95));
    }
    json_decref(r.lags);
    return json_pack("{s:o, s:o, s:o}", "sources", r.sources, "classes", r.classes, "techniques",
                     r.techniques);
}

int64_t casestore_site_source_last(casestore_t *st, casestore_txn_t *txn, const char *site,
                                   const char *source)
{
    unsigned char key[ACT_KEY_MAX];
    size_t len = strlen(source);
    if (strlen(site) > 63 || len == 0 || len >= ACT_NAME_MAX)
        return 0;
    size_t klen = act_key(key, site, 0, 's', source, len);
    casestore_val_t v;
    if (casestore_get(st, txn, CASESTORE_DB_AGGREGATES, key, klen, &v, NULL) != 0 ||
        v.len != SRC_ROW_LEN)
        return 0;
    return (int64_t)fs_u64_from_be((const unsigned char *)v.data + 16);
}
