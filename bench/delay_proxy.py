#!/usr/bin/python3
"""A TCP proxy on 127.0.0.1 that delays every chunk it forwards, each way, by
DELAY_MS: a network round trip of 2 x DELAY_MS between a client on this host and
a server on this host (the e-mail benchmark's stand-in for `tc netem`, which
needs the sch_netem kernel module). Order is kept per direction; chunks are not
held back behind each other (a pipe of the given latency, not a slow link).

    delay_proxy.py UPSTREAM_PORT DELAY_MS

Binds port 0 and prints `listening 127.0.0.1:PORT` when ready.
"""

import asyncio
import sys


async def pump(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass

    task = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            queue.put_nowait((loop.time() + delay, data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((loop.time() + delay, None))
    try:
        await task
    except (ConnectionError, OSError):
        pass


async def main(upstream, delay):
    async def handle(creader, cwriter):
        try:
            sreader, swriter = await asyncio.open_connection("127.0.0.1", upstream)
        except OSError:
            cwriter.close()
            return
        await asyncio.gather(pump(creader, swriter, delay), pump(sreader, cwriter, delay))
        cwriter.close()
        swriter.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    print(f"listening 127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    try:
        asyncio.run(main(int(sys.argv[1]), float(sys.argv[2]) / 1000.0))
    except KeyboardInterrupt:
        pass
