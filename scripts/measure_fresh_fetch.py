"""The event loop's longest stall while fresh devices fetch one large plan at once.

A plan of typed items (one operation per character, as the app writes them) is uploaded to
a hub on a real SQLite file and snapshotted; then `--peers` devices that hold nothing ask
for it at the same moment, and a ticker task records the longest gap between its 1 ms
ticks until the server has sent every device its answer (the devices, in this process too,
load what they got only afterwards). `--ordinary` turns off the path that sends the
stored bytes (`DocState.serve_whole`), for the comparison.

    .venv/bin/python scripts/measure_fresh_fetch.py [--items 2000] [--peers 5] [--ordinary]
"""

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.measure_large_documents import plan_with  # noqa: E402
from server.storage.sqlite import SqliteDocumentStore  # noqa: E402
from server.sync import documents  # noqa: E402
from tests.support.automerge_docs import new_document_id  # noqa: E402
from tests.support.hub_peer import Peer, hub_on  # noqa: E402


async def measure(items: int, peers: int, ordinary: bool) -> None:
    if ordinary:
        documents.WHOLE_FROM_STORAGE_BYTES = 1 << 62
    with tempfile.TemporaryDirectory() as tmp:
        store = await SqliteDocumentStore.open(Path(tmp) / "plans.db")
        hub = hub_on(store, snapshot_every=1)
        doc_id = new_document_id()
        writer = Peer(hub, "writer", plan_with(items))
        await writer.next_frame()
        await writer.upload(doc_id)
        await hub.documents.drain()
        stored = await store.load(doc_id)
        assert stored is not None
        readers = [Peer(hub, f"reader-{n}") for n in range(peers)]
        for reader in readers:
            await reader.next_frame()

        worst = 0.0
        done = False

        async def ticker() -> None:
            nonlocal worst
            last = time.perf_counter()
            while not done:
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                worst = max(worst, now - last)
                last = now

        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0.01)
        start = time.perf_counter()
        await asyncio.gather(*(reader.send_sync(doc_id) for reader in readers))
        frames = [await reader.next_frame() for reader in readers]
        elapsed = time.perf_counter() - start
        done = True
        await ticking
        # The devices load what they got only now: in this one process their work would
        # otherwise stall the loop the server runs on.
        for reader, frame in zip(readers, frames, strict=True):
            reader.apply(frame)
        assert all(r.doc.get_heads() == writer.doc.get_heads() for r in readers)
        print(
            f"{'ordinary' if ordinary else 'from storage'}: {items} items, "
            f"{len(stored.data) / 2**20:.1f} MiB stored, {peers} devices: all served in "
            f"{elapsed:.2f} s, longest loop stall {worst * 1000:.0f} ms"
        )
        for peer in [*readers, writer]:
            await peer.close()
        await hub.close()
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--peers", type=int, default=5)
    parser.add_argument("--ordinary", action="store_true")
    args = parser.parse_args()
    asyncio.run(measure(args.items, args.peers, args.ordinary))


if __name__ == "__main__":
    main()
