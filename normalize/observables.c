/*  observables.c — builds observables[] for an event.

    Two sources, both deduplicated on (type_id, value, name):
    1. automatic: a walk over the mapped OCSF event that knows which OCSF
       attributes are observable types (any `ip` -> IP Address, `hostname`,
       `mac`, `email_addr`, `url_string`, user `name`, file `name`,
       process `name`, `hashes[].value`, email from/to/cc/reply_to);
    2. explicit rules in the mapping (`observables.rules`) for vendor fields
       no OCSF attribute holds (they stay in `unmapped`, and the observable's
       name says where).
    Values that are not valid for their type (an IP that is not an IP, an
    all-zero hash) are skipped. */
#include "internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const char *const type_names[] = {"Unknown",   "Hostname",      "IP Address",  "MAC Address",
                                         "User Name", "Email Address", "URL String",  "File Name",
                                         "Hash",      "Process Name",  "Resource UID"};

const char *ocsf_observable_type_name(int type_id)
{
    if (type_id >= 0 && type_id <= 10)
        return type_names[type_id];
    return type_id == 99 ? "Other" : NULL;
}

/* Shared immutable "type" captions (see ocsf.c on sharing). */
static json_t *type_json[12]; /* 0..10, [11] = 99 Other */
static pthread_once_t type_once = PTHREAD_ONCE_INIT;

static void type_build(void)
{
    for (int i = 0; i <= 10; i++)
        type_json[i] = json_string(type_names[i]);
    type_json[11] = json_string("Other");
}

/* What is already in the list, for deduplication without JSON lookups. */
typedef struct obs_seen {
    int type_id;
    const char *name, *value; /* borrowed from the observable's own strings */
} obs_seen_t;

typedef struct obs_ctx {
    json_t *list;
    obs_seen_t seen[NZ_MAX_OBSERVABLES];
    size_t n;
    /* the last name string made, reused while consecutive values share it */
    json_t *name_json;
} obs_ctx_t;

static bool valid_for(int type_id, const char *s, size_t n)
{
    if (n == 0 || n > 2048)
        return false;
    switch (type_id) {
    case OCSF_OBS_IP:
        return n < 64 && nz_ip_valid(s);
    case OCSF_OBS_EMAIL:
        return memchr(s, '@', n) != NULL;
    case OCSF_OBS_HASH: {
        if (n != 32 && n != 40 && n != 64 && n != 128)
            return false;
        bool nonzero = false;
        for (size_t i = 0; i < n; i++) {
            if (!isxdigit((unsigned char)s[i]))
                return false;
            nonzero |= s[i] != '0';
        }
        return nonzero;
    }
    default:
        return !(n == 1 && s[0] == '-');
    }
}

static void add(obs_ctx_t *o, int type_id, const char *name, json_t *value)
{
    if (!json_is_string(value) || o->n >= NZ_MAX_OBSERVABLES)
        return;
    const char *s = json_string_value(value);
    size_t n = json_string_length(value);
    if (!valid_for(type_id, s, n))
        return;
    /* dedupe on (type_id, name, value): lists are short (tens), a linear
       scan over a C array is cheaper than hashing */
    for (size_t i = 0; i < o->n; i++)
        if (o->seen[i].type_id == type_id && strcmp(o->seen[i].value, s) == 0 &&
            strcmp(o->seen[i].name, name) == 0)
            return;
    json_t *nm;
    if (o->name_json && strcmp(json_string_value(o->name_json), name) == 0)
        nm = json_incref(o->name_json);
    else {
        nm = json_string_nocheck(name);
        if (o->name_json)
            json_decref(o->name_json);
        o->name_json = json_incref(nm);
    }
    json_t *ob = json_object();
    json_object_set_new_nocheck(ob, "name", nm);
    json_t *tj = type_id >= 0 && type_id <= 10 ? type_json[type_id]
                 : type_id == 99               ? type_json[11]
                                               : NULL;
    if (tj)
        json_object_set_nocheck(ob, "type", tj);
    json_object_set_new_nocheck(ob, "type_id", ocsf_shared_int(type_id));
    json_object_set_nocheck(ob, "value", value);
    json_array_append_new(o->list, ob);
    o->seen[o->n++] = (obs_seen_t){type_id, json_string_value(nm), s};
}

static void add_any(obs_ctx_t *o, int type_id, const char *name, json_t *v)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *el;
        json_array_foreach(v, i, el) add(o, type_id, name, el);
    } else {
        add(o, type_id, name, v);
    }
}

/* An explicit rule with "where" or "qualify", per object holding the value
   (the rule's path without its last key): "where" must hold on that object
   (Okta target[] of type User, not AppInstance); "qualify" gives
   DOMAIN\name when the key `qualify` beside the name holds a domain and
   the name is not already qualified (docs/normalize.md, "Qualified user
   names"). */
static void add_qualified(obs_ctx_t *o, const nz_obs_rule_t *r, json_t *rec)
{
    nz_path_t parent = r->from; /* a view: the same segments, one fewer */
    parent.n--;
    const char *leaf = r->from.seg[r->from.n - 1];
    json_t *parents = json_array();
    if (nz_path_has_wildcard(&parent))
        nz_path_collect(rec, &parent, parents);
    else if (nz_path_get(rec, &parent))
        json_array_append(parents, nz_path_get(rec, &parent));
    size_t k;
    json_t *p;
    json_array_foreach(parents, k, p)
    {
        if (r->where && !nz_cond_eval(r->where, p))
            continue;
        json_t *name = json_object_get(p, leaf);
        const char *n = json_string_value(name);
        const char *dom = r->qualify ? json_string_value(json_object_get(p, r->qualify)) : NULL;
        if (!n || !*n || strchr(n, '@') || strchr(n, '\\') || !dom || !*dom || !strcmp(dom, "-")) {
            if (name)
                add_any(o, r->type_id, r->name, name);
            continue;
        }
        json_t *q = json_sprintf("%s\\%s", dom, n);
        if (q)
            add(o, r->type_id, r->name, q);
        json_decref(q);
    }
    json_decref(parents);
}

/* Dispatches on the key's first byte first: walk() asks this for every
   leaf of the event, and most keys start with none of these letters. */
static int auto_type(const char *parent, const char *key)
{
    switch (key[0]) {
    case 'i':
        if (!strcmp(key, "ip"))
            return OCSF_OBS_IP;
        break;
    case 'h':
        if (!strcmp(key, "hostname"))
            return OCSF_OBS_HOSTNAME;
        break;
    case 'm':
        if (!strcmp(key, "mac"))
            return OCSF_OBS_MAC;
        break;
    case 'e':
        if (!strcmp(key, "email_addr"))
            return OCSF_OBS_EMAIL;
        break;
    case 'u':
        if (!strcmp(key, "url_string"))
            return OCSF_OBS_URL;
        break;
    case 'x':
        if (!strcmp(key, "x_originating_ip"))
            return OCSF_OBS_IP;
        break;
    default:
        break;
    }
    if (!parent)
        return 0;
    if (key[0] == 'n' && !strcmp(key, "name")) {
        if (!strcmp(parent, "user") || !strcmp(parent, "users") || !strcmp(parent, "user_result"))
            return OCSF_OBS_USER_NAME;
        if (!strcmp(parent, "file") || !strcmp(parent, "files"))
            return OCSF_OBS_FILE_NAME;
        if (!strcmp(parent, "process") || !strcmp(parent, "parent_process"))
            return OCSF_OBS_PROCESS_NAME;
    }
    if (key[0] == 'v' && !strcmp(parent, "hashes") && !strcmp(key, "value"))
        return OCSF_OBS_HASH;
    if (parent[0] == 'e' && !strcmp(parent, "email") &&
        (!strcmp(key, "from") || !strcmp(key, "to") || !strcmp(key, "cc") ||
         !strcmp(key, "reply_to") || !strcmp(key, "smtp_from") || !strcmp(key, "smtp_to") ||
         !strcmp(key, "sender") || !strcmp(key, "return_path")))
        return OCSF_OBS_EMAIL;
    return 0;
}

/* Top-level keys walk() skips: metadata, unmapped, raw_data, observables. */
static bool skip_top(const char *key)
{
    switch (key[0]) {
    case 'm':
        return !strcmp(key, "metadata");
    case 'u':
        return !strcmp(key, "unmapped");
    case 'r':
        return !strcmp(key, "raw_data");
    case 'o':
        return !strcmp(key, "observables");
    default:
        return false;
    }
}

static void walk(obs_ctx_t *o, json_t *v, const char *parent, char *path, size_t plen, size_t cap,
                 int depth)
{
    if (depth > 12)
        return;
    if (json_is_array(v)) {
        size_t i;
        json_t *el;
        json_array_foreach(v, i, el) walk(o, el, parent, path, plen, cap, depth + 1);
        return;
    }
    if (!json_is_object(v))
        return;
    const char *key;
    json_t *x;
    /* evidences[].data carries the vendor's evidence verbatim */
    bool in_evidences = parent && !strcmp(parent, "evidences");
    void *it;
    for (it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
        key = json_object_iter_key(it);
        x = json_object_iter_value(it);
        if (depth == 0 && skip_top(key))
            continue;
        if (in_evidences && !strcmp(key, "data"))
            continue;
        size_t kl = json_object_iter_key_len(it), n = kl + (plen ? 1 : 0);
        if (n >= cap - plen)
            continue;
        if (plen)
            path[plen] = '.';
        memcpy(path + plen + (plen ? 1 : 0), key, kl + 1);
        if (json_is_object(x) || (json_is_array(x) && json_is_object(json_array_get(x, 0)))) {
            walk(o, x, key, path, plen + n, cap, depth + 1);
        } else {
            int t = auto_type(parent, key);
            if (t)
                add_any(o, t, path, x);
        }
        path[plen] = '\0';
    }
}

void nz_observables_build(const mapping_t *m, json_t *ev, json_t *rec)
{
    pthread_once(&type_once, type_build);
    obs_ctx_t o;
    o.list = json_array();
    o.n = 0;
    o.name_json = NULL;
    if (m->auto_observables) {
        char path[512] = "";
        walk(&o, ev, NULL, path, 0, sizeof path, 0);
    }
    for (size_t i = 0; i < m->nobs; i++) {
        const nz_obs_rule_t *r = &m->obs[i];
        if (r->when && !nz_cond_eval(r->when, rec))
            continue;
        if (r->qualify || r->where) {
            add_qualified(&o, r, rec);
            continue;
        }
        if (nz_path_has_wildcard(&r->from)) {
            json_t *vals = json_array();
            nz_path_collect(rec, &r->from, vals);
            size_t k;
            json_t *el;
            json_array_foreach(vals, k, el) add_any(&o, r->type_id, r->name, el);
            json_decref(vals);
        } else {
            json_t *v = nz_path_get(rec, &r->from);
            if (v)
                add_any(&o, r->type_id, r->name, v);
        }
    }
    if (json_array_size(o.list))
        json_object_set_nocheck(ev, "observables", o.list);
    json_decref(o.list);
    json_decref(o.name_json);
}
