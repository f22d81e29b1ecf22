/*  control_backup.c — `backup` on the control socket (fedsoarctl backup
    DIR, docs/operations.md "Backup and standby"): an online, consistent,
    compacted copy of the broker's store into DIR on the broker's machine
    (casestore_backup: LMDB's own copy). Admin only, never over HTTPS: the
    path is on the broker's filesystem. */
#include "broker_internal.h"

#include <string.h>

json_t *control_backup(broker_t *b, casestore_txn_t *txn, const json_t *args, const caller_t *who,
                       fs_err_t *e)
{
    (void)txn;
    const char *dir = json_string_value(json_object_get(args, "dir"));
    if (!dir || dir[0] != '/') {
        fs_err_set(e, "backup: args.dir must be an absolute path on the broker's machine");
        return NULL;
    }
    if (strncmp(dir, b->cfg.state_dir, strlen(b->cfg.state_dir)) == 0 &&
        (dir[strlen(b->cfg.state_dir)] == '\0' || dir[strlen(b->cfg.state_dir)] == '/')) {
        fs_err_set(e, "backup: %s is inside the state directory %s: copy it elsewhere", dir,
                   b->cfg.state_dir);
        return NULL;
    }
    int64_t started = fs_mono_ms();
    uint64_t bytes = 0;
    if (casestore_backup(b->store, dir, &bytes, e) != 0) {
        fs_log(FS_LOG_WARN, "broker", "backup_failed", "operator=%s dir=%s reason=\"%s\"",
               who->actor ? who->actor : "?", dir, e->text);
        return NULL;
    }
    /* The copy is a standby until promoted (fencing.c). */
    if (fencing_mark_copy(b, dir, e) != 0)
        return NULL;
    int64_t ms = fs_mono_ms() - started;
    /* Nothing committed since the copy's transaction (it ran on this, the
       one writer thread): these are the copy's figures. */
    casestore_txn_t *rt = NULL;
    fs_err_t re = {0};
    uint64_t events = 0, audit = 0;
    if (casestore_begin(b->store, false, &rt, &re) == 0) {
        events = casestore_counter(b->store, rt, "events");
        audit = casestore_audit_head(b->store, rt);
    }
    casestore_abort(&rt);
    fs_log(FS_LOG_INFO, "broker", "backup_taken", "operator=%s dir=%s bytes=%llu ms=%lld",
           who->actor ? who->actor : "?", dir, (unsigned long long)bytes, (long long)ms);
    return json_pack("{s:s, s:I, s:I, s:I, s:I}", "dir", dir, "bytes", (json_int_t)bytes, "ms",
                     (json_int_t)ms, "events", (json_int_t)events, "audit_head", (json_int_t)audit);
}
