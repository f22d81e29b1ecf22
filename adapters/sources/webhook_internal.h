/*  webhook_internal.h — private to the webhook source (sources/webhook*.c):
    its parts and what each owns.

      webhook.c         the descriptor, config, the queue and the poll/commit
                        hooks (the daemon's side);
      webhook_http.c    the libmicrohttpd handler (the listener's thread);
      webhook_auth.c    the shared token, the HMAC signature and the replay
                        memory;
      webhook_answer.c  what one body became, and the answer built from it
                        (pure: the fuzz target drives it).

    The listener thread and the daemon's threads share webhook_t under its
    mutex `mu`; webhook_auth_t has its own lock for the replay memory. */
#ifndef FEDSOAR_ADAPTER_WEBHOOK_INTERNAL_H
#define FEDSOAR_ADAPTER_WEBHOOK_INTERNAL_H

#include "plugin.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the answer to one body (webhook_answer.c) ------------------------------ */

#define WEBHOOK_MAX_LISTED 1000 /* refused records named one by one in an answer */

typedef struct webhook_answer {
    size_t accepted; /* events added to the outbox */
    size_t rejected; /* records that did not normalize (dead letters) */
    size_t full;     /* records the full outbox refused (dead letters) */
    json_t *refused; /* [{"record", "offset", "reason"}], at most WEBHOOK_MAX_LISTED; owned */
} webhook_answer_t;

/* Status conventions: the general source answers 202, the splunk-webhook
   type 200 (its senders and tests expect it). */
typedef enum { WEBHOOK_STYLE_GENERAL, WEBHOOK_STYLE_SPLUNK } webhook_style_t;

void webhook_answer_init(webhook_answer_t *a);
void webhook_answer_release(webhook_answer_t *a);
/* One record's fate: record_no counts from 1 in the body, offset is its
   first byte in the body; reason is borrowed (NULL when added). */
void webhook_answer_add(webhook_answer_t *a, size_t record_no, size_t offset,
                        source_record_fate_t fate, const char *reason);
/* The status once the commit is known: 202 (200 in the Splunk style) when
   a record was kept, 503 when the commit failed or the only losses were a
   full outbox, 400 when nothing could be kept. */
unsigned webhook_answer_status(const webhook_answer_t *a, bool committed, webhook_style_t style);
/* The JSON answer body: {"status", "accepted", "refused": [...],
   "refused_total"} plus "error" for a non-2xx status. Caller owns (free). */
char *webhook_answer_body(const webhook_answer_t *a, unsigned status, const char *error);
/* The answer to a request refused before its body was queued (401, 404,
   405, 413, 503, an empty body): {"error": text}. Caller owns (free). */
char *webhook_answer_error(const char *text);

/* ---- authentication (webhook_auth.c) --------------------------------------- */

typedef enum { WEBHOOK_HMAC_GITHUB = 1, WEBHOOK_HMAC_TIMESTAMPED } webhook_hmac_scheme_t;

typedef struct webhook_replay webhook_replay_t;

typedef struct webhook_auth {
    bool token_on;
    char token[4096];
    char token_header[64];
    bool query_token; /* ?token= accepted (it leaks into access logs) */
    bool hmac_on;
    webhook_hmac_scheme_t scheme;
    unsigned char secret[4096];
    size_t secret_len;
    char sig_header[64];
    char ts_header[64];
    int64_t max_skew_s;
    webhook_replay_t *replay; /* timestamped: digests seen within the window; owned */
} webhook_auth_t;

/* Reads token_* and hmac{} from config (borrowed). 0, or -1 with e set. */
int webhook_auth_init(webhook_auth_t *au, const json_t *config, bool splunk_defaults, fs_err_t *e);
/* Wipes the secrets and frees the replay memory. */
void webhook_auth_release(webhook_auth_t *au);
/* NULL when the token (if one is configured) is presented, else the reason
   for a 401 (static). */
const char *webhook_auth_token(const webhook_auth_t *au, struct MHD_Connection *c);
/* NULL when the signature (if one is configured) is good for body, fresh
   and not seen before (it is then remembered), else the reason for a 401
   (static). now_s: the wall clock, in seconds. */
const char *webhook_auth_signature(webhook_auth_t *au, struct MHD_Connection *c, const char *body,
                                   size_t len, int64_t now_s);
/* Constant-time equality of two byte strings (length leaks, content not). */
bool webhook_secret_equal(const void *given, size_t given_len, const void *want, size_t want_len);

/* ---- the source's state ------------------------------------------------------ */

typedef enum { REQ_RECEIVING, REQ_QUEUED, REQ_IN_POLL, REQ_DONE } webhook_req_phase_t;

/* One POST on one connection; freed when MHD completes the connection. */
typedef struct webhook_req {
    struct MHD_Connection *conn;
    char *body;
    size_t len, cap;
    bool too_big;
    webhook_req_phase_t phase;
    webhook_answer_t answer;  /* filled while the daemon commits */
    unsigned status;          /* when REQ_DONE */
    char *text;               /* the answer body when REQ_DONE; owned */
    struct webhook_req *next; /* in the queue */
} webhook_req_t;

typedef struct webhook {
    struct MHD_Daemon *mhd;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    webhook_req_t *head, *tail; /* queued, oldest first */
    size_t queued, open;        /* queued bodies; requests not yet completed */
    webhook_req_t **in_poll;    /* the bodies the current poll handed over, in order */
    size_t n_in_poll, max_batch, max_batch_bytes, max_pending, max_body;
    bool stopping;
    webhook_style_t style;
    webhook_auth_t auth;
    char path[256];
    char listen[80];
    char name[96];
    char *cert_pem, *key_pem; /* TLS, owned (the key is wiped at cleanup) */
    long received, accepted_bodies, rejected_bodies, refused_bodies, unauthorized;
} webhook_t;

/* webhook_http.c: the listener's callbacks (cls is the webhook_t). */
enum MHD_Result webhook_http_handler(void *cls, struct MHD_Connection *c, const char *url,
                                     const char *method, const char *version, const char *upload,
                                     size_t *upload_size, void **con_cls);
void webhook_http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                            enum MHD_RequestTerminationCode toe);
/* Answers text (owned by the call) with status. */
enum MHD_Result webhook_http_answer(struct MHD_Connection *c, unsigned status, char *text);

#endif
