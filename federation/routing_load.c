/*  routing_load.c — the written schema of the "sites" object (route_schema.h)
    and route_load_sites, all or nothing. */
#include "openc2_internal.h"
#include "route_schema.h"
#include "routing_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the written schema of "sites" (route_schema.h) ------------------------------ */

static const char *site_name_check(const json_t *v)
{
    return route_site_name_ok(json_string_value(v))
               ? NULL
               : "a site name (1..64 letters, digits, '-', '_', '.')";
}

/* An LS target, or a profile target NSID:NAME. */
static bool target_ok(const char *t)
{
    if (oc2_is_ls_target(t))
        return true;
    const char *colon = strchr(t, ':');
    if (!colon || colon == t || !colon[1] || strlen(t) > 64)
        return false;
    for (const char *p = t; *p; p++)
        if (p != colon && !islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_' &&
            *p != '-')
            return false;
    return true;
}

/* An LS action, or an extension action x-NSID:NAME ("x-id:suspend"). */
static bool action_ok(const char *a)
{
    return oc2_is_action(a) || (strncmp(a, "x-", 2) == 0 && target_ok(a));
}

#define ACTION_WHAT                                                                                \
    "an OpenC2 LS v1.0 action (scan, locate, query, deny, contain, allow, ...) or x-NSID:NAME"

static const char *action_check(const json_t *v)
{
    return action_ok(json_string_value(v)) ? NULL : ACTION_WHAT;
}

static const char *target_check(const json_t *v)
{
    return target_ok(json_string_value(v)) ? NULL
                                           : "an OpenC2 target (an LS v1.0 target or NSID:NAME)";
}

#define ACTION_PAIR_WHAT                                                                           \
    "an OpenC2 LS v1.0 action (scan, locate, query, deny, contain, allow, ...), x-NSID:NAME, or "  \
    "ACTION:TARGET"

static const char *action_pair_check(const json_t *v)
{
    const char *s = json_string_value(v);
    if (action_ok(s))
        return NULL;
    /* ACTION:TARGET; an extension action x-NSID:NAME has one colon of its own. */
    const char *colon = strchr(s, ':');
    if (colon && strncmp(s, "x-", 2) == 0)
        colon = strchr(colon + 1, ':');
    char action[80];
    if (!colon)
        return ACTION_PAIR_WHAT;
    if ((size_t)(colon - s) >= sizeof action)
        return ACTION_PAIR_WHAT;
    memcpy(action, s, (size_t)(colon - s));
    action[colon - s] = '\0';
    return action_ok(action) && target_ok(colon + 1) ? NULL : ACTION_PAIR_WHAT;
}

const fs_schema_t route_action_pair_schema = {
    .type = FS_SCHEMA_STRING, .what = ACTION_PAIR_WHAT, .check = action_pair_check};

static const fs_schema_t scope_list = {
    .type = FS_SCHEMA_ARRAY, .items = FS_S_STRING_LEN(1, 255), .max = ROUTE_MAX_SCOPE_ENTRIES};

static const fs_schema_field_t scope_fields[] = {
    FS_FIELD("ipv4", &scope_list),
    FS_FIELD("ipv6", &scope_list),
    FS_FIELD("dns_suffixes", &scope_list),
    FS_FIELD("hostnames", &scope_list),
    FS_FIELD("identity_domains", &scope_list),
    FS_FIELDS_END,
};

/* The 'query features' results (LS 3.4.2.4): pairs is what routing uses. */
static const fs_schema_field_t capability_fields[] = {
    FS_REQUIRED(
        "pairs",
        FS_S_MAP(FS_S_STRING_CHECK(action_check, ACTION_WHAT),
                 FS_S_ARRAY(FS_S_STRING_CHECK(target_check,
                                              "an OpenC2 target (an LS v1.0 target or NSID:NAME)"),
                            0, 64),
                 0)),
    FS_FIELD("versions", FS_S_ARRAY(FS_S_STRING, 0, 64)),
    FS_FIELD("profiles", FS_S_ARRAY(FS_S_STRING, 0, 64)),
    FS_FIELD("rate_limit", FS_S_NUMBER(0, 1000000000)),
    FS_FIELDS_END,
};

static const fs_schema_field_t site_fields[] = {
    FS_FIELD("scopes", FS_S_OBJECT(scope_fields)),
    FS_FIELD("capabilities", FS_S_OBJECT(capability_fields)),
    FS_FIELDS_END,
};

const fs_schema_t route_sites_schema = {
    .type = FS_SCHEMA_MAP,
    .keys =
        FS_S_STRING_CHECK(site_name_check, "a site name (1..64 letters, digits, '-', '_', '.')"),
    .items = FS_S_OBJECT(site_fields),
    .max = ROUTE_MAX_SITES,
};

/* "site NAME: $.rest" (route_set_scopes' words) -> "$.sites.NAME.rest". */
static int full_path(fs_err_t *e, const char *name)
{
    char prefix[96], rest[sizeof e->text];
    int n = snprintf(prefix, sizeof prefix, "site %s: $", name);
    if (e && n > 0 && (size_t)n < sizeof prefix && strncmp(e->text, prefix, (size_t)n) == 0) {
        snprintf(rest, sizeof rest, "%s", e->text + n);
        char path[128];
        fs_schema_path_key(path, sizeof path, "$.sites", name);
        fs_err_set(e, "%s%s", path, rest);
    }
    return -1;
}

static int load_sites(route_table_t *t, const json_t *sites, fs_err_t *e)
{
    if (!t)
        return fs_err_set(e, "route_load_sites: no table");
    if (fs_schema_check(&route_sites_schema, sites, "$.sites", e) != 0)
        return -1;
    /* Check everything first, so that a bad file changes nothing. */
    const char *name;
    json_t *s;
    json_object_foreach((json_t *)sites, name, s)
    {
        if (!route_site_name_ok(name))
            return fs_err_set(e,
                              "$.sites.%.64s: a site name is 1..64 letters, digits, '-', '_', "
                              "'.'",
                              name);
        if (!json_is_object(s))
            return fs_err_set(e,
                              "site %s: expected an object with \"scopes\" and/or "
                              "\"capabilities\"",
                              name);
        const char *k;
        json_t *v;
        json_object_foreach(s, k,
                            v) if (strcmp(k, "scopes") != 0 &&
                                   strcmp(k, "capabilities") !=
                                       0) return fs_err_set(e,
                                                            "site %s: $.%.64s: unknown member "
                                                            "(known: scopes, capabilities)",
                                                            name, k);
        site_scopes_t parsed;
        json_t *pairs = NULL;
        int rc = 0;
        if (json_object_get(s, "scopes"))
            rc = route_parse_scopes(name, json_object_get(s, "scopes"), &parsed, e);
        else
            memset(&parsed, 0, sizeof parsed);
        route_scopes_free(&parsed);
        if (rc != 0)
            return full_path(e, name);
        if (json_object_get(s, "capabilities") &&
            route_check_pairs(name, json_object_get(s, "capabilities"), &pairs, e) != 0)
            return full_path(e, name);
        json_decref(pairs);
    }
    if (t->nsites + json_object_size(sites) > ROUTE_MAX_SITES)
        return fs_err_setc(e, ROUTE_E_FULL, "$.sites: more than %d sites", ROUTE_MAX_SITES);
    json_object_foreach((json_t *)sites, name, s)
    {
        if (json_object_get(s, "scopes") &&
            route_set_scopes(t, name, json_object_get(s, "scopes"), e) != 0)
            return -1;
        if (json_object_get(s, "capabilities") &&
            route_set_capabilities(t, name, json_object_get(s, "capabilities"), e) != 0)
            return -1;
        if (route_site_add(t, name, e) < 0)
            return -1;
    }
    return 0;
}

int route_load_sites(route_table_t *t, const json_t *sites, fs_err_t *e)
{
    return load_sites(t, sites, e) == 0 ? 0 : route_fail_code(e, ROUTE_E_SITES);
}
