/*  routing.c — the route table and its sites: declared scopes and
    capabilities (routing.h; the rules are in docs/openc2.md "Routing" and
    the design in docs/internals/routing.md).  Addresses and names are
    parsed in routing_addr.c, the indexes built in routing_index.c, the
    "sites" object loaded in routing_load.c, assets learned in
    routing_assets.c and decisions made in routing_decide.c. */
#include "routing_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sites ------------------------------------------------------------------ */

void route_scopes_free(site_scopes_t *s)
{
    free(s->v4);
    free(s->v6);
    for (size_t i = 0; i < s->nsuffix; i++)
        free(s->suffix[i]);
    free(s->suffix);
    for (size_t i = 0; i < s->nglob; i++)
        free(s->glob[i]);
    free(s->glob);
    for (size_t i = 0; i < s->nident; i++)
        free(s->ident[i]);
    free(s->ident);
    memset(s, 0, sizeof *s);
}

route_table_t *route_table_new(size_t max_assets)
{
    route_table_t *t = fs_xcalloc(1, sizeof *t);
    t->site_index = json_object();
    t->suffix_index = json_object();
    t->ident_index = json_object();
    if (!t->site_index || !t->suffix_index || !t->ident_index ||
        route_assets_init(&t->assets, max_assets ? max_assets : ROUTE_DEFAULT_MAX_ASSETS) != 0) {
        route_table_destroy(&t);
        return NULL;
    }
    t->dirty = true;
    return t;
}

void route_table_destroy(route_table_t **tp)
{
    if (!tp || !*tp)
        return;
    route_table_t *t = *tp;
    for (size_t i = 0; i < t->nsites; i++) {
        free(t->sites[i].name);
        route_scopes_free(&t->sites[i].scopes);
        json_decref(t->sites[i].pairs);
    }
    free(t->sites);
    for (int f = 0; f < 2; f++)
        for (int l = 0; l <= 128; l++)
            free(t->pfx[f].bucket[l].e);
    free(t->globs);
    free(t->scratch);
    json_decref(t->site_index);
    json_decref(t->suffix_index);
    json_decref(t->ident_index);
    route_assets_free(&t->assets);
    free(t);
    *tp = NULL;
}

size_t route_site_count(const route_table_t *t)
{
    return t ? t->nsites : 0;
}

int route_site_find(const route_table_t *t, const char *name)
{
    json_t *v = json_object_get(t->site_index, name);
    return v ? (int)json_integer_value(v) : -1;
}

int route_site_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_' && name[i] != '.')
            return 0;
    return 1;
}

int route_site_add(route_table_t *t, const char *name, fs_err_t *e)
{
    int i = route_site_find(t, name);
    if (i >= 0)
        return i;
    if (!route_site_name_ok(name))
        return fs_err_set(e, "site \"%.64s\": a site name is 1..64 letters, digits, '-', '_', '.'",
                          name);
    if (t->nsites >= ROUTE_MAX_SITES)
        return fs_err_setc(e, ROUTE_E_FULL, "site %s: more than %d sites", name, ROUTE_MAX_SITES);
    if (t->nsites == t->cap_sites) {
        size_t cap = t->cap_sites ? t->cap_sites * 2 : 16;
        t->sites = fs_xrealloc(t->sites, cap * sizeof *t->sites);
        t->scratch = fs_xrealloc(t->scratch, cap * sizeof *t->scratch);
        t->cap_sites = cap;
    }
    route_site_t *s = &t->sites[t->nsites];
    memset(s, 0, sizeof *s);
    memset(&t->scratch[t->nsites], 0, sizeof *t->scratch);
    s->name = fs_xstrdup(name);
    json_object_set_new(t->site_index, name, json_integer((json_int_t)t->nsites));
    t->dirty = true;
    return (int)t->nsites++;
}

/* ---- scopes from JSON --------------------------------------------------------- */

static const char *const scope_keys[] = {"ipv4", "ipv6", "dns_suffixes", "hostnames",
                                         "identity_domains"};

int route_parse_scopes(const char *site, const json_t *j, site_scopes_t *out, fs_err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(j))
        return fs_err_set(e,
                          "site %s: $.scopes: expected an object with ipv4, ipv6, "
                          "dns_suffixes, hostnames, identity_domains",
                          site);
    const char *key;
    json_t *val;
    size_t total = 0;
    json_object_foreach((json_t *)j, key, val)
    {
        size_t k = 0;
        while (k < 5 && strcmp(key, scope_keys[k]) != 0)
            k++;
        if (k == 5)
            return fs_err_set(e,
                              "site %s: $.scopes.%.64s: unknown member (known: ipv4, ipv6, "
                              "dns_suffixes, hostnames, identity_domains)",
                              site, key);
        if (!json_is_array(val))
            return fs_err_set(e, "site %s: $.scopes.%s: expected an array of strings", site, key);
        total += json_array_size(val);
        if (total > ROUTE_MAX_SCOPE_ENTRIES)
            return fs_err_set(e, "site %s: $.scopes: more than %d entries", site,
                              ROUTE_MAX_SCOPE_ENTRIES);
    }
    for (size_t k = 0; k < 5; k++) {
        json_t *arr = json_object_get(j, scope_keys[k]);
        size_t n = json_array_size(arr);
        if (!n)
            continue;
        cidr_t *cidrs = NULL;
        char **names = NULL;
        if (k < 2)
            cidrs = fs_xcalloc(n, sizeof *cidrs);
        else
            names = fs_xcalloc(n, sizeof *names);
        if (k == 0) {
            out->v4 = cidrs;
        } else if (k == 1) {
            out->v6 = cidrs;
        } else if (k == 2) {
            out->suffix = names;
        } else if (k == 3) {
            out->glob = names;
        } else {
            out->ident = names;
        }
        for (size_t i = 0; i < n; i++) {
            const char *s = json_string_value(json_array_get(arr, i));
            if (!s)
                return fs_err_set(e, "site %s: $.scopes.%s[%zu]: expected a string", site,
                                  scope_keys[k], i);
            const char *why = "";
            if (k < 2) {
                bool host = false;
                cidr_t *c = &cidrs[i];
                if (route_parse_cidr(s, k == 1, &c->net, &c->len, &host, &why) != 0)
                    return fs_err_set(e, "site %s: $.scopes.%s[%zu]: \"%.64s\": %s", site,
                                      scope_keys[k], i, s, why);
                if (host) {
                    char fixed[64];
                    route_format_addr(k == 1, c->net, c->len, fixed, sizeof fixed);
                    return fs_err_set(e,
                                      "site %s: $.scopes.%s[%zu]: \"%.64s\" has host bits set; "
                                      "write the network, %s",
                                      site, scope_keys[k], i, s, fixed);
                }
                if (k == 0)
                    out->nv4++;
                else
                    out->nv6++;
            } else {
                char buf[256];
                int rc = k == 3 ? route_check_glob(s, buf, sizeof buf, &why)
                                : route_norm_dns(s, buf, sizeof buf, &why);
                if (rc != 0)
                    return fs_err_set(e, "site %s: $.scopes.%s[%zu]: \"%.64s\": %s", site,
                                      scope_keys[k], i, s, why);
                names[i] = fs_xstrdup(buf);
                if (k == 2)
                    out->nsuffix++;
                else if (k == 3)
                    out->nglob++;
                else
                    out->nident++;
            }
        }
    }
    return 0;
}

int route_fail_code(fs_err_t *e, int code)
{
    if (e && e->code != ROUTE_E_FULL)
        e->code = code;
    return -1;
}

const char *route_strerror(int code)
{
    switch (code) {
    case ROUTE_E_SCOPE:
        return "scope";
    case ROUTE_E_CAPABILITIES:
        return "capabilities";
    case ROUTE_E_SITES:
        return "sites";
    case ROUTE_E_FULL:
        return "full";
    default:
        return "unknown";
    }
}

int route_set_scopes(route_table_t *t, const char *site, const json_t *scopes, fs_err_t *e)
{
    if (!t || !site)
        return fs_err_set(e, "route_set_scopes: no table or no site");
    site_scopes_t parsed;
    if (route_parse_scopes(site, scopes, &parsed, e) != 0) {
        route_scopes_free(&parsed);
        return route_fail_code(e, ROUTE_E_SCOPE);
    }
    int i = route_site_add(t, site, e);
    if (i < 0) {
        route_scopes_free(&parsed);
        return -1;
    }
    route_scopes_free(&t->sites[i].scopes);
    t->sites[i].scopes = parsed;
    t->dirty = true;
    return 0;
}

int route_check_pairs(const char *site, const json_t *features, json_t **out, fs_err_t *e)
{
    if (!json_is_object(features))
        return fs_err_set(e,
                          "site %s: $.capabilities: expected the 'query features' results "
                          "object {\"pairs\": {...}}",
                          site);
    const json_t *pairs = json_object_get(features, "pairs");
    if (!pairs)
        return fs_err_set(e,
                          "site %s: $.capabilities.pairs: missing (the 'query features' "
                          "results list what the site can do as pairs)",
                          site);
    if (!json_is_object(pairs))
        return fs_err_set(e,
                          "site %s: $.capabilities.pairs: expected an object "
                          "{\"action\": [\"target\", ...]}",
                          site);
    const char *action;
    json_t *targets;
    json_object_foreach((json_t *)pairs, action, targets)
    {
        if (!json_is_array(targets))
            return fs_err_set(e,
                              "site %s: $.capabilities.pairs.%.32s: expected an array of "
                              "target names",
                              site, action);
        size_t i;
        json_t *tv;
        json_array_foreach(targets, i, tv) if (!json_is_string(tv)) return fs_err_set(
            e, "site %s: $.capabilities.pairs.%.32s[%zu]: expected a string", site, action, i);
    }
    *out = json_deep_copy(pairs); /* jansson allocates through fs_xmalloc */
    return 0;
}

int route_set_capabilities(route_table_t *t, const char *site, const json_t *features, fs_err_t *e)
{
    if (!t || !site)
        return fs_err_set(e, "route_set_capabilities: no table or no site");
    json_t *pairs = NULL;
    if (route_check_pairs(site, features, &pairs, e) != 0)
        return route_fail_code(e, ROUTE_E_CAPABILITIES);
    int i = route_site_add(t, site, e);
    if (i < 0) {
        json_decref(pairs);
        return -1;
    }
    json_decref(t->sites[i].pairs);
    t->sites[i].pairs = pairs;
    return 0;
}
