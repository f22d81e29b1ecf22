/*  keys.c — the CURVE key layout shared by broker, adapters and operators
    (docs/operations.md "Keys"). Identity is decided by these files: the
    broker trusts the public certs under trusted/, and their metadata
    (site=…, operator=…, role=…) is what the ZAP handler hands back with
    every message from that key. */
#include "keys.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int save_pair(zcert_t *cert, const char *secret_path, const char *trusted_path, fs_err_t *e)
{
    if (access(secret_path, F_OK) == 0)
        return fs_err_set(e, "%s: exists; keys init never overwrites keys", secret_path);
    if (zcert_save(cert, secret_path) != 0)
        return fs_err_set(e, "%s: cannot write: %s", secret_path, strerror(errno));
    char secret_file[4200];
    snprintf(secret_file, sizeof secret_file, "%s_secret", secret_path);
    chmod(secret_file, 0600);
    if (trusted_path && zcert_save_public(cert, trusted_path) != 0)
        return fs_err_set(e, "%s: cannot write: %s", trusted_path, strerror(errno));
    return 0;
}

/* Creates one named keypair of a kind ("sites"/"operators") with metadata. */
static int make_member(const char *dir, const char *kind, const char *name, const char *role,
                       const char *site, fs_err_t *e)
{
    if (!fs_is_name(name, 32))
        return fs_err_set(e, "\"%s\": names are 1-32 of [a-z0-9_-]", name);
    if (role && !fs_is_name(role, 32))
        return fs_err_set(e, "operator %s: role \"%s\" is not 1-32 of [a-z0-9_-]", name, role);
    if (site && !fs_is_name(site, 32))
        return fs_err_set(e, "operator %s: site \"%s\" is not 1-32 of [a-z0-9_-]", name, site);
    zcert_t *cert = zcert_new();
    if (strcmp(kind, "sites") == 0) {
        zcert_set_meta(cert, "site", "%s", name);
    } else {
        zcert_set_meta(cert, "operator", "%s", name);
        zcert_set_meta(cert, "role", "%s", role);
        if (site) /* a site-admin: limited to this site */
            zcert_set_meta(cert, "site", "%s", site);
    }
    char own[4096], trusted[4096];
    snprintf(own, sizeof own, "%s/%s/%s.cert", dir, kind, name);
    snprintf(trusted, sizeof trusted, "%s/trusted/%s/%s.cert", dir, kind, name);
    int rc = save_pair(cert, own, trusted, e);
    zcert_destroy(&cert);
    if (rc == 0 && strcmp(kind, "operators") == 0) {
        char priv[4096], pub[4096];
        if (keys_signing_paths(dir, name, priv, sizeof priv, pub, sizeof pub) != 0)
            return fs_err_set(e, "%s: path too long", dir);
        rc = keys_make_signing_key(priv, pub, e);
    }
    return rc;
}

static int for_each_csv(const char *csv, const char *dir, const char *kind, const char *dflt_role,
                        fs_err_t *e)
{
    char buf[1024];
    if (!csv)
        return 0;
    if (snprintf(buf, sizeof buf, "%s", csv) >= (int)sizeof buf)
        return fs_err_set(e, "list too long: %s", csv);
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        const char *role = dflt_role, *site = NULL;
        char *colon = strchr(item, ':');
        if (colon) {
            *colon = '\0';
            role = colon + 1;
            char *second = strchr(colon + 1, ':');
            if (second) {
                *second = '\0';
                site = second + 1;
            }
        }
        if (make_member(dir, kind, item, role, site, e) != 0)
            return -1;
    }
    return 0;
}

int keys_init(const char *dir, const char *sites_csv, const char *operators_csv, const char *role,
              fs_err_t *e)
{
    const char *sub[] = {"sites", "operators", "trusted/sites", "trusted/operators",
                         "signing/operators"};
    for (size_t i = 0; i < sizeof sub / sizeof *sub; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, sub[i]);
        if (fs_mkdir_p(p, 0700, e) != 0)
            return -1;
    }
    char broker[4096];
    snprintf(broker, sizeof broker, "%s/broker.cert", dir);
    if (access(broker, F_OK) != 0) {
        zcert_t *cert = zcert_new();
        zcert_set_meta(cert, "name", "broker");
        int rc = save_pair(cert, broker, NULL, e);
        zcert_destroy(&cert);
        if (rc != 0)
            return -1;
    }
    char priv[4096], pub[4096];
    if (keys_signing_paths(dir, "broker", priv, sizeof priv, pub, sizeof pub) != 0)
        return fs_err_set(e, "%s: path too long", dir);
    if (access(priv, F_OK) != 0 && keys_make_signing_key(priv, pub, e) != 0)
        return -1;
    if (for_each_csv(sites_csv, dir, "sites", NULL, e) != 0)
        return -1;
    return for_each_csv(operators_csv, dir, "operators", role ? role : "admin", e);
}

zcert_t *keys_load_secret(const char *dir, const char *kind, const char *name, fs_err_t *e)
{
    char path[4096], secret[4200];
    if (kind)
        snprintf(path, sizeof path, "%s/%s/%s.cert", dir, kind, name);
    else
        snprintf(path, sizeof path, "%s/%s.cert", dir, name);
    snprintf(secret, sizeof secret, "%s_secret", path);
    if (access(secret, R_OK) != 0) {
        fs_err_set(e, "%s: cannot read secret key: %s (create keys with `fedsoarctl keys init`)",
                   secret, strerror(errno));
        return NULL;
    }
    zcert_t *cert = zcert_load(path);
    if (!cert)
        fs_err_set(e, "%s: not a valid CURVE certificate", secret);
    return cert;
}

char *keys_load_broker_public(const char *dir, fs_err_t *e)
{
    /* Read the public file itself: zcert_load() would prefer broker.cert_secret
       when it lies beside it (the dev layout), and a site has no business
       loading the broker's secret key. */
    char path[4096];
    snprintf(path, sizeof path, "%s/broker.cert", dir);
    zconfig_t *cfg = access(path, R_OK) == 0 ? zconfig_load(path) : NULL;
    if (!cfg) {
        fs_err_set(e, "%s: cannot read the broker's public key: %s", path,
                   errno ? strerror(errno) : "not a certificate");
        return NULL;
    }
    const char *key = zconfig_get(cfg, "curve/public-key", NULL);
    char *out = key && strlen(key) == 40 ? fs_xstrdup(key) : NULL;
    if (!out)
        fs_err_set(e, "%s: no valid curve/public-key", path);
    zconfig_destroy(&cfg);
    return out;
}

char *keys_trusted_dir(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/trusted", dir);
    return fs_xstrdup(path);
}
