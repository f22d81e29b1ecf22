#!/usr/bin/env python3
"""slow_reader.py URL CACERT TOKEN AFTER_BYTES OUT -- COMMAND...

A deliberately slow HTTPS client (tests/http/audit_stream.sh): a small
receive buffer (so the server cannot push the whole answer into the
kernel's buffers at once) and short reads with pauses. After AFTER_BYTES of
body it runs COMMAND once (e.g. revoking its own token), then reads on to
the end. Writes the body bytes it got to OUT and prints one line:
"complete" when the chunked answer ended properly, "cut" when the
connection ended without the final chunk.
"""
import http.client
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse


def main():
    url, cacert, token, after, out = sys.argv[1:6]
    command = sys.argv[sys.argv.index("--") + 1:]
    u = urllib.parse.urlsplit(url)
    ctx = ssl.create_default_context(cafile=cacert)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", u.port))
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx)
    conn.sock = ctx.wrap_socket(raw, server_hostname=u.hostname)
    conn.request("GET", u.path + ("?" + u.query if u.query else ""),
                 headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    if r.status != 200:
        print("status %d" % r.status)
        return 1
    got, ran, state = bytearray(), False, "complete"
    try:
        while True:
            b = r.read(2048)
            if not b:
                break
            got += b
            if not ran and len(got) >= int(after):
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
                ran = True
            time.sleep(0.002)
    except (http.client.IncompleteRead, ConnectionError, ssl.SSLError) as e:
        if isinstance(e, http.client.IncompleteRead):
            got += e.partial
        state = "cut"
    with open(out, "wb") as f:
        f.write(got)
    print(state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
