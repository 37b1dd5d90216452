#!/usr/bin/env python3
"""Slow clients against a real `roster serve`: prints figures, asserts nothing.

Starts the server (target/release/roster if built, else target/debug/roster)
on a fresh SQLite database with a 2 s header-read timeout and a cap of
--cap connections, then at once:
  * opens --slow connections that send a request head one byte per second,
  * sends --normal ordinary requests, one after another, over fresh
    connections,
and prints when the slow connections were closed, how the ordinary requests
fared meanwhile, and what the connections beyond the cap were answered.

    cargo build -p roster && scripts/slow-clients.py --slow 500 --cap 600
"""

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HEAD = b"GET /healthz HTTP/1.1\r\nhost: roster.test\r\n\r\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def slow_client(port, closed_after):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        closed_after.append(None)
        return
    # From the connection being established (a burst of connects may wait
    # for a SYN retransmit when the listen backlog overflows).
    start = time.monotonic()

    async def trickle():
        for b in HEAD:
            writer.write(bytes([b]))
            try:
                await writer.drain()
            except OSError:
                return
            await asyncio.sleep(1)

    task = asyncio.create_task(trickle())
    data = b""
    try:
        while True:
            chunk = await asyncio.wait_for(reader.read(4096), 30)
            if not chunk:
                break
            data += chunk
    except (OSError, asyncio.TimeoutError):
        pass
    task.cancel()
    status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "closed"
    closed_after.append((time.monotonic() - start, status))
    writer.close()


async def normal_requests(port, n, latencies, statuses):
    for _ in range(n):
        start = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(HEAD)
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), 30)
            statuses.append(line.split(b" ")[1].decode() if line else "closed")
            writer.close()
        except (OSError, asyncio.TimeoutError) as e:
            statuses.append(type(e).__name__)
        latencies.append(time.monotonic() - start)
        await asyncio.sleep(0.02)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slow", type=int, default=200)
    ap.add_argument("--normal", type=int, default=200)
    ap.add_argument("--cap", type=int, default=10000)
    ap.add_argument("--header-timeout", type=float, default=2.0)
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = next(
        (b for b in (f"{root}/target/release/roster", f"{root}/target/debug/roster") if os.path.exists(b)),
        None,
    )
    if binary is None:
        sys.exit("build the server first: cargo build -p roster")
    tmp = tempfile.mkdtemp()
    port = free_port()
    env = dict(os.environ, ROSTER_LOG="warn", ROSTER_BOOTSTRAP_API_KEY="rk_slow_clients_0123456789")
    server = subprocess.Popen(
        [binary, "serve", "--listen", f"127.0.0.1:{port}",
         "--database-url", f"sqlite://{tmp}/roster.db",
         "--header-read-timeout", str(args.header_timeout),
         "--max-connections", str(args.cap)],
        env=env,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        closed, latencies, statuses = [], [], []
        start = time.monotonic()
        await asyncio.gather(
            *(slow_client(port, closed) for _ in range(args.slow)),
            normal_requests(port, args.normal, latencies, statuses),
        )
        wall = time.monotonic() - start
        print(f"server: {os.path.relpath(binary, root)}, header-read timeout {args.header_timeout} s, "
              f"cap {args.cap}, {args.slow} slow clients, {args.normal} ordinary requests, {wall:.1f} s")
        times = [c[0] for c in closed if c]
        by_status = {}
        for c in closed:
            key = c[1] if c else "connect failed"
            by_status[key] = by_status.get(key, 0) + 1
        print(f"slow clients: {by_status}; closed after p50 {pct(times, .5):.2f} s, "
              f"max {max(times, default=float('nan')):.2f} s")
        ok = statuses.count("200")
        print(f"ordinary requests meanwhile: {ok}/{len(statuses)} answered 200, other "
              f"{sorted(set(s for s in statuses if s != '200'))}; latency p50 "
              f"{pct(latencies, .5) * 1000:.1f} ms, p99 {pct(latencies, .99) * 1000:.1f} ms, "
              f"max {max(latencies, default=0) * 1000:.1f} ms")
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
