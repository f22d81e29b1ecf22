/*  routing_addr.c — the values a scope holds: CIDRs (IPv4 and IPv6 in one
    128-bit form), DNS suffixes and hostname globs, normalized and checked
    (routing_internal.h). */
#include "routing_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- addresses ------------------------------------------------------------- */

addr128_t route_addr_mask(addr128_t a, int len)
{
    addr128_t m = a;
    if (len <= 0) {
        m.hi = m.lo = 0;
    } else if (len < 64) {
        m.hi &= ~0ULL << (64 - len);
        m.lo = 0;
    } else if (len == 64) {
        m.lo = 0;
    } else if (len < 128) {
        m.lo &= ~0ULL << (128 - len);
    }
    return m;
}

int route_addr_cmp(addr128_t a, addr128_t b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

/* The last address of the prefix a/len. */
addr128_t route_addr_last(addr128_t a, int len)
{
    addr128_t r = route_addr_mask(a, len);
    if (len <= 0) {
        r.hi = r.lo = ~0ULL;
    } else if (len < 64) {
        r.hi |= ~0ULL >> len;
        r.lo = ~0ULL;
    } else if (len < 128) {
        r.lo |= len == 64 ? ~0ULL : ~0ULL >> (len - 64);
    }
    return r;
}

static uint64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Parses "a.b.c.d[/n]" (v6 false) or an IPv6 "x::y[/n]" into addr and len
   (IPv4 is kept in the low 32 bits of lo). Returns 0, or -1 with why set. */
int route_parse_cidr(const char *s, bool v6, addr128_t *addr, int *len, bool *host_bits,
                     const char **why)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    int max = v6 ? 128 : 32;
    if (n == 0 || n >= sizeof buf) {
        *why = "not an address";
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    unsigned char raw[16];
    if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, raw) != 1) {
        *why = v6 ? "not an IPv6 address" : "not an IPv4 dotted quad";
        return -1;
    }
    int l = max;
    if (slash) {
        const char *p = slash + 1;
        if (!*p || strlen(p) > 3) {
            *why = "bad prefix length";
            return -1;
        }
        l = 0;
        for (; *p; p++) {
            if (!isdigit((unsigned char)*p)) {
                *why = "bad prefix length";
                return -1;
            }
            l = l * 10 + (*p - '0');
        }
        if (l > max) {
            *why = v6 ? "prefix length must be 0..128" : "prefix length must be 0..32";
            return -1;
        }
    }
    addr128_t a = {0, 0};
    if (v6) {
        a.hi = be64(raw);
        a.lo = be64(raw + 8);
    } else {
        a.lo = (uint64_t)raw[0] << 24 | (uint64_t)raw[1] << 16 | (uint64_t)raw[2] << 8 | raw[3];
    }
    /* IPv4 lives in the low 32 bits: its prefix length counts from bit 96. */
    int eff = v6 ? l : 96 + l;
    addr128_t m = route_addr_mask(a, eff);
    if (host_bits)
        *host_bits = route_addr_cmp(m, a) != 0;
    *addr = m;
    *len = l;
    return 0;
}

int route_eff_len(bool v6, int len)
{
    return v6 ? len : 96 + len;
}

void route_format_addr(bool v6, addr128_t a, int len, char *out, size_t size)
{
    char text[INET6_ADDRSTRLEN];
    unsigned char raw[16];
    if (v6) {
        for (int i = 0; i < 8; i++) {
            raw[i] = (unsigned char)(a.hi >> (56 - 8 * i));
            raw[8 + i] = (unsigned char)(a.lo >> (56 - 8 * i));
        }
    } else {
        for (int i = 0; i < 4; i++)
            raw[i] = (unsigned char)(a.lo >> (24 - 8 * i));
    }
    if (!inet_ntop(v6 ? AF_INET6 : AF_INET, raw, text, sizeof text))
        text[0] = '\0';
    if (len == (v6 ? 128 : 32))
        snprintf(out, size, "%s", text);
    else
        snprintf(out, size, "%s/%d", text, len);
}

/* ---- names ------------------------------------------------------------------ */

/* Lower-cases a DNS name into out, strips one leading and one trailing dot.
   Returns 0, or -1 when it is not a hostname (labels of letters, digits,
   hyphen, underscore; 1..63 each; <= 253 in all). */
int route_norm_dns(const char *s, char *out, size_t size, const char **why)
{
    if (*s == '.')
        s++;
    size_t n = strlen(s);
    if (n && s[n - 1] == '.')
        n--;
    if (n == 0 || n > 253 || n >= size) {
        *why = n == 0 ? "empty name" : "longer than 253 characters";
        return -1;
    }
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0) {
                *why = "empty label";
                return -1;
            }
            label = 0;
        } else if (isalnum(c) || c == '-' || c == '_') {
            if (++label > 63) {
                *why = "label longer than 63 characters";
                return -1;
            }
        } else {
            *why = "only letters, digits, '-', '_' and '.' are allowed";
            return -1;
        }
        out[i] = (char)tolower(c);
    }
    if (label == 0) {
        *why = "empty label";
        return -1;
    }
    out[n] = '\0';
    return 0;
}

int route_check_glob(const char *s, char *out, size_t size, const char **why)
{
    size_t n = strlen(s), literal = 0;
    if (n == 0 || n > 253 || n >= size) {
        *why = n == 0 ? "empty pattern" : "longer than 253 characters";
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.') {
            literal++;
        } else if (c != '*' && c != '?' && c != '[' && c != ']' && c != '!') {
            *why = "only letters, digits, '-', '_', '.', '*', '?' and [...] are allowed";
            return -1;
        }
        out[i] = (char)tolower(c);
    }
    out[n] = '\0';
    if (literal == 0) {
        *why = "a pattern without literal characters would claim every host; name the site "
               "explicitly instead";
        return -1;
    }
    return 0;
}

size_t route_glob_literals(const char *p)
{
    size_t n = 0;
    for (; *p; p++)
        n += isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.';
    return n;
}
