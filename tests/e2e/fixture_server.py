#!/usr/bin/python3
"""A small shop on loopback for shopcheck's end-to-end tests.

Binds 127.0.0.1 port 0 and prints exactly `listening 127.0.0.1:PORT` on stdout
once it accepts connections (the house handshake). With `--tls CERT KEY` it
speaks HTTPS. It exits when its stdin reaches end of file, so a test runner
that dies does not leave it behind.

Routes (GET unless said otherwise):
  /ok                 200, a shop page with 「カートに入れる」
  /plain              200, a page without that keyword
  /sjis, /eucjp       200, the /ok page in Shift_JIS (Content-Type) or EUC-JP (<meta charset>)
  /500, /404          those statuses
  /503                503, the maintenance page 「ただいまメンテナンス中です」
  /maint200           200, but the maintenance page
  /loop               302 to itself
  /redirect           302 to /ok
  /hang               reads the request, never answers, waits for the client to go
  /drip               answers the headers, then one body byte a second
  /big                200, 100 MiB generated in chunks (never held in memory)
  /slow?ms=N          the /ok page after N ms
  /auth               200 with a bearer token equal to $FIXTURE_BEARER_TOKEN, else 401 (empty)
  /statuspage/<indicator>[?<component>=<status>…]
                      Atlassian Statuspage v2 summary.json; indicator none|minor|major|
                      critical; components Storefront, Checkout, Admin (operational unless
                      the query says otherwise)
  /rss/<case>, /atom/<case>
                      incident notice feeds in Japanese; case ongoing|recovered|quiet|
                      hostile (a title with ESC, OSC, BEL, C1 and DEL in it)
  /gzipbomb           200, Content-Encoding: gzip: the /ok page and then 200 MiB of
                      zeros, about 200 kB on the wire
  /json/deep          200, application/json: 100,000 '[' (never closed)
  /json/wide          200, a Statuspage summary (indicator none) made nearly 1 MiB by
                      100,000 small objects in "incidents"
  /flip, /flip/<any>  the /ok page, unless overridden
  POST /control?path=/x&status=N
                      from now on GET /x answers N (2xx: the /ok page); status=clear
                      removes the override. Works for every path.
  /_stats             JSON {path: requests seen}, for tests that want to know a probe arrived
  POST /hook/<name>…  an API stand-in for the demo: keeps the JSON body, answers "ok"
                      (Slack's answer) under /hook/slack, else {} as JSON
  /_hooks             JSON [{"path": …, "body": …}, …] of every hook POST, in order
"""

import argparse
import email.utils
import http.server
import json
import os
import select
import socket
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
import zlib

KEYWORD = "カートに入れる"
MAINTENANCE = "ただいまメンテナンス中です"

OK_PAGE = f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>サンプル商店</title></head>
<body><h1>手ぬぐい 藍染</h1><p>1,980円(税込)</p>
<form action="/cart" method="post"><button>{KEYWORD}</button></form></body></html>
"""
PLAIN_PAGE = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>サンプル商店</title></head>
<body><h1>ページが見つかりません</h1><p>トップページへお戻りください。</p></body></html>
"""
MAINT_PAGE = f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>メンテナンス</title></head>
<body><h1>{MAINTENANCE}</h1><p>ご不便をおかけして申し訳ございません。</p></body></html>
"""
ERROR_PAGE = """<!DOCTYPE html>
<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>
"""

BIG_SIZE = 100 * 1024 * 1024
BIG_CHUNK = 64 * 1024

STATUSPAGE_DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}
COMPONENTS = ["Storefront", "Checkout", "Admin"]

overrides = {}          # path -> [status, ...], set by POST /control: each GET takes
                        # the first; the last one stays
overrides_lock = threading.Lock()
stats = {}              # path -> requests seen
stats_lock = threading.Lock()
hooks = []              # POST /hook/<name> bodies, in order
hooks_lock = threading.Lock()
verbose = False


def rfc822(t):
    return email.utils.formatdate(t, usegmt=True)


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def feed_entries(case, now):
    """Newest first: (title, seconds ago)."""
    if case == "ongoing":
        return [
            ("【障害】一部のショップでカートに商品を追加できない不具合が発生しています", 10 * 60),
            ("【復旧】決済画面がつながりにくい状況は復旧しました", 3 * 86400),
            ("【障害】決済画面がつながりにくい状況が発生しています", 3 * 86400 + 3600),
        ]
    if case == "recovered":
        return [
            ("【復旧】一部のショップでカートに商品を追加できない不具合は復旧しました", 5 * 60),
            ("【障害】一部のショップでカートに商品を追加できない不具合が発生しています", 50 * 60),
        ]
    if case == "hostile":
        # What a compromised or careless feed could send to an operator's terminal:
        # set its title (OSC … BEL), clear the screen, CSI as C1 (U+009B), DEL.
        return [("【障害】\x1b]0;pwned\x07\x1b[2J決済\u009b31mが停止\x7fしています", 60)]
    if case == "quiet":
        return [
            ("【お知らせ】年末年始の配送スケジュールについて", 2 * 3600),
            ("新しい決済方法を追加しました", 5 * 86400),
        ]
    return None


_gzip_bomb = None


def gzip_bomb():
    """The /ok page and 200 MiB of zeros as one gzip member, built once and kept.
    Deflating 200 MiB takes seconds, so one MiB is deflated after a full flush
    (which resets the compressor) and that block repeated."""
    global _gzip_bomb
    if _gzip_bomb is None:
        page = OK_PAGE.encode("utf-8")
        zeros = bytes(1 << 20)
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        head = c.compress(page) + c.flush(zlib.Z_FULL_FLUSH)
        block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
        tail = c.flush()
        crc = zlib.crc32(page)
        for _ in range(200):
            crc = zlib.crc32(zeros, crc)
        size = (len(page) + 200 * len(zeros)) & 0xFFFFFFFF
        _gzip_bomb = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + head + block * 200 + tail
                      + crc.to_bytes(4, "little") + size.to_bytes(4, "little"))
    return _gzip_bomb


def wide_statuspage():
    """A Statuspage summary, indicator none, that is nearly 1 MiB of small objects."""
    doc = json.loads(statuspage("none", {}))
    doc["incidents"] = [{"k": i % 10} for i in range(100_000)]
    return json.dumps(doc, separators=(",", ":"))


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rss(case, base):
    now = time.time()
    entries = feed_entries(case, now)
    if entries is None:
        return None
    items = []
    for i, (title, ago) in enumerate(entries):
        items.append(
            f"<item><title>{xml_escape(title)}</title>"
            f"<link>{base}/news/{case}/{i}</link>"
            f"<guid isPermaLink=\"false\">{case}-{i}-{int(now - ago)}</guid>"
            f"<pubDate>{rfc822(now - ago)}</pubDate>"
            f"<description>{xml_escape(title)}</description></item>")
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<rss version=\"2.0\"><channel>"
            "<title>プラットフォームからのお知らせ</title>"
            f"<link>{base}/news</link><description>障害・メンテナンス情報</description>"
            f"<lastBuildDate>{rfc822(now)}</lastBuildDate>"
            + "".join(items) + "</channel></rss>\n")


def atom(case, base):
    now = time.time()
    entries = feed_entries(case, now)
    if entries is None:
        return None
    items = []
    for i, (title, ago) in enumerate(entries):
        items.append(
            f"<entry><title>{xml_escape(title)}</title>"
            f"<link href=\"{base}/news/{case}/{i}\"/>"
            f"<id>tag:fixture.test,2026:{case}-{i}</id>"
            f"<updated>{rfc3339(now - ago)}</updated>"
            f"<published>{rfc3339(now - ago)}</published>"
            f"<summary>{xml_escape(title)}</summary></entry>")
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
            "<title>プラットフォームからのお知らせ</title>"
            f"<id>tag:fixture.test,2026:news</id><updated>{rfc3339(now)}</updated>"
            f"<link href=\"{base}/news\"/>"
            + "".join(items) + "</feed>\n")


def statuspage(indicator, query):
    if indicator not in STATUSPAGE_DESCRIPTIONS:
        return None
    now = rfc3339(time.time())
    components = []
    for pos, name in enumerate(COMPONENTS, 1):
        status = query.get(name, ["operational"])[0]
        components.append({
            "id": f"cmp{pos:04d}{name.lower()}",
            "name": name,
            "status": status,
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": now,
            "position": pos,
            "description": None,
            "showcase": True,
            "start_date": None,
            "group_id": None,
            "page_id": "fixturepage",
            "group": False,
            "only_show_if_degraded": False,
        })
    summary = {
        "page": {
            "id": "fixturepage",
            "name": "Example Platform",
            "url": "https://status.example-platform.test",
            "time_zone": "Asia/Tokyo",
            "updated_at": now,
        },
        "components": components,
        "incidents": [],
        "scheduled_maintenances": [],
        "status": {"indicator": indicator, "description": STATUSPAGE_DESCRIPTIONS[indicator]},
    }
    return json.dumps(summary, ensure_ascii=False, indent=2) + "\n"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive unless a route closes
    server_version = "fixture/1"
    sys_version = ""

    def log_message(self, fmt, *args):  # noqa: D401 - quiet unless asked
        if verbose:
            sys.stderr.write("fixture: " + (fmt % args) + "\n")

    # ---- plumbing -------------------------------------------------------

    def send_body(self, status, body, content_type="text/html; charset=utf-8", headers=()):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def base_url(self):
        scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
        host, port = self.server.server_address[:2]
        return f"{scheme}://{host}:{port}"

    def count(self, path):
        with stats_lock:
            stats[path] = stats.get(path, 0) + 1

    def read_request_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def wait_for_client_to_go(self, limit):
        """Returns when the peer closes the connection (or after `limit` seconds)."""
        deadline = time.monotonic() + limit
        sock = self.connection
        while time.monotonic() < deadline:
            try:
                readable, _, _ = select.select([sock], [], [], 0.25)
                if readable and not sock.recv(4096):
                    break
            except (OSError, ValueError):
                break
        self.close_connection = True

    # ---- routes ---------------------------------------------------------

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        raw = self.read_request_body()
        if url.path.startswith("/hook/"):
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            with hooks_lock:
                hooks.append({"path": url.path, "body": body,
                              "raw": raw.decode("utf-8", "replace"),
                              "signature": self.headers.get("X-Shopkit-Signature")})
            if url.path.startswith("/hook/slack"):
                self.send_body(200, "ok", "text/plain")
            else:
                self.send_body(200, "{}", "application/json")
            return
        if url.path != "/control":
            self.send_body(404, ERROR_PAGE.format(status=404))
            return
        query = urllib.parse.parse_qs(url.query)
        path = query.get("path", [""])[0]
        status = query.get("status", [""])[0]
        sequence = status.split(",")
        if not path.startswith("/") or not (status == "clear" or
                                            all(x.isdigit() for x in sequence)):
            self.send_body(400, "need path=/x and status=N[,N...]|clear\n", "text/plain")
            return
        with overrides_lock:
            if status == "clear":
                overrides.pop(path, None)
            else:
                overrides[path] = [int(x) for x in sequence]
        self.send_body(200, "ok\n", "text/plain")

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query)
        if path != "/_stats":
            self.count(path)

        with overrides_lock:
            forced = None
            if path in overrides:
                forced = overrides[path][0]
                if len(overrides[path]) > 1:
                    overrides[path].pop(0)
        if forced is not None:
            if 200 <= forced < 300:
                self.send_body(forced, OK_PAGE)
            else:
                self.send_body(forced, ERROR_PAGE.format(status=forced))
            return

        if path == "/_stats":
            with stats_lock:
                body = json.dumps(stats)
            self.send_body(200, body, "application/json")
        elif path == "/_hooks":
            with hooks_lock:
                body = json.dumps(hooks, ensure_ascii=False)
            self.send_body(200, body, "application/json")
        elif path in ("/ok", "/", "/flip") or path.startswith("/flip/"):
            self.send_body(200, OK_PAGE)
        elif path == "/plain":
            self.send_body(200, PLAIN_PAGE)
        elif path == "/sjis":
            # A mall page as many are still served: Shift_JIS, said in the header.
            self.send_body(200, OK_PAGE.replace("utf-8", "Shift_JIS").encode("cp932"),
                           "text/html; charset=Shift_JIS")
        elif path == "/eucjp":
            # EUC-JP, said only in the page's <meta charset>.
            self.send_body(200, OK_PAGE.replace("utf-8", "EUC-JP").encode("euc_jp"), "text/html")
        elif path == "/500":
            self.send_body(500, ERROR_PAGE.format(status="500 Internal Server Error"))
        elif path == "/503":
            self.send_body(503, MAINT_PAGE, headers=[("Retry-After", "3600")])
        elif path == "/maint200":
            self.send_body(200, MAINT_PAGE)
        elif path == "/404":
            self.send_body(404, ERROR_PAGE.format(status="404 Not Found"))
        elif path == "/loop":
            self.redirect("/loop")
        elif path == "/redirect":
            self.redirect("/ok")
        elif path == "/hang":
            self.wait_for_client_to_go(300)
        elif path == "/drip":
            self.drip()
        elif path == "/big":
            self.big()
        elif path == "/slow":
            try:
                ms = int(query.get("ms", ["1000"])[0])
            except ValueError:
                ms = 1000
            time.sleep(max(0, ms) / 1000.0)
            self.send_body(200, OK_PAGE)
        elif path == "/auth":
            self.auth()
        elif path.startswith("/statuspage/"):
            body = statuspage(path[len("/statuspage/"):].removesuffix("/summary.json"), query)
            if body is None:
                self.send_body(404, ERROR_PAGE.format(status=404))
            else:
                self.send_body(200, body, "application/json")
        elif path == "/gzipbomb":
            self.send_body(200, gzip_bomb(), headers=[("Content-Encoding", "gzip")])
        elif path == "/json/deep":
            self.send_body(200, "[" * 100_000, "application/json")
        elif path == "/json/wide":
            self.send_body(200, wide_statuspage(), "application/json")
        elif path.startswith("/rss/"):
            body = rss(path[len("/rss/"):], self.base_url())
            if body is None:
                self.send_body(404, ERROR_PAGE.format(status=404))
            else:
                self.send_body(200, body, "application/rss+xml; charset=utf-8")
        elif path.startswith("/atom/"):
            body = atom(path[len("/atom/"):], self.base_url())
            if body is None:
                self.send_body(404, ERROR_PAGE.format(status=404))
            else:
                self.send_body(200, body, "application/atom+xml; charset=utf-8")
        else:
            self.send_body(404, ERROR_PAGE.format(status="404 Not Found"))

    def drip(self):
        length = 3600
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.flush()
        for _ in range(length):
            self.wfile.write(b".")
            self.wfile.flush()
            time.sleep(1.0)
        self.close_connection = True

    def big(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(BIG_SIZE))
        self.end_headers()
        head = OK_PAGE.encode("utf-8")
        filler = (b"<!-- " + b"x" * 90 + b" -->\n") * (BIG_CHUNK // 100 + 1)
        filler = filler[:BIG_CHUNK]
        self.wfile.write(head)
        left = BIG_SIZE - len(head)
        while left > 0:
            chunk = filler if left >= len(filler) else filler[:left]
            self.wfile.write(chunk)
            left -= len(chunk)
        self.wfile.flush()

    def auth(self):
        token = os.environ.get("FIXTURE_BEARER_TOKEN", "")
        given = self.headers.get("Authorization", "")
        if token and given == "Bearer " + token:
            self.send_body(200, OK_PAGE)
        else:
            # Echo nothing of what was sent.
            self.send_body(401, b"", "text/plain", headers=[("WWW-Authenticate", "Bearer")])


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128
    tls_context = None

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.tls_context is not None:
            # The handshake happens on the handler's thread at its first read, so a
            # client that never handshakes cannot stall accept().
            sock = self.tls_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        # A client that goes away, or refuses our self-signed certificate, is normal here.
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                            ssl.SSLError, TimeoutError, socket.timeout)):
            return
        if verbose:
            super().handle_error(request, client_address)


def watch_stdin():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    os._exit(0)


def main():
    global verbose
    parser = argparse.ArgumentParser(description="fixture HTTP server for shopcheck's tests")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS")
    parser.add_argument("--verbose", action="store_true", help="log requests on stderr")
    parser.add_argument("--no-stdin-watch", action="store_true",
                        help="keep running when stdin closes")
    args = parser.parse_args()
    verbose = args.verbose

    server = Server(("127.0.0.1", 0), Handler)
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        ctx.set_alpn_protocols(["http/1.1"])
        server.tls_context = ctx
    if not args.no_stdin_watch:
        threading.Thread(target=watch_stdin, daemon=True).start()
    host, port = server.server_address[:2]
    sys.stdout.write(f"listening {host}:{port}\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
