/*  file_tail.c — source "file-tail": follows a growing local file (Suricata
    eve.json, a CEF log …) and hands its complete lines to the normalizer
    as native text (the instance's "source_id" picks the mapping).

    The checkpoint is {"ino": inode, "off": byte offset after the last
    complete line taken}, committed with the events, so a restart neither
    re-reads nor skips a line.  Rotation: when the path has a new inode, the
    rest of the old file is first read from "rotated_path" (default PATH.1,
    as logrotate and Suricata's own rotation name it) when that file still
    has the checkpoint's inode, then the new file from its start.  A file
    that shrank under the checkpoint was truncated (copytruncate): reading
    restarts at 0.  A partial last line waits for its newline; a "line"
    longer than max_bytes_per_poll is passed on as it is (and rejected by the
    normalizer, into the dead letters). */
#include "connector_support.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAIL_DEFAULT_MAX_BYTES (4u << 20)

typedef struct {
    char path[1024];
    char rotated[1040];
    size_t max_bytes;
    bool from_end;
    char name[96];
} tail_t;

static void cleanup(void **state_p)
{
    free(*state_p);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    const char *path = json_string_value(json_object_get(config, "path"));
    const char *rot = json_string_value(json_object_get(config, "rotated_path"));
    const char *from = json_string_value(json_object_get(config, "from"));
    if (!path || path[0] != '/') {
        fs_err_set(e, "path: required, an absolute file path");
        return NULL;
    }
    if (from && strcmp(from, "start") != 0 && strcmp(from, "end") != 0) {
        fs_err_set(
            e, "from: \"start\" (default) or \"end\" (only lines written after the first start)");
        return NULL;
    }
    tail_t *t = fs_xcalloc(1, sizeof *t);
    if (snprintf(t->path, sizeof t->path, "%s", path) >= (int)sizeof t->path ||
        (rot ? snprintf(t->rotated, sizeof t->rotated, "%s", rot)
             : snprintf(t->rotated, sizeof t->rotated, "%s.1", path)) >= (int)sizeof t->rotated) {
        free(t);
        fs_err_set(e, "path or rotated_path: too long");
        return NULL;
    }
    json_int_t mb = json_integer_value(json_object_get(config, "max_bytes_per_poll"));
    t->max_bytes = mb >= 4096 && mb <= (256 << 20) ? (size_t)mb : TAIL_DEFAULT_MAX_BYTES;
    t->from_end = from && strcmp(from, "end") == 0;
    connector_instance_name(t->name, sizeof t->name, "file-tail", config);
    return t;
}

/* Reads complete lines of the file at path from *off, if it still is inode
   ino. Emits them as one text record and advances *off. Returns 1 when
   more is waiting, 0 when at the end, 2 when the path is not that inode,
   -1 on error. */
static int read_lines(tail_t *t, const char *path, uint64_t ino, uint64_t *off,
                      source_emit_fn *emit, void *arg, fs_err_t *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT
                   ? 2
                   : fs_err_set(e, "%s: cannot open %s: %s", t->name, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || (uint64_t)st.st_ino != ino) {
        close(fd);
        return 2;
    }
    if ((uint64_t)st.st_size < *off) {
        fs_log(FS_LOG_WARN, "adapter", "file_truncated",
               "source=\"%s\" path=%s offset=%llu size=%lld", t->name, path,
               (unsigned long long)*off, (long long)st.st_size);
        *off = 0;
    }
    uint64_t avail = (uint64_t)st.st_size - *off;
    size_t want = avail > t->max_bytes ? t->max_bytes : (size_t)avail;
    if (want == 0) {
        close(fd);
        return 0;
    }
    char *buf = fs_xmalloc(want);
    size_t got = 0;
    while (got < want) {
        ssize_t r = pread(fd, buf + got, want - got, (off_t)(*off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    size_t take = got;
    while (take > 0 && buf[take - 1] != '\n')
        take--;
    if (take == 0 && got == t->max_bytes)
        take = got; /* one over-long line: pass it on to be rejected rather than stall */
    int rc = 0;
    if (take > 0) {
        rc = source_emit_text(emit, arg, t->name, buf, take, e);
        if (rc == 0)
            *off += take;
    }
    free(buf);
    if (rc < 0)
        return -1;
    return take > 0 && want == t->max_bytes && *off < (uint64_t)st.st_size
               ? 1
               : 0; /* a full chunk and more behind it */
}

/* {"ino", "off"}. Caller owns (free()). */
static char *dump_checkpoint(uint64_t ino, uint64_t off)
{
    json_t *cp = json_pack("{s:I, s:I}", "ino", (json_int_t)ino, "off", (json_int_t)off);
    char *s = json_dumps(cp, JSON_COMPACT);
    json_decref(cp);
    return s;
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_cp, fs_err_t *e)
{
    tail_t *t = state;
    *next_cp = NULL;
    uint64_t ino = 0, off = 0;
    if (checkpoint) {
        json_t *j = json_loads(checkpoint, 0, NULL);
        json_t *ji = json_object_get(j, "ino"), *jo = json_object_get(j, "off");
        if (!json_is_integer(ji) || !json_is_integer(jo) || json_integer_value(jo) < 0) {
            json_decref(j);
            return fs_err_set(e, "%s: the stored checkpoint is unreadable; delete it to start over",
                              t->name);
        }
        ino = (uint64_t)json_integer_value(ji);
        off = (uint64_t)json_integer_value(jo);
        json_decref(j);
    }
    struct stat st;
    if (stat(t->path, &st) != 0) {
        if (errno != ENOENT)
            return fs_err_set(e, "%s: cannot stat %s: %s", t->name, t->path, strerror(errno));
        if (!ino)
            return 0; /* not there yet */
        /* Rotated away and not recreated yet: finish the old file. */
        int rc = read_lines(t, t->rotated, ino, &off, emit, arg, e);
        if (rc < 0)
            return -1;
        *next_cp = dump_checkpoint(ino, off);
        return rc == 1 ? 1 : 0;
    }
    if (!checkpoint) {
        ino = (uint64_t)st.st_ino;
        off = t->from_end ? (uint64_t)st.st_size : 0;
    }
    int rc;
    if ((uint64_t)st.st_ino != ino) {
        /* Rotated: the rest of the old file first, then the new one. */
        rc = read_lines(t, t->rotated, ino, &off, emit, arg, e);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            *next_cp = dump_checkpoint(ino, off);
            return 1;
        }
        if (rc == 2)
            fs_log(FS_LOG_WARN, "adapter", "file_rotated_unseen",
                   "source=\"%s\" path=%s msg=\"the rotated file is gone; lines written to it "
                   "after the last poll are lost\"",
                   t->name, t->rotated);
        ino = (uint64_t)st.st_ino;
        off = 0;
    }
    rc = read_lines(t, t->path, ino, &off, emit, arg, e);
    if (rc < 0)
        return -1;
    *next_cp = dump_checkpoint(ino, off);
    return rc == 1 ? 1 : 0;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t tail_fields[] = {
    FS_REQUIRED("source_id", FS_S_STRING),
    FS_REQUIRED("path", FS_S_STRING),
    FS_FIELD("rotated_path", FS_S_STRING),
    FS_FIELD("from", FS_S_ENUM("start", "end")),
    FS_FIELD("max_bytes_per_poll", FS_S_INT(4096, 256 << 20)),
    FS_FIELDS_END,
};
static const fs_schema_t tail_schema = {.type = FS_SCHEMA_OBJECT, .fields = {tail_fields}};

const adapter_plugin_t source_file_tail = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "file-tail",
    .source_id = NULL, /* the config's "source_id" */
    .summary = "a growing local file (Suricata eve.json, CEF log), rotation- and truncation-aware",
    .init = init,
    .poll = poll,
    .cleanup = cleanup,
    .config_schema = &tail_schema,
};
