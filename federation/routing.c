/*  routing.c — which site(s) an OpenC2 command goes to (federation.h,
    routing block; the rules are in docs/openc2.md "Routing" and the design
    in docs/internals/routing.md).

    Indexes, rebuilt lazily after a change:
    - IPv4 and IPv6 CIDRs: one sorted array of masked networks per prefix
      length; a lookup does one binary search per non-empty length (at most
      33 or 129), so 10,000 scopes cost ~14 compares per length;
    - DNS suffixes and identity domains: hash (a jansson object) from the
      lower-case suffix to the sites; a lookup tries each label boundary;
    - hostname glob patterns: a list matched with fnmatch(3);
    - learned assets: routing_assets.c. */
#include "openc2_internal.h"
#include "route_schema.h"
#include "routing_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- addresses ------------------------------------------------------------- */

static addr128_t addr_mask(addr128_t a, int len)
{
    addr128_t m = a;
    if (len <= 0) {
        m.hi = m.lo = 0;
    } else if (len < 64) {
        m.hi &= ~0ULL << (64 - len);
        m.lo = 0;
    } else if (len == 64) {
        m.lo = 0;
    } else if (len < 128) {
        m.lo &= ~0ULL << (128 - len);
    }
    return m;
}

static int addr_cmp(addr128_t a, addr128_t b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

/* The last address of the prefix a/len. */
static addr128_t addr_last(addr128_t a, int len)
{
    addr128_t r = addr_mask(a, len);
    if (len <= 0) {
        r.hi = r.lo = ~0ULL;
    } else if (len < 64) {
        r.hi |= ~0ULL >> len;
        r.lo = ~0ULL;
    } else if (len < 128) {
        r.lo |= len == 64 ? ~0ULL : ~0ULL >> (len - 64);
    }
    return r;
}

static uint64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Parses "a.b.c.d[/n]" (v6 false) or an IPv6 "x::y[/n]" into addr and len
   (IPv4 is kept in the low 32 bits of lo). Returns 0, or -1 with why set. */
int route_parse_cidr(const char *s, bool v6, addr128_t *addr, int *len, bool *host_bits,
                     const char **why)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    int max = v6 ? 128 : 32;
    if (n == 0 || n >= sizeof buf) {
        *why = "not an address";
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    unsigned char raw[16];
    if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, raw) != 1) {
        *why = v6 ? "not an IPv6 address" : "not an IPv4 dotted quad";
        return -1;
    }
    int l = max;
    if (slash) {
        const char *p = slash + 1;
        if (!*p || strlen(p) > 3) {
            *why = "bad prefix length";
            return -1;
        }
        l = 0;
        for (; *p; p++) {
            if (!isdigit((unsigned char)*p)) {
                *why = "bad prefix length";
                return -1;
            }
            l = l * 10 + (*p - '0');
        }
        if (l > max) {
            *why = v6 ? "prefix length must be 0..128" : "prefix length must be 0..32";
            return -1;
        }
    }
    addr128_t a = {0, 0};
    if (v6) {
        a.hi = be64(raw);
        a.lo = be64(raw + 8);
    } else {
        a.lo = (uint64_t)raw[0] << 24 | (uint64_t)raw[1] << 16 | (uint64_t)raw[2] << 8 | raw[3];
    }
    /* IPv4 lives in the low 32 bits: its prefix length counts from bit 96. */
    int eff = v6 ? l : 96 + l;
    addr128_t m = addr_mask(a, eff);
    if (host_bits)
        *host_bits = addr_cmp(m, a) != 0;
    *addr = m;
    *len = l;
    return 0;
}

static int eff_len(bool v6, int len)
{
    return v6 ? len : 96 + len;
}

void route_format_addr(bool v6, addr128_t a, int len, char *out, size_t size)
{
    char text[INET6_ADDRSTRLEN];
    unsigned char raw[16];
    if (v6) {
        for (int i = 0; i < 8; i++) {
            raw[i] = (unsigned char)(a.hi >> (56 - 8 * i));
            raw[8 + i] = (unsigned char)(a.lo >> (56 - 8 * i));
        }
    } else {
        for (int i = 0; i < 4; i++)
            raw[i] = (unsigned char)(a.lo >> (24 - 8 * i));
    }
    if (!inet_ntop(v6 ? AF_INET6 : AF_INET, raw, text, sizeof text))
        text[0] = '\0';
    if (len == (v6 ? 128 : 32))
        snprintf(out, size, "%s", text);
    else
        snprintf(out, size, "%s/%d", text, len);
}

/* ---- names ------------------------------------------------------------------ */

/* Lower-cases a DNS name into out, strips one leading and one trailing dot.
   Returns 0, or -1 when it is not a hostname (labels of letters, digits,
   hyphen, underscore; 1..63 each; <= 253 in all). */
static int norm_dns(const char *s, char *out, size_t size, const char **why)
{
    if (*s == '.')
        s++;
    size_t n = strlen(s);
    if (n && s[n - 1] == '.')
        n--;
    if (n == 0 || n > 253 || n >= size) {
        *why = n == 0 ? "empty name" : "longer than 253 characters";
        return -1;
    }
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0) {
                *why = "empty label";
                return -1;
            }
            label = 0;
        } else if (isalnum(c) || c == '-' || c == '_') {
            if (++label > 63) {
                *why = "label longer than 63 characters";
                return -1;
            }
        } else {
            *why = "only letters, digits, '-', '_' and '.' are allowed";
            return -1;
        }
        out[i] = (char)tolower(c);
    }
    if (label == 0) {
        *why = "empty label";
        return -1;
    }
    out[n] = '\0';
    return 0;
}

static int check_glob(const char *s, char *out, size_t size, const char **why)
{
    size_t n = strlen(s), literal = 0;
    if (n == 0 || n > 253 || n >= size) {
        *why = n == 0 ? "empty pattern" : "longer than 253 characters";
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.') {
            literal++;
        } else if (c != '*' && c != '?' && c != '[' && c != ']' && c != '!') {
            *why = "only letters, digits, '-', '_', '.', '*', '?' and [...] are allowed";
            return -1;
        }
        out[i] = (char)tolower(c);
    }
    out[n] = '\0';
    if (literal == 0) {
        *why = "a pattern without literal characters would claim every host; name the site "
               "explicitly instead";
        return -1;
    }
    return 0;
}

static size_t glob_literals(const char *p)
{
    size_t n = 0;
    for (; *p; p++)
        n += isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.';
    return n;
}

/* ---- sites ------------------------------------------------------------------ */

static void scopes_free(site_scopes_t *s)
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
    route_table_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
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
        scopes_free(&t->sites[i].scopes);
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

static int site_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_' && name[i] != '.')
            return 0;
    return 1;
}

static int site_add(route_table_t *t, const char *name, fs_err_t *e)
{
    int i = route_site_find(t, name);
    if (i >= 0)
        return i;
    if (!site_name_ok(name))
        return fs_err_set(e, "site \"%.64s\": a site name is 1..64 letters, digits, '-', '_', '.'",
                          name);
    if (t->nsites >= ROUTE_MAX_SITES)
        return fs_err_set(e, "site %s: more than %d sites", name, ROUTE_MAX_SITES);
    if (t->nsites == t->cap_sites) {
        size_t cap = t->cap_sites ? t->cap_sites * 2 : 16;
        route_site_t *s = realloc(t->sites, cap * sizeof *s);
        site_scratch_t *sc = realloc(t->scratch, cap * sizeof *sc);
        if (sc)
            t->scratch = sc;
        if (!s || !sc) {
            if (s)
                t->sites = s;
            return fs_err_set(e, "site %s: out of memory", name);
        }
        t->sites = s;
        t->cap_sites = cap;
    }
    route_site_t *s = &t->sites[t->nsites];
    memset(s, 0, sizeof *s);
    memset(&t->scratch[t->nsites], 0, sizeof *t->scratch);
    if (!(s->name = strdup(name)))
        return fs_err_set(e, "site %s: out of memory", name);
    json_object_set_new(t->site_index, name, json_integer((json_int_t)t->nsites));
    t->dirty = true;
    return (int)t->nsites++;
}

/* ---- scopes from JSON --------------------------------------------------------- */

static const char *const scope_keys[] = {"ipv4", "ipv6", "dns_suffixes", "hostnames",
                                         "identity_domains"};

static int parse_scopes(const char *site, const json_t *j, site_scopes_t *out, fs_err_t *e)
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
            cidrs = calloc(n, sizeof *cidrs);
        else
            names = calloc(n, sizeof *names);
        if (!cidrs && !names)
            return fs_err_set(e, "site %s: out of memory", site);
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
                int rc = k == 3 ? check_glob(s, buf, sizeof buf, &why)
                                : norm_dns(s, buf, sizeof buf, &why);
                if (rc != 0)
                    return fs_err_set(e, "site %s: $.scopes.%s[%zu]: \"%.64s\": %s", site,
                                      scope_keys[k], i, s, why);
                if (!(names[i] = strdup(buf)))
                    return fs_err_set(e, "site %s: out of memory", site);
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

int route_set_scopes(route_table_t *t, const char *site, const json_t *scopes, fs_err_t *e)
{
    if (!t || !site)
        return fs_err_set(e, "route_set_scopes: no table or no site");
    site_scopes_t parsed;
    if (parse_scopes(site, scopes, &parsed, e) != 0) {
        scopes_free(&parsed);
        return -1;
    }
    int i = site_add(t, site, e);
    if (i < 0) {
        scopes_free(&parsed);
        return -1;
    }
    scopes_free(&t->sites[i].scopes);
    t->sites[i].scopes = parsed;
    t->dirty = true;
    return 0;
}

static int check_pairs(const char *site, const json_t *features, json_t **out, fs_err_t *e)
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
    *out = json_deep_copy(pairs);
    return *out ? 0 : fs_err_set(e, "site %s: out of memory", site);
}

int route_set_capabilities(route_table_t *t, const char *site, const json_t *features, fs_err_t *e)
{
    if (!t || !site)
        return fs_err_set(e, "route_set_capabilities: no table or no site");
    json_t *pairs = NULL;
    if (check_pairs(site, features, &pairs, e) != 0)
        return -1;
    int i = site_add(t, site, e);
    if (i < 0) {
        json_decref(pairs);
        return -1;
    }
    json_decref(t->sites[i].pairs);
    t->sites[i].pairs = pairs;
    return 0;
}

/* ---- the written schema of "sites" (route_schema.h) ------------------------------ */

static const char *site_name_check(const json_t *v)
{
    return site_name_ok(json_string_value(v))
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

int route_load_sites(route_table_t *t, const json_t *sites, fs_err_t *e)
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
        if (!site_name_ok(name))
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
            rc = parse_scopes(name, json_object_get(s, "scopes"), &parsed, e);
        else
            memset(&parsed, 0, sizeof parsed);
        scopes_free(&parsed);
        if (rc != 0)
            return full_path(e, name);
        if (json_object_get(s, "capabilities") &&
            check_pairs(name, json_object_get(s, "capabilities"), &pairs, e) != 0)
            return full_path(e, name);
        json_decref(pairs);
    }
    if (t->nsites + json_object_size(sites) > ROUTE_MAX_SITES)
        return fs_err_set(e, "$.sites: more than %d sites", ROUTE_MAX_SITES);
    json_object_foreach((json_t *)sites, name, s)
    {
        if (json_object_get(s, "scopes") &&
            route_set_scopes(t, name, json_object_get(s, "scopes"), e) != 0)
            return -1;
        if (json_object_get(s, "capabilities") &&
            route_set_capabilities(t, name, json_object_get(s, "capabilities"), e) != 0)
            return -1;
        if (site_add(t, name, e) < 0)
            return -1;
    }
    return 0;
}

/* ---- indexes ------------------------------------------------------------------- */

static int pfx_cmp(const void *a, const void *b)
{
    const pfx_entry_t *x = a, *y = b;
    int c = addr_cmp(x->net, y->net);
    return c ? c : (x->site > y->site) - (x->site < y->site);
}

static int pfx_push(pfx_bucket_t *b, addr128_t net, uint32_t site, uint32_t idx)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        pfx_entry_t *p = realloc(b->e, cap * sizeof *p);
        if (!p)
            return -1;
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
        glob_entry_t *g = realloc(t->globs, nglob * sizeof *g);
        if (!g)
            return -1;
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
        if (addr_cmp(b->e[mid].net, key) < 0)
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
            addr128_t key = addr_mask(addr, eff_len(v6, l));
            for (size_t k = lower_bound(b, key); k < b->n && addr_cmp(b->e[k].net, key) == 0; k++) {
                const route_site_t *s = &t->sites[b->e[k].site];
                fn(arg, b->e[k].site, v6 ? &s->scopes.v6[b->e[k].idx] : &s->scopes.v4[b->e[k].idx],
                   false);
            }
        } else if (overlap) {
            addr128_t first = addr_mask(addr, eff_len(v6, len));
            addr128_t last = addr_last(addr, eff_len(v6, len));
            for (size_t k = lower_bound(b, first); k < b->n && addr_cmp(b->e[k].net, last) <= 0;
                 k++) {
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
            fn(arg, t->globs[i].site, t->globs[i].pattern, glob_literals(t->globs[i].pattern));
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
    return norm_dns(s, out, size, &why);
}
