#!/usr/bin/env python3
"""sse_client.py — a strict Server-Sent Events client for the tests (no pip).

sse_client.py --url URL --cacert CA --token TOKEN [--last-event-id N]
              [--until EVENT[:JQ-ish key=value]] [--timeout S] [--ready FILE]

Prints one JSON line per event: {"id": N, "event": NAME, "data": {...}};
a comment line (": keepalive") as {"comment": TEXT}. Writes FILE (empty)
once the response headers arrived and the "retry:" line was read, so a
test can wait for "the stream is open" instead of sleeping.
Exit: 0 when the --until event came, 2 when the server ended the stream,
1 on timeout, 3 on a protocol error (bad status, content type, framing).
--until NAME or NAME:key=value (the data's key, compared as text).
"""
import argparse
import http.client
import json
import os
import ssl
import sys
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--cacert")
    ap.add_argument("--token", required=True)
    ap.add_argument("--last-event-id")
    ap.add_argument("--until")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--ready")
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    if u.scheme == "https":
        ctx = ssl.create_default_context(cafile=a.cacert)
        conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=a.timeout)
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=a.timeout)
    headers = {"Authorization": "Bearer " + a.token, "Accept": "text/event-stream"}
    if a.last_event_id:
        headers["Last-Event-ID"] = a.last_event_id
    conn.request("GET", u.path or "/", headers=headers)
    r = conn.getresponse()
    ctype = r.getheader("Content-Type", "")
    if r.status != 200 or not ctype.startswith("text/event-stream"):
        print(json.dumps({"status": r.status, "content_type": ctype,
                          "body": r.read(2000).decode("utf-8", "replace")}), flush=True)
        return 3
    for h, want in (("Cache-Control", "no-store"), ("X-Accel-Buffering", "no")):
        if r.getheader(h) != want:
            print(json.dumps({"error": "header %s is %r" % (h, r.getheader(h))}), flush=True)
            return 3
    until_name, until_key, until_val = None, None, None
    if a.until:
        until_name, _, cond = a.until.partition(":")
        if cond:
            until_key, _, until_val = cond.partition("=")
    deadline = time.monotonic() + a.timeout
    fields = {}
    saw_retry = False
    while True:
        if time.monotonic() > deadline:
            return 1
        try:
            raw = r.readline()
        except (TimeoutError, OSError):
            return 1
        if not raw:
            print(json.dumps({"end": True}), flush=True)
            return 2
        line = raw.decode("utf-8")
        if not line.endswith("\n"):
            print(json.dumps({"error": "unterminated line %r" % line}), flush=True)
            return 3
        line = line[:-1]
        if line == "":
            if "event" in fields or "data" in fields:
                if "id" not in fields or "event" not in fields or "data" not in fields:
                    print(json.dumps({"error": "incomplete event %r" % fields}), flush=True)
                    return 3
                ev = {"id": int(fields["id"]), "event": fields["event"],
                      "data": json.loads(fields["data"])}
                print(json.dumps(ev), flush=True)
                if until_name == ev["event"] and (
                        until_key is None or str(ev["data"].get(until_key)) == until_val):
                    return 0
            fields = {}
            continue
        if line.startswith(":"):
            print(json.dumps({"comment": line[1:].strip()}), flush=True)
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "retry":
            if not value.isdigit():
                print(json.dumps({"error": "bad retry %r" % value}), flush=True)
                return 3
            if not saw_retry and a.ready:
                open(a.ready, "w").close()
            saw_retry = True
            continue
        if name not in ("id", "event", "data"):
            print(json.dumps({"error": "unknown field %r" % name}), flush=True)
            return 3
        if name in fields:
            print(json.dumps({"error": "field %s twice in one event" % name}), flush=True)
            return 3
        fields[name] = value


if __name__ == "__main__":
    sys.exit(main())
