#!/usr/bin/python3
"""forgetful_broker.py — a broker that loses the site's HELLO, for
tests/crash/lost_hello.sh: what a site sees when the broker it said HELLO to
is killed with the HELLO unread and a new one takes its endpoint. The new
broker has no session for the connection, so it answers everything the
site sends next (HEARTBEAT, EVENTS) with ERROR hello_first (docs/protocol.md
§5.2, §5.7).

It binds a ZeroMQ ROUTER with CURVE and the broker's key (fsp_router.py),
drops the first DROP HELLOs, answers every other message with
ERROR hello_first, and WELCOMEs the next HELLO (§5.1). Once the welcomed
site sends a HEARTBEAT it exits 0; 1 on --timeout. Each HELLO and ERROR is
printed on stderr.

With --refuse CODE it is a broker that refuses the site instead, for
tests/nemesis/refused_hello.sh: each HELLO is answered with ERROR CODE
(identity, refused), everything else with ERROR hello_first, none is
welcomed, and it exits 0 on --timeout.

  forgetful_broker.py --keys KEYS --listen tcp://127.0.0.1:PORT [--drop N] [--timeout S]
  forgetful_broker.py --keys KEYS --listen tcp://127.0.0.1:PORT --refuse CODE [--timeout S]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "security"))
from fsp_router import bind, recv, send, welcome  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--keys", required=True)
    p.add_argument("--listen", required=True)
    p.add_argument("--drop", type=int, default=1)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--refuse", metavar="CODE")
    a = p.parse_args()

    sock = bind(a.keys, a.listen)

    hellos = 0
    welcomed = None  # the connection that was WELCOMEd
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline:
        msg = recv(sock, 200)
        if msg is None:
            continue
        who, kind, body = msg
        if kind == "HELLO":
            hellos += 1
            if a.refuse:
                send(sock, who, "ERROR", {"code": a.refuse, "reason": "refused by the test"})
                print("forgetful_broker: HELLO %d refused (%s)" % (hellos, a.refuse),
                      file=sys.stderr, flush=True)
                continue
            if hellos <= a.drop:
                print("forgetful_broker: HELLO %d dropped" % hellos, file=sys.stderr, flush=True)
                continue
            welcomed = who
            welcome(sock, who, body)
            print("forgetful_broker: HELLO %d welcomed" % hellos, file=sys.stderr, flush=True)
        elif who == welcomed and kind == "HEARTBEAT":
            print("forgetful_broker: HEARTBEAT after WELCOME", file=sys.stderr, flush=True)
            return 0
        elif who != welcomed:
            send(sock, who, "ERROR", {"code": "hello_first", "reason": "§5.2: HELLO first"})
            print("forgetful_broker: ERROR hello_first for %s" % kind, file=sys.stderr, flush=True)
    print("forgetful_broker: timeout after %d HELLOs" % hellos, file=sys.stderr)
    return 0 if a.refuse else 1


if __name__ == "__main__":
    sys.exit(main())
