/*  cmd_audit.c — fedsoarctl audit verify [--witness SITE_STATE_DIR]... [--json]
                  fedsoarctl audit verify --state-dir DIR [--keys DIR] [--witness DIR]... [--json]
   (offline) fedsoarctl audit export [--since SEQ] verify walks the hash chain and the signed
   checkpoints (docs/governance.md "Audit chain") and names the first entry that was altered,
   removed, inserted or reordered. Offline, it opens the broker's LMDB read-only (with or without a
   running broker) and checks the checkpoints with KEYS/broker.sign.pub.pem. export prints one JSON
   line per entry, for a SIEM. --witness names a site adapter's state directory: the checkpoint that
   site holds must be in the chain (a cut tail shows). Exit: 0 intact AND authenticated (checkpoints
   verified with the broker's public key), 1 broken or only consistent, 2 usage or I/O. */
#include "casestore.h"
#include "cli.h"
#include "keys.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int report(const json_t *r, bool json)
{
    bool ok = json_is_true(json_object_get(r, "ok"));
    bool authenticated = json_is_true(json_object_get(r, "authenticated"));
    if (json) {
        char *t = json_dumps(r, JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("%s\n", t ? t : "null");
        free(t);
    } else if (ok && !authenticated) {
        printf("audit chain consistent but not authenticated: %lld entries, no checkpoint verified "
               "with the "
               "broker's public signing key (KEYS/broker.sign.pub.pem), so a rewritten chain would "
               "look the same\n",
               (long long)json_integer_value(json_object_get(r, "entries")));
    } else if (ok) {
        printf("audit chain intact: %lld entries, %lld signed checkpoints (last at seq %lld), %lld "
               "entries after it\n",
               (long long)json_integer_value(json_object_get(r, "entries")),
               (long long)json_integer_value(json_object_get(r, "checkpoints")),
               (long long)json_integer_value(json_object_get(r, "last_checkpoint_seq")),
               (long long)json_integer_value(json_object_get(r, "unsigned_tail")));
    } else {
        const json_t *err = json_object_get(r, "error");
        printf("audit chain BROKEN at seq %lld: %s\n",
               (long long)json_integer_value(json_object_get(err, "seq")),
               json_string_value(json_object_get(err, "reason")));
    }
    size_t i;
    json_t *w;
    if (!json)
        json_array_foreach(json_object_get(r, "warnings"), i, w)
            fprintf(stderr, "warning: %s\n", json_string_value(w));
    if (ok && !json && json_integer_value(json_object_get(r, "witnesses")) > 0)
        printf("witnesses: %lld site checkpoint(s) found in the chain\n",
               (long long)json_integer_value(json_object_get(r, "witnesses")));
    return ok && authenticated ? 0 : 1;
}

/* --witness DIR: the checkpoint the site's adapter keeps there. */
static int add_witness(json_t *witnesses, const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/audit-witness.json", dir);
    fs_err_t e = {0};
    size_t len;
    char *text = fs_file_read(path, 64 * 1024, &len, &e);
    json_t *w = text ? fs_json_parse(text, len, &e) : NULL;
    free(text);
    if (!json_is_object(json_object_get(w, "checkpoint"))) {
        fprintf(stderr, "fedsoarctl audit verify: --witness %s: %s\n", dir,
                e.text[0] ? e.text : "audit-witness.json holds no checkpoint");
        json_decref(w);
        return -1;
    }
    json_array_append_new(witnesses, w);
    return 0;
}

static int verify_offline(const char *state_dir, const char *keys_dir, const json_t *witnesses,
                          bool json)
{
    fs_err_t e = {0};
    casestore_t *st = casestore_open_readonly(state_dir, &e);
    if (!st) {
        fprintf(stderr, "fedsoarctl audit verify: %s\n", e.text);
        return 2;
    }
    char priv[4096], pub[4096];
    const char *pubp = NULL;
    if (keys_dir &&
        keys_signing_paths(keys_dir, "broker", priv, sizeof priv, pub, sizeof pub) == 0 &&
        access(pub, R_OK) == 0)
        pubp = pub;
    else if (keys_dir)
        fprintf(stderr,
                "fedsoarctl audit verify: no %s/broker.sign.pub.pem: checkpoint signatures not "
                "checked\n",
                keys_dir);
    casestore_txn_t *txn;
    int rc = 2;
    if (casestore_begin(st, false, &txn, &e) == 0) {
        json_t *r = casestore_audit_verify(st, txn, pubp, witnesses);
        casestore_abort(&txn);
        rc = report(r, json);
        json_decref(r);
    } else {
        fprintf(stderr, "fedsoarctl audit verify: %s\n", e.text);
    }
    casestore_close(&st);
    return rc;
}

int cmd_audit(const cli_opts_t *o, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "", *state_dir = NULL, *keys = NULL, *since_s = NULL;
    bool json = false, bad = false, keys_given = false;
    json_t *witnesses = json_array();
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--witness") == 0 && i + 1 < argc) {
            if (add_witness(witnesses, argv[++i]) != 0) {
                json_decref(witnesses);
                return 2;
            }
        } else if (strcmp(argv[i], "--state-dir") == 0 && i + 1 < argc)
            state_dir = argv[++i];
        else if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc)
            keys = argv[++i], keys_given = true;
        else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
            since_s = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else {
            json_decref(witnesses);
            return cli_usage_error("audit", cli_is_subcommand("audit", sub) ? sub : NULL,
                                   "%s \"%s\"",
                                   argv[i][0] == '-' ? "unknown option (or one without its value)"
                                                     : "unexpected argument",
                                   argv[i]);
        }
    }
    bad = bad || (json_array_size(witnesses) && strcmp(sub, "verify") != 0);
    if (!cli_is_subcommand("audit", sub)) {
        json_decref(witnesses);
        return cli_unknown_subcommand("audit", argc > 1 ? argv[1] : NULL);
    }
    uint64_t since = 0;
    if (bad || (strcmp(sub, "verify") != 0 && strcmp(sub, "export") != 0) ||
        (since_s && fs_parse_u64(since_s, &since) != 0) ||
        (strcmp(sub, "verify") == 0 && since_s) || (strcmp(sub, "export") == 0 && state_dir)) {
        fprintf(stderr, "usage: fedsoarctl audit verify [--state-dir DIR [--keys DIR]] [--witness "
                        "DIR]... [--json]\n"
                        "       fedsoarctl audit export [--since SEQ]\n");
        json_decref(witnesses);
        return 2;
    }
    if (strcmp(sub, "verify") == 0) {
        int rc;
        if (state_dir) {
            rc = verify_offline(state_dir, keys_given ? keys : o->keys_dir, witnesses, json);
        } else {
            json_t *r =
                cli_call(o, "audit.verify", json_pack("{s:O}", "witnesses", witnesses), &rc);
            if (r)
                rc = report(r, json);
            json_decref(r);
        }
        json_decref(witnesses);
        return rc;
    }
    json_decref(witnesses);
    /* export: page through the log, one canonical JSON line per entry */
    for (;;) {
        int call_rc;
        json_t *r =
            cli_call(o, "audit.export", json_pack("{s:I}", "since", (json_int_t)since), &call_rc);
        if (!r)
            return call_rc;
        json_t *entries = json_object_get(r, "entries");
        size_t i;
        json_t *entry;
        json_array_foreach(entries, i, entry)
        {
            char *line = fs_json_canonical(entry);
            printf("%s\n", line ? line : "{}");
            free(line);
        }
        uint64_t last = (uint64_t)json_integer_value(json_object_get(r, "last"));
        size_t n = json_array_size(entries);
        json_decref(r);
        if (n == 0 || last <= since)
            break;
        since = last;
    }
    return 0;
}
