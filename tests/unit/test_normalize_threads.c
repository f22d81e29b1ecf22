/*  test_normalize_threads.c — one normalizer used from several threads at
    once (normalize.h "Threads"; the adapter normalizes on its sources'
    threads and a pool): every shipped vendor fixture, run by four threads
    at the same time, several rounds each, gives exactly the log (events,
    record numbers, byte offsets, reasons, raw bytes) it gives on one
    thread.  The fixtures include sentinelone.threat, whose mapping has a
    jq rule (run under normalize's jq lock), CEF lines, Windows XML and
    e-mail (GMime).  A race shows as a different log or a crash. */
#include "../fuzz/normalize_stream_diff.h"
#include "check.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUTS 256
#define THREADS 4
#define ROUNDS 20

typedef struct input {
    char source[256];
    char *data;
    size_t len;
    char *want; /* the one-thread log */
} input_t;

static input_t inputs[MAX_INPUTS];
static size_t n_inputs;
static normalizer_t *nz;

static const char *source_dir(void)
{
    const char *s = getenv("FEDSOAR_SOURCE_DIR");
    return s && *s ? s : FEDSOAR_MAPPINGS_DIR "/../..";
}

static void load_fixtures(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/vendors", source_dir());
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' || !normalizer_has_source(nz, de->d_name))
            continue;
        char sub[1400];
        snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
        DIR *fd = opendir(sub);
        struct dirent *fe;
        while (fd && (fe = readdir(fd)) && n_inputs < MAX_INPUTS) {
            if (fe->d_name[0] == '.')
                continue;
            char path[1800];
            snprintf(path, sizeof path, "%s/%s", sub, fe->d_name);
            fs_err_t e;
            input_t *in = &inputs[n_inputs];
            if (!(in->data = fs_file_read(path, 64u << 20, &in->len, &e)))
                continue;
            snprintf(in->source, sizeof in->source, "%s", de->d_name);
            in->want = diff_run(nz, in->source, in->data, in->len, 0, 0, NULL, NULL, 0, 0);
            CHECK(in->want != NULL);
            n_inputs++;
        }
        if (fd)
            closedir(fd);
    }
    if (d)
        closedir(d);
}

static void *run_all(void *arg)
{
    size_t first = (size_t)(uintptr_t)arg, *bad = fs_xcalloc(1, sizeof *bad);
    for (int r = 0; r < ROUNDS; r++)
        for (size_t k = 0; k < n_inputs; k++) {
            input_t *in = &inputs[(first + k) % n_inputs]; /* threads start apart */
            char *got = diff_run(nz, in->source, in->data, in->len, 0, 0, NULL, NULL, 0, 0);
            if (!got || strcmp(got, in->want) != 0) {
                fprintf(stderr, "%s: differs on a thread\n", in->source);
                (*bad)++;
            }
            free(got);
        }
    return bad;
}

int main(void)
{
    (void)diff_same_tail; /* the shared header's, for the stream test */
    (void)diff_summary;
    fs_err_t e;
    const char *dir = getenv("FEDSOAR_MAPPINGS");
    nz = normalizer_new(dir && *dir ? dir : FEDSOAR_MAPPINGS_DIR, &e);
    CHECK(nz != NULL);
    load_fixtures();
    CHECK(n_inputs > 10);
    bool jq_source = false;
    for (size_t k = 0; k < n_inputs; k++)
        jq_source |= strcmp(inputs[k].source, "sentinelone.threat") == 0;
    CHECK(jq_source);
    pthread_t t[THREADS];
    for (size_t i = 0; i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, run_all, (void *)(uintptr_t)(i * n_inputs / THREADS)) ==
              0);
    for (size_t i = 0; i < THREADS; i++) {
        void *bad = NULL;
        pthread_join(t[i], &bad);
        CHECK_INT(*(size_t *)bad, 0);
        free(bad);
    }
    for (size_t k = 0; k < n_inputs; k++) {
        free(inputs[k].data);
        free(inputs[k].want);
    }
    normalizer_destroy(&nz);
    return check_summary();
}
