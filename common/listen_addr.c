/*  listen_addr.c — "ADDR:PORT" for listeners (listen_addr.h). */
#include "listen_addr.h"

#include <arpa/inet.h>
#include <string.h>

int fs_listen_parse(const char *spec, const char *what, fs_listen_addr_t *out, fs_err_t *e)
{
    const char *colon = spec ? strrchr(spec, ':') : NULL;
    char host[INET6_ADDRSTRLEN + 2];
    uint64_t port = 0;
    memset(out, 0, sizeof *out);
    if (!colon || (size_t)(colon - spec) >= sizeof host || fs_parse_u64(colon + 1, &port) != 0 ||
        port < 1 || port > 65535)
        return fs_err_setc(e, FS_E_INVALID,
                           "%s: \"%s\" is not IPV4:PORT or [IPV6]:PORT (e.g. \"127.0.0.1:8443\", "
                           "\"[::1]:8443\", \"0.0.0.0:8443\")",
                           what, spec ? spec : "");
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        out->v6.sin6_family = AF_INET6;
        out->v6.sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &out->v6.sin6_addr) != 1)
            return fs_err_setc(e, FS_E_INVALID, "%s: \"%s\" is not an IPv6 address", what,
                               host + 1);
        return 0;
    }
    out->v4.sin_family = AF_INET;
    out->v4.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &out->v4.sin_addr) != 1)
        return fs_err_setc(e, FS_E_INVALID,
                           "%s: \"%s\" is not an IPv4 address (IPv6: \"[ADDR]:PORT\")", what, host);
    return 0;
}

bool fs_listen_is_loopback(const fs_listen_addr_t *a)
{
    if (a->sa.sa_family == AF_INET)
        return (ntohl(a->v4.sin_addr.s_addr) >> 24) == 127;
    const struct in6_addr *v6 = &a->v6.sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(v6) || (IN6_IS_ADDR_V4MAPPED(v6) && v6->s6_addr[12] == 127);
}
