/*  routing.h — which site(s) an OpenC2 command goes to (docs/openc2.md
    "Routing", docs/internals/routing.md).  Not thread-safe: one thread owns
    a table. */
#ifndef FEDSOAR_ROUTING_H
#define FEDSOAR_ROUTING_H

#include "common.h"

/* ==== Routing (routing.c; docs/openc2.md "Routing", docs/internals/routing.md)
   Which site(s) an OpenC2 command goes to. A route table holds, per site:
   declared scopes (IPv4/IPv6 CIDRs, DNS suffixes, hostname glob patterns,
   identity domains), capabilities (the 'query features' results: pairs per
   action) and assets learned from the site's own events (IP, hostname,
   device uid, user -> site, with last-seen time; bounded, the least
   recently seen is evicted). Not thread-safe: one thread owns a table
   (route_decide updates internal scratch and lazily rebuilt indexes). */

typedef struct route_table route_table_t;

#define ROUTE_MAX_SITES 65536           /* sites in one table */
#define ROUTE_MAX_SCOPE_ENTRIES 100000  /* entries in one site's scopes */
#define ROUTE_DEFAULT_MAX_ASSETS 100000 /* learned assets kept (all sites) */

/* A table keeping at most max_assets learned assets (0 = the default).
   Caller owns; NULL only on allocation failure. */
route_table_t *route_table_new(size_t max_assets);
/* Idempotent; sets *t to NULL. */
void route_table_destroy(route_table_t **t);

/* Sets (replaces) a site's declared scopes, adding the site if new. Borrows
   scopes: {"ipv4": ["10.1.0.0/16", ...], "ipv6": [...], "dns_suffixes":
   [...], "hostnames": ["ws-*", ...], "identity_domains": [...]}. On error
   nothing changes and e names the site and the JSON path:
   "site alpha: $.scopes.ipv4[2]: \"10.1.2.3/16\" has host bits set ...". */
int route_set_scopes(route_table_t *t, const char *site, const json_t *scopes, fs_err_t *e);
/* Sets (replaces) a site's capabilities from a 'query features' results
   object ({"pairs": {...}, ...}; borrowed, copied), adding the site if new.
   A site whose capabilities were never set can do nothing. */
int route_set_capabilities(route_table_t *t, const char *site, const json_t *features, fs_err_t *e);
/* Loads {"alpha": {"scopes": {...}, "capabilities": {...}}, ...} (the
   "sites" object of a routes file or of the broker config; borrowed). All
   or nothing: on error the table is unchanged. */
int route_load_sites(route_table_t *t, const json_t *sites, fs_err_t *e);
/* Number of sites in the table. */
size_t route_site_count(const route_table_t *t);

/* Learns assets from one OCSF event (borrowed) sent by site (the
   CURVE-authenticated site, never the event's own "site" field) at now_ms:
   device.ip/hostname/uid, src/dst endpoint ip+hostname only when the
   endpoint's IP lies in the site's declared scopes, and actor.user (not
   from failed authentications). Returns the number of assets learned or
   refreshed (0 when the site is unknown or nothing qualifies). */
int route_learn(route_table_t *t, const char *site, const json_t *event, int64_t now_ms);
/* Number of learned assets held. */
size_t route_asset_count(const route_table_t *t);

/* Decides where a command (borrowed; validate it first) goes. explicit_site
   (may be NULL) wins when that site can do the action/target pair. Returns
   a JSON array of site names, empty when the command is refused; NULL only
   on allocation failure. Caller owns it. When explanation is not NULL it
   receives (caller owns) {"decision": "routed"|"refused", "rule": ...,
   "action", "target", "locators": [...], "sites": [...], "reason": ...,
   "considered": [{"site", "taken", "owns", "capable", "why"}, ...]}. */
json_t *route_decide(route_table_t *t, const json_t *command, const char *explicit_site,
                     json_t **explanation);

/* ---- errors ---------------------------------------------------------------- */
typedef enum route_errc {
    ROUTE_E_SCOPE = FS_ERR_BASE_ROUTE + 1, /* "scope": a declared scope is wrong */
    ROUTE_E_CAPABILITIES,                  /* "capabilities": a features object is wrong */
    ROUTE_E_SITES,                         /* "sites": the sites object breaks its schema */
    ROUTE_E_FULL,                          /* "full": ROUTE_MAX_SITES or scope entries reached */
    ROUTE_E_LAST_
} route_errc_t;
/* The name of a ROUTE_E_* code, "unknown" otherwise. Static. */
const char *route_strerror(int code);

#endif
