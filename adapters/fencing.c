/*  fencing.c — the site's half of broker fencing (docs/protocol.md §5.1
    "Broker epoch", docs/operations.md "Failover").

    A broker promoted from a standby copy announces a higher `broker_epoch`
    in WELCOME. The adapter keeps the highest epoch it has been welcomed at
    in STATE_DIR/broker-epoch (atomic replace, written before the WELCOME is
    accepted) and refuses a broker that announces a lower one: that broker
    was demoted (the old machine come back on its old state) and must not
    get this site's events nor send it commands. The adapter then moves to
    its next endpoint (--broker A,B) as if the broker were silent. HELLO
    carries the epoch seen, so that a demoted broker learns it is
    superseded and stops serving every site (broker/fencing.c). */
#include "adapter_internal.h"

#include <string.h>
#include <unistd.h>

#define FENCE_FILE "broker-epoch"

/* The highest epoch this site has been welcomed at (0: none yet). */
static uint64_t epoch_seen(adapter_t *a)
{
    if (a->fence_loaded)
        return a->fence_epoch;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", a->cfg.state_dir, FENCE_FILE);
    fs_err_t e = {0};
    size_t len = 0;
    char *text = access(path, R_OK) == 0 ? fs_file_read(path, 4096, &len, &e) : NULL;
    json_t *doc = text ? json_loadb(text, len, 0, NULL) : NULL;
    if (text && !doc)
        fs_log(FS_LOG_ERROR, "adapter", "broker_epoch_unreadable",
               "site=%s file=%s msg=\"not JSON: every broker epoch is accepted until a WELCOME "
               "rewrites it\"",
               a->cfg.site, path);
    a->fence_epoch = (uint64_t)json_integer_value(json_object_get(doc, "broker_epoch"));
    a->fence_loaded = true;
    json_decref(doc);
    free(text);
    return a->fence_epoch;
}

void adapter_fence_hello(adapter_t *a, json_t *hello)
{
    json_object_set_new(hello, "broker_epoch_seen", json_integer((json_int_t)epoch_seen(a)));
}

int adapter_fence_welcome(adapter_t *a, const json_t *welcome)
{
    json_t *ej = json_object_get(welcome, "broker_epoch");
    uint64_t epoch = json_is_integer(ej) && json_integer_value(ej) > 0
                         ? (uint64_t)json_integer_value(ej)
                         : 0; /* a broker before fencing: epoch 0 */
    uint64_t seen = epoch_seen(a);
    if (epoch < seen) {
        fs_log(FS_LOG_ERROR, "adapter", "broker_fenced",
               "site=%s broker=%s broker_epoch=%llu seen_epoch=%llu msg=\"this broker was "
               "superseded by a promoted standby: refused; trying the next endpoint\"",
               a->cfg.site, a->brokers[a->broker_at], (unsigned long long)epoch,
               (unsigned long long)seen);
        return -1;
    }
    if (epoch == seen)
        return 0;
    json_t *doc = json_pack("{s:I, s:s, s:I}", "broker_epoch", (json_int_t)epoch, "broker",
                            a->brokers[a->broker_at], "since", (json_int_t)fs_now_ms());
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", a->cfg.state_dir, FENCE_FILE);
    fs_err_t e = {0};
    int rc = text ? fs_file_write_atomic(path, text, strlen(text), 0600, &e) : -1;
    free(text);
    if (rc != 0) {
        /* Not durable, not accepted: a restart could otherwise accept the
           old broker again. The next endpoint, or this one later. */
        fs_log(FS_LOG_ERROR, "adapter", "broker_epoch_unsaved",
               "site=%s broker_epoch=%llu reason=\"%s\"", a->cfg.site, (unsigned long long)epoch,
               e.text);
        return -1;
    }
    fs_log(FS_LOG_INFO, "adapter", "broker_epoch",
           "site=%s broker=%s broker_epoch=%llu previous=%llu", a->cfg.site,
           a->brokers[a->broker_at], (unsigned long long)epoch, (unsigned long long)seen);
    a->fence_epoch = epoch;
    return 0;
}
