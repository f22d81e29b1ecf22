/*  control_client.c — one request/reply with the broker's control socket,
    authenticated with the operator's CURVE key. */
#include "cli.h"
#include "federation.h"

#include <stdio.h>
#include <stdlib.h>

#define CONTROL_TIMEOUT_MS 10000

json_t *cli_control_call(const cli_opts_t *o, const char *cmd, json_t *args)
{
    fs_err_t e = {{0}};
    zcert_t *cert = keys_load_secret(o->keys_dir, "operators", o->operator_name, &e);
    char *broker_key = cert ? keys_load_broker_public(o->keys_dir, &e) : NULL;
    if (!cert || !broker_key) {
        fprintf(stderr, "fedsoarctl: %s\n", e.text);
        zcert_destroy(&cert);
        json_decref(args);
        return NULL;
    }
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    zsock_set_linger(sock, 0);
    zcert_apply(cert, sock);
    zsock_set_curve_serverkey(sock, broker_key);
    zsock_set_rcvtimeo(sock, CONTROL_TIMEOUT_MS);
    json_t *result = NULL;
    if (zsock_connect(sock, "%s", o->control) != 0) {
        fprintf(stderr, "fedsoarctl: cannot connect to %s: %s\n", o->control,
                zmq_strerror(zmq_errno()));
        goto done;
    }
    json_t *body = json_pack("{s:s, s:o}", "cmd", cmd, "args", args ? args : json_object());
    args = NULL;
    fsp_send(sock, NULL, FSP_CONTROL, body);
    json_decref(body);
    fsp_msg_t m;
    if (fsp_recv(sock, false, &m, &e) != 0) {
        fprintf(stderr,
                "fedsoarctl: no answer from the broker at %s within %d s (is it running? is "
                "operator \"%s\" trusted by it?)\n",
                o->control, CONTROL_TIMEOUT_MS / 1000, o->operator_name);
    } else if (!json_is_true(json_object_get(m.body, "ok"))) {
        fprintf(stderr, "fedsoarctl: broker refused: %s\n",
                json_string_value(json_object_get(m.body, "error")));
    } else {
        result = json_incref(json_object_get(m.body, "result"));
    }
    fsp_msg_clear(&m);
done:
    json_decref(args);
    zsock_destroy(&sock);
    zcert_destroy(&cert);
    free(broker_key);
    return result;
}
