"""Measure durable appends: changes committed per second on SQLite and on PostgreSQL.

    .venv/bin/python scripts/measure_storage.py [--writers 50] [--appends 20] [--runs 3]

`--writers` concurrent callers (as many documents) each append `--appends` one-change batches
in turn, as peers editing at once do; every append returns only once committed (fsync'd /
WAL flushed). PostgreSQL is a local server the script starts as the tests do
(tests/support/postgres.py: Debian's binaries, fsync on), on the same disk as the SQLite file.
Reports the median over `--runs` of appends per second and of the mean wait of one append.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from server.storage.backends import open_storage  # noqa: E402
from server.database_url import (  # noqa: E402
    DatabaseLocation,
    PostgresLocation,
    SqliteLocation,
)
from server.storage.protocol import ChangeRecord  # noqa: E402
from tests.support.automerge_docs import new_document_id  # noqa: E402
from tests.support.postgres import postgres_server  # noqa: E402


def change(writer: int, n: int) -> ChangeRecord:
    """A change row of realistic size (the bytes are not parsed by the store)."""
    return ChangeRecord(
        hash=writer.to_bytes(4, "big") + n.to_bytes(4, "big") + bytes(24),
        actor=writer.to_bytes(16, "big"),
        seq=n + 1,
        data=bytes(300),
        change_time_ms=0,
        received_at_ms=n,
        account_id=f"account-{writer}",
    )


async def run(location: DatabaseLocation, writers: int, appends: int) -> tuple[float, float]:
    storage = await open_storage(location)
    waits: list[float] = []

    async def writer(w: int) -> None:
        doc = new_document_id()
        for n in range(appends):
            started = time.perf_counter()
            await storage.store.append_changes(doc, [change(w, n)])
            waits.append(time.perf_counter() - started)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(writer(w) for w in range(writers)))
        elapsed = time.perf_counter() - started
    finally:
        await storage.close()
    return writers * appends / elapsed, statistics.mean(waits) * 1000


def report(name: str, results: list[tuple[float, float]]) -> None:
    rate = statistics.median(r for r, _ in results)
    wait = statistics.median(w for _, w in results)
    print(f"{name:<11} {rate:8.0f} appends/s   mean wait {wait:6.1f} ms")  # noqa: T201


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--appends", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with postgres_server() as postgres, tempfile.TemporaryDirectory() as tmp:
        sqlite, pg = [], []
        for run_number in range(args.runs):
            path = Path(tmp) / f"plans-{run_number}.db"
            sqlite.append(await run(SqliteLocation(path), args.writers, args.appends))
            with postgres.database() as url:
                pg.append(await run(PostgresLocation(url), args.writers, args.appends))
    print(f"{args.writers} writers x {args.appends} appends of one change")  # noqa: T201
    report("SQLite", sqlite)
    report("PostgreSQL", pg)


if __name__ == "__main__":
    asyncio.run(main())
