"""How long a group commit takes on SQLite while the event loop is busy.

    .venv/bin/python scripts/measure_commit_under_load.py [--commits 40] [--appends 40]

The SQLite store's commits run on aiosqlite's thread, which lets go of the GIL for every step
in SQLite and must take it back after; while the event loop is busy, taking it back waits for
the loop to yield the GIL (up to the interpreter's switch interval). This starts the real
store on a file in a temporary directory and keeps the loop busy the way a burst of peers
does (tasks running 1 ms of Python at a time, back to back), then times `--commits` commits
of `--appends` concurrent appends each (one change per append: one group commit), in four
set-ups: rows one statement each (`executemany`, as before) or several rows per statement
(`insert_rows`), with Python's default switch interval (5 ms) or the server's
(`server.runner.SWITCH_INTERVAL_S`). Also with an idle loop, for the floor.
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

from server.ids import DocumentId  # noqa: E402
from server.runner import SWITCH_INTERVAL_S  # noqa: E402
from server.storage import sqlite  # noqa: E402
from server.storage.protocol import ChangeRecord  # noqa: E402
from server.storage.sqlite import SqliteDocumentStore  # noqa: E402

DEFAULT_SWITCH_S = 0.005
BUSY_SLICE_S = 0.001


def _record(n: int) -> ChangeRecord:
    return ChangeRecord(
        hash=n.to_bytes(32),
        actor=(n % 50).to_bytes(16),
        seq=n,
        data=bytes(200),
        change_time_ms=0,
        received_at_ms=1,
        peer_id=f"peer-{n % 50}",
        account_id=f"account-{n % 50}",
        role="person",
    )


async def _busy(stop: asyncio.Event) -> None:
    while not stop.is_set():
        end = time.perf_counter() + BUSY_SLICE_S
        while time.perf_counter() < end:
            pass
        await asyncio.sleep(0)


async def _commits(args: argparse.Namespace, busy: bool) -> list[float]:
    with tempfile.TemporaryDirectory() as directory:
        store = await SqliteDocumentStore.open(Path(directory) / "plans.db")
        stop = asyncio.Event()
        workers = [asyncio.create_task(_busy(stop)) for _ in range(8 if busy else 0)]
        timings = []
        try:
            n = 0
            for _ in range(args.commits):
                appends = []
                for i in range(args.appends):
                    n += 1
                    doc = DocumentId(f"doc{i % 10:03d}aaaaaaaaaaaaaaaaaaaaaa")
                    appends.append(store.append_changes(doc, [_record(n)]))
                start = time.perf_counter()
                await asyncio.gather(*appends)
                timings.append((time.perf_counter() - start) * 1000)
        finally:
            stop.set()
            await asyncio.gather(*workers)
            await store.close()
    return timings


def _one_statement_per_row(conn: sqlite.Conn, sql: str, rows: sqlite.Rows) -> None:
    conn.executemany(sql, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=40)
    parser.add_argument("--appends", type=int, default=40, help="concurrent appends per commit")
    args = parser.parse_args()
    multi_row = sqlite.insert_rows
    print(f"{args.commits} commits of {args.appends} appends each; ms per commit")
    print(f"{'rows':<22}{'switch':>8}{'loop':>6}{'p50':>9}{'p90':>9}{'max':>9}")
    for rows_label, insert in (
        ("one statement per row", _one_statement_per_row),
        ("multi-row", multi_row),
    ):
        sqlite.insert_rows = insert  # the store's module-level function, swapped for the run
        for switch in (DEFAULT_SWITCH_S, SWITCH_INTERVAL_S):
            sys.setswitchinterval(switch)
            for busy in (False, True):
                t = sorted(asyncio.run(_commits(args, busy)))
                p90 = t[int(len(t) * 0.9)]
                print(
                    f"{rows_label:<22}{switch * 1000:>6.0f}ms{'busy' if busy else 'idle':>6}"
                    f"{statistics.median(t):>9.1f}{p90:>9.1f}{t[-1]:>9.1f}"
                )
    sqlite.insert_rows = multi_row


if __name__ == "__main__":
    main()
