"""Measure the write check of one sync message: where its changes wrote, then the rules.

    .venv/bin/python scripts/measure_write_check.py [--items 10 200 1000] [--runs 200]

For plans of `--items` items (built with the real binding, as the PWA writes them), times
what the hub does for a message holding one change, two ways in the same run:

- diff: the binding's diff of the whole document before and after the change
  (`LiveDocument.touched`), as before issue 11;
- operations: the change decoded and its touches read through the document's index
  (`object_paths.change_touches`), the index already kept by the hub (`PathsCache`);

each followed by the write rules (a carer) and the shape rules. Two messages: an edit of an
item's text (one character and the edit stamp) and a new item. Also times building the
index once (`ObjectPaths.of_document`), which the hub does when it loads a document.
Reports the median and the fastest run, in microseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from automerge.core import Document  # noqa: TID251 - builds test documents, as tests do

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from server.plans import shape_rules, write_rules  # noqa: E402
from server.crdt.change_ops import decode  # noqa: E402
from server.crdt.engine import LiveDocument  # noqa: E402
from server.crdt.object_paths import ObjectPaths, PathsCache, change_touches  # noqa: E402
from server.crdt.patches import Touch  # noqa: E402
from tests.support.automerge_docs import edit_item, new_item, plan_document  # noqa: E402

SECTIONS = ["warning-signs", "safer", "professional-contacts", "safer", "review-log"]
PERSON, CARER = b"\x01" * 16, b"\x02" * 16


def plan(items: int) -> tuple[Document, list[str]]:
    doc = plan_document("everyone", SECTIONS, actor=PERSON)
    ids = [new_item(doc, "safer", f"item {i}: a few words") for i in range(items)]
    return doc, ids


def message(stored: Document, write: Callable[[Document], None]) -> tuple[LiveDocument, bytes]:
    """The live document's copy after a carer's one change, and the change."""
    carer = Document(actor_id=CARER)
    carer.merge(stored)
    write(carer)
    (change,) = carer.get_changes(list(stored.get_heads()))
    copy = stored.fork()
    copy.merge(carer)
    return LiveDocument(copy), bytes(change.raw_bytes)


def check(live: LiveDocument, before: list[bytes], touches: list[Touch]) -> None:
    refused = write_rules.refusal(
        "everyone",
        "carer",
        "carer-1",
        live,
        touches,
        owns=lambda actor: actor == CARER,
        new_document=False,
    )
    refused = refused or shape_rules.refusal(
        "everyone", live, touches, before=before, written=live.heads
    )
    if refused is not None:
        raise SystemExit(refused)


def timed(runs: int, work: Callable[[], None]) -> tuple[float, float]:
    found = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        found.append((time.perf_counter() - start) * 1e6)
    return statistics.median(found), min(found)


def measure(items: int, runs: int) -> None:
    stored, ids = plan(items)
    stored_live = LiveDocument(stored)
    before = stored_live.heads
    cache = PathsCache()
    build = timed(max(3, runs // 20), lambda: ObjectPaths.of_document(stored_live))
    cache.at(stored_live)
    writes = {
        "edit": lambda d: edit_item(d, "safer", ids[len(ids) // 2], splice=(0, 0, "x")),
        "new item": lambda d: new_item(d, "safer", "a walk by the river"),
    }
    print(f"{items} items, {len(stored.save())} bytes; index built in {build[0]:.0f} µs")  # noqa: T201
    for name, write in writes.items():
        live, change = message(stored, write)

        def by_diff(live: LiveDocument = live) -> None:
            check(live, before, live.touched(before))

        def by_operations(live: LiveDocument = live, change: bytes = change) -> None:
            layer = cache.at(stored_live).after(live.heads)
            touches = change_touches(layer, [decode(change)])
            check(live, before, touches or [])

        diff, ops = timed(runs, by_diff), timed(runs, by_operations)
        print(  # noqa: T201
            f"  {name:>8}: diff median {diff[0]:8.0f} µs (min {diff[1]:7.0f})"
            f" | operations median {ops[0]:6.0f} µs (min {ops[1]:5.0f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, nargs="+", default=[10, 200, 1000])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    for items in args.items:
        measure(items, args.runs)


if __name__ == "__main__":
    main()
