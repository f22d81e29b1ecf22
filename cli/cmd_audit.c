/*  cmd_audit.c — fedsoarctl audit verify [--json]
                  fedsoarctl audit verify --state-dir DIR [--keys DIR] [--json]   (offline)
                  fedsoarctl audit export [--since SEQ]
    verify walks the hash chain and the signed checkpoints
    (docs/governance.md "Audit chain") and names the first entry that was
    altered, removed, inserted or reordered. Offline, it opens the broker's
    LMDB read-only (with or without a running broker) and checks the
    checkpoints with KEYS/broker.sign.pub.pem. export prints one JSON line
    per entry, for a SIEM. Exit: 0 intact, 1 broken, 2 usage or I/O. */
#include "broker.h"
#include "cli.h"
#include "federation.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int report(const json_t *r, bool json)
{
    bool ok = json_is_true(json_object_get(r, "ok"));
    if (json) {
        char *t = json_dumps(r, JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("%s\n", t ? t : "null");
        free(t);
    } else if (ok) {
        printf("audit chain intact: %lld entries, %lld signed checkpoints (last at seq %lld), %lld entries after it\n",
               (long long)json_integer_value(json_object_get(r, "entries")),
               (long long)json_integer_value(json_object_get(r, "checkpoints")),
               (long long)json_integer_value(json_object_get(r, "last_checkpoint_seq")),
               (long long)json_integer_value(json_object_get(r, "unsigned_tail")));
    } else {
        const json_t *err = json_object_get(r, "error");
        printf("audit chain BROKEN at seq %lld: %s\n", (long long)json_integer_value(json_object_get(err, "seq")),
               json_string_value(json_object_get(err, "reason")));
    }
    size_t i;
    json_t *w;
    if (!json)
        json_array_foreach(json_object_get(r, "warnings"), i, w) fprintf(stderr, "warning: %s\n", json_string_value(w));
    return ok ? 0 : 1;
}

static int verify_offline(const char *state_dir, const char *keys_dir, bool json)
{
    fs_err_t e = {{0}};
    store_t *st = store_open_readonly(state_dir, &e);
    if (!st) {
        fprintf(stderr, "fedsoarctl audit verify: %s\n", e.text);
        return 2;
    }
    char priv[4096], pub[4096];
    const char *pubp = NULL;
    if (keys_dir && keys_signing_paths(keys_dir, "broker", priv, sizeof priv, pub, sizeof pub) == 0 &&
        access(pub, R_OK) == 0)
        pubp = pub;
    else if (keys_dir)
        fprintf(stderr, "fedsoarctl audit verify: no %s/broker.sign.pub.pem: checkpoint signatures not checked\n",
                keys_dir);
    MDB_txn *txn;
    int rc = 2;
    if (store_begin(st, false, &txn, &e) == 0) {
        json_t *r = audit_verify(st, txn, pubp);
        store_abort(&txn);
        rc = report(r, json);
        json_decref(r);
    } else {
        fprintf(stderr, "fedsoarctl audit verify: %s\n", e.text);
    }
    store_close(&st);
    return rc;
}

int cmd_audit(const cli_opts_t *o, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "", *state_dir = NULL, *keys = NULL, *since_s = NULL;
    bool json = false, bad = false, keys_given = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--state-dir") == 0 && i + 1 < argc)
            state_dir = argv[++i];
        else if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc)
            keys = argv[++i], keys_given = true;
        else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
            since_s = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else
            return cli_usage_error("audit", cli_is_subcommand("audit", sub) ? sub : NULL, "%s \"%s\"",
                                   argv[i][0] == '-' ? "unknown option (or one without its value)"
                                                     : "unexpected argument",
                                   argv[i]);
    }
    if (!cli_is_subcommand("audit", sub))
        return cli_unknown_subcommand("audit", argc > 1 ? argv[1] : NULL);
    uint64_t since = 0;
    if (bad || (strcmp(sub, "verify") != 0 && strcmp(sub, "export") != 0) ||
        (since_s && fs_parse_u64(since_s, &since) != 0) || (strcmp(sub, "verify") == 0 && since_s) ||
        (strcmp(sub, "export") == 0 && state_dir)) {
        fprintf(stderr, "usage: fedsoarctl audit verify [--state-dir DIR [--keys DIR]] [--json]\n"
                        "       fedsoarctl audit export [--since SEQ]\n");
        return 2;
    }
    if (strcmp(sub, "verify") == 0) {
        if (state_dir)
            return verify_offline(state_dir, keys_given ? keys : o->keys_dir, json);
        int call_rc;
        json_t *r = cli_call(o, "audit.verify", json_object(), &call_rc);
        if (!r)
            return call_rc;
        int rc = report(r, json);
        json_decref(r);
        return rc;
    }
    /* export: page through the log, one canonical JSON line per entry */
    for (;;) {
        int call_rc;
        json_t *r = cli_call(o, "audit.export", json_pack("{s:I}", "since", (json_int_t)since), &call_rc);
        if (!r)
            return call_rc;
        json_t *entries = json_object_get(r, "entries");
        size_t i;
        json_t *entry;
        json_array_foreach(entries, i, entry) {
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
