"""What a large plan document costs the server, per Automerge binding call.

Plan documents as the app writes them (items whose text is typed character by character,
one operation each), of increasing size: the time to load one from storage, save it, fork
it (how every message is vetted) and generate the full sync message a fresh device needs;
and whether the binding lets other Python threads run meanwhile (it does not: a thread
that ticks every millisecond sees no tick for the whole call), which is why this work cannot
be moved off the event loop with a thread.

    .venv/bin/python scripts/measure_large_documents.py [--items 250 1000 4000]
"""

import argparse
import base64
import os
import sys
import threading
import time
from pathlib import Path

from automerge.core import Document, ObjType, SyncState

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.automerge_docs import object_at  # noqa: E402
from tests.support.plan_circle import new_plan_document, sections  # noqa: E402


def plan_with(items: int) -> Document:
    doc = new_plan_document("everyone")
    target = object_at(doc, ("sections", sections("everyone")[0]))
    with doc.transaction() as tx:
        for index in range(items):
            entry = tx.insert_object(target, index, ObjType.Map)
            text = tx.put_object(entry, "text", ObjType.Text)
            tx.splice_text(text, 0, 0, base64.b64encode(os.urandom(1500)).decode())
    return doc


def full_sync_message_seconds(doc: Document) -> float:
    state, fresh, fresh_state = SyncState(), Document(), SyncState()
    first = doc.generate_sync_message(state)
    assert first is not None
    fresh.receive_sync_message(fresh_state, first)
    answer = fresh.generate_sync_message(fresh_state)
    assert answer is not None
    doc.receive_sync_message(state, answer)
    start = time.perf_counter()
    doc.generate_sync_message(state)
    return time.perf_counter() - start


def longest_tick_gap(work: "Work") -> float:
    """Run `work` while another thread ticks every millisecond; the longest gap seen."""
    gaps: list[float] = []
    stop = threading.Event()

    def tick() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = threading.Thread(target=tick)
    ticker.start()
    time.sleep(0.05)
    gaps.clear()
    work()
    stop.set()
    ticker.join()
    return max(gaps)


class Work:
    def __init__(self, saved: bytes) -> None:
        self.saved = saved

    def __call__(self) -> None:
        Document.load(self.saved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[250, 1000, 4000])
    args = parser.parse_args()
    print(
        "| items of 2,000 chars | saved | load | save | fork | full sync message | "
        "longest tick of another thread during load |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for items in args.items:
        saved = bytes(plan_with(items).save())
        start = time.perf_counter()
        doc = Document.load(saved)
        load = time.perf_counter() - start
        start = time.perf_counter()
        doc.save()
        save = time.perf_counter() - start
        start = time.perf_counter()
        doc.fork()
        fork = time.perf_counter() - start
        generate = full_sync_message_seconds(doc)
        gap = longest_tick_gap(Work(saved))
        print(
            f"| {items:,} | {len(saved) / 2**20:.1f} MiB | {load:.2f} s | {save:.2f} s | "
            f"{fork * 1000:.2f} ms | {generate:.2f} s | {gap:.2f} s |"
        )


if __name__ == "__main__":
    main()
