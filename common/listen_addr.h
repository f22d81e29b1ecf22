/*  listen_addr.h — the "ADDR:PORT" a listener takes in a config or a flag
    (the broker's HTTPS API, the adapters' webhook sources): an IPv4
    address or a bracketed IPv6 one, and a port 1..65535. */
#ifndef FEDSOAR_LISTEN_ADDR_H
#define FEDSOAR_LISTEN_ADDR_H

#include "common.h"

#include <netinet/in.h>

typedef union fs_listen_addr {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
} fs_listen_addr_t;

/* Parses "A.B.C.D:PORT" or "[V6]:PORT" into out: 0, or -1 with e saying
   what was expected (what: the config key or flag, for the message). */
int fs_listen_parse(const char *spec, const char *what, fs_listen_addr_t *out, fs_err_t *e);
/* 127.0.0.0/8, ::1, or an IPv4-mapped 127.x address. */
bool fs_listen_is_loopback(const fs_listen_addr_t *a);

#endif
