#!/usr/bin/python3
"""A misbehaving web server on loopback for the fault tests (test_faults.py).

Raw sockets, a thread per connection, so it can misbehave below HTTP, where
http.server would not let it. Binds 127.0.0.1 port 0 and prints exactly
`listening 127.0.0.1:PORT` once it accepts connections (the house handshake).
With `--tls NAME CERT KEY` (repeatable) it also serves the same routes over
TLS on a port of its own per certificate; those ports are bound before the
handshake line and announced after it, one line each: `tls NAME 127.0.0.1:PORT`,
then `ready`. It exits when its stdin reaches end of file.

Routes (any method; the request line is all that is read):
  /ok               200, a small page with 「カートに入れる」 (the control case)
  /reset            reads the request, then a TCP RST (SO_LINGER 0 and close)
  /silence          reads the request, never answers, waits for the client to go
  /drip             200 headers with Content-Length: 100000, then one byte a second
  /endless          200, chunked, 64 KiB chunks forever (until the client goes)
  /gzip-bomb        200, Content-Encoding: gzip, 10 MiB of deflate that inflates to
                    about 10 GiB of zeros (a 1 KiB block repeated, never held whole)
  /invalid          binary garbage instead of a status line, then close
  /loop             302 to itself
  /huge-header      200 with one header line of 1 MiB
  /many-headers     200 with 10,000 header lines
  /lying-long       Content-Length: 100000, then 10 bytes and close
  /lying-short      Content-Length: 10 ahead of the whole /ok page (the keyword lies
                    past byte 10), then close
  /billion-laughs   an RSS 2.0 feed whose DOCTYPE declares the billion-laughs entities
                    and whose item title uses the biggest (10^9 "lol" if expanded)
  /statuspage-deep  a Statuspage-like JSON document nested 100,000 arrays deep
  /_stats           JSON {path: requests seen} ("tls:NAME /path" for TLS ports)
"""

import argparse
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time
import zlib

KEYWORD = "カートに入れる"
OK_PAGE = (f"<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
           f"<title>サンプル商店</title></head><body><h1>手ぬぐい 藍染</h1>"
           f"<form action=\"/cart\" method=\"post\"><button>{KEYWORD}</button></form>"
           f"</body></html>\n").encode("utf-8")

GZIP_BOMB_BYTES = 10 * 1024 * 1024
HUGE_HEADER_BYTES = 1024 * 1024
MANY_HEADERS = 10_000
DEEP = 100_000

LOCK = threading.Lock()
STATS = {}


def gzip_bomb_parts():
    """(head, block): head is the gzip header and the first deflate block of 1 MiB
    of zeros; block is the next 1 MiB, which after a full flush (the window
    reset) is the same bytes every time. head + block * n inflates to n+1 MiB."""
    zeros = bytes(1024 * 1024)
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    again = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "deflate blocks after a full flush should repeat"
    return head, block


GZ_HEAD, GZ_BLOCK = gzip_bomb_parts()


def billion_laughs():
    ents = ['<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        ents.append(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">')
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE rss [\n  "
            + "\n  ".join(ents) + "\n]>\n"
            "<rss version=\"2.0\"><channel><title>お知らせ</title>"
            "<link>https://shop.example.jp/</link><description>&lol9;</description>"
            "<item><title>&lol9;</title><link>https://shop.example.jp/news/1</link>"
            "<pubDate>Mon, 01 Jun 2026 09:00:00 +0900</pubDate></item>"
            "</channel></rss>\n").encode("utf-8")


def deep_statuspage():
    return (b'{"page":{"id":"x","name":"deep"},"status":' + b"[" * DEEP + b"]" * DEEP
            + b"}")


def head(status, reason, headers=(), length=None):
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_request(conn):
    """The request path (the request line only; the rest of the head is read and
    dropped), or None when the client sent nothing usable."""
    buf = b""
    while b"\r\n\r\n" not in buf and len(buf) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        buf += chunk
    line = buf.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    if len(parts) < 2:
        return None
    return parts[1].split("?", 1)[0]


def wait_for_close(conn, seconds=120):
    """Blocks until the client closes (or `seconds` pass)."""
    conn.settimeout(seconds)
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


def serve(conn, label):
    path = read_request(conn)
    if path is None:
        return
    with LOCK:
        key = path if label is None else f"tls:{label} {path}"
        STATS[key] = STATS.get(key, 0) + 1
    if path == "/ok":
        conn.sendall(head(200, "OK", [("Content-Type", "text/html; charset=utf-8")],
                          len(OK_PAGE)) + OK_PAGE)
    elif path == "/reset":
        # close() with a zero linger sends RST instead of FIN.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    elif path == "/silence":
        wait_for_close(conn)
    elif path == "/drip":
        conn.sendall(head(200, "OK", [("Content-Type", "text/html")], 100000))
        for _ in range(120):
            conn.sendall(b"x")
            time.sleep(1)
    elif path == "/endless":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n" % 65536 + b"a" * 65536 + b"\r\n"
        while True:
            conn.sendall(chunk)
    elif path == "/gzip-bomb":
        n = (GZIP_BOMB_BYTES - len(GZ_HEAD)) // len(GZ_BLOCK)
        conn.sendall(head(200, "OK", [("Content-Type", "text/html"),
                                      ("Content-Encoding", "gzip")],
                          len(GZ_HEAD) + n * len(GZ_BLOCK)) + GZ_HEAD)
        for _ in range(n):
            conn.sendall(GZ_BLOCK)
    elif path == "/invalid":
        conn.sendall(b"\x00\xff\xfeGARBAGE \x01\x02 not http at all\r\n\r\n" + bytes(range(256)))
    elif path == "/loop":
        conn.sendall(head(302, "Found", [("Location", "/loop")], 0))
    elif path == "/huge-header":
        conn.sendall(head(200, "OK", [("Content-Type", "text/html"),
                                      ("X-Huge", "a" * HUGE_HEADER_BYTES)], len(OK_PAGE))
                     + OK_PAGE)
    elif path == "/many-headers":
        many = [("Content-Type", "text/html")] + [(f"X-H{i}", "v") for i in range(MANY_HEADERS)]
        conn.sendall(head(200, "OK", many, len(OK_PAGE)) + OK_PAGE)
    elif path == "/lying-long":
        conn.sendall(head(200, "OK", [("Content-Type", "text/html")], 100000) + OK_PAGE[:10])
    elif path == "/lying-short":
        conn.sendall(head(200, "OK", [("Content-Type", "text/html; charset=utf-8")], 10)
                     + OK_PAGE)
    elif path == "/billion-laughs":
        body = billion_laughs()
        conn.sendall(head(200, "OK", [("Content-Type", "application/rss+xml")], len(body))
                     + body)
    elif path == "/statuspage-deep":
        body = deep_statuspage()
        conn.sendall(head(200, "OK", [("Content-Type", "application/json")], len(body))
                     + body)
    elif path == "/_stats":
        with LOCK:
            body = json.dumps(STATS).encode()
        conn.sendall(head(200, "OK", [("Content-Type", "application/json")], len(body)) + body)
    else:
        conn.sendall(head(404, "Not Found", [], 0))


def handle(conn, context, label):
    try:
        if context is not None:
            conn.settimeout(10)
            conn = context.wrap_socket(conn, server_side=True)
            conn.settimeout(None)
        serve(conn, label)
    except (OSError, ssl.SSLError):
        pass  # the client went away, which is what most of these routes provoke
    finally:
        try:
            conn.close()
        except OSError:
            pass


def listen():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(256)
    return s


def accept_loop(sock, context, label):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=handle, args=(conn, context, label), daemon=True).start()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tls", nargs=3, action="append", default=[],
                   metavar=("NAME", "CERT", "KEY"))
    args = p.parse_args()

    plain = listen()
    tls = []
    for name, cert, key in args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        tls.append((name, listen(), context))
    threading.Thread(target=accept_loop, args=(plain, None, None), daemon=True).start()
    for name, sock, context in tls:
        threading.Thread(target=accept_loop, args=(sock, context, name), daemon=True).start()

    print(f"listening 127.0.0.1:{plain.getsockname()[1]}", flush=True)
    for name, sock, _ in tls:
        print(f"tls {name} 127.0.0.1:{sock.getsockname()[1]}", flush=True)
    print("ready", flush=True)
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except KeyboardInterrupt:
        pass
    # Daemon threads may sit in a blocking send: leave at once, whatever they do.
    os._exit(0)


if __name__ == "__main__":
    main()
