/*  witness.c — the site as a witness of the broker's audit chain
    (docs/security.md "Audit").

    The broker hands its latest signed checkpoint {"seq", "upto_seq",
    "upto_hash", "signature"} to every site on WELCOME and HEARTBEAT. The
    adapter keeps the newest one it has seen in STATE_DIR/audit-witness.json
    (atomic replace), after checking the broker's signature when it has the
    broker's public signing key. Whoever later cuts the chain's tail at the
    broker cannot take the site's copy back: `fedsoarctl audit verify
    --witness STATE_DIR` finds the checkpoint missing. A broker that presents
    an older checkpoint than one already witnessed is logged at once. */
#include "adapter_internal.h"

#include <string.h>
#include <unistd.h>

#define WITNESS_FILE "audit-witness.json"

static uint64_t witnessed_seq(adapter_t *a)
{
    if (a->witness_seq)
        return a->witness_seq;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", a->cfg.state_dir, WITNESS_FILE);
    fs_err_t e = {0};
    size_t len;
    char *text = access(path, R_OK) == 0 ? fs_file_read(path, 64 * 1024, &len, &e) : NULL;
    json_t *w = text ? json_loadb(text, len, 0, NULL) : NULL;
    a->witness_seq =
        (uint64_t)json_integer_value(json_object_get(json_object_get(w, "checkpoint"), "seq"));
    json_decref(w);
    free(text);
    return a->witness_seq;
}

void adapter_witness(adapter_t *a, const json_t *checkpoint)
{
    json_t *seq_j = json_object_get(checkpoint, "seq");
    const char *upto_hash = json_string_value(json_object_get(checkpoint, "upto_hash"));
    const char *sig = json_string_value(json_object_get(checkpoint, "signature"));
    if (!json_is_integer(seq_j) || json_integer_value(seq_j) < 1 || !upto_hash || !sig)
        return;
    uint64_t seq = (uint64_t)json_integer_value(seq_j), held = witnessed_seq(a);
    if (seq == held)
        return;
    if (seq < held) {
        fs_log(FS_LOG_ERROR, "adapter", "broker_audit_regressed",
               "site=%s witnessed_seq=%llu presented_seq=%llu msg=\"the broker presents an older "
               "audit "
               "checkpoint than this site witnessed: its chain was cut or restored from an old "
               "copy; run "
               "fedsoarctl audit verify --witness %s\"",
               a->cfg.site, (unsigned long long)held, (unsigned long long)seq, a->cfg.state_dir);
        return;
    }
    char priv[4096], pub[4096];
    if (!a->cfg.insecure &&
        keys_signing_paths(a->cfg.keys_dir, "broker", priv, sizeof priv, pub, sizeof pub) == 0 &&
        access(pub, R_OK) == 0) {
        json_t *p = json_pack("{s:s, s:O, s:s}", "type", "fedsoar-audit-checkpoint/1", "upto_seq",
                              json_object_get(checkpoint, "upto_seq"), "upto_hash", upto_hash);
        char *payload = fs_json_canonical(p);
        json_decref(p);
        fs_err_t e = {0};
        int bad = !payload || keys_verify(pub, payload, strlen(payload), sig, &e) != 0;
        free(payload);
        if (bad) {
            fs_log(FS_LOG_ERROR, "adapter", "broker_checkpoint_refused",
                   "site=%s seq=%llu reason=\"%s\"", a->cfg.site, (unsigned long long)seq,
                   e.text[0] ? e.text : "cannot build the payload");
            return;
        }
    }
    json_t *w = json_pack("{s:s, s:O, s:I}", "site", a->cfg.site, "checkpoint", checkpoint,
                          "received", (json_int_t)fs_now_ms());
    char *text = fs_json_canonical(w);
    json_decref(w);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", a->cfg.state_dir, WITNESS_FILE);
    fs_err_t e = {0};
    if (!text || fs_file_write_atomic(path, text, strlen(text), 0600, &e) != 0)
        fs_log(FS_LOG_ERROR, "adapter", "witness_failed", "site=%s reason=\"%s\"", a->cfg.site,
               e.text);
    else
        a->witness_seq = seq;
    free(text);
}
