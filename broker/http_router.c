/*  http_router.c — the HTTPS API's route table (docs/api.md) and the
    checks of a request's path, query and body before anything runs.

    Pure: a request in, the control command and its arguments out, or the
    problem to answer. Path parameters are one segment each, of a fixed
    alphabet (no ".", "..", empty or encoded-slash tricks survive it);
    every query parameter is declared with its type (unknown ones are
    refused, not ignored: a typo in a filter must not widen a listing);
    a JSON body is checked field by field against the route's schema, so
    the answer names every offending field by its JSON pointer. */
#include "config_schema.h"
#include "http_internal.h"

#include <stdarg.h>
#include <string.h>

#define HTTP_MAX_SEGMENTS 8
#define HTTP_SEGMENT_MAX 128

/* ---- query parameters ------------------------------------------------------ */

#define P_END                                                                                      \
    {                                                                                              \
        NULL, HTTP_P_STRING, NULL, 0                                                               \
    }
#define P_PAGE                                                                                     \
    {"cursor", HTTP_P_STRING, NULL, 0},                                                            \
    {                                                                                              \
        "limit", HTTP_P_UINT, NULL, 500                                                            \
    }

static const char *const case_statuses[] = {"new",      "analysis", "containment", "eradication",
                                            "recovery", "closed",   NULL};
static const http_param_t case_params[] = {
    {"status", HTTP_P_STRING, case_statuses, 0},
    {"severity", HTTP_P_UINT, NULL, 6},
    {"site", HTTP_P_STRING, NULL, 0},
    {"assignee", HTTP_P_STRING, NULL, 0},
    {"text", HTTP_P_STRING, NULL, 0},
    {"observable", HTTP_P_STRING, NULL, 0},
    P_PAGE,
    P_END,
};
static const http_param_t page_params[] = {P_PAGE, P_END};
static const http_param_t run_params[] = {
    {"status", HTTP_P_STRING, NULL, 0},
    {"case_id", HTTP_P_UINT, NULL, 0},
    {"playbook", HTTP_P_STRING, NULL, 0},
    P_PAGE,
    P_END,
};
static const http_param_t approval_params[] = {
    {"status", HTTP_P_STRING, (const char *const[]){"pending", "all", NULL}, 0},
    P_PAGE,
    P_END,
};
static const http_param_t window_params[] = {
    {"window", HTTP_P_STRING, (const char *const[]){"24h", "7d", "30d", "all", NULL}, 0},
    P_END,
};
static const http_param_t since_params[] = {{"since", HTTP_P_UINT, NULL, 0}, P_END};
/* audit.export: without limit the whole log, streamed (http_audit_stream.c). */
static const http_param_t audit_params[] = {{"since", HTTP_P_UINT, NULL, 0},
                                            {"limit", HTTP_P_UINT, NULL, 10000},
                                            {"follow", HTTP_P_BOOL, NULL, 0},
                                            P_END};
/* sites.gap / sites.coverage (docs/mna-gap.md): the window in days. */
static const http_param_t gap_params[] = {{"window_days", HTTP_P_UINT, NULL, 366}, P_END};
static const http_param_t coverage_params[] = {
    {"window_days", HTTP_P_UINT, NULL, 366}, {"site", HTTP_P_STRING, NULL, 0}, P_END};
/* metrics.by_site (MTTR parity): NNh or NNd up to 366 days, checked by the command. */
static const http_param_t by_site_params[] = {
    {"window", HTTP_P_STRING, NULL, 0},
    {"bucket", HTTP_P_STRING, (const char *const[]){"day", "week", NULL}, 0},
    P_END,
};

/* ---- bodies ------------------------------------------------------------------ */

static const char *is_object(const json_t *v)
{
    return json_is_object(v) ? NULL : "an object";
}

/* A name, or null to unassign. */
static const char *assignee_ok(const json_t *v)
{
    return json_is_null(v) ||
                   (json_is_string(v) && json_string_length(v) >= 1 && json_string_length(v) <= 128)
               ? NULL
               : "a name (1-128 characters) or null";
}

/* A signature: base64 Ed25519 (88 characters) or a passkey assertion as
   JSON (about 450-750 characters; more with a long credential id). */
#define SIGNATURE_MAX 4096

static const fs_schema_field_t case_patch_fields[] = {
    FS_FIELD("status",
             FS_S_ENUM("new", "analysis", "containment", "eradication", "recovery", "closed")),
    FS_FIELD("assignee", (&(const fs_schema_t){.type = FS_SCHEMA_ANY, .check = assignee_ok})),
    FS_FIELD("severity_id", FS_S_INT(0, 6)),
    FS_FIELDS_END,
};
static const fs_schema_field_t note_fields[] = {
    FS_REQUIRED("text", FS_S_STRING_LEN(1, 10000)),
    FS_FIELDS_END,
};
static const fs_schema_field_t vote_fields[] = {
    FS_REQUIRED("decision", FS_S_ENUM("approve", "deny")),
    FS_FIELD("comment", FS_S_STRING_LEN(0, 2000)),
    FS_FIELD("payload", FS_S_STRING_LEN(1, 8192)),
    FS_FIELD("signature", FS_S_STRING_LEN(1, SIGNATURE_MAX)),
    FS_FIELDS_END,
};
static const fs_schema_field_t submit_fields[] = {
    FS_REQUIRED("doc", (&(const fs_schema_t){.type = FS_SCHEMA_ANY, .check = is_object})),
    FS_FIELD("origin", FS_S_STRING_LEN(1, 256)),
    FS_FIELDS_END,
};
static const fs_schema_field_t decide_fields[] = {
    FS_REQUIRED("payload", FS_S_STRING_LEN(1, 8192)),
    FS_REQUIRED("signature", FS_S_STRING_LEN(1, SIGNATURE_MAX)),
    FS_FIELD("reason", FS_S_STRING_LEN(0, 2000)),
    FS_FIELDS_END,
};
static const fs_schema_field_t activate_fields[] = {
    FS_REQUIRED("site", &fs_schema_name),
    FS_FIELD("shadow", FS_S_BOOL),
    FS_FIELDS_END,
};
static const fs_schema_field_t rollback_fields[] = {
    FS_REQUIRED("name", FS_S_STRING_LEN(1, 128)),
    FS_FIELDS_END,
};
/* phased rollout (docs/governance.md "Phased rollout") */
static const fs_schema_field_t promote_fields[] = {
    FS_REQUIRED("site", &fs_schema_name),
    FS_FIELD("override", FS_S_STRING_LEN(1, 2000)),
    FS_FIELDS_END,
};
static const fs_schema_field_t promotion_sign_fields[] = {
    FS_REQUIRED("payload", FS_S_STRING_LEN(1, 1024)),
    FS_REQUIRED("signature", FS_S_STRING_LEN(1, SIGNATURE_MAX)),
    FS_FIELDS_END,
};
static const fs_schema_field_t rollout_rollback_fields[] = {
    FS_REQUIRED("site", &fs_schema_name),
    FS_FIELD("to", FS_S_ENUM("observe", "shadow", "supervised", "automated")),
    FS_FIELDS_END,
};
static const fs_schema_field_t passkey_register_fields[] = {
    FS_REQUIRED("credential_id", FS_S_STRING_LEN(1, 400)),
    FS_REQUIRED("public_key", FS_S_STRING_LEN(1, 700)),
    FS_REQUIRED("alg", FS_S_INT(-65535, 65535)),
    FS_REQUIRED("client_data_json", FS_S_STRING_LEN(1, 2800)),
    FS_FIELDS_END,
};
static const fs_schema_field_t no_fields[] = {FS_FIELDS_END};

#define BODY(table) (&(const fs_schema_t){.type = FS_SCHEMA_OBJECT, .fields = {table}})

/* GET /approvals?status=pending|all: the command takes all: true|false. */
static void approvals_status(json_t *args)
{
    const char *s = json_string_value(json_object_get(args, "status"));
    json_object_set_new(args, "all", json_boolean(s && strcmp(s, "all") == 0));
    json_object_del(args, "status");
}

/* ---- the table ----------------------------------------------------------------- */

#define R(m, p, c) .method = (m), .pattern = (p), .cmd = (c)

static const http_route_t routes[] = {
    {R("GET", "/api/v1/cases", "case.list"), .params = case_params},
    {R("GET", "/api/v1/cases/{id}", "case.show")},
    {R("PATCH", "/api/v1/cases/{id}", "case.update"), .body = BODY(case_patch_fields),
     .body_into = "fields"},
    {R("GET", "/api/v1/cases/{id}/timeline", "case.timeline"), .params = page_params},
    {R("POST", "/api/v1/cases/{id}/notes", "case.note"), .body = BODY(note_fields), .success = 201},
    {R("GET", "/api/v1/runs", "runs.list"), .params = run_params},
    {R("GET", "/api/v1/runs/{id}", "run.show")},
    {R("GET", "/api/v1/approvals", "approvals.list"), .params = approval_params,
     .adjust = approvals_status},
    {R("GET", "/api/v1/approvals/{id}", "approval.show")},
    {R("POST", "/api/v1/approvals/{id}/votes", "approval.decide"), .body = BODY(vote_fields),
     .success = 201},
    {R("GET", "/api/v1/playbooks", "playbooks.list")},
    {R("GET", "/api/v1/playbooks/{name}/versions", "playbook.history")},
    {R("GET", "/api/v1/playbooks/{name}/comparison", "playbook.compare")},
    {R("GET", "/api/v1/playbook-versions/{version}", "playbook.get")},
    {R("GET", "/api/v1/playbook-versions/{a}/diff/{b}", "playbook.diff")},
    {R("GET", "/api/v1/playbook-versions/{version}/bpmn", "playbook.bpmn"),
     .answer = HTTP_ANSWER_XML},
    {R("POST", "/api/v1/playbook-versions", "playbook.submit"), .body = BODY(submit_fields),
     .success = 201},
    {R("POST", "/api/v1/playbook-versions/{version}/approvals", "playbook.decide"),
     .body = BODY(decide_fields), .success = 201},
    {R("POST", "/api/v1/playbook-versions/{version}/activations", "playbook.activate"),
     .body = BODY(activate_fields), .success = 201},
    {R("POST", "/api/v1/playbook-versions/{version}/retirement", "playbook.retire"),
     .body = BODY(no_fields), .body_optional = true},
    {R("POST", "/api/v1/sites/{site}/rollback", "playbook.rollback"),
     .body = BODY(rollback_fields)},
    {R("GET", "/api/v1/rollouts", "rollout.list")},
    {R("GET", "/api/v1/rollouts/{name}", "rollout.status")},
    {R("POST", "/api/v1/rollouts/{name}/proposals", "rollout.promote"),
     .body = BODY(promote_fields), .success = 201},
    {R("POST", "/api/v1/rollouts/{name}/signatures", "rollout.sign"),
     .body = BODY(promotion_sign_fields)},
    {R("POST", "/api/v1/rollouts/{name}/rollback", "rollout.rollback"),
     .body = BODY(rollout_rollback_fields)},
    {R("GET", "/api/v1/sites", "sites")},
    {R("GET", "/api/v1/sites/gap", "sites.gap"), .params = gap_params},
    {R("GET", "/api/v1/sites/coverage", "sites.coverage"), .params = coverage_params},
    {R("GET", "/api/v1/metrics/response", "metrics"), .params = window_params},
    {R("GET", "/api/v1/metrics/by-site", "metrics.by_site"), .params = by_site_params},
    {R("GET", "/api/v1/audit/verify", "audit.verify")},
    {R("GET", "/api/v1/audit/entries", "audit.export"), .params = audit_params,
     .answer = HTTP_ANSWER_AUDIT},
    {R("GET", "/api/v1/stream", "events.since"), .params = since_params,
     .answer = HTTP_ANSWER_STREAM},
    {R("GET", "/api/v1/session", "session.whoami")},
    {R("DELETE", "/api/v1/session", "session.logout")},
    {R("GET", "/api/v1/openapi.json", NULL), .public_route = true},
    {R("GET", "/metrics", "metrics.prometheus"), .answer = HTTP_ANSWER_TEXT},
    {R("GET", "/api/v1/passkey-enrollments/{nonce}", "passkey.options"), .public_route = true},
    {R("POST", "/api/v1/passkey-enrollments/{nonce}", "passkey.register"), .public_route = true,
     .body = BODY(passkey_register_fields)},
    {R("GET", "/login/{nonce}", "login.peek"), .public_route = true, .answer = HTTP_ANSWER_HTML},
    {R("POST", "/login/{nonce}", "login.confirm"), .public_route = true, .answer = HTTP_ANSWER_HTML,
     .body_ignored = true},
    {0},
};

const http_route_t *http_routes(void)
{
    return routes;
}

/* ---- problems ------------------------------------------------------------------ */

const char *http_status_title(unsigned status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

int http_problem_set(http_problem_t *p, unsigned status, const char *fmt, ...)
{
    p->status = status;
    snprintf(p->title, sizeof p->title, "%s", http_status_title(status));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->detail, sizeof p->detail, fmt, ap);
    va_end(ap);
    return (int)status;
}

void http_problem_add(http_problem_t *p, const char *pointer, const char *parameter,
                      const char *detail)
{
    if (!p->errors)
        p->errors = json_array();
    if (json_array_size(p->errors) >= 32) /* enough to act on; bounded */
        return;
    json_array_append_new(p->errors, json_pack("{s:s, s:s}", pointer ? "pointer" : "parameter",
                                               pointer ? pointer : parameter, "detail", detail));
}

void http_problem_clear(http_problem_t *p)
{
    json_decref(p->errors);
    memset(p, 0, sizeof *p);
}

void http_match_clear(http_match_t *m)
{
    json_decref(m->args);
    memset(m, 0, sizeof *m);
}

/* ---- path ------------------------------------------------------------------------ */

/* Splits "/a/b/c" into segments; -1 for anything that is not a plain
   absolute path (empty segment, trailing slash, "." or "..", too deep). */
static int split_path(const char *path, char seg[][HTTP_SEGMENT_MAX], int max)
{
    if (!path || path[0] != '/')
        return -1;
    int n = 0;
    const char *p = path + 1;
    if (!*p)
        return 0;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (n == max || len == 0 || len >= HTTP_SEGMENT_MAX)
            return -1;
        memcpy(seg[n], p, len);
        seg[n][len] = '\0';
        if (strcmp(seg[n], ".") == 0 || strcmp(seg[n], "..") == 0)
            return -1;
        n++;
        if (!slash)
            return n;
        p = slash + 1;
    }
}

/* A path parameter's value: letters, digits, "-", "_", "." (not first). */
static bool segment_ok(const char *s)
{
    if (!*s || *s == '.')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

/* Whether path segments match the route's pattern; path parameters go into args. */
static bool match_pattern(const char *pattern, char seg[][HTTP_SEGMENT_MAX], int n, json_t *args,
                          http_problem_t *p)
{
    char pat[HTTP_MAX_SEGMENTS][HTTP_SEGMENT_MAX];
    if (split_path(pattern, pat, HTTP_MAX_SEGMENTS) != n)
        return false;
    for (int i = 0; i < n; i++)
        if (pat[i][0] != '{' && strcmp(pat[i], seg[i]) != 0)
            return false;
    for (int i = 0; args && i < n; i++) {
        if (pat[i][0] != '{')
            continue;
        char name[HTTP_SEGMENT_MAX];
        snprintf(name, sizeof name, "%.*s", (int)strlen(pat[i]) - 2, pat[i] + 1);
        uint64_t id;
        if (strcmp(name, "id") == 0) {
            if (fs_parse_u64(seg[i], &id) != 0 || id == 0 || id > (uint64_t)INT64_MAX) {
                http_problem_set(p, 404, "\"%s\" is not an id (a positive integer)", seg[i]);
                return false;
            }
            json_object_set_new(args, name, json_integer((json_int_t)id));
        } else if (!segment_ok(seg[i])) {
            http_problem_set(p, 404, "no resource is named like that");
            return false;
        } else {
            json_object_set_new(args, name, json_string(seg[i]));
        }
    }
    return true;
}

/* ---- query ------------------------------------------------------------------------ */

static int check_query(const http_route_t *r, const http_request_t *req, json_t *args,
                       http_problem_t *p)
{
    for (size_t i = 0; i < req->n_query; i++) {
        const char *name = req->query_names[i],
                   *value = req->query_values[i] ? req->query_values[i] : "";
        const http_param_t *def = NULL;
        for (const http_param_t *q = r->params; q && q->name; q++)
            if (strcmp(q->name, name) == 0)
                def = q;
        char msg[256];
        if (!def) {
            snprintf(msg, sizeof msg, "unknown query parameter");
            http_problem_add(p, NULL, name, msg);
            continue;
        }
        if (json_object_get(args, name)) {
            http_problem_add(p, NULL, name, "given more than once");
            continue;
        }
        if (strlen(value) > 512) {
            http_problem_add(p, NULL, name, "longer than 512 bytes");
            continue;
        }
        uint64_t n;
        switch (def->type) {
        case HTTP_P_UINT:
            if (fs_parse_u64(value, &n) != 0 || (def->max && n > def->max) ||
                n > (uint64_t)INT64_MAX) {
                if (def->max)
                    snprintf(msg, sizeof msg, "expected an integer 0..%llu", def->max);
                else
                    snprintf(msg, sizeof msg, "expected a non-negative integer");
                http_problem_add(p, NULL, name, msg);
            } else {
                json_object_set_new(args, name, json_integer((json_int_t)n));
            }
            break;
        case HTTP_P_BOOL:
            if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
                http_problem_add(p, NULL, name, "expected true or false");
            else
                json_object_set_new(args, name, json_boolean(value[0] == 't'));
            break;
        case HTTP_P_STRING: {
            bool ok = def->enums == NULL && value[0];
            size_t len = 0;
            for (const char *const *en = def->enums; en && *en; en++)
                ok = ok || strcmp(*en, value) == 0;
            if (!ok && def->enums) {
                len = (size_t)snprintf(msg, sizeof msg, "expected one of:");
                for (const char *const *en = def->enums; *en && len < sizeof msg; en++)
                    len += (size_t)snprintf(msg + len, sizeof msg - len, " %s", *en);
                http_problem_add(p, NULL, name, msg);
            } else if (!ok) {
                http_problem_add(p, NULL, name, "empty");
            } else {
                json_object_set_new(args, name, json_string(value));
            }
            break;
        }
        }
    }
    if (p->errors) {
        http_problem_set(p, 400, "bad query parameter(s); see errors");
        return -1;
    }
    return 0;
}

/* ---- body --------------------------------------------------------------------------- */

/* "$.a.b[2]" -> "/a/b/2" (RFC 6901: "~" -> "~0", "/" -> "~1"). */
static void json_path_to_pointer(const char *path, char *out, size_t size)
{
    size_t o = 0;
    const char *s = path[0] == '$' ? path + 1 : path;
    while (*s && o + 3 < size) {
        if (*s == '.' || *s == '[') {
            bool quoted = s[0] == '[' && s[1] == '"';
            s += quoted ? 2 : 1;
            out[o++] = '/';
            for (; *s && o + 3 < size; s++) {
                if ((quoted && *s == '"') || (!quoted && (*s == '.' || *s == '[' || *s == ']')))
                    break;
                if (*s == '~' || *s == '/') {
                    out[o++] = '~';
                    out[o++] = *s == '~' ? '0' : '1';
                } else {
                    out[o++] = *s;
                }
            }
            if (quoted && *s == '"')
                s++;
            if (*s == ']')
                s++;
        } else {
            s++;
        }
    }
    out[o] = '\0';
}

/* The message after "PATH: " in a schema error. */
static const char *after_path(const char *text)
{
    const char *colon = strstr(text, ": ");
    return colon ? colon + 2 : text;
}

static int check_body(const http_route_t *r, const http_request_t *req, json_t *args,
                      http_problem_t *p)
{
    if (!r->body || r->body_ignored)
        return 0;
    if (req->body_len == 0 && r->body_optional)
        return 0;
    if (req->body_len && !req->body_is_json) { /* before reading it */
        http_problem_set(p, 415, "send the body as Content-Type: application/json");
        return -1;
    }
    json_error_t je;
    json_t *body =
        json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!body) {
        http_problem_set(p, 400, "the body is not JSON: %s (line %d, column %d, byte %d)", je.text,
                         je.line, je.column, je.position);
        http_problem_add(p, "", NULL, "not JSON");
        return -1;
    }
    if (!json_is_object(body)) {
        http_problem_set(p, 400, "the body must be a JSON object");
        http_problem_add(p, "", NULL, "expected an object");
        json_decref(body);
        return -1;
    }
    /* Field by field, so that every offending field is named. */
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        char path[300], ptr[600];
        fs_schema_path_key(path, sizeof path, "$", key);
        json_path_to_pointer(path, ptr, sizeof ptr);
        const fs_schema_field_t *f = fs_schema_field(r->body, key);
        fs_err_t e = {0};
        if (!f)
            http_problem_add(p, ptr, NULL, "unknown field");
        else if (fs_schema_check(f->schema, v, path, &e) != 0) {
            char inner[600], at[600];
            snprintf(at, sizeof at, "%.*s", (int)strcspn(e.text, ":"), e.text);
            json_path_to_pointer(at, inner, sizeof inner);
            http_problem_add(p, inner, NULL, after_path(e.text));
        }
    }
    for (const fs_schema_field_t *f = r->body->fields[0]; f && f->key; f++)
        if (f->required && !json_object_get(body, f->key)) {
            char ptr[200];
            snprintf(ptr, sizeof ptr, "/%s", f->key);
            http_problem_add(p, ptr, NULL, "required");
        }
    if (p->errors) {
        http_problem_set(p, 400, "the body does not fit %s %s; see errors", r->method, r->pattern);
        json_decref(body);
        return -1;
    }
    if (r->body_into)
        json_object_set(args, r->body_into, body);
    else
        json_object_update_missing(args, body); /* path parameters win */
    json_decref(body);
    return 0;
}

/* ---- the router ------------------------------------------------------------------- */

int http_route_request(const http_request_t *req, http_match_t *m, http_problem_t *p)
{
    memset(m, 0, sizeof *m);
    char seg[HTTP_MAX_SEGMENTS][HTTP_SEGMENT_MAX];
    int n = split_path(req->path, seg, HTTP_MAX_SEGMENTS);
    if (n < 0) {
        http_problem_set(p, 404, "no such resource");
        return 404;
    }
    char allow[128] = "";
    const http_route_t *found = NULL;
    for (const http_route_t *r = routes; r->method; r++) {
        if (!match_pattern(r->pattern, seg, n, NULL, p))
            continue;
        if (strcmp(r->method, req->method ? req->method : "") == 0) {
            found = r;
            break;
        }
        size_t len = strlen(allow);
        snprintf(allow + len, sizeof allow - len, "%s%s", len ? ", " : "", r->method);
    }
    if (!found && allow[0]) {
        http_problem_set(p, 405, "%s", allow); /* the Allow header's value */
        return 405;
    }
    if (!found) {
        http_problem_set(p, 404, "no such resource");
        return 404;
    }
    m->route = found;
    m->args = json_object();
    if (!match_pattern(found->pattern, seg, n, m->args, p) ||
        check_query(found, req, m->args, p) != 0 || check_body(found, req, m->args, p) != 0) {
        http_match_clear(m);
        return (int)p->status;
    }
    if (found->adjust)
        found->adjust(m->args);
    return 0;
}
