/*  broker.h — the fedsoar-broker daemon: event ingest, playbook runs,
    the command journal, approvals, delivery to sites and the control
    socket, around the casestore (casestore.h) that holds its state
    (docs/internals/broker.md).

    Durability rule (STYLE.md §5): nothing is acknowledged to a site before
    the LMDB transaction holding it has committed. */
#ifndef FEDSOAR_BROKER_H
#define FEDSOAR_BROKER_H

#include "common.h"

/* ==== errors ================================================================
   e->code after a broker function or control command failed (common.h: one
   range per library); the control socket's callers decide on the code,
   never on the text. Codes of the libraries below (casestore, FSP/1,
   OpenC2, routing, playbooks) pass through unchanged. */
typedef enum broker_errc {
    BROKER_E_CONFIG = FS_ERR_BASE_BROKER + 1, /* the configuration cannot be used */
    BROKER_E_UNKNOWN_COMMAND,                 /* no such control command */
    BROKER_E_DENIED,                          /* the operator's role or site may not do this */
    BROKER_E_INVALID,                         /* args break the command's documented rules */
    BROKER_E_NOT_FOUND,                       /* no such case, run, approval or version */
    BROKER_E_CONFLICT, /* the record is not in a state that allows it (gate closed, voted) */
    BROKER_E_LAST_
} broker_errc_t;

/* A short constant name for a broker code ("denied", ...), "unknown"
   otherwise. Static string. */
const char *broker_strerror(int code);

/* ==== the daemon ============================================================ */

/* The HTTPS API (docs/api.md): off unless listen is set. */
typedef struct broker_http_config {
    const char *listen;     /* "ADDR:PORT" (IPv4, [IPv6]), NULL: no HTTP */
    const char *cert_file;  /* PEM; NULL: KEYS/http/broker.crt (fedsoarctl keys init) */
    const char *key_file;   /* PEM; NULL: KEYS/http/broker.key */
    bool insecure;          /* plain HTTP, allowed only on a loopback address */
    const char *public_url; /* base of login links; NULL: https://LISTEN */
    size_t max_body;        /* request body limit in bytes (0: 1 MiB) */
    unsigned rate_limit;    /* requests a minute per token or session (0: 600) */

    /* life of a one-time login link, seconds (0: 60; at least 5) */
    unsigned login_link_ttl_s;
    /* a browser session ends after this long without use, seconds (0: 8 h) */
    unsigned session_idle_s;
    /* the built web console (console/build.mjs's OUTDIR); NULL or missing:
       no console, / answers 404 */
    const char *console_dir;
} broker_http_config_t;

typedef struct broker_config {
    const char *listen;        /* site endpoint, ROUTER bound */
    const char *control;       /* operator endpoint, ROUTER bound */
    const char *state_dir;     /* LMDB lives here */
    const char *keys_dir;      /* key layout (keys.h) */
    const char *playbooks_dir; /* *.json playbooks */
    bool insecure;             /* CURVE off: local experiments only */
    size_t map_mb;             /* LMDB map size at start */
    size_t map_max_mb;         /* it doubles when full, up to this (0: the default) */
    int64_t correlation_window_ms;
    int64_t dedup_window_ms; /* a site's record (source + stable id) is stored once within it */
    uint64_t audit_checkpoint_every;      /* sign a checkpoint at least every N entries */
    int64_t audit_checkpoint_interval_ms; /* ... and every T ms while entries are added */
    const json_t *sites;      /* per-site routing config {"alpha": {"scopes": …}} (borrowed) */
    const json_t *governance; /* {"quorum", "members", "revoked"} or NULL: no governance,
                                 every playbook of the directory runs everywhere (borrowed) */
    broker_http_config_t http;
    const json_t
        *config; /* the whole config file, hashed into the audit log (borrowed, may be NULL) */
} broker_config_t;

typedef struct broker broker_t;

/* Opens the store, loads keys and playbooks, binds both sockets.
   Caller owns. */
broker_t *broker_new(const broker_config_t *cfg, fs_err_t *e);
/* Serves until SIGINT/SIGTERM. Returns 0 on a clean stop. */
int broker_run(broker_t *self);
void broker_destroy(broker_t **self_p);

#endif
