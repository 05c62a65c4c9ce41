#!/usr/bin/python3
"""A real SMTP server on 127.0.0.1 for the e-mail tests and benchmark: Debian's
aiosmtpd (python3-aiosmtpd, which /usr/bin/python3 imports).

    smtp_server.py [--mode plain|starttls|smtps] [--cert CRT --key KEY]
                   [--auth USER:PASSWORD] [--reject ADDR]... [--tempfail ADDR]...
                   [--stall-after N] [--out FILE] [--discard]

Binds port 0 and prints `listening 127.0.0.1:PORT` when ready. Modes:
  plain     no TLS at all (STARTTLS is not offered)
  starttls  STARTTLS offered and required before MAIL/AUTH (needs --cert/--key)
  smtps     implicit TLS from the first byte (needs --cert/--key)
--auth requires SMTP AUTH (PLAIN or LOGIN) with these credentials; a wrong
password gets 535. --reject answers RCPT for ADDR with 550, --tempfail with 450.
--stall-after N: once N messages are stored, the next MAIL command gets no
answer (once: later connections are served normally), so a client can be
killed mid-batch.

--out FILE gets one JSON object a line, flushed at once:
  {"event": "connection", "conn": N, "tls": bool}           first command on connection N
  {"event": "message", "conn": N, "tls": bool, "auth": USER|null, "mail_from": …,
   "rcpt_tos": […], "data": BASE64 of the message as received}
  {"event": "rejected", "conn": N, "rcpt": ADDR, "code": 550}
  {"event": "auth", "conn": N, "user": USER, "ok": bool}      every AUTH attempt
--discard stores nothing and only counts (the benchmark). On SIGUSR1 the server
prints {"messages": M, "connections": C, "rejected": R} (totals so far) on
stdout; on SIGTERM or SIGINT it prints the same and exits.
"""

import argparse
import asyncio
import base64
import json
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, args):
        self.args = args
        self.reject = {a.lower() for a in args.reject}
        self.tempfail = {a.lower() for a in args.tempfail}
        self.out = open(args.out, "a", encoding="utf-8") if args.out else None
        self.messages = 0
        self.connections = 0
        self.rejected = 0
        self.stalled = False

    def write(self, obj):
        if self.out:
            self.out.write(json.dumps(obj) + "\n")
            self.out.flush()

    def tls(self, session):
        return self.args.mode == "smtps" or session.ssl is not None

    def conn_of(self, server, session):
        # A connection is counted at its first command (not at accept), so a
        # port probe that never speaks is not one. The number lives on the
        # protocol object: aiosmtpd starts a new session after STARTTLS.
        conn = getattr(server, "shopkit_conn", None)
        if conn is None:
            self.connections += 1
            conn = server.shopkit_conn = self.connections
            self.write({"event": "connection", "conn": conn, "tls": self.tls(session)})
        return conn

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.conn_of(server, session)
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        self.conn_of(server, session)
        session.host_name = hostname
        return "250 {}".format(server.hostname)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if (self.args.stall_after is not None and not self.stalled
                and self.messages >= self.args.stall_after):
            self.stalled = True
            await asyncio.sleep(3600)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        low = address.lower()
        if low in self.reject:
            self.rejected += 1
            self.write({"event": "rejected", "conn": self.conn_of(server, session), "rcpt": address,
                        "code": 550})
            return "550 5.1.1 <{}>: Recipient address rejected: User unknown".format(address)
        if low in self.tempfail:
            self.write({"event": "rejected", "conn": self.conn_of(server, session), "rcpt": address,
                        "code": 450})
            return "450 4.2.1 <{}>: Mailbox busy, try again later".format(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        if not self.args.discard:
            auth = session.auth_data.login.decode() if isinstance(
                session.auth_data, LoginPassword) else None
            self.write({"event": "message", "conn": self.conn_of(server, session),
                        "tls": self.tls(session), "auth": auth,
                        "mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                        "data": base64.b64encode(envelope.original_content).decode()})
        return "250 2.0.0 OK queued"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["plain", "starttls", "smtps"], default="plain")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    p.add_argument("--reject", action="append", default=[])
    p.add_argument("--tempfail", action="append", default=[])
    p.add_argument("--stall-after", type=int)
    p.add_argument("--out")
    p.add_argument("--discard", action="store_true")
    args = p.parse_args()

    context = None
    if args.mode != "plain":
        if not (args.cert and args.key):
            p.error("--mode starttls/smtps needs --cert and --key")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    handler = Handler(args)

    def authenticator(server, session, envelope, mechanism, auth_data):
        user, _, password = args.auth.partition(":")
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        handler.write({"event": "auth", "conn": handler.conn_of(server, session),
                       "user": auth_data.login.decode(errors="replace")
                       if isinstance(auth_data, LoginPassword) else None, "ok": ok})
        # handled=False: aiosmtpd answers 535 itself (True would leave the client waiting).
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        return SMTP(
            handler,
            hostname="smtp.test",  # no getfqdn(): it may wait on DNS
            tls_context=context if args.mode == "starttls" else None,
            require_starttls=args.mode == "starttls",
            authenticator=authenticator if args.auth else None,
            auth_required=bool(args.auth),
            # aiosmtpd counts only STARTTLS as TLS; an smtps connection is TLS from the start.
            auth_require_tls=args.mode == "starttls",
            loop=loop,
        )

    server = loop.run_until_complete(loop.create_server(
        factory, host="127.0.0.1", port=0, ssl=context if args.mode == "smtps" else None,
        backlog=1024))
    port = server.sockets[0].getsockname()[1]

    def stats():
        print(json.dumps({"messages": handler.messages, "connections": handler.connections,
                          "rejected": handler.rejected}), flush=True)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    loop.add_signal_handler(signal.SIGUSR1, stats)
    print(f"listening 127.0.0.1:{port}", flush=True)
    try:
        loop.run_forever()
    finally:
        stats()


if __name__ == "__main__":
    sys.exit(main())
