/*  routing_internal.h — private to federation/routing*.c: the route
    table's layout, shared by the scope indexes (routing.c), the learned
    assets (routing_assets.c) and the decision (routing_decide.c). */
#ifndef FEDSOAR_ROUTING_INTERNAL_H
#define FEDSOAR_ROUTING_INTERNAL_H

#include "openc2.h"
#include "routing.h"

/* An address, IPv6 in full, IPv4 in the low 32 bits of lo. */
typedef struct addr128 {
    uint64_t hi, lo;
} addr128_t;

typedef struct cidr {
    addr128_t net; /* masked */
    int len;       /* 0..32 or 0..128 */
} cidr_t;

typedef struct site_scopes {
    cidr_t *v4, *v6;
    size_t nv4, nv6;
    char **suffix, **glob, **ident; /* lower case */
    size_t nsuffix, nglob, nident;
} site_scopes_t;

typedef struct route_site {
    char *name;
    site_scopes_t scopes;
    json_t *pairs; /* {"action": ["target", ...]} or NULL: never reported */
} route_site_t;

typedef struct pfx_entry {
    addr128_t net;
    uint32_t site, idx; /* idx: into the site's v4/v6 array */
} pfx_entry_t;

typedef struct pfx_bucket {
    pfx_entry_t *e; /* sorted by net */
    size_t n, cap;
} pfx_bucket_t;

typedef struct pfx_index {
    pfx_bucket_t bucket[129]; /* by prefix length */
    uint8_t lens[129];        /* the non-empty lengths, ascending */
    size_t nlens;
} pfx_index_t;

typedef struct glob_entry {
    const char *pattern; /* borrowed from the site's scopes */
    uint32_t site;
} glob_entry_t;

/* Per-site state of one decision; valid when gen == the table's gen. */
typedef struct site_scratch {
    uint32_t gen;
    uint8_t matched; /* a scope or learned asset matched (why is set) */
    uint8_t owner;   /* owns the target (why says how) */
    char why[240];   /* the first reason, for the explanation */
} site_scratch_t;

/* Learned assets: key "ip:10.1.2.3" | "host:ws-1.alpha.example" |
   "device:UID" | "user:alice@alpha.example"; one entry per (key, site);
   a doubly linked LRU list evicts the least recently seen. */
typedef struct asset {
    char *key;
    uint32_t site;
    int64_t seen_ms;
    uint32_t lru_prev, lru_next; /* ASSET_NONE ends */
    uint32_t chain_next;         /* next entry with the same key */
} asset_t;

#define ASSET_NONE UINT32_MAX

typedef struct route_assets {
    asset_t *a;
    size_t n, max;
    uint32_t lru_head, lru_tail; /* head: most recent; full: the tail is reused */
    json_t *index;               /* key -> first entry of its chain */
} route_assets_t;

struct route_table {
    route_site_t *sites;
    site_scratch_t *scratch;
    size_t nsites, cap_sites;
    json_t *site_index;                 /* name -> index */
    bool dirty;                         /* indexes need a rebuild */
    pfx_index_t pfx[2];                 /* [0] IPv4, [1] IPv6 */
    json_t *suffix_index, *ident_index; /* name -> [site, ...] */
    glob_entry_t *globs;
    size_t nglobs, cap_globs;
    route_assets_t assets;
    uint32_t gen;
};

/* routing.c */
int route_parse_cidr(const char *s, bool v6, addr128_t *addr, int *len, bool *host_bits,
                     const char **why);
void route_format_addr(bool v6, addr128_t a, int len, char *out, size_t size);
int route_norm_name(const char *s, char *out, size_t size);
int route_site_find(const route_table_t *t, const char *name);
int route_rebuild(route_table_t *t);
void route_match_ip(const route_table_t *t, bool v6, addr128_t addr, int len, bool overlap,
                    void (*fn)(void *arg, uint32_t site, const cidr_t *scope, bool inside),
                    void *arg);
void route_match_suffix(const route_table_t *t, const json_t *index, const char *name,
                        void (*fn)(void *arg, uint32_t site, const char *suffix), void *arg);
void route_match_glob(const route_table_t *t, const char *name,
                      void (*fn)(void *arg, uint32_t site, const char *pattern, size_t spec),
                      void *arg);
bool route_site_can(const route_site_t *s, const char *action, const char *target);

/* routing_addr.c: addresses and names */
addr128_t route_addr_mask(addr128_t a, int len);
addr128_t route_addr_last(addr128_t a, int len);
int route_addr_cmp(addr128_t a, addr128_t b);
/* A prefix length on the 128-bit scale (IPv4 lengths + 96). */
int route_eff_len(bool v6, int len);
/* Lower-cased DNS name without the outer dots into out; -1 and *why when
   it is no hostname. */
int route_norm_dns(const char *s, char *out, size_t size, const char **why);
/* A hostname glob pattern, checked and lower-cased into out. */
int route_check_glob(const char *s, char *out, size_t size, const char **why);
/* How specific a glob is: its literal characters. */
size_t route_glob_literals(const char *p);

/* routing.c: sites, scopes and capabilities */
int route_site_name_ok(const char *name);
/* The index of a new site, or -1 with e set. */
int route_site_add(route_table_t *t, const char *name, fs_err_t *e);
int route_parse_scopes(const char *site, const json_t *j, site_scopes_t *out, fs_err_t *e);
void route_scopes_free(site_scopes_t *s);
/* Checks a 'query features' object and returns its pairs (caller owns). */
int route_check_pairs(const char *site, const json_t *features, json_t **out, fs_err_t *e);

/* Gives a failure the code of the step that failed (a full table keeps
   ROUTE_E_FULL). Returns -1. */
int route_fail_code(fs_err_t *e, int code);

/* routing_assets.c */
int route_assets_init(route_assets_t *as, size_t max);
void route_assets_free(route_assets_t *as);
/* Calls fn for each site that learned key. */
void route_assets_lookup(const route_assets_t *as, const char *key,
                         void (*fn)(void *arg, uint32_t site, int64_t seen_ms), void *arg);

#endif
