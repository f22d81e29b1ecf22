/*  routing_assets.c — assets a site's own events show it owns (routing.h
    route_learn). What is safe to learn (docs/internals/routing.md):
    - device.ip / device.hostname / device.uid: the device an event is
      about is monitored by the reporting site — but an address, host name
      or user is learned only inside the site's own scope (may_learn_*
      below), so no site can pull another's assets towards itself;
    - src_endpoint / dst_endpoint ip (and its hostname) only when that IP
      lies in the reporting site's declared scopes: a peer seen in traffic,
      such as an attacker's address, never becomes the site's asset;
    - actor.user name / email_addr, except from failed authentications
      (OCSF 3002 with status_id 2), whose user names an attacker chooses.
    The reporting site is the CURVE-authenticated one the caller names. The
    store is bounded: the least recently seen entry is evicted. */
#include "routing_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int route_assets_init(route_assets_t *as, size_t max)
{
    memset(as, 0, sizeof *as);
    if (max > ASSET_NONE - 1)
        max = ASSET_NONE - 1;
    as->max = max;
    as->lru_head = as->lru_tail = ASSET_NONE;
    as->index = json_object();
    return as->index ? 0 : -1;
}

void route_assets_free(route_assets_t *as)
{
    for (size_t i = 0; i < as->n; i++)
        free(as->a[i].key);
    free(as->a);
    json_decref(as->index);
    memset(as, 0, sizeof *as);
}

size_t route_asset_count(const route_table_t *t)
{
    return t ? t->assets.n : 0;
}

static uint32_t chain_head(const route_assets_t *as, const char *key)
{
    json_t *v = json_object_get(as->index, key);
    return v ? (uint32_t)json_integer_value(v) : ASSET_NONE;
}

void route_assets_lookup(const route_assets_t *as, const char *key,
                         void (*fn)(void *arg, uint32_t site, int64_t seen_ms), void *arg)
{
    for (uint32_t i = chain_head(as, key); i != ASSET_NONE; i = as->a[i].chain_next)
        fn(arg, as->a[i].site, as->a[i].seen_ms);
}

static void lru_unlink(route_assets_t *as, uint32_t i)
{
    asset_t *x = &as->a[i];
    if (x->lru_prev != ASSET_NONE)
        as->a[x->lru_prev].lru_next = x->lru_next;
    else
        as->lru_head = x->lru_next;
    if (x->lru_next != ASSET_NONE)
        as->a[x->lru_next].lru_prev = x->lru_prev;
    else
        as->lru_tail = x->lru_prev;
    x->lru_prev = x->lru_next = ASSET_NONE;
}

static void lru_push_front(route_assets_t *as, uint32_t i)
{
    asset_t *x = &as->a[i];
    x->lru_prev = ASSET_NONE;
    x->lru_next = as->lru_head;
    if (as->lru_head != ASSET_NONE)
        as->a[as->lru_head].lru_prev = i;
    as->lru_head = i;
    if (as->lru_tail == ASSET_NONE)
        as->lru_tail = i;
}

/* Removes entry i from its key chain and the LRU list; the slot is free. */
static void evict(route_assets_t *as, uint32_t i)
{
    asset_t *x = &as->a[i];
    uint32_t head = chain_head(as, x->key);
    if (head == i) {
        if (x->chain_next == ASSET_NONE)
            json_object_del(as->index, x->key);
        else
            json_integer_set(json_object_get(as->index, x->key), x->chain_next);
    } else {
        for (uint32_t p = head; p != ASSET_NONE; p = as->a[p].chain_next)
            if (as->a[p].chain_next == i) {
                as->a[p].chain_next = x->chain_next;
                break;
            }
    }
    lru_unlink(as, i);
    free(x->key);
    x->key = NULL;
}

static int learn_key(route_assets_t *as, const char *key, uint32_t site, int64_t now)
{
    if (as->max == 0)
        return 0;
    uint32_t head = chain_head(as, key);
    for (uint32_t i = head; i != ASSET_NONE; i = as->a[i].chain_next)
        if (as->a[i].site == site) {
            if (now > as->a[i].seen_ms)
                as->a[i].seen_ms = now;
            lru_unlink(as, i);
            lru_push_front(as, i);
            return 1;
        }
    uint32_t slot;
    if (as->n < as->max) {
        if (as->n % 1024 == 0) {
            asset_t *p = fs_xrealloc(as->a, (as->n + 1024) * sizeof *p);
            as->a = p;
        }
        slot = (uint32_t)as->n++;
    } else {
        slot = as->lru_tail;
        evict(as, slot);
        head = chain_head(as, key); /* the evicted entry may have headed this chain */
    }
    char *k = fs_xstrdup(key);
    json_t *h = json_integer(slot);
    if (!h || json_object_set_new(as->index, key, h) != 0) {
        free(k);
        /* leave the slot unused but consistent */
        as->a[slot] = (asset_t){NULL, 0, 0, ASSET_NONE, ASSET_NONE, ASSET_NONE};
        if (slot == as->n - 1)
            as->n--;
        return 0;
    }
    as->a[slot] = (asset_t){k, site, now, ASSET_NONE, ASSET_NONE, head};
    lru_push_front(as, slot);
    return 1;
}

/* ---- from an OCSF event ---------------------------------------------------------- */

static int ip_key(const char *ip, char *key, size_t size, bool *v6, addr128_t *addr)
{
    const char *why;
    int len;
    bool host;
    if (!ip || strchr(ip, '/'))
        return -1;
    *v6 = strchr(ip, ':') != NULL;
    if (route_parse_cidr(ip, *v6, addr, &len, &host, &why) != 0)
        return -1;
    char text[64];
    route_format_addr(*v6, *addr, len, text, sizeof text);
    return snprintf(key, size, "ip:%s", text) >= (int)size ? -1 : 0;
}

static int name_key(const char *prefix, const char *name, char *key, size_t size)
{
    char norm[256];
    if (!name || route_norm_name(name, norm, sizeof norm) != 0)
        return -1;
    return snprintf(key, size, "%s:%s", prefix, norm) >= (int)size ? -1 : 0;
}

/* user names and device ids: printable, no spaces, <= 254 bytes, lower case */
static int token_key(const char *prefix, const char *s, bool lower, char *key, size_t size)
{
    if (!s || !*s || strlen(s) > 254)
        return -1;
    int n = snprintf(key, size, "%s:", prefix);
    if (n < 0 || (size_t)n >= size)
        return -1;
    size_t o = (size_t)n;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c == 0x7f || o + 1 >= size)
            return -1;
        key[o++] = lower ? (char)tolower(c) : (char)c;
    }
    key[o] = '\0';
    return 0;
}

typedef struct {
    uint32_t site;
    bool hit;
} in_scope_t;

static void in_scope_cb(void *arg, uint32_t site, const cidr_t *scope, bool inside)
{
    (void)scope;
    (void)inside;
    in_scope_t *s = arg;
    if (site == s->site)
        s->hit = true;
}

/* ---- a site learns only inside its own scope -------------------------------------
   An asset the site's declared scopes contain is its own. One that another
   site's scopes contain is never learned: a hostile or careless site must
   not pull another's hosts, addresses or users towards itself. An address
   that no scope contains is learned only by a site that declares no
   address scope (it has not said where its networks end); a host or user
   name that no scope contains (a bare "ws-1", "DOMAIN\\name") is learned,
   since no site has claimed it. */

typedef struct {
    uint32_t site;
    bool own, other;
} scope_hits_t;

static void hit(scope_hits_t *h, uint32_t site)
{
    if (site == h->site)
        h->own = true;
    else
        h->other = true;
}

static void hit_ip(void *arg, uint32_t site, const cidr_t *scope, bool inside)
{
    (void)scope, (void)inside;
    hit(arg, site);
}

static void hit_suffix(void *arg, uint32_t site, const char *suffix)
{
    (void)suffix;
    hit(arg, site);
}

static void hit_glob(void *arg, uint32_t site, const char *pattern, size_t spec)
{
    (void)pattern, (void)spec;
    hit(arg, site);
}

static bool may_learn(const scope_hits_t *h, size_t own_scopes_of_kind)
{
    return h->own || (!h->other && own_scopes_of_kind == 0);
}

static bool may_learn_name(const scope_hits_t *h)
{
    return h->own || !h->other;
}

static bool may_learn_ip(const route_table_t *t, uint32_t s, bool v6, addr128_t addr)
{
    scope_hits_t h = {s, false, false};
    route_match_ip(t, v6, addr, v6 ? 128 : 32, false, hit_ip, &h);
    const site_scopes_t *sc = &t->sites[s].scopes;
    return may_learn(&h, sc->nv4 + sc->nv6);
}

static bool may_learn_host(const route_table_t *t, uint32_t s, const char *host_key)
{
    const char *name = host_key + strlen("host:");
    scope_hits_t h = {s, false, false};
    route_match_suffix(t, t->suffix_index, name, hit_suffix, &h);
    route_match_glob(t, name, hit_glob, &h);
    return may_learn_name(&h);
}

/* A user's identity domain is what follows '@' (DOMAIN\name and bare names
   have none: no scope contains them). */
static bool may_learn_user(const route_table_t *t, uint32_t s, const char *user_key)
{
    const char *at = strrchr(user_key, '@');
    scope_hits_t h = {s, false, false};
    if (at && at[1])
        route_match_suffix(t, t->ident_index, at + 1, hit_suffix, &h);
    return may_learn_name(&h);
}

static const char *str_at(const json_t *obj, const char *a, const char *b)
{
    const json_t *v = json_object_get(obj, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

int route_learn(route_table_t *t, const char *site, const json_t *event, int64_t now_ms)
{
    if (!t || !site || !json_is_object(event))
        return 0;
    int si = route_site_find(t, site);
    if (si < 0 || route_rebuild(t) != 0)
        return 0;
    uint32_t s = (uint32_t)si;
    route_assets_t *as = &t->assets;
    char key[300];
    bool v6;
    addr128_t addr;
    int learned = 0;

    const json_t *device = json_object_get(event, "device");
    if (json_is_object(device)) {
        if (ip_key(str_at(device, "ip", NULL), key, sizeof key, &v6, &addr) == 0 &&
            may_learn_ip(t, s, v6, addr))
            learned += learn_key(as, key, s, now_ms);
        if (name_key("host", str_at(device, "hostname", NULL), key, sizeof key) == 0 &&
            may_learn_host(t, s, key))
            learned += learn_key(as, key, s, now_ms);
        if (token_key("device", str_at(device, "uid", NULL), false, key, sizeof key) == 0)
            learned += learn_key(as, key, s, now_ms);
    }
    static const char *const endpoints[] = {"src_endpoint", "dst_endpoint"};
    for (int k = 0; k < 2; k++) {
        const json_t *ep = json_object_get(event, endpoints[k]);
        if (ip_key(str_at(ep, "ip", NULL), key, sizeof key, &v6, &addr) != 0)
            continue;
        in_scope_t sc = {s, false};
        route_match_ip(t, v6, addr, v6 ? 128 : 32, false, in_scope_cb, &sc);
        if (!sc.hit)
            continue; /* not the site's address: a peer, maybe the attacker */
        learned += learn_key(as, key, s, now_ms);
        if (name_key("host", str_at(ep, "hostname", NULL), key, sizeof key) == 0 &&
            may_learn_host(t, s, key))
            learned += learn_key(as, key, s, now_ms);
    }
    bool failed_auth = json_integer_value(json_object_get(event, "class_uid")) == 3002 &&
                       json_integer_value(json_object_get(event, "status_id")) == 2;
    const json_t *user = json_object_get(json_object_get(event, "actor"), "user");
    if (!failed_auth && json_is_object(user)) {
        if (token_key("user", str_at(user, "name", NULL), true, key, sizeof key) == 0 &&
            may_learn_user(t, s, key))
            learned += learn_key(as, key, s, now_ms);
        const char *mail = str_at(user, "email_addr", NULL);
        if (token_key("user", mail, true, key, sizeof key) == 0 &&
            (!str_at(user, "name", NULL) || strcasecmp(mail, str_at(user, "name", NULL)) != 0) &&
            may_learn_user(t, s, key))
            learned += learn_key(as, key, s, now_ms);
    }
    return learned;
}
