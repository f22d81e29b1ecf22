/*  fuzz_fsp.c — FSP/1 framing: the input is cut into frames (2-byte
    big-endian length + bytes), sent as one multipart message over inproc,
    and received with fsp_recv() on a ROUTER (broker side, first input byte
    odd) or a DEALER (adapter side). Nothing may crash or leak; whatever is
    accepted must be a well-formed message. */
#include "fsp.h"

#include <assert.h>

static zsock_t *router, *dealer_a, *dealer_b, *router_peer;

static void setup(void)
{
    if (router)
        return;
    zsys_init();
    zsys_set_logstream(NULL);
    router = zsock_new_router("inproc://fuzz-fsp-r");
    dealer_a = zsock_new_dealer("inproc://fuzz-fsp-r");
    router_peer = zsock_new_router("inproc://fuzz-fsp-d");
    dealer_b = zsock_new_dealer("inproc://fuzz-fsp-d");
    zsock_set_rcvtimeo(router, 1000);
    zsock_set_rcvtimeo(dealer_b, 1000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size < 1)
        return 0;
    bool to_router = data[0] & 1;
    data++, size--;
    zmsg_t *msg = zmsg_new();
    while (size >= 2 && zmsg_size(msg) < 1100) {
        size_t n = ((size_t)data[0] << 8) | data[1];
        data += 2, size -= 2;
        if (n > size)
            n = size;
        zmsg_addmem(msg, data, n);
        data += n, size -= n;
    }
    if (zmsg_size(msg) == 0)
        zmsg_addmem(msg, "", 0);
    zsock_t *recv_sock;
    if (to_router) {
        zmsg_send(&msg, dealer_a);
        recv_sock = router;
    } else {
        /* A ROUTER needs the peer's routing id to reach a DEALER: learn it. */
        zstr_send(dealer_b, "hi");
        zmsg_t *hi = zmsg_recv(router_peer);
        zframe_t *id = zmsg_pop(hi);
        zmsg_destroy(&hi);
        zmsg_prepend(msg, &id);
        zmsg_send(&msg, router_peer);
        recv_sock = dealer_b;
    }
    fsp_msg_t m;
    fs_err_t e = {0};
    if (fsp_recv(recv_sock, to_router, &m, &e) == 0) {
        assert(m.type < FSP_TYPE_COUNT);
        assert(json_is_object(m.body));
        assert((m.type == FSP_EVENTS) == (m.events != NULL));
    } else {
        assert(e.text[0]);
    }
    fsp_msg_clear(&m);
    zmsg_destroy(&msg);
    return 0;
}
