"""Measure what hostile sockets do to the server: idle connections, a flood, the log.

    .venv/bin/python scripts/measure_sockets.py [--idle 1100] [--flood 2000]
        [--open-files 1024] [--watch 15] [--hold 0] [-- SERVER OPTIONS...]

Starts `python -m server` (under `ulimit -n --open-files`) on a free loopback port, then:
1. opens `--idle` TCP connections that never send a byte and, while they are open, asks
   for /api/health and signs up; then reports how many of them the server closed, and
   when, within `--watch` seconds;
2. holds `--hold` idle connections and sends `--flood` requests on new connections, 20 at
   a time; reports how the server answered them and how much its log grew meanwhile.
Everything goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.support.server_process import ServerHandle, free_port  # noqa: E402


async def closed_at(reader: asyncio.StreamReader, start: float, watch: float) -> float | None:
    try:
        async with asyncio.timeout(watch):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return None
    except OSError:
        pass
    return time.monotonic() - start


async def probe(base_url: str) -> str:
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            health = await http.get("/api/health")
            email = f"m-{os.urandom(4).hex()}@example.invalid"
            account = {"email": email, "password": "a long passphrase", "displayName": "M"}
            sign_up = await http.post("/api/accounts", json=account)
    except (httpx.HTTPError, OSError) as e:
        return f"failed: {type(e).__name__} {e}"
    return (
        f"health {health.status_code} {health.text[:80]!r}; "
        f"sign-up {sign_up.status_code} {sign_up.text[:80]!r}"
    )


async def idle(server: ServerHandle, count: int, watch: float) -> None:
    start = time.monotonic()
    streams = []
    refused = 0
    for _ in range(count):
        try:
            streams.append(await asyncio.open_connection("127.0.0.1", server.port))
        except OSError:
            refused += 1
    print(f"idle: opened {len(streams)} connections ({refused} refused by the OS)")
    print(f"idle: while they are open: {await probe(server.base_url)}")
    ends = await asyncio.gather(*(closed_at(r, start, watch) for r, _ in streams))
    closed = sorted(e for e in ends if e is not None)
    if closed:
        print(
            f"idle: the server closed {len(closed)} of {len(streams)} within {watch:.0f} s, "
            f"the first after {closed[0]:.1f} s, the last after {closed[-1]:.1f} s"
        )
    else:
        print(f"idle: the server closed none of {len(streams)} within {watch:.0f} s")
    for _, writer in streams:
        writer.close()
    print(f"idle: after they left: {await probe(server.base_url)}")


async def flood(server: ServerHandle, count: int, hold: int) -> None:
    answers: collections.Counter[str] = collections.Counter()
    held = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(hold)]
    before = len(server.log_text().encode())

    async def one() -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"GET /api/plans HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            async with asyncio.timeout(10):
                answer = await reader.read()
            writer.close()
            answers[answer.split(b"\r\n", 1)[0].decode(errors="replace") or "(closed)"] += 1
        except (OSError, TimeoutError) as e:
            answers[type(e).__name__] += 1

    start = time.monotonic()
    for _ in range(count // 20):
        await asyncio.gather(*(one() for _ in range(20)))
    took = time.monotonic() - start
    grown = len(server.log_text().encode()) - before
    for _, writer in held:
        writer.close()
    print(f"flood: {count} requests in {took:.1f} s: {dict(answers)}")
    print(f"flood: the log grew {grown / 1024:.1f} KiB ({grown / count:.0f} bytes a request)")


async def main(args: argparse.Namespace) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, args.idle + 512)), hard))
    with tempfile.TemporaryDirectory() as scratch:
        server = ServerHandle(
            free_port(),
            Path(scratch) / "data",
            Path(scratch) / "server.log",
            args=tuple(args.server_args),
            open_files=args.open_files,
        )
        await server.start()
        try:
            await idle(server, args.idle, args.watch)
            await flood(server, args.flood, args.hold)
        finally:
            with contextlib.suppress(AssertionError):
                await server.kill()
            print(f"log: {len(server.log_text().encode()) / 1024:.1f} KiB in all")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle", type=int, default=1100)
    parser.add_argument("--flood", type=int, default=2000)
    parser.add_argument("--open-files", type=int, default=1024)
    parser.add_argument("--watch", type=float, default=15.0)
    parser.add_argument("--hold", type=int, default=0)
    parser.add_argument("server_args", nargs="*")
    asyncio.run(main(parser.parse_args()))
