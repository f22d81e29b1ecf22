#!/usr/bin/python3
"""hostile_broker.py — a fake broker that holds the real broker's CURVE key,
for tests/security/site_proof_hostile.sh: it shows what a site does when the
broker itself is hostile (docs/governance.md "Critical commands carry
proof": a broker alone cannot make a site act).

It binds a ZeroMQ ROUTER with CURVE (python3-zmq, Debian's, which links
libzmq with CURVE) and the broker's secret key from KEYS/broker.cert_secret,
and speaks just enough FSP/1 (docs/protocol.md): it answers HELLO with
WELCOME (§5.1: the HELLO's epoch, last_seq = its outbox_last_seq,
heartbeat_ms, broker_epoch 0), sends HEARTBEAT each second (§5.5), ACKs
EVENTS (§5.3), and after the first WELCOME sends each COMMAND body of
COMMANDS.jsonl (one JSON object a line, §5.4), one at a time. Every RESPONSE
body it receives is written as one line to OUT.jsonl; it exits 0 once each
command has a final RESPONSE (status other than 102), 1 on --timeout.

  hostile_broker.py --keys KEYS --listen tcp://127.0.0.1:PORT
                    --commands COMMANDS.jsonl --out OUT.jsonl [--timeout S]

Run it with /usr/bin/python3 (python3-zmq, from deploy/bootstrap).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fsp_router import bind, recv, send, welcome  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--keys", required=True)
    p.add_argument("--listen", required=True)
    p.add_argument("--commands", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()

    with open(a.commands) as f:
        commands = [json.loads(line) for line in f if line.strip()]
    sock = bind(a.keys, a.listen)
    print("hostile_broker: listening on %s" % a.listen, file=sys.stderr, flush=True)

    peer = None
    next_cmd = 0  # index of the next command to send
    waiting = None  # command_id sent and not finally answered yet
    answered = 0
    deadline = time.monotonic() + a.timeout
    last_beat = 0.0
    out = open(a.out, "a")
    while answered < len(commands):
        if time.monotonic() > deadline:
            print("hostile_broker: timeout, %d of %d commands answered" % (answered, len(commands)),
                  file=sys.stderr)
            return 1
        if peer is not None and time.monotonic() - last_beat >= 1.0:
            send(sock, peer, "HEARTBEAT", {})
            last_beat = time.monotonic()
        if peer is not None and waiting is None and next_cmd < len(commands):
            body = commands[next_cmd]
            next_cmd += 1
            waiting = body["command_id"]
            send(sock, peer, "COMMAND", body)
            print("hostile_broker: sent COMMAND %s" % waiting, file=sys.stderr, flush=True)
        msg = recv(sock, 200)
        if msg is None:
            continue
        who, kind, body = msg
        if kind == "HELLO":
            peer = who
            welcome(sock, peer, body)
            if waiting is not None:  # §5.4: resend what is not answered after a WELCOME
                send(sock, peer, "COMMAND", commands[next_cmd - 1])
            print("hostile_broker: WELCOME %s" % body.get("site"), file=sys.stderr, flush=True)
        elif kind == "EVENTS":
            send(sock, who, "ACK", {"epoch": body.get("epoch"), "seq": body.get("last_seq")})
        elif kind == "RESPONSE":
            out.write(json.dumps(body) + "\n")
            out.flush()
            status = body.get("response", {}).get("status")
            if body.get("command_id") == waiting and status != 102:
                waiting = None
                answered += 1
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
