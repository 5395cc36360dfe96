"""Bytes on disk for N plans, ours against the reference automerge-repo server, in one run.

Populates each server the way the bench's many-docs scenario does (`--clients` clients, each
creating `--plans / --clients` documents and making `--edits` edits to each, one change per
edit, synced as it is made), but with plan-shaped edits (an item of `--payload` characters
added to a section) because our server refuses anything else. Ours runs as `python -m server`
with accounts on (each client signs up, registers each document as a plan, and syncs with
its device token); the reference (`reference-server.mjs` of a bench copy with its
node_modules, `--bench`) gets the same documents and edits without accounts. Both servers
are then stopped with SIGTERM, as a deployment would stop them, and their data directories
measured:

* ours: bytes per table and index (SQLite's `dbstat`), the main file, the WAL and the
  shared-memory file;
* the reference: the files' bytes, its directories (one per document plus one per two-letter
  prefix, 4 KiB each), and what `du` counts.

    .venv/bin/python scripts/measure_storage_size.py --plans 1000 --bench /tmp/bench
    .venv/bin/python scripts/measure_storage_size.py --plans 1000 --bench /tmp/bench \
        --checkout /work/main --checkout .

`--checkout` runs that checkout's server instead (repeat it for a before/after in one run:
`--checkout /work/main --checkout .`; the same documents go to each, then to the reference);
`--keep DIR` keeps the data directories there.
"""

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.api import PASSWORD, ApiUser  # noqa: E402
from tests.support.automerge_docs import new_document_id, new_item  # noqa: E402
from tests.support.plan_circle import new_plan_document, sections, upload  # noqa: E402
from tests.support.wire_peer import WirePeer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SECTION = sections("everyone")[0]
Register = Callable[[int, str], Awaitable[None]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.1)  # a script polling a port it cannot be told about
    raise SystemExit(f"nothing listens on {port} after 30 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=120)


async def write_plans(peer: WirePeer, docs: list[str], edits: int, payload: int) -> None:
    for doc_id in docs:
        await upload(peer, doc_id, new_plan_document("everyone"))
        for _ in range(edits):
            new_item(peer.doc(doc_id), SECTION, secrets.token_hex(payload)[:payload])
            await peer.sync(doc_id)


async def populate(
    urls: list[str], docs: list[list[str]], register: Register, edits: int, payload: int
) -> None:
    """Each client registers (`register`) and writes its documents; all clients at once."""

    async def client(index: int) -> None:
        peer = await WirePeer.connect(urls[index])
        try:
            for doc_id in docs[index]:
                await register(index, doc_id)
            await write_plans(peer, docs[index], edits, payload)
        finally:
            await peer.ws.close()

    await asyncio.gather(*(client(i) for i in range(len(urls))))


async def sign_up_many(base: str, count: int) -> list[ApiUser]:
    """`count` accounts with device tokens, two at a time (password hashing is slow on
    purpose and its queue is bounded), with time enough on a machine under load."""
    signing_up = asyncio.Semaphore(2)

    async def one(index: int) -> ApiUser:
        async with signing_up:
            http = httpx.AsyncClient(base_url=base, headers={"origin": base}, timeout=120)
            email = f"writer{index}-{secrets.token_hex(4)}@example.invalid"
            body = {"email": email, "password": PASSWORD, "displayName": f"Writer {index}"}
            created = await http.post("/api/accounts", json=body)
            signed_in = await http.post("/api/session", json={"email": email, "password": PASSWORD})
            token = await http.post("/api/tokens", json={"label": "measure"})
            for response in (created, signed_in, token):
                response.raise_for_status()
            return ApiUser(http, created.json(), token.json()["token"])

    return await asyncio.gather(*(one(i) for i in range(count)))


def spread(plans: int, clients: int) -> list[list[str]]:
    return [
        [new_document_id() for _ in range(plans // clients + (1 if i < plans % clients else 0))]
        for i in range(clients)
    ]


async def run_ours(
    checkout: str, args: argparse.Namespace, data_dir: Path, docs: list[list[str]]
) -> float:
    port = free_port()
    command = [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--data-dir", str(data_dir), "--log-level", "warning"]
    command += ["--sign-ups-per-address", str(len(docs) + 10)]
    process = subprocess.Popen(command, cwd=checkout)
    try:
        await wait_for_port(port, process)
        base = f"http://127.0.0.1:{port}"
        users = await sign_up_many(base, len(docs))

        async def register(index: int, doc_id: str) -> None:
            body = {"documentId": doc_id, "title": f"Plan {doc_id[:6]}"}
            await users[index].ok("POST", "/api/plans", 201, json=body)

        start = time.perf_counter()
        urls = [user.sync_url(f"ws://127.0.0.1:{port}/sync") for user in users]
        WAL_PEAK[0] = 0
        sampling = asyncio.create_task(sample_wal(data_dir / "plans.db-wal"))
        await populate(urls, docs, register, args.edits, args.payload)
        elapsed = time.perf_counter() - start
        sampling.cancel()
        print(f"ours: the WAL peaked at {WAL_PEAK[0]:,} B while populating")
        for user in users:
            await user.close()
    finally:
        stop(process)
    return elapsed


WAL_PEAK = [0]


async def sample_wal(wal: Path) -> None:
    while True:
        with contextlib.suppress(OSError):
            WAL_PEAK[0] = max(WAL_PEAK[0], wal.stat().st_size)
        await asyncio.sleep(0.25)


async def run_reference(args: argparse.Namespace, data_dir: Path, docs: list[list[str]]) -> float:
    port = free_port()
    script = Path(args.bench) / "reference-server.mjs"
    process = subprocess.Popen(["node", str(script), str(port), str(data_dir)])
    try:
        await wait_for_port(port, process)

        async def register(index: int, doc_id: str) -> None:
            return None

        start = time.perf_counter()
        urls = [f"ws://127.0.0.1:{port}" for _ in docs]
        await populate(urls, docs, register, args.edits, args.payload)
        elapsed = time.perf_counter() - start
        # The reference saves after it acknowledges (debounced): give it its moment.
        await asyncio.sleep(args.settle)
    finally:
        stop(process)
    return elapsed


def mib(n: int) -> str:
    return f"{n / 1048576:8.2f} MiB"


def du(path: Path, *flags: str) -> int:
    out = subprocess.run(["du", "-s", *flags, str(path)], capture_output=True, check=True)
    return int(out.stdout.split()[0])


def report_ours(data_dir: Path) -> None:
    # Sizes first: opening the database (below) makes a WAL and a shared-memory file.
    files = {p.name: p.stat().st_size for p in sorted(data_dir.iterdir()) if p.is_file()}
    total, du_b, du_blocks = sum(files.values()), du(data_dir, "-b"), du(data_dir, "-B1")
    db = data_dir / "plans.db"
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        rows = conn.execute(
            "SELECT name, SUM(pgsize), SUM(unused) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
        counts = {
            "changes": conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0],
            "snapshots": conn.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0],
            "change bytes kept": conn.execute(
                "SELECT COUNT(*) FROM changes WHERE bytes IS NOT NULL"
            ).fetchone()[0],
        }
        page_size, freelist = (
            conn.execute("PRAGMA page_size").fetchone()[0],
            conn.execute("PRAGMA freelist_count").fetchone()[0],
        )
    print("ours: bytes per table and index (dbstat; 'unused' is free space inside its pages)")
    for name, size, unused in rows:
        print(f"  {name:40} {size:>12,} B  unused {unused:>10,} B")
    print(f"  {'(free pages)':40} {freelist * page_size:>12,} B")
    print(f"  rows: {counts}")
    for name, size in files.items():
        print(f"  file {name:35} {size:>12,} B")
    print(
        f"ours TOTAL files {total:,} B = {mib(total)}; du -sb {du_b:,} B; du (blocks) {du_blocks:,} B"
    )


def report_reference(data_dir: Path) -> None:
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    dirs = [p for p in data_dir.rglob("*") if p.is_dir()]
    by_kind: dict[str, int] = {}
    counts: dict[str, int] = {}
    for p in files:
        kind = p.parent.name if p.parent != data_dir else p.name  # snapshot, incremental...
        by_kind[kind] = by_kind.get(kind, 0) + p.stat().st_size
        counts[kind] = counts.get(kind, 0) + 1
    total = sum(p.stat().st_size for p in files)
    print("reference: bytes per kind of file")
    for name, size in sorted(by_kind.items()):
        print(f"  {name:40} {size:>12,} B in {counts[name]} files")
    print(f"  {len(dirs)} directories")
    print(
        f"reference TOTAL files {total:,} B = {mib(total)}; du -sb {du(data_dir, '-b'):,} B; "
        f"du (blocks) {du(data_dir, '-B1'):,} B"
    )


async def main(args: argparse.Namespace) -> None:
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="storage-size-"))
    root.mkdir(parents=True, exist_ok=True)
    docs = spread(args.plans, args.clients)
    try:
        if args.bench:
            ref_dir = root / "reference"
            took = await run_reference(args, ref_dir, spread(args.plans, args.clients))
            print(f"reference populated in {took:.1f} s")
            report_reference(ref_dir)
        for n, checkout in enumerate(args.checkout or [str(ROOT)]):
            ours_dir = root / f"ours-{n}"
            took = await run_ours(checkout, args, ours_dir, docs)
            print(f"ours ({checkout}) populated in {took:.1f} s")
            report_ours(ours_dir)
    finally:
        if not args.keep:
            shutil.rmtree(root)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--payload", type=int, default=64, help="characters per item")
    parser.add_argument("--bench", help="a bench copy with node_modules (runs the reference)")
    parser.add_argument(
        "--checkout",
        action="append",
        help="a checkout whose server runs (repeat to compare; default: this one)",
    )
    parser.add_argument("--keep", help="keep the data directories in this folder")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds before stopping ref")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(main(parser.parse_args()))
