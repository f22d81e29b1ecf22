/*  keystore.c — the broker's trusted key store (keystore.h). */
#include "keystore.h"

#include <czmq.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>

struct keystore {
    zhashx_t *by_key; /* Z85 public key -> key_identity_t (owned) */
};

void keystore_fingerprint(const unsigned char key[32], char out[17])
{
    char hex[65];
    fs_sha256_hex(key, 32, hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

/* One trusted certificate: its folder says what it may be. */
static int load_cert(keystore_t *ks, const char *path, key_kind_t kind, fs_err_t *e)
{
    zconfig_t *cfg = zconfig_load(path);
    if (!cfg)
        return fs_err_set(e, "%s: not a readable CURVE certificate", path);
    int rc = -1;
    const char *pub = zconfig_get(cfg, "curve/public-key", "");
    const char *site = zconfig_get(cfg, "metadata/site", NULL);
    const char *oper = zconfig_get(cfg, "metadata/operator", NULL);
    const char *role = zconfig_get(cfg, "metadata/role", NULL);
    unsigned char raw[32];
    key_identity_t *id = fs_xcalloc(1, sizeof *id);
    if (strlen(pub) != 40 || !zmq_z85_decode(raw, pub)) {
        fs_err_set(e, "%s: curve/public-key is not a 40-character Z85 key", path);
    } else if (kind == KEY_SITE && (oper || role || !fs_is_name(site, 32))) {
        fs_err_set(e,
                   "%s: a site certificate needs metadata site=NAME (1-32 of [a-z0-9_-]) and no "
                   "operator or role",
                   path);
    } else if (kind == KEY_OPERATOR && (!fs_is_name(oper, 32) || !fs_is_name(role, 32) ||
                                        (site && !fs_is_name(site, 32)))) {
        fs_err_set(
            e,
            "%s: an operator certificate needs metadata operator=NAME and role=ROLE (1-32 of "
            "[a-z0-9_-]), and site=NAME only for a site-admin",
            path);
    } else if (zhashx_lookup(ks->by_key, pub)) {
        const key_identity_t *other = zhashx_lookup(ks->by_key, pub);
        fs_err_set(e, "%s: the same public key is already trusted as %s %s: one key, one identity",
                   path, other->kind == KEY_SITE ? "site" : "operator", other->name);
    } else {
        id->kind = kind;
        snprintf(id->name, sizeof id->name, "%s", kind == KEY_SITE ? site : oper);
        snprintf(id->role, sizeof id->role, "%s", kind == KEY_OPERATOR ? role : "");
        snprintf(id->site, sizeof id->site, "%s", site ? site : "");
        snprintf(id->public_key, sizeof id->public_key, "%s", pub);
        keystore_fingerprint(raw, id->fingerprint);
        zhashx_insert(ks->by_key, pub, id);
        id = NULL;
        rc = 0;
    }
    free(id);
    zconfig_destroy(&cfg);
    return rc;
}

static int load_folder(keystore_t *ks, const char *keys_dir, const char *sub, key_kind_t kind,
                       fs_err_t *e)
{
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%s/trusted/%s", keys_dir, sub) >= (int)sizeof dir)
        return fs_err_set(e, "%s: path too long", keys_dir);
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0; /* no keys of this kind yet */
        return fs_err_set(e, "%s: cannot read: %s", dir, strerror(errno));
    }
    int rc = 0;
    for (struct dirent *de = readdir(d); de && rc == 0; de = readdir(d)) {
        if (de->d_name[0] == '.')
            continue;
        size_t n = strlen(de->d_name);
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".cert") != 0)
            rc = fs_err_set(e, "%s: only public NAME.cert files belong in a trusted folder", path);
        else
            rc = load_cert(ks, path, kind, e);
    }
    closedir(d);
    return rc;
}

static void identity_free(void **item)
{
    free(*item);
    *item = NULL;
}

keystore_t *keystore_load(const char *keys_dir, fs_err_t *e)
{
    keystore_t *ks = fs_xcalloc(1, sizeof *ks);
    if (!(ks->by_key = zhashx_new())) {
        free(ks);
        fs_err_set(e, "out of memory");
        return NULL;
    }
    zhashx_set_destructor(ks->by_key, identity_free);
    if (load_folder(ks, keys_dir, "sites", KEY_SITE, e) != 0 ||
        load_folder(ks, keys_dir, "operators", KEY_OPERATOR, e) != 0)
        keystore_destroy(&ks);
    return ks;
}

void keystore_destroy(keystore_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->by_key);
    free(*self_p);
    *self_p = NULL;
}

const key_identity_t *keystore_lookup(const keystore_t *self, const char *public_z85)
{
    if (!self || !public_z85)
        return NULL;
    return zhashx_lookup(self->by_key, public_z85);
}

size_t keystore_count(const keystore_t *self)
{
    return self ? zhashx_size(self->by_key) : 0;
}

const key_identity_t *keystore_find_operator(const keystore_t *self, const char *name)
{
    if (!self || !name)
        return NULL;
    for (const key_identity_t *id = zhashx_first(self->by_key); id; id = zhashx_next(self->by_key))
        if (id->kind == KEY_OPERATOR && strcmp(id->name, name) == 0)
            return id;
    return NULL;
}
