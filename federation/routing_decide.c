/*  routing_decide.c — route_decide (routing.h): where an OpenC2 command
    goes, and why. The rules (docs/openc2.md "Routing"):
    1. an explicit site wins when it can do the action/target pair;
    2. locators (addresses, names, users) come from the actuator specifier
       (hostname, asset_id) when it has some, else from the target;
    3. per locator, the owners are: sites that learned it from their own
       events *and* declare a scope holding it; else, when no site declares
       it, the sites that learned it; else the sites with the most specific
       declared scope (network deny/allow: every site whose scope overlaps);
    4. network deny/allow whose target no site owns is a perimeter block:
       every site that can do the pair;
    5. otherwise the owners that can do the pair; none is a refusal. */
#include "routing_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

/* A reason text; long names are cut, which is fine for an explanation. */
__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

#define MAX_LOCATORS 8

typedef enum { LOC_IP, LOC_NAME, LOC_USER, LOC_DEVICE } loc_kind_t;

typedef struct locator {
    loc_kind_t kind;
    bool v6;
    addr128_t addr;
    int len;
    char text[260];   /* normalized: "10.1.2.0/24", "ws-1.alpha.example", "bob@beta.example" */
    const char *from; /* JSON path it came from */
} locator_t;

typedef struct match {
    uint32_t site;
    int spec;      /* larger is more specific (prefix length, literal characters) */
    uint8_t kind;  /* 0 declared (holds it), 1 declared (inside it), 2 learned */
    char desc[96]; /* "scope ipv4 10.1.0.0/16", "learned from its events" */
} match_t;

typedef struct decide {
    route_table_t *t;
    const locator_t *loc;
    bool overlap;
    match_t *m;
    size_t n, cap;
    uint32_t *touched; /* sites with scratch set in this decision */
    size_t ntouched, cap_touched;
} decide_t;

/* ---- locators ------------------------------------------------------------------- */

static void add_ip(locator_t *locs, size_t *n, const char *s, bool v6, const char *from)
{
    if (!s || *n >= MAX_LOCATORS)
        return;
    locator_t *l = &locs[*n];
    const char *why;
    bool host;
    if (route_parse_cidr(s, v6, &l->addr, &l->len, &host, &why) != 0)
        return;
    l->kind = LOC_IP;
    l->v6 = v6;
    l->from = from;
    route_format_addr(v6, l->addr, l->len, l->text, sizeof l->text);
    (*n)++;
}

static void add_name(locator_t *locs, size_t *n, loc_kind_t kind, const char *s, const char *from)
{
    if (!s || *n >= MAX_LOCATORS)
        return;
    locator_t *l = &locs[*n];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->from = from;
    if (kind == LOC_NAME) {
        if (route_norm_name(s, l->text, sizeof l->text) != 0)
            return;
    } else {
        size_t len = strlen(s);
        if (len == 0 || len >= sizeof l->text)
            return;
        for (size_t i = 0; i <= len; i++)
            l->text[i] = kind == LOC_USER && s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
    }
    (*n)++;
}

/* host of "scheme://[userinfo@]host[:port][/...]" as an IP or a name */
static void add_uri_host(locator_t *locs, size_t *n, const char *uri, const char *from)
{
    const char *p = uri ? strstr(uri, "://") : NULL;
    if (!p)
        return;
    p += 3;
    size_t end = strcspn(p, "/?#");
    const char *at = memchr(p, '@', end);
    if (at) {
        end -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    char host[256];
    if (end == 0 || end >= sizeof host)
        return;
    memcpy(host, p, end);
    host[end] = '\0';
    if (host[0] == '[') {
        char *close = strchr(host, ']');
        if (!close)
            return;
        *close = '\0';
        add_ip(locs, n, host + 1, true, from);
        return;
    }
    char *colon = strchr(host, ':');
    if (colon)
        *colon = '\0';
    size_t before = *n;
    add_ip(locs, n, host, false, from);
    if (*n == before)
        add_name(locs, n, LOC_NAME, host, from);
}

/* Locators of an object of string fields (extension targets, actuator
   specifiers): hostname -> name, ip/ipv4/ipv6 -> address, user-ish -> user,
   asset_id/device_id -> device. */
static void add_fields(locator_t *locs, size_t *n, const json_t *obj, const char *from)
{
    static const char *const hosts[] = {"hostname", "idn_hostname", "host", "fqdn"};
    static const char *const ips[] = {"ip", "ip_addr", "ipv4", "ipv4_addr", "ipv6", "ipv6_addr"};
    static const char *const users[] = {"user",  "user_id",    "username", "upn",
                                        "email", "email_addr", "account"};
    static const char *const devices[] = {"device_id", "asset_id"};
    if (!json_is_object(obj))
        return;
    for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++)
        add_name(locs, n, LOC_NAME, json_string_value(json_object_get(obj, hosts[i])), from);
    for (size_t i = 0; i < sizeof ips / sizeof *ips; i++) {
        const char *s = json_string_value(json_object_get(obj, ips[i]));
        if (s)
            add_ip(locs, n, s, strchr(s, ':') != NULL, from);
    }
    for (size_t i = 0; i < sizeof users / sizeof *users; i++)
        add_name(locs, n, LOC_USER, json_string_value(json_object_get(obj, users[i])), from);
    for (size_t i = 0; i < sizeof devices / sizeof *devices; i++)
        add_name(locs, n, LOC_DEVICE, json_string_value(json_object_get(obj, devices[i])), from);
}

static size_t target_locators(const json_t *cmd, const char *target, locator_t *locs,
                              bool *from_actuator)
{
    size_t n = 0;
    const char *ns;
    json_t *spec;
    json_object_foreach((json_t *)json_object_get(cmd, "actuator"), ns, spec)
        add_fields(locs, &n, spec, "$.actuator");
    *from_actuator = n > 0;
    if (n)
        return n;
    const json_t *v = json_object_get(json_object_get(cmd, "target"), target);
    const char *s = json_string_value(v);
    if (strcmp(target, "ipv4_net") == 0) {
        add_ip(locs, &n, s, false, "$.target.ipv4_net");
    } else if (strcmp(target, "ipv6_net") == 0) {
        add_ip(locs, &n, s, true, "$.target.ipv6_net");
    } else if (strcmp(target, "ipv4_connection") == 0 || strcmp(target, "ipv6_connection") == 0) {
        bool v6 = target[3] == '6';
        add_ip(locs, &n, json_string_value(json_object_get(v, "src_addr")), v6, "src_addr");
        add_ip(locs, &n, json_string_value(json_object_get(v, "dst_addr")), v6, "dst_addr");
    } else if (strcmp(target, "domain_name") == 0 || strcmp(target, "idn_domain_name") == 0) {
        add_name(locs, &n, LOC_NAME, s, "$.target.domain_name");
    } else if (strcmp(target, "uri") == 0 || strcmp(target, "iri") == 0) {
        add_uri_host(locs, &n, s, "$.target.uri");
    } else if (strcmp(target, "email_addr") == 0 || strcmp(target, "idn_email_addr") == 0) {
        add_name(locs, &n, LOC_USER, s, "$.target.email_addr");
    } else if (strcmp(target, "device") == 0) {
        add_name(locs, &n, LOC_NAME, json_string_value(json_object_get(v, "hostname")),
                 "$.target.device.hostname");
        add_name(locs, &n, LOC_NAME, json_string_value(json_object_get(v, "idn_hostname")),
                 "$.target.device.idn_hostname");
        add_name(locs, &n, LOC_DEVICE, json_string_value(json_object_get(v, "device_id")),
                 "$.target.device.device_id");
    } else if (strchr(target, ':')) {
        add_fields(locs, &n, v, "$.target");
    }
    return n;
}

static bool network_pair(const char *action, const char *target)
{
    static const char *const targets[] = {"ipv4_net",
                                          "ipv6_net",
                                          "ipv4_connection",
                                          "ipv6_connection",
                                          "domain_name",
                                          "idn_domain_name",
                                          "uri",
                                          "iri"};
    if (strcmp(action, "deny") != 0 && strcmp(action, "allow") != 0)
        return false;
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++)
        if (strcmp(target, targets[i]) == 0)
            return true;
    return false;
}

/* ---- matching --------------------------------------------------------------------- */

static match_t *push_match(decide_t *d, uint32_t site, int spec, uint8_t kind)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        d->m = fs_xrealloc(d->m, cap * sizeof *d->m);
        d->cap = cap;
    }
    match_t *m = &d->m[d->n++];
    m->site = site;
    m->spec = spec;
    m->kind = kind;
    m->desc[0] = '\0';
    return m;
}

static void on_ip(void *arg, uint32_t site, const cidr_t *scope, bool inside)
{
    decide_t *d = arg;
    match_t *m = push_match(d, site, scope->len, inside ? 1 : 0);
    char text[64];
    route_format_addr(d->loc->v6, scope->net, scope->len, text, sizeof text);
    snprintf(m->desc, sizeof m->desc, "scope %s %s", d->loc->v6 ? "ipv6" : "ipv4", text);
}

static void on_suffix(void *arg, uint32_t site, const char *suffix)
{
    decide_t *d = arg;
    match_t *m = push_match(d, site, (int)strlen(suffix), 0);
    snprintf(m->desc, sizeof m->desc, "%s %.64s",
             d->loc->kind == LOC_USER ? "identity domain" : "DNS suffix", suffix);
}

static void on_glob(void *arg, uint32_t site, const char *pattern, size_t spec)
{
    decide_t *d = arg;
    match_t *m = push_match(d, site, (int)spec, 0);
    snprintf(m->desc, sizeof m->desc, "hostname pattern %.64s", pattern);
}

static void on_learned(void *arg, uint32_t site, int64_t seen_ms)
{
    decide_t *d = arg;
    match_t *m = push_match(d, site, 1000, 2);
    char ts[32];
    snprintf(m->desc, sizeof m->desc, "learned from its events (last seen %s)",
             fs_time_format(seen_ms, ts, sizeof ts));
}

static site_scratch_t *scratch(decide_t *d, uint32_t site)
{
    site_scratch_t *s = &d->t->scratch[site];
    if (s->gen != d->t->gen) {
        s->gen = d->t->gen;
        s->matched = s->owner = 0;
        s->why[0] = '\0';
        if (d->ntouched == d->cap_touched) {
            size_t cap = d->cap_touched ? d->cap_touched * 2 : 16;
            d->touched = fs_xrealloc(d->touched, cap * sizeof *d->touched);
            d->cap_touched = cap;
        }
        d->touched[d->ntouched++] = site;
    }
    return s;
}

/* Records why a site matched: an owner's reason replaces a weaker note
   once; otherwise the first note stays. */
static void note(decide_t *d, uint32_t site, bool owner, const char *why)
{
    site_scratch_t *s = scratch(d, site);
    if (owner ? !s->owner : !s->matched) {
        size_t n = strnlen(why, sizeof s->why - 1); /* cut to fit */
        memcpy(s->why, why, n);
        s->why[n] = '\0';
    }
    if (owner)
        s->owner = 1;
    s->matched = 1;
}

static bool in_declared(const decide_t *d, uint32_t site)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->m[i].kind != 2 && d->m[i].site == site)
            return true;
    return false;
}

static void decide_locator(decide_t *d, const locator_t *loc)
{
    route_table_t *t = d->t;
    char key[300];
    d->loc = loc;
    d->n = 0;
    switch (loc->kind) {
    case LOC_IP: {
        route_match_ip(t, loc->v6, loc->addr, loc->len, d->overlap, on_ip, d);
        if (loc->len == (loc->v6 ? 128 : 32) &&
            snprintf(key, sizeof key, "ip:%s", loc->text) < (int)sizeof key)
            route_assets_lookup(&t->assets, key, on_learned, d);
        break;
    }
    case LOC_NAME:
        route_match_suffix(t, t->suffix_index, loc->text, on_suffix, d);
        route_match_glob(t, loc->text, on_glob, d);
        if (snprintf(key, sizeof key, "host:%s", loc->text) < (int)sizeof key)
            route_assets_lookup(&t->assets, key, on_learned, d);
        break;
    case LOC_USER: {
        const char *at = strrchr(loc->text, '@');
        char domain[256];
        if (at && route_norm_name(at + 1, domain, sizeof domain) == 0)
            route_match_suffix(t, t->ident_index, domain, on_suffix, d);
        if (snprintf(key, sizeof key, "user:%s", loc->text) < (int)sizeof key)
            route_assets_lookup(&t->assets, key, on_learned, d);
        break;
    }
    case LOC_DEVICE:
        if (snprintf(key, sizeof key, "device:%s", loc->text) < (int)sizeof key)
            route_assets_lookup(&t->assets, key, on_learned, d);
        break;
    }
    /* learned and declared by the same site: the strongest evidence */
    bool learned_declared = false, any_declared = false;
    int best = -1;
    const char *best_site = NULL, *best_desc = NULL;
    for (size_t i = 0; i < d->n; i++) {
        if (d->m[i].kind == 2) {
            learned_declared = learned_declared || in_declared(d, d->m[i].site);
        } else {
            any_declared = true;
            if (d->m[i].kind == 0 && d->m[i].spec > best) {
                best = d->m[i].spec;
                best_site = t->sites[d->m[i].site].name;
                best_desc = d->m[i].desc;
            }
        }
    }
    for (size_t i = 0; i < d->n; i++) {
        const match_t *m = &d->m[i];
        bool owner;
        if (learned_declared)
            owner = m->kind == 2 && in_declared(d, m->site);
        else if (!any_declared)
            owner = m->kind == 2;
        else if (d->overlap)
            owner = m->kind != 2;
        else
            owner = m->kind == 0 && m->spec == best;
        char why[400];
        if (owner)
            say(why, sizeof why, "%s %s %s", m->desc, m->kind == 1 ? "lies inside" : "holds",
                loc->text);
        else if (m->kind == 2)
            say(why, sizeof why, "%s %s, but another site's declared scope holds it", m->desc,
                loc->text);
        else
            say(why, sizeof why, "%s holds %s, but %s of %s is more specific", m->desc, loc->text,
                best_desc ? best_desc : "a scope", best_site ? best_site : "?");
        note(d, m->site, owner, why);
    }
}

/* ---- the decision ------------------------------------------------------------------- */

static json_t *pairs_summary(const route_site_t *s, const char *action)
{
    json_t *targets = json_object_get(s->pairs, action);
    return targets ? json_deep_copy(targets) : json_array();
}

static void capability_text(const route_site_t *s, const char *action, const char *target,
                            char *out, size_t size)
{
    if (!s->pairs)
        snprintf(out, size, "has not reported its capabilities ('query features')");
    else if (route_site_can(s, action, target))
        snprintf(out, size, "can '%s %s'", action, target);
    else
        snprintf(out, size, "cannot '%s %s'", action, target);
}

json_t *route_decide(route_table_t *t, const json_t *command, const char *explicit_site,
                     json_t **explanation)
{
    json_t *sites = json_array();
    json_t *ex = explanation ? json_object() : NULL;
    if (explanation)
        *explanation = NULL;
    if (!sites || (explanation && !ex)) {
        json_decref(sites);
        json_decref(ex);
        return NULL;
    }
    char reason[512] = "";
    const char *rule = "none";
    const char *action = NULL, *target = NULL;
    decide_t d = {.t = t};
    locator_t locs[MAX_LOCATORS];
    size_t nloc = 0;
    bool from_actuator = false;
    if (!t) {
        snprintf(reason, sizeof reason, "no route table");
        goto done;
    }
    if (openc2_command_pair(command, &action, &target) != 0) {
        snprintf(reason, sizeof reason,
                 "not an OpenC2 command: it needs a string \"action\" and exactly one target");
        action = target = NULL;
        goto done;
    }
    if (route_rebuild(t) != 0) {
        snprintf(reason, sizeof reason, "out of memory while indexing scopes");
        goto done;
    }
    if (++t->gen == 0) { /* wrapped: forget every old mark */
        for (size_t i = 0; i < t->nsites; i++)
            t->scratch[i].gen = 0;
        t->gen = 1;
    }
    if (explicit_site) {
        rule = "explicit";
        int i = route_site_find(t, explicit_site);
        if (i < 0) {
            snprintf(reason, sizeof reason, "site \"%.64s\" is not known to the router",
                     explicit_site);
            goto done;
        }
        const route_site_t *s = &t->sites[i];
        site_scratch_t *sc = scratch(&d, (uint32_t)i);
        sc->owner = 1;
        snprintf(sc->why, sizeof sc->why, "named explicitly");
        if (!s->pairs) {
            snprintf(reason, sizeof reason,
                     "site %s was named, but it has not reported its capabilities "
                     "('query features'); it cannot be sent '%s %s'",
                     s->name, action, target);
        } else if (!route_site_can(s, action, target)) {
            char *have = json_dumps(json_object_get(s->pairs, action), JSON_COMPACT);
            snprintf(reason, sizeof reason,
                     "site %s was named, but it cannot '%s %s' (its '%s' "
                     "targets: %.200s)",
                     s->name, action, target, action, have ? have : "none");
            free(have);
        } else {
            json_array_append_new(sites, json_string(s->name));
            snprintf(reason, sizeof reason, "site %s was named explicitly and can '%s %s'", s->name,
                     action, target);
        }
        goto done;
    }
    nloc = target_locators(command, target, locs, &from_actuator);
    d.overlap = !from_actuator && network_pair(action, target);
    if (nloc == 0) {
        snprintf(reason, sizeof reason,
                 "'%s %s' names no address, host name or user to route by; name the site "
                 "explicitly",
                 action, target);
        goto done;
    }
    for (size_t i = 0; i < nloc; i++)
        decide_locator(&d, &locs[i]);
    size_t owners = 0, capable_owners = 0;
    for (size_t i = 0; i < d.ntouched; i++) {
        const site_scratch_t *sc = &t->scratch[d.touched[i]];
        if (sc->owner) {
            owners++;
            if (route_site_can(&t->sites[d.touched[i]], action, target)) {
                capable_owners++;
                json_array_append_new(sites, json_string(t->sites[d.touched[i]].name));
            }
        }
    }
    char what[300];
    snprintf(what, sizeof what, "%s%s", locs[0].text, nloc > 1 ? " (and more)" : "");
    if (d.overlap && owners == 0) {
        rule = "perimeter";
        for (size_t i = 0; i < t->nsites; i++)
            if (route_site_can(&t->sites[i], action, target))
                json_array_append_new(sites, json_string(t->sites[i].name));
        if (json_array_size(sites))
            snprintf(reason, sizeof reason,
                     "%s is outside every site's scope: a perimeter "
                     "'%s %s' at every site that can do it (%zu)",
                     what, action, target, json_array_size(sites));
        else
            snprintf(reason, sizeof reason,
                     "%s is outside every site's scope and no site can "
                     "'%s %s'",
                     what, action, target);
    } else {
        rule = from_actuator ? "actuator" : "owner";
        if (owners == 0)
            snprintf(reason, sizeof reason,
                     "no site's scopes or learned assets hold %s; name "
                     "the site explicitly or add it to a site's scopes",
                     what);
        else if (capable_owners == 0)
            snprintf(reason, sizeof reason, "%zu site(s) hold %s, but none can '%s %s'", owners,
                     what, action, target);
        else
            snprintf(reason, sizeof reason, "%zu site(s) hold %s and can '%s %s'", capable_owners,
                     what, action, target);
    }
done:
    if (ex) {
        json_t *jl = json_array();
        for (size_t i = 0; i < nloc; i++) {
            static const char *const kinds[] = {"ip", "name", "user", "device"};
            json_array_append_new(jl, json_pack("{s:s, s:s, s:s}", "kind", kinds[locs[i].kind],
                                                "value", locs[i].text, "from", locs[i].from));
        }
        json_t *considered = json_array();
        for (size_t i = 0; t && action && i < t->nsites; i++) {
            const route_site_t *s = &t->sites[i];
            const site_scratch_t *sc = &t->scratch[i];
            bool marked = sc->gen == t->gen;
            if (explicit_site && !marked)
                continue; /* only the named site was considered */
            bool taken = false;
            size_t k;
            json_t *v;
            json_array_foreach(sites, k, v) taken =
                taken || strcmp(json_string_value(v), s->name) == 0;
            char cap[160], why[480];
            capability_text(s, action, target, cap, sizeof cap);
            const char *owns = marked && sc->why[0] ? sc->why : "no scope or learned asset matches";
            if (strcmp(rule, "perimeter") == 0)
                owns = "target outside every site's scope";
            say(why, sizeof why, "%s; %s", owns, cap);
            json_t *row = json_pack("{s:s, s:b, s:b, s:b, s:s}", "site", s->name, "taken", taken,
                                    "owns", marked && sc->owner, "capable",
                                    s->pairs && route_site_can(s, action, target), "why", why);
            if (row && s->pairs && !route_site_can(s, action, target))
                json_object_set_new(row, "can", pairs_summary(s, action));
            json_array_append_new(considered, row);
        }
        json_object_set_new(ex, "decision",
                            json_string(json_array_size(sites) ? "routed" : "refused"));
        json_object_set_new(ex, "rule", json_string(rule));
        if (action) {
            json_object_set_new(ex, "action", json_string(action));
            json_object_set_new(ex, "target", json_string(target));
        }
        if (explicit_site)
            json_object_set_new(ex, "explicit_site", json_string(explicit_site));
        json_object_set_new(ex, "locators", jl);
        json_object_set_new(ex, "sites", json_deep_copy(sites));
        json_object_set_new(ex, "reason", json_string(reason));
        json_object_set_new(ex, "considered", considered);
        *explanation = ex;
    }
    free(d.m);
    free(d.touched);
    return sites;
}
