/*  routing_index.c — the route table's indexes, rebuilt lazily after a
    change, and the lookups over them:
    - IPv4 and IPv6 CIDRs: one sorted array of masked networks per prefix
      length; a lookup does one binary search per non-empty length (at most
      33 or 129), so 10,000 scopes cost ~14 compares per length;
    - DNS suffixes and identity domains: hash (a jansson object) from the
      lower-case suffix to the sites; a lookup tries each label boundary;
    - hostname glob patterns: a list matched with fnmatch(3);
    - learned assets: routing_assets.c. */
#include "routing_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- indexes ------------------------------------------------------------------- */

static int pfx_cmp(const void *a, const void *b)
{
    const pfx_entry_t *x = a, *y = b;
    int c = route_addr_cmp(x->net, y->net);
    return c ? c : (x->site > y->site) - (x->site < y->site);
}

static int pfx_push(pfx_bucket_t *b, addr128_t net, uint32_t site, uint32_t idx)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        pfx_entry_t *p = fs_xrealloc(b->e, cap * sizeof *p);
        b->e = p;
        b->cap = cap;
    }
    b->e[b->n++] = (pfx_entry_t){net, site, idx};
    return 0;
}

static int index_name(json_t *index, const char *name, uint32_t site)
{
    json_t *arr = json_object_get(index, name);
    if (!arr) {
        arr = json_array();
        if (!arr || json_object_set_new(index, name, arr) != 0)
            return -1;
    }
    return json_array_append_new(arr, json_integer(site));
}

int route_rebuild(route_table_t *t)
{
    if (!t->dirty)
        return 0;
    for (int f = 0; f < 2; f++)
        for (int l = 0; l <= 128; l++)
            t->pfx[f].bucket[l].n = 0;
    json_object_clear(t->suffix_index);
    json_object_clear(t->ident_index);
    t->nglobs = 0;
    size_t nglob = 0;
    for (size_t i = 0; i < t->nsites; i++)
        nglob += t->sites[i].scopes.nglob;
    if (nglob > t->cap_globs) {
        glob_entry_t *g = fs_xrealloc(t->globs, nglob * sizeof *g);
        t->globs = g;
        t->cap_globs = nglob;
    }
    for (size_t i = 0; i < t->nsites; i++) {
        site_scopes_t *s = &t->sites[i].scopes;
        for (size_t k = 0; k < s->nv4; k++)
            if (pfx_push(&t->pfx[0].bucket[s->v4[k].len], s->v4[k].net, (uint32_t)i, (uint32_t)k))
                return -1;
        for (size_t k = 0; k < s->nv6; k++)
            if (pfx_push(&t->pfx[1].bucket[s->v6[k].len], s->v6[k].net, (uint32_t)i, (uint32_t)k))
                return -1;
        for (size_t k = 0; k < s->nsuffix; k++)
            if (index_name(t->suffix_index, s->suffix[k], (uint32_t)i))
                return -1;
        for (size_t k = 0; k < s->nident; k++)
            if (index_name(t->ident_index, s->ident[k], (uint32_t)i))
                return -1;
        for (size_t k = 0; k < s->nglob; k++)
            t->globs[t->nglobs++] = (glob_entry_t){s->glob[k], (uint32_t)i};
    }
    for (int f = 0; f < 2; f++) {
        t->pfx[f].nlens = 0;
        for (int l = 0; l <= 128; l++)
            if (t->pfx[f].bucket[l].n) {
                qsort(t->pfx[f].bucket[l].e, t->pfx[f].bucket[l].n, sizeof(pfx_entry_t), pfx_cmp);
                t->pfx[f].lens[t->pfx[f].nlens++] = (uint8_t)l;
            }
    }
    t->dirty = false;
    return 0;
}

/* First index in b whose net >= key. */
static size_t lower_bound(const pfx_bucket_t *b, addr128_t key)
{
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (route_addr_cmp(b->e[mid].net, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Calls fn for every declared prefix that holds addr/len (prefix length <=
   len, same network) and, with overlap, also for every prefix inside it. */
void route_match_ip(const route_table_t *t, bool v6, addr128_t addr, int len, bool overlap,
                    void (*fn)(void *arg, uint32_t site, const cidr_t *scope, bool inside),
                    void *arg)
{
    const pfx_index_t *px = &t->pfx[v6 ? 1 : 0];
    for (size_t i = 0; i < px->nlens; i++) {
        int l = px->lens[i];
        const pfx_bucket_t *b = &px->bucket[l];
        if (l <= len) {
            addr128_t key = route_addr_mask(addr, route_eff_len(v6, l));
            for (size_t k = lower_bound(b, key); k < b->n && route_addr_cmp(b->e[k].net, key) == 0;
                 k++) {
                const route_site_t *s = &t->sites[b->e[k].site];
                fn(arg, b->e[k].site, v6 ? &s->scopes.v6[b->e[k].idx] : &s->scopes.v4[b->e[k].idx],
                   false);
            }
        } else if (overlap) {
            addr128_t first = route_addr_mask(addr, route_eff_len(v6, len));
            addr128_t last = route_addr_last(addr, route_eff_len(v6, len));
            for (size_t k = lower_bound(b, first);
                 k < b->n && route_addr_cmp(b->e[k].net, last) <= 0; k++) {
                const route_site_t *s = &t->sites[b->e[k].site];
                fn(arg, b->e[k].site, v6 ? &s->scopes.v6[b->e[k].idx] : &s->scopes.v4[b->e[k].idx],
                   true);
            }
        }
    }
}

/* Calls fn for each site whose suffix (index) holds name: name itself and
   every parent domain. */
void route_match_suffix(const route_table_t *t, const json_t *index, const char *name,
                        void (*fn)(void *arg, uint32_t site, const char *suffix), void *arg)
{
    const char *p = name;
    for (int guard = 0; p && *p && guard < 128; guard++) {
        json_t *arr = json_object_get(index, p);
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v) fn(arg, (uint32_t)json_integer_value(v), p);
        p = strchr(p, '.');
        if (p)
            p++;
    }
    (void)t;
}

void route_match_glob(const route_table_t *t, const char *name,
                      void (*fn)(void *arg, uint32_t site, const char *pattern, size_t spec),
                      void *arg)
{
    for (size_t i = 0; i < t->nglobs; i++)
        if (fnmatch(t->globs[i].pattern, name, FNM_CASEFOLD) == 0)
            fn(arg, t->globs[i].site, t->globs[i].pattern,
               route_glob_literals(t->globs[i].pattern));
}

bool route_site_can(const route_site_t *s, const char *action, const char *target)
{
    const json_t *targets = json_object_get(s->pairs, action);
    size_t i;
    json_t *v;
    json_array_foreach(targets, i, v) if (strcmp(json_string_value(v), target) == 0) return true;
    return false;
}

int route_norm_name(const char *s, char *out, size_t size)
{
    const char *why;
    return route_norm_dns(s, out, size, &why);
}
