/*  exec_cortex.c — the job directory of a Cortex analyzer or responder
    (exec_cortex.h).  The input is written whole before the program runs and
    the output read once it has exited; every file is under the job
    directory, which goes when the job is answered. */
#include "exec_cortex.h"

#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CORTEX_MAX_OUTPUT (4u << 20)

int exec_cortex_definition(const char *path, char **program, json_t **config, json_t **data_types,
                           fs_err_t *e)
{
    *program = NULL;
    *config = NULL;
    *data_types = NULL;
    json_error_t je;
    json_t *def = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!def)
        return fs_err_set(e, "cortex_definition %s:%d: %s", path, je.line, je.text);
    const char *cmd = json_string_value(json_object_get(def, "command"));
    json_t *types = json_object_get(def, "dataTypeList");
    int rc = 0;
    if (!cmd || !*cmd || strstr(cmd, "..")) {
        rc = fs_err_set(e,
                        "cortex_definition %s: $.command: required, a path inside the "
                        "analyzer's folder (e.g. \"VT/vt.py\")",
                        path);
    } else if (types && !json_is_array(types)) {
        rc = fs_err_set(e, "cortex_definition %s: $.dataTypeList: an array of data types", path);
    } else {
        /* Cortex runs "command" relative to the folder of the analyzers'
           repository: the definition's folder or its parent. */
        char *copy = fs_xstrdup(path);
        const char *dir = dirname(copy);
        char *here = fs_xasprintf("%s/%s", dir, cmd), *up = fs_xasprintf("%s/../%s", dir, cmd);
        if (access(here, X_OK) == 0)
            *program = here, free(up);
        else if (access(up, X_OK) == 0)
            *program = up, free(here);
        else {
            rc = fs_err_set(e,
                            "cortex_definition %s: $.command: %s is not an executable file "
                            "(in %s or its parent)",
                            path, cmd, dir);
            free(here), free(up);
        }
        free(copy);
    }
    if (rc == 0) {
        *config = json_object();
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(def, "configurationItems"), i, item)
        {
            const char *name = json_string_value(json_object_get(item, "name"));
            json_t *dflt = json_object_get(item, "defaultValue");
            if (name && dflt)
                json_object_set(*config, name, dflt);
        }
        json_t *cfg = json_object_get(def, "config");
        if (json_is_object(cfg))
            json_object_update(*config, cfg);
        *data_types = types ? json_incref(types) : NULL;
    }
    json_decref(def);
    return rc;
}

static int write_file(const char *path, const void *data, size_t len, fs_err_t *e)
{
    FILE *f = fopen(path, "wbx");
    if (!f)
        return fs_err_set(e, "cortex job: cannot create %s: %s", path, strerror(errno));
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    return ok ? 0 : fs_err_set(e, "cortex job: cannot write %s", path);
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void exec_cortex_job_remove(const char *jobdir)
{
    if (jobdir && *jobdir)
        nftw(jobdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Base64 (RFC 4648, padding optional) into a new buffer. -1 when not base64. */
static long unbase64(const char *in, unsigned char **out)
{
    size_t n = strlen(in);
    unsigned char *buf = fs_xmalloc(n / 4 * 3 + 3);
    long len = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        const char c = in[i];
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '+'             ? 62
                : c == '/'             ? 63
                                       : -1;
        if (c == '=')
            break;
        if (v < 0) {
            free(buf);
            return -1;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[len++] = (unsigned char)(acc >> bits);
        }
    }
    *out = buf;
    return len;
}

char *exec_cortex_job_new(const char *dir, const json_t *job, fs_err_t *e)
{
    char *root = fs_xasprintf("%s/cortex-jobs", dir);
    mkdir(root, 0700);
    char *path = fs_xasprintf("%s/job-XXXXXX", root);
    free(root);
    if (!mkdtemp(path)) {
        fs_err_set(e, "cortex job: cannot make a job directory under %s/cortex-jobs: %s", dir,
                   strerror(errno));
        free(path);
        return NULL;
    }
    char *in = fs_xasprintf("%s/input", path), *out = fs_xasprintf("%s/output", path);
    int rc = mkdir(in, 0700) == 0 && mkdir(out, 0700) == 0
                 ? 0
                 : fs_err_set(e, "cortex job: cannot make %s/input and output", path);
    json_t *input = json_deep_copy(job);
    const char *type = json_string_value(json_object_get(job, "dataType"));
    if (rc == 0 && type && strcmp(type, "file") == 0) {
        const json_t *src = json_object_get(job, "input");
        const char *b64 = json_string_value(json_object_get(src, "file_b64"));
        const char *name = json_string_value(json_object_get(src, "filename"));
        unsigned char *bytes = NULL;
        long len = b64 ? unbase64(b64, &bytes) : -1;
        if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
            strcmp(name, "..") == 0 || strlen(name) > 200)
            rc = fs_err_set(e, "input.filename: a plain file name (no '/') for dataType file");
        else if (len < 0)
            rc = fs_err_set(e, "input.file_b64: the file's bytes in base64 for dataType file");
        else {
            char *fp = fs_xasprintf("%s/%s", in, name);
            rc = write_file(fp, bytes, (size_t)len, e);
            free(fp);
            json_object_set_new(input, "file", json_string(name));
            json_object_set_new(input, "filename", json_string(name));
        }
        free(bytes);
        json_object_del(json_object_get(input, "input"), "file_b64");
    }
    if (rc == 0) {
        char *text = json_dumps(input, JSON_COMPACT);
        char *fp = fs_xasprintf("%s/input.json", in);
        rc = text ? write_file(fp, text, strlen(text), e) : fs_err_set(e, "cortex job: encode");
        free(fp);
        free(text);
    }
    json_decref(input);
    free(in);
    free(out);
    if (rc != 0) {
        exec_cortex_job_remove(path);
        free(path);
        return NULL;
    }
    return path;
}

json_t *exec_cortex_output(const char *jobdir, const char *out, size_t len)
{
    char *fp = fs_xasprintf("%s/output/output.json", jobdir);
    json_t *j = NULL;
    struct stat st;
    if (stat(fp, &st) == 0 && st.st_size <= (off_t)CORTEX_MAX_OUTPUT)
        j = json_load_file(fp, 0, NULL);
    free(fp);
    if (!j)
        j = json_loadb(out, len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}
