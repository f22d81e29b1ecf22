"""fsp_router.py — what the tests' fake brokers share (hostile_broker.py,
tests/crash/forgetful_broker.py): a ZeroMQ ROUTER with CURVE and the real
broker's key (python3-zmq, Debian's, which links libzmq with CURVE), and the
FSP/1 frames they send (docs/protocol.md §3)."""
import json
import os
import sys

import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from curvezmq import Cert  # noqa: E402  (reads czmq zcert files)


def bind(keys_dir, listen):
    """A CURVE ROUTER bound to listen with KEYS/broker.cert and its secret."""
    broker = Cert.load(os.path.join(keys_dir, "broker.cert"))
    if broker.secret is None:
        raise SystemExit("no broker.cert_secret in " + keys_dir)
    sock = zmq.Context.instance().socket(zmq.ROUTER)
    sock.curve_server = True
    sock.curve_secretkey = broker.secret
    sock.curve_publickey = broker.public
    sock.linger = 0
    sock.bind(listen)
    return sock


def send(sock, peer, kind, body):
    sock.send_multipart([peer, b"FSP/1", kind.encode(), json.dumps(body).encode()])


def recv(sock, timeout_ms):
    """(peer, type, body) of the next FSP/1 message; None when none came
    within timeout_ms or the frames are not FSP/1."""
    if not sock.poll(timeout_ms):
        return None
    frames = sock.recv_multipart()
    if len(frames) < 4 or frames[1] != b"FSP/1":
        return None
    return frames[0], frames[2].decode(), json.loads(frames[3])


def welcome(sock, peer, hello):
    """WELCOME for a HELLO (§5.1): its epoch, last_seq = its outbox_last_seq."""
    send(sock, peer, "WELCOME", {
        "protocol": "FSP/1", "site": hello.get("site"), "epoch": hello.get("epoch"),
        "last_seq": hello.get("outbox_last_seq", 0), "heartbeat_ms": 1000, "broker_epoch": 0})
