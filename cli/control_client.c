/*  control_client.c — one request/reply with the broker's control socket,
    authenticated with the operator's CURVE key. */
#include "cli.h"
#include "fsp.h"
#include "keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTROL_TIMEOUT_MS 10000

json_t *cli_call(const cli_opts_t *o, const char *cmd, json_t *args, int *rc)
{
    *rc = CLI_USAGE;
    json_t *body = json_pack("{s:s, s:o}", "cmd", cmd, "args", args ? args : json_object());
    /* A request over the FSP/1 body limit would make libzmq drop us without
       an answer (protocol §3.4): refuse it here, with the limit named. */
    size_t size = body ? json_dumpb(body, NULL, 0, JSON_COMPACT) : 0;
    if (!body || size > FSP_MAX_BODY) {
        fprintf(stderr,
                "fedsoarctl: %s: the request is %zu bytes, more than the %d-byte FSP/1 body limit "
                "(docs/cli.md, Input size limits)\n",
                cmd, size, FSP_MAX_BODY);
        json_decref(body);
        *rc = body ? CLI_REFUSED : CLI_USAGE;
        return NULL;
    }
    fs_err_t e = {0};
    zcert_t *cert = keys_load_secret(o->keys_dir, "operators", o->operator_name, &e);
    char *broker_key = cert ? keys_load_broker_public(o->keys_dir, &e) : NULL;
    if (!cert || !broker_key) {
        fprintf(stderr, "fedsoarctl: %s\n", e.text);
        zcert_destroy(&cert);
        json_decref(body);
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
    fsp_send(sock, NULL, FSP_CONTROL, body);
    fsp_msg_t m = {0};
    int got = fsp_recv(sock, false, &m, &e);
    if (got != 0 && strcmp(e.text, "interrupted") != 0) {
        /* e.g. a reply over the body limit (protocol §3.4) */
        fprintf(stderr, "fedsoarctl: %s: the broker's answer is not usable: %s\n", cmd, e.text);
    } else if (got != 0) {
        fprintf(stderr,
                "fedsoarctl: no answer from the broker at %s within %d s (is it running? is "
                "operator \"%s\" trusted by it?)\n",
                o->control, CONTROL_TIMEOUT_MS / 1000, o->operator_name);
    } else if (!json_is_true(json_object_get(m.body, "ok"))) {
        const char *why = json_string_value(json_object_get(m.body, "error"));
        fprintf(stderr, "fedsoarctl: broker refused: %s\n", why ? why : "(no reason given)");
        *rc = CLI_REFUSED;
    } else {
        result = json_incref(json_object_get(m.body, "result"));
        *rc = CLI_OK;
    }
    fsp_msg_clear(&m);
done:
    json_decref(body);
    zsock_destroy(&sock);
    zcert_destroy(&cert);
    free(broker_key);
    return result;
}

json_t *cli_control_call(const cli_opts_t *o, const char *cmd, json_t *args)
{
    int rc;
    return cli_call(o, cmd, args, &rc);
}
