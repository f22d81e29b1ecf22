/*  http_login.c — signing in with the key you already hold: `fedsoarctl
    login --web` asks over the CURVE control socket for a one-time link
    bound to its operator (login.link); the browser's GET of the link only
    shows who it is for (login.peek: mail scanners and chat previews fetch
    links); its POST consumes the link and opens a session (login.confirm):
    a random cookie and CSRF token, stored only as the cookie's SHA-256.
    Links live in memory only: a restart kills the pending ones. Design:
    docs/internals/http_auth.md. */
#include "http_auth_internal.h"
#include "passkey_internal.h"

#include <string.h>

static int64_t link_ttl_ms(const broker_t *b)
{
    unsigned s = b->cfg.http.login_link_ttl_s;
    if (s == 0)
        return HTTP_LOGIN_LINK_TTL_MS;
    return (int64_t)(s < 5 ? 5 : s) * 1000;
}

static bool link_expired(const void *item, int64_t now)
{
    return now >= ((const http_link_t *)item)->expires_mono;
}

json_t *control_login_link(broker_t *b, casestore_txn_t *txn, const json_t *args,
                           const caller_t *who, fs_err_t *e)
{
    (void)txn;
    (void)args;
    if (!b->cfg.http.listen || !b->http.auth) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "the broker's HTTPS API is off: start it with --http ADDR:PORT (config "
                    "http.listen) to sign in with a browser");
        return NULL;
    }
    if (!keystore_find_operator(b->keys, who->operator_name)) {
        fs_err_setc(e, BROKER_E_DENIED,
                    "login links are made for operators of the key store (KEYS/trusted/operators); "
                    "\"%s\" is not one (a broker run with --insecure has none)",
                    who->operator_name);
        return NULL;
    }
    zhashx_t *links = b->http.auth->links;
    int64_t now = fs_mono_ms(), ttl = link_ttl_ms(b);
    http_auth_table_prune(links, link_expired, now);
    if (zhashx_size(links) >= HTTP_LINKS_MAX) {
        fs_err_setc(e, BROKER_E_CONFLICT,
                    "%d sign-in links are pending; wait %lld s for them to expire", HTTP_LINKS_MAX,
                    (long long)(ttl / 1000));
        return NULL;
    }
    char nonce[HTTP_SECRET_CHARS + 1];
    if (http_auth_random(nonce) != 0) {
        fs_err_set(e, "the random number generator failed: no link was made");
        return NULL;
    }
    http_link_t *l = fs_xcalloc(1, sizeof *l);
    snprintf(l->operator_name, sizeof l->operator_name, "%s", who->operator_name);
    l->expires_mono = now + ttl;
    zhashx_insert(links, nonce, l);

    char base[512], url[600];
    broker_public_url(b, base, sizeof base);
    snprintf(url, sizeof url, "%s/login/%s", base, nonce);
    fs_log(FS_LOG_INFO, "broker", "http_login_link", "operator=%s ttl_s=%lld", who->operator_name,
           (long long)(ttl / 1000));
    return json_pack("{s:s, s:I, s:s}", "url", url, "expires_in_s", (json_int_t)(ttl / 1000),
                     "operator", who->operator_name);
}

/* Opens a session for operator id: the row (by the cookie's hash) and its
   audit entry in one transaction. The reply with the cookie, or NULL. */
static json_t *session_open(broker_t *b, const key_identity_t *id)
{
    char cookie[HTTP_SECRET_CHARS + 1], csrf[HTTP_SECRET_CHARS + 1];
    if (http_auth_random(cookie) != 0 || http_auth_random(csrf) != 0) {
        fs_log(FS_LOG_ERROR, "broker", "http_session_failed", "error=\"no randomness\"");
        return NULL;
    }
    char hash[65], key[80], actor[64];
    fs_sha256_hex(cookie, strlen(cookie), hash);
    size_t klen = http_auth_session_key(hash, key, sizeof key);
    snprintf(actor, sizeof actor, "operator:%s", id->name);
    int64_t now = fs_now_ms();
    json_t *row = json_pack("{s:s, s:I, s:I, s:s, s:s%}", "operator", id->name, "created",
                            (json_int_t)now, "last_seen", (json_int_t)now, "csrf", csrf,
                            "public_id", hash, (size_t)HTTP_PUBLIC_ID_CHARS);
    json_t *subject = json_pack("{s:s%, s:s}", "public_id", hash, (size_t)HTTP_PUBLIC_ID_CHARS,
                                "operator", id->name);
    fs_err_t e = {0};
    casestore_txn_t *txn = NULL;
    int rc = -1;
    if (casestore_begin(b->store, true, &txn, &e) == 0 &&
        casestore_put_json(b->store, txn, CASESTORE_DB_HTTP, key, klen, row, &e) == 0 &&
        casestore_audit_append(b->store, txn, "http.session_created", actor, subject, NULL, &e) ==
            0 &&
        casestore_commit(&txn, &e) == 0)
        rc = 0;
    casestore_abort(&txn);
    json_decref(row);
    json_decref(subject);
    if (rc != 0) {
        fs_log(FS_LOG_ERROR, "broker", "http_session_failed", "error=\"%s\"", e.text);
        return NULL;
    }
    char cookie_hdr[256];
    snprintf(cookie_hdr, sizeof cookie_hdr,
             HTTP_SESSION_COOKIE "=%s; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=%lld",
             cookie, (long long)(http_session_idle_ms(b) / 1000));
    fs_log(FS_LOG_INFO, "broker", "http_session_created", "operator=%s public_id=%.12s", id->name,
           hash);
    return json_pack("{s:i, s:{s:s, s:s, s:s}, s:s}", "status", 200, "result", "operator", id->name,
                     "role", id->role, "csrf_token", csrf, "set_cookie", cookie_hdr);
}

json_t *http_auth_public(broker_t *b, const char *cmd, const json_t *args, const json_t *auth)
{
    if (cmd && strncmp(cmd, "passkey.", 8) == 0) /* the enrollment page: passkey_enroll.c */
        return passkey_public(b, cmd, args, auth);
    bool peek = cmd && strcmp(cmd, "login.peek") == 0;
    bool confirm = cmd && strcmp(cmd, "login.confirm") == 0;
    if (!peek && !confirm)
        return http_problem_reply(404, "no such public route");
    if (!b->http.auth)
        return http_problem_reply(500, "sign-in is not running");
    const char *nonce = json_string_value(json_object_get(args, "nonce"));
    zhashx_t *links = b->http.auth->links;
    http_link_t *l = nonce ? zhashx_lookup(links, nonce) : NULL;
    int64_t now = fs_mono_ms();
    if (l && now >= l->expires_mono) {
        zhashx_delete(links, nonce);
        l = NULL;
    }
    if (!l)
        return http_problem_reply(404,
                                  "this sign-in link is unknown, already used or expired (a link "
                                  "works once, within a minute): run fedsoarctl login --web again");
    if (peek)
        return json_pack("{s:i, s:{s:s, s:I}}", "status", 200, "result", "operator",
                         l->operator_name, "expires_in_s",
                         (json_int_t)((l->expires_mono - now + 999) / 1000));

    /* POST: a cross-site form may carry the link too; when the browser says
       where the request comes from, it must be the broker's own page. */
    const char *origin = json_string_value(json_object_get(auth, "origin"));
    const char *host = json_string_value(json_object_get(auth, "host"));
    if (origin) {
        const char *scheme = b->cfg.http.insecure ? "http://" : "https://";
        size_t sn = strlen(scheme);
        if (!host || strncmp(origin, scheme, sn) != 0 || strcmp(origin + sn, host) != 0)
            return http_problem_reply(
                403, "the sign-in was confirmed from another site (Origin is not this "
                     "broker): open the link itself and confirm there");
    }
    char op[33];
    snprintf(op, sizeof op, "%s", l->operator_name);
    zhashx_delete(links, nonce); /* single use, whatever happens next */
    const key_identity_t *id = keystore_find_operator(b->keys, op);
    if (!id)
        return http_problem_reply(403, "the operator this link was made for is no longer trusted");
    json_t *reply = session_open(b, id);
    return reply ? reply : http_problem_reply(500, "internal error");
}
