/*  connector_exec.c — an analyzer or responder that is a local program:
    the job goes to its stdin as JSON, one JSON object comes back on stdout.
    Site admins extend fedsoar in any language this way.

    The job follows Cortex's analyzer/responder input where it can:
      {"data": …, "dataType": …, "tlp": 2, "config": {…}, "input": {…}}
    (data/dataType come from the step's input when it has them). Output in
    Cortex form {"success": true, "full": …, "summary": …} or
    {"success": false, "errorMessage": "…"} is understood (the errorMessage is
    kept whatever the exit status); any other JSON object is the result as it is.

    With "protocol": "cortex" it speaks Cortex's job-directory contract
    instead (exec_cortex.h): the job goes to JOB/input/input.json (a file of
    dataType "file" under JOB/input/), the program runs as `COMMAND JOB`, and
    its answer is JOB/output/output.json, else its stdout.  A Cortex
    analyzer's NAME.json can be named as it is ("cortex_definition"): its
    command, dataTypeList and configurationItems defaults are taken from it.
    The result keeps Cortex's summary (taxonomies), artifacts and operations
    for the broker. */
#include "exec_cortex.h"
#include "plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXEC_MAX_OUTPUT (1024 * 1024)
#define EXEC_MAX_ARGS 32

typedef struct {
    char *argv[EXEC_MAX_ARGS + 2]; /* + the job directory (cortex) */
    int argc;
    int timeout_ms;
    json_t *config;
    bool cortex;        /* the job-directory contract */
    json_t *data_types; /* a Cortex definition's dataTypeList, or NULL */
    char *state_dir;
} exec_t;

static void cleanup(void **state_p)
{
    exec_t *x = *state_p;
    if (!x)
        return;
    for (int i = 0; x->argv[i]; i++)
        free(x->argv[i]);
    json_decref(x->config);
    json_decref(x->data_types);
    free(x->state_dir);
    free(x);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    const char *proto = json_string_value(json_object_get(config, "protocol"));
    const char *def = json_string_value(json_object_get(config, "cortex_definition"));
    if (proto && strcmp(proto, "cortex") != 0 && strcmp(proto, "stdin") != 0) {
        fs_err_set(e, "protocol: \"stdin\" (the default) or \"cortex\"");
        return NULL;
    }
    if (def) {
        exec_t *x = fs_xcalloc(1, sizeof *x);
        json_t *defaults = NULL;
        if (exec_cortex_definition(def, &x->argv[0], &defaults, &x->data_types, e) != 0) {
            free(x);
            return NULL;
        }
        x->argc = 1;
        x->cortex = true;
        json_t *own = json_object_get(config, "config");
        if (json_is_object(own))
            json_object_update(defaults, own);
        x->config = defaults;
        json_int_t t = json_integer_value(json_object_get(config, "timeout_s"));
        x->timeout_ms = (int)((t > 0 && t <= 3600 ? t : 30) * 1000);
        x->state_dir = fs_xstrdup(state_dir);
        return x;
    }
    const json_t *cmd = json_object_get(config, "command");
    if (!json_is_array(cmd) || json_array_size(cmd) == 0 || json_array_size(cmd) > EXEC_MAX_ARGS) {
        fs_err_set(e, "command: required array of 1-%d strings (program and arguments)",
                   EXEC_MAX_ARGS);
        return NULL;
    }
    exec_t *x = fs_xcalloc(1, sizeof *x);
    size_t i;
    json_t *arg;
    json_array_foreach(cmd, i, arg)
    {
        if (!json_is_string(arg)) {
            fs_err_set(e, "command[%zu]: must be a string", i);
            void *p = x;
            cleanup(&p);
            return NULL;
        }
        x->argv[i] = fs_xstrdup(json_string_value(arg));
        x->argc = (int)i + 1;
    }
    x->cortex = proto && strcmp(proto, "cortex") == 0;
    x->state_dir = fs_xstrdup(state_dir);
    if (access(x->argv[0], X_OK) != 0) {
        fs_err_set(e, "command[0]: %s is not an executable file: %s", x->argv[0], strerror(errno));
        void *p = x;
        cleanup(&p);
        return NULL;
    }
    json_int_t t = json_integer_value(json_object_get(config, "timeout_s"));
    x->timeout_ms = (int)((t > 0 && t <= 3600 ? t : 30) * 1000);
    x->config = json_incref(json_object_get(config, "config"));
    return x;
}

static json_t *error(const char *fmt, const char *detail)
{
    char text[512];
    snprintf(text, sizeof text, "%s%s", fmt, detail ? detail : "");
    return json_pack("{s:s, s:s}", "status", "error", "error", text);
}

static json_t *run(void *state, const json_t *input)
{
    exec_t *x = state;
    const char *dtype = json_string_value(json_object_get(input, "dataType"));
    if (x->data_types) {
        bool known = false;
        size_t i;
        json_t *t;
        json_array_foreach(x->data_types, i, t) known =
            known || (dtype && json_is_string(t) && strcmp(json_string_value(t), dtype) == 0);
        if (!known)
            return error("dataType not in the definition's dataTypeList: ",
                         dtype ? dtype : "(none)");
    }
    json_t *tlp = json_object_get(input, "tlp"), *pap = json_object_get(input, "pap");
    json_t *job =
        json_pack("{s:O?, s:O?, s:o, s:o, s:O?, s:O?, s:O?, s:O}", "data",
                  json_object_get(input, "data"), "dataType", json_object_get(input, "dataType"),
                  "tlp", json_is_integer(tlp) ? json_incref(tlp) : json_integer(2), "pap",
                  json_is_integer(pap) ? json_incref(pap) : json_integer(2), "message",
                  json_object_get(input, "message"), "parameters",
                  json_object_get(input, "parameters"), "config", x->config, "input", input);
    char *jobdir = NULL;
    if (x->cortex) {
        fs_err_t je = {0};
        if (!(jobdir = exec_cortex_job_new(x->state_dir, job, &je))) {
            json_decref(job);
            return error("", je.text);
        }
        x->argv[x->argc] = jobdir;
    }
    char *text = x->cortex ? fs_xstrdup("") : json_dumps(job, JSON_COMPACT);
    json_decref(job);
    int in[2], out[2];
    if (!text || pipe2(in, O_CLOEXEC) != 0) {
        free(text);
        return error("cannot create pipes", NULL);
    }
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]), close(in[1]);
        free(text);
        return error("cannot create pipes", NULL);
    }
    /* posix_spawn, not fork: glibc's shares the address space until the
       exec (vfork), where a fork copies the daemon's page tables (its
       LMDB maps) and makes every later write of the loop and of the other
       lanes a copy-on-write fault until the child execs (issue 19: another
       actuator's round trip while this connector starts its program). */
    posix_spawn_file_actions_t fa;
    pid_t pid = -1;
    int spawned = posix_spawn_file_actions_init(&fa);
    if (spawned == 0) {
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        spawned = posix_spawn(&pid, x->argv[0], &fa, NULL, x->argv, environ);
        posix_spawn_file_actions_destroy(&fa);
    }
    close(in[0]);
    close(out[1]);
    if (spawned != 0) {
        close(in[1]), close(out[0]);
        free(text);
        return error("cannot start the program: ", strerror(spawned));
    }
    /* Write the job and read the answer together, so neither side blocks. */
    signal(SIGPIPE, SIG_IGN);
    size_t wlen = strlen(text), woff = 0, rlen = 0;
    char *buf = fs_xmalloc(EXEC_MAX_OUTPUT + 1);
    int64_t deadline = fs_mono_ms() + x->timeout_ms;
    bool timed_out = false, too_big = false;
    int wfd = in[1];
    fcntl(wfd, F_SETFL, O_NONBLOCK);
    for (;;) {
        struct pollfd p[2] = {{out[0], POLLIN, 0}, {wfd, POLLOUT, 0}};
        int64_t left = deadline - fs_mono_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        if (poll(p, wfd >= 0 ? 2 : 1, (int)left) < 0 && errno != EINTR)
            break;
        if (wfd >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = write(wfd, text + woff, wlen - woff);
            if (w > 0)
                woff += (size_t)w;
            if (w < 0 || woff == wlen) {
                close(wfd);
                wfd = -1;
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP)) {
            ssize_t r = read(out[0], buf + rlen, EXEC_MAX_OUTPUT - rlen);
            if (r <= 0)
                break;
            rlen += (size_t)r;
            if (rlen == EXEC_MAX_OUTPUT) {
                too_big = true;
                break;
            }
        }
    }
    if (wfd >= 0)
        close(wfd);
    close(out[0]);
    free(text);
    if (timed_out || too_big)
        kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    buf[rlen] = '\0';
    json_t *res;
    json_t *outj = jobdir ? exec_cortex_output(jobdir, buf, rlen) : json_loadb(buf, rlen, 0, NULL);
    if (jobdir) {
        exec_cortex_job_remove(jobdir);
        x->argv[x->argc] = NULL;
        free(jobdir);
    }
    const char *emsg = json_string_value(json_object_get(outj, "errorMessage"));
    if (timed_out)
        res = error("timed out after the configured timeout_s; the program was killed", NULL);
    else if (too_big)
        res = error("output larger than 1 MiB", NULL);
    else if (json_is_false(json_object_get(outj, "success")))
        res = error("", emsg ? emsg : "failed"); /* Cortex's failure: exit 1, errorMessage kept */
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        res = error("the program failed: ", WIFEXITED(status) && WEXITSTATUS(status) == 127
                                                ? "cannot execute"
                                                : "non-zero exit");
    else if (!json_is_object(outj))
        res = error("the program did not print one JSON object", NULL);
    else if (json_is_true(json_object_get(outj, "success")))
        res = json_pack("{s:s, s:{s:O?, s:O?, s:O?, s:O?}}", "status", "ok", "result", "full",
                        json_object_get(outj, "full"), "summary", json_object_get(outj, "summary"),
                        "operations", json_object_get(outj, "operations"), "artifacts",
                        json_object_get(outj, "artifacts"));
    else
        res = json_pack("{s:s, s:O}", "status", "ok", "result", outj);
    json_decref(outj);
    free(buf);
    return res;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t exec_fields[] = {
    FS_REQUIRED("command", FS_S_ARRAY(FS_S_STRING, 1, EXEC_MAX_ARGS)),
    FS_FIELD("protocol", FS_S_ENUM("stdin", "cortex")),
    FS_FIELD("timeout_s", FS_S_INT(1, 3600)),
    FS_FIELD("config", FS_S_ANY),
    FS_FIELDS_END,
};
static const fs_schema_t exec_schema = {.type = FS_SCHEMA_OBJECT, .fields = {exec_fields}};

const adapter_plugin_t connector_exec = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "exec",
    .summary = "analyzer/responder: a local program, Cortex-style JSON job on stdin, JSON on "
               "stdout (\"protocol\": \"cortex\": a Cortex job directory)",
    .init = init,
    .run = run,
    .cleanup = cleanup,
    .config_schema = &exec_schema,
};

/* A Cortex analyzer or responder folder as it is: its NAME.json says what
   to run (the job-directory contract); "config" adds to or overrides its
   configurationItems' defaults. */
static const fs_schema_field_t cortex_fields[] = {
    FS_REQUIRED("cortex_definition", FS_S_STRING),
    FS_FIELD("timeout_s", FS_S_INT(1, 3600)),
    FS_FIELD("config", FS_S_ANY),
    FS_FIELDS_END,
};
static const fs_schema_t cortex_schema = {.type = FS_SCHEMA_OBJECT, .fields = {cortex_fields}};

const adapter_plugin_t connector_cortex = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "cortex",
    .summary = "analyzer/responder: a Cortex analyzer's folder as it is (its NAME.json: command, "
               "dataTypeList, configurationItems), run with a Cortex job directory",
    .init = init,
    .run = run,
    .cleanup = cleanup,
    .config_schema = &cortex_schema,
};
