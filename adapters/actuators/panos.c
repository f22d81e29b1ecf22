/*  panos_block.c — actuator "panos": OpenC2 SLPF deny/allow ipv4_net on a
    Palo Alto Networks firewall (PAN-OS XML API), through an address group
    that the firewall's security policy already drops.

      deny ipv4_net  → POST /api/ type=config&action=set
                          xpath=…/address/entry[@name='PREFIX-A.B.C.D_N']
   element=<ip-netmask>A.B.C.D/N</ip-netmask> POST /api/ type=config&action=set
                          xpath=…/address-group/entry[@name='GROUP']/static
   element=<member>PREFIX-A.B.C.D_N</member> POST /api/ type=commit&cmd=<commit></commit> allow
   ipv4_net → POST /api/ type=config&action=delete
                          xpath=…/address-group/entry[@name='GROUP']/static/member[text()='PREFIX-A.B.C.D_N']
                       POST /api/ type=config&action=delete
   xpath=…/address/entry[@name='PREFIX-A.B.C.D_N'] POST /api/ type=commit

    The API key (made once by an admin with type=keygen) travels in the
    X-PAN-KEY header, never in a URL.  Every call is a form POST; all are
    idempotent (set/delete of the same object, commit), so a 5xx is retried.
    Config (actuator_config.panos): base_url, api_token_file | api_token_env,
    address_group (required), vsys ("vsys1"), object_prefix ("fedsoar-"),
    commit (true), commit_timeout_s (120).  The admin role needs XML API:
    Configuration + Commit + Operational Requests (show jobs).

    A commit is a job: the device answers its id at once and applies the
    configuration in the background.  The job is polled
      POST /api/ type=op&cmd=<show><jobs><id>N</id></jobs></show>
    (0.5 s, doubling to 5 s, until commit_timeout_s) until its status is FIN;
    its result (OK or FAIL, with the device's detail lines) is the OpenC2
    response: 200 only when the rule is committed, 500 with the details when
    the commit failed or did not finish in time (the candidate configuration
    then holds the change; the next commit, ours or an admin's, applies it). */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    http_client_t *http;
    char xpath_base
        [256]; /* /config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='VSYS']
                */
    char group[64], prefix[32];
    bool commit;
    long commit_timeout_ms;
} panos_t;

/* The text of the first <tag>…</tag> after p (entities left as sent). */
static void xml_text(const char *body, size_t len, const char *tag, char *out, size_t size)
{
    char open[40], close[40];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    out[0] = '\0';
    const char *s = memmem(body, len, open, strlen(open));
    if (!s)
        return;
    s += strlen(open);
    const char *end = memmem(s, len - (size_t)(s - body), close, strlen(close));
    if (!end)
        return;
    size_t n = (size_t)(end - s);
    snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), s);
}

int panos_parse_response(const char *body, size_t len, char *msg, size_t msg_size, char *job,
                         size_t job_size)
{
    msg[0] = job[0] = '\0';
    const char *r = memmem(body, len, "<response", 9);
    if (!r)
        return snprintf(msg, msg_size, "not a PAN-OS XML API response"), -1;
    size_t rest = len - (size_t)(r - body);
    const char *gt = memchr(r, '>', rest);
    if (!gt)
        return snprintf(msg, msg_size, "truncated PAN-OS response"), -1;
    bool ok = memmem(r, (size_t)(gt - r), "status=\"success\"", 16) != NULL;
    xml_text(gt, rest - (size_t)(gt - r), "msg", msg, msg_size);
    if (!msg[0])
        xml_text(gt, rest - (size_t)(gt - r), "line", msg, msg_size);
    xml_text(gt, rest - (size_t)(gt - r), "job", job, job_size);
    for (char *p = msg; *p; p++) /* one line, no markup from the device in our messages */
        if (*p == '\n' || *p == '\r' || *p == '<' || *p == '>')
            *p = ' ';
    return ok ? 0 : -1;
}

int panos_parse_job(const char *body, size_t len, char *status, size_t status_size, char *result,
                    size_t result_size, char *details, size_t details_size)
{
    status[0] = result[0] = details[0] = '\0';
    char msg[256], none[8];
    if (panos_parse_response(body, len, msg, sizeof msg, none, sizeof none) != 0)
        return snprintf(details, details_size, "%s", msg[0] ? msg : "the device refused"), -1;
    const char *job = memmem(body, len, "<job>", 5);
    const char *end = job ? memmem(job, len - (size_t)(job - body), "</job>", 6) : NULL;
    if (!job || !end)
        return snprintf(details, details_size, "no <job> in the answer"), -1;
    size_t jl = (size_t)(end - job);
    xml_text(job, jl, "status", status, status_size);
    xml_text(job, jl, "result", result, result_size);
    /* every <line> of <details>, joined with "; " */
    const char *d = memmem(job, jl, "<details>", 9);
    size_t used = 0;
    while (d && used + 1 < details_size) {
        const char *l = memmem(d, jl - (size_t)(d - job), "<line>", 6);
        const char *le = l ? memmem(l, jl - (size_t)(l - job), "</line>", 7) : NULL;
        if (!l || !le)
            break;
        l += 6;
        int n = snprintf(details + used, details_size - used, "%s%.*s", used ? "; " : "",
                         (int)(le - l), l);
        used = n > 0 && (size_t)n < details_size - used ? used + (size_t)n : details_size - 1;
        d = le;
    }
    for (char *c = details; *c; c++) /* one line, no markup from the device */
        if (*c == '\n' || *c == '\r' || *c == '<' || *c == '>')
            *c = ' ';
    if (!status[0])
        return snprintf(details, details_size, "the job has no <status>"), -1;
    return 0;
}

static void cleanup(void **state_p)
{
    panos_t *p = *state_p;
    if (!p)
        return;
    http_client_destroy(&p->http);
    free(p);
    *state_p = NULL;
}

/* Names PAN-OS accepts in an xpath literal: letters, digits, - _ . and space. */
static bool plain_name(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n > 0 && n < max &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_. ") == n;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    const char *group = json_string_value(json_object_get(config, "address_group"));
    const char *vsys = json_string_value(json_object_get(config, "vsys"));
    const char *prefix = json_string_value(json_object_get(config, "object_prefix"));
    if (json_is_object(config) && (!group || !plain_name(group, 64))) {
        fs_err_set(e, "address_group: required, the address group your deny rule drops (letters, "
                      "digits, - _ .)");
        return NULL;
    }
    if ((vsys && !plain_name(vsys, 32)) || (prefix && !plain_name(prefix, 32))) {
        fs_err_set(e, "vsys / object_prefix: letters, digits, - _ . only");
        return NULL;
    }
    http_client_t *http =
        edr_http_new(config, "panos", "{\"auth\": \"header\", \"api_key_header\": \"X-PAN-KEY\"}",
                     "needs \"actuator_config\": {\"panos\": {\"base_url\", \"address_group\", "
                     "\"api_token_file\" | \"api_token_env\"}}",
                     e);
    if (!http)
        return NULL;
    panos_t *p = fs_xcalloc(1, sizeof *p);
    p->http = http;
    snprintf(p->xpath_base, sizeof p->xpath_base,
             "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='%s']",
             vsys ? vsys : "vsys1");
    snprintf(p->group, sizeof p->group, "%s", group);
    snprintf(p->prefix, sizeof p->prefix, "%s", prefix ? prefix : "fedsoar-");
    p->commit = !json_is_false(json_object_get(config, "commit"));
    json_t *ct = json_object_get(config, "commit_timeout_s");
    p->commit_timeout_ms = (json_is_integer(ct) ? (long)json_integer_value(ct) : 120) * 1000;
    return p;
}

static json_t *pairs(void *state)
{
    (void)state;
    return json_pack("{s:[s], s:[s]}", "deny", "ipv4_net", "allow", "ipv4_net");
}

/* One XML API call (form POST).  0, or -1 with err (the device's message). */
static int api(panos_t *p, const char *form, char *job, size_t job_size, char *err, size_t err_size)
{
    http_response_t r;
    fs_err_t e = {0};
    char msg[256], jb[32];
    int rc =
        http_client_request(p->http, "POST", "/api/", form, HTTP_IDEMPOTENT | HTTP_FORM, &r, &e);
    if (rc != 0)
        snprintf(err, err_size, "%s", e.text);
    else if (panos_parse_response(r.body, r.len, msg, sizeof msg, jb, sizeof jb) != 0)
        rc = -1,
        snprintf(err, err_size, "PAN-OS refused the call: %s", msg[0] ? msg : "(no message)");
    else if (job)
        snprintf(job, job_size, "%s", jb);
    http_response_clear(&r);
    return rc;
}

/* form = "type=config&action=ACTION&xpath=<escaped xpath>[&element=<escaped element>]" */
static int config_call(panos_t *p, const char *action, const char *xpath, const char *element,
                       char *err, size_t err_size)
{
    char *x = http_escape(xpath), *el = element ? http_escape(element) : NULL;
    char form[2048];
    int n = snprintf(form, sizeof form, "type=config&action=%s&xpath=%s%s%s", action, x,
                     el ? "&element=" : "", el ? el : "");
    free(x);
    free(el);
    if (n >= (int)sizeof form)
        return snprintf(err, err_size, "xpath too long"), -1;
    return api(p, form, NULL, 0, err, err_size);
}

/* "A.B.C.D" or "A.B.C.D/N" → canonical "A.B.C.D/N" and object name "A.B.C.D_N". */
static bool parse_net(const char *s, char *cidr, size_t csize, char *name, size_t nsize)
{
    char ip[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    uint64_t bits = 32;
    struct in_addr a;
    if (n >= sizeof ip ||
        (slash && (fs_parse_u64(slash + 1, &bits) != 0 || bits > 32 || !slash[1])))
        return false;
    memcpy(ip, s, n);
    ip[n] = '\0';
    if (inet_pton(AF_INET, ip, &a) != 1)
        return false;
    snprintf(cidr, csize, "%s/%u", ip, (unsigned)bits);
    snprintf(name, nsize, "%s_%u", ip, (unsigned)bits);
    return true;
}

/* Polls commit job `job` until FIN.  0 when its result is OK; -1 with err
   (the result and the device's details, or the timeout). */
static int wait_commit(panos_t *p, const char *job, char *err, size_t err_size)
{
    if (!job[0] || strspn(job, "0123456789") != strlen(job))
        return 0; /* nothing to commit ("There are no changes to commit"): no job */
    char form[160], status[32], result[32], details[400];
    snprintf(form, sizeof form,
             "type=op&cmd=%%3Cshow%%3E%%3Cjobs%%3E%%3Cid%%3E%s%%3C%%2Fid%%3E%%3C%%2Fjobs%%3E%%3C%%"
             "2Fshow%%3E",
             job);
    int64_t deadline = fs_now_ms() + p->commit_timeout_ms;
    long wait = 500;
    for (int polls = 1;; polls++) {
        http_response_t r;
        fs_err_t e = {0};
        int rc = http_client_request(p->http, "POST", "/api/", form, HTTP_IDEMPOTENT | HTTP_FORM,
                                     &r, &e);
        if (rc != 0) {
            http_response_clear(&r);
            return snprintf(err, err_size, "commit job %s: %s", job, e.text), -1;
        }
        rc = panos_parse_job(r.body, r.len, status, sizeof status, result, sizeof result, details,
                             sizeof details);
        http_response_clear(&r);
        if (rc != 0)
            return snprintf(err, err_size, "commit job %s: %s", job, details), -1;
        if (strcmp(status, "FIN") == 0) {
            fs_log(FS_LOG_INFO, "actuator", "panos_commit_done", "job=%s result=%s polls=%d", job,
                   result, polls);
            if (strcmp(result, "OK") == 0)
                return 0;
            return snprintf(err, err_size, "commit job %s finished %s: %s", job,
                            result[0] ? result : "without a result",
                            details[0] ? details : "(no details)"),
                   -1;
        }
        if (fs_now_ms() + wait > deadline)
            return snprintf(err, err_size,
                            "commit job %s not finished after %ld s (status %s): the change is in "
                            "the candidate configuration, not yet running",
                            job, p->commit_timeout_ms / 1000, status),
                   -1;
        zclock_sleep((int)wait);
        wait = wait * 2 > 5000 ? 5000 : wait * 2;
    }
}

static json_t *execute(void *state, const json_t *cmd)
{
    panos_t *p = state;
    const char *action = json_string_value(json_object_get(cmd, "action"));
    const char *net =
        json_string_value(json_object_get(json_object_get(cmd, "target"), "ipv4_net"));
    bool deny = action && strcmp(action, "deny") == 0,
         allow = action && strcmp(action, "allow") == 0;
    if ((!deny && !allow) || !net)
        return openc2_status(501, "panos does deny ipv4_net and allow ipv4_net only");
    char cidr[48], obj[48], name[96], addr_xpath[512], member_xpath[512], element[256], err[600],
        job[32] = "";
    if (!parse_net(net, cidr, sizeof cidr, obj, sizeof obj))
        return openc2_status(400, "ipv4_net \"%.60s\" is not A.B.C.D or A.B.C.D/N", net);
    snprintf(name, sizeof name, "%s%s", p->prefix, obj);
    snprintf(addr_xpath, sizeof addr_xpath, "%s/address/entry[@name='%s']", p->xpath_base, name);
    int rc;
    if (deny) {
        snprintf(element, sizeof element,
                 "<ip-netmask>%s</ip-netmask><description>fedsoar deny</description>", cidr);
        rc = config_call(p, "set", addr_xpath, element, err, sizeof err);
        snprintf(member_xpath, sizeof member_xpath, "%s/address-group/entry[@name='%s']/static",
                 p->xpath_base, p->group);
        snprintf(element, sizeof element, "<member>%s</member>", name);
        if (rc == 0)
            rc = config_call(p, "set", member_xpath, element, err, sizeof err);
    } else {
        snprintf(member_xpath, sizeof member_xpath,
                 "%s/address-group/entry[@name='%s']/static/member[text()='%s']", p->xpath_base,
                 p->group, name);
        rc = config_call(p, "delete", member_xpath, NULL, err, sizeof err);
        if (rc == 0)
            rc = config_call(p, "delete", addr_xpath, NULL, err, sizeof err);
    }
    if (rc == 0 && p->commit)
        rc =
            api(p, "type=commit&cmd=%3Ccommit%3E%3C%2Fcommit%3E", job, sizeof job, err, sizeof err);
    if (rc == 0 && p->commit)
        rc = wait_commit(p, job, err, sizeof err);
    json_t *res = rc != 0 ? openc2_status(500, "panos: %s", err)
                          : openc2_status(200, "%s %s in address group %s%s%s%s",
                                          deny ? "blocked" : "unblocked", cidr, p->group,
                                          job[0] ? ", commit job " : "", job, job[0] ? " OK" : "");
    fs_log(FS_LOG_INFO, "actuator", "panos_action", "action=%s net=%s group=%s status=%lld", action,
           cidr, p->group, (long long)json_integer_value(json_object_get(res, "status")));
    return res;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t panos_fields[] = {
    FS_REQUIRED("address_group", FS_S_STRING_LEN(1, 63)), FS_FIELD("vsys", FS_S_STRING_LEN(1, 31)),
    FS_FIELD("object_prefix", FS_S_STRING_LEN(1, 31)),    FS_FIELD("commit", FS_S_BOOL),
    FS_FIELD("commit_timeout_s", FS_S_INT(1, 3600)),      FS_FIELDS_END,
};
static const fs_schema_t panos_schema = {.type = FS_SCHEMA_OBJECT,
                                         .fields = {panos_fields, http_client_fields}};

const adapter_plugin_t actuator_panos = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_ACTUATOR,
    .type = "panos",
    .summary = "OpenC2 SLPF deny/allow ipv4_net -> PAN-OS address group (XML API set + commit)",
    .profile = "slpf",
    .init = init,
    .pairs = pairs,
    .execute = execute,
    .cleanup = cleanup,
    .config_schema = &panos_schema,
};
