#!/usr/bin/env python3
"""passkey_authenticator.py — a software WebAuthn authenticator and the
browser's part around it, for tests/security/passkey_enroll.sh (python3 +
python3-cryptography, from deploy/bootstrap).

  register OPTIONS.json ORIGIN STATE.json [--alg -7|-8] [--challenge C]
      reads the broker's PublicKeyCredentialCreationOptions, makes a key and
      a credential id, writes STATE.json (private key, id, rp id) and prints
      the body POST /api/v1/passkey-enrollments/{nonce} takes:
      {"credential_id","public_key","alg","client_data_json"} (--challenge:
      sign another challenge than the options' one, for the refusal test)
  sign STATE.json ORIGIN PAYLOAD [--flags N] [--key OTHER_STATE.json]
      prints the signature string of a passkey-signed payload:
      {"type":"webauthn","credential_id","authenticator_data",
       "client_data_json","signature"} with challenge =
      base64url(SHA-256(PAYLOAD)); --flags sets the flags byte (default
      0x05: UP|UV); --key signs with another state's key (a forgery).
"""
import argparse
import base64
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_key(state):
    return serialization.load_pem_private_key(state["private_key_pem"].encode(), None)


def sign_with(key, alg, msg):
    if alg == -7:
        return key.sign(msg, ec.ECDSA(hashes.SHA256()))
    return key.sign(msg)


def register(a):
    with open(a.options) as f:
        opts = json.load(f)
    alg = a.alg
    key = ec.generate_private_key(ec.SECP256R1()) if alg == -7 else ed25519.Ed25519PrivateKey.generate()
    cred_id = os.urandom(16)
    state = {
        "private_key_pem": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode(),
        "credential_id": b64url(cred_id),
        "alg": alg,
        "rp_id": opts["rp"]["id"],
    }
    with open(a.state, "w") as f:
        json.dump(state, f)
    client_data = json.dumps({"type": "webauthn.create", "challenge": a.challenge or opts["challenge"],
                              "origin": a.origin, "crossOrigin": False}, separators=(",", ":"))
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    print(json.dumps({"credential_id": state["credential_id"], "public_key": b64url(spki), "alg": alg,
                      "client_data_json": b64url(client_data.encode()),
                      "fingerprint": hashlib.sha256(spki).hexdigest()}))


def sign(a):
    with open(a.state) as f:
        state = json.load(f)
    signer = state
    if a.key:
        with open(a.key) as f:
            signer = json.load(f)
    key = load_key(signer)
    challenge = b64url(hashlib.sha256(a.payload.encode()).digest())
    client_data = json.dumps({"type": "webauthn.get", "challenge": challenge, "origin": a.origin,
                              "crossOrigin": False}, separators=(",", ":")).encode()
    auth_data = hashlib.sha256(state["rp_id"].encode()).digest() + bytes([a.flags]) + (1).to_bytes(4, "big")
    sig = sign_with(key, signer["alg"], auth_data + hashlib.sha256(client_data).digest())
    print(json.dumps({"type": "webauthn", "credential_id": state["credential_id"],
                      "authenticator_data": b64url(auth_data), "client_data_json": b64url(client_data),
                      "signature": b64url(sig)}, separators=(",", ":")))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("register")
    r.add_argument("options")
    r.add_argument("origin")
    r.add_argument("state")
    r.add_argument("--alg", type=int, default=-7, choices=[-7, -8])
    r.add_argument("--challenge")
    s = sub.add_parser("sign")
    s.add_argument("state")
    s.add_argument("origin")
    s.add_argument("payload")
    s.add_argument("--flags", type=lambda v: int(v, 0), default=0x05)
    s.add_argument("--key")
    a = p.parse_args()
    register(a) if a.cmd == "register" else sign(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
