"""Measure the shape check per message: microseconds to vet one typical change on a plan.

    .venv/bin/python scripts/measure_shape.py [--items 60] [--history 200] [--runs 200]

Builds (with the real binding, as the PWA writes them) an `everyone` document with `--items`
items and `--history` earlier edits, then applies one message as the hub does (a copy of the
live document receives it) for each kind of change below, and times what the hub adds per
message: the diff (`LiveDocument.touched`, shared with the write rules; the person's changes
paid nothing for it before the shape check) and `shape_rules.refusal`. Reports the median and
the 90th percentile over `--runs`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from automerge.core import Document, Message, SyncState  # noqa: TID251 - test documents

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from server.plans import shape_rules  # noqa: E402
from server.crdt.engine import LiveDocument, PeerSyncState, Received  # noqa: E402
from tests.support.automerge_docs import (  # noqa: E402
    edit_item,
    new_item,
    plan_document,
    sign_off,
)

SECTIONS = ["warning-signs", "coping", "people-places", "help-contacts", "safer", "review-log"]
PERSON, CLINICIAN = b"\x01" * 16, b"\x04" * 16


def build(items: int, history: int) -> tuple[Document, list[str]]:
    doc = plan_document("everyone", SECTIONS, actor=PERSON)
    ids = [new_item(doc, SECTIONS[i % 5], f"item {i}: a few words " * 4) for i in range(items)]
    for n in range(history):
        i = (n * 7) % items
        edit_item(doc, SECTIONS[i % 5], ids[i], splice=(0, 0, "x"))
    return doc, ids


def received(live: LiveDocument, writer: Document) -> Received:
    """The hub's view of the writer's next message: one round of the sync protocol."""
    state, writer_state = PeerSyncState(), SyncState()
    for _ in range(4):
        outgoing = writer.generate_sync_message(writer_state)
        if outgoing is None:
            break
        result = live.receive(state, bytes(outgoing.encode()))
        if result.changes:
            return result
        reply = result.document.generate(state)
        if reply is not None:
            writer.receive_sync_message(writer_state, Message.decode(reply))
    raise AssertionError("the writer sent no changes")


def measure(base: Document, change: Callable[[Document], None], runs: int) -> None:
    live = LiveDocument.load(bytes(base.save()))
    writer = Document(actor_id=CLINICIAN)
    writer.merge(base)
    change(writer)
    message = received(live, writer)
    doc, before = message.document, message.heads_before
    diffs, shapes = [], []
    for _ in range(runs):
        start = time.perf_counter()
        touches = doc.touched(before)
        middle = time.perf_counter()
        refused = shape_rules.refusal(
            "everyone", doc, touches, before=before, written=message.written
        )
        end = time.perf_counter()
        assert refused is None, refused
        diffs.append((middle - start) * 1e6)
        shapes.append((end - middle) * 1e6)
    for name, times in (("diff", diffs), ("shape", shapes)):
        times.sort()
        p90 = times[int(len(times) * 0.9)]
        print(f"  {name:6} median {statistics.median(times):7.0f} µs   p90 {p90:7.0f} µs")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--history", type=int, default=200)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    base, ids = build(args.items, args.history)
    print(f"{args.items} items, {args.history} earlier edits, {len(base.save())} bytes saved")
    changes: dict[str, Callable[[Document], None]] = {
        "edit one item's text": lambda d: edit_item(d, "safer", ids[4], splice=(0, 5, "We ")),
        "add one item": lambda d: new_item(d, "safer", "lock the medicines away"),
        "sign off": lambda d: sign_off(d, {"docA1": [bytes(32)]}, "seen", next_review="2027-01-31"),
    }
    for label, change in changes.items():
        print(label)
        measure(base, change, args.runs)


if __name__ == "__main__":
    main()
