#!/usr/bin/python3
"""smtp_standin.py — an SMTP relay for the smtp-email responder's test
(tests/connectors/smtp_email.sh), built on Debian's python3-aiosmtpd (an
independent implementation of RFC 5321, RFC 3207 STARTTLS and RFC 4954
AUTH): STARTTLS with the test's certificate (required before MAIL unless
--plain), AUTH PLAIN and LOGIN checked against --user and --password-file,
each message received written to --dir as NNN.eml (the DATA as received)
and NNN.json (the envelope: mail_from, rcpt_tos, the AUTH mechanism, TLS).

Faults, as a relay gives them:
  --reject-domain D   RCPT TO any address at D: 550 5.1.1 (that recipient only)
  --tempfail-mail N   the first N MAIL FROM: 451 4.3.0 (a transient refusal)
  --drop-data N       the first N messages: the connection is closed after the
                      message arrived, before any answer (then --tempfail-data)
  --tempfail-data N   the next N messages: 451 4.3.0 to the end of the message
Every DATA received is counted in --dir/data_count, delivered or not.
Modes: STARTTLS (the default), --smtps (TLS from the start), --plain (no TLS).

Run with /usr/bin/python3: a PATH python (pyenv) may lack Debian's modules.
Prints "listening PORT" once it accepts connections; stops on SIGTERM."""
import argparse
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Relay:
    def __init__(self, args):
        self.args = args
        self.count = 0
        self.tempfails_left = args.tempfail_mail
        self.drops_left = args.drop_data
        self.data_tempfails_left = args.tempfail_data
        self.data_count = 0
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.tempfails_left > 0:
            self.tempfails_left -= 1
            return "451 4.3.0 Temporary local problem, try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.reject_domain and address.lower().endswith("@" + self.args.reject_domain):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_count += 1
            with open(os.path.join(self.args.dir, "data_count"), "w") as f:
                f.write("%d\n" % self.data_count)
            if self.drops_left > 0:
                self.drops_left -= 1
                server.transport.close()  # the message arrived; its answer never leaves
                return "250 2.0.0 never seen"
            if self.data_tempfails_left > 0:
                self.data_tempfails_left -= 1
                return "451 4.3.0 Queue full, try again later"
            self.count += 1
            n = self.count
        base = os.path.join(self.args.dir, "%03d" % n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth": getattr(session, "fedsoar_mechanism", None),
            "authenticated": bool(session.authenticated),
            # STARTTLS sets session.ssl; TLS from the start (--smtps) shows on the transport
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
        }
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")  # the test waits for .eml
        return "250 2.0.0 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--plain", action="store_true", help="offer no STARTTLS")
    ap.add_argument("--smtps", action="store_true", help="TLS from the start (no STARTTLS)")
    ap.add_argument("--user")
    ap.add_argument("--password-file")
    ap.add_argument("--reject-domain")
    ap.add_argument("--tempfail-mail", type=int, default=0)
    ap.add_argument("--drop-data", type=int, default=0)
    ap.add_argument("--tempfail-data", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    password = None
    if args.password_file:
        with open(args.password_file) as f:
            password = f.read().strip()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == args.user
            and auth_data.password.decode() == password
        )
        if ok:
            session.fedsoar_mechanism = mechanism
        return AuthResult(success=ok, handled=False)  # a failure answers 535

    kw = {}
    if not args.plain:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        if args.smtps:
            kw.update(ssl_context=ctx)
        else:
            kw.update(tls_context=ctx, require_starttls=True)
    if args.user:
        kw.update(authenticator=authenticator, auth_required=True,
                  auth_require_tls=not args.plain and not args.smtps)
    controller = Controller(Relay(args), hostname="127.0.0.1", port=args.port,
                            server_hostname="relay.test", **kw)
    controller.start()
    print("listening %d" % args.port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
