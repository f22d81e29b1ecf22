/*  vendor_parsers.h — private to libfedsoar_adapters: every parser of
    what an outside party sends the adapter — vendor API payloads, HTTP
    headers, the OAuth2 token answer, the OpenC2-over-HTTPS envelope,
    syslog framing — in one place, so that tests/fuzz/fuzz_*.c can drive
    each one directly.  Each parser is defined in the file of the
    integration that uses it (named in its section).

    Ownership: every function here borrows its inputs; a json_t it returns
    is a new reference the caller owns (NULL with e set on failure), a
    char * the caller frees. */
#ifndef FEDSOAR_VENDOR_PARSERS_H
#define FEDSOAR_VENDOR_PARSERS_H

#include "common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- HTTP (http_client.c, http_auth.c) -------------------------------------------- */

/* Finds the rel="next" target in a Link header value; NULL when none.
   Caller owns. */
char *http_link_next(const char *value, size_t len);
/* Parses Retry-After (delta seconds or HTTP date); -1 when unusable. */
long http_retry_after_seconds(const char *value);
/* An OAuth2 token endpoint's answer (RFC 6749 5.1): copies access_token
   into token (at most size - 1 bytes, no line break) and sets *expires_in_s
   (expires_in as a number or a numeric string; 3600 when absent or
   unusable).  0, or -1 when the body has no usable access_token. */
int http_oauth_parse_token(const char *body, size_t len, char *token, size_t size,
                           int64_t *expires_in_s);

/* ---- OpenC2 over HTTPS (actuators/openc2_https.c) -------------------------------- */

/* The Consumer's answer to request_id: for transfer v1.1 the message
   envelope {"headers": {"request_id"}, "body": {"openc2": {"response"}}},
   for v1.0 (v10 true) the bare response, whose X-Request-ID header
   (x_request_id, "" when absent) must echo request_id.  Returns the OpenC2
   response (a copy, validated with openc2_validate_response), or NULL with
   why set (one line: not JSON, uncorrelated, no response, invalid). */
json_t *openc2_https_parse_answer(const char *body, size_t len, bool v10, const char *request_id,
                                  const char *x_request_id, char *why, size_t size);

/* ---- syslog (sources/syslog.c) ----------------------------------------------------- */

/* Receives one framed message (borrowed; without its LF). */
typedef void(syslog_message_fn)(void *arg, const char *msg, size_t len);
/* The length of a message as handed to the normalizer: at most max bytes,
   then trailing CR, LF and NUL dropped (0: nothing to hand over).  Used for
   every UDP datagram (one message each) and every TCP frame. */
size_t syslog_message_len(const char *msg, size_t len, size_t max);
/* LF framing of a TCP stream (RFC 6587 "non-transparent framing"; octet
   counting is not implemented): calls on_message for every LF-terminated
   message in buf[0, len) and returns the bytes consumed; the caller keeps
   buf[consumed, len) and appends to it.  When buf holds max bytes or more
   without a LF, its first max bytes are one message (an over-long line is
   cut there).  eof (the sender closed): the rest is a message too. */
size_t syslog_frame_lines(const char *buf, size_t len, size_t max, bool eof,
                          syslog_message_fn *on_message, void *arg);

/* ---- CrowdStrike, Okta, Microsoft, SentinelOne, Splunk, VirusTotal (sources/, responders/) */

/* CrowdStrike {"resources": [...], "meta": {"pagination": {...}}, "errors": [...]}.
   Returns resources (caller owns) — strings for query endpoints, objects for
   entity endpoints — after checking every element's type; sets *total and
   *next_after (caller owns, may be NULL) from meta.pagination. */
json_t *crowdstrike_parse_page(const char *body, size_t len, bool want_objects, json_int_t *total,
                               char **next_after, fs_err_t *e);
/* Okta /api/v1/logs: a JSON array of LogEvent objects. Caller owns. */
json_t *okta_parse_logs(const char *body, size_t len, fs_err_t *e);
/* Microsoft Graph / Defender collection page {"value": [...], "@odata.nextLink": "…"}.
   Caller owns the array and *next_link. */
json_t *graph_parse_page(const char *body, size_t len, char **next_link, fs_err_t *e);
/* SentinelOne {"data": [...], "pagination": {"nextCursor"}}. Caller owns
   the array and *next_cursor. */
json_t *sentinelone_parse_page(const char *body, size_t len, char **next_cursor, fs_err_t *e);
/* Splunk export NDJSON: the non-preview "result" objects, in order; a
   FATAL/ERROR message is an error. Caller owns. */
json_t *splunk_parse_export(const char *body, size_t len, fs_err_t *e);
/* VirusTotal v3 object {"data": {"attributes": {"last_analysis_stats": …}}}
   → {"verdict", "malicious", "suspicious", "harmless", "undetected",
   "reputation", …}. Caller owns. */
json_t *virustotal_summarize(const char *body, size_t len, int malicious_threshold, fs_err_t *e);

/* ---- Tenable Vulnerability Management exports (sources/tenable_vulns.c) ----------- */

/* POST /vulns/export answer {"export_uuid": "…"}: copies the uuid (hex
   digits and '-') into uuid.  0, or -1 with e set. */
int tenable_parse_export_uuid(const char *body, size_t len, char *uuid, size_t size, fs_err_t *e);
/* GET /vulns/export/{uuid}/status answer → {"status": QUEUED|PROCESSING|
   FINISHED|CANCELLED|ERROR, "chunks": [chunk ids of chunks_available]}.
   Caller owns. */
json_t *tenable_parse_status(const char *body, size_t len, fs_err_t *e);
/* GET /vulns/export/{uuid}/chunks/{id}: a JSON array of vulnerability
   objects. Caller owns. */
json_t *tenable_parse_chunk(const char *body, size_t len, fs_err_t *e);

/* ---- PAN-OS, Teams (actuators/panos.c, responders/teams_message.c) ---------------- */

/* PAN-OS XML API <response status="success|error">: 0 on success, -1 on an
   error or an unreadable answer.  msg gets <msg> (or <line>) text on one
   line, job the commit <job> id ("" when none). */
int panos_parse_response(const char *body, size_t len, char *msg, size_t msg_size, char *job,
                         size_t job_size);
/* The answer to type=op show jobs id N: the job's <status> (ACT, PEND, FIN),
   its <result> (OK, FAIL, PEND) and its <details> lines joined with "; ".
   0, or -1 with details saying why (the device refused, no <job>). */
int panos_parse_job(const char *body, size_t len, char *status, size_t status_size, char *result,
                    size_t result_size, char *details, size_t details_size);

/* A Teams webhook answer: 0 when the card was taken (200 "1" or empty,
   202), else -1 with why (one line, at most 120 bytes of the answer). */
int teams_parse_answer(long status, const char *body, size_t len, char *why, size_t size);

/* ---- ServiceNow Table API ---------------------------------------------------- */

/* A Table API answer {"result": {"sys_id", "number", "state", …}} →
   {"sys_id", "number", "state"} (state only when the record has one). */
json_t *servicenow_parse_record(const char *body, size_t len, fs_err_t *e);
/* The text of a ServiceNow error answer {"error": {"message", "detail"}},
   on one line, into out ("" when the body says nothing usable). */
void servicenow_error_text(const char *body, size_t len, char *out, size_t size);
/* A Redmine answer {"issue": {"id", "subject", "status": {"id", "name",
   "is_closed"}}} → {"id", "subject", "status_id", "status", "is_closed"}
   (caller owns); NULL with e set when it has no positive integer id. */
json_t *redmine_parse_issue(const char *body, size_t len, fs_err_t *e);
/* Redmine's 422 answer {"errors": ["…", …]} joined with "; " on one line
   into out ("" when the body has none). */
void redmine_error_text(const char *body, size_t len, char *out, size_t size);

/* ---- JSON pointers (RFC 6901) and the http-json analyzer -------------------- */

/* Looks up ptr (len bytes, need not be NUL-terminated) in doc.  Returns 0 and
   sets *out (borrowed from doc) when found, 1 when the pointer is well
   formed but names nothing, -1 when it is malformed (not "" and not
   starting with '/', a '~' not followed by '0' or '1').  Array indexes are
   "0" or digits without a leading zero; "-" names nothing. */
int json_pointer_get(const json_t *doc, const char *ptr, size_t len, const json_t **out);

/* The result of http-json: the body (len bytes) parsed as JSON, and for
   each "name": "/pointer" of fields (an object, may be NULL or empty) the
   value found (null when absent), or the whole body when no field is
   configured.  Errors when the body is not JSON, a pointer is malformed,
   or the result, serialized, exceeds max_bytes. */
json_t *http_json_pick(const char *body, size_t len, const json_t *fields, size_t max_bytes,
                       fs_err_t *e);

/* ---- context analyzers --------------------------------------------------------- */

/* CrowdStrike /devices/entities/devices/v2 answer → the host context of its
   first resource: {"device_id", "hostname", "platform", "os_version",
   "local_ip", "external_ip", "last_seen", "status", "tags"}. */
json_t *crowdstrike_host_summary(const char *body, size_t len, fs_err_t *e);
/* CrowdStrike login-history answer → up to max {"user", "login_time"}
   objects, newest first as the vendor sent them. */
json_t *crowdstrike_login_users(const char *body, size_t len, size_t max, fs_err_t *e);

/* Okta GET /api/v1/users/{login} → {"id", "login", "email", "status",
   "display_name", "last_login", "linked_emails": [{"attribute", "value"}]}
   (linked_emails: profile.secondEmail, profile.email). */
json_t *okta_user_summary(const char *body, size_t len, fs_err_t *e);
/* Okta /api/v1/users/{id}/groups (an array of groups) → group names. */
json_t *okta_group_names(const char *body, size_t len, fs_err_t *e);
/* One Okta System Log event → a sign-in summary {"time", "event_type",
   "outcome", "reason", "ip", "city", "country", "user_agent"} (absent
   fields left out); NULL when the event is not an object. */
json_t *okta_signin_summary(const json_t *event);

/* Graph GET /v1.0/users/{upn} → {"id", "login", "email", "status"
   ("enabled"|"disabled"), "display_name", "linked_emails": [{"attribute",
   "value"}]} (linked_emails: mail, otherMails, proxyAddresses' SMTP:/smtp:
   entries without the prefix). */
json_t *entra_user_summary(const char *body, size_t len, fs_err_t *e);
/* One /memberOf element → its displayName (groups and directory roles);
   NULL when it has none. */
const char *entra_member_name(const json_t *obj);
/* One Graph sign-in → {"time", "app", "outcome" (success|failure),
   "error_code", "reason", "ip", "city", "country", "browser"}; NULL when
   it is not an object. */
json_t *entra_signin_summary(const json_t *signin);

/* ---- threat intelligence (issue 17.1) ---------------------------------------- */

/* MISP POST /events/restSearch answer → its Event objects (a new array
   the caller owns, holding its own references to them).
   NULL with e set when there is no response array or an element has no
   Event object. */
json_t *misp_events_page(const char *body, size_t len, fs_err_t *e);
/* One MISP event (or {"Event": {...}}) → its attributes, those of its
   objects included, each a copy carrying the event's summary under "Event"
   (uuid, info, threat_level_id, Orgc, Tag, ...); only to_ids ones when
   to_ids_only.  Caller owns; never NULL. */
json_t *misp_event_attributes(const json_t *event, bool to_ids_only);
/* MISP POST /attributes/restSearch answer → [{"type", "value", "to_ids",
   "tags", "category", "uuid", "event_uuid", "event_info"}].  NULL with e
   set when response.Attribute is missing or an element lacks value/type. */
json_t *misp_attributes_page(const char *body, size_t len, fs_err_t *e);
/* The misp-search result from those summaries (borrowed). Caller owns. */
json_t *misp_search_summary(const json_t *attributes, bool truncated);
/* ThreatStream GET /api/v2/intelligence/ answer → its objects (caller
   owns); *more when meta.next is set, *total meta.total_count (or -1).
   NULL with e set when objects is missing or an element has no value. */
json_t *threatstream_page(const char *body, size_t len, bool *more, json_int_t *total, fs_err_t *e);
/* One ThreatStream indicator → the analyzer's summary of it. Caller owns. */
json_t *threatstream_indicator_summary(const json_t *ind);
/* Joe Sandbox submission/new answer → data.submission_id as a JSON string
   (caller owns); NULL with e set when absent. */
json_t *joesandbox_submission_id(const char *body, size_t len, fs_err_t *e);
/* Joe Sandbox submission/info answer → {"status", "verdict", "webid",
   "score"} (those present; caller owns); NULL with e set when data.status
   is missing. */
json_t *joesandbox_submission_info(const char *body, size_t len, fs_err_t *e);
/* Joe Sandbox analysis/download type=misp (a MISP event) → distinct
   observables [{"type_id", "type", "value"}] of its IP, domain, URL, hash,
   email and file-name attributes (at most 500; caller owns); NULL with e
   set when there is no Event object. */
json_t *joesandbox_iocs(const char *body, size_t len, fs_err_t *e);
/* ANY.RUN POST /v1/analysis answer → data.taskid (a JSON string, caller
   owns); NULL with e set on {"error": true} or no UUID-like taskid. */
json_t *anyrun_taskid(const char *body, size_t len, fs_err_t *e);
/* ANY.RUN GET /v1/analysis/{taskid} → {"status", "verdict" (from
   scores.verdict.threatLevel), "verdict_text", "score"} (caller owns);
   NULL with e set when there is no data.status. */
json_t *anyrun_task_status(const char *body, size_t len, fs_err_t *e);
/* ANY.RUN GET /report/{taskid}/ioc/json → observables [{"type_id", "type",
   "value", "reputation"}] of its ip, domain, url and hash IOCs (at most
   500; caller owns); NULL with e set when it is not an array. */
json_t *anyrun_iocs(const char *body, size_t len, fs_err_t *e);
/* ThreatQ GET /api/indicators or POST /api/indicators/query answer → its
   data array (caller owns); *total its "total" (or -1).  NULL with e set
   when data is missing or an element has no value. */
json_t *threatq_page(const char *body, size_t len, json_int_t *total, fs_err_t *e);
/* One ThreatQ indicator → the analyzer's summary (score: the manual score
   when set, else the generated one). Caller owns. */
json_t *threatq_indicator_summary(const json_t *ind);

#endif
