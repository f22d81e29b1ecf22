/*  fsp_probe — sends one hand-made multipart message to a broker endpoint
    and prints the first reply, for black-box wire tests (protocol clauses).

    fsp_probe --endpoint EP --keys DIR [--as sites:NAME|operators:NAME|random|none]
              [--wait MS] [--burst 1] FRAME...
    A FRAME is literal text, or "@FILE" (its bytes), or "#N" (N bytes of 'x').
    A lone "---" ends one message and starts the next, on the same connection.
    Prints "TYPE BODY" for each reply, or "NO REPLY". Exit 0 if the last
    message got a reply. With --burst 1 every message is sent at once, then
    every reply is printed until none comes for --wait ms (exit 0). */
#include "fsp.h"
#include "keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints the next reply as "TYPE BODY", or "NO REPLY" (-1) after the
   socket's receive timeout. */
static int print_reply(zsock_t *sock)
{
    fs_err_t e = {0};
    fsp_msg_t m;
    int rc = fsp_recv(sock, false, &m, &e);
    if (rc == 0) {
        char *body = json_dumps(m.body, JSON_COMPACT);
        printf("%s %s\n", fsp_type_name(m.type), body ? body : "");
        free(body);
    } else {
        printf("NO REPLY\n");
    }
    fsp_msg_clear(&m);
    return rc;
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL, *keys = NULL, *as = "none";
    int wait_ms = 2000, i = 1;
    bool burst = false;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--endpoint") == 0)
            endpoint = argv[i + 1];
        else if (strcmp(argv[i], "--keys") == 0)
            keys = argv[i + 1];
        else if (strcmp(argv[i], "--as") == 0)
            as = argv[i + 1];
        else if (strcmp(argv[i], "--wait") == 0)
            wait_ms = (int)strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--burst") == 0)
            burst = strcmp(argv[i + 1], "1") == 0;
        else
            break;
    }
    if (!endpoint || !keys || i >= argc) {
        fprintf(
            stderr,
            "usage: fsp_probe --endpoint EP --keys DIR [--as KIND:NAME|random|none] FRAME...\n");
        return 2;
    }
    fs_err_t e = {0};
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    zsock_set_linger(sock, 0);
    zsock_set_rcvtimeo(sock, wait_ms);
    zcert_t *cert = NULL;
    if (strcmp(as, "none") != 0) {
        if (strcmp(as, "random") == 0) {
            cert = zcert_new();
        } else {
            char kind[32], name[64];
            const char *colon = strchr(as, ':');
            if (!colon || (size_t)(colon - as) >= sizeof kind) {
                fprintf(stderr, "fsp_probe: --as KIND:NAME\n");
                return 2;
            }
            snprintf(kind, sizeof kind, "%.*s", (int)(colon - as), as);
            snprintf(name, sizeof name, "%s", colon + 1);
            cert = keys_load_secret(keys, kind, name, &e);
        }
        char *server = keys_load_broker_public(keys, &e);
        if (!cert || !server) {
            fprintf(stderr, "fsp_probe: %s\n", e.text);
            return 2;
        }
        zcert_apply(cert, sock);
        zsock_set_curve_serverkey(sock, server);
        free(server);
    }
    zsock_connect(sock, "%s", endpoint);
    int rc = -1;
    while (i < argc) {
        zmsg_t *msg = zmsg_new();
        for (; i < argc && strcmp(argv[i], "---") != 0; i++) {
            if (argv[i][0] == '@') {
                size_t len;
                char *data = fs_file_read(argv[i] + 1, 64u << 20, &len, &e);
                if (!data) {
                    fprintf(stderr, "fsp_probe: %s\n", e.text);
                    return 2;
                }
                zmsg_addmem(msg, data, len);
                free(data);
            } else if (argv[i][0] == '#') {
                size_t n = (size_t)strtoull(argv[i] + 1, NULL, 10);
                char *data = malloc(n ? n : 1);
                memset(data, 'x', n);
                zmsg_addmem(msg, data, n);
                free(data);
            } else {
                zmsg_addstr(msg, argv[i]);
            }
        }
        i++; /* past "---" */
        zmsg_send(&msg, sock);
        if (!burst)
            rc = print_reply(sock);
    }
    if (burst)
        while (print_reply(sock) == 0)
            rc = 0;
    zsock_destroy(&sock);
    zcert_destroy(&cert);
    return rc == 0 ? 0 : 1;
}
