/*  bench/flush_chain — the raw limit of bench/roundtrip.sh's alert ->
    response figure: the device flushes that path waits for, one after the
    other, with no software between them, paced like the alerts.

    An alert's path waits for four flushes in a row (bench/README.md, "Alert
    to response"): the broker's LMDB commit flushes its data pages
    (fdatasync) and then writes its meta page (O_DSYNC); the site writes the
    command's "started" and then its answer to the journal's log (O_DSYNC,
    a few hundred bytes each). One round here does the same on files of the
    same kinds: PAGES scattered 4 KiB pages and fdatasync, one 4 KiB O_DSYNC
    write, two 512-byte O_DSYNC writes to a log written whole beforehand.
    PAGES defaults to 20, what `strace` showed an alert's commit writing
    (17-27 pages). The disk's slow moments come and go within minutes, so
    bench/roundtrip.sh runs this right after its alerts, for as long.

    bench/flush_chain [DIR [RATE [SECONDS [PAGES]]]]   default: a new
    directory in /tmp, 50/s, 10 s, 20 pages */
#include "bench.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define DATA_PAGES 4096     /* 16 MiB: pages scattered as in a store */
#define LOG_BYTES (4 << 20) /* the journal log's size */
#define SITE_WRITE 512      /* a "started" or an answer */

/* A file of `bytes` written with zeros and flushed, so that the rounds
   overwrite blocks it has (as LMDB's reused pages and the journal's log
   do) and never wait for the file system to allocate. */
static int open_written(const char *path, size_t bytes, int flags)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    static const char zeros[1 << 16];
    bool ok = true;
    for (size_t off = 0; ok && off < bytes; off += sizeof zeros)
        ok = pwrite(fd, zeros, sizeof zeros, (off_t)off) == (ssize_t)sizeof zeros;
    ok = ok && fdatasync(fd) == 0;
    close(fd);
    return ok ? open(path, O_RDWR | O_CLOEXEC | flags) : -1;
}

int main(int argc, char **argv)
{
    double rate = argc > 2 ? atof(argv[2]) : 50, seconds = argc > 3 ? atof(argv[3]) : 10;
    int pages = argc > 4 ? atoi(argv[4]) : 20;
    if (rate <= 0 || seconds <= 0 || rate * seconds > 1e7 || pages < 1 || pages > DATA_PAGES - 1) {
        fprintf(stderr, "flush_chain: RATE and SECONDS > 0 (at most 10^7 rounds), PAGES 1..%d\n",
                DATA_PAGES - 1);
        return 2;
    }
    char tmp[] = "/tmp/fedsoar-bench-flush-XXXXXX";
    const char *dir = argc > 1 && argv[1][0] ? argv[1] : mkdtemp(tmp);
    if (!dir) {
        perror("flush_chain: mkdtemp");
        return 1;
    }
    char data_path[512], log_path[512];
    snprintf(data_path, sizeof data_path, "%s/flush_chain.data", dir);
    snprintf(log_path, sizeof log_path, "%s/flush_chain.log", dir);
    int data = open_written(data_path, (size_t)DATA_PAGES * 4096, 0);
    int meta = data >= 0 ? open(data_path, O_RDWR | O_DSYNC | O_CLOEXEC) : -1;
    int log = open_written(log_path, LOG_BYTES, O_DSYNC);
    size_t max = (size_t)(rate * seconds) + 1, n = 0;
    double *lat = calloc(max, sizeof *lat);
    bool opened = data >= 0 && meta >= 0 && log >= 0, ready = opened && lat, ok = ready;
    if (!opened)
        fprintf(stderr, "flush_chain: cannot write in %s: %s\n", dir, strerror(errno));
    else if (!lat)
        fprintf(stderr, "flush_chain: no memory for %zu samples\n", max);
    char page[4096];
    memset(page, 0xa5, sizeof page);
    size_t log_off = 0;
    unsigned seed = 1;
    double next = now_s();
    for (; ok && n < max; n++) {
        while (now_s() < next)
            usleep(100);
        next += 1.0 / rate;
        double t0 = now_s();
        for (int p = 0; ok && p < pages; p++) /* page 0 is the "meta" page */
            ok = pwrite(data, page, sizeof page,
                        (off_t)(1 + rand_r(&seed) % (DATA_PAGES - 1)) * 4096) == sizeof page;
        ok = ok && fdatasync(data) == 0 && pwrite(meta, page, sizeof page, 0) == sizeof page;
        for (int w = 0; ok && w < 2; w++) {
            if (log_off + SITE_WRITE > LOG_BYTES)
                log_off = 0;
            ok = pwrite(log, page, SITE_WRITE, (off_t)log_off) == SITE_WRITE;
            log_off += SITE_WRITE;
        }
        lat[n] = now_s() - t0;
    }
    if (ready && !ok)
        perror("flush_chain: write");
    if (data >= 0)
        close(data);
    if (meta >= 0)
        close(meta);
    if (log >= 0)
        close(log);
    unlink(data_path);
    unlink(log_path);
    if (dir == tmp)
        rmdir(dir);
    if (!ok) {
        free(lat);
        return 1;
    }
    bench_sort(lat, n);
    printf("raw: the path's 4 device flushes in a row, paced %g/s (%d pages + fdatasync, 4 KiB "
           "O_DSYNC, 2 x 512 B O_DSYNC): p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%zu rounds)\n",
           rate, pages, bench_quantile(lat, n, 0.5) * 1e3, bench_quantile(lat, n, 0.99) * 1e3,
           lat[n - 1] * 1e3, n);
    free(lat);
    return 0;
}
