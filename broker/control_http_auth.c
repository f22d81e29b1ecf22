/*  control_http_auth.c — the session and API-token commands (control.c's
    table): sessions.list, session.revoke, session.whoami, session.logout,
    token.create, tokens.list, token.revoke. Secrets are shown once (a new
    token) and stored only as SHA-256; lists show public ids and names.
    Every change is audited in its own transaction, never with the secret.
    Design: docs/internals/http_auth.md. */
#include "http_auth_internal.h"
#include "keys.h"

#include <openssl/crypto.h>
#include <string.h>

#define TOKEN_EXPIRES_MAX_S (10LL * 365 * 86400) /* ten years */

const char *const http_token_roles[] = {"analyst", "approver", "site-admin", "admin", NULL};

static bool is_admin(const caller_t *who)
{
    return who->role && strcmp(who->role, "admin") == 0;
}

/* Visits the rows of CASESTORE_DB_HTTP whose key starts with prefix. */
typedef struct prefix_walk {
    const char *prefix;
    int (*fn)(struct prefix_walk *w, const char *rest, size_t rest_len, json_t *row);
    broker_t *b;
    const caller_t *who;
    json_t *out;       /* a list being built, or NULL */
    const char *match; /* session.revoke: the public id looked for */
    char found[80];    /* ... and the row key it has */
    char found_op[40];
} prefix_walk_t;

static int prefix_visit(void *arg, const casestore_val_t *k, const casestore_val_t *v)
{
    prefix_walk_t *w = arg;
    size_t pn = strlen(w->prefix);
    if (k->len < pn || memcmp(k->data, w->prefix, pn) != 0)
        return 1; /* past the prefix: done */
    json_t *row = json_loadb(v->data, v->len, 0, NULL);
    int rc = row ? w->fn(w, (const char *)k->data + pn, k->len - pn, row) : 0;
    json_decref(row);
    return rc;
}

static int prefix_walk(broker_t *b, casestore_txn_t *txn, prefix_walk_t *w)
{
    w->b = b;
    return casestore_foreach_from(b->store, txn, CASESTORE_DB_HTTP, w->prefix, strlen(w->prefix),
                                  prefix_visit, w);
}

/* ---- sessions ---------------------------------------------------------------- */

static int list_session(prefix_walk_t *w, const char *hash, size_t hash_len, json_t *row)
{
    const char *op = json_string_value(json_object_get(row, "operator"));
    if (!op || (!is_admin(w->who) && strcmp(op, w->who->operator_name) != 0) || hash_len != 64)
        return 0;
    char h[65];
    memcpy(h, hash, 64);
    h[64] = '\0';
    int64_t stored = json_integer_value(json_object_get(row, "last_seen"));
    json_array_append_new(w->out, json_pack("{s:O?, s:s, s:O?, s:I}", "public_id",
                                            json_object_get(row, "public_id"), "operator", op,
                                            "created", json_object_get(row, "created"), "last_seen",
                                            (json_int_t)http_auth_last_seen(w->b, h, stored)));
    return 0;
}

json_t *control_sessions_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e)
{
    (void)args;
    prefix_walk_t w = {.prefix = HTTP_SESSION_ROW, .fn = list_session, .who = who};
    w.out = json_array();
    if (prefix_walk(b, txn, &w) < 0) {
        json_decref(w.out);
        fs_err_set(e, "sessions: cannot read the store");
        return NULL;
    }
    return w.out;
}

static int find_session(prefix_walk_t *w, const char *hash, size_t hash_len, json_t *row)
{
    const char *pid = json_string_value(json_object_get(row, "public_id"));
    if (!pid || strcmp(pid, w->match) != 0 || hash_len != 64)
        return 0;
    snprintf(w->found, sizeof w->found, HTTP_SESSION_ROW "%.*s", (int)hash_len, hash);
    snprintf(w->found_op, sizeof w->found_op, "%s",
             json_string_value(json_object_get(row, "operator")));
    return 1;
}

/* Deletes the session row key (its memory too) and audits it. */
static int session_end(broker_t *b, casestore_txn_t *txn, const char *key, const char *op,
                       const char *actor, const char *reason, fs_err_t *e)
{
    const char *hash = key + strlen(HTTP_SESSION_ROW);
    json_t *subject =
        json_pack("{s:s%, s:s}", "public_id", hash, (size_t)HTTP_PUBLIC_ID_CHARS, "operator", op);
    json_t *details = json_pack("{s:s}", "reason", reason);
    int rc = casestore_del(b->store, txn, CASESTORE_DB_HTTP, key, strlen(key), e) == 0 &&
                     casestore_audit_append(b->store, txn, "http.session_revoked", actor, subject,
                                            details, e) == 0
                 ? 0
                 : -1;
    json_decref(subject);
    json_decref(details);
    if (rc == 0)
        http_auth_forget(b, hash);
    return rc;
}

json_t *control_session_revoke(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    const char *pid = json_string_value(json_object_get(args, "public_id"));
    if (!http_auth_is_public_id(pid)) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "session.revoke needs public_id: the 12 hex characters fedsoarctl sessions "
                    "list shows");
        return NULL;
    }
    prefix_walk_t w = {.prefix = HTTP_SESSION_ROW, .fn = find_session, .who = who, .match = pid};
    if (prefix_walk(b, txn, &w) < 0) {
        fs_err_set(e, "sessions: cannot read the store");
        return NULL;
    }
    /* Another operator's session is "not found" unless you are an admin:
       the same view as sessions.list. */
    if (!w.found[0] || (!is_admin(who) && strcmp(w.found_op, who->operator_name) != 0)) {
        fs_err_setc(e, BROKER_E_NOT_FOUND, "no session %s%s", pid,
                    is_admin(who) ? "" : " of yours");
        return NULL;
    }
    if (session_end(b, txn, w.found, w.found_op, who->actor, "revoked", e) != 0)
        return NULL;
    return json_pack("{s:s, s:s, s:b}", "public_id", pid, "operator", w.found_op, "revoked", 1);
}

json_t *control_session_whoami(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    (void)txn;
    (void)args;
    (void)e;
    const char *kind = who->session                                          ? "session"
                       : who->actor && strncmp(who->actor, "token:", 6) == 0 ? "token"
                                                                             : "key";
    bool person = strcmp(kind, "token") != 0;
    json_t *out = json_pack("{s:s, s:s?, s:s?, s:s, s:s?}", "actor",
                            who->actor ? who->actor : who->operator_name, "role", who->role, "site",
                            who->site, "kind", kind, "csrf_token", who->csrf);
    /* What the console needs to offer only what will be accepted: a seat
       on the board, and the passkey to ask the authenticator for. */
    if (b->gov)
        json_object_set_new(
            out, "board_member",
            json_boolean(person && governance_is_member(b->gov, who->operator_name)));
    char priv[4096], pub[4096], path[4200];
    if (person && keys_signing_paths(b->cfg.keys_dir, who->operator_name, priv, sizeof priv, pub,
                                     sizeof pub) == 0) {
        char *dot = strstr(pub, ".sign.pub.pem");
        if (dot && snprintf(path, sizeof path, "%.*s.passkey.json", (int)(dot - pub), pub) <
                       (int)sizeof path) {
            json_t *pk = json_load_file(path, 0, NULL);
            const char *id = json_string_value(json_object_get(pk, "credential_id"));
            if (id)
                json_object_set_new(out, "passkey_credential_id", json_string(id));
            json_decref(pk);
        }
    }
    return out;
}

json_t *control_session_logout(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    (void)args;
    if (!who->session) {
        fs_err_setc(e, BROKER_E_INVALID, "%s",
                    who->actor && strncmp(who->actor, "token:", 6) == 0
                        ? "tokens are revoked with fedsoarctl token revoke"
                        : "no browser session is calling: session.logout ends the session of the "
                          "browser that sends it");
        return NULL;
    }
    char key[80];
    http_auth_session_key(who->session, key, sizeof key);
    if (session_end(b, txn, key, who->operator_name, who->actor, "logout", e) != 0)
        return NULL;
    return json_pack("{s:b}", "signed_out", 1);
}

/* ---- API tokens -------------------------------------------------------------- */

static bool is_token_role(const char *role)
{
    for (size_t i = 0; role && http_token_roles[i]; i++)
        if (strcmp(http_token_roles[i], role) == 0)
            return true;
    return false;
}

json_t *control_token_create(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e)
{
    const char *name = json_string_value(json_object_get(args, "name"));
    const char *role = json_string_value(json_object_get(args, "role"));
    const json_t *site_j = json_object_get(args, "site"),
                 *exp_j = json_object_get(args, "expires_s");
    const char *site = json_string_value(site_j);
    if (!fs_is_name(name, 32)) {
        fs_err_setc(e, BROKER_E_INVALID, "token.create: name must be 1-32 of [a-z0-9_-]");
        return NULL;
    }
    if (!is_token_role(role)) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "token.create: role must be one of analyst, approver, site-admin, admin");
        return NULL;
    }
    bool site_admin = strcmp(role, "site-admin") == 0;
    if ((site_j && !json_is_null(site_j) && !fs_is_name(site, 32)) || (site_admin && !site) ||
        (!site_admin && site)) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "token.create: a site-admin token needs site (1-32 of [a-z0-9_-]); other roles "
                    "take none");
        return NULL;
    }
    if (exp_j && !json_is_null(exp_j) &&
        (!json_is_integer(exp_j) || json_integer_value(exp_j) < 1 ||
         json_integer_value(exp_j) > TOKEN_EXPIRES_MAX_S)) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "token.create: expires_s is a whole number of seconds, 1 to %lld (ten years)",
                    TOKEN_EXPIRES_MAX_S);
        return NULL;
    }
    char row_key[64];
    int rlen = snprintf(row_key, sizeof row_key, HTTP_TOKEN_ROW "%s", name);
    casestore_val_t v;
    int got = casestore_get(b->store, txn, CASESTORE_DB_HTTP, row_key, (size_t)rlen, &v, e);
    if (got < 0)
        return NULL;
    if (got == 0) {
        fs_err_setc(e, BROKER_E_CONFLICT,
                    "a token named %s exists: revoke it first (fedsoarctl token revoke %s) or "
                    "choose another name",
                    name, name);
        return NULL;
    }
    char secret[HTTP_SECRET_CHARS + 1], token[HTTP_SECRET_CHARS + 8], hash[65], hash_key[80];
    if (http_auth_random(secret) != 0) {
        fs_err_set(e, "the random number generator failed: no token was made");
        return NULL;
    }
    snprintf(token, sizeof token, HTTP_TOKEN_PREFIX "%s", secret);
    fs_sha256_hex(token, strlen(token), hash);
    int hlen = snprintf(hash_key, sizeof hash_key, HTTP_TOKENHASH_ROW "%s", hash);
    int64_t now = fs_now_ms();
    json_int_t expires =
        exp_j && json_is_integer(exp_j) ? (json_int_t)now + json_integer_value(exp_j) * 1000 : 0;
    json_t *rec = json_pack("{s:s, s:s, s:s?, s:s, s:I, s:s, s:I}", "name", name, "role", role,
                            "site", site, "sha256", hash, "created", (json_int_t)now, "created_by",
                            who->actor ? who->actor : who->operator_name, "expires", expires);
    json_t *subject = json_pack("{s:s}", "token", name);
    json_t *details = json_pack("{s:s, s:s?, s:I}", "role", role, "site", site, "expires", expires);
    int rc =
        casestore_put_json(b->store, txn, CASESTORE_DB_HTTP, row_key, (size_t)rlen, rec, e) == 0 &&
                casestore_put(b->store, txn, CASESTORE_DB_HTTP, hash_key, (size_t)hlen, name,
                              strlen(name), e) == 0 &&
                casestore_audit_append(b->store, txn, "http.token_created", who->actor, subject,
                                       details, e) == 0
            ? 0
            : -1;
    json_decref(subject);
    json_decref(details);
    json_t *result = NULL;
    if (rc == 0) {
        json_object_del(rec, "sha256");
        json_object_set_new(rec, "token", json_string(token));
        result = json_incref(rec);
    }
    json_decref(rec);
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(token, sizeof token);
    return result;
}

static int list_token(prefix_walk_t *w, const char *rest, size_t rest_len, json_t *row)
{
    (void)rest;
    (void)rest_len;
    json_int_t expires = json_integer_value(json_object_get(row, "expires"));
    json_array_append_new(w->out, json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:I, s:b}", "name",
                                            json_object_get(row, "name"), "role",
                                            json_object_get(row, "role"), "site",
                                            json_object_get(row, "site"), "created",
                                            json_object_get(row, "created"), "created_by",
                                            json_object_get(row, "created_by"), "expires", expires,
                                            "expired", expires > 0 && fs_now_ms() >= expires));
    return 0;
}

json_t *control_tokens_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                            const caller_t *who, fs_err_t *e)
{
    (void)args;
    prefix_walk_t w = {.prefix = HTTP_TOKEN_ROW, .fn = list_token, .who = who};
    w.out = json_array();
    if (prefix_walk(b, txn, &w) < 0) {
        json_decref(w.out);
        fs_err_set(e, "tokens: cannot read the store");
        return NULL;
    }
    return w.out;
}

json_t *control_token_revoke(broker_t *b, casestore_txn_t *txn, const json_t *args,
                             const caller_t *who, fs_err_t *e)
{
    const char *name = json_string_value(json_object_get(args, "name"));
    if (!fs_is_name(name, 32)) {
        fs_err_setc(e, BROKER_E_INVALID, "token.revoke: name must be 1-32 of [a-z0-9_-]");
        return NULL;
    }
    char row_key[64], hash_key[80];
    int rlen = snprintf(row_key, sizeof row_key, HTTP_TOKEN_ROW "%s", name);
    json_t *rec = casestore_get_json(b->store, txn, CASESTORE_DB_HTTP, row_key, (size_t)rlen);
    const char *hash = json_string_value(json_object_get(rec, "sha256"));
    if (!rec || !hash) {
        json_decref(rec);
        fs_err_setc(e, BROKER_E_NOT_FOUND, "no token named %s (fedsoarctl token list)", name);
        return NULL;
    }
    int hlen = snprintf(hash_key, sizeof hash_key, HTTP_TOKENHASH_ROW "%s", hash);
    json_t *subject = json_pack("{s:s}", "token", name);
    int rc =
        casestore_del(b->store, txn, CASESTORE_DB_HTTP, row_key, (size_t)rlen, e) == 0 &&
                casestore_del(b->store, txn, CASESTORE_DB_HTTP, hash_key, (size_t)hlen, e) == 0 &&
                casestore_audit_append(b->store, txn, "http.token_revoked", who->actor, subject,
                                       NULL, e) == 0
            ? 0
            : -1;
    json_decref(subject);
    json_decref(rec);
    return rc == 0 ? json_pack("{s:s, s:b}", "name", name, "revoked", 1) : NULL;
}
