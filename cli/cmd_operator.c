/*  cmd_operator.c — an operator's credentials beyond the key files:
      fedsoarctl operator passkey enroll NAME [--timeout SECONDS]
    asks the broker (CURVE, your operator key: yourself, or an admin for
    another) for a one-time enrollment link, prints it as the last line of
    stdout, waits while the person opens it and creates the passkey in the
    browser (polling passkey.enroll.result each second), checks what comes
    back, shows its fingerprint and writes
    KEYS/signing/operators/NAME.passkey.json (0644, atomic) into the --keys
    layout. The broker and the sites trust that file like NAME.sign.pub.pem
    once it is there (docs/security.md "Passkeys"); the broker never writes
    it: trust lands in the key store by this key-holding action. */
#include "cli.h"

#include "webauthn.h"

#include <string.h>
#include <time.h>

#define ENROLL_TIMEOUT_DEFAULT_S 300
#define ENROLL_TIMEOUT_MAX_S 3600

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Checks the broker's answer and writes the passkey file. */
static int write_passkey(const cli_opts_t *o, const char *name, const char *rp_id, json_t *r)
{
    json_t *doc = json_pack("{s:O?, s:O?, s:O?, s:O?, s:s, s:O?, s:I}", "credential_id",
                            json_object_get(r, "credential_id"), "public_key_pem",
                            json_object_get(r, "public_key_pem"), "alg", json_object_get(r, "alg"),
                            "rp_id", json_object_get(r, "rp_id"), "operator", name, "fingerprint",
                            json_object_get(r, "fingerprint"), "enrolled", (json_int_t)fs_now_ms());
    char fingerprint[65];
    fs_err_t e = {0};
    const char *got_op = json_string_value(json_object_get(r, "operator"));
    const char *got_rp = json_string_value(json_object_get(r, "rp_id"));
    if (!doc || !got_op || strcmp(got_op, name) != 0 || !got_rp || strcmp(got_rp, rp_id) != 0) {
        fprintf(stderr,
                "fedsoarctl: operator passkey enroll: the broker answered for another operator "
                "or RP ID; nothing written\n");
        json_decref(doc);
        return CLI_REFUSED;
    }
    /* the fingerprint is recomputed from the key, never taken on trust */
    if (governance_webauthn_passkey_check(doc, fingerprint, &e) != 0) {
        fprintf(stderr, "fedsoarctl: operator passkey enroll: %s; nothing written\n", e.text);
        json_decref(doc);
        return CLI_REFUSED;
    }
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/signing/operators", o->keys_dir);
    snprintf(path, sizeof path, "%s/%s.passkey.json", dir, name);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(doc);
    size_t len = strlen(text);
    text = fs_xrealloc(text, len + 2);
    text[len++] = '\n';
    text[len] = '\0';
    int rc = fs_mkdir_p(dir, 0755, &e) == 0 && fs_file_write_atomic(path, text, len, 0644, &e) == 0
                 ? CLI_OK
                 : CLI_USAGE;
    free(text);
    if (rc != CLI_OK) {
        fprintf(stderr, "fedsoarctl: operator passkey enroll: %s\n", e.text);
        return rc;
    }
    long long alg = json_integer_value(json_object_get(r, "alg"));
    fprintf(stderr,
            "passkey of operator %s enrolled (%s, RP ID %s)\n"
            "fingerprint SHA256:%s\n"
            "written to %s: copy it beside %s.sign.pub.pem wherever that is trusted (the "
            "broker's key layout, each site's trusted operators directory)\n",
            name, alg == GOVERNANCE_WEBAUTHN_ES256 ? "ES256" : "EdDSA", rp_id, fingerprint, path,
            name);
    return CLI_OK;
}

static int passkey_enroll(const cli_opts_t *o, const char *name, long long timeout_s)
{
    int rc = CLI_OK;
    json_t *r = cli_call(o, "passkey.enroll", json_pack("{s:s}", "operator", name), &rc);
    if (!r)
        return rc;
    char nonce[64], rp_id[GOVERNANCE_WEBAUTHN_RP_ID_MAX + 1];
    snprintf(nonce, sizeof nonce, "%s", json_string_value(json_object_get(r, "nonce")));
    snprintf(rp_id, sizeof rp_id, "%s", json_string_value(json_object_get(r, "rp_id")));
    long long expires = json_integer_value(json_object_get(r, "expires_in_s"));
    fprintf(stderr,
            "open this link in the browser of operator %s within %lld s and create the passkey "
            "there (it asks for your PIN or biometric); waiting up to %lld s ...\n",
            name, expires, timeout_s);
    printf("%s\n", json_string_value(json_object_get(r, "url")));
    fflush(stdout);
    json_decref(r);
    int64_t deadline = fs_mono_ms() + timeout_s * 1000;
    while (fs_mono_ms() < deadline) {
        sleep_ms(1000);
        r = cli_call(o, "passkey.enroll.result", json_pack("{s:s}", "nonce", nonce), &rc);
        if (!r)
            return rc;
        const char *state = json_string_value(json_object_get(r, "state"));
        if (state && strcmp(state, "done") == 0) {
            rc = write_passkey(o, name, rp_id, r);
            json_decref(r);
            return rc;
        }
        json_decref(r);
    }
    fprintf(stderr,
            "fedsoarctl: operator passkey enroll: no passkey was registered within %lld s; "
            "nothing written\n",
            timeout_s);
    return CLI_REFUSED;
}

int cmd_operator(const cli_opts_t *o, int argc, char **argv)
{
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    if (!sub || !cli_is_subcommand("operator", sub))
        return cli_unknown_subcommand("operator", sub);
    const char *timeout = NULL, *pos[2];
    int npos = 0;
    const cli_flag_t flags[] = {{"--timeout", &timeout, NULL}, {NULL, NULL, NULL}};
    int rc = cli_parse_args("operator", sub, argc, argv, 2, flags, pos, 2, &npos);
    if (rc != 0)
        return rc;
    if (npos < 1 || strcmp(pos[0], "enroll") != 0)
        return cli_usage_error("operator", sub, "the action is \"enroll\"");
    if (npos < 2)
        return cli_usage_error("operator", sub,
                               "NAME is required (the operator the passkey is for)");
    if (!fs_is_name(pos[1], 32)) {
        fprintf(stderr,
                "fedsoarctl: operator passkey: \"%s\" is not an operator name (1-32 of "
                "[a-z0-9_-])\n",
                pos[1]);
        return CLI_USAGE;
    }
    uint64_t t = ENROLL_TIMEOUT_DEFAULT_S;
    if (timeout && (fs_parse_u64(timeout, &t) != 0 || t < 1 || t > ENROLL_TIMEOUT_MAX_S)) {
        fprintf(stderr,
                "fedsoarctl: operator passkey: --timeout \"%s\" is not a number of seconds "
                "(1-%d)\n",
                timeout, ENROLL_TIMEOUT_MAX_S);
        return CLI_USAGE;
    }
    return passkey_enroll(o, pos[1], (long long)t);
}
