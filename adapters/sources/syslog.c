/*  syslog.c — source "syslog": receives syslog (RFC 3164 / 5424)
    carrying CEF or any line format the normalizer knows, over UDP (one
    message per datagram) and TCP (newline-framed, RFC 6587 non-transparent
    framing).  Each poll drains what the sockets hold and hands the complete
    lines to the normalizer as native text ("source_id", e.g. "cef").

    Config: "udp": "127.0.0.1:5514", "tcp": "127.0.0.1:5514" (either or
    both; host must be an IPv4 address), "max_connections" (32),
    "max_line" (65536; longer lines are cut there and rejected downstream).
    There is no checkpoint: syslog has no acknowledgement, so what a sender
    sent while the adapter was down, or what was read but not yet committed
    when it was killed, is lost (UDP may lose messages anyway).  Use a
    file-tail on the relay's file when that matters. */
#include "connector_support.h"
#include "vendor_parsers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SYSLOG_MAX_CONN 256
#define SYSLOG_POLL_BYTES (4u << 20)

typedef struct {
    int fd;
    char *buf;
    size_t len;
} conn_t;

typedef struct {
    int udp, tcp;
    conn_t conns[SYSLOG_MAX_CONN];
    int max_conns;
    size_t max_line;
    char name[96];
} syslog_t;

static void cleanup(void **state_p)
{
    syslog_t *s = *state_p;
    if (!s)
        return;
    if (s->udp >= 0)
        close(s->udp);
    if (s->tcp >= 0)
        close(s->tcp);
    for (int i = 0; i < SYSLOG_MAX_CONN; i++)
        if (s->conns[i].fd >= 0) {
            close(s->conns[i].fd);
            free(s->conns[i].buf);
        }
    free(s);
    *state_p = NULL;
}

static int open_socket(const char *spec, int type, const char *key, fs_err_t *e)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    uint64_t port;
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host ||
        fs_parse_u64(colon + 1, &port) != 0 || port == 0 || port > 65535)
        return fs_err_set(e, "%s: \"%s\" is not HOST:PORT", key, spec);
    snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        return fs_err_set(e, "%s: \"%s\" is not an IPv4 address", key, host);
    int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0)
        return fs_err_set(e, "%s: socket: %s", key, strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        (type == SOCK_STREAM && listen(fd, 64) != 0)) {
        int err = errno;
        close(fd);
        return fs_err_set(e, "%s: cannot listen on %s: %s", key, spec, strerror(err));
    }
    return fd;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    const char *udp = json_string_value(json_object_get(config, "udp"));
    const char *tcp = json_string_value(json_object_get(config, "tcp"));
    if (!udp && !tcp) {
        fs_err_set(e, "udp or tcp: at least one listen address (\"127.0.0.1:5514\")");
        return NULL;
    }
    syslog_t *s = fs_xcalloc(1, sizeof *s);
    s->udp = s->tcp = -1;
    for (int i = 0; i < SYSLOG_MAX_CONN; i++)
        s->conns[i].fd = -1;
    json_int_t mc = json_integer_value(json_object_get(config, "max_connections"));
    s->max_conns = mc >= 1 && mc <= SYSLOG_MAX_CONN ? (int)mc : 32;
    json_int_t ml = json_integer_value(json_object_get(config, "max_line"));
    s->max_line = ml >= 512 && ml <= (1 << 20) ? (size_t)ml : 65536;
    connector_instance_name(s->name, sizeof s->name, "syslog", config);
    if ((udp && (s->udp = open_socket(udp, SOCK_DGRAM, "udp", e)) < 0) ||
        (tcp && (s->tcp = open_socket(tcp, SOCK_STREAM, "tcp", e)) < 0)) {
        void *p = s;
        cleanup(&p);
        return NULL;
    }
    return s;
}

size_t syslog_message_len(const char *p, size_t n, size_t max)
{
    if (n > max)
        n = max;
    while (n && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == '\0'))
        n--;
    return n;
}

size_t syslog_frame_lines(const char *buf, size_t len, size_t max, bool eof,
                          syslog_message_fn *on_message, void *arg)
{
    size_t start = 0;
    for (size_t k = 0; k < len; k++)
        if (buf[k] == '\n') {
            on_message(arg, buf + start, k - start);
            start = k + 1;
        }
    if (start == 0 && len >= max && max > 0) { /* an over-long line: cut it */
        on_message(arg, buf, max);
        start = max;
    }
    if (eof && start < len) {
        on_message(arg, buf + start, len - start);
        start = len;
    }
    return start;
}

/* The messages of one poll, LF-separated, as native text for the normalizer. */
typedef struct {
    syslog_t *s;
    char *out;
    size_t len, cap;
} batch_t;

/* Appends one message (without its newline) and a '\n', cut at max_line. */
static void add_line(void *arg, const char *p, size_t n)
{
    batch_t *b = arg;
    n = syslog_message_len(p, n, b->s->max_line);
    if (n == 0)
        return;
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->out = fs_xrealloc(b->out, b->cap);
    }
    memcpy(b->out + b->len, p, n);
    b->out[b->len + n] = '\n';
    b->len += n + 1;
}

static int poll(void *state, const char *checkpoint, source_emit_fn *emit, void *arg,
                char **next_cp, fs_err_t *e)
{
    (void)checkpoint;
    syslog_t *s = state;
    *next_cp = NULL;
    batch_t b = {.s = s};
    char *dgram = fs_xmalloc(65536);
    /* UDP: one message per datagram. */
    while (s->udp >= 0 && b.len < SYSLOG_POLL_BYTES) {
        ssize_t r = recv(s->udp, dgram, 65536, 0);
        if (r <= 0)
            break;
        add_line(&b, dgram, (size_t)r);
    }
    free(dgram);
    /* TCP: accept, then LF-framed messages from every connection. */
    for (;;) {
        int fd = s->tcp >= 0 ? accept4(s->tcp, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC) : -1;
        if (fd < 0)
            break;
        int slot = -1, open_conns = 0;
        for (int i = 0; i < SYSLOG_MAX_CONN; i++) {
            if (s->conns[i].fd >= 0)
                open_conns++;
            else if (slot < 0)
                slot = i;
        }
        if (slot < 0 || open_conns >= s->max_conns) {
            fs_log(FS_LOG_WARN, "adapter", "syslog_refused",
                   "source=\"%s\" reason=\"max_connections reached\"", s->name);
            close(fd);
            continue;
        }
        s->conns[slot] = (conn_t){fd, fs_xmalloc(s->max_line + 1), 0};
    }
    for (int i = 0; i < SYSLOG_MAX_CONN && b.len < SYSLOG_POLL_BYTES; i++) {
        conn_t *c = &s->conns[i];
        if (c->fd < 0)
            continue;
        for (;;) {
            ssize_t r = read(c->fd, c->buf + c->len, s->max_line - c->len);
            if (r == 0 ||
                (r < 0 && errno != EAGAIN && errno != EINTR)) { /* closed: flush the last line */
                syslog_frame_lines(c->buf, c->len, s->max_line, true, add_line, &b);
                close(c->fd);
                free(c->buf);
                *c = (conn_t){-1, NULL, 0};
                break;
            }
            if (r < 0)
                break;
            c->len += (size_t)r;
            size_t start = syslog_frame_lines(c->buf, c->len, s->max_line, false, add_line, &b);
            memmove(c->buf, c->buf + start, c->len - start);
            c->len -= start;
            if (b.len >= SYSLOG_POLL_BYTES)
                break;
        }
    }
    int rc = b.len ? source_emit_text(emit, arg, s->name, b.out, b.len, e) : 0;
    free(b.out);
    return rc < 0 ? -1 : b.len >= SYSLOG_POLL_BYTES ? 1 : 0;
}

/* The written schema of its config (issue 11.4; docs/connectors.md). */
static const fs_schema_field_t syslog_fields[] = {
    FS_REQUIRED("source_id", FS_S_STRING),
    FS_FIELD("udp", FS_S_STRING),
    FS_FIELD("tcp", FS_S_STRING),
    FS_FIELD("max_connections", FS_S_INT(1, SYSLOG_MAX_CONN)),
    FS_FIELD("max_line", FS_S_INT(512, 1 << 20)),
    FS_FIELDS_END,
};
static const fs_schema_t syslog_schema = {.type = FS_SCHEMA_OBJECT, .fields = {syslog_fields}};

const adapter_plugin_t source_syslog = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_SOURCE,
    .type = "syslog",
    .source_id = NULL, /* the config's "source_id" */
    .summary = "syslog receiver (UDP and TCP, RFC 3164/5424 lines; CEF by default)",
    .init = init,
    .poll = poll,
    .cleanup = cleanup,
    .config_schema = &syslog_schema,
};
