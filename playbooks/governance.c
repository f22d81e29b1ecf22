/*  governance.c — the pure rules of playbook governance (docs/governance.md):
    the governance config, the N-of-M rule,
    the lifecycle state machine and a structural diff of two versions.
    Signed payloads are signed.c.  Storage and control commands live in the broker
    (broker/governance.c); nothing here touches a file or a socket. */
#include "governance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOV_MAX_MEMBERS 64

struct governance_config {
    int quorum;
    json_t *members; /* array of names */
    json_t *revoked; /* array of names */
};

static bool in_list(const json_t *arr, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (name && strcmp(json_string_value(v), name) == 0) return true;
    return false;
}

/* A list of distinct operator names at $.governance.KEY. */
static json_t *names(const json_t *g, const char *key, bool required, fs_err_t *e)
{
    const json_t *v = json_object_get(g, key);
    if (!v && !required)
        return json_array();
    if (!json_is_array(v) || (required && json_array_size(v) == 0) ||
        json_array_size(v) > GOV_MAX_MEMBERS) {
        fs_err_set(e, "$.governance.%s: %s list of operator names (at most %d)", key,
                   required ? "a non-empty" : "a", GOV_MAX_MEMBERS);
        return NULL;
    }
    size_t i;
    json_t *s;
    json_array_foreach(v, i, s)
    {
        const char *name = json_string_value(s);
        if (!fs_is_name(name, 32)) {
            fs_err_set(e, "$.governance.%s[%zu]: an operator name (1-32 of [a-z0-9_-])", key, i);
            return NULL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_array_get(v, j)), name) == 0) {
                fs_err_set(e, "$.governance.%s[%zu]: \"%s\" is listed twice", key, i, name);
                return NULL;
            }
    }
    return json_incref((json_t *)v);
}

/* The written schema (issue 11.4); duplicates and a reachable quorum are
   checked below. */
static const char *operator_check(const json_t *v)
{
    return fs_is_name(json_string_value(v), 32) ? NULL : "an operator name (1-32 of [a-z0-9_-])";
}

static const fs_schema_t operator_name = {.type = FS_SCHEMA_STRING,
                                          .what = "an operator name (1-32 of [a-z0-9_-])",
                                          .check = operator_check};

static const fs_schema_field_t governance_fields[] = {
    FS_REQUIRED("quorum", FS_S_INT(1, GOV_MAX_MEMBERS)),
    FS_REQUIRED("members", FS_S_ARRAY(&operator_name, 1, GOV_MAX_MEMBERS)),
    FS_FIELD("revoked", FS_S_ARRAY(&operator_name, 0, GOV_MAX_MEMBERS)),
    FS_FIELDS_END,
};

const fs_schema_t governance_config_schema = {.type = FS_SCHEMA_OBJECT,
                                              .fields = {governance_fields}};

governance_config_t *governance_config_parse(const json_t *g, fs_err_t *e)
{
    if (fs_schema_check(&governance_config_schema, g, "$.governance", e) != 0)
        return NULL;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)g, k, v)
    {
        if (strcmp(k, "quorum") != 0 && strcmp(k, "members") != 0 && strcmp(k, "revoked") != 0) {
            fs_err_set(e, "$.governance.%s: unknown field (quorum, members, revoked)", k);
            return NULL;
        }
    }
    governance_config_t *self = fs_xcalloc(1, sizeof *self);
    const json_t *q = json_object_get(g, "quorum");
    if (!(self->members = names(g, "members", true, e)) ||
        !(self->revoked = names(g, "revoked", false, e))) {
        governance_config_destroy(&self);
        return NULL;
    }
    size_t active = 0;
    size_t i;
    json_t *m;
    json_array_foreach(self->members, i, m) active += !in_list(self->revoked, json_string_value(m));
    if (!json_is_integer(q) || json_integer_value(q) < 1 ||
        json_integer_value(q) > GOV_MAX_MEMBERS) {
        fs_err_set(e,
                   "$.governance.quorum: required, the number of distinct member signatures (1-%d)",
                   GOV_MAX_MEMBERS);
        governance_config_destroy(&self);
        return NULL;
    }
    self->quorum = (int)json_integer_value(q);
    if ((size_t)self->quorum > active) {
        fs_err_set(e, "$.governance.quorum: %d cannot be reached by the %zu unrevoked member(s)",
                   self->quorum, active);
        governance_config_destroy(&self);
        return NULL;
    }
    return self;
}

void governance_config_destroy(governance_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    json_decref((*self_p)->members);
    json_decref((*self_p)->revoked);
    free(*self_p);
    *self_p = NULL;
}

int governance_quorum(const governance_config_t *self)
{
    return self->quorum;
}

bool governance_is_member(const governance_config_t *self, const char *name)
{
    return in_list(self->members, name);
}

bool governance_is_revoked(const governance_config_t *self, const char *name)
{
    return in_list(self->revoked, name);
}

const json_t *governance_members(const governance_config_t *self)
{
    return self->members;
}

/* ---- the lifecycle ----------------------------------------------------------------- */

static const struct {
    const char *from, *event, *to;
} transitions[] = {
    {"draft", "submit", "in_review"},
    {"in_review", "approve", "approved"}, /* when the quorum is met */
    {"in_review", "reject", "rejected"},
    {"approved", "activate", "approved"}, /* active is per site, beside the state */
    {"approved", "retire", "retired"},
};

const char *governance_next_state(const char *state, const char *event)
{
    for (size_t i = 0; state && event && i < sizeof transitions / sizeof *transitions; i++)
        if (strcmp(transitions[i].from, state) == 0 && strcmp(transitions[i].event, event) == 0)
            return transitions[i].to;
    return NULL;
}

size_t governance_count_approvals(const governance_config_t *self, const json_t *approvals,
                                  const char *author)
{
    const char *seen[GOV_MAX_MEMBERS];
    size_t n = 0;
    size_t i;
    json_t *a;
    json_array_foreach(approvals, i, a)
    {
        const char *m = json_string_value(json_object_get(a, "member"));
        const char *d = json_string_value(json_object_get(a, "decision"));
        if (!m || !d || strcmp(d, "approve") != 0 || !governance_is_member(self, m) ||
            governance_is_revoked(self, m) || (author && strcmp(m, author) == 0))
            continue;
        bool dup = false;
        for (size_t j = 0; j < n; j++)
            dup = dup || strcmp(seen[j], m) == 0;
        if (!dup && n < GOV_MAX_MEMBERS)
            seen[n++] = m;
    }
    return n;
}

int governance_check_decision(const governance_config_t *self, const json_t *record,
                              const json_t *payload, int64_t now_ms, int64_t max_skew_ms,
                              fs_err_t *e)
{
    const char *member = json_string_value(json_object_get(payload, "member"));
    const char *decision = json_string_value(json_object_get(payload, "decision"));
    const char *version = json_string_value(json_object_get(payload, "version"));
    const char *state = json_string_value(json_object_get(record, "state"));
    const char *author = json_string_value(json_object_get(record, "author"));
    int64_t t = json_integer_value(json_object_get(payload, "time"));
    if (!governance_is_member(self, member))
        return fs_err_set(e, "%s is not a member of the governance board", member);
    if (governance_is_revoked(self, member))
        return fs_err_set(e, "%s's signing key is revoked (governance.revoked)", member);
    if (author && strcmp(author, member) == 0)
        return fs_err_set(e, "%s is the author of version %.12s and cannot %s it", member, version,
                          decision);
    if (!governance_next_state(state, decision))
        return fs_err_set(e, "version %.12s is %s: it can no longer be %sd", version,
                          state ? state : "unknown", decision);
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(record, "approvals"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "member")), member) == 0)
            return fs_err_set(e, "%s has already signed version %.12s (duplicate signature)",
                              member, version);
    }
    if (max_skew_ms > 0 && (t > now_ms + max_skew_ms || now_ms - t > max_skew_ms))
        return fs_err_set(
            e,
            "the signature's time is more than %lld s from the broker's clock (replayed or "
            "wrong clock)",
            (long long)(max_skew_ms / 1000));
    return 0;
}

/* ---- a structural diff -------------------------------------------------------------- */

static void diff_at(const json_t *a, const json_t *b, const char *path, json_t *out)
{
    if (json_array_size(out) >= 1000)
        return;
    char sub[1024];
    if (json_is_object(a) && json_is_object(b)) {
        /* Keys in sorted order: a stable, readable diff. */
        json_t *keys = json_array();
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v) json_array_append_new(keys, json_string(k));
        json_object_foreach((json_t *)b, k, v) if (!json_object_get(a, k))
            json_array_append_new(keys, json_string(k));
        size_t n = json_array_size(keys);
        const char **sorted = fs_xcalloc(n ? n : 1, sizeof *sorted);
        for (size_t i = 0; i < n; i++)
            sorted[i] = json_string_value(json_array_get(keys, i));
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
                const char *t = sorted[j];
                sorted[j] = sorted[j - 1];
                sorted[j - 1] = t;
            }
        for (size_t i = 0; i < n; i++) {
            if (snprintf(sub, sizeof sub, "%s.%s", path, sorted[i]) >= (int)sizeof sub)
                continue;
            diff_at(json_object_get(a, sorted[i]), json_object_get(b, sorted[i]), sub, out);
        }
        free(sorted);
        json_decref(keys);
        return;
    }
    if (json_is_array(a) && json_is_array(b)) {
        size_t n =
            json_array_size(a) > json_array_size(b) ? json_array_size(a) : json_array_size(b);
        for (size_t i = 0; i < n; i++) {
            if (snprintf(sub, sizeof sub, "%s[%zu]", path, i) >= (int)sizeof sub)
                continue;
            diff_at(json_array_get(a, i), json_array_get(b, i), sub, out);
        }
        return;
    }
    if (a && b && json_equal((json_t *)a, (json_t *)b))
        return;
    json_array_append_new(out, json_pack("{s:s, s:s, s:O?, s:O?}", "path", path, "op",
                                         !a   ? "added"
                                         : !b ? "removed"
                                              : "changed",
                                         "old", a, "new", b));
}

json_t *governance_diff(const json_t *a, const json_t *b)
{
    json_t *out = json_array();
    diff_at(a, b, "$", out);
    return out;
}
