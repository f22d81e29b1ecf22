/*  qradar.h — private to libfedsoar_adapters: what the IBM QRadar
    integrations (sources/qradar_offenses.c, responders/qradar_close_offense.c)
    share — one REST call with QRadar's headers and retry policy, and the
    parsers of what QRadar answers (driven directly by
    tests/fuzz/fuzz_qradar.c).

    QRadar's REST API (https://HOST/api/…):
      SEC: <authorized service token>     every call
      Version: <API version>              pins the answer's shape (config "api_version")
      Range: items=A-B                    lists; the answer says Content-Range: items A-B/TOTAL
    Errors come as {"http_response": {"code", "message"}, "code", "description",
    "details", "message"}.

    Ownership: every function borrows its inputs; a json_t returned is a new
    reference the caller owns. */
#ifndef FEDSOAR_QRADAR_H
#define FEDSOAR_QRADAR_H

#include "http_client.h"

#define QRADAR_DEFAULT_VERSION "20.0"
#define QRADAR_VERSION_MAX 16

/* The QRadar client of one instance: the HTTP client (no auth of its own:
   the SEC header is added here), the token, the version, the retry policy. */
typedef struct qradar_api {
    http_client_t *http;
    char token[HTTP_SECRET_MAX];
    char version[QRADAR_VERSION_MAX];
    int max_retries;
    long retry_max_wait_ms;
    char name[96]; /* "TYPE NAME", in errors */
} qradar_api_t;

/* Fills api from config (borrowed): base_url and the HTTP keys,
   api_token_file | api_token_env (the SEC token), api_version, max_retries,
   retry_max_wait_s.  0, or -1 with e set. Release with qradar_api_release. */
int qradar_api_open(qradar_api_t *api, const json_t *config, const char *name, fs_err_t *e);
void qradar_api_release(qradar_api_t *api);

/* One call: method and url (a path with its query), with SEC, Version and,
   when range_from >= 0, Range: items=range_from-range_to.  A 429 or a 503
   (and, for GET, other 5xx and transport errors) is retried with
   exponential backoff up to max_retries.  On a 2xx returns the parsed JSON
   (caller owns) and, when content_range is not NULL, copies the
   Content-Range value there ("" when absent).  NULL with e set otherwise:
   e names the call, the status and QRadar's own message.  *status (may be
   NULL) is the last HTTP status (0: no answer). */
json_t *qradar_call(qradar_api_t *api, const char *method, const char *url, long range_from,
                    long range_to, char *content_range, size_t cr_size, long *status, fs_err_t *e);

/* ---- parsers (fuzz target tests/fuzz/fuzz_qradar.c) -------------------------- */

/* QRadar's error body -> "CODE: message (description)" in out ("" when the
   body is not QRadar's error shape). */
void qradar_error_text(const char *body, size_t len, char *out, size_t size);
/* "items A-B/TOTAL" (TOTAL may be "*") -> the numbers (*total -1 when "*").
   0, or -1 when the value is not that shape. */
int qradar_parse_content_range(const char *value, long *first, long *last, long *total);
/* A page of GET /api/siem/offenses: an array of offense objects, each with
   an integer id >= 0 and an integer last_persisted_time >= 0.  The array
   (caller owns), or NULL with e naming the element and what is wrong. */
json_t *qradar_parse_offenses(const char *body, size_t len, fs_err_t *e);
/* GET /api/siem/offense_closing_reasons: the id of the reason whose text is
   `reason` (case-insensitive) or, when reason is all digits, whose id it
   is; deleted reasons do not count.  The id, or -1 with e saying why (the
   reasons that exist, when none matches). */
long qradar_closing_reason_id(const json_t *reasons, const char *reason, fs_err_t *e);

#endif
