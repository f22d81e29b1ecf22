/*  email_auth.c — reads the verdicts of an Authentication-Results header
    (RFC 8601) for decode_rfc822.c:

      mx.alpha.example; spf=fail (sender IP is 203.0.113.9)
          smtp.mailfrom=paypa1-billing.example; dkim=none;
          dmarc=fail (p=REJECT sp=REJECT dis=NONE) header.from=paypa1-billing.example

    gives {"authserv_id": "mx.alpha.example", "spf": "fail", "dkim": "none",
    "dmarc": "fail", "dmarc_policy": "reject", "dmarc_from": "paypa1-billing.example",
    "spf_mailfrom": "paypa1-billing.example"} (and "dkim_domain" from
    header.d / header.i).  The first verdict per method wins: the caller
    passes the top-most header, the one the receiving server added. */
#include "internal.h"

#include <ctype.h>
#include <string.h>

static void set_lower(json_t *o, const char *key, const char *s, size_t n)
{
    if (n == 0 || n > 255 || json_object_get(o, key))
        return;
    char buf[256];
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)s[i]);
    json_t *v = json_stringn(buf, n);
    if (v)
        json_object_set_new(o, key, v);
}

/* Value of "name=" inside s[0..n) (word boundary before name), up to a
   space, ';' or ')'. */
static bool prop(const char *s, size_t n, const char *name, const char **v, size_t *vn)
{
    size_t l = strlen(name);
    for (size_t i = 0; i + l < n; i++) {
        if (strncasecmp(s + i, name, l) != 0 ||
            (i > 0 && !isspace((unsigned char)s[i - 1]) && s[i - 1] != '(' && s[i - 1] != ';'))
            continue;
        size_t e = i + l;
        while (e < n && !isspace((unsigned char)s[e]) && s[e] != ';' && s[e] != ')')
            e++;
        *v = s + i + l;
        *vn = e - i - l;
        return *vn > 0;
    }
    return false;
}

void nz_email_auth_parse(json_t *auth, const char *hv)
{
    size_t len = strlen(hv);
    size_t i = 0;
    while (i < len && isspace((unsigned char)hv[i]))
        i++;
    size_t id_end = i;
    while (id_end < len && hv[id_end] != ';' && !isspace((unsigned char)hv[id_end]))
        id_end++;
    if (!json_object_get(auth, "authserv_id"))
        set_lower(auth, "authserv_id", hv + i, id_end - i);
    /* resinfo clauses are separated by ';' (not inside comments) */
    size_t pos = id_end;
    while (pos < len) {
        while (pos < len && (hv[pos] == ';' || isspace((unsigned char)hv[pos])))
            pos++;
        size_t end = pos;
        int depth = 0;
        while (end < len && (depth > 0 || hv[end] != ';')) {
            if (hv[end] == '(')
                depth++;
            else if (hv[end] == ')' && depth > 0)
                depth--;
            end++;
        }
        const char *c = hv + pos;
        size_t n = end - pos;
        size_t m = 0;
        while (m < n && (isalnum((unsigned char)c[m]) || c[m] == '-' || c[m] == '_'))
            m++;
        if (m < n && c[m] == '=') {
            size_t r = m + 1, re = r;
            while (re < n && (isalnum((unsigned char)c[re]) || c[re] == '-' || c[re] == '_'))
                re++;
            const char *v;
            size_t vn;
            if (m == 3 && strncasecmp(c, "spf", 3) == 0) {
                set_lower(auth, "spf", c + r, re - r);
                if (prop(c, n, "smtp.mailfrom=", &v, &vn))
                    set_lower(auth, "spf_mailfrom", v, vn);
            } else if (m == 4 && strncasecmp(c, "dkim", 4) == 0) {
                set_lower(auth, "dkim", c + r, re - r);
                if (prop(c, n, "header.d=", &v, &vn) || prop(c, n, "header.i=", &v, &vn)) {
                    const char *at = memchr(v, '@', vn);
                    if (at) {
                        vn -= (size_t)(at + 1 - v);
                        v = at + 1;
                    }
                    set_lower(auth, "dkim_domain", v, vn);
                }
            } else if (m == 5 && strncasecmp(c, "dmarc", 5) == 0) {
                set_lower(auth, "dmarc", c + r, re - r);
                if (prop(c, n, "p=", &v, &vn))
                    set_lower(auth, "dmarc_policy", v, vn);
                if (prop(c, n, "header.from=", &v, &vn))
                    set_lower(auth, "dmarc_from", v, vn);
            }
        }
        pos = end;
    }
}
