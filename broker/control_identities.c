/*  control_identities.c — the identity crosswalk on the control socket
    (docs/identities.md, docs/cli.md): identities.check and identities.load
    (admin), identities.show and identities.list, and the load of the config
    key identities.file at start.  check returns every bad row (a control
    error carries 512 bytes: load's own refusal names the first rows only).  The CSV's sites must be
   in the broker's key store: a site whose certificate lies in KEYS/trusted/sites and whose key the
   loaded store knows as that site.  A load is all or nothing, audited
    ("identities.load", the file's name, SHA-256 and counts). */
#include "broker_internal.h"
#include "casestore_identities.h"

#include <czmq.h>
#include <dirent.h>
#include <openssl/sha.h>
#include <string.h>

#define SHOW_LIST_MAX 1000 /* persons identities.list returns */

/* The sites of the key store: {"NAME": true}. In insecure mode (no key
   store) NULL: any site is accepted (logged). Caller owns. */
static json_t *trusted_sites(broker_t *b)
{
    if (!b->keys)
        return NULL;
    json_t *sites = json_object();
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/trusted/sites", b->cfg.keys_dir);
    DIR *d = opendir(dir);
    for (struct dirent *de = d ? readdir(d) : NULL; de; de = readdir(d)) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] == '.' || n < 6 || strcmp(de->d_name + n - 5, ".cert") != 0)
            continue;
        char path[4500];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        zcert_t *cert = zcert_load(path);
        const key_identity_t *id = cert ? keystore_lookup(b->keys, zcert_public_txt(cert)) : NULL;
        if (id && id->kind == KEY_SITE)
            json_object_set_new(sites, id->name, json_true());
        zcert_destroy(&cert);
    }
    if (d)
        closedir(d);
    return sites;
}

static bool site_known(void *arg, const char *site)
{
    return json_object_get(arg, site) != NULL;
}

/* Parses and loads csv (len bytes) named `name`, replacing the CSV links,
   and audits it as `actor`. Returns the result document or NULL; *errors
   (caller owns) gets every bad row when the file is refused. */
static json_t *load_csv(broker_t *b, casestore_txn_t *txn, const char *csv, size_t len,
                        const char *name, const char *actor, json_t **errors, fs_err_t *e)
{
    json_t *sites = trusted_sites(b);
    json_t *parsed =
        casestore_identities_parse_csv(csv, len, name, sites ? site_known : NULL, sites, errors, e);
    json_decref(sites);
    if (!parsed)
        return NULL;
    json_t *result = casestore_identities_replace_csv(b->store, txn, parsed, e);
    json_decref(parsed);
    if (!result)
        return NULL;
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)csv, len, md);
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    json_object_set_new(result, "file", json_string(name));
    json_object_set_new(result, "sha256", json_string(hex));
    json_t *subject = json_pack("{s:s}", "identities", "csv");
    int rc = casestore_audit_append(b->store, txn, "identities.load", actor, subject, result, e);
    json_decref(subject);
    if (rc != 0) {
        json_decref(result);
        return NULL;
    }
    return result;
}

json_t *control_identities_load(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e)
{
    const char *name = json_string_value(json_object_get(args, "name"));
    const json_t *csv = json_object_get(args, "csv");
    if (!json_is_string(csv) || !name || !*name || strlen(name) > 512) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "identities.load: arguments name (the file's name) and csv (its text) are "
                    "required");
        return NULL;
    }
    json_t *errors = NULL;
    json_t *result = load_csv(b, txn, json_string_value(csv), json_string_length(csv), name,
                              who->actor, &errors, e);
    if (!result && errors) {
        /* Every bad row, one per line after the summary. */
        size_t used = strlen(e->text), i;
        json_t *err;
        json_array_foreach(errors, i, err)
        {
            int n = snprintf(e->text + used, sizeof e->text - used, "\n  line %d: %s",
                             (int)json_integer_value(json_object_get(err, "line")),
                             json_string_value(json_object_get(err, "reason")));
            if (n < 0 || (size_t)n >= sizeof e->text - used) {
                e->text[used] = '\0';
                snprintf(e->text + used, sizeof e->text - used, "\n  ...");
                break;
            }
            used += (size_t)n;
        }
        json_decref(errors);
        return NULL;
    }
    if (result)
        fs_log(FS_LOG_INFO, "broker", "identities_loaded", "file=%s loaded=%lld actor=%s", name,
               (long long)json_integer_value(json_object_get(result, "loaded")), who->actor);
    return result;
}

json_t *control_identities_check(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                 const caller_t *who, fs_err_t *e)
{
    (void)txn, (void)who;
    const char *name = json_string_value(json_object_get(args, "name"));
    const json_t *csv = json_object_get(args, "csv");
    if (!json_is_string(csv) || !name || !*name || strlen(name) > 512) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "identities.check: arguments name (the file's name) and csv (its text) are "
                    "required");
        return NULL;
    }
    json_t *sites = trusted_sites(b), *errors = NULL;
    fs_err_t why = {0};
    json_t *parsed =
        casestore_identities_parse_csv(json_string_value(csv), json_string_length(csv), name,
                                       sites ? site_known : NULL, sites, &errors, &why);
    json_decref(sites);
    json_t *out = json_pack("{s:b, s:I, s:o, s:s}", "ok", parsed != NULL, "rows",
                            (json_int_t)json_array_size(json_object_get(parsed, "rows")), "errors",
                            errors ? errors : json_array(), "summary", why.text);
    json_decref(parsed);
    return out;
}

json_t *control_identities_show(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e)
{
    (void)who;
    const char *q = json_string_value(json_object_get(args, "query"));
    if (!q || !*q || strlen(q) > 2 * CASESTORE_IDENTITY_FIELD_MAX + 1) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "identities.show: argument query is required: PERSON, SITE:ACCOUNT or ACCOUNT");
        return NULL;
    }
    return casestore_identities_show(b->store, txn, q);
}

json_t *control_identities_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                const caller_t *who, fs_err_t *e)
{
    (void)args, (void)who, (void)e;
    return casestore_identities_list(b->store, txn, SHOW_LIST_MAX);
}

int broker_identities_load_config(broker_t *b, fs_err_t *e)
{
    const char *path = fs_config_string(b->cfg.config, "identities.file", NULL);
    if (!path)
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fs_err_setc(e, BROKER_E_CONFIG, "config identities.file: %s: cannot read: %s", path,
                    strerror(errno));
        return -1;
    }
    char *csv = fs_xmalloc(CASESTORE_IDENTITIES_CSV_MAX + 1);
    size_t len = fread(csv, 1, CASESTORE_IDENTITIES_CSV_MAX + 1, f);
    fclose(f);
    if (!b->keys)
        fs_log(FS_LOG_WARN, "broker", "identities_sites_unchecked",
               "file=%s msg=\"insecure mode: no key store, the file's sites are not checked\"",
               path);
    casestore_txn_t *txn = NULL;
    json_t *result = NULL;
    if (casestore_begin(b->store, true, &txn, e) == 0 &&
        (result = load_csv(b, txn, csv, len, path, "broker", NULL, e)) != NULL &&
        casestore_commit(&txn, e) != 0) {
        json_decref(result);
        result = NULL;
    }
    casestore_abort(&txn);
    free(csv);
    if (!result)
        return -1; /* e: "FILE:LINE: reason (N bad rows, nothing loaded)" */
    fs_log(FS_LOG_INFO, "broker", "identities_loaded", "file=%s loaded=%lld persons=%lld", path,
           (long long)json_integer_value(json_object_get(result, "loaded")),
           (long long)json_integer_value(json_object_get(result, "persons")));
    json_decref(result);
    return 0;
}

json_t *broker_identities_persons(broker_t *b, casestore_txn_t *txn, const json_t *kase)
{
    json_t *out = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(kase, "persons"), i, p)
    {
        json_t *doc = casestore_identity_person(b->store, txn, json_string_value(p));
        if (doc)
            json_array_append_new(out, doc);
    }
    return out;
}
