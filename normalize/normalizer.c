/*  normalizer.c — the public face (normalize.h): loads every mapping file of
    a directory, and runs a source's framing -> decoder -> mapping pipeline
    over an input buffer, calling emit or reject for every record. */
#include "internal.h"
#include "json_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct normalizer {
    mapping_t **maps; /* sorted by source id */
    size_t n;
};

static int by_id(const void *a, const void *b)
{
    const mapping_t *const *x = a, *const *y = b;
    return strcmp((*x)->source_id, (*y)->source_id);
}

static int add_file(void *arg, const char *path, const char *name, fs_err_t *e)
{
    (void)name;
    normalizer_t *self = arg;
    mapping_t *m = nz_mapping_load(path, e);
    if (!m)
        return -1;
    self->maps = fs_xrealloc(self->maps, (self->n + 1) * sizeof *self->maps);
    self->maps[self->n++] = m;
    return 0;
}

normalizer_t *normalizer_new(const char *mappings_dir, fs_err_t *e)
{
    normalizer_t *self = fs_xcalloc(1, sizeof *self);
    int rc = fs_json_dir_each(mappings_dir,
                              "cannot open the mappings directory (set --mappings or "
                              "FEDSOAR_MAPPINGS)",
                              add_file, self, NULL, e);
    if (rc != 0 && fs_err_code(e) == FS_E_GENERIC)
        e->code = NORMALIZE_E_MAPPING; /* the mapping loader's refusals */
    if (rc == 0 && self->n == 0)
        rc = fs_err_setc(e, NORMALIZE_E_NO_MAPPINGS, "%s: no mapping files (*.json) found",
                         mappings_dir);
    if (rc != 0) {
        normalizer_destroy(&self);
        return NULL;
    }
    qsort(self->maps, self->n, sizeof *self->maps, by_id);
    for (size_t i = 1; i < self->n; i++)
        if (strcmp(self->maps[i - 1]->source_id, self->maps[i]->source_id) == 0) {
            fs_err_setc(e, NORMALIZE_E_MAPPING, "%s: source \"%s\" is defined twice",
                        self->maps[i]->file, self->maps[i]->source_id);
            normalizer_destroy(&self);
            return NULL;
        }
    fs_log(FS_LOG_DEBUG, "normalize", "mappings_loaded", "dir=%s sources=%zu", mappings_dir,
           self->n);
    return self;
}

void normalizer_destroy(normalizer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    normalizer_t *self = *self_p;
    for (size_t i = 0; i < self->n; i++)
        nz_mapping_free(self->maps[i]);
    free(self->maps);
    free(self);
    *self_p = NULL;
}

size_t normalizer_source_count(const normalizer_t *self)
{
    return self ? self->n : 0;
}

const char *normalizer_source_id(const normalizer_t *self, size_t index)
{
    return self && index < self->n ? self->maps[index]->source_id : NULL;
}

static const mapping_t *find(const normalizer_t *self, const char *id)
{
    if (!self || !id)
        return NULL;
    size_t lo = 0, hi = self->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(self->maps[mid]->source_id, id);
        if (c == 0)
            return self->maps[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool normalizer_has_source(const normalizer_t *self, const char *source_id)
{
    return find(self, source_id) != NULL;
}

/* ---- running ------------------------------------------------------------------ */

void nz_run_bad(nz_run_t *r, size_t record_no, size_t offset, const char *reason, const char *raw,
                size_t raw_len)
{
    r->rejected++;
    if (r->reject)
        r->reject(r->arg, record_no, offset, reason, raw ? raw : "", raw ? raw_len : 0);
}

static json_t *decode(const mapping_t *m, const char *raw, size_t len, fs_err_t *e)
{
    switch (m->decoder) {
    case NZ_DEC_CEF:
        return nz_decode_cef(raw, len, e);
    case NZ_DEC_WINXML:
        return nz_decode_winxml(raw, len, e);
    case NZ_DEC_RFC822:
        return nz_decode_rfc822(raw, len, e);
    default:
        break;
    }
    /* line framing without a decoder: each line is one JSON object */
    json_error_t je;
    json_t *v = json_loadb(raw, len, JSON_REJECT_DUPLICATES, &je);
    if (!v)
        fs_err_setc(e, NORMALIZE_E_RECORD, "invalid JSON at column %d: %s", je.column, je.text);
    return v;
}

static void run_one(nz_run_t *r, json_t *rec, size_t record_no, size_t offset, const char *raw,
                    size_t raw_len);

void nz_run_record(nz_run_t *r, json_t *rec, size_t record_no, size_t offset, const char *raw,
                   size_t raw_len)
{
    fs_err_t e = {0};
    if (!rec) {
        rec = decode(r->m, raw, raw_len, &e);
        if (!rec) {
            nz_run_bad(r, record_no, offset, e.text, raw, raw_len);
            return;
        }
    }
    json_t *arr = r->m->nrecord_arrays && json_is_object(rec) ? nz_record_array(r->m, rec) : NULL;
    if (!arr) {
        run_one(r, rec, record_no, offset, raw, raw_len);
        return;
    }
    /* a delivery that wraps several records (an Okta event hook): each
       element is a record with the delivery's number and offset, and its
       own bytes as raw data */
    size_t i;
    json_t *el;
    json_array_foreach(arr, i, el)
    {
        char *text = json_dumps(el, JSON_COMPACT | JSON_ENCODE_ANY);
        run_one(r, json_incref(el), record_no, offset, text, text ? strlen(text) : 0);
        free(text);
    }
    json_decref(rec);
}

/* Maps one record (rec owned, taken). */
static void run_one(nz_run_t *r, json_t *rec, size_t record_no, size_t offset, const char *raw,
                    size_t raw_len)
{
    fs_err_t e = {0};
    char *dumped = NULL;
    json_t *ev = nz_mapping_apply(r->m, r->opts, rec, raw, raw_len, &e);
    if (!ev) {
        if (!raw) {
            dumped = json_dumps(rec, JSON_COMPACT);
            raw = dumped;
            raw_len = dumped ? strlen(dumped) : 0;
        }
        nz_run_bad(r, record_no, offset, e.text, raw, raw_len);
    } else {
        if (r->emit_at)
            r->emit_at(r->arg, ev, record_no, offset);
        else if (r->emit)
            r->emit(r->arg, ev, record_no);
        json_decref(ev);
    }
    json_decref(rec);
    free(dumped);
}

static normalize_stream_t *stream_new(normalizer_t *self, const char *source_id,
                                      const char *position, const nz_run_t *run, fs_err_t *e)
{
    const mapping_t *m = find(self, source_id);
    if (!m) {
        fs_err_setc(e, NORMALIZE_E_UNKNOWN_SOURCE,
                    "unknown source \"%s\" (see fedsoarctl normalize --list-sources)",
                    source_id ? source_id : "(null)");
        return NULL;
    }
    return nz_stream_new(m, run, position, e);
}

normalize_stream_t *normalize_stream_new(normalizer_t *self, const char *source_id,
                                         const normalize_opts_t *opts, const char *position,
                                         normalize_emit_fn *emit, normalize_reject_fn *reject,
                                         void *arg, fs_err_t *e)
{
    nz_run_t r = {.opts = opts, .emit = emit, .reject = reject, .arg = arg};
    return stream_new(self, source_id, position, &r, e);
}

/* The whole input is one chunk; feed returns early only before a skipped
   span (checkpoints), so it is called until all is taken. */
static long run_whole(normalize_stream_t *s, const char *buf, size_t len)
{
    if (!buf)
        len = 0;
    size_t done = 0, n;
    do {
        n = normalize_stream_feed(s, buf ? buf + done : NULL, len - done, true);
        done += n;
    } while (done < len && n > 0);
    long rejected = normalize_stream_rejected(s);
    normalize_stream_destroy(&s);
    return rejected;
}

long normalizer_run(normalizer_t *self, const char *source_id, const normalize_opts_t *opts,
                    const char *buf, size_t len, normalize_emit_fn *emit,
                    normalize_reject_fn *reject, void *arg, fs_err_t *e)
{
    normalize_stream_t *s = normalize_stream_new(self, source_id, opts, NULL, emit, reject, arg, e);
    return s ? run_whole(s, buf, len) : -1;
}

long normalizer_run_at(normalizer_t *self, const char *source_id, const normalize_opts_t *opts,
                       const char *buf, size_t len, normalize_emit_at_fn *emit,
                       normalize_reject_fn *reject, void *arg, fs_err_t *e)
{
    nz_run_t r = {.opts = opts, .emit_at = emit, .reject = reject, .arg = arg};
    normalize_stream_t *s = stream_new(self, source_id, NULL, &r, e);
    return s ? run_whole(s, buf, len) : -1;
}

json_t *normalizer_map(normalizer_t *self, const char *source_id, const normalize_opts_t *opts,
                       const json_t *record_in, fs_err_t *e)
{
    const mapping_t *m = find(self, source_id);
    if (!m) {
        fs_err_setc(e, NORMALIZE_E_UNKNOWN_SOURCE, "unknown source \"%s\"",
                    source_id ? source_id : "(null)");
        return NULL;
    }
    json_t *rec = json_deep_copy(record_in); /* the engine consumes placed fields */
    if (!rec) {
        fs_err_set(e, "record is NULL or cannot be copied");
        return NULL;
    }
    char *raw = opts && opts->keep_raw ? json_dumps(rec, JSON_COMPACT) : NULL;
    json_t *ev = nz_mapping_apply(m, opts, rec, raw, raw ? strlen(raw) : 0, e);
    free(raw);
    json_decref(rec);
    return ev;
}

const char *normalize_strerror(int code)
{
    switch (code) {
    case NORMALIZE_E_MAPPING:
        return "mapping";
    case NORMALIZE_E_NO_MAPPINGS:
        return "no_mappings";
    case NORMALIZE_E_UNKNOWN_SOURCE:
        return "unknown_source";
    case NORMALIZE_E_RECORD:
        return "record";
    default:
        return "unknown";
    }
}

/* ---- conversion warnings ----------------------------------------------------- */

static void add_count(json_t *fields, const char *field, unsigned long n)
{
    json_t *have = json_object_get(fields, field);
    json_int_t prev = json_is_integer(have) ? json_integer_value(have) : 0;
    json_object_set_new(fields, field, json_integer(prev + (json_int_t)n));
}

static unsigned long rules_warnings(const nz_rule_t *rules, size_t n, json_t *fields)
{
    unsigned long sum = 0;
    for (size_t i = 0; i < n; i++) {
        const nz_rule_t *r = &rules[i];
        for (size_t f = 0; r->warnings && f < r->nfrom; f++) {
            unsigned long c = atomic_load_explicit(&r->warnings[f], memory_order_relaxed);
            if (c && fields)
                add_count(fields, r->from[f].text, c);
            sum += c;
        }
        sum += rules_warnings(r->sub, r->nsub, fields);
        for (size_t k = 0; k < r->ncases; k++)
            sum += rules_warnings(r->cases[k].rules, r->cases[k].nrules, fields);
    }
    return sum;
}

json_t *normalizer_warnings(const normalizer_t *self)
{
    json_t *out = json_object();
    for (size_t i = 0; self && i < self->n; i++) {
        const mapping_t *m = self->maps[i];
        json_t *fields = json_object();
        rules_warnings(m->rules, m->nrules, fields);
        unsigned long t = atomic_load_explicit(m->time_from_receipt, memory_order_relaxed);
        if (t)
            add_count(fields, "time", t);
        if (json_object_size(fields))
            json_object_set_new(out, m->source_id, fields);
        else
            json_decref(fields);
    }
    return out;
}

unsigned long normalizer_warnings_total(const normalizer_t *self)
{
    unsigned long sum = 0;
    for (size_t i = 0; self && i < self->n; i++) {
        const mapping_t *m = self->maps[i];
        sum += rules_warnings(m->rules, m->nrules, NULL);
        sum += atomic_load_explicit(m->time_from_receipt, memory_order_relaxed);
    }
    return sum;
}
