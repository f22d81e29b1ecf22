/*  http_bare.c — bench/http's raw limit: libmicrohttpd with the broker's
    TLS setup (the same certificate and key from KEYS/http/, the same
    GnuTLS priorities, one thread per connection and an internal polling
    thread, as broker/http_server.c starts it) answering a fixed JSON body
    per path, of the size the broker's answer had. No routing, no bridge to
    a loop, no LMDB: what is left is TLS, HTTP parsing and the client. */
#include "http_bench.h"

#include "bench.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define BARE_MAX_PATHS 8

struct hb_bare {
    struct MHD_Daemon *mhd;
    char *cert, *key;
    size_t n;
    char *paths[BARE_MAX_PATHS];
    struct MHD_Response *answers[BARE_MAX_PATHS];
};

static enum MHD_Result bare_handler(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version, const char *upload,
                                    size_t *upload_size, void **con_cls)
{
    (void)method, (void)version, (void)upload, (void)upload_size;
    hb_bare_t *s = cls;
    if (!*con_cls) { /* the headers: answer on the next call, as the broker does */
        *con_cls = s;
        return MHD_YES;
    }
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(url, s->paths[i]) == 0)
            return MHD_queue_response(c, MHD_HTTP_OK, s->answers[i]);
    return MHD_NO;
}

/* A JSON object of exactly size bytes: {"pad":"xxx..."}. */
static char *fixed_json(size_t size)
{
    if (size < 12)
        size = 12;
    char *j = fs_xmalloc(size + 1);
    memcpy(j, "{\"pad\":\"", 8);
    memset(j + 8, 'x', size - 10);
    memcpy(j + size - 2, "\"}", 2);
    j[size] = '\0';
    return j;
}

hb_bare_t *hb_bare_start(const char *keys_dir, const char *const *paths, const size_t *sizes,
                         size_t n, int *port)
{
    char path[700];
    fs_err_t e = {0};
    hb_bare_t *s = fs_xcalloc(1, sizeof *s);
    snprintf(path, sizeof path, "%s/http/broker.crt", keys_dir);
    s->cert = fs_file_read(path, 1 << 20, NULL, &e);
    snprintf(path, sizeof path, "%s/http/broker.key", keys_dir);
    s->key = fs_file_read(path, 1 << 20, NULL, &e);
    for (size_t i = 0; i < n && i < BARE_MAX_PATHS; i++, s->n++) {
        s->paths[i] = fs_xstrndup(paths[i], strcspn(paths[i], "?")); /* url has no query */
        char *body = fixed_json(sizes[i]);
        s->answers[i] = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(s->answers[i], "Content-Type", "application/json");
    }
    *port = free_port();
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)*port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s->cert && s->key)
        s->mhd = MHD_start_daemon(
            MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS |
                MHD_USE_ITC,
            0, NULL, NULL, bare_handler, s, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_HTTPS_MEM_CERT,
            s->cert, MHD_OPTION_HTTPS_MEM_KEY, s->key, MHD_OPTION_HTTPS_PRIORITIES,
            HB_TLS_PRIORITIES, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
            MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024), MHD_OPTION_END);
    if (!s->mhd) {
        fprintf(stderr, "http: the bare server did not start (%s)\n",
                s->cert && s->key ? "libmicrohttpd" : e.text);
        hb_bare_stop(&s);
    }
    return s;
}

void hb_bare_stop(hb_bare_t **self_p)
{
    hb_bare_t *s = *self_p;
    if (!s)
        return;
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    for (size_t i = 0; i < s->n; i++) {
        MHD_destroy_response(s->answers[i]);
        free(s->paths[i]);
    }
    free(s->cert);
    free(s->key);
    free(s);
    *self_p = NULL;
}
