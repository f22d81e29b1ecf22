"""curvezmq.py — a minimal, independent ZMTP 3.0 + CurveZMQ client for tests.

It speaks just enough of two ZeroMQ RFCs to act as a DEALER talking to a
ROUTER over tcp, without libzmq, so that a test can send what libzmq's own
client never would — above all *arbitrary metadata properties* in INITIATE:

  * RFC 23/ZMTP 3.0 (https://rfc.zeromq.org/spec/23/): the 64-byte greeting,
    frames (flags MORE=0x01, LONG=0x02, COMMAND=0x04), commands, metadata
    properties (name-len:1, name, value-len:4 big-endian, value).
  * RFC 26/CurveZMQ (https://rfc.zeromq.org/spec/26/): HELLO, WELCOME,
    INITIATE (long-term key C, vouch Box[C',S](C->S'), metadata), READY or
    ERROR, then MESSAGE commands Box[flags + body](C'->S') with 8-byte short
    nonces that only ever increase.

Keys come from the czmq zcert text files `fedsoarctl keys init` writes:
`curve/public-key` in NAME.cert and `curve/secret-key` in NAME.cert_secret,
both Z85 (RFC 32/Z85). Crypto is libsodium's crypto_box via python3-nacl.
Run it with Debian's /usr/bin/python3, which has python3-nacl.
"""
import os
import socket
import struct

from nacl.public import Box, PrivateKey, PublicKey

Z85_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
Z85_INDEX = {c: i for i, c in enumerate(Z85_CHARS)}

FLAG_MORE, FLAG_LONG, FLAG_COMMAND = 0x01, 0x02, 0x04


def z85_decode(text):
    """RFC 32: every 5 characters are one big-endian 32-bit word."""
    if len(text) % 5:
        raise ValueError("Z85 text length is not a multiple of 5")
    out = bytearray()
    for i in range(0, len(text), 5):
        value = 0
        for c in text[i:i + 5]:
            value = value * 85 + Z85_INDEX[c]
        out += struct.pack(">I", value)
    return bytes(out)


def z85_encode(data):
    if len(data) % 4:
        raise ValueError("Z85 data length is not a multiple of 4")
    out = []
    for i in range(0, len(data), 4):
        value = struct.unpack(">I", data[i:i + 4])[0]
        word = []
        for _ in range(5):
            value, r = divmod(value, 85)
            word.append(Z85_CHARS[r])
        out.append("".join(reversed(word)))
    return "".join(out)


def read_zcert(path):
    """Parses a czmq certificate: {section: {name: value}} ('metadata', 'curve')."""
    sections, current = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not line[0].isspace():
                current = sections.setdefault(line.strip(), {})
            elif current is not None and "=" in line:
                name, value = line.split("=", 1)
                current[name.strip()] = value.strip().strip('"')
    return sections


class Cert:
    """A CURVE keypair (secret may be None) with the certificate's metadata."""

    def __init__(self, public, secret=None, metadata=None):
        self.public, self.secret, self.metadata = public, secret, metadata or {}

    @classmethod
    def load(cls, path):
        """PATH is NAME.cert; the secret key, if any, is in NAME.cert_secret."""
        cert = read_zcert(path)
        secret = None
        if os.path.exists(path + "_secret"):
            secret = z85_decode(read_zcert(path + "_secret")["curve"]["secret-key"])
        return cls(z85_decode(cert["curve"]["public-key"]), secret, cert.get("metadata"))

    @classmethod
    def generate(cls):
        key = PrivateKey.generate()
        return cls(bytes(key.public_key), bytes(key))

    @property
    def public_z85(self):
        return z85_encode(self.public)


def encode_metadata(props):
    """RFC 23 properties from (name, value) pairs; names may repeat on purpose."""
    out = bytearray()
    for name, value in props:
        name = name.encode() if isinstance(name, str) else name
        value = value.encode() if isinstance(value, str) else value
        out += bytes([len(name)]) + name + struct.pack(">I", len(value)) + value
    return bytes(out)


def decode_metadata(data):
    props, i = {}, 0
    while i < len(data):
        n = data[i]
        name = data[i + 1:i + 1 + n].decode()
        i += 1 + n
        (vlen,) = struct.unpack(">I", data[i:i + 4])
        props[name] = data[i + 4:i + 4 + vlen]
        i += 4 + vlen
    return props


class Closed(ConnectionError):
    """The server closed the connection."""


class ProtocolError(Exception):
    """The server sent something RFC 23/26 do not allow here."""


class HandshakeRefused(Exception):
    """The server answered ERROR (reason) or closed the connection (reason None)."""

    def __init__(self, reason):
        super().__init__(reason or "connection closed during the handshake")
        self.reason = reason


class CurveClient:
    """One CURVE client connection (a DEALER). Use connect(), send(), recv()."""

    def __init__(self, host, port, server_public, client, metadata=(), socket_type="DEALER", timeout=5.0):
        self.addr, self.timeout = (host, port), timeout
        self.server_public, self.client = server_public, client
        # Socket-Type first; the caller's properties (forged or not) follow.
        self.metadata = [("Socket-Type", socket_type)] + list(metadata)
        self.sock, self.nonce, self.peer_nonce = None, 0, 0
        self.server_metadata = {}

    # --- ZMTP framing -------------------------------------------------------------
    def _recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise Closed("connection closed by the server")
            buf += chunk
        return bytes(buf)

    def _send_frame(self, body, flags=0):
        if len(body) > 255:
            head = bytes([flags | FLAG_LONG]) + struct.pack(">Q", len(body))
        else:
            head = bytes([flags, len(body)])
        self.sock.sendall(head + body)

    def _recv_frame(self):
        flags = self._recv_exact(1)[0]
        if flags & FLAG_LONG:
            (size,) = struct.unpack(">Q", self._recv_exact(8))
        else:
            size = self._recv_exact(1)[0]
        return flags, self._recv_exact(size)

    def _send_command(self, name, data):
        self._send_frame(bytes([len(name)]) + name + data, FLAG_COMMAND)

    def _recv_command(self):
        flags, body = self._recv_frame()
        if not flags & FLAG_COMMAND:
            raise ProtocolError("expected a command frame during the handshake")
        n = body[0]
        return body[1:1 + n], body[1 + n:]

    def _next_nonce(self):
        self.nonce += 1
        return struct.pack(">Q", self.nonce)

    # --- CurveZMQ handshake (RFC 26 §HELLO … §READY) -----------------------------------
    def connect(self):
        """Handshakes; returns the server's READY metadata or raises HandshakeRefused."""
        self.sock = socket.create_connection(self.addr, timeout=self.timeout)
        greeting = b"\xff" + b"\x00" * 8 + b"\x7f" + bytes([3, 0]) + b"CURVE".ljust(20, b"\x00")
        greeting += b"\x00" + b"\x00" * 31  # as-server = 0, filler
        try:
            self.sock.sendall(greeting)
            theirs = self._recv_exact(64)
            if theirs[0] != 0xFF or theirs[9] != 0x7F or theirs[12:32].rstrip(b"\x00") != b"CURVE":
                raise ProtocolError("the server did not greet with ZMTP 3 / CURVE")
            transient = PrivateKey.generate()  # C', c'
            to_server = Box(transient, PublicKey(self.server_public))
            # HELLO: version 1.0, 72 bytes anti-amplification padding, C', Box[64 zeros](C'->S)
            short = self._next_nonce()
            sig = to_server.encrypt(b"\x00" * 64, b"CurveZMQHELLO---" + short).ciphertext
            self._send_command(b"HELLO", b"\x01\x00" + b"\x00" * 72 + bytes(transient.public_key) + short + sig)
            name, data = self._recv_command()
            if name == b"ERROR":
                raise HandshakeRefused(data[1:1 + data[0]].decode(errors="replace"))
            if name != b"WELCOME" or len(data) != 160:
                raise ProtocolError("expected WELCOME, got %r" % name)
            # WELCOME: Box[S' + cookie](S->C') with nonce "WELCOME-" + 16 bytes
            plain = to_server.decrypt(data[16:], b"WELCOME-" + data[:16])
            server_transient, cookie = PublicKey(plain[:32]), plain[32:128]
            self.session = Box(transient, server_transient)
            # INITIATE: cookie, Box[C + vouch + metadata](C'->S'); vouch = Box[C' + S](C->S')
            vouch_nonce = os.urandom(16)
            vouch = Box(PrivateKey(self.client.secret), server_transient).encrypt(
                bytes(transient.public_key) + self.server_public, b"VOUCH---" + vouch_nonce).ciphertext
            short = self._next_nonce()
            box = self.session.encrypt(self.client.public + vouch_nonce + vouch + encode_metadata(self.metadata),
                                       b"CurveZMQINITIATE" + short).ciphertext
            self._send_command(b"INITIATE", cookie + short + box)
            name, data = self._recv_command()
            if name == b"ERROR":
                raise HandshakeRefused(data[1:1 + data[0]].decode(errors="replace"))
            if name != b"READY":
                raise ProtocolError("expected READY, got %r" % name)
            self.server_metadata = decode_metadata(
                self.session.decrypt(data[8:], b"CurveZMQREADY---" + data[:8]))
            self.peer_nonce = struct.unpack(">Q", data[:8])[0]
            return self.server_metadata
        except (Closed, ConnectionResetError, BrokenPipeError) as exc:
            raise HandshakeRefused(None) from exc

    # --- MESSAGE (RFC 26 §MESSAGE) ---------------------------------------------------------
    def send(self, frames):
        """Sends one multipart message: each part is a MESSAGE with MORE in its flags."""
        for i, part in enumerate(frames):
            flags = FLAG_MORE if i < len(frames) - 1 else 0
            short = self._next_nonce()
            box = self.session.encrypt(bytes([flags]) + part, b"CurveZMQMESSAGEC" + short).ciphertext
            self._send_frame(b"\x07MESSAGE" + short + box)

    def recv(self, timeout=None):
        """Receives one multipart message (list of bytes); socket.timeout if none."""
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        parts = []
        while True:
            _, body = self._recv_frame()
            if body[:8] != b"\x07MESSAGE":
                continue  # a ZMTP command (PING…) outside CURVE: not ours
            (nonce,) = struct.unpack(">Q", body[8:16])
            if nonce <= self.peer_nonce:
                raise ProtocolError("server reused a MESSAGE nonce")
            self.peer_nonce = nonce
            plain = self.session.decrypt(body[16:], b"CurveZMQMESSAGES" + body[8:16])
            if plain[0] & 0x02:
                continue  # an encrypted ZMTP command (heartbeat): not part of a message
            parts.append(plain[1:])
            if not plain[0] & FLAG_MORE:
                return parts

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None
