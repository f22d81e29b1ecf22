"""forged_identity.py — an FSP/1 probe that forges CURVE handshake metadata.

Connects to a fedsoar broker endpoint with curvezmq.py (not libzmq), as the
holder of one key from a `fedsoarctl keys init` layout, puts the caller's
metadata properties into its INITIATE, and sends FSP/1 messages. Prints, one
per line (forged_identity.sh asserts on them):

    KEY <fingerprint>             first 16 hex of SHA-256 of the raw public key
    HANDSHAKE READY | HANDSHAKE ERROR <reason> | HANDSHAKE CLOSED | HANDSHAKE TIMEOUT
    <TYPE> <body>                 one line per message sent: the answer, or
    NO REPLY                      when none came within --timeout

Usage:
  forged_identity.py --keys DIR --endpoint tcp://HOST:PORT --as KEY
                     [--meta NAME=VALUE]... [--timeout SECONDS]
                     [VERSION TYPE BODY [--- VERSION TYPE BODY]...]
KEY is sites/NAME, operators/NAME or random (a fresh key nobody trusts).
A VALUE of @sites/NAME or @operators/NAME is that key's Z85 public key (to
forge User-Id). Run with /usr/bin/python3 (python3-nacl).
"""
import argparse
import hashlib
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from curvezmq import Cert, CurveClient, HandshakeRefused  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", required=True)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--as", dest="who", required=True)
    ap.add_argument("--meta", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("frames", nargs=argparse.REMAINDER)
    args = ap.parse_args()

    if args.who == "random":
        me = Cert.generate()
    else:
        me = Cert.load(os.path.join(args.keys, args.who + ".cert"))
    broker = Cert.load(os.path.join(args.keys, "broker.cert"))
    meta = []
    for item in args.meta:
        name, _, value = item.partition("=")
        if value.startswith("@"):
            value = Cert.load(os.path.join(args.keys, value[1:] + ".cert")).public_z85
        meta.append((name, value))
    messages, current = [], []
    for f in args.frames:
        if f == "---":
            messages.append(current)
            current = []
        else:
            current.append(f.encode())
    if current:
        messages.append(current)

    host, port = args.endpoint.rsplit("//", 1)[-1].rsplit(":", 1)
    print("KEY", hashlib.sha256(me.public).hexdigest()[:16], flush=True)
    client = CurveClient(host, int(port), broker.public, me, meta, timeout=args.timeout)
    try:
        client.connect()
        print("HANDSHAKE READY", flush=True)
    except HandshakeRefused as exc:
        print("HANDSHAKE ERROR " + exc.reason if exc.reason else "HANDSHAKE CLOSED", flush=True)
        client = None
    except socket.timeout:
        print("HANDSHAKE TIMEOUT", flush=True)
        client = None
    for msg in messages:
        if client is None:
            print("NO REPLY")
            continue
        client.send(msg)
        try:
            reply = client.recv()
            print(" ".join(p.decode(errors="replace") for p in reply[1:]), flush=True)
        except (socket.timeout, ConnectionError):
            print("NO REPLY", flush=True)
    if client:
        client.close()


if __name__ == "__main__":
    main()
