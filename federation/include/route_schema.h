/*  route_schema.h — the written schemas of the routing config (issue 11.4):
    the "sites" object of the broker config and of a routes file, and the
    OpenC2 "action" / "action:target" names a site may list as critical
    (adapter config "critical_actions"). Defined in routing.c. */
#ifndef FEDSOAR_ROUTE_SCHEMA_H
#define FEDSOAR_ROUTE_SCHEMA_H

#include "config_schema.h"

/* {"SITE": {"scopes": {"ipv4", "ipv6", "dns_suffixes", "hostnames",
   "identity_domains"}, "capabilities": {"pairs": {ACTION: [TARGET]}, …}}}.
   route_load_sites checks it first; the values (CIDRs, names) are then
   checked by route_set_scopes. */
extern const fs_schema_t route_sites_schema;
/* An OpenC2 LS v1.0 action ("contain"), or "action:target" with an LS
   target or a profile target ("deny:ipv4_net", "delete:slpf:rule_number"). */
extern const fs_schema_t route_action_pair_schema;

#endif
