"""Measure the review digest: milliseconds to compute it for N changes on a typical plan.

    .venv/bin/python scripts/measure_digest.py [--items 200] [--changes 100 1000 5000] [--runs 5]

For each number of changes: builds (with the real binding, as the PWA writes them) an
`everyone` document with `--items` items, then that many edits by three people on their own
devices, merged every ten edits;
the three edit the same item in turn, so many edits conflict. Times, from the saved bytes as
the server reads them from storage: loading the document, reading the sign-offs, and the
digest of those changes since the heads before them. Reports the median and range over
`--runs`. The digest's cost should grow with the changes, not with changes x document size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from automerge.core import Document  # noqa: TID251 - builds test documents, as tests do

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from server.review.digest import DocumentHistory, digest  # noqa: E402
from server.review.plan_state import PlanReader  # noqa: E402
from server.review.signoffs import signoffs  # noqa: E402
from server.storage.records import ChangeRow  # noqa: E402
from server.crdt.engine import LiveDocument  # noqa: E402
from tests.support.automerge_docs import edit_item, new_item, plan_document  # noqa: E402

SECTIONS = ["warning-signs", "coping", "people-places", "help-contacts", "safer", "review-log"]
ACTORS = [bytes([n]) * 16 for n in (1, 2, 4)]
ROLES = {ACTORS[0]: "person", ACTORS[1]: "carer", ACTORS[2]: "clinician"}


def build(items: int, changes: int) -> tuple[bytes, list[bytes]]:
    doc = plan_document("everyone", SECTIONS, actor=ACTORS[0])
    ids = [new_item(doc, SECTIONS[i % 5], f"item {i}: a few words") for i in range(items)]
    before = list(doc.get_heads())
    devices = []
    for actor in ACTORS:
        device = Document(actor_id=actor)
        device.merge(doc)
        devices.append(device)
    for n in range(changes):
        device = devices[n % 3]
        i = (n // 3 * 7) % items  # the three devices edit the same item: conflicts
        edit_item(device, SECTIONS[i % 5], ids[i], splice=(0, 0, "x"))
        if n % 10 == 9:
            for a in devices:
                for b in devices:
                    if a is not b:
                        a.merge(b)
    for device in devices:
        doc.merge(device)
    return bytes(doc.save()), before


def rows_of(doc: LiveDocument) -> list[ChangeRow]:
    return [
        ChangeRow(
            hash=c.hash,
            document_id="doc",
            actor=c.actor,
            seq=c.seq,
            account_id=ROLES[c.actor],
            display_name=ROLES[c.actor],
            role=ROLES[c.actor],
            change_time_ms=c.time_ms,
            received_at_ms=c.time_ms,
        )
        for c in doc.history()
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--changes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for changes in args.changes:
        measure(args.items, changes, args.runs)


def measure(items: int, changes: int, runs: int) -> None:
    data, before = build(items, changes)
    rows = rows_of(LiveDocument.load(data))
    timings: dict[str, list[float]] = {"load": [], "sign-offs": [], "digest": []}
    for _ in range(runs):
        start = time.perf_counter()
        reader = PlanReader(LiveDocument.load(data))
        loaded = time.perf_counter()
        signoffs("plan", "doc", reader, {r.hash: r for r in rows})
        signed = time.perf_counter()
        conflicts, people = digest([DocumentHistory("doc", reader, tuple(before))], rows)
        done = time.perf_counter()
        for name, ms in (("load", loaded - start), ("sign-offs", signed - loaded)):
            timings[name].append(ms * 1000)
        timings["digest"].append((done - signed) * 1000)
    entries = sum(len(p.entries) for p in people)
    print(  # noqa: T201
        f"{len(rows)} changes in the document, {changes} in the digest "
        f"({entries} entries, {len(conflicts)} conflicts), {items} items, {len(data)} bytes"
    )
    for name, values in timings.items():
        print(  # noqa: T201
            f"{name:>9}: median {statistics.median(values):.1f} ms"
            f" (min {min(values):.1f}, max {max(values):.1f})"
        )


if __name__ == "__main__":
    main()
