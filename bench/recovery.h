/*  bench/recovery.h — what bench/recovery reads from the broker's store
    itself (recovery_store.c), apart from the broker: the runs in flight by
    kind, the timer rows, the open approvals, the commands pending for a
    site, and the raw limit of reading the runs table. */
#ifndef FEDSOAR_BENCH_RECOVERY_H
#define FEDSOAR_BENCH_RECOVERY_H

#include <stddef.h>
#include <stdint.h>

/* The four kinds of run the bench keeps in flight, one playbook each
   ("recovery-KIND"), in the order their findings are sent. */
typedef enum { K_COMMAND, K_APPROVAL, K_LATER, K_SOON, K_N } recovery_kind_t;
extern const char *const recovery_kind_names[K_N];

typedef struct {
    size_t runs[K_N];      /* runs of each kind */
    size_t completed[K_N]; /* of which completed */
    size_t timers;         /* timer rows */
    size_t wait_timers[2]; /* rows of the later/soon runs' wait steps: [0] later, [1] soon */
    int64_t soon_first_at, soon_last_at, later_first_at, later_last_at; /* their due times (ms) */
    size_t overdue_at;        /* wait rows due at or before `at_ms` given to the scan */
    size_t approvals_open;    /* approval rows with status "open" */
    size_t pending_mute;      /* CASESTORE_DB_PENDING rows of site "mute" */
    size_t approvals_ids_len; /* open approval ids, ascending (owned) */
    uint64_t *approval_ids;
    uint64_t *approval_run_ids; /* the run of each open approval (same order) */
    /* Per wait kind ([0] later, [1] soon): runs whose wait fired at or after
       `at_ms`, how late each fired (waited_until - wake, ms, owned), and the
       last firing (wall clock ms). */
    size_t fired_after[2];
    double *late_ms[2];
    int64_t last_fired[2];
} recovery_view_t;

/* Reads the store in state_dir read-only (the broker may be running: LMDB
   readers never block its writer). at_ms: count wait rows due by then.
   0 or -1 with a message on stderr. Free with recovery_view_clear. */
int recovery_view_read(const char *state_dir, int64_t at_ms, recovery_view_t *v);
void recovery_view_clear(recovery_view_t *v);

/* Whether run `run_id` is completed (looked up in the same read). */
int recovery_runs_completed(const char *state_dir, const uint64_t *run_ids, size_t n,
                            size_t *completed);

/* For every later/soon run: how many "done" timeline lines its wait step
   has on its case. *once = runs with exactly one, *never and *twice the
   others. */
int recovery_wait_lines(const char *state_dir, size_t *once, size_t *never, size_t *twice);

/* The raw limit: mdb_env_open of the store read-only and a cursor walk of
   the whole runs table (rows, bytes), then the same walk parsing every row
   with jansson. Seconds for each. */
int recovery_raw_scan(const char *state_dir, double *walk_s, double *parse_s, size_t *rows,
                      size_t *bytes);

#endif
