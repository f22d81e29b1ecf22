/*  http_auth.c — who is asking over HTTPS (http_internal.h
    http_auth_resolve): a browser session (cookie) or an API token (bearer),
    each looked up by its SHA-256, never stored in clear; role and site from
    the key store (a session) or the token's record (a token), never from
    the request. Cookie sessions are checked against CSRF (Origin and the
    X-CSRF-Token header); every caller is rate-limited. Runs on the broker's
    loop thread. Design: docs/internals/http_auth.md. */
#include "http_auth_internal.h"

#include <math.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <string.h>

/* A rate-limit bucket: tokens refill at rate_limit a minute, up to rate_limit. */
typedef struct bucket {
    double tokens;
    int64_t updated; /* fs_mono_ms() */
} bucket_t;

static void item_free(void **item)
{
    free(*item);
    *item = NULL;
}

static zhashx_t *table_new(void)
{
    zhashx_t *t = zhashx_new();
    if (!t)
        fs_oom(sizeof(zhashx_t *));
    zhashx_set_destructor(t, item_free);
    return t;
}

struct http_auth_state *http_auth_new(void)
{
    struct http_auth_state *self = fs_xcalloc(1, sizeof *self);
    self->links = table_new();
    self->activity = table_new();
    self->buckets = table_new();
    self->passkeys = table_new();
    return self;
}

void http_auth_destroy(struct http_auth_state **self_p)
{
    if (!self_p || !*self_p)
        return;
    struct http_auth_state *self = *self_p;
    zhashx_destroy(&self->links);
    zhashx_destroy(&self->activity);
    zhashx_destroy(&self->buckets);
    zhashx_destroy(&self->passkeys);
    free(self);
    *self_p = NULL;
}

int http_auth_random(char out[HTTP_SECRET_CHARS + 1])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char r[33] = {0}; /* 32 random bytes and a zero pad for the last group */
    if (RAND_bytes(r, 32) != 1) {
        out[0] = '\0';
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < 33; i += 3) {
        uint32_t v = (uint32_t)r[i] << 16 | (uint32_t)r[i + 1] << 8 | r[i + 2];
        for (int k = 3; k >= 0 && n < HTTP_SECRET_CHARS; k--)
            out[n++] = alphabet[(v >> (6 * k)) & 63];
    }
    out[n] = '\0';
    OPENSSL_cleanse(r, sizeof r);
    return 0;
}

size_t http_auth_session_key(const char *hash, char *key, size_t size)
{
    int n = snprintf(key, size, HTTP_SESSION_ROW "%s", hash);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

bool http_auth_is_public_id(const char *s)
{
    if (!s || strlen(s) != HTTP_PUBLIC_ID_CHARS)
        return false;
    return strspn(s, "0123456789abcdef") == HTTP_PUBLIC_ID_CHARS;
}

int64_t http_session_idle_ms(const broker_t *b)
{
    return b->cfg.http.session_idle_s ? (int64_t)b->cfg.http.session_idle_s * 1000
                                      : HTTP_SESSION_IDLE_MS;
}

int64_t http_auth_last_seen(const broker_t *b, const char *hash, int64_t stored)
{
    const http_activity_t *a = b->http.auth ? zhashx_lookup(b->http.auth->activity, hash) : NULL;
    return a && a->last_seen > stored ? a->last_seen : stored;
}

void http_auth_forget(broker_t *b, const char *hash)
{
    if (b->http.auth)
        zhashx_delete(b->http.auth->activity, hash);
}

/* A secret we made: exactly HTTP_SECRET_CHARS of base64url. */
static bool secret_shaped(const char *s)
{
    static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    return s && strlen(s) == HTTP_SECRET_CHARS && strspn(s, b64url) == HTTP_SECRET_CHARS;
}

/* ---- rate limit ------------------------------------------------------------ */

void http_auth_table_prune(zhashx_t *t, bool (*gone)(const void *item, int64_t now), int64_t now)
{
    zlistx_t *keys = zhashx_keys(t);
    for (const char *k = keys ? zlistx_first(keys) : NULL; k; k = zlistx_next(keys)) {
        const void *item = zhashx_lookup(t, k);
        if (item && gone(item, now))
            zhashx_delete(t, k);
    }
    zlistx_destroy(&keys);
}

/* A bucket that has refilled completely is the same as an absent one. */
static bool bucket_full(const void *item, int64_t now)
{
    return now - ((const bucket_t *)item)->updated >= 60000;
}

/* Whether a request counts against the caller's rate limit: all do but
   an open event stream's own fetches (http_stream.c marks them; the
   client cannot: auth is built by the HTTP side from headers). */
static bool metered(const json_t *auth)
{
    return !json_is_true(json_object_get(auth, "stream_fetch"));
}

/* Takes one request from key's bucket: 0, or -1 with the seconds to wait. */
static int rate_take(broker_t *b, const char *key, unsigned *retry_after)
{
    zhashx_t *buckets = b->http.auth->buckets;
    double per_min = b->cfg.http.rate_limit ? b->cfg.http.rate_limit : 600;
    double per_ms = per_min / 60000.0;
    int64_t now = fs_mono_ms();
    bucket_t *bk = zhashx_lookup(buckets, key);
    if (!bk) {
        if (zhashx_size(buckets) >= HTTP_BUCKETS_MAX)
            http_auth_table_prune(buckets, bucket_full, now);
        bk = fs_xcalloc(1, sizeof *bk);
        bk->tokens = per_min;
        bk->updated = now;
        zhashx_insert(buckets, key, bk);
    }
    bk->tokens = fmin(per_min, bk->tokens + (double)(now - bk->updated) * per_ms);
    bk->updated = now;
    if (bk->tokens >= 1.0) {
        bk->tokens -= 1.0;
        return 0;
    }
    double wait_s = ceil((1.0 - bk->tokens) / per_ms / 1000.0);
    *retry_after = wait_s < 1 ? 1 : (unsigned)wait_s;
    return -1;
}

/* ---- sessions -------------------------------------------------------------- */

/* Deletes a session row and its memory, audited as actor "broker". */
static void session_drop(broker_t *b, const char *hash, const char *op, const char *reason)
{
    char key[80];
    size_t klen = http_auth_session_key(hash, key, sizeof key);
    fs_err_t e = {0};
    casestore_txn_t *txn = NULL;
    json_t *subject = json_pack("{s:s%, s:s}", "public_id", hash, (size_t)HTTP_PUBLIC_ID_CHARS,
                                "operator", op ? op : "");
    json_t *details = json_pack("{s:s}", "reason", reason);
    if (casestore_begin(b->store, true, &txn, &e) != 0 ||
        casestore_del(b->store, txn, CASESTORE_DB_HTTP, key, klen, &e) != 0 ||
        casestore_audit_append(b->store, txn, "http.session_revoked", "broker", subject, details,
                               &e) != 0 ||
        casestore_commit(&txn, &e) != 0)
        fs_log(FS_LOG_ERROR, "broker", "http_session_drop_failed", "error=\"%s\"", e.text);
    casestore_abort(&txn);
    json_decref(subject);
    json_decref(details);
    http_auth_forget(b, hash);
}

/* Writes last_seen to the session's row when the stored one is older than
   HTTP_ACTIVITY_PERSIST_MS (an fsync at most every 5 minutes a session). */
static void session_touch(broker_t *b, const char *hash, json_t *row, int64_t now)
{
    http_activity_t *a = zhashx_lookup(b->http.auth->activity, hash);
    if (!a) {
        a = fs_xcalloc(1, sizeof *a);
        a->persisted = json_integer_value(json_object_get(row, "last_seen"));
        zhashx_insert(b->http.auth->activity, hash, a);
    }
    a->last_seen = now;
    if (now - a->persisted < HTTP_ACTIVITY_PERSIST_MS)
        return;
    char key[80];
    size_t klen = http_auth_session_key(hash, key, sizeof key);
    json_object_set_new(row, "last_seen", json_integer(now));
    fs_err_t e = {0};
    casestore_txn_t *txn = NULL;
    if (casestore_begin(b->store, true, &txn, &e) != 0 ||
        casestore_put_json(b->store, txn, CASESTORE_DB_HTTP, key, klen, row, &e) != 0 ||
        casestore_commit(&txn, &e) != 0)
        fs_log(FS_LOG_WARN, "broker", "http_session_touch_failed", "error=\"%s\"", e.text);
    else
        a->persisted = now;
    casestore_abort(&txn);
}

/* The browser's Origin must be this broker's own (a cross-site form or
   fetch carries the other site's origin, or none through some proxies). */
static int origin_check(broker_t *b, const json_t *auth, http_problem_t *p)
{
    const char *origin = json_string_value(json_object_get(auth, "origin"));
    const char *host = json_string_value(json_object_get(auth, "host"));
    if (!origin || !host)
        return http_problem_set(
            p, 403,
            "a browser session's %s request must carry an Origin header (and a Host): "
            "this one did not, so it could come from another site",
            "state-changing");
    const char *scheme = b->cfg.http.insecure ? "http://" : "https://";
    size_t sn = strlen(scheme);
    if (strncmp(origin, scheme, sn) != 0 || strcmp(origin + sn, host) != 0)
        return http_problem_set(
            p, 403,
            "Origin \"%.100s\" is not this broker (%s%.100s): a session's request must "
            "come from the broker's own pages",
            origin, scheme, host);
    return 0;
}

static int csrf_check(const json_t *row, const json_t *auth, http_problem_t *p)
{
    const char *want = json_string_value(json_object_get(row, "csrf"));
    const char *got = json_string_value(json_object_get(auth, "csrf"));
    if (!got)
        return http_problem_set(
            p, 403,
            "a browser session's state-changing request needs the " HTTP_CSRF_HEADER
            " header (its value is csrf_token of GET /api/v1/session)");
    size_t n = want ? strlen(want) : 0;
    if (n == 0 || strlen(got) != n || CRYPTO_memcmp(want, got, n) != 0)
        return http_problem_set(
            p, 403, "the " HTTP_CSRF_HEADER " header does not match this session's CSRF token");
    return 0;
}

static int resolve_session(broker_t *b, const char *cookie, const json_t *auth, caller_t *who,
                           http_who_buf_t *buf, http_problem_t *p)
{
    if (!secret_shaped(cookie))
        return http_problem_set(p, 401,
                                "the " HTTP_SESSION_COOKIE
                                " cookie is not one this broker made: sign in "
                                "again (fedsoarctl login --web)");
    char hash[65], key[80];
    fs_sha256_hex(cookie, strlen(cookie), hash);
    size_t klen = http_auth_session_key(hash, key, sizeof key);
    fs_err_t e = {0};
    casestore_txn_t *txn = NULL;
    json_t *row = NULL;
    if (casestore_begin(b->store, false, &txn, &e) == 0)
        row = casestore_get_json(b->store, txn, CASESTORE_DB_HTTP, key, klen);
    casestore_abort(&txn);
    if (!row)
        return http_problem_set(p, 401,
                                "no such session (signed out, revoked or expired): sign in again "
                                "(fedsoarctl login --web)");
    int rc = 0;
    const char *op = json_string_value(json_object_get(row, "operator"));
    const key_identity_t *id = keystore_find_operator(b->keys, op);
    int64_t now = fs_now_ms();
    int64_t last =
        http_auth_last_seen(b, hash, json_integer_value(json_object_get(row, "last_seen")));
    unsigned wait_s = 0;
    char bucket[80];
    snprintf(bucket, sizeof bucket, "s:%s", hash);
    if (!id) {
        session_drop(b, hash, op, "operator_untrusted");
        rc = http_problem_set(p, 401,
                              "operator %s is no longer trusted by this broker: the session ended",
                              op ? op : "?");
    } else if (now - last > http_session_idle_ms(b)) {
        session_drop(b, hash, op, "idle");
        int64_t idle_s = http_session_idle_ms(b) / 1000;
        rc = http_problem_set(p, 401,
                              "the session ended after %lld %s without use (http.session_idle_s): "
                              "sign in again (fedsoarctl login --web)",
                              (long long)(idle_s % 3600 ? idle_s : idle_s / 3600),
                              idle_s % 3600 ? "s" : "h");
    } else if (metered(auth) && rate_take(b, bucket, &wait_s) != 0) {
        p->retry_after = wait_s;
        rc = http_problem_set(p, 429, "over %u requests a minute for this session: retry in %u s",
                              b->cfg.http.rate_limit ? b->cfg.http.rate_limit : 600, wait_s);
    } else if (json_is_true(json_object_get(auth, "unsafe")) &&
               ((rc = origin_check(b, auth, p)) != 0 || (rc = csrf_check(row, auth, p)) != 0)) {
        /* refused: p filled */
    } else {
        session_touch(b, hash, row, now);
        snprintf(buf->name, sizeof buf->name, "%s", id->name);
        snprintf(buf->role, sizeof buf->role, "%s", id->role);
        snprintf(buf->site, sizeof buf->site, "%s", id->site);
        snprintf(buf->actor, sizeof buf->actor, "operator:%s", id->name);
        snprintf(buf->csrf, sizeof buf->csrf, "%s",
                 json_string_value(json_object_get(row, "csrf")));
        snprintf(buf->session, sizeof buf->session, "%s", hash);
        who->csrf = buf->csrf;
        who->session = buf->session;
    }
    json_decref(row);
    return rc;
}

/* ---- API tokens ------------------------------------------------------------ */

static int resolve_token(broker_t *b, const char *token, const json_t *auth, caller_t *who,
                         http_who_buf_t *buf, http_problem_t *p)
{
    size_t plen = strlen(HTTP_TOKEN_PREFIX);
    if (strncmp(token, HTTP_TOKEN_PREFIX, plen) != 0 || !secret_shaped(token + plen))
        return http_problem_set(
            p, 401,
            "the bearer token is not a fedsoar API token (fst_...; fedsoarctl token "
            "create)");
    char hash[65], key[80];
    fs_sha256_hex(token, strlen(token), hash);
    int klen = snprintf(key, sizeof key, HTTP_TOKENHASH_ROW "%s", hash);
    fs_err_t e = {0};
    casestore_txn_t *txn = NULL;
    json_t *rec = NULL;
    casestore_val_t v;
    if (casestore_begin(b->store, false, &txn, &e) == 0 &&
        casestore_get(b->store, txn, CASESTORE_DB_HTTP, key, (size_t)klen, &v, &e) == 0 &&
        v.len < 40) {
        char row[80];
        int rlen =
            snprintf(row, sizeof row, HTTP_TOKEN_ROW "%.*s", (int)v.len, (const char *)v.data);
        rec = casestore_get_json(b->store, txn, CASESTORE_DB_HTTP, row, (size_t)rlen);
    }
    casestore_abort(&txn);
    const char *stored = json_string_value(json_object_get(rec, "sha256"));
    if (!rec || !stored || strcmp(stored, hash) != 0) {
        json_decref(rec);
        return http_problem_set(p, 401, "unknown or revoked API token");
    }
    int rc = 0;
    const char *name = json_string_value(json_object_get(rec, "name"));
    json_int_t expires = json_integer_value(json_object_get(rec, "expires"));
    unsigned wait_s = 0;
    char bucket[80];
    snprintf(bucket, sizeof bucket, "t:%s", name);
    if (expires > 0 && fs_now_ms() >= expires) {
        char when[32];
        rc = http_problem_set(
            p, 401, "API token %s expired at %s: make a new one (fedsoarctl token create)", name,
            fs_time_format(expires, when, sizeof when));
    } else if (metered(auth) && rate_take(b, bucket, &wait_s) != 0) {
        p->retry_after = wait_s;
        rc = http_problem_set(p, 429, "over %u requests a minute for token %s: retry in %u s",
                              b->cfg.http.rate_limit ? b->cfg.http.rate_limit : 600, name, wait_s);
    } else {
        snprintf(buf->name, sizeof buf->name, "token:%s", name);
        snprintf(buf->role, sizeof buf->role, "%s",
                 json_string_value(json_object_get(rec, "role")));
        snprintf(buf->site, sizeof buf->site, "%s",
                 json_string_value(json_object_get(rec, "site"))
                     ? json_string_value(json_object_get(rec, "site"))
                     : "");
        snprintf(buf->actor, sizeof buf->actor, "token:%s", name);
        who->csrf = NULL; /* a bearer token is not an ambient credential: no CSRF */
        who->session = NULL;
    }
    json_decref(rec);
    return rc;
}

int http_auth_resolve(broker_t *b, const json_t *auth, caller_t *who, http_who_buf_t *buf,
                      http_problem_t *p)
{
    memset(buf, 0, sizeof *buf);
    if (!b->http.auth)
        return http_problem_set(p, 500, "sign-in is not running");
    const char *token = json_string_value(json_object_get(auth, "token"));
    const char *cookie = json_string_value(json_object_get(auth, "session"));
    int rc;
    if (token && *token)
        rc = resolve_token(b, token, auth, who, buf, p);
    else if (cookie && *cookie)
        rc = resolve_session(b, cookie, auth, who, buf, p);
    else
        rc = http_problem_set(
            p, 401,
            "who are you? send Authorization: Bearer TOKEN (fedsoarctl token create) or "
            "sign in with fedsoarctl login --web");
    if (rc != 0)
        return rc;
    who->operator_name = buf->name;
    who->role = buf->role;
    who->site = buf->site[0] ? buf->site : NULL;
    who->actor = buf->actor;
    who->http = true;
    return 0;
}
