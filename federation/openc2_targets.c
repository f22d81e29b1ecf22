/*  openc2_targets.c — the Language Spec v1.0 vocabulary (actions, targets,
    features) and the shape of every LS target (LS 3.3.1.2, 3.4.1, 3.4.2),
    with the value formats the JSON Schemas leave unchecked: hex hashes,
    CIDR ranges, ports, hostnames, email addresses, URIs/IRIs, MAC (EUI)
    addresses, base64url, Command-ID. One table row per target. */
#include "openc2_internal.h"

#include <arpa/inet.h>
#include <string.h>

const char *const oc2_actions[] = {
    "scan",   "locate",   "query",   "deny", "contain",     "allow",     "start",
    "stop",   "restart",  "cancel",  "set",  "update",      "redirect",  "create",
    "delete", "detonate", "restore", "copy", "investigate", "remediate", NULL,
};

const char *const oc2_features[] = {"versions", "profiles", "pairs", "rate_limit", NULL};

static const char *const l4_protocols[] = {"icmp", "tcp", "udp", "sctp", NULL};

bool oc2_is_action(const char *s)
{
    return oc2_in_list(s, oc2_actions);
}

/* ---- formats ---------------------------------------------------------------- */

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_alpha(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_hex(char ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* "/N" with 0 <= N <= max, decimal without sign or leading zero */
static bool parse_prefix(const char *p, int max)
{
    if (!*p || strlen(p) > 3)
        return false;
    if (p[0] == '0' && p[1])
        return false;
    int n = 0;
    for (; *p; p++) {
        if (!is_digit(*p))
            return false;
        n = n * 10 + (*p - '0');
    }
    return n <= max;
}

static bool ip_net(const char *s, int af, int maxprefix, const char **why)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof addr) {
        *why = "address missing or too long";
        return false;
    }
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    unsigned char bin[16];
    if (inet_pton(af, addr, bin) != 1) {
        *why = af == AF_INET ? "not a dotted-quad IPv4 address (RFC 2673 3.2)"
                             : "not an IPv6 address (RFC 4291 2.2)";
        return false;
    }
    if (slash && !parse_prefix(slash + 1, maxprefix)) {
        *why = af == AF_INET ? "prefix length must be 0..32" : "prefix length must be 0..128";
        return false;
    }
    return true;
}

bool oc2_fmt_ipv4_net(const char *s, const char **why)
{
    return ip_net(s, AF_INET, 32, why);
}

bool oc2_fmt_ipv6_net(const char *s, const char **why)
{
    return ip_net(s, AF_INET6, 128, why);
}

/* RFC 1034 3.5 / RFC 1123 2.1 hostnames; idn: labels may also hold UTF-8
   (U-labels, RFC 5890 2.3.2.3, not checked against IDNA2008 tables). */
bool oc2_fmt_hostname(const char *s, bool idn)
{
    size_t len = strlen(s);
    if (len == 0 || len > 253 + (s[len - 1] == '.'))
        return false;
    if (len > 1 && s[len - 1] == '.')
        len--;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (ch == '-') {
            if (label == 0)
                return false;
        } else if (!(is_alpha((char)ch) || is_digit((char)ch) || (idn && ch >= 0x80))) {
            return false;
        }
        if (++label > 63)
            return false;
    }
    return label > 0 && s[len - 1] != '-';
}

/* RFC 5322 3.4.1 addr-spec, dot-atom or quoted local part; idn: RFC 6531
   (UTF-8 allowed in both parts). Domain: hostname or [address literal]. */
bool oc2_fmt_email(const char *s, bool idn)
{
    const char *at = strrchr(s, '@');
    if (!at || at == s || strlen(s) > 254)
        return false;
    size_t llen = (size_t)(at - s);
    if (llen > 64)
        return false;
    if (s[0] == '"') {
        if (llen < 2 || s[llen - 1] != '"')
            return false;
        for (size_t i = 1; i + 1 < llen; i++) {
            unsigned char ch = (unsigned char)s[i];
            if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && !idn))
                return false;
            if (ch == '\\') {
                if (i + 2 >= llen)
                    return false;
                i++;
            } else if (ch == '"') {
                return false;
            }
        }
    } else {
        static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
        if (s[0] == '.' || s[llen - 1] == '.')
            return false;
        for (size_t i = 0; i < llen; i++) {
            unsigned char ch = (unsigned char)s[i];
            if (ch == '.') {
                if (s[i + 1] == '.')
                    return false;
            } else if (!(is_alpha((char)ch) || is_digit((char)ch) || (ch && strchr(atext, ch)) ||
                         (idn && ch >= 0x80))) {
                return false;
            }
        }
    }
    const char *dom = at + 1;
    size_t dlen = strlen(dom);
    if (dlen >= 2 && dom[0] == '[' && dom[dlen - 1] == ']') {
        char lit[64];
        unsigned char bin[16];
        if (dlen - 2 >= sizeof lit)
            return false;
        memcpy(lit, dom + 1, dlen - 2);
        lit[dlen - 2] = '\0';
        if (strncmp(lit, "IPv6:", 5) == 0)
            return inet_pton(AF_INET6, lit + 5, bin) == 1;
        return inet_pton(AF_INET, lit, bin) == 1;
    }
    return oc2_fmt_hostname(dom, idn);
}

/* RFC 3986 3 (URI: scheme ":" hier-part, ASCII only, valid %XX) and RFC 3987
   (IRI: UTF-8 characters allowed too). A syntax check, not a resolver. */
bool oc2_fmt_uri(const char *s, bool iri)
{
    static const char allowed[] = "-._~:/?#[]@!$&'()*+,;=";
    if (!is_alpha(s[0]))
        return false;
    const char *p = s + 1;
    while (is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    if (*p != ':')
        return false;
    for (p++; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '%') {
            if (!is_hex(p[1]) || !is_hex(p[2]))
                return false;
            p += 2;
        } else if (ch >= 0x80) {
            if (!iri)
                return false;
        } else if (!(is_alpha((char)ch) || is_digit((char)ch) || strchr(allowed, ch))) {
            return false;
        }
    }
    return true;
}

/* EUI-48 or EUI-64 in colon hexadecimal ("8c:85:90:72:31:af"). */
bool oc2_fmt_mac(const char *s)
{
    size_t len = strlen(s);
    if (len != 17 && len != 23)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (i % 3 == 2) {
            if (s[i] != ':')
                return false;
        } else if (!is_hex(s[i])) {
            return false;
        }
    }
    return true;
}

/* Binary /x: Base16 (RFC 4648 8). LS v1.0 3.1.5 says upper case; every
   published example uses lower case, so both are accepted. */
bool oc2_fmt_hex(const char *s, size_t len)
{
    if (strlen(s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_hex(s[i]))
            return false;
    return true;
}

bool oc2_fmt_uuid(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!is_hex(s[i])) {
            return false;
        }
    }
    return true;
}

/* Binary: base64url (RFC 4648 5), padding optional. */
bool oc2_fmt_base64url(const char *s)
{
    size_t len = strlen(s), pad = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '=') {
            pad++;
            continue;
        }
        if (pad || !(is_alpha(ch) || is_digit(ch) || ch == '-' || ch == '_'))
            return false;
    }
    if (pad > 2 || (pad && len % 4 != 0))
        return false;
    return (len - pad) % 4 != 1;
}

/* Unicode White_Space, which \s matches in the LS pattern ^\S{0,36}$. */
static bool is_unicode_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

bool oc2_fmt_command_id(const char *s)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;
        cp = len == 1 ? *p : len == 2 ? (*p & 0x1Fu) : len == 3 ? (*p & 0x0Fu) : (*p & 0x07u);
        for (int i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if (is_unicode_space(cp))
            return false;
        p += len;
        if (++n > 36)
            return false;
    }
    return true;
}

/* Nsid: "x-" + [a-z0-9][a-z0-9_-]* for non-standard profiles (LS 3.1.4),
   or [a-z][a-z0-9_]* for OASIS profiles; at most OC2_NAME_MAX characters. */
bool oc2_valid_nsid(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > OC2_NAME_MAX)
        return false;
    const char *p = s;
    if (strncmp(s, "x-", 2) == 0) {
        p = s + 2;
        if (!(*p >= 'a' && *p <= 'z') && !is_digit(*p))
            return false;
    } else if (!(*p >= 'a' && *p <= 'z')) {
        return false;
    }
    for (p++; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '_' || *p == '-'))
            return false;
    return true;
}

bool oc2_split_ext_target(const char *key, char *nsid, size_t size, const char **name)
{
    const char *colon = strchr(key, ':');
    if (!colon || colon == key || strlen(key) > OC2_NAME_MAX)
        return false;
    size_t n = (size_t)(colon - key);
    if (n >= size)
        return false;
    memcpy(nsid, key, n);
    nsid[n] = '\0';
    if (!oc2_valid_nsid(nsid))
        return false;
    const char *nm = colon + 1;
    if (!(*nm >= 'a' && *nm <= 'z'))
        return false;
    for (const char *p = nm + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '_'))
            return false;
    *name = nm;
    return true;
}

/* ---- shapes of LS types -------------------------------------------------------- */

typedef bool (*check_fn)(oc2_ctx_t *c, const json_t *v);

static bool check_string(oc2_ctx_t *c, const json_t *v)
{
    return json_is_string(v) ? true : oc2_bad(c, "must be a string");
}

static bool check_hostname(oc2_ctx_t *c, const json_t *v)
{
    if (!json_is_string(v))
        return oc2_bad(c, "must be a string");
    return oc2_fmt_hostname(json_string_value(v), false)
               ? true
               : oc2_bad(c, "not a hostname (RFC 1034 3.5, RFC 1123 2.1)");
}

static bool check_idn_hostname(oc2_ctx_t *c, const json_t *v)
{
    if (!json_is_string(v))
        return oc2_bad(c, "must be a string");
    return oc2_fmt_hostname(json_string_value(v), true)
               ? true
               : oc2_bad(c, "not an internationalized hostname (RFC 5890 2.3.2.3)");
}

static bool check_email(oc2_ctx_t *c, const json_t *v)
{
    if (!json_is_string(v))
        return oc2_bad(c, "must be a string");
    return oc2_fmt_email(json_string_value(v), false)
               ? true
               : oc2_bad(c, "not an email address (RFC 5322 3.4.1)");
}

static bool check_idn_email(oc2_ctx_t *c, const json_t *v)
{
    if (!json_is_string(v))
        return oc2_bad(c, "must be a string");
    return oc2_fmt_email(json_string_value(v), true)
               ? true
               : oc2_bad(c, "not an internationalized email address (RFC 6531)");
}

static bool check_uri(oc2_ctx_t *c, const json_t *v)
{
    if (!json_is_string(v))
        return oc2_bad(c, "must be a string");
    return oc2_fmt_uri(json_string_value(v), false) ? true : oc2_bad(c, "not a URI (RFC 3986 3)");
}

static bool check_iri(oc2_ctx_t *c, const json_t *v)
{
    if (!json_is_string(v))
        return oc2_bad(c, "must be a string");
    return oc2_fmt_uri(json_string_value(v), true) ? true : oc2_bad(c, "not an IRI (RFC 3987)");
}

static bool check_mac(oc2_ctx_t *c, const json_t *v)
{
    if (!json_is_string(v))
        return oc2_bad(c, "must be a string");
    return oc2_fmt_mac(json_string_value(v))
               ? true
               : oc2_bad(c, "not an EUI-48 or EUI-64 MAC address in colon hexadecimal");
}

static bool check_command_id(oc2_ctx_t *c, const json_t *v)
{
    if (!json_is_string(v))
        return oc2_bad(c, "must be a string");
    return oc2_fmt_command_id(json_string_value(v))
               ? true
               : oc2_bad(c, "Command-ID must match ^\\S{0,36}$ (LS 3.4.2.16)");
}

static bool check_ipv4_net(oc2_ctx_t *c, const json_t *v)
{
    const char *why = "";
    if (!json_is_string(v))
        return oc2_bad(c, "must be a string in CIDR notation");
    if (!oc2_fmt_ipv4_net(json_string_value(v), &why))
        return oc2_bad(c, "not an IPv4 CIDR range: %s", why);
    return true;
}

static bool check_ipv6_net(oc2_ctx_t *c, const json_t *v)
{
    const char *why = "";
    if (!json_is_string(v))
        return oc2_bad(c, "must be a string in CIDR notation");
    if (!oc2_fmt_ipv6_net(json_string_value(v), &why))
        return oc2_bad(c, "not an IPv6 CIDR range: %s", why);
    return true;
}

bool oc2_check_port(oc2_ctx_t *c, const json_t *v)
{
    int64_t n;
    if (!oc2_integral(v, &n))
        return oc2_bad(c, "port must be an integer");
    if (n < 0 || n > 65535)
        return oc2_bad(c, "port %lld out of range 0..65535", (long long)n);
    return true;
}

static bool check_protocol(oc2_ctx_t *c, const json_t *v)
{
    if (!json_is_string(v) || !oc2_in_list(json_string_value(v), l4_protocols))
        return oc2_bad(c, "protocol must be one of icmp, tcp, udp, sctp");
    return true;
}

static bool check_nonneg_int(oc2_ctx_t *c, const json_t *v)
{
    int64_t n;
    if (!oc2_integral(v, &n) || n < 0)
        return oc2_bad(c, "must be an integer >= 0");
    return true;
}

/* A Map/Record: each member from the table, at least min members. */
typedef struct field {
    const char *name;
    check_fn check;
} field_t;

static bool check_fields(oc2_ctx_t *c, const json_t *v, const field_t *fields, size_t min,
                         const char *what)
{
    if (!json_is_object(v))
        return oc2_bad(c, "%s must be an object", what);
    if (json_object_size(v) < min)
        return oc2_bad(c, "%s must contain at least %zu propert%s", what, min,
                       min == 1 ? "y" : "ies");
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)v, k, m)
    {
        const field_t *f = fields;
        while (f->name && strcmp(f->name, k) != 0)
            f++;
        size_t mark = oc2_push_key(c, k);
        bool ok = f->name ? f->check(c, m) : oc2_bad(c, "unknown property of %s", what);
        oc2_pop(c, mark);
        if (!ok)
            return false;
    }
    return true;
}

static bool hash_md5(oc2_ctx_t *c, const json_t *v)
{
    return json_is_string(v) && oc2_fmt_hex(json_string_value(v), 32)
               ? true
               : oc2_bad(c, "MD5 must be 32 hexadecimal digits");
}
static bool hash_sha1(oc2_ctx_t *c, const json_t *v)
{
    return json_is_string(v) && oc2_fmt_hex(json_string_value(v), 40)
               ? true
               : oc2_bad(c, "SHA-1 must be 40 hexadecimal digits");
}
static bool hash_sha256(oc2_ctx_t *c, const json_t *v)
{
    return json_is_string(v) && oc2_fmt_hex(json_string_value(v), 64)
               ? true
               : oc2_bad(c, "SHA-256 must be 64 hexadecimal digits");
}

static const field_t hashes_fields[] = {
    {"md5", hash_md5}, {"sha1", hash_sha1}, {"sha256", hash_sha256}, {NULL, NULL}};

static bool check_hashes(oc2_ctx_t *c, const json_t *v)
{
    return check_fields(c, v, hashes_fields, 1, "Hashes");
}

static bool check_payload(oc2_ctx_t *c, const json_t *v)
{
    if (!json_is_object(v) || json_object_size(v) != 1)
        return oc2_bad(c, "Payload must be an object with exactly one of bin, url");
    const json_t *bin = json_object_get(v, "bin"), *url = json_object_get(v, "url");
    if (bin) {
        size_t mark = oc2_push_key(c, "bin");
        bool ok = json_is_string(bin) && oc2_fmt_base64url(json_string_value(bin));
        if (!ok)
            oc2_bad(c, "must be base64url (RFC 4648 5)");
        oc2_pop(c, mark);
        return ok;
    }
    if (url) {
        size_t mark = oc2_push_key(c, "url");
        bool ok = check_uri(c, url);
        oc2_pop(c, mark);
        return ok;
    }
    return oc2_bad(c, "Payload must be an object with exactly one of bin, url");
}

static const field_t artifact_fields[] = {{"mime_type", check_string},
                                          {"payload", check_payload},
                                          {"hashes", check_hashes},
                                          {NULL, NULL}};
static const field_t device_fields[] = {{"hostname", check_hostname},
                                        {"idn_hostname", check_idn_hostname},
                                        {"device_id", check_string},
                                        {NULL, NULL}};
static const field_t file_fields[] = {
    {"name", check_string}, {"path", check_string}, {"hashes", check_hashes}, {NULL, NULL}};
static const field_t ipv4_conn_fields[] = {
    {"src_addr", check_ipv4_net}, {"src_port", oc2_check_port}, {"dst_addr", check_ipv4_net},
    {"dst_port", oc2_check_port}, {"protocol", check_protocol}, {NULL, NULL}};
static const field_t ipv6_conn_fields[] = {
    {"src_addr", check_ipv6_net}, {"src_port", oc2_check_port}, {"dst_addr", check_ipv6_net},
    {"dst_port", oc2_check_port}, {"protocol", check_protocol}, {NULL, NULL}};

static bool check_artifact(oc2_ctx_t *c, const json_t *v)
{
    return check_fields(c, v, artifact_fields, 1, "Artifact");
}
static bool check_device(oc2_ctx_t *c, const json_t *v)
{
    return check_fields(c, v, device_fields, 1, "Device");
}
static bool check_file(oc2_ctx_t *c, const json_t *v)
{
    return check_fields(c, v, file_fields, 1, "File");
}
static bool check_ipv4_conn(oc2_ctx_t *c, const json_t *v)
{
    return check_fields(c, v, ipv4_conn_fields, 1, "IPv4-Connection");
}
static bool check_ipv6_conn(oc2_ctx_t *c, const json_t *v)
{
    return check_fields(c, v, ipv6_conn_fields, 1, "IPv6-Connection");
}

static bool check_process(oc2_ctx_t *c, const json_t *v);
static const field_t process_fields[] = {{"pid", check_nonneg_int},
                                         {"name", check_string},
                                         {"cwd", check_string},
                                         {"executable", check_file},
                                         {"parent", check_process},
                                         {"command_line", check_string},
                                         {NULL, NULL}};

static bool check_process(oc2_ctx_t *c, const json_t *v)
{
    if (c->depth >= OC2_MAX_DEPTH)
        return oc2_bad(c, "process.parent nested deeper than %d levels", OC2_MAX_DEPTH);
    c->depth++;
    bool ok = check_fields(c, v, process_fields, 1, "Process");
    c->depth--;
    return ok;
}

/* ArrayOf(String) with size limits, optionally unique and from an enum. */
static bool check_string_array(oc2_ctx_t *c, const json_t *v, size_t min, size_t max,
                               const char *const *allowed, const char *what)
{
    if (!json_is_array(v))
        return oc2_bad(c, "%s must be an array", what);
    size_t n = json_array_size(v);
    if (n < min)
        return oc2_bad(c, "%s must hold at least %zu item%s", what, min, min == 1 ? "" : "s");
    if (max && n > max)
        return oc2_bad(c, "%s must hold at most %zu items", what, max);
    for (size_t i = 0; i < n; i++) {
        const json_t *it = json_array_get(v, i);
        size_t mark = oc2_push_index(c, i);
        bool ok = true;
        if (!json_is_string(it))
            ok = oc2_bad(c, "must be a string");
        else if (allowed && !oc2_in_list(json_string_value(it), allowed))
            ok = oc2_bad(c, "'%s' is not a %s item", json_string_value(it), what);
        for (size_t j = 0; ok && j < i; j++)
            if (json_equal(json_array_get(v, j), (json_t *)it))
                ok = oc2_bad(c, "duplicate item (items must be unique)");
        oc2_pop(c, mark);
        if (!ok)
            return false;
    }
    return true;
}

static bool check_features(oc2_ctx_t *c, const json_t *v)
{
    return check_string_array(c, v, 0, 10, oc2_features, "Features");
}

static bool check_properties(oc2_ctx_t *c, const json_t *v)
{
    return check_string_array(c, v, 1, 0, NULL, "Properties");
}

/* LS 3.3.1.2: one row per target. */
static const field_t target_table[] = {
    {"artifact", check_artifact},
    {"command", check_command_id},
    {"device", check_device},
    {"domain_name", check_hostname},
    {"email_addr", check_email},
    {"features", check_features},
    {"file", check_file},
    {"idn_domain_name", check_idn_hostname},
    {"idn_email_addr", check_idn_email},
    {"ipv4_net", check_ipv4_net},
    {"ipv6_net", check_ipv6_net},
    {"ipv4_connection", check_ipv4_conn},
    {"ipv6_connection", check_ipv6_conn},
    {"iri", check_iri},
    {"mac_addr", check_mac},
    {"process", check_process},
    {"properties", check_properties},
    {"uri", check_uri},
    {NULL, NULL},
};

const char *const oc2_targets[] = {
    "artifact",        "command",  "device",   "domain_name",
    "email_addr",      "features", "file",     "idn_domain_name",
    "idn_email_addr",  "ipv4_net", "ipv6_net", "ipv4_connection",
    "ipv6_connection", "iri",      "mac_addr", "process",
    "properties",      "uri",      NULL,
};

bool oc2_is_ls_target(const char *s)
{
    return oc2_in_list(s, oc2_targets);
}

bool oc2_check_ls_target(oc2_ctx_t *c, const char *name, const json_t *val)
{
    for (const field_t *t = target_table; t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t->check(c, val);
    return oc2_bad(c, "not a Language Spec target");
}
