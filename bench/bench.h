/*  bench.h — the two helpers every benchmark that starts a real broker needs. */
#ifndef FEDSOAR_BENCH_H
#define FEDSOAR_BENCH_H

#include "common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* A free loopback port from the kernel (plain sockets: a ZeroMQ listener
   closes asynchronously and a forked child would inherit it). */
static inline int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static inline double now_s(void)
{
    return (double)fs_mono_ms() / 1000.0;
}

#endif
