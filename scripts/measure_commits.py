"""Server CPU per acknowledged edit under a steady edit load of many small commits.

`--writers` devices, each with an account and a plan of its own, each make one edit (an item
added to a section) every `1 / --rate` seconds for `--seconds`, over real WebSockets to
`python -m server` run from each `--checkout` in turn (the same load for each, one run, so
before and after compare). Every edit is a commit of its own or shares one with the edits
that arrive during it (group commit), and is acknowledged only after it. Reports the edits
acknowledged, the acknowledgement latency (edit sent until the server's answer), and the
server process's CPU time in the window per edit (from /proc). `--py-spy FILE` also records
a py-spy profile of the last checkout's server over the window (py-spy must be on PATH), as
collapsed stacks of busy samples (`--format raw`): `scripts/measure_commits.py --shares FILE`
prints the share of samples in aiosqlite's thread, in SQLite calls and in the event loop.

    .venv/bin/python scripts/measure_commits.py --checkout /work/main --checkout .
"""

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.measure_storage_size import SECTION, free_port, sign_up_many, stop, wait_for_port
from tests.support.api import ApiUser
from tests.support.automerge_docs import new_item
from tests.support.plan_circle import create_plan, new_plan_document, upload
from tests.support.wire_peer import WirePeer

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


async def writer(peer: WirePeer, doc_id: str, args: argparse.Namespace, out: list[float]) -> None:
    interval = 1 / args.rate
    deadline = time.monotonic() + args.seconds
    next_edit = time.monotonic() + secrets.randbelow(1000) / 1000 * interval  # spread starts
    while next_edit < deadline:
        await asyncio.sleep(max(0.0, next_edit - time.monotonic()))  # pacing, not a wait
        new_item(peer.doc(doc_id), SECTION, secrets.token_hex(32))
        start = time.perf_counter()
        await peer.sync(doc_id)
        out.append(time.perf_counter() - start)
        next_edit += interval


async def measure(checkout: str, args: argparse.Namespace, profile: str | None) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        command = [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--data-dir", data_dir, "--log-level", "warning"]
        command += ["--sign-ups-per-address", str(args.writers + 10)]
        process = subprocess.Popen(command, cwd=checkout)  # noqa: ASYNC220 - started once
        try:
            await wait_for_port(port, process)
            base = f"http://127.0.0.1:{port}"

            async def prepare(user: ApiUser) -> tuple[ApiUser, WirePeer, str]:
                plan = await create_plan(user)
                peer = await WirePeer.connect(user.sync_url(f"ws://127.0.0.1:{port}/sync"))
                await upload(peer, plan["documentId"], new_plan_document("everyone"))
                return user, peer, plan["documentId"]

            users = await sign_up_many(base, args.writers)
            writers = await asyncio.gather(*(prepare(user) for user in users))
            spy = None
            if profile:
                spy = subprocess.Popen(  # noqa: ASYNC220 - started once
                    ["py-spy", "record", "-p", str(process.pid), "-d", str(int(args.seconds))]
                    + ["-o", profile, "--format", "raw", "--threads", "--nonblocking"]
                )
            latencies: list[float] = []
            cpu_before, wall_before = cpu_seconds(process.pid), time.monotonic()
            await asyncio.gather(*(writer(p, d, args, latencies) for _, p, d in writers))
            cpu = cpu_seconds(process.pid) - cpu_before
            wall = time.monotonic() - wall_before
            if spy is not None:
                spy.wait()
            for user, peer, _ in writers:
                await peer.ws.close()
                await user.close()
        finally:
            stop(process)
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    print(
        f"{checkout}: {len(ms)} edits acknowledged in {wall:.1f} s ({len(ms) / wall:.0f}/s); "
        f"ack latency p50 {statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95)]:.1f}, "
        f"p99 {ms[int(len(ms) * 0.99)]:.1f}; server CPU {cpu:.2f} s = "
        f"{cpu / len(ms) * 1000:.2f} ms per edit ({cpu / wall:.2f} cores)"
    )


def shares(profile: Path) -> None:
    """Where a py-spy raw profile's busy samples are: by thread, and SQLite's part of each."""
    total, threads, sqlite = 0, dict[str, int](), dict[str, int]()
    for line in profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        thread = "aiosqlite thread" if "_connection_worker_thread" in stack else "other"
        if "run_forever" in stack or "uvicorn" in stack.split(";", 2)[0]:
            thread = "event loop"
        n = int(count)
        total += n
        threads[thread] = threads.get(thread, 0) + n
        if "sqlite" in stack:
            sqlite[thread] = sqlite.get(thread, 0) + n
    for thread, n in sorted(threads.items(), key=lambda t: -t[1]):
        print(
            f"{thread:18} {n / total:6.1%} of busy samples "
            f"({sqlite.get(thread, 0) / total:6.1%} with aiosqlite or sqlite3 frames)"
        )


async def main(args: argparse.Namespace) -> None:
    checkouts = args.checkout or [str(Path(__file__).resolve().parent.parent)]
    for _ in range(args.repeat):
        for n, checkout in enumerate(checkouts):
            await measure(checkout, args, args.py_spy if n == len(checkouts) - 1 else None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--rate", type=float, default=2.0, help="edits per second per writer")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=1, help="rounds over the checkouts")
    parser.add_argument("--checkout", action="append", help="repeat to compare checkouts")
    parser.add_argument("--py-spy", help="record a profile of the last checkout's server here")
    parser.add_argument("--shares", type=Path, help="only summarise this py-spy raw profile")
    parsed = parser.parse_args()
    if parsed.shares:
        shares(parsed.shares)
    else:
        asyncio.run(main(parsed))
