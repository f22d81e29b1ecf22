/*  test_journal_log.c — the command journal's log (adapters/journal_log.c)
    and how the outbox keeps its entries (adapters/outbox.c): what a write
    returned for is there after a reopen without a checkpoint (the kill -9
    case); a write torn by a crash loses itself and nothing before it; after
    a checkpoint the log starts over and the remains of older records are
    never read as current; a full log copies itself into LMDB; an entry too
    large for it goes to LMDB whole; a log beside another store's LMDB is
    ignored; the scanner says where and why it stopped. */
#include "check.h"
#include "journal_log.h"
#include "outbox.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/fedsoar-test-journal-log-XXXXXX";

static outbox_t *reopen(outbox_t *ob)
{
    fs_err_t e = {0};
    outbox_close(&ob);
    ob = outbox_open(dir, 100, &e);
    CHECK(ob != NULL);
    if (!ob) {
        fprintf(stderr, "outbox_open: %s\n", e.text);
        exit(check_summary());
    }
    return ob;
}

static int state(outbox_t *ob, const char *id)
{
    json_t *rsp = NULL;
    int s = journal_lookup(ob, id, &rsp);
    json_decref(rsp);
    return s;
}

static void started(outbox_t *ob, const char *id)
{
    fs_err_t e = {0};
    json_t *cmd = json_pack("{s:s, s:{s:s}}", "action", "deny", "target", "ipv4_net", id);
    CHECK(journal_begin(ob, id, cmd, &e) == 0);
    json_decref(cmd);
}

static void answered(outbox_t *ob, const char *id)
{
    fs_err_t e = {0};
    json_t *rsp = json_pack("{s:i, s:s}", "status", 200, "status_text", id);
    CHECK(journal_finish(ob, id, rsp, &e) == 0);
    json_decref(rsp);
}

static off_t log_size(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/journal.log", dir);
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Overwrites n bytes of the log at off with b: a torn or damaged write. */
static void spoil(off_t off, int b, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/journal.log", dir);
    int fd = open(path, O_WRONLY);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    unsigned char buf[64];
    memset(buf, b, sizeof buf);
    CHECK(pwrite(fd, buf, n, off) == (ssize_t)n);
    close(fd);
}

static int count_records(void *arg, const char *key, size_t klen, const char *value, size_t vlen)
{
    (void)key, (void)klen, (void)value, (void)vlen;
    ++*(int *)arg;
    return 0;
}

static void the_scanner_says_where_and_why_it_stopped(void)
{
    fs_err_t e = {0};
    char path[256];
    snprintf(path, sizeof path, "%s/scan.log", dir);
    journal_log_t *log = journal_log_open(path, &e);
    CHECK(log != NULL);
    if (!log)
        return;
    size_t n, end;
    journal_log_stop_t why;
    int seen = 0;
    CHECK(journal_log_replay(log, 7, count_records, &seen, &n, &why, &end, &e) == 0);
    CHECK(n == 0 && end == 0 && why == JOURNAL_LOG_UNWRITTEN);
    CHECK(journal_log_add(log, "a", "{}", 2, &e) == 0);
    CHECK(journal_log_add(log, "bb", "[1]", 3, &e) == 0);
    CHECK(journal_log_batch_bytes(log) == 2 * JOURNAL_LOG_HEADER + 3 + 5);
    CHECK(journal_log_write(log, &e) == 0);
    CHECK(journal_log_used(log) == 2 * JOURNAL_LOG_HEADER + 8);
    char big[64];
    memset(big, 'k', sizeof big);
    big[sizeof big - 1] = '\0';
    CHECK(journal_log_add(log, "", "{}", 2, &e) != 0 && e.code == FS_E_TOO_BIG);
    CHECK(journal_log_add(log, "v", big, JOURNAL_LOG_VALUE_MAX + 1, &e) != 0);
    CHECK(journal_log_batch_bytes(log) == 0); /* refused entries are not added */
    journal_log_close(&log);

    size_t len;
    char *buf = fs_file_read(path, JOURNAL_LOG_BYTES, &len, &e);
    CHECK(buf != NULL && len == JOURNAL_LOG_BYTES);
    if (!buf)
        return;
    unsigned char *u = (unsigned char *)buf;
    seen = 0;
    CHECK(journal_log_scan(u, len, 7, count_records, &seen, &end, &why) == 2 && seen == 2);
    CHECK(end == 2 * JOURNAL_LOG_HEADER + 8 && why == JOURNAL_LOG_UNWRITTEN);
    CHECK(journal_log_scan(u, len, 8, NULL, NULL, &end, &why) == 0 && end == 0 &&
          why == JOURNAL_LOG_STALE);
    CHECK(journal_log_scan(u, JOURNAL_LOG_HEADER + 2, 7, NULL, NULL, &end, &why) == 0 &&
          why == JOURNAL_LOG_DAMAGED); /* cut inside its record */
    CHECK(journal_log_scan(u, JOURNAL_LOG_HEADER + 3 + 10, 7, NULL, NULL, &end, &why) == 1 &&
          why == JOURNAL_LOG_DAMAGED);
    CHECK(journal_log_scan(u, JOURNAL_LOG_HEADER + 3 + 5, 7, NULL, NULL, &end, &why) == 1 &&
          end == JOURNAL_LOG_HEADER + 3 && why == JOURNAL_LOG_DAMAGED); /* a header cut short */
    u[JOURNAL_LOG_HEADER + 3 + JOURNAL_LOG_HEADER + 2] ^= 1; /* a bit of the second key */
    CHECK(journal_log_scan(u, len, 7, NULL, NULL, &end, &why) == 1 &&
          end == JOURNAL_LOG_HEADER + 3 && why == JOURNAL_LOG_DAMAGED);
    CHECK(strstr(journal_log_stop_text(why), "torn") != NULL);
    free(buf);
}

int main(void)
{
    fs_memory_policy_install();
    CHECK(mkdtemp(dir) != NULL);
    fs_err_t e = {0};
    outbox_t *ob = outbox_open(dir, 100, &e);
    CHECK(ob != NULL);
    if (!ob)
        return check_summary();
    CHECK(log_size() == JOURNAL_LOG_BYTES); /* made whole at open: writes never allocate */

    /* Written, then the process dies (no checkpoint): all of it is back. */
    started(ob, "c1");
    started(ob, "c2");
    CHECK(journal_write(ob, &e) == 0);
    answered(ob, "c1");
    CHECK(journal_write(ob, &e) == 0);
    CHECK(state(ob, "c1") == 2 && state(ob, "c2") == 1);
    CHECK(journal_log_pending(ob) > 0);
    ob = reopen(ob);
    CHECK(state(ob, "c1") == 2 && state(ob, "c2") == 1 && state(ob, "c3") == 0);
    CHECK(journal_log_pending(ob) == 0); /* the reopen copied it into LMDB */

    /* A write torn by a crash: the one before it stays, it is gone. */
    started(ob, "c3");
    CHECK(journal_write(ob, &e) == 0);
    size_t first = journal_log_pending(ob);
    started(ob, "c4");
    CHECK(journal_write(ob, &e) == 0);
    spoil((off_t)first + JOURNAL_LOG_HEADER + 1, 'x', 1); /* c4's key */
    ob = reopen(ob);
    CHECK(state(ob, "c3") == 1 && state(ob, "c4") == 0);

    /* A checkpoint copies the log into LMDB and starts it over; a later,
       shorter record leaves the rest of an older one behind it, and a
       reopen reads neither that nor anything of the older generation. */
    for (int i = 0; i < 20; i++) {
        char id[16];
        snprintf(id, sizeof id, "old-%d", i);
        started(ob, id);
    }
    CHECK(journal_write(ob, &e) == 0);
    CHECK(journal_checkpoint(ob, &e) == 0);
    CHECK(journal_log_pending(ob) == 0);
    CHECK(state(ob, "old-19") == 1);
    answered(ob, "n");
    CHECK(journal_write(ob, &e) == 0);
    ob = reopen(ob);
    CHECK(state(ob, "n") == 2 && state(ob, "old-0") == 1 && state(ob, "old-19") == 1);
    answered(ob, "old-3"); /* the log's answer wins over LMDB's "started" */
    CHECK(journal_write(ob, &e) == 0);
    CHECK(state(ob, "old-3") == 2);
    ob = reopen(ob);
    CHECK(state(ob, "old-3") == 2);

    /* A full log copies itself into LMDB at the write that would not fit. */
    char *pad = fs_xmalloc(64 << 10);
    memset(pad, 'p', 64 << 10);
    pad[(64 << 10) - 1] = '\0';
    json_t *padded = json_pack("{s:s}", "pad", pad);
    int n = 0;
    for (; n < 200; n++) {
        char id[16];
        snprintf(id, sizeof id, "big-%d", n);
        CHECK(journal_begin(ob, id, padded, &e) == 0);
        CHECK(journal_write(ob, &e) == 0);
    }
    CHECK(journal_log_pending(ob) < JOURNAL_LOG_BYTES / 2);
    CHECK(state(ob, "big-0") == 1 && state(ob, "big-199") == 1);
    ob = reopen(ob);
    CHECK(state(ob, "big-0") == 1 && state(ob, "big-100") == 1 && state(ob, "big-199") == 1);

    /* An entry larger than a log entry may be goes to LMDB with its batch. */
    char *huge = fs_xmalloc(JOURNAL_LOG_VALUE_MAX + 2);
    memset(huge, 'h', JOURNAL_LOG_VALUE_MAX + 1);
    huge[JOURNAL_LOG_VALUE_MAX + 1] = '\0';
    json_t *hcmd = json_pack("{s:s}", "pad", huge);
    started(ob, "beside-huge");
    CHECK(journal_begin(ob, "huge", hcmd, &e) == 0);
    size_t before = journal_log_pending(ob);
    CHECK(journal_write(ob, &e) == 0);
    CHECK(journal_log_pending(ob) == before); /* not in the log */
    CHECK(state(ob, "huge") == 1 && state(ob, "beside-huge") == 1);
    ob = reopen(ob);
    CHECK(state(ob, "huge") == 1 && state(ob, "beside-huge") == 1);
    /* A huge answer to a command whose "started" is in the log: the log's
       entry goes into LMDB with it, never over it at the next replay. */
    started(ob, "h2");
    CHECK(journal_write(ob, &e) == 0 && journal_log_pending(ob) > 0);
    CHECK(journal_finish(ob, "h2", hcmd, &e) == 0);
    CHECK(journal_write(ob, &e) == 0);
    CHECK(journal_log_pending(ob) == 0 && state(ob, "h2") == 2);
    ob = reopen(ob);
    CHECK(state(ob, "h2") == 2);
    json_decref(hcmd);
    free(huge);
    json_decref(padded);
    free(pad);

    /* A key the journal cannot hold is refused with what and why. */
    json_t *empty = json_object();
    CHECK(journal_begin(ob, "", empty, &e) != 0 && strstr(e.text, "key") != NULL);
    json_decref(empty);
    outbox_close(&ob);

    /* A log beside a fresh store (its LMDB gone, the log left) is not read. */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -f '%s'/data.mdb '%s'/lock.mdb", dir, dir);
    CHECK(system(cmd) == 0);
    ob = outbox_open(dir, 100, &e);
    CHECK(ob != NULL);
    if (ob) {
        CHECK(state(ob, "n") == 0 && state(ob, "c1") == 0);
        outbox_close(&ob);
    }

    the_scanner_says_where_and_why_it_stopped();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_summary();
}
