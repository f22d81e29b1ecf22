/*  bench.h — the helpers every benchmark shares: a free port, a clock, sorted
    samples and their quantiles, the disk's fdatasync. */
#ifndef FEDSOAR_BENCH_H
#define FEDSOAR_BENCH_H

#include "common.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
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

/* Starts argv[0] with argv, its stdout and stderr appended to log (a
   daemon under test, a CLI call); the child's pid, -1 if fork failed. */
static inline pid_t bench_spawn_logged(char *const argv[], const char *log)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Seconds on the monotonic clock, to the nanosecond (round trips are
   microseconds: a millisecond clock would read them as 0). */
static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts n samples in place, ascending. */
static inline void bench_sort(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
}

/* The p-quantile (0 <= p <= 1) of n > 0 sorted samples: v[floor(n * p)],
   the largest for p = 1. */
static inline double bench_quantile(const double *sorted, size_t n, double p)
{
    size_t i = (size_t)((double)n * p);
    return sorted[i < n ? i : n - 1];
}

/* The disk's own limit: p50/p99 of fdatasync after a 4 KiB append in dir
   (a command's round trip at the site costs two journal writes, each one
   flush, and the broker commits before it sends and after it hears). */
static inline void bench_raw_fsync(const char *dir, double *p50, double *p99)
{
    char path[256];
    snprintf(path, sizeof path, "%s/fsync.bin", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    double lat[200] = {0};
    char block[4096] = {0};
    size_t n = 0;
    for (; fd >= 0 && n < 200; n++) {
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block)
            break;
        double t0 = now_s();
        fdatasync(fd);
        lat[n] = now_s() - t0;
    }
    if (fd >= 0)
        close(fd);
    unlink(path);
    bench_sort(lat, n);
    *p50 = n ? bench_quantile(lat, n, 0.5) : 0;
    *p99 = n ? bench_quantile(lat, n, 0.99) : 0;
}

#endif
