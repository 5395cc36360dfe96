"""A small plan's edit latency while devices fetch a large plan the server has not loaded.

The hardening issue's measurement (item 7): a large plan (`--mib`, default 16 MiB stored, of
text typed ten characters an operation, one change per item, stored as a snapshot as the
server leaves it) sits in a real SQLite file, not in memory. Two devices edit a small plan,
one edit every `--every` s, the other device answering every message (as automerge-repo
does). Then `--peers` devices that hold nothing ask for the large plan at the same moment.
Reports the small plan's edit-to-partner latency before and while the large plan is loaded
and sent, and the event loop's longest stall (a ticker task's longest gap between 1 ms
ticks). Each run measures both ways on the same plan: with the document worker, and inline
(loads and snapshots on the loop, as before it).

    .venv/bin/python scripts/measure_large_plan_fetch.py [--mib 16] [--peers 5] [--runs 1]
"""

import argparse
import asyncio
import base64
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from automerge.core import Document, ObjType  # noqa: TID251 - builds the plans, as tests do

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.storage.sqlite import SqliteDocumentStore  # noqa: E402
from server.sync import documents  # noqa: E402
from tests.support.automerge_docs import (  # noqa: E402
    new_document_id,
    object_at,
    put,
    read,
    records_of,
)
from tests.support.hub_peer import Peer, hub_on  # noqa: E402
from tests.support.plan_circle import new_plan_document, sections  # noqa: E402

ENTRY = 2_000  # characters per item, random so that Automerge cannot compress them away


def large_plan(mib: float) -> Document:
    """Items of typed text, each its own change, ten characters an operation."""
    doc = new_plan_document("everyone")
    target = object_at(doc, ("sections", sections("everyone")[0]))
    stored_per_item = (
        ENTRY * 3 // 4
    )  # measured: typed base64 text stores about 0.75 bytes a character
    for index in range(int(mib * 2**20 / stored_per_item)):
        text = base64.b64encode(os.urandom(ENTRY * 3 // 4)).decode()
        with doc.transaction() as tx:
            entry = tx.insert_object(target, index, ObjType.Map)
            typed = tx.put_object(entry, "text", ObjType.Text)
            for at in range(0, len(text), 10):
                tx.splice_text(typed, at, 0, text[at : at + 10])
    return doc


async def store_large_plan(store: SqliteDocumentStore, doc: Document) -> str:
    doc_id = new_document_id()
    records = records_of(doc)
    position = 0
    for start in range(0, len(records), 500):
        position = await store.append_changes(doc_id, records[start : start + 500])
    await store.save_snapshot(doc_id, bytes(doc.save()), position)
    return doc_id


class EditPair:
    """Two devices on a small plan: one edits every `every` s, the other records arrivals."""

    def __init__(self, writer: Peer, partner: Peer, doc_id: str) -> None:
        self.writer, self.partner, self.doc_id = writer, partner, doc_id
        self.sent: dict[int, float] = {}
        self.latencies: list[tuple[float, float]] = []  # (sent at, latency)
        self.running = True

    async def edit(self, every: float) -> None:
        n = 0
        while self.running:
            n += 1
            put(self.writer.doc, "n", str(n))
            self.sent[n] = time.perf_counter()
            await self.writer.upload(self.doc_id)
            await asyncio.sleep(every)

    async def receive(self) -> None:
        seen = 0
        while self.running:
            frame = await self.partner.next_frame()
            self.partner.apply(frame)
            now = time.perf_counter()
            value = read(self.partner.doc, "n")
            latest = int(value) if value else 0
            for n in range(seen + 1, latest + 1):
                self.latencies.append((self.sent[n], now - self.sent[n]))
            seen = max(seen, latest)
            await self.partner.send_sync(self.doc_id)


async def measure(doc: Document, peers: int, every: float, inline: bool) -> None:
    steps, worker = documents.LOAD_IN_STEPS_BYTES, documents.WORKER_BYTES
    if inline:
        documents.WORKER_BYTES = documents.LOAD_IN_STEPS_BYTES = 1 << 62
    try:
        await measure_once(doc, peers, every, inline)
    finally:
        documents.LOAD_IN_STEPS_BYTES, documents.WORKER_BYTES = steps, worker


async def measure_once(doc: Document, peers: int, every: float, inline: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = await SqliteDocumentStore.open(Path(tmp) / "plans.db")
        large_id = await store_large_plan(store, doc)
        stored = await store.load(large_id)
        assert stored is not None
        hub = hub_on(store)
        small_id = new_document_id()
        writer, partner = Peer(hub, "writer", Document()), Peer(hub, "partner")
        readers = [Peer(hub, f"reader-{n}") for n in range(peers)]
        for peer in [writer, partner, *readers]:
            await peer.next_frame()
        put(writer.doc, "n", "0")
        await writer.upload(small_id)
        await partner.send_sync(small_id)
        pair = EditPair(writer, partner, small_id)

        worst, ticking = 0.0, True

        async def ticker() -> None:
            nonlocal worst
            last = time.perf_counter()
            while ticking:
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                worst = max(worst, now - last)
                last = now

        tasks = [asyncio.create_task(t) for t in (pair.edit(every), pair.receive(), ticker())]
        await asyncio.sleep(2)
        quiet = [lat for _, lat in pair.latencies]
        worst = 0.0
        start = time.perf_counter()
        await asyncio.gather(*(reader.send_sync(large_id) for reader in readers))
        for reader in readers:
            await reader.next_frame()  # the whole plan (not applied: it would stall this loop)
        fetched = time.perf_counter() - start
        await asyncio.sleep(0.5)
        pair.running = ticking = False
        busy = [lat for at, lat in pair.latencies if start <= at <= start + fetched]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        print(
            f"{'inline' if inline else 'worker'}: {len(stored.data) / 2**20:.1f} MiB stored, "
            f"{peers} devices served in {fetched:.2f} s; longest loop stall {worst * 1000:.0f} "
            f"ms; small plan edit latency quiet p50 {ms(quiet, 50)} max {ms(quiet, 100)}, "
            f"during the fetch p50 {ms(busy, 50)} max {ms(busy, 100)} ({len(busy)} edits)"
        )
        for peer in [*readers, writer, partner]:
            await peer.close()
        await hub.close()
        await store.close()


def ms(values: list[float], percentile: int) -> str:
    if not values:
        return "-"
    if percentile == 100 or len(values) < 2:
        return f"{max(values) * 1000:.0f} ms"
    return f"{statistics.quantiles(values, n=100)[percentile - 1] * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=float, default=16)
    parser.add_argument("--peers", type=int, default=5)
    parser.add_argument("--every", type=float, default=0.05, help="seconds between edits")
    parser.add_argument("--inline", action="store_true", help="only the old way")
    parser.add_argument("--runs", type=int, default=1, help="each way, interleaved")
    args = parser.parse_args()
    doc = large_plan(args.mib)
    for _ in range(args.runs):
        for inline in [True] if args.inline else [False, True]:
            asyncio.run(measure(doc, args.peers, args.every, inline))


if __name__ == "__main__":
    main()
