/*  cortex_results.c — a Cortex job's result reaching the case
    (cortex_results.h; docs/connectors.md "Cortex results on the case").

    What the case model holds, and where each part goes:
      summary.taxonomies  {level, namespace, predicate, value} → one
                          "cortex_taxonomy" line each on the case timeline
                          (the timeline is the case's record of findings; the
                          case document has no taxonomy field)
      artifacts           {dataType, data, message?} → the case's
                          "observables" {type_id, type, value, source} by the
                          OCSF observable types normalize/ uses (ip → 2 IP
                          Address, domain/fqdn/hostname → 1 Hostname, url/uri
                          → 6 URL String, mail → 5 Email Address, filename →
                          7 File Name, hash → 8 Hash, user → 4 User Name)
      operations          AddTagToCase {tag} → the case's "tags";
                          AddCustomFields {name, value} → "custom_fields";
                          AddArtifactToCase {dataType, data} → as an artifact;
                          anything else refused by its type
    Everything is bounded (entries per result, tags, fields, observables per
    case, lengths) and a malformed entry is refused with its JSON path,
    never the whole RESULT. */
#include "cortex_results.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define CR_MAX_ENTRIES 256     /* taxonomies, artifacts, operations read per result */
#define CR_MAX_OBSERVABLES 200 /* per case, as correlation keeps them (casestore/correlate.c) */
#define CR_MAX_TAGS 64         /* per case */
#define CR_MAX_FIELDS 64       /* custom fields per case */
#define CR_MAX_VALUE 1024      /* bytes of a value, tag or field */
#define CR_MAX_REFUSED 32      /* refusals listed per result (more are counted) */

typedef struct {
    json_t *kase;    /* the case document (owned) */
    json_t *applied; /* the "case_applied" summary (owned) */
    int changes;
    bool dirty; /* the case document changed */
} apply_t;

static const struct {
    const char *data_type;
    int type_id;
    const char *type;
} observable_types[] = {
    {"ip", 2, "IP Address"},      {"domain", 1, "Hostname"},    {"fqdn", 1, "Hostname"},
    {"hostname", 1, "Hostname"},  {"url", 6, "URL String"},     {"uri", 6, "URL String"},
    {"mail", 5, "Email Address"}, {"filename", 7, "File Name"}, {"hash", 8, "Hash"},
    {"user", 4, "User Name"},
};

static void refuse(apply_t *a, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void refuse(apply_t *a, const char *what, const char *fmt, ...)
{
    json_t *list = json_object_get(a->applied, "refused");
    json_object_set_new(
        a->applied, "refused_count",
        json_integer(json_integer_value(json_object_get(a->applied, "refused_count")) + 1));
    if (json_array_size(list) >= CR_MAX_REFUSED)
        return;
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    json_array_append_new(list, json_pack("{s:s, s:s}", "what", what, "reason", why));
}

/* A short string (1..CR_MAX_VALUE bytes), or a number written as one. */
static bool short_text(const json_t *v, char *out, size_t size)
{
    if (json_is_string(v)) {
        size_t n = json_string_length(v);
        if (n == 0 || n > CR_MAX_VALUE || n >= size || memchr(json_string_value(v), 0, n))
            return false;
        memcpy(out, json_string_value(v), n + 1);
        return true;
    }
    if (json_is_integer(v))
        return snprintf(out, size, "%lld", (long long)json_integer_value(v)) < (int)size;
    if (json_is_real(v))
        return snprintf(out, size, "%g", json_real_value(v)) < (int)size;
    return false;
}

static void taxonomies(apply_t *a, broker_t *b, casestore_txn_t *txn, uint64_t case_id,
                       const json_t *request, const char *site, const json_t *list, int *rc,
                       fs_err_t *e)
{
    size_t i;
    json_t *t;
    int n = 0;
    json_array_foreach(list, i, t)
    {
        if (i >= CR_MAX_ENTRIES || *rc != 0)
            break;
        char path[64], value[CR_MAX_VALUE + 1];
        snprintf(path, sizeof path, "$.summary.taxonomies[%zu]", i);
        const char *level = json_string_value(json_object_get(t, "level"));
        const char *ns = json_string_value(json_object_get(t, "namespace"));
        const char *pred = json_string_value(json_object_get(t, "predicate"));
        if (!level || (strcmp(level, "info") != 0 && strcmp(level, "safe") != 0 &&
                       strcmp(level, "suspicious") != 0 && strcmp(level, "malicious") != 0)) {
            refuse(a, path, "level: info, safe, suspicious or malicious");
            continue;
        }
        if (!ns || !pred || !*ns || !*pred || strlen(ns) > 128 || strlen(pred) > 128 ||
            !short_text(json_object_get(t, "value"), value, sizeof value)) {
            refuse(a, path, "needs namespace and predicate (1-128 bytes) and a value");
            continue;
        }
        json_t *entry = json_pack("{s:O, s:O, s:s, s:s, s:s, s:s, s:s}", "request_id",
                                  json_object_get(request, "request_id"), "name",
                                  json_object_get(request, "name"), "site", site, "level", level,
                                  "namespace", ns, "predicate", pred, "value", value);
        *rc = casestore_timeline_add(b->store, txn, case_id, "cortex_taxonomy", entry, e);
        json_decref(entry);
        n++;
    }
    json_object_set_new(a->applied, "taxonomies", json_integer(n));
    a->changes += n;
}

/* One artifact (or AddArtifactToCase) as an observable of the case. */
static void observable(apply_t *a, const char *path, const json_t *art, const char *source)
{
    const char *dt = json_string_value(json_object_get(art, "dataType"));
    char value[CR_MAX_VALUE + 1];
    if (!dt) {
        refuse(a, path, "dataType: required");
        return;
    }
    size_t k = 0;
    while (k < sizeof observable_types / sizeof observable_types[0] &&
           strcmp(observable_types[k].data_type, dt) != 0)
        k++;
    if (k == sizeof observable_types / sizeof observable_types[0]) {
        refuse(a, path,
               "dataType \"%.64s\" has no OCSF observable type here (ip, domain, fqdn, hostname, "
               "url, uri, mail, filename, hash, user)",
               dt);
        return;
    }
    if (!short_text(json_object_get(art, "data"), value, sizeof value)) {
        refuse(a, path, "data: a value of 1-%d bytes", CR_MAX_VALUE);
        return;
    }
    json_t *list = json_object_get(a->kase, "observables");
    if (!json_is_array(list))
        json_object_set_new(a->kase, "observables", list = json_array());
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        const char *v = json_string_value(json_object_get(o, "value"));
        if (v && strcasecmp(v, value) == 0 &&
            json_integer_value(json_object_get(o, "type_id")) == observable_types[k].type_id)
            return; /* the case has it already */
    }
    if (json_array_size(list) >= CR_MAX_OBSERVABLES) {
        refuse(a, path, "the case already has %d observables", CR_MAX_OBSERVABLES);
        return;
    }
    json_array_append_new(
        list, json_pack("{s:i, s:s, s:s, s:s}", "type_id", observable_types[k].type_id, "type",
                        observable_types[k].type, "value", value, "source", source));
    json_array_append_new(
        json_object_get(a->applied, "observables"),
        json_pack("{s:s, s:s}", "type", observable_types[k].type, "value", value));
    a->dirty = true;
    a->changes++;
}

static void add_tag(apply_t *a, const char *path, const json_t *op)
{
    char tag[CR_MAX_VALUE + 1];
    if (!short_text(json_object_get(op, "tag"), tag, sizeof tag) || strlen(tag) > 128) {
        refuse(a, path, "AddTagToCase: tag, 1-128 bytes");
        return;
    }
    json_t *tags = json_object_get(a->kase, "tags");
    if (!json_is_array(tags))
        json_object_set_new(a->kase, "tags", tags = json_array());
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t) if (strcmp(json_string_value(t) ?: "", tag) == 0) return;
    if (json_array_size(tags) >= CR_MAX_TAGS) {
        refuse(a, path, "AddTagToCase: the case already has %d tags", CR_MAX_TAGS);
        return;
    }
    json_array_append_new(tags, json_string(tag));
    json_array_append_new(json_object_get(a->applied, "tags"), json_string(tag));
    a->dirty = true;
    a->changes++;
}

static void add_custom_field(apply_t *a, const char *path, const json_t *op)
{
    const char *name = json_string_value(json_object_get(op, "name"));
    const json_t *v = json_object_get(op, "value");
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64 ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != n) {
        refuse(a, path, "AddCustomFields: name, 1-64 of [A-Za-z0-9_.-]");
        return;
    }
    char text[CR_MAX_VALUE + 1];
    if (!(json_is_boolean(v) || short_text(v, text, sizeof text))) {
        refuse(a, path, "AddCustomFields: value, a string, number or boolean (at most %d bytes)",
               CR_MAX_VALUE);
        return;
    }
    json_t *fields = json_object_get(a->kase, "custom_fields");
    if (!json_is_object(fields))
        json_object_set_new(a->kase, "custom_fields", fields = json_object());
    if (!json_object_get(fields, name) && json_object_size(fields) >= CR_MAX_FIELDS) {
        refuse(a, path, "AddCustomFields: the case already has %d custom fields", CR_MAX_FIELDS);
        return;
    }
    json_object_set(fields, name, (json_t *)v);
    json_object_set(json_object_get(a->applied, "custom_fields"), name, (json_t *)v);
    a->dirty = true;
    a->changes++;
}

static void operations(apply_t *a, const json_t *list, const char *source)
{
    size_t i;
    json_t *op;
    json_array_foreach(list, i, op)
    {
        if (i >= CR_MAX_ENTRIES)
            break;
        char path[64];
        snprintf(path, sizeof path, "$.operations[%zu]", i);
        const char *type = json_string_value(json_object_get(op, "type"));
        if (!type)
            refuse(a, path, "type: required");
        else if (strcmp(type, "AddTagToCase") == 0)
            add_tag(a, path, op);
        else if (strcmp(type, "AddCustomFields") == 0)
            add_custom_field(a, path, op);
        else if (strcmp(type, "AddArtifactToCase") == 0)
            observable(a, path, op, source);
        else
            refuse(a, path,
                   "operation %.64s is not applied by fedsoar (AddTagToCase, AddCustomFields, "
                   "AddArtifactToCase are)",
                   type);
    }
}

int cortex_results_apply(broker_t *b, casestore_txn_t *txn, const json_t *request, const char *site,
                         json_t *result, fs_err_t *e)
{
    const json_t *tax = json_object_get(json_object_get(result, "summary"), "taxonomies");
    const json_t *arts = json_object_get(result, "artifacts");
    const json_t *ops = json_object_get(result, "operations");
    if (!json_is_object(result) ||
        (!json_is_array(tax) && !json_is_array(arts) && !json_is_array(ops)))
        return 0;
    uint64_t case_id = (uint64_t)json_integer_value(json_object_get(request, "case_id"));
    json_t *kase = case_id ? casestore_case_get(b->store, txn, case_id) : NULL;
    if (!kase)
        return 0; /* the run's case is gone: nothing to put it on */
    apply_t a = {kase,
                 json_pack("{s:i, s:[], s:[], s:{}, s:[], s:i}", "taxonomies", 0, "observables",
                           "tags", "custom_fields", "refused", "refused_count", 0),
                 0, false};
    char source[200];
    snprintf(source, sizeof source, "cortex:%.64s@%.64s",
             json_string_value(json_object_get(request, "name")) ?: "?", site);
    int rc = 0;
    taxonomies(&a, b, txn, case_id, request, site, tax, &rc, e);
    size_t i;
    json_t *art;
    json_array_foreach(arts, i, art)
    {
        if (i >= CR_MAX_ENTRIES)
            break;
        char path[64];
        snprintf(path, sizeof path, "$.artifacts[%zu]", i);
        observable(&a, path, art, source);
    }
    operations(&a, ops, source);
    if (rc == 0 && a.dirty) {
        unsigned char key[8];
        fs_u64_to_be(case_id, key);
        json_object_set_new(kase, "updated", json_integer(fs_now_ms()));
        rc = casestore_put_json(b->store, txn, CASESTORE_DB_CASES, key, 8, kase, e);
    }
    if (rc == 0) {
        json_t *entry =
            json_pack("{s:O, s:O, s:s, s:O}", "request_id", json_object_get(request, "request_id"),
                      "name", json_object_get(request, "name"), "site", site, "applied", a.applied);
        rc = casestore_timeline_add(b->store, txn, case_id, "cortex_applied", entry, e);
        json_decref(entry);
    }
    json_object_set(result, "case_applied", a.applied);
    if (a.changes || json_integer_value(json_object_get(a.applied, "refused_count")))
        fs_log(FS_LOG_INFO, "broker", "cortex_applied",
               "case_id=%llu request_id=%s site=%s changes=%d refused=%lld",
               (unsigned long long)case_id,
               json_string_value(json_object_get(request, "request_id")), site, a.changes,
               (long long)json_integer_value(json_object_get(a.applied, "refused_count")));
    json_decref(a.applied);
    json_decref(kase);
    return rc == 0 ? a.changes : -1;
}
