/*  actuator_record_only.c — an actuator that enforces nothing:
    it appends each command to STATE_DIR/record-only.jsonl and says so in
    its response.  For demos and dry runs; real enforcement is the nftables
    SLPF actuator (issue #5). */
#include "plugin.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char path[4096];
} record_only_t;

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)config;
    record_only_t *self = fs_xcalloc(1, sizeof *self);
    snprintf(self->path, sizeof self->path, "%s/record-only.jsonl", state_dir);
    FILE *f = fopen(self->path, "a");
    if (!f) {
        fs_err_set(e, "record-only actuator: cannot open %s for appending", self->path);
        free(self);
        return NULL;
    }
    fclose(f);
    return self;
}

static json_t *pairs(void *state)
{
    (void)state;
    /* It records anything it is given; it claims the packet-filter pairs plus
       the endpoint and web ones a playbook may send, so whole playbooks can
       be rehearsed at a site without touching anything. */
    return json_pack("{s:[s,s,s,s,s,s], s:[s,s,s,s,s,s], s:[s]}", "deny", "ipv4_connection",
                     "ipv6_connection", "ipv4_net", "ipv6_net", "domain_name", "uri", "allow",
                     "ipv4_connection", "ipv6_connection", "ipv4_net", "ipv6_net", "domain_name",
                     "uri", "contain", "device");
}

/* Appends TEXT and a newline in one write. A write cut short (a full disk)
   is taken back, so the file never holds half a line that the next record
   would run into. The actuator's lane runs one command at a time, so no
   other writer appends between the size taken and the truncation. */
static bool append_line(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return false;
    }
    size_t len = strlen(text);
    char *buf = fs_xmalloc(len + 1);
    memcpy(buf, text, len);
    buf[len] = '\n';
    bool ok = write(fd, buf, len + 1) == (ssize_t)(len + 1);
    if (!ok && ftruncate(fd, st.st_size) != 0)
        fs_log(FS_LOG_ERROR, "adapter", "record_file_torn", "path=%s", path);
    free(buf);
    return close(fd) == 0 && ok;
}

static json_t *execute(void *state, const json_t *command)
{
    record_only_t *self = state;
    json_t *line = json_pack("{s:I, s:O, s:s}", "time", (json_int_t)fs_now_ms(), "command", command,
                             "enforced", "no (record-only actuator)");
    char *text = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    bool ok = text && append_line(self->path, text);
    free(text);
    if (!ok)
        return json_pack("{s:i, s:s}", "status", 500, "status_text",
                         "record-only actuator: cannot write its record file");
    return json_pack("{s:i, s:s}", "status", 200, "status_text",
                     "recorded only, not enforced (record-only actuator)");
}

static void cleanup(void **state_p)
{
    free(*state_p);
    *state_p = NULL;
}

/* It takes no settings (issue 11.4): any key in its actuator_config is a mistake. */
static const fs_schema_field_t record_only_fields[] = {FS_FIELDS_END};
static const fs_schema_t record_only_schema = {.type = FS_SCHEMA_OBJECT,
                                               .fields = {record_only_fields}};

const adapter_plugin_t actuator_record_only = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_ACTUATOR,
    .type = "record-only",
    .summary = "OpenC2 any SLPF command, recorded to STATE_DIR/record-only.jsonl, not enforced",
    .profile = "slpf",
    .init = init,
    .pairs = pairs,
    .execute = execute,
    .cleanup = cleanup,
    .config_schema = &record_only_schema,
};
