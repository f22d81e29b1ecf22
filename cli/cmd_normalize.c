/*  cmd_normalize.c — `fedsoarctl normalize`: runs the normalizer locally on a
    file (or stdin) and prints one OCSF JSON object per line.

      fedsoarctl normalize --source ID [--site NAME] [--keep-raw]
                           [--mappings DIR] [FILE|-]
      fedsoarctl normalize --list-sources [--mappings DIR]

    Exit: 0 every record normalized; 1 at least one record rejected (each on
    stderr with its record number, byte offset and reason; the good ones are
    still printed); 2 usage or I/O error. */
#include "cli.h"
#include "data_dir.h"
#include "normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shipped mappings: beside an installed fedsoarctl, else the source tree's (data_dir.h). */
static const char *shipped_mappings(void)
{
    static char buf[4096];
    return fs_data_dir(buf, sizeof buf, "mappings", FEDSOAR_MAPPINGS_DIR);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fedsoarctl normalize --source ID [--site NAME] [--keep-raw] "
            "[--mappings DIR] [FILE|-]\n"
            "       fedsoarctl normalize --list-sources [--mappings DIR]\n"
            "Prints one OCSF %s event per line. Mappings: --mappings, else $FEDSOAR_MAPPINGS,\n"
            "else %s.\n",
            FS_OCSF_VERSION, shipped_mappings());
}

typedef struct out {
    size_t emitted, rejected;
    bool write_failed;
    ocsf_buf_t line; /* one event's JSON text and '\n', reused */
} out_t;

/* Keep the line buffer between events up to this size. */
#define NORMALIZE_LINE_KEEP (1024u * 1024u)

static void on_emit(void *arg, json_t *event, size_t record_no)
{
    out_t *o = arg;
    fs_err_t e;
    o->line.len = 0;
    /* ocsf_dump: the bytes of json_dumps(JSON_COMPACT), faster */
    if (ocsf_dump(event, &o->line, &e) != 0 || ocsf_buf_append(&o->line, "\n", 1, &e) != 0) {
        fprintf(stderr, "fedsoarctl normalize: record %zu: %s\n", record_no, e.text);
        o->write_failed = true;
    } else if (fwrite(o->line.data, 1, o->line.len, stdout) != o->line.len) {
        o->write_failed = true;
    }
    ocsf_buf_trim(&o->line, NORMALIZE_LINE_KEEP);
    o->emitted++;
}

static void on_reject(void *arg, size_t record_no, size_t byte_offset, const char *reason,
                      const char *raw, size_t raw_len)
{
    out_t *o = arg;
    (void)raw;
    fprintf(stderr, "fedsoarctl normalize: record %zu (byte offset %zu, %zu bytes) rejected: %s\n",
            record_no, byte_offset, raw_len, reason);
    o->rejected++;
}

int cmd_normalize(const cli_opts_t *o, int argc, char **argv)
{
    (void)o;
    const char *source = NULL, *site = NULL, *mappings = NULL, *file = NULL;
    bool list = false, keep_raw = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--source") && i + 1 < argc)
            source = argv[++i];
        else if (!strncmp(a, "--source=", 9))
            source = a + 9;
        else if (!strcmp(a, "--site") && i + 1 < argc)
            site = argv[++i];
        else if (!strncmp(a, "--site=", 7))
            site = a + 7;
        else if (!strcmp(a, "--mappings") && i + 1 < argc)
            mappings = argv[++i];
        else if (!strncmp(a, "--mappings=", 11))
            mappings = a + 11;
        else if (!strcmp(a, "--list-sources"))
            list = true;
        else if (!strcmp(a, "--keep-raw"))
            keep_raw = true;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "fedsoarctl normalize: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else if (!file) {
            file = a;
        } else {
            fprintf(stderr, "fedsoarctl normalize: one input file at most (got %s and %s)\n", file,
                    a);
            return 2;
        }
    }
    if (!list && !source) {
        fprintf(stderr, "fedsoarctl normalize: --source ID is required (or --list-sources)\n");
        usage(stderr);
        return 2;
    }
    if (!mappings)
        mappings = getenv("FEDSOAR_MAPPINGS");
    if (!mappings || !*mappings)
        mappings = shipped_mappings();

    fs_err_t e;
    normalizer_t *n = normalizer_new(mappings, &e);
    if (!n) {
        fprintf(stderr, "fedsoarctl normalize: %s\n", e.text);
        return 2;
    }
    if (list) {
        for (size_t i = 0; i < normalizer_source_count(n); i++)
            printf("%s\n", normalizer_source_id(n, i));
        normalizer_destroy(&n);
        return 0;
    }
    if (!normalizer_has_source(n, source)) {
        fprintf(stderr, "fedsoarctl normalize: unknown source \"%s\"; known sources:", source);
        for (size_t i = 0; i < normalizer_source_count(n); i++)
            fprintf(stderr, " %s", normalizer_source_id(n, i));
        fputc('\n', stderr);
        normalizer_destroy(&n);
        return 2;
    }
    size_t len = 0;
    int rc;
    char *buf = cli_read_file("normalize", NULL, file ? file : "-", CLI_NORMALIZE_MAX,
                              "one normalize input", CLI_REFUSED, &len, &rc);
    if (!buf) {
        normalizer_destroy(&n);
        return rc;
    }
    normalize_opts_t opts = {.site = site ? site : "local", .keep_raw = keep_raw};
    out_t out = {0};
    ocsf_buf_init(&out.line, 0);
    long rejected = normalizer_run(n, source, &opts, buf, len, on_emit, on_reject, &out, &e);
    ocsf_buf_release(&out.line);
    free(buf);
    normalizer_destroy(&n);
    if (fflush(stdout) != 0 || out.write_failed) {
        fprintf(stderr, "fedsoarctl normalize: cannot write to stdout\n");
        return 2;
    }
    if (rejected < 0) {
        fprintf(stderr, "fedsoarctl normalize: %s\n", e.text);
        return 2;
    }
    if (rejected > 0) {
        fprintf(stderr, "fedsoarctl normalize: %zu normalized, %ld rejected\n", out.emitted,
                rejected);
        return 1;
    }
    return 0;
}
