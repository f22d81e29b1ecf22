/*  passkey_enroll.c — enrolling an operator's passkey (passkey_internal.h).

    `fedsoarctl operator passkey enroll NAME` asks over CURVE for a
    one-time link (passkey.enroll: the operator itself, or an admin for
    another); the console page the link opens fetches the creation options
    (passkey.options), runs navigator.credentials.create and posts the new
    credential (passkey.register: its clientDataJSON must carry this
    enrollment's challenge, type webauthn.create, an origin of the RP ID;
    the key must parse and be of the announced alg). The CLI polls
    passkey.enroll.result, shows the fingerprint and writes
    KEYS/signing/operators/NAME.passkey.json itself: the broker only relays.

    The RP ID is the host of the broker's public URL (http.public_url, else
    the listen address), without port. Both steps are audited, never with
    the nonce. Design: docs/internals/passkeys.md. */
#include "passkey_internal.h"

#include "webauthn.h"

#include <openssl/evp.h>
#include <string.h>

typedef struct passkey_enrollment {
    char operator_name[33]; /* whose passkey */
    char requested_by[33];  /* who asked (the operator, or an admin) */
    char challenge[HTTP_SECRET_CHARS + 1];
    char rp_id[GOVERNANCE_WEBAUTHN_RP_ID_MAX + 1];
    int64_t expires_mono;
    int failures;
    bool done;
    int alg;
    char credential_id[GOVERNANCE_WEBAUTHN_CREDENTIAL_ID_MAX * 4 / 3 + 4];
    char public_key_pem[1024];
    char fingerprint[65];
} passkey_enrollment_t;

static bool is_admin(const caller_t *who)
{
    return who->role && strcmp(who->role, "admin") == 0;
}

static bool enrollment_expired(const void *item, int64_t now)
{
    return now >= ((const passkey_enrollment_t *)item)->expires_mono;
}

/* The host of a URL, lowercased, without port: the RP ID. -1 when there is
   none or it is not a DNS name (an IP address cannot be an RP ID). */
static int rp_id_of(const char *url, char *out, size_t size)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, ":/?#");
    if (n == 0 || n >= size || p[0] == '[')
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
    out[n] = '\0';
    return governance_webauthn_rp_id_ok(out) ? 0 : -1;
}

/* Appends one audit entry in its own transaction (the public routes have none). */
static int audit_own_txn(broker_t *b, const char *kind, const char *actor, json_t *subject,
                         json_t *details)
{
    fs_err_t e = {0};
    casestore_txn_t *txn = NULL;
    int rc =
        casestore_begin(b->store, true, &txn, &e) == 0 &&
                casestore_audit_append(b->store, txn, kind, actor, subject, details, &e) == 0 &&
                casestore_commit(&txn, &e) == 0
            ? 0
            : -1;
    casestore_abort(&txn);
    json_decref(subject);
    json_decref(details);
    if (rc != 0)
        fs_log(FS_LOG_ERROR, "broker", "passkey_audit_failed", "kind=%s error=\"%s\"", kind,
               e.text);
    return rc;
}

json_t *control_passkey_enroll(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    const json_t *named = json_object_get(args, "operator");
    const char *op = named ? json_string_value(named) : who->operator_name;
    if (!b->cfg.http.listen || !b->http.auth) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "the broker's HTTPS API is off: the enrollment page is served by it (start the "
                    "broker with --http ADDR:PORT, config http.listen)");
        return NULL;
    }
    if (!fs_is_name(op, 32)) {
        fs_err_setc(e, BROKER_E_INVALID, "operator: not an operator name (1-32 of [a-z0-9_-])");
        return NULL;
    }
    if (strcmp(op, who->operator_name) != 0 && !is_admin(who)) {
        fs_err_setc(e, BROKER_E_DENIED,
                    "an operator enrolls its own passkey; only an admin may enroll one for %s", op);
        return NULL;
    }
    if (!keystore_find_operator(b->keys, op)) {
        fs_err_setc(e, BROKER_E_NOT_FOUND,
                    "\"%s\" is not an operator of the key store (KEYS/trusted/operators)", op);
        return NULL;
    }
    char base[400], rp_id[GOVERNANCE_WEBAUTHN_RP_ID_MAX + 1];
    broker_public_url(b, base, sizeof base);
    if (rp_id_of(base, rp_id, sizeof rp_id) != 0) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "the broker's public URL %s has no host name a passkey can be bound to "
                    "(browsers refuse IP addresses as a WebAuthn RP ID): set http.public_url to "
                    "https://NAME:PORT, e.g. https://localhost:8443",
                    base);
        return NULL;
    }
    zhashx_t *t = b->http.auth->passkeys;
    int64_t now = fs_mono_ms();
    http_auth_table_prune(t, enrollment_expired, now);
    if (zhashx_size(t) >= PASSKEY_ENROLL_MAX) {
        fs_err_setc(e, BROKER_E_CONFLICT, "%d passkey enrollments are pending; wait for them",
                    PASSKEY_ENROLL_MAX);
        return NULL;
    }
    char nonce[HTTP_SECRET_CHARS + 1];
    passkey_enrollment_t *p = fs_xcalloc(1, sizeof *p);
    if (http_auth_random(nonce) != 0 || http_auth_random(p->challenge) != 0) {
        free(p);
        fs_err_set(e, "the random number generator failed: no enrollment was started");
        return NULL;
    }
    snprintf(p->operator_name, sizeof p->operator_name, "%s", op);
    snprintf(p->requested_by, sizeof p->requested_by, "%s", who->operator_name);
    snprintf(p->rp_id, sizeof p->rp_id, "%s", rp_id);
    p->expires_mono = now + PASSKEY_ENROLL_TTL_MS;
    json_t *subject = json_pack("{s:s}", "operator", op);
    json_t *details = json_pack("{s:s, s:I}", "rp_id", rp_id, "expires_in_s",
                                (json_int_t)(PASSKEY_ENROLL_TTL_MS / 1000));
    int rc = casestore_audit_append(b->store, txn, "passkey.enroll_started", who->actor, subject,
                                    details, e);
    json_decref(subject);
    json_decref(details);
    if (rc != 0) {
        free(p);
        return NULL;
    }
    zhashx_insert(t, nonce, p);
    char url[600];
    snprintf(url, sizeof url, "%s/#/enroll/%s", base, nonce);
    fs_log(FS_LOG_INFO, "broker", "passkey_enroll_started", "operator=%s by=%s rp_id=%s", op,
           who->operator_name, rp_id);
    return json_pack("{s:s, s:s, s:s, s:s, s:I}", "url", url, "nonce", nonce, "rp_id", rp_id,
                     "operator", op, "expires_in_s", (json_int_t)(PASSKEY_ENROLL_TTL_MS / 1000));
}

json_t *control_passkey_enroll_result(broker_t *b, casestore_txn_t *txn, const json_t *args,
                                      const caller_t *who, fs_err_t *e)
{
    (void)txn;
    const char *nonce = json_string_value(json_object_get(args, "nonce"));
    zhashx_t *t = b->http.auth ? b->http.auth->passkeys : NULL;
    if (t)
        http_auth_table_prune(t, enrollment_expired, fs_mono_ms());
    passkey_enrollment_t *p = t && nonce ? zhashx_lookup(t, nonce) : NULL;
    /* Another operator's enrollment is "not found" unless you are an admin. */
    if (!p || (!is_admin(who) && strcmp(p->requested_by, who->operator_name) != 0 &&
               strcmp(p->operator_name, who->operator_name) != 0)) {
        fs_err_setc(e, BROKER_E_NOT_FOUND,
                    "no pending passkey enrollment with this nonce (expired after %lld s, already "
                    "fetched, or never made): start again with fedsoarctl operator passkey enroll",
                    PASSKEY_ENROLL_TTL_MS / 1000);
        return NULL;
    }
    if (!p->done)
        return json_pack("{s:s, s:s, s:I}", "state", "waiting", "operator", p->operator_name,
                         "expires_in_s",
                         (json_int_t)((p->expires_mono - fs_mono_ms() + 999) / 1000));
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "state", "done", "operator",
                          p->operator_name, "credential_id", p->credential_id, "public_key_pem",
                          p->public_key_pem, "alg", p->alg, "rp_id", p->rp_id, "fingerprint",
                          p->fingerprint);
    zhashx_delete(t, nonce); /* handed over once */
    return r;
}

/* ---- the public side: the enrollment page -------------------------------------- */

static json_t *options(const passkey_enrollment_t *p)
{
    unsigned char id[32];
    char user_id[48], seed[64];
    /* A stable, opaque user handle per operator (WebAuthn: no personal data). */
    snprintf(seed, sizeof seed, "fedsoar-operator:%s", p->operator_name);
    EVP_Digest(seed, strlen(seed), id, NULL, EVP_sha256(), NULL);
    governance_b64url_encode(id, sizeof id, user_id, sizeof user_id);
    int64_t left = p->expires_mono - fs_mono_ms();
    return json_pack("{s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:s, s:[{s:s, s:i}, {s:s, s:i}],"
                     " s:{s:s, s:s, s:b}, s:s, s:I, s:[]}",
                     "rp", "id", p->rp_id, "name", "fedsoar", "user", "id", user_id, "name",
                     p->operator_name, "displayName", p->operator_name, "challenge", p->challenge,
                     "pubKeyCredParams", "type", "public-key", "alg", GOVERNANCE_WEBAUTHN_EDDSA,
                     "type", "public-key", "alg", GOVERNANCE_WEBAUTHN_ES256,
                     "authenticatorSelection", "userVerification", "required", "residentKey",
                     "preferred", "requireResidentKey", 0, "attestation", "none", "timeout",
                     (json_int_t)(left > 0 ? left : 0), "excludeCredentials");
}

static json_t *registered(broker_t *b, const char *nonce, passkey_enrollment_t *p,
                          const json_t *args, const json_t *auth)
{
    /* Like login.confirm: when the browser says where the POST comes from,
       it must be the broker's own page. */
    const char *origin = json_string_value(json_object_get(auth, "origin"));
    const char *host = json_string_value(json_object_get(auth, "host"));
    if (origin) {
        const char *scheme = b->cfg.http.insecure ? "http://" : "https://";
        size_t sn = strlen(scheme);
        if (!host || strncmp(origin, scheme, sn) != 0 || strcmp(origin + sn, host) != 0)
            return http_problem_reply(403, "the passkey was posted from another site (Origin is "
                                           "not this broker): use the enrollment page itself");
    }
    const json_t *alg = json_object_get(args, "alg");
    fs_err_t e = {0};
    json_t *doc =
        json_is_integer(alg) && json_integer_value(alg) >= -1000 && json_integer_value(alg) <= 1000
            ? governance_webauthn_registration_check(
                  p->rp_id, p->challenge, json_string_value(json_object_get(args, "credential_id")),
                  json_string_value(json_object_get(args, "public_key")),
                  (int)json_integer_value(alg),
                  json_string_value(json_object_get(args, "client_data_json")), &e)
            : NULL;
    if (!doc && !e.text[0])
        snprintf(e.text, sizeof e.text,
                 "passkey registration: alg is not -7 (ES256) or -8 (EdDSA)");
    const char *pem = json_string_value(json_object_get(doc, "public_key_pem"));
    const char *cid = json_string_value(json_object_get(doc, "credential_id"));
    if (doc &&
        (strlen(pem) >= sizeof p->public_key_pem || strlen(cid) >= sizeof p->credential_id)) {
        snprintf(e.text, sizeof e.text, "passkey registration: the key or the id is too long");
        json_decref(doc);
        doc = NULL;
    }
    if (!doc) {
        char q[600];
        fs_log(FS_LOG_WARN, "broker", "passkey_register_refused", "operator=%s reason=%s",
               p->operator_name, fs_log_quote(q, sizeof q, e.text));
        if (++p->failures >= PASSKEY_REGISTER_TRIES)
            zhashx_delete(b->http.auth->passkeys, nonce); /* p is gone */
        return http_problem_reply(400, e.text);
    }
    snprintf(p->credential_id, sizeof p->credential_id, "%s", cid);
    snprintf(p->public_key_pem, sizeof p->public_key_pem, "%s", pem);
    snprintf(p->fingerprint, sizeof p->fingerprint, "%s",
             json_string_value(json_object_get(doc, "fingerprint")));
    p->alg = (int)json_integer_value(alg);
    p->done = true;
    json_decref(doc);
    char actor[64];
    snprintf(actor, sizeof actor, "operator:%s", p->operator_name);
    audit_own_txn(b, "passkey.registered", actor, json_pack("{s:s}", "operator", p->operator_name),
                  json_pack("{s:s, s:i, s:s, s:s}", "fingerprint", p->fingerprint, "alg", p->alg,
                            "rp_id", p->rp_id, "requested_by", p->requested_by));
    fs_log(FS_LOG_INFO, "broker", "passkey_registered", "operator=%s alg=%d fingerprint=%.16s",
           p->operator_name, p->alg, p->fingerprint);
    return json_pack("{s:i, s:{s:s, s:s, s:i, s:s}}", "status", 200, "result", "operator",
                     p->operator_name, "fingerprint", p->fingerprint, "alg", p->alg, "next",
                     "the fedsoarctl that made the link now writes the passkey into its key "
                     "store: compare the fingerprint it shows with this one");
}

json_t *passkey_public(broker_t *b, const char *cmd, const json_t *args, const json_t *auth)
{
    bool opts = strcmp(cmd, "passkey.options") == 0;
    if (!opts && strcmp(cmd, "passkey.register") != 0)
        return http_problem_reply(404, "no such public route");
    if (!b->http.auth)
        return http_problem_reply(500, "sign-in is not running");
    const char *nonce = json_string_value(json_object_get(args, "nonce"));
    zhashx_t *t = b->http.auth->passkeys;
    http_auth_table_prune(t, enrollment_expired, fs_mono_ms());
    passkey_enrollment_t *p = nonce ? zhashx_lookup(t, nonce) : NULL;
    if (!p)
        return http_problem_reply(404, "this passkey enrollment link is unknown, used or expired "
                                       "(a link works once, within 5 minutes): run fedsoarctl "
                                       "operator passkey enroll again");
    if (p->done)
        return http_problem_reply(409, "a passkey was already registered with this link");
    return opts ? json_pack("{s:i, s:o}", "status", 200, "result", options(p))
                : registered(b, nonce, p, args, auth);
}
