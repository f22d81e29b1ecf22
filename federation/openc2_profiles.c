/*  openc2_profiles.c — the profile registry: profiles described as data
    (docs/openc2.md "Profile files"), the small shape language their
    namespaces use, and the validator object (a set of profiles). */
#include "openc2_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROFILE_MAX_FILE (1024 * 1024)

struct openc2_profile {
    char name[OC2_NAME_MAX + 1];
    bool language;            /* the built-in LS core */
    json_t *desc;             /* owned: the description (shapes point into it) */
    const json_t *namespaces; /* desc.namespaces or NULL */
    const json_t *pairs;      /* desc.pairs or NULL */
    const json_t *arguments;  /* desc.arguments or NULL */
    oc2_rule_fn rules;
};

struct openc2_validator {
    openc2_profile_t *profiles[OPENC2_MAX_PROFILES];
    size_t count;
};

/* ---- shapes ---------------------------------------------------------------- */

static const char *const simple_shapes[] = {"string", "integer",  "number",   "boolean",
                                            "any",    "uuid",     "hostname", "uri",
                                            "email",  "ipv4_net", "ipv6_net", NULL};
static const char *const shape_types[] = {"string",   "integer",  "number", "boolean", "any",
                                          "uuid",     "hostname", "uri",    "email",   "ipv4_net",
                                          "ipv6_net", "enum",     "array",  "map",     NULL};

static bool check_simple(oc2_ctx_t *c, const char *type, const json_t *v)
{
    int64_t n;
    const char *why = "";
    if (strcmp(type, "any") == 0)
        return true;
    if (strcmp(type, "boolean") == 0)
        return json_is_boolean(v) ? true : oc2_bad(c, "must be true or false");
    if (strcmp(type, "integer") == 0)
        return oc2_integral(v, &n) ? true : oc2_bad(c, "must be an integer");
    if (strcmp(type, "number") == 0)
        return json_is_number(v) ? true : oc2_bad(c, "must be a number");
    if (!json_is_string(v))
        return oc2_bad(c, "must be a string");
    const char *s = json_string_value(v);
    if (strcmp(type, "uuid") == 0 && !oc2_fmt_uuid(s))
        return oc2_bad(c, "not a UUID (RFC 4122 3)");
    if (strcmp(type, "hostname") == 0 && !oc2_fmt_hostname(s, false))
        return oc2_bad(c, "not a hostname (RFC 1123 2.1)");
    if (strcmp(type, "uri") == 0 && !oc2_fmt_uri(s, false))
        return oc2_bad(c, "not a URI (RFC 3986 3)");
    if (strcmp(type, "email") == 0 && !oc2_fmt_email(s, false))
        return oc2_bad(c, "not an email address (RFC 5322 3.4.1)");
    if (strcmp(type, "ipv4_net") == 0 && !oc2_fmt_ipv4_net(s, &why))
        return oc2_bad(c, "not an IPv4 CIDR range: %s", why);
    if (strcmp(type, "ipv6_net") == 0 && !oc2_fmt_ipv6_net(s, &why))
        return oc2_bad(c, "not an IPv6 CIDR range: %s", why);
    return true;
}

static long long num_opt(const json_t *shape, const char *key, long long dflt)
{
    const json_t *j = json_object_get(shape, key);
    return json_is_integer(j) ? (long long)json_integer_value(j) : dflt;
}

static bool check_shape_in(oc2_ctx_t *c, const json_t *shape, const json_t *v, int depth)
{
    if (depth > OC2_MAX_DEPTH)
        return oc2_bad(c, "nested deeper than %d levels", OC2_MAX_DEPTH);
    if (json_is_string(shape))
        return check_simple(c, json_string_value(shape), v);
    const char *type = json_string_value(json_object_get(shape, "type"));
    if (!type)
        return oc2_bad(c, "profile shape has no type");
    if (strcmp(type, "enum") == 0) {
        const json_t *vals = json_object_get(shape, "values");
        size_t i;
        json_t *it;
        if (json_is_string(v))
            json_array_foreach(vals, i, it) if (json_equal(it, (json_t *)v)) return true;
        return oc2_bad(c, "not one of the values the profile allows");
    }
    if (strcmp(type, "array") == 0) {
        if (!json_is_array(v))
            return oc2_bad(c, "must be an array");
        size_t n = json_array_size(v);
        long long min = num_opt(shape, "min_items", 0), max = num_opt(shape, "max_items", -1);
        if ((long long)n < min)
            return oc2_bad(c, "must hold at least %lld items", min);
        if (max >= 0 && (long long)n > max)
            return oc2_bad(c, "must hold at most %lld items", max);
        bool unique = json_is_true(json_object_get(shape, "unique"));
        const json_t *items = json_object_get(shape, "items");
        for (size_t i = 0; i < n; i++) {
            size_t mark = oc2_push_index(c, i);
            bool ok = check_shape_in(c, items, json_array_get(v, i), depth + 1);
            for (size_t j = 0; ok && unique && j < i; j++)
                if (json_equal(json_array_get(v, j), json_array_get(v, i)))
                    ok = oc2_bad(c, "duplicate item (items must be unique)");
            oc2_pop(c, mark);
            if (!ok)
                return false;
        }
        return true;
    }
    if (strcmp(type, "map") == 0) {
        if (!json_is_object(v))
            return oc2_bad(c, "must be an object");
        long long min = num_opt(shape, "min_fields", 0);
        if ((long long)json_object_size(v) < min)
            return oc2_bad(c, "must contain at least %lld propert%s", min, min == 1 ? "y" : "ies");
        const json_t *fields = json_object_get(shape, "fields");
        const json_t *req = json_object_get(shape, "required");
        size_t i;
        json_t *r;
        json_array_foreach(req, i, r)
        {
            if (!json_object_get(v, json_string_value(r)))
                return oc2_bad(c, "required property '%s' is missing", json_string_value(r));
        }
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            const json_t *fs = json_object_get(fields, k);
            size_t mark = oc2_push_key(c, k);
            bool ok = fs ? check_shape_in(c, fs, m, depth + 1)
                         : oc2_bad(c, "unknown property (not defined by the profile)");
            oc2_pop(c, mark);
            if (!ok)
                return false;
        }
        return true;
    }
    /* {"type": "string", "min_length", "max_length"} / {"type": "integer", "min", "max"} */
    if (!check_simple(c, type, v))
        return false;
    if (json_is_string(v)) {
        long long len = (long long)oc2_utf8_len(json_string_value(v));
        if (len < num_opt(shape, "min_length", 0))
            return oc2_bad(c, "shorter than %lld characters", num_opt(shape, "min_length", 0));
        long long max = num_opt(shape, "max_length", -1);
        if (max >= 0 && len > max)
            return oc2_bad(c, "longer than %lld characters", max);
    }
    if (json_is_number(v)) {
        double d = json_number_value(v);
        const json_t *mn = json_object_get(shape, "min"), *mx = json_object_get(shape, "max");
        if (json_is_number(mn) && d < json_number_value(mn))
            return oc2_bad(c, "must be >= %g", json_number_value(mn));
        if (json_is_number(mx) && d > json_number_value(mx))
            return oc2_bad(c, "must be <= %g", json_number_value(mx));
    }
    return true;
}

bool oc2_check_shape(oc2_ctx_t *c, const json_t *shape, const json_t *val)
{
    return check_shape_in(c, shape, val, 0);
}

/* ---- description checks (a bad profile file is refused at load) -------- */

static int desc_err(fs_err_t *e, const char *path, const char *msg)
{
    return fs_err_setc(e, OPENC2_E_PROFILE, "profile %s: %s", path, msg);
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > OC2_NAME_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

static int check_shape_desc(const json_t *s, const char *path, int depth, fs_err_t *e)
{
    char sub[512];
    if (depth > OC2_MAX_DEPTH)
        return desc_err(e, path, "shape nested too deeply");
    if (json_is_string(s)) {
        if (!oc2_in_list(json_string_value(s), simple_shapes))
            return desc_err(e, path, "unknown shape name (see docs/openc2.md \"Shapes\")");
        return 0;
    }
    if (!json_is_object(s))
        return desc_err(e, path, "a shape is a name or an object with \"type\"");
    const char *type = json_string_value(json_object_get(s, "type"));
    if (!type || !oc2_in_list(type, shape_types))
        return desc_err(e, path, "\"type\" missing or unknown");
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)s, k, m)
    {
        static const char *const common[] = {"type", "description", NULL};
        static const char *const for_string[] = {"min_length", "max_length", NULL};
        static const char *const for_num[] = {"min", "max", NULL};
        static const char *const for_enum[] = {"values", NULL};
        static const char *const for_array[] = {"items", "min_items", "max_items", "unique", NULL};
        static const char *const for_map[] = {"fields", "required", "min_fields", NULL};
        bool known = oc2_in_list(k, common);
        if (strcmp(type, "enum") == 0)
            known = known || oc2_in_list(k, for_enum);
        else if (strcmp(type, "array") == 0)
            known = known || oc2_in_list(k, for_array);
        else if (strcmp(type, "map") == 0)
            known = known || oc2_in_list(k, for_map);
        else if (strcmp(type, "integer") == 0 || strcmp(type, "number") == 0)
            known = known || oc2_in_list(k, for_num);
        else
            known = known || oc2_in_list(k, for_string);
        if (!known) {
            snprintf(sub, sizeof sub, "%s.%s", path, k);
            return desc_err(e, sub, "unknown keyword for this shape type");
        }
        if ((strstr(k, "min") == k || strstr(k, "max") == k) && !json_is_number(m)) {
            snprintf(sub, sizeof sub, "%s.%s", path, k);
            return desc_err(e, sub, "must be a number");
        }
    }
    if (strcmp(type, "enum") == 0) {
        const json_t *vals = json_object_get(s, "values");
        size_t i;
        json_t *it;
        if (!json_is_array(vals) || json_array_size(vals) == 0)
            return desc_err(e, path, "enum needs a non-empty \"values\" array");
        json_array_foreach(vals, i, it) if (!json_is_string(it)) return desc_err(
            e, path, "enum values must be strings");
    } else if (strcmp(type, "array") == 0) {
        const json_t *items = json_object_get(s, "items");
        if (!items)
            return desc_err(e, path, "array needs \"items\"");
        snprintf(sub, sizeof sub, "%s.items", path);
        return check_shape_desc(items, sub, depth + 1, e);
    } else if (strcmp(type, "map") == 0) {
        const json_t *fields = json_object_get(s, "fields");
        if (!json_is_object(fields))
            return desc_err(e, path, "map needs a \"fields\" object");
        json_object_foreach((json_t *)fields, k, m)
        {
            snprintf(sub, sizeof sub, "%s.fields.%s", path, k);
            if (!name_ok(k))
                return desc_err(e, sub, "field names are [a-z][a-z0-9_]*, at most 32 characters");
            if (check_shape_desc(m, sub, depth + 1, e) != 0)
                return -1;
        }
        const json_t *req = json_object_get(s, "required");
        size_t i;
        json_t *r;
        if (req && !json_is_array(req))
            return desc_err(e, path, "\"required\" must be an array of field names");
        json_array_foreach(req, i, r)
        {
            if (!json_is_string(r) || !json_object_get(fields, json_string_value(r)))
                return desc_err(e, path, "\"required\" names a field that \"fields\" lacks");
        }
    }
    return 0;
}

static bool target_name_ok(const char *t)
{
    char nsid[OC2_NAME_MAX + 1];
    const char *nm;
    return oc2_is_ls_target(t) || oc2_split_ext_target(t, nsid, sizeof nsid, &nm);
}

static const char *const ls_args[] = {"start_time", "stop_time", "duration", "response_requested",
                                      NULL};

static int check_desc(const json_t *d, bool builtin, fs_err_t *e)
{
    char path[512];
    if (!json_is_object(d))
        return desc_err(e, "$", "must be a JSON object");
    static const char *const top[] = {"profile", "title",     "description", "uri", "namespaces",
                                      "pairs",   "arguments", "rules",       NULL};
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)d, k, m)
    {
        if (!oc2_in_list(k, top)) {
            snprintf(path, sizeof path, "$.%s", k);
            return desc_err(e, path, "unknown member");
        }
    }
    const char *name = json_string_value(json_object_get(d, "profile"));
    if (!name || !name_ok(name))
        return desc_err(e, "$.profile", "required; [a-z][a-z0-9_]*, at most 32 characters");
    if (strcmp(name, "language") == 0)
        return desc_err(e, "$.profile", "\"language\" is reserved for the built-in profile");
    const json_t *rules = json_object_get(d, "rules");
    if (rules && !builtin)
        return desc_err(e, "$.rules", "only built-in profiles carry rule hooks");
    const json_t *ns = json_object_get(d, "namespaces");
    if (ns && !json_is_object(ns))
        return desc_err(e, "$.namespaces", "must be an object keyed by nsid");
    json_object_foreach((json_t *)ns, k, m)
    {
        snprintf(path, sizeof path, "$.namespaces.%s", k);
        if (!oc2_valid_nsid(k))
            return desc_err(e, path,
                            "an nsid is \"x-\" + [a-z0-9][a-z0-9_-]* (or a standard nsid)");
        if (!json_is_object(m))
            return desc_err(e, path, "must be an object (targets, args, actuator, results)");
        const char *part;
        json_t *sh;
        json_object_foreach(m, part, sh)
        {
            char sub[600];
            snprintf(sub, sizeof sub, "%s.%s", path, part);
            if (strcmp(part, "targets") == 0) {
                const char *tn;
                json_t *ts;
                if (!json_is_object(sh))
                    return desc_err(e, sub, "must be an object: target name -> shape");
                json_object_foreach(sh, tn, ts)
                {
                    char tsub[700];
                    snprintf(tsub, sizeof tsub, "%s.%s", sub, tn);
                    if (!name_ok(tn) || strlen(k) + 1 + strlen(tn) > OC2_NAME_MAX)
                        return desc_err(e, tsub,
                                        "target names are [a-z][a-z0-9_]* and nsid:name "
                                        "is at most 32 characters");
                    if (check_shape_desc(ts, tsub, 0, e) != 0)
                        return -1;
                }
            } else if (strcmp(part, "args") == 0 || strcmp(part, "actuator") == 0 ||
                       strcmp(part, "results") == 0) {
                if (check_shape_desc(sh, sub, 0, e) != 0)
                    return -1;
            } else if (strcmp(part, "description") != 0) {
                return desc_err(e, sub, "unknown part (targets, args, actuator, results)");
            }
        }
    }
    const json_t *pairs = json_object_get(d, "pairs");
    if (pairs && !json_is_object(pairs))
        return desc_err(e, "$.pairs", "must be an object: action -> [targets]");
    json_object_foreach((json_t *)pairs, k, m)
    {
        snprintf(path, sizeof path, "$.pairs.%s", k);
        if (!oc2_is_action(k))
            return desc_err(e, path, "not a Language Spec action (LS 3.3.1.1 cannot be extended)");
        size_t i;
        json_t *t;
        if (!json_is_array(m))
            return desc_err(e, path, "must be an array of target names");
        json_array_foreach(m, i, t)
        {
            if (!json_is_string(t) || !target_name_ok(json_string_value(t)))
                return desc_err(e, path, "holds something that is not a target name");
        }
    }
    const json_t *args = json_object_get(d, "arguments");
    if (args && !json_is_object(args))
        return desc_err(e, "$.arguments",
                        "must be an object: \"action\" or \"action target\" -> [args]");
    json_object_foreach((json_t *)args, k, m)
    {
        snprintf(path, sizeof path, "$.arguments['%s']", k);
        char action[40];
        const char *sp = strchr(k, ' ');
        size_t alen = sp ? (size_t)(sp - k) : strlen(k);
        if (alen >= sizeof action)
            return desc_err(e, path, "key is \"action\" or \"action target\"");
        memcpy(action, k, alen);
        action[alen] = '\0';
        if (!oc2_is_action(action) || (sp && !target_name_ok(sp + 1)))
            return desc_err(e, path, "key is \"action\" or \"action target\"");
        size_t i;
        json_t *a;
        if (!json_is_array(m))
            return desc_err(e, path, "must be an array of argument names");
        json_array_foreach(m, i, a)
        {
            const char *an = json_string_value(a);
            char nsid[OC2_NAME_MAX + 1];
            const char *dot = an ? strchr(an, '.') : NULL;
            size_t nlen = dot ? (size_t)(dot - an) : (an ? strlen(an) : 0);
            bool ok = an && (oc2_in_list(an, ls_args) ||
                             (nlen < sizeof nsid &&
                              (memcpy(nsid, an, nlen), nsid[nlen] = '\0', oc2_valid_nsid(nsid))));
            if (!ok)
                return desc_err(e, path, "arguments are LS names, \"nsid\" or \"nsid.field\"");
        }
    }
    return 0;
}

/* ---- profiles --------------------------------------------------------------- */

static openc2_profile_t *profile_build(const json_t *desc, bool builtin, fs_err_t *e)
{
    if (check_desc(desc, builtin, e) != 0)
        return NULL;
    openc2_profile_t *p = fs_xcalloc(1, sizeof *p);
    p->desc = json_deep_copy(desc); /* jansson allocates through fs_xmalloc: never NULL */
    snprintf(p->name, sizeof p->name, "%s", json_string_value(json_object_get(desc, "profile")));
    p->namespaces = json_object_get(p->desc, "namespaces");
    p->pairs = json_object_get(p->desc, "pairs");
    p->arguments = json_object_get(p->desc, "arguments");
    const char *rules = json_string_value(json_object_get(p->desc, "rules"));
    if (rules && strcmp(rules, "slpf-v1.0") == 0)
        p->rules = oc2_slpf_rules;
    return p;
}

openc2_profile_t *openc2_profile_from_json(const json_t *desc, fs_err_t *e)
{
    return profile_build(desc, false, e);
}

openc2_profile_t *openc2_profile_load(const char *path, fs_err_t *e)
{
    size_t len = 0;
    fs_err_t fe;
    char *buf = fs_file_read(path, PROFILE_MAX_FILE, &len, &fe);
    if (!buf) {
        fs_err_set(e, "%s: %s", path, fe.text);
        return NULL;
    }
    json_t *d = fs_json_parse(buf, len, &fe);
    free(buf);
    if (!d) {
        fs_err_set(e, "%s: %s", path, fe.text);
        return NULL;
    }
    openc2_profile_t *p = profile_build(d, false, &fe);
    json_decref(d);
    if (!p)
        fs_err_set(e, "%s: %s", path, fe.text);
    return p;
}

openc2_profile_t *openc2_profile_builtin(const char *name)
{
    if (!name)
        return NULL;
    if (strcmp(name, "language") == 0) {
        openc2_profile_t *p = fs_xcalloc(1, sizeof *p);
        if (p) {
            snprintf(p->name, sizeof p->name, "language");
            p->language = true;
        }
        return p;
    }
    if (strcmp(name, "slpf") == 0) {
        const char *text = oc2_slpf_description();
        json_t *d = fs_json_parse(text, strlen(text), NULL);
        openc2_profile_t *p = d ? profile_build(d, true, NULL) : NULL;
        json_decref(d);
        return p;
    }
    return NULL;
}

void openc2_profile_destroy(openc2_profile_t **pp)
{
    if (!pp || !*pp)
        return;
    json_decref((*pp)->desc);
    free(*pp);
    *pp = NULL;
}

const char *openc2_profile_name(const openc2_profile_t *p)
{
    return p ? p->name : NULL;
}

bool oc2_profile_is_language(const openc2_profile_t *p)
{
    return p->language;
}

bool oc2_profile_has_pairs(const openc2_profile_t *p)
{
    return p->language || p->pairs != NULL;
}

bool oc2_profile_supports(const openc2_profile_t *p, const char *action, const char *target)
{
    if (p->language)
        return oc2_is_action(action) && oc2_is_ls_target(target);
    const json_t *list = json_object_get(p->pairs, action);
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t) if (strcmp(json_string_value(t), target) == 0) return true;
    return false;
}

const json_t *oc2_profile_arguments(const openc2_profile_t *p, const char *action,
                                    const char *target)
{
    if (!p->arguments)
        return NULL;
    char key[80];
    snprintf(key, sizeof key, "%s %s", action, target);
    const json_t *a = json_object_get(p->arguments, key);
    return a ? a : json_object_get(p->arguments, action);
}

const json_t *oc2_profile_pairs_json(const openc2_profile_t *p)
{
    return p->pairs;
}

const json_t *oc2_profile_namespaces(const openc2_profile_t *p)
{
    return p->namespaces;
}

oc2_rule_fn oc2_profile_rules(const openc2_profile_t *p)
{
    return p->rules;
}

/* ---- validators ------------------------------------------------------------- */

openc2_validator_t *openc2_validator_new(void)
{
    return fs_xcalloc(1, sizeof(openc2_validator_t));
}

openc2_validator_t *openc2_validator_new_default(void)
{
    openc2_validator_t *v = openc2_validator_new();
    if (!v)
        return NULL;
    if (openc2_validator_add(v, "language", NULL, NULL) != 0 ||
        openc2_validator_add(v, "slpf", NULL, NULL) != 0)
        openc2_validator_destroy(&v);
    return v;
}

void openc2_validator_destroy(openc2_validator_t **pv)
{
    if (!pv || !*pv)
        return;
    for (size_t i = 0; i < (*pv)->count; i++)
        openc2_profile_destroy(&(*pv)->profiles[i]);
    free(*pv);
    *pv = NULL;
}

const openc2_profile_t *oc2_find_namespace(const openc2_validator_t *v, const char *nsid,
                                           const json_t **ns)
{
    for (size_t i = 0; i < v->count; i++) {
        const json_t *n = json_object_get(v->profiles[i]->namespaces, nsid);
        if (n) {
            if (ns)
                *ns = n;
            return v->profiles[i];
        }
    }
    return NULL;
}

int openc2_validator_add_profile(openc2_validator_t *v, openc2_profile_t **pp, fs_err_t *e)
{
    openc2_profile_t *p = pp ? *pp : NULL;
    if (pp)
        *pp = NULL;
    if (!v || !p) {
        openc2_profile_destroy(&p);
        return fs_err_set(e, "no validator or no profile");
    }
    for (size_t i = 0; i < v->count; i++) {
        if (strcmp(v->profiles[i]->name, p->name) == 0) {
            openc2_profile_destroy(&p);
            return 0; /* adding the same profile twice is harmless */
        }
    }
    if (v->count >= OPENC2_MAX_PROFILES) {
        fs_err_setc(e, OPENC2_E_FULL, "profile %s: a validator holds at most %d profiles", p->name,
                    OPENC2_MAX_PROFILES);
        openc2_profile_destroy(&p);
        return -1;
    }
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)p->namespaces, k, m)
    {
        const openc2_profile_t *owner = oc2_find_namespace(v, k, NULL);
        if (owner) {
            fs_err_setc(e, OPENC2_E_CONFLICT,
                        "profile %s: namespace %s is already defined by profile %s", p->name, k,
                        owner->name);
            openc2_profile_destroy(&p);
            return -1;
        }
    }
    v->profiles[v->count++] = p;
    return 0;
}

int openc2_validator_add(openc2_validator_t *v, const char *name, const char *dir, fs_err_t *e)
{
    if (!name || !*name)
        return fs_err_set(e, "empty profile name");
    openc2_profile_t *p = openc2_profile_builtin(name);
    if (!p) {
        size_t n = strlen(name);
        if (strchr(name, '/') || (n > 5 && strcmp(name + n - 5, ".json") == 0)) {
            p = openc2_profile_load(name, e);
        } else {
            if (!dir)
                dir = getenv("FEDSOAR_OPENC2_PROFILES");
            if (!dir)
                return fs_err_setc(e, OPENC2_E_PROFILE_NOT_FOUND,
                                   "unknown profile %s: not built in (language, slpf); give a "
                                   "file path, a profile directory, or set FEDSOAR_OPENC2_PROFILES",
                                   name);
            char path[4096];
            if ((size_t)snprintf(path, sizeof path, "%s/%s.json", dir, name) >= sizeof path)
                return fs_err_set(e, "profile path too long");
            p = openc2_profile_load(path, e);
        }
        if (!p)
            return -1;
    }
    return openc2_validator_add_profile(v, &p, e);
}

size_t openc2_validator_count(const openc2_validator_t *v)
{
    return v ? v->count : 0;
}

const openc2_profile_t *openc2_validator_profile(const openc2_validator_t *v, size_t i)
{
    return v && i < v->count ? v->profiles[i] : NULL;
}

json_t *openc2_validator_pairs(const openc2_validator_t *v)
{
    json_t *out = json_object();
    if (!out || !v)
        return out;
    for (const char *const *a = oc2_actions; *a; a++) {
        json_t *list = NULL;
        for (size_t i = 0; i < v->count; i++) {
            size_t j;
            json_t *t;
            json_array_foreach(json_object_get(v->profiles[i]->pairs, *a), j, t)
            {
                bool dup = false;
                size_t x;
                json_t *have;
                if (!list)
                    list = json_array();
                json_array_foreach(list, x, have) dup = dup || json_equal(have, t);
                if (!dup)
                    json_array_append(list, t);
            }
        }
        if (list)
            json_object_set_new(out, *a, list);
    }
    return out;
}

json_t *openc2_validator_features(const openc2_validator_t *v)
{
    json_t *out = json_object();
    json_t *versions = json_array();
    json_t *profiles = json_array();
    if (!out || !versions || !profiles) {
        json_decref(out);
        json_decref(versions);
        json_decref(profiles);
        return NULL;
    }
    json_array_append_new(versions, json_string("1.0"));
    for (size_t i = 0; v && i < v->count; i++) {
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v->profiles[i]->namespaces, k, m)
        {
            if (strlen(k) <= OC2_NSID_MAX)
                json_array_append_new(profiles, json_string(k));
        }
    }
    json_object_set_new(out, "versions", versions);
    json_object_set_new(out, "profiles", profiles);
    json_object_set_new(out, "pairs", openc2_validator_pairs(v));
    return out;
}

/* ---- the default set, for openc2_validate_command/response ------------------ */

static openc2_validator_t *default_validator;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void default_init(void)
{
    default_validator = openc2_validator_new_default();
}

int openc2_validate_command(const json_t *cmd, char *reason, size_t reason_size)
{
    pthread_once(&default_once, default_init);
    if (!default_validator) {
        if (reason && reason_size)
            snprintf(reason, reason_size, "$: validator unavailable (out of memory)");
        return OPENC2_BAD_REQUEST;
    }
    return openc2_check_command(default_validator, cmd, reason, reason_size);
}

int openc2_validate_response(const json_t *rsp, char *reason, size_t reason_size)
{
    pthread_once(&default_once, default_init);
    if (!default_validator) {
        if (reason && reason_size)
            snprintf(reason, reason_size, "$: validator unavailable (out of memory)");
        return OPENC2_BAD_REQUEST;
    }
    return openc2_check_response(default_validator, rsp, reason, reason_size);
}
