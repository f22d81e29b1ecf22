/*  http_auth_internal.h — private to the sign-in files of libfedsoar_broker
    (http_auth.c: who is asking; http_login.c: one-time login links and
    session creation; control_http_auth.c: the session and token commands).
    Design: docs/internals/http_auth.md.

    What lives where:
      LMDB, CASESTORE_DB_HTTP (durable, never a secret in clear):
        "session:" + SHA-256 hex of the cookie -> {"operator", "created",
            "last_seen", "csrf", "public_id"}
        "token:" + NAME -> {"name", "role", "site", "sha256", "created",
            "created_by", "expires"}
        "tokenhash:" + SHA-256 hex of the token -> NAME
      memory, struct http_auth_state (lost on restart, on purpose):
        pending login links, the last activity of each session (written to
        LMDB at most every HTTP_ACTIVITY_PERSIST_MS), rate-limit buckets.

    Everything here runs on the broker's loop thread only. */
#ifndef FEDSOAR_HTTP_AUTH_INTERNAL_H
#define FEDSOAR_HTTP_AUTH_INTERNAL_H

#include "http_internal.h"

#define HTTP_ACTIVITY_PERSIST_MS (5LL * 60 * 1000) /* last_seen written at most this often */
#define HTTP_LINKS_MAX 256    /* pending login links; more is refused until some expire */
#define HTTP_BUCKETS_MAX 4096 /* rate-limit buckets before idle ones are dropped */
#define HTTP_SECRET_CHARS 43  /* base64url of 32 random bytes, unpadded */
#define HTTP_TOKEN_PREFIX "fst_"
#define HTTP_SESSION_ROW "session:"
#define HTTP_TOKEN_ROW "token:"
#define HTTP_TOKENHASH_ROW "tokenhash:"
#define HTTP_PUBLIC_ID_CHARS 12 /* a session's public id: first hex of its hash */

/* A pending one-time login link (memory only). */
typedef struct http_link {
    char operator_name[33];
    int64_t expires_mono; /* fs_mono_ms() deadline */
} http_link_t;

/* A session's activity not yet written to LMDB. */
typedef struct http_activity {
    int64_t last_seen; /* epoch ms of its last request */
    int64_t persisted; /* epoch ms of the last_seen last written */
} http_activity_t;

struct http_auth_state {
    zhashx_t *links;    /* nonce -> http_link_t (owned) */
    zhashx_t *activity; /* session hash hex -> http_activity_t (owned) */
    zhashx_t *buckets;  /* "s:HASH" / "t:NAME" -> rate-limit bucket (owned) */
    zhashx_t *passkeys; /* enrollment nonce -> pending enrollment (owned; passkey_enroll.c) */
};

/* 32 random bytes (OpenSSL RAND_bytes) as 43 base64url characters + NUL.
   -1 when the generator fails: nothing is made then (fail closed). */
int http_auth_random(char out[HTTP_SECRET_CHARS + 1]);

/* Deletes the items of an in-memory table (links, buckets, enrollments)
   for which gone(item, now) says so. */
void http_auth_table_prune(zhashx_t *t, bool (*gone)(const void *item, int64_t now), int64_t now);

/* The last activity of a session: the later of the stored last_seen and
   the one in memory. */
int64_t http_auth_last_seen(const broker_t *b, const char *hash, int64_t stored);
/* Forgets a session's memory (after its row was deleted). */
void http_auth_forget(broker_t *b, const char *hash);

/* "session:" + hash into key (>= 73 bytes); returns its length. */
size_t http_auth_session_key(const char *hash, char *key, size_t size);
/* Whether s is a session's public id (12 lowercase hex). */
bool http_auth_is_public_id(const char *s);

/* The allowed role names of an API token, NULL-terminated. */
extern const char *const http_token_roles[];

#endif
