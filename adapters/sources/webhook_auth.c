/*  webhook_auth.c — who may POST to a webhook source (webhook_internal.h):

      token      a shared secret, as the header token_header
                 ("X-Fedsoar-Token"), as "Authorization: Bearer T", or as
                 the query parameter ?token= for senders that cannot set
                 headers (it then sits in every access log on the way);
      signature  "hmac": {"secret_file", "scheme", ...}: HMAC-SHA256 of the
                 body, hex, in a header:
                   github       header X-Hub-Signature-256: sha256=HEX of
                                the body (no timestamp: a captured request
                                can be replayed; use it over TLS);
                   timestamped  header X-Fedsoar-Signature: HEX (an
                                optional "sha256=" or "v1=" prefix) of
                                TIMESTAMP "." BODY, TIMESTAMP (Unix seconds)
                                in X-Fedsoar-Timestamp; refused outside
                                max_skew_s of this host's clock, and refused
                                when the same signature was seen within the
                                window (a replay).

    Both may be configured; then both are required.  Comparisons are
    constant-time.  The replay memory is a FIFO ring of (MAC, expiry) with
    an open-addressing index: bounded (max_remembered entries); when full
    of unexpired entries a new signature is refused (503 by the caller)
    rather than forgetting one that could then be replayed. */
#include "webhook_internal.h"

#include "connector_support.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define MAC_LEN 32

/* ---- the replay memory -------------------------------------------------------- */

typedef struct {
    unsigned char mac[MAC_LEN];
    int64_t expires_s;
} seen_t;

struct webhook_replay {
    pthread_mutex_t mu;
    seen_t *ring;
    size_t cap, head, count; /* ring[head] is the oldest */
    uint32_t *index;         /* ring position + 1; 0 = empty */
    size_t index_mask;
};

static webhook_replay_t *replay_new(size_t cap)
{
    webhook_replay_t *r = fs_xcalloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    r->cap = cap;
    r->ring = fs_xcalloc(cap, sizeof *r->ring);
    size_t n = 2;
    while (n < cap * 2)
        n <<= 1;
    r->index = fs_xcalloc(n, sizeof *r->index);
    r->index_mask = n - 1;
    return r;
}

static void replay_destroy(webhook_replay_t **p)
{
    if (!*p)
        return;
    pthread_mutex_destroy(&(*p)->mu);
    free((*p)->ring);
    free((*p)->index);
    free(*p);
    *p = NULL;
}

static size_t slot_of(const webhook_replay_t *r, const unsigned char *mac)
{
    uint32_t h;
    memcpy(&h, mac, sizeof h); /* a MAC is uniformly distributed */
    return h & r->index_mask;
}

/* Removes ring position pos from the index (linear probing, backward shift). */
static void index_remove(webhook_replay_t *r, size_t pos)
{
    size_t i = slot_of(r, r->ring[pos].mac);
    while (r->index[i] != pos + 1)
        i = (i + 1) & r->index_mask;
    r->index[i] = 0;
    for (size_t j = (i + 1) & r->index_mask; r->index[j]; j = (j + 1) & r->index_mask) {
        size_t home = slot_of(r, r->ring[r->index[j] - 1].mac);
        /* move j into the hole at i when its home is not in (i, j] */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            r->index[i] = r->index[j];
            r->index[j] = 0;
            i = j;
        }
    }
}

/* 0: new (remembered until expires_s), 1: seen within the window, 2: full. */
static int replay_check(webhook_replay_t *r, const unsigned char *mac, int64_t now_s,
                        int64_t expires_s)
{
    pthread_mutex_lock(&r->mu);
    while (r->count && r->ring[r->head].expires_s < now_s) {
        index_remove(r, r->head);
        r->head = (r->head + 1) % r->cap;
        r->count--;
    }
    size_t i = slot_of(r, mac);
    for (; r->index[i]; i = (i + 1) & r->index_mask)
        if (CRYPTO_memcmp(r->ring[r->index[i] - 1].mac, mac, MAC_LEN) == 0) {
            pthread_mutex_unlock(&r->mu);
            return 1;
        }
    if (r->count == r->cap) {
        pthread_mutex_unlock(&r->mu);
        return 2;
    }
    size_t pos = (r->head + r->count) % r->cap;
    memcpy(r->ring[pos].mac, mac, MAC_LEN);
    r->ring[pos].expires_s = expires_s;
    r->index[i] = (uint32_t)(pos + 1);
    r->count++;
    pthread_mutex_unlock(&r->mu);
    return 0;
}

/* ---- comparisons and the MAC ------------------------------------------------------- */

bool webhook_secret_equal(const void *given, size_t given_len, const void *want, size_t want_len)
{
    const unsigned char *g = given, *w = want;
    unsigned char diff = (unsigned char)(given_len != want_len);
    for (size_t i = 0; i < want_len; i++)
        diff |= (unsigned char)(w[i] ^ (i < given_len ? g[i] : 0));
    return diff == 0;
}

/* HMAC-SHA256 of the concatenation of n parts. 0, or -1. */
static int hmac_sha256(const unsigned char *key, size_t key_len, const char *const *part,
                       const size_t *part_len, size_t n, unsigned char out[MAC_LEN])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    size_t got = 0;
    int ok = ctx && EVP_MAC_init(ctx, key, key_len, params) == 1;
    for (size_t i = 0; ok && i < n; i++)
        ok = !part_len[i] || EVP_MAC_update(ctx, (const unsigned char *)part[i], part_len[i]) == 1;
    ok = ok && EVP_MAC_final(ctx, out, &got, MAC_LEN) == 1 && got == MAC_LEN;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok ? 0 : -1;
}

/* "sha256=HEX", "v1=HEX" or "HEX" (64 hex digits) into 32 bytes. */
static int parse_signature(const char *v, unsigned char out[MAC_LEN])
{
    const char *eq = strchr(v, '=');
    const char *hex = eq && eq - v <= 16 ? eq + 1 : v;
    if (strlen(hex) != 2 * MAC_LEN)
        return -1;
    for (size_t i = 0; i < MAC_LEN; i++) {
        int hi = OPENSSL_hexchar2int((unsigned char)hex[2 * i]);
        int lo = OPENSSL_hexchar2int((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

/* ---- the checks -------------------------------------------------------------------- */

const char *webhook_auth_token(const webhook_auth_t *au, struct MHD_Connection *c)
{
    if (!au->token_on)
        return NULL;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, au->token_header);
    const char *bearer =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *q =
        au->query_token ? MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token") : NULL;
    const char *given = h ? h : bearer && strncasecmp(bearer, "Bearer ", 7) == 0 ? bearer + 7 : q;
    if (given &&
        webhook_secret_equal(given, strlen(given), au->token, strnlen(au->token, sizeof au->token)))
        return NULL;
    return "missing or wrong shared secret";
}

const char *webhook_auth_signature(webhook_auth_t *au, struct MHD_Connection *c, const char *body,
                                   size_t len, int64_t now_s)
{
    if (!au->hmac_on)
        return NULL;
    const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, au->sig_header);
    unsigned char given[MAC_LEN], want[MAC_LEN];
    if (!sig || parse_signature(sig, given) != 0)
        return "missing or malformed signature header";
    const char *ts = NULL;
    int64_t t = 0;
    if (au->scheme == WEBHOOK_HMAC_TIMESTAMPED) {
        uint64_t u = 0;
        ts = MHD_lookup_connection_value(c, MHD_HEADER_KIND, au->ts_header);
        if (!ts || fs_parse_u64(ts, &u) != 0 || u > (uint64_t)INT64_MAX / 2)
            return "missing or malformed timestamp header (Unix seconds)";
        t = (int64_t)u;
        if (t < now_s - au->max_skew_s || t > now_s + au->max_skew_s)
            return "timestamp outside the allowed clock skew (stale or from the future)";
    }
    /* github: the body; timestamped: TIMESTAMP "." BODY */
    const char *part[3] = {ts, ".", body};
    size_t part_len[3] = {ts ? strlen(ts) : 0, 1, len};
    int rc = ts ? hmac_sha256(au->secret, au->secret_len, part, part_len, 3, want)
                : hmac_sha256(au->secret, au->secret_len, part + 2, part_len + 2, 1, want);
    if (rc != 0 || CRYPTO_memcmp(given, want, MAC_LEN) != 0)
        return "wrong signature";
    if (au->replay) {
        int seen = replay_check(au->replay, want, now_s, t + au->max_skew_s);
        if (seen == 1)
            return "replayed signature (already seen within max_skew_s)";
        if (seen == 2)
            return "too many signed requests within max_skew_s to remember; try again later";
    }
    return NULL;
}

/* ---- configuration ----------------------------------------------------------------- */

static int header_name(char *out, size_t size, const json_t *cfg, const char *key, const char *dflt,
                       fs_err_t *e)
{
    const char *v = json_string_value(json_object_get(cfg, key));
    if (snprintf(out, size, "%s", v ? v : dflt) >= (int)size)
        return fs_err_set(e, "%s: at most %zu bytes", key, size - 1);
    return 0;
}

int webhook_auth_init(webhook_auth_t *au, const json_t *config, bool splunk_defaults, fs_err_t *e)
{
    (void)splunk_defaults;
    const json_t *hmac = json_object_get(config, "hmac");
    bool open = json_is_true(json_object_get(config, "allow_unauthenticated"));
    au->query_token = !json_is_false(json_object_get(config, "query_token"));
    if (header_name(au->token_header, sizeof au->token_header, config, "token_header",
                    "X-Fedsoar-Token", e) != 0)
        return -1;
    bool has_token = json_object_get(config, "token_file") ||
                     json_object_get(config, "token_env") || json_object_get(config, "token");
    if (has_token || (!hmac && !open)) {
        if (http_secret_load(config, "token", au->token, sizeof au->token, e) != 0)
            return -1;
        if (!au->token[0])
            return fs_err_set(e, "token_file or token_env: the shared secret is empty");
        au->token_on = true;
    }
    if (!hmac)
        return 0;
    char secret[sizeof au->secret];
    if (http_secret_load(hmac, "secret", secret, sizeof secret, e) != 0) {
        char msg[sizeof e->text];
        snprintf(msg, sizeof msg, "%s", e->text);
        return fs_err_set(e, "hmac.%s", msg);
    }
    au->secret_len = strlen(secret);
    memcpy(au->secret, secret, au->secret_len);
    OPENSSL_cleanse(secret, sizeof secret);
    const char *scheme = json_string_value(json_object_get(hmac, "scheme"));
    au->scheme =
        scheme && strcmp(scheme, "github") == 0 ? WEBHOOK_HMAC_GITHUB : WEBHOOK_HMAC_TIMESTAMPED;
    if (header_name(au->sig_header, sizeof au->sig_header, hmac, "header",
                    au->scheme == WEBHOOK_HMAC_GITHUB ? "X-Hub-Signature-256"
                                                      : "X-Fedsoar-Signature",
                    e) != 0 ||
        header_name(au->ts_header, sizeof au->ts_header, hmac, "timestamp_header",
                    "X-Fedsoar-Timestamp", e) != 0)
        return -1;
    json_int_t skew = json_integer_value(json_object_get(hmac, "max_skew_s"));
    au->max_skew_s = skew > 0 ? skew : 300;
    json_int_t keep = json_integer_value(json_object_get(hmac, "max_remembered"));
    if (au->scheme == WEBHOOK_HMAC_TIMESTAMPED)
        au->replay = replay_new(keep > 0 ? (size_t)keep : 100000);
    au->hmac_on = true;
    return 0;
}

void webhook_auth_release(webhook_auth_t *au)
{
    OPENSSL_cleanse(au->token, sizeof au->token);
    OPENSSL_cleanse(au->secret, sizeof au->secret);
    replay_destroy(&au->replay);
}
