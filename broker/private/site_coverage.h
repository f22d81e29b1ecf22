/*  site_coverage.h — private to libfedsoar_broker: the M&A transition's
    views of the sites (docs/mna-gap.md).
      source_coverage.c: per site and source, expected (configured at the
        adapter, HEARTBEAT "sources") versus flowing (stored events), and
        the silence health events (audit, SSE, optionally a case).
      site_gap.c: the capability gap analysis (what each site has and
        produced, which playbook can run end to end where, what to add).
    Returned json_t * are the caller's; arguments borrowed. */
#ifndef FEDSOAR_SITE_COVERAGE_H
#define FEDSOAR_SITE_COVERAGE_H

#include "config_schema.h"

/* The broker config's "coverage" object: {"silent_source_case": bool,
   "window_days": 1..366}. */
extern const fs_schema_t broker_coverage_schema;

#ifdef FEDSOAR_BROKER_INTERNAL_H
/* After a HEARTBEAT was saved: raises or clears the site's source silences
   (own write transaction; failures are logged, never fatal). */
void coverage_on_heartbeat(broker_t *b, session_t *s);
/* The coverage report (control "sites.coverage", args {"window_days",
   "site"}): {"window_days", "generated_ms", "sites": {SITE: {"connected",
   "sources": {SOURCE_ID: {...}}}}}. */
json_t *control_sites_coverage(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e);
/* The gap analysis (control "sites.gap", args {"window_days"}):
   {"window_days", "sites": {...}, "playbooks": [...], "recommendations": [...]}. */
json_t *control_sites_gap(broker_t *b, casestore_txn_t *txn, const json_t *args,
                          const caller_t *who, fs_err_t *e);
/* The window of a control call: args.window_days (1..366), else the
   config's coverage.window_days, else 7; -1 with e set when invalid. */
int coverage_window_days(broker_t *b, const json_t *args, fs_err_t *e);
#endif

#endif
