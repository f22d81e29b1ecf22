/*  test_http_auth.c — the sign-in rules of broker/http_auth.c, white-box
    (docs/internals/http_auth.md), against a real broker with a temporary
    store and key store: tokens (valid, expired, malformed), one-time links
    (peek consumes nothing, confirm once, Origin), sessions (CSRF and Origin
    on unsafe methods, the idle timeout with in-memory activity, the
    5-minute activity write, an operator removed from the key store,
    logout), the rate limit. The time-based rules are checked by ageing the
    stored rows, not by waiting. */
#include "http_auth_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, what)                                                                          \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("ok - %s\n", what);                                                             \
        } else {                                                                                   \
            printf("not ok - %s (%s:%d)\n", what, __FILE__, __LINE__);                             \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static broker_t *b;
static char dir[] = "/tmp/fedsoar-test-http-auth-XXXXXX";
static outbound_t out;

static caller_t curve_caller(const char *name, const char *role, char *actor, size_t n)
{
    snprintf(actor, n, "operator:%s", name);
    caller_t who = {name, role, NULL, &out, actor, false, NULL, NULL};
    return who;
}

static json_t *run(const char *cmd, json_t *args, const caller_t *who, fs_err_t *e)
{
    json_t *r = broker_control_execute(b, cmd, args, who, e);
    json_decref(args);
    return r;
}

static int resolve(json_t *auth, caller_t *who, http_who_buf_t *buf, http_problem_t *p)
{
    memset(who, 0, sizeof *who);
    memset(p, 0, sizeof *p);
    int rc = http_auth_resolve(b, auth, who, buf, p);
    json_decref(auth);
    return rc;
}

/* Signs name in through a link: the cookie and CSRF token. */
static int sign_in(const char *name, const char *role, char cookie[64], char csrf[64])
{
    char actor[64];
    caller_t who = curve_caller(name, role, actor, sizeof actor);
    fs_err_t e = {0};
    json_t *link = run("login.link", json_object(), &who, &e);
    if (!link)
        return -1;
    const char *url = json_string_value(json_object_get(link, "url"));
    json_t *args = json_pack("{s:s}", "nonce", strrchr(url, '/') + 1);
    json_t *r = http_auth_public(b, "login.confirm", args, NULL);
    const char *set = json_string_value(json_object_get(r, "set_cookie"));
    int rc = set ? 0 : -1;
    if (set) {
        const char *v = set + strlen(HTTP_SESSION_COOKIE "=");
        size_t n = strcspn(v, ";");
        snprintf(cookie, 64, "%.*s", (int)(n < 63 ? n : 63), v);
        snprintf(csrf, 64, "%s",
                 json_string_value(json_object_get(json_object_get(r, "result"), "csrf_token")));
    }
    json_decref(r);
    json_decref(args);
    json_decref(link);
    return rc;
}

/* Sets a stored session's last_seen (the cookie's row). */
static void age_session(const char *cookie, int64_t last_seen)
{
    char hash[65], key[80];
    fs_sha256_hex(cookie, strlen(cookie), hash);
    size_t klen = http_auth_session_key(hash, key, sizeof key);
    casestore_txn_t *txn;
    fs_err_t e = {0};
    if (casestore_begin(b->store, true, &txn, &e) != 0)
        abort();
    json_t *row = casestore_get_json(b->store, txn, CASESTORE_DB_HTTP, key, klen);
    json_object_set_new(row, "last_seen", json_integer(last_seen));
    casestore_put_json(b->store, txn, CASESTORE_DB_HTTP, key, klen, row, &e);
    casestore_commit(&txn, &e);
    json_decref(row);
}

static int64_t stored_last_seen(const char *cookie)
{
    char hash[65], key[80];
    fs_sha256_hex(cookie, strlen(cookie), hash);
    size_t klen = http_auth_session_key(hash, key, sizeof key);
    casestore_txn_t *txn;
    fs_err_t e = {0};
    if (casestore_begin(b->store, false, &txn, &e) != 0)
        abort();
    json_t *row = casestore_get_json(b->store, txn, CASESTORE_DB_HTTP, key, klen);
    int64_t v = row ? json_integer_value(json_object_get(row, "last_seen")) : -1;
    json_decref(row);
    casestore_abort(&txn);
    return v;
}

static json_t *session_auth(const char *cookie, bool unsafe, const char *origin, const char *csrf)
{
    json_t *a =
        json_pack("{s:s, s:s, s:b}", "session", cookie, "host", "127.0.0.1:8443", "unsafe", unsafe);
    if (origin)
        json_object_set_new(a, "origin", json_string(origin));
    if (csrf)
        json_object_set_new(a, "csrf", json_string(csrf));
    return a;
}

static void start(void)
{
    if (!mkdtemp(dir))
        abort();
    char keys[128], state[128], playbooks[128], listen[96], control[96];
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(state, sizeof state, "%s/state", dir);
    snprintf(playbooks, sizeof playbooks, "%s/playbooks", dir);
    snprintf(listen, sizeof listen, "inproc://test-http-auth-sites-%d", (int)getpid());
    snprintf(control, sizeof control, "inproc://test-http-auth-control-%d", (int)getpid());
    fs_err_t e = {0};
    fs_log_set_level(FS_LOG_ERROR);
    if (keys_init(keys, "alpha", "admin,ana:analyst", "admin", &e) != 0 ||
        fs_mkdir_p(playbooks, 0700, &e) != 0) {
        fprintf(stderr, "setup: %s\n", e.text);
        abort();
    }
    broker_config_t cfg = {.listen = listen,
                           .control = control,
                           .state_dir = state,
                           .keys_dir = keys,
                           .playbooks_dir = playbooks,
                           .map_mb = 64,
                           .correlation_window_ms = 3600000};
    b = broker_new(&cfg, &e);
    if (!b) {
        fprintf(stderr, "broker_new: %s\n", e.text);
        abort();
    }
    b->cfg.http.listen = "127.0.0.1:8443"; /* login.link needs it; no server runs here */
    if (!b->http.auth)
        b->http.auth = http_auth_new();
    outbound_init(&out);
}

static void test_tokens(void)
{
    char actor[64];
    caller_t admin = curve_caller("admin", "admin", actor, sizeof actor), who;
    http_who_buf_t buf;
    http_problem_t p;
    fs_err_t e = {0};
    json_t *t =
        run("token.create", json_pack("{s:s, s:s}", "name", "t1", "role", "analyst"), &admin, &e);
    const char *tok = json_string_value(json_object_get(t, "token"));
    CHECK(tok && strncmp(tok, "fst_", 4) == 0 && strlen(tok) == 47, "token.create: fst_ + 43");
    CHECK(!json_object_get(t, "sha256"), "token.create's answer has no hash");
    CHECK(resolve(json_pack("{s:s}", "token", tok), &who, &buf, &p) == 0 &&
              strcmp(who.role, "analyst") == 0 && strcmp(who.actor, "token:t1") == 0 && who.http &&
              !who.csrf && !who.session,
          "a token resolves to its record's role, actor token:NAME, no CSRF");
    CHECK(resolve(json_pack("{s:s, s:b}", "token", tok, "unsafe", 1), &who, &buf, &p) == 0,
          "a token needs no Origin or CSRF on an unsafe method");
    CHECK(resolve(json_pack("{s:s}", "token", "fst_short"), &who, &buf, &p) == 401,
          "a malformed token: 401");
    CHECK(resolve(json_object(), &who, &buf, &p) == 401, "no credentials: 401");

    /* an expired one: its row's expiry in the past */
    json_t *t2 = run("token.create",
                     json_pack("{s:s, s:s, s:i}", "name", "t2", "role", "admin", "expires_s", 60),
                     &admin, &e);
    char *tok2 = fs_xstrdup(json_string_value(json_object_get(t2, "token")));
    casestore_txn_t *txn;
    casestore_begin(b->store, true, &txn, &e);
    json_t *rec = casestore_get_json(b->store, txn, CASESTORE_DB_HTTP, "token:t2", 8);
    json_object_set_new(rec, "expires", json_integer(fs_now_ms() - 1));
    casestore_put_json(b->store, txn, CASESTORE_DB_HTTP, "token:t2", 8, rec, &e);
    casestore_commit(&txn, &e);
    json_decref(rec);
    CHECK(resolve(json_pack("{s:s}", "token", tok2), &who, &buf, &p) == 401 &&
              strstr(p.detail, "expired"),
          "an expired token: 401 saying so");
    json_decref(run("token.revoke", json_pack("{s:s}", "name", "t1"), &admin, &e));
    CHECK(resolve(json_pack("{s:s}", "token", tok), &who, &buf, &p) == 401, "a revoked token: 401");

    /* rate limit: 3 a minute */
    json_t *t3 =
        run("token.create", json_pack("{s:s, s:s}", "name", "t3", "role", "analyst"), &admin, &e);
    const char *tok3 = json_string_value(json_object_get(t3, "token"));
    b->cfg.http.rate_limit = 3;
    int codes[4];
    for (int i = 0; i < 4; i++)
        codes[i] = resolve(json_pack("{s:s}", "token", tok3), &who, &buf, &p);
    CHECK(codes[0] == 0 && codes[2] == 0 && codes[3] == 429 && p.retry_after >= 1 &&
              p.retry_after <= 20,
          "the 4th request at 3 a minute: 429 with retry_after 1..20 s");
    b->cfg.http.rate_limit = 0;
    json_decref(t);
    json_decref(t2);
    json_decref(t3);
    free(tok2);
}

static void test_links(void)
{
    char actor[64];
    caller_t admin = curve_caller("admin", "admin", actor, sizeof actor);
    fs_err_t e = {0};
    json_t *link = run("login.link", json_object(), &admin, &e);
    const char *url = json_string_value(json_object_get(link, "url"));
    CHECK(url && strncmp(url, "https://127.0.0.1:8443/login/", 29) == 0,
          "login.link: https://LISTEN/login/NONCE");
    json_t *args = json_pack("{s:s}", "nonce", url ? strrchr(url, '/') + 1 : "");
    json_t *r = http_auth_public(b, "login.peek", args, NULL);
    json_t *r2 = http_auth_public(b, "login.peek", args, NULL);
    CHECK(json_integer_value(json_object_get(r2, "status")) == 200 &&
              strcmp(json_string_value(json_object_get(json_object_get(r2, "result"), "operator")),
                     "admin") == 0,
          "login.peek twice: still there, names the operator");
    json_decref(r);
    json_decref(r2);
    json_t *evil = json_pack("{s:s, s:s}", "origin", "https://evil.example", "host", "x");
    r = http_auth_public(b, "login.confirm", args, evil);
    CHECK(json_integer_value(json_object_get(r, "status")) == 403,
          "login.confirm from another Origin: 403");
    json_decref(r);
    r = http_auth_public(b, "login.confirm", args, NULL);
    const char *set = json_string_value(json_object_get(r, "set_cookie"));
    CHECK(set && strstr(set, "HttpOnly") && strstr(set, "Secure") && strstr(set, "SameSite=Strict"),
          "login.confirm (not consumed by the refused one): the cookie");
    json_decref(r);
    r = http_auth_public(b, "login.confirm", args, NULL);
    CHECK(json_integer_value(json_object_get(r, "status")) == 404, "a second confirm: 404");
    json_decref(r);
    json_decref(evil);
    json_decref(args);
    json_decref(link);

    b->cfg.http.listen = NULL;
    CHECK(!run("login.link", json_object(), &admin, &e) && e.code == BROKER_E_INVALID,
          "login.link without HTTP: BROKER_E_INVALID");
    b->cfg.http.listen = "127.0.0.1:8443";
}

static void test_sessions(void)
{
    char cookie[64], csrf[64];
    caller_t who;
    http_who_buf_t buf;
    http_problem_t p;
    const char *self = "https://127.0.0.1:8443";
    CHECK(sign_in("admin", "admin", cookie, csrf) == 0, "admin signs in");
    CHECK(resolve(session_auth(cookie, false, NULL, NULL), &who, &buf, &p) == 0 &&
              strcmp(who.actor, "operator:admin") == 0 && who.csrf && strcmp(who.csrf, csrf) == 0 &&
              who.session,
          "a session resolves: operator:admin, its CSRF token");
    CHECK(resolve(session_auth(cookie, true, NULL, csrf), &who, &buf, &p) == 403,
          "unsafe without Origin: 403");
    CHECK(resolve(session_auth(cookie, true, "https://evil.example", csrf), &who, &buf, &p) == 403,
          "unsafe from another Origin: 403");
    CHECK(resolve(session_auth(cookie, true, "http://127.0.0.1:8443", csrf), &who, &buf, &p) == 403,
          "unsafe from http:// when the broker is https: 403");
    CHECK(resolve(session_auth(cookie, true, self, NULL), &who, &buf, &p) == 403,
          "unsafe without X-CSRF-Token: 403");
    CHECK(resolve(session_auth(cookie, true, self, "x"), &who, &buf, &p) == 403,
          "unsafe with a wrong X-CSRF-Token: 403");
    CHECK(resolve(session_auth(cookie, true, self, csrf), &who, &buf, &p) == 0,
          "unsafe with Origin and X-CSRF-Token: accepted");
    b->cfg.http.insecure = true;
    CHECK(resolve(session_auth(cookie, true, "http://127.0.0.1:8443", csrf), &who, &buf, &p) == 0,
          "under --http-insecure the Origin is http://HOST");
    b->cfg.http.insecure = false;

    /* activity: in memory, written at most every 5 minutes */
    int64_t now = fs_now_ms();
    age_session(cookie, now - HTTP_SESSION_IDLE_MS - 1000);
    CHECK(resolve(session_auth(cookie, false, NULL, NULL), &who, &buf, &p) == 0,
          "a stored last_seen 8 h old, but used a moment ago (memory): still valid");
    char c2[64], x2[64];
    sign_in("admin", "admin", c2, x2);
    int64_t created = stored_last_seen(c2);
    resolve(session_auth(c2, false, NULL, NULL), &who, &buf, &p);
    CHECK(stored_last_seen(c2) == created, "a request within 5 minutes writes nothing");
    char c3[64], x3[64];
    sign_in("admin", "admin", c3, x3);
    age_session(c3, fs_now_ms() - 6 * 60 * 1000);
    resolve(session_auth(c3, false, NULL, NULL), &who, &buf, &p);
    CHECK(stored_last_seen(c3) >= now, "a request 6 minutes after the stored one writes it");
    char c4[64], x4[64];
    sign_in("admin", "admin", c4, x4);
    age_session(c4, fs_now_ms() - HTTP_SESSION_IDLE_MS - 1000);
    CHECK(resolve(session_auth(c4, false, NULL, NULL), &who, &buf, &p) == 401 &&
              stored_last_seen(c4) == -1,
          "a session idle 8 h: 401 and its row deleted");

    /* logout */
    CHECK(resolve(session_auth(c2, true, self, x2), &who, &buf, &p) == 0, "c2 resolves");
    who.out = &out;
    fs_err_t e = {0};
    json_t *r = broker_control_execute(b, "session.logout", NULL, &who, &e);
    CHECK(r && resolve(session_auth(c2, false, NULL, NULL), &who, &buf, &p) == 401,
          "session.logout ends the calling session");
    json_decref(r);

    /* an operator removed from the key store */
    char ca[64], xa[64], path[256];
    CHECK(sign_in("ana", "analyst", ca, xa) == 0 &&
              resolve(session_auth(ca, false, NULL, NULL), &who, &buf, &p) == 0 &&
              strcmp(who.role, "analyst") == 0,
          "ana signs in, role analyst from the key store");
    snprintf(path, sizeof path, "%s/keys/trusted/operators/ana.cert", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/keys", dir);
    keystore_t *ks = keystore_load(path, &e);
    if (ks) {
        keystore_destroy(&b->keys);
        b->keys = ks;
    }
    CHECK(ks && resolve(session_auth(ca, false, NULL, NULL), &who, &buf, &p) == 401,
          "ana's key removed: her session is 401");
}

int main(void)
{
    fs_memory_policy_install();
    start();
    test_tokens();
    test_links();
    test_sessions();
    outbound_clear(&out);
    http_auth_destroy(&b->http.auth);
    broker_destroy(&b);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    printf("%s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}
