"""The server's CPU per WebSocket message with uvicorn's read pausing and with ours.

    .venv/bin/python scripts/measure_read_ahead.py [--peers 20] [--messages 500] [--rounds 3]

uvicorn's websockets-sansio protocol pauses reading a socket after every message and resumes
when the app takes it; `server.connections.ReadAheadWebSocketProtocol` pauses only once 16
messages or 64 KiB wait. This starts uvicorn in a child process with an echo app (accept,
then send back every binary message) and each protocol in turn, twice, alternating; `--peers`
WebSocket clients each send `--messages` messages of 200 bytes one at a time, each waiting
for its echo. Reported: the server process's CPU time (user + system, from /proc) per echoed
message, and the wall time, for each round. The echo app does nothing else, so the
difference is the protocol's own cost per message.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from websockets.asyncio.client import connect  # noqa: E402

SERVE = """
import sys
import uvicorn
from server.connections import ReadAheadWebSocketProtocol

async def app(scope, receive, send):
    if scope["type"] != "websocket":
        return
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        event = await receive()
        if event["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "bytes": event.get("bytes") or b""})

ws = ReadAheadWebSocketProtocol if sys.argv[2] == "read-ahead" else "websockets-sansio"
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), ws=ws, lifespan="off",
            log_level="warning", ws_per_message_deflate=False)
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_listening(port: int) -> None:
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise RuntimeError("the echo server did not start")


async def one_round(port: int, pid: int, peers: int, messages: int) -> tuple[float, float]:
    sockets = [
        await connect(f"ws://127.0.0.1:{port}/", compression=None, max_size=None)
        for _ in range(peers)
    ]
    payload = b"x" * 200

    async def echo(ws: object) -> None:
        for _ in range(messages):
            await ws.send(payload)  # type: ignore[attr-defined]
            await ws.recv()  # type: ignore[attr-defined]

    cpu_before, started = cpu_seconds(pid), time.perf_counter()
    await asyncio.gather(*(echo(ws) for ws in sockets))
    wall, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu_before
    for ws in sockets:
        await ws.close()
    return cpu / (peers * messages), wall


async def measure(protocol: str, args: argparse.Namespace) -> None:
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVE, str(port), protocol, cwd=REPO_ROOT
    )
    try:
        await wait_listening(port)
        for i in range(args.rounds):
            per_message, wall = await one_round(port, server.pid, args.peers, args.messages)
            print(
                f"{protocol:17} round {i}: {1e6 * per_message:6.1f} µs of server CPU per "
                f"message, {args.peers * args.messages} messages in {1000 * wall:.0f} ms"
            )
    finally:
        server.terminate()
        await server.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peers", type=int, default=20)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for _ in range(2):
        for protocol in ("uvicorn", "read-ahead"):
            await measure(protocol, args)


if __name__ == "__main__":
    asyncio.run(main())
