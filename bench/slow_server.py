#!/usr/bin/python3
"""A loopback HTTP/1.1 server that answers every GET after a fixed delay.

nginx cannot sleep without third-party modules, so the benchmark's slow case
uses this. It binds 127.0.0.1 on port 0 (or --port), prints
`listening 127.0.0.1:PORT` once ready, keeps connections alive unless the
client asks otherwise, and answers any path with a small HTML page that holds
the keyword. It stops by itself after --lifetime seconds.
"""

import argparse
import asyncio
import sys

KEYWORD = "カートに入れる"


def page(path: str) -> bytes:
    return ("<!doctype html><html><head><title>商品 %s</title></head><body>"
            "<h1>商品 %s</h1><form><button>%s</button></form></body></html>\n"
            % (path, path, KEYWORD)).encode("utf-8")


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float):
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                return
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3:
                return
            _method, path, version = parts
            headers = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip().lower()
            length = int(headers.get("content-length", "0") or 0)
            if length:
                await reader.readexactly(length)
            keep = version == "HTTP/1.1" and headers.get("connection") != "close"
            await asyncio.sleep(delay)
            body = page(path)
            writer.write(("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                          "Content-Length: %d\r\nConnection: %s\r\n\r\n"
                          % (len(body), "keep-alive" if keep else "close")).encode("ascii")
                         + body)
            await writer.drain()
            if not keep:
                return
    except (ConnectionError, asyncio.CancelledError):
        return
    finally:
        writer.close()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--delay", type=float, default=0.2, help="seconds before each answer")
    ap.add_argument("--lifetime", type=float, default=3600, help="stop after this many seconds")
    args = ap.parse_args()
    server = await asyncio.start_server(lambda r, w: handle(r, w, args.delay),
                                        "127.0.0.1", args.port, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print("listening 127.0.0.1:%d" % port, flush=True)
    async with server:
        try:
            await asyncio.wait_for(server.serve_forever(), timeout=args.lifetime)
        except asyncio.TimeoutError:
            pass


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
