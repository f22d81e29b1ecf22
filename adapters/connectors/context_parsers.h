/*  context_parsers.h — private to libfedsoar_adapters: the payload parsers
    of the ServiceNow responder, the generic http-json analyzer and the
    host / identity context analyzers, which tests/fuzz/fuzz_*.c drive
    directly (the older parsers are in connectors.h and vendor_parsers.h).
    Every function here borrows its inputs and returns a new reference the
    caller owns, or NULL with e set. */
#ifndef FEDSOAR_CONTEXT_PARSERS_H
#define FEDSOAR_CONTEXT_PARSERS_H

#include "connectors.h"

/* ---- ServiceNow Table API ---------------------------------------------------- */

/* A Table API answer {"result": {"sys_id", "number", "state", …}} →
   {"sys_id", "number", "state"} (state only when the record has one). */
json_t *servicenow_parse_record(const char *body, size_t len, fs_err_t *e);
/* The text of a ServiceNow error answer {"error": {"message", "detail"}},
   on one line, into out ("" when the body says nothing usable). */
void servicenow_error_text(const char *body, size_t len, char *out, size_t size);

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
   "display_name", "last_login"}. */
json_t *okta_user_summary(const char *body, size_t len, fs_err_t *e);
/* Okta /api/v1/users/{id}/groups (an array of groups) → group names. */
json_t *okta_group_names(const char *body, size_t len, fs_err_t *e);
/* One Okta System Log event → a sign-in summary {"time", "event_type",
   "outcome", "reason", "ip", "city", "country", "user_agent"} (absent
   fields left out); NULL when the event is not an object. */
json_t *okta_signin_summary(const json_t *event);

/* Graph GET /v1.0/users/{upn} → {"id", "login", "email", "status"
   ("enabled"|"disabled"), "display_name"}. */
json_t *entra_user_summary(const char *body, size_t len, fs_err_t *e);
/* One /memberOf element → its displayName (groups and directory roles);
   NULL when it has none. */
const char *entra_member_name(const json_t *obj);
/* One Graph sign-in → {"time", "app", "outcome" (success|failure),
   "error_code", "reason", "ip", "city", "country", "browser"}; NULL when
   it is not an object. */
json_t *entra_signin_summary(const json_t *signin);

#endif
