/*  mapping_apply.c — the per-record path: runs a compiled mapping over one
    native record and builds the OCSF event.  No parsing of rules happens
    here; everything was compiled by mapping_load.c.

    Fields a rule placed are deleted from the (caller-owned) record after
    mapping, and what remains becomes `unmapped`: nothing is silently lost.
    A rule whose value does not convert (bad time, number, IP, unknown enum
    without a default) does not fire: the value is listed in
    unmapped.conversion_errors[], a warning is counted for (source, field),
    the rule's next `from` alternative is tried, and a time that none of
    its alternatives gives falls back to the receipt time.  Only a required
    field that is missing, or that is not a time and converts from no
    alternative, rejects the record.

    Threads: a compiled mapping is read-only here, so several threads may
    map with it at once (the adapter normalizes on its sources' threads);
    the one exception is a rule's jq program, whose jq_state libjq does not
    let two threads run: jq_first runs every jq program of the process's
    mappings under one lock (jq rules are rare and off the hot path). */
#include "internal.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ctx {
    const mapping_t *m;
    const normalize_opts_t *opts;
    uint8_t *fired; /* bit per rule id */
    fs_err_t *e;
    bool rejected;
    json_t *conversion_errors; /* array, created at the first error */
} ctx_t;

static inline void fire(ctx_t *c, const nz_rule_t *r)
{
    c->fired[r->id >> 3] |= (uint8_t)(1u << (r->id & 7));
}

static inline bool fired(const uint8_t *bits, uint32_t id)
{
    return bits[id >> 3] & (1u << (id & 7));
}

/* ---- conditions ------------------------------------------------------------ */

/* String form of a scalar for comparisons/map lookups; false if not scalar. */
static bool scalar_key(json_t *v, bool ci, char *buf, size_t size)
{
    switch (json_typeof(v)) {
    case JSON_STRING: {
        size_t n = json_string_length(v);
        if (n >= size)
            n = size - 1;
        memcpy(buf, json_string_value(v), n);
        buf[n] = '\0';
        if (ci)
            for (char *p = buf; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        return true;
    }
    case JSON_INTEGER:
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return true;
    case JSON_TRUE:
        snprintf(buf, size, "true");
        return true;
    case JSON_FALSE:
        snprintf(buf, size, "false");
        return true;
    default:
        return false;
    }
}

bool nz_cond_eval(const nz_cond_t *c, json_t *rec)
{
    char a[512], b[512];
    switch (c->kind) {
    case NZ_COND_NOT:
        return !nz_cond_eval(c->sub, rec);
    case NZ_COND_ALL:
        for (size_t i = 0; i < c->nsub; i++)
            if (!nz_cond_eval(&c->sub[i], rec))
                return false;
        return true;
    case NZ_COND_ANY:
        for (size_t i = 0; i < c->nsub; i++)
            if (nz_cond_eval(&c->sub[i], rec))
                return true;
        return false;
    default:
        break;
    }
    json_t *v = nz_path_get(rec, &c->path);
    if (!v || json_is_null(v))
        return false;
    switch (c->kind) {
    case NZ_COND_EXISTS:
        return true;
    case NZ_COND_EQ:
        if (json_is_string(c->value) || json_is_integer(c->value)) {
            /* "4624" equals 4624: vendors disagree on number vs string */
            if (!scalar_key(v, c->ci, a, sizeof a) || !scalar_key(c->value, false, b, sizeof b))
                return false;
            return strcmp(a, b) == 0;
        }
        return json_equal(v, c->value);
    case NZ_COND_IN:
        if (!scalar_key(v, c->ci, a, sizeof a))
            return false;
        return json_object_get(c->value, a) != NULL;
    case NZ_COND_PREFIX: {
        if (!json_is_string(v))
            return false;
        const char *p = json_string_value(c->value);
        size_t n = json_string_length(c->value);
        return json_string_length(v) >= n && (c->ci ? strncasecmp(json_string_value(v), p, n)
                                                    : strncmp(json_string_value(v), p, n)) == 0;
    }
    case NZ_COND_CONTAINS: {
        if (!json_is_string(v))
            return false;
        const char *needle = json_string_value(c->value);
        return c->ci ? strcasestr(json_string_value(v), needle) != NULL
                     : strstr(json_string_value(v), needle) != NULL;
    }
    default:
        return false;
    }
}

/* ---- values ------------------------------------------------------------------ */

/* First present (non-null) alternative from index `start` on; wildcards
   collect into a new array.  Returns a new reference or NULL. */
static json_t *from_value_at(const nz_rule_t *r, json_t *in, size_t start, size_t *which)
{
    for (size_t i = start; i < r->nfrom; i++) {
        const nz_path_t *p = &r->from[i];
        if (nz_path_has_wildcard(p)) {
            json_t *arr = json_array();
            nz_path_collect(in, p, arr);
            /* drop nulls */
            for (size_t k = json_array_size(arr); k-- > 0;)
                if (json_is_null(json_array_get(arr, k)))
                    json_array_remove(arr, k);
            if (json_array_size(arr) > 0) {
                *which = i;
                return arr;
            }
            json_decref(arr);
            continue;
        }
        json_t *v = nz_path_get(in, p);
        if (v && !json_is_null(v)) {
            *which = i;
            return json_incref(v);
        }
    }
    return NULL;
}

static json_t *from_value(const nz_rule_t *r, json_t *in, size_t *which)
{
    return from_value_at(r, in, 0, which);
}

static pthread_mutex_t jq_lock = PTHREAD_MUTEX_INITIALIZER;

/* fs_jq_first under jq_lock (see Threads above). */
static json_t *jq_first(fs_jq_t *jq, const json_t *in, fs_err_t *e)
{
    pthread_mutex_lock(&jq_lock);
    json_t *v = fs_jq_first(jq, in, e);
    pthread_mutex_unlock(&jq_lock);
    return v;
}

static json_t *copy_const(json_t *v)
{
    return (json_is_object(v) || json_is_array(v)) ? json_deep_copy(v) : json_incref(v);
}

static json_t *map_one(const nz_rule_t *r, json_t *v, fs_err_t *e)
{
    char key[512];
    if (r->map) {
        if (!scalar_key(v, r->map_ci, key, sizeof key)) {
            fs_err_set(e, "map: expected a string or integer, got a %s",
                       json_is_object(v)  ? "object"
                       : json_is_array(v) ? "array"
                                          : "number");
            return NULL;
        }
        json_t *hit = json_object_get(r->map, key);
        if (hit)
            return copy_const(hit);
        if (r->dflt)
            return copy_const(r->dflt);
        char q[128];
        /* list a few expected values to make the error actionable */
        char exp[200] = "";
        size_t used = 0, n = 0;
        const char *k;
        json_t *mv;
        json_object_foreach(r->map, k, mv)
        {
            int w = snprintf(exp + used, sizeof exp - used, "%s%s", n ? ", " : "", k);
            if (w < 0 || (size_t)w >= sizeof exp - used) {
                snprintf(exp + (sizeof exp > 5 ? sizeof exp - 5 : 0), 5, "...");
                break;
            }
            used += (size_t)w;
            n++;
        }
        fs_err_set(e, "unknown value %s (expected one of: %s)", fs_log_quote(q, sizeof q, key),
                   exp);
        return NULL;
    }
    if (r->nranges) {
        json_t *num = json_is_number(v) ? json_incref(v) : nz_fn_apply(r, NZ_FN_FLOAT, v, e);
        if (!num)
            return NULL;
        double x = json_number_value(num);
        json_decref(num);
        for (size_t i = 0; i < r->nranges; i++)
            if (x >= r->ranges[i].lo && x <= r->ranges[i].hi)
                return copy_const(r->ranges[i].value);
        if (r->dflt)
            return copy_const(r->dflt);
        fs_err_set(e, "value %g is outside every range", x);
        return NULL;
    }
    return json_incref(v);
}

/* fn chain then map/ranges. Steals v. */
static json_t *transform(const nz_rule_t *r, json_t *v, fs_err_t *e)
{
    for (size_t i = 0; v && i < r->nfn; i++) {
        json_t *next = nz_fn_apply(r, r->fn[i], v, e);
        json_decref(v);
        v = next;
    }
    if (!v || (!r->map && !r->nranges))
        return v;
    json_t *out;
    if (json_is_array(v) && r->map) { /* element-wise */
        out = json_array();
        size_t i;
        json_t *el;
        json_array_foreach(v, i, el)
        {
            json_t *m = map_one(r, el, e);
            if (!m) {
                json_decref(out);
                out = NULL;
                break;
            }
            json_array_append_new(out, m);
        }
    } else {
        out = map_one(r, v, e);
    }
    json_decref(v);
    return out;
}

/* ---- rules --------------------------------------------------------------------- */

static void apply_rules(ctx_t *c, const nz_rule_t *rules, size_t n, json_t *in, json_t *out,
                        int depth);

static bool put(ctx_t *c, const nz_rule_t *r, json_t *out, json_t *v)
{
    if (nz_path_set(out, &r->to, v) != 0) {
        /* the target's parent is not an object: a mapping conflict, not a
           record problem; keep going and leave the source in unmapped */
        fs_log(FS_LOG_DEBUG, "normalize", "rule_conflict", "source=%s rule=%s to=%s",
               c->m->source_id, r->where, r->to.text);
        return false;
    }
    fire(c, r);
    return true;
}

static void reject(ctx_t *c, const nz_rule_t *r, const char *field, const char *why)
{
    if (c->rejected)
        return;
    c->rejected = true;
    fs_err_set(c->e, "field %s: %s (mapping %s %s)", field, why, c->m->source_id, r->where);
}

static void build_objects(ctx_t *c, const nz_rule_t *r, json_t *in, json_t *out, int depth)
{
    size_t which = 0;
    json_t *src = r->nfrom ? from_value(r, in, &which) : json_incref(in);
    if (!src) {
        if (r->required)
            reject(c, r, r->from[0].text, "required field is missing");
        return;
    }
    if (json_is_array(src) && r->pick) {
        size_t i;
        json_t *el, *chosen = NULL;
        json_array_foreach(src, i, el) if (!chosen && nz_cond_eval(r->pick, el)) chosen = el;
        if (chosen) {
            json_t *obj = json_object();
            apply_rules(c, r->sub, r->nsub, chosen, obj, depth + 1);
            if (json_object_size(obj))
                put(c, r, out, obj);
            else
                json_decref(obj);
        }
    } else if (json_is_array(src) && r->nfrom) {
        json_t *collected = r->to.append ? NULL : json_array();
        size_t i;
        json_t *el;
        json_array_foreach(src, i, el)
        {
            json_t *obj = json_object();
            apply_rules(c, r->sub, r->nsub, el, obj, depth + 1);
            if (json_object_size(obj) == 0) {
                json_decref(obj);
                continue;
            }
            if (collected)
                json_array_append_new(collected, obj);
            else
                put(c, r, out, obj);
        }
        if (collected) {
            if (json_array_size(collected))
                put(c, r, out, collected);
            else
                json_decref(collected);
        }
    } else {
        json_t *obj = json_object();
        apply_rules(c, r->sub, r->nsub, src, obj, depth + 1);
        if (json_object_size(obj))
            put(c, r, out, obj);
        else
            json_decref(obj);
    }
    json_decref(src);
}

/* A value that did not convert: listed in unmapped.conversion_errors[]
   with the reason, counted for (source, field).  Returns the entry (to add
   the fallback used). */
static json_t *conversion_error(ctx_t *c, const nz_rule_t *r, size_t which, json_t *v,
                                const char *why)
{
    atomic_fetch_add_explicit(&r->warnings[which], 1, memory_order_relaxed);
    if (!c->conversion_errors)
        c->conversion_errors = json_array();
    json_t *entry = json_pack("{s:s, s:O, s:s}", "field", r->from[which].text, "value", v, "error",
                              why[0] ? why : "no usable value");
    if (entry)
        json_array_append_new(c->conversion_errors, entry);
    return entry;
}

/* "qualify": a short user name gets the domain the record holds beside it
   (DOMAIN\name); a name with '@' or '\' is already qualified.  Steals t. */
static json_t *qualify(const nz_rule_t *r, json_t *in, json_t *t)
{
    if (!json_is_string(t))
        return t;
    const char *name = json_string_value(t);
    if (!*name || strchr(name, '@') || strchr(name, '\\'))
        return t;
    json_t *d = nz_path_get(in, &r->qualify);
    const char *dom = json_string_value(d);
    if (!dom || !*dom || !strcmp(dom, "-"))
        return t;
    json_t *q = json_sprintf("%s\\%s", dom, name);
    if (!q)
        return t;
    json_decref(t);
    return q;
}

/* A rule that reads a field: the first alternative that is present and
   converts wins; one that is present but does not convert is a conversion
   error and the next is tried. */
static void apply_value_rule(ctx_t *c, const nz_rule_t *r, json_t *in, json_t *out)
{
    size_t which = 0, start = 0;
    json_t *last_error = NULL;
    for (;;) {
        json_t *v = from_value_at(r, in, start, &which);
        if (!v)
            break;
        if (r->consume_only) {
            json_decref(v);
            fire(c, r);
            return;
        }
        fs_err_t fe;
        fe.text[0] = '\0';
        json_incref(v);
        json_t *t = transform(r, v, &fe);
        if (t) {
            if (last_error)
                json_object_set_new(last_error, "fallback", json_string(r->from[which].text));
            json_decref(v);
            if (r->has_qualify)
                t = qualify(r, in, t);
            put(c, r, out, t);
            return;
        }
        /* a conversion failed ("nonempty" dropping "-" is not an error, nor a
           miss of a "try" rule) */
        if (fe.text[0] && !r->try_only)
            last_error = conversion_error(c, r, which, v, fe.text);
        json_decref(v);
        start = which + 1;
    }
    if (last_error && r->is_time) {
        /* no time field of the record converts: the receipt time */
        int64_t at = c->opts && c->opts->receipt_ms > 0 ? c->opts->receipt_ms : fs_now_ms();
        json_object_set_new(last_error, "fallback", json_string("receipt_time"));
        atomic_fetch_add_explicit(c->m->time_from_receipt, 1, memory_order_relaxed);
        put(c, r, out, json_integer(at));
        return;
    }
    if (!r->required)
        return;
    if (last_error) {
        char why[400];
        snprintf(why, sizeof why, "%s (no alternative converts)",
                 json_string_value(json_object_get(last_error, "error")));
        reject(c, r, json_string_value(json_object_get(last_error, "field")), why);
        return;
    }
    char why[300];
    snprintf(why, sizeof why, "required field is missing%s",
             r->nfrom > 1 ? " (and every alternative)" : "");
    reject(c, r, r->from[0].text, why);
}

/* A rule with a jq program (rare, under the process-wide lock).  A program
   that reads the whole record (no `from`) is named by the field it
   computes; null, no output or a jq error is then "missing" for `required`,
   as for a field read from the record. */
static void apply_jq_rule(ctx_t *c, const nz_rule_t *r, json_t *in, json_t *out)
{
    fs_err_t fe;
    size_t which = 0;
    json_t *src = r->nfrom ? from_value(r, in, &which) : json_incref(in);
    const char *field = r->nfrom ? r->from[which].text : r->to.text;
    if (!src) {
        if (r->required)
            reject(c, r, r->from[0].text, "required field is missing");
        return;
    }
    json_t *v = jq_first(r->jq, src, &fe);
    json_decref(src);
    if (!v) {
        if (r->required) {
            char why[400];
            snprintf(why, sizeof why, "required field is missing (%.360s)", fe.text);
            reject(c, r, field, r->nfrom ? fe.text : why);
        }
        return;
    }
    if (json_is_null(v)) {
        json_decref(v);
        if (r->required)
            reject(c, r, field, "required field is missing (the jq program gave null)");
        return;
    }
    fe.text[0] = '\0';
    json_t *t = transform(r, v, &fe);
    if (!t) {
        if (r->required)
            reject(c, r, field, fe.text[0] ? fe.text : "no usable value");
        return;
    }
    put(c, r, out, t);
}

static void apply_rule(ctx_t *c, const nz_rule_t *r, json_t *in, json_t *out, int depth)
{
    if (r->when && !nz_cond_eval(r->when, in))
        return;
    if (r->ncases) {
        for (size_t i = 0; i < r->ncases; i++) {
            if (r->cases[i].when && !nz_cond_eval(r->cases[i].when, in))
                continue;
            apply_rules(c, r->cases[i].rules, r->cases[i].nrules, in, out, depth + 1);
            fire(c, r);
            break;
        }
        return;
    }
    if (r->fallback && r->has_to && !r->to.append) {
        json_t *have = nz_path_get(out, &r->to);
        if (have && !json_is_null(have))
            return;
    }
    if (r->value) {
        put(c, r, out, copy_const(r->value));
        return;
    }
    if (r->nsub) {
        build_objects(c, r, in, out, depth);
        return;
    }
    if (r->jq)
        apply_jq_rule(c, r, in, out);
    else
        apply_value_rule(c, r, in, out);
}

static void apply_rules(ctx_t *c, const nz_rule_t *rules, size_t n, json_t *in, json_t *out,
                        int depth)
{
    if (depth > NZ_MAX_NESTING * 2)
        return;
    for (size_t i = 0; i < n && !c->rejected; i++)
        apply_rule(c, &rules[i], in, out, depth);
}

/* ---- unmapped ---------------------------------------------------------------- */

static bool trie_fired(const nz_trie_t *t, const uint8_t *bits)
{
    for (size_t i = 0; i < t->nrules; i++)
        if (fired(bits, t->rules[i]))
            return true;
    return false;
}

static bool is_empty_container(json_t *v)
{
    return (json_is_object(v) && json_object_size(v) == 0) ||
           (json_is_array(v) && json_array_size(v) == 0);
}

/* Deletes placed fields from v. Returns true when v became empty. */
static bool strip(json_t *v, const nz_trie_t *t, const uint8_t *bits, int depth)
{
    if (depth > 64)
        return false;
    if (json_is_array(v)) {
        size_t i;
        json_t *el;
        bool all_empty = json_array_size(v) > 0;
        json_array_foreach(v, i, el)
        {
            if (!(json_is_object(el) || json_is_array(el)) || !strip(el, t, bits, depth + 1))
                all_empty = false;
        }
        return all_empty;
    }
    if (!json_is_object(v))
        return false;
    bool touched = false;
    for (size_t i = 0; i < t->nchild; i++) {
        const nz_trie_t *ch = &t->child[i];
        json_t *x = json_object_get(v, ch->key);
        if (!x)
            continue;
        if (trie_fired(ch, bits)) {
            json_object_del(v, ch->key);
            touched = true;
        } else if (ch->nchild && (json_is_object(x) || json_is_array(x))) {
            if (strip(x, ch, bits, depth + 1) || is_empty_container(x)) {
                json_object_del(v, ch->key);
                touched = true;
            }
        }
    }
    return touched && json_object_size(v) == 0;
}

/* ---- the event ---------------------------------------------------------------- */

/* SHA-256 for metadata.uid, with the digest fetched once per process: the
   implicit fetch behind EVP_sha256() costs about as much as hashing a short
   id (OpenSSL 3).  Same digest as common's fs_sha256_hex, which is the
   fallback when the fetch fails. */
static EVP_MD *uid_md;
static pthread_once_t uid_md_once = PTHREAD_ONCE_INIT;

static void uid_md_fetch(void)
{
    uid_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static void uid_sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    pthread_once(&uid_md_once, uid_md_fetch);
    if (!uid_md || !EVP_Digest(data, len, md, &mdlen, uid_md, NULL) || mdlen != 32) {
        fs_sha256_hex(data, len, out);
        return;
    }
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

static void metadata_finish(const mapping_t *m, json_t *ev, const char *raw, size_t raw_len)
{
    json_t *md = json_object_get(ev, "metadata");
    if (!json_is_object(md)) {
        md = json_object();
        json_object_set_new_nocheck(ev, "metadata", md);
    }
    json_object_set_new_nocheck(md, "version", ocsf_shared_version());
    json_t *prod = json_object_get(md, "product");
    if (!json_is_object(prod)) {
        /* a shallow copy: the object is the event's own, its strings shared */
        json_object_set_new_nocheck(md, "product", json_copy(m->product));
    } else {
        const char *k;
        json_t *pv;
        json_object_foreach(m->product, k, pv) if (!json_object_get(prod, k))
            json_object_set_nocheck(prod, k, pv);
    }
    /* metadata.uid: stable across re-deliveries of the same vendor record,
       so the broker can deduplicate: sha256(source "\n" original uid), or of
       the raw bytes when the vendor gives no id. */
    char hex[65];
    json_t *orig = json_object_get(md, "original_event_uid");
    if (json_is_string(orig)) {
        char buf[1024];
        size_t sl = strlen(m->source_id), ol = json_string_length(orig);
        if (sl + 1 + ol > sizeof buf)
            ol = sizeof buf - 1 - sl; /* source ids are short (file names) */
        memcpy(buf, m->source_id, sl);
        buf[sl] = '\n';
        memcpy(buf + sl + 1, json_string_value(orig), ol);
        uid_sha256_hex(buf, sl + 1 + ol, hex);
    } else {
        uid_sha256_hex(raw ? raw : "", raw ? raw_len : 0, hex);
    }
    json_object_set_new_nocheck(md, "uid", json_stringn_nocheck(hex, 32));
}

json_t *nz_mapping_apply(const mapping_t *m, const normalize_opts_t *opts, json_t *rec,
                         const char *raw, size_t raw_len, fs_err_t *e)
{
    if (!json_is_object(rec)) {
        fs_err_set(e, "record is a JSON %s, expected an object",
                   json_is_array(rec)    ? "array"
                   : json_is_string(rec) ? "string"
                                         : "scalar");
        return NULL;
    }
    uint8_t bits_small[64];
    size_t nbytes = (m->nrule_ids + 7) / 8;
    uint8_t *bits = nbytes <= sizeof bits_small ? bits_small : fs_xcalloc(1, nbytes);
    memset(bits, 0, nbytes <= sizeof bits_small ? sizeof bits_small : nbytes);
    ctx_t c = {.m = m, .opts = opts, .fired = bits, .e = e};
    json_t *ev = json_object();
    nz_fn_set_time_reference(opts ? opts->receipt_ms : 0);
    if (m->nshapes)
        nz_shape_apply(m, rec);
    apply_rules(&c, m->rules, m->nrules, rec, ev, 0);
    if (c.rejected)
        goto fail;

    json_t *cls = json_object_get(ev, "class_uid");
    if (!json_is_integer(cls)) {
        fs_err_set(e,
                   "no rule set class_uid for this record (unsupported event type?) (mapping %s)",
                   m->source_id);
        goto fail;
    }
    if (!json_is_integer(json_object_get(ev, "activity_id")))
        json_object_set_new_nocheck(ev, "activity_id", ocsf_shared_int(0));
    if (!json_is_integer(json_object_get(ev, "time"))) {
        fs_err_set(e, "no event time: the time field is missing or not parsable (mapping %s)",
                   m->source_id);
        goto fail;
    }
    if (!json_is_integer(json_object_get(ev, "severity_id")))
        json_object_set_new_nocheck(ev, "severity_id", ocsf_shared_int(0));
    metadata_finish(m, ev, raw, raw_len);
    json_object_set_new_nocheck(ev, "site", json_string(opts && opts->site ? opts->site : ""));
    json_object_set_nocheck(ev, "source", m->source_json);
    ocsf_finish(ev);
    nz_observables_build(m, ev, rec);

    strip(rec, &m->trie, bits, 0);
    if (c.conversion_errors) /* after strip: no rule consumes this key */
        json_object_set_new_nocheck(rec, "conversion_errors", c.conversion_errors);
    c.conversion_errors = NULL;
    if (json_object_size(rec))
        json_object_set_nocheck(ev, "unmapped", rec);
    if (opts && opts->keep_raw && raw) {
        json_t *r = json_stringn(raw, raw_len);
        if (!r) { /* not UTF-8 (line formats): keep it lossless as hex-free base: escape bytes */
            char *safe = fs_xmalloc(raw_len + 1);
            for (size_t i = 0; i < raw_len; i++)
                safe[i] = (raw[i] & 0x80) || raw[i] == 0 ? '?' : raw[i];
            r = json_stringn(safe, raw_len);
            free(safe);
        }
        if (r)
            json_object_set_new(ev, "raw_data", r);
    }
    if (bits != bits_small)
        free(bits);
    return ev;
fail:
    json_decref(c.conversion_errors);
    json_decref(ev);
    if (bits != bits_small)
        free(bits);
    return NULL;
}
