"""Measure GET /api/caseload: milliseconds for a clinician of N plans of M changes each.

    .venv/bin/python scripts/measure_caseload.py [--plans 50] [--changes 200] [--runs 11]
        [--snapshots] [--changed-while-down 10]

A real server (uvicorn, a SQLite file) and a real HTTP client. The clinician signs up over
HTTP; then, with the server stopped, the storage ports write `--plans` plans (each its
person, the clinician as a member by invitation, an `everyone` document of `--changes`
changes built with the real binding: items, edits and three suggestions, and a sign-off with
a next review date on every other plan). The server is started again and the clinician asks
for the caseload:

- first ever: the first answer after the start (every document is read once to count its
  waiting suggestions and mirror its sign-offs; the counts are kept in a table);
- steady: the median of `--runs` answers after that (nothing changed);
- one changed: the median of `--runs` answers each after one more change to one plan;
- after restart: the server stopped and started again, its first answer (`--runs` restarts,
  the median; the counts come from the table, no document is read);
- after restart, K changed: the same with one more change to each of `--changed-while-down`
  plans while the server was stopped (those K documents are read).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from automerge.core import Document  # noqa: TID251 - builds test documents, as tests do

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from server.auth.credentials import secret_hash  # noqa: E402
from server.database_url import SqliteLocation  # noqa: E402
from server.ids import DocumentId  # noqa: E402
from server.settings import Settings  # noqa: E402
from server.storage.backends import open_storage  # noqa: E402
from server.storage.protocol import ChangeRecord  # noqa: E402
from server.storage.records import AccountRow, PlanRow, ReviewRow  # noqa: E402
from tests.support.api import PASSWORD, ApiUser  # noqa: E402
from tests.support.automerge_docs import (  # noqa: E402
    edit_item,
    new_document_id,
    new_item,
    new_proposal,
    plan_document,
)
from tests.support.live_server import live_server  # noqa: E402

SECTIONS = ["warning-signs", "coping", "people-places", "help-contacts", "safer", "review-log"]
DAY_MS = 24 * 3600 * 1000


def build(changes: int) -> Document:
    """A plan document of `changes` changes: items, edits of them, three suggestions."""
    doc = plan_document("everyone", SECTIONS)
    ids: list[str] = []
    while len(doc.get_changes([])) < changes:
        n = len(doc.get_changes([]))
        if n % 60 == 30:
            new_proposal(doc, "coping", f"suggestion {n}")
        elif n % 3 == 1 or not ids:
            ids.append(new_item(doc, SECTIONS[n % 5], f"item {n}: a few words"))
        else:
            i = (n * 7) % len(ids)
            edit_item(doc, SECTIONS[(i * 3 + 1) % 5], ids[i], splice=(0, 0, "x"))
    return doc


def records(
    doc: Document, account_id: str, start_ms: int, since: list[bytes]
) -> list[ChangeRecord]:
    return [
        ChangeRecord(
            hash=bytes(c.hash),
            actor=bytes(c.actor_id),
            seq=c.seq,
            data=bytes(c.raw_bytes),
            change_time_ms=start_ms + n * 1000,
            received_at_ms=start_ms + n * 1000,
            account_id=account_id,
            role="person",
        )
        for n, c in enumerate(doc.get_changes(since))
    ]


async def populate(
    path: Path, clinician_id: str, plans: int, changes: int, *, snapshots: bool
) -> list[str]:
    """Write the plans with the storage ports; return their documents' ids."""
    storage = await open_storage(SqliteLocation(path))
    now = int(time.time() * 1000)
    documents = []
    try:
        for p in range(plans):
            person = f"person-{p}"
            await storage.records.create_account(
                AccountRow(
                    id=person,
                    email=f"{person}@example.invalid",
                    display_name=f"Person {p}",
                    password_hash="not-a-hash",  # noqa: S106 - never signs in
                ),
                now,
            )
            document_id = new_document_id()
            plan_id = f"plan-{p}"
            await storage.records.create_plan(
                PlanRow(id=plan_id, person_id=person, title="My plan", document_id=document_id),
                now,
            )
            code = secret_hash(f"code-{p}")
            await storage.records.create_invite(
                code, plan_id, "clinician", person, now, now + DAY_MS
            )
            await storage.records.accept_invite(code, clinician_id, now)
            doc = build(changes)
            start = now - 30 * DAY_MS
            position = await storage.store.append_changes(
                DocumentId(document_id), records(doc, person, start, [])
            )
            if snapshots:  # as the server leaves a document after `snapshot_every` changes
                await storage.store.save_snapshot(DocumentId(document_id), doc.save(), position)
            if p % 2 == 0:  # every other plan was reviewed halfway through its history
                await storage.reviews.save_reviews([_review(p, plan_id, document_id, start)])
            documents.append(document_id)
    finally:
        await storage.close()
    return documents


def _review(p: int, plan_id: str, document_id: str, start: int) -> ReviewRow:
    at = start + 100 * 1000
    return ReviewRow(
        id=f"review-{p}",
        plan_id=plan_id,
        document_id=document_id,
        reviewer_id="clinician",
        note="Reviewed",
        next_review=f"2027-{1 + p % 12:02d}-15",
        reviewed_at_ms=at,
        received_at_ms=at,
        heads={document_id: []},
        change_hash="00" * 32,
    )


async def timed(http: httpx.AsyncClient) -> tuple[float, int]:
    start = time.perf_counter()
    response = await http.get("/api/caseload")
    elapsed = (time.perf_counter() - start) * 1000
    response.raise_for_status()
    return elapsed, len(response.json()["plans"])


async def measure(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        async with live_server(settings, open_access=False) as server:
            clinician = await ApiUser.sign_up(server.base_url, "clinician")
            email = clinician.account["email"]
            await clinician.close()
        documents = await populate(
            settings.database_path, clinician.id, args.plans, args.changes, snapshots=args.snapshots
        )
        async with _signed_in(settings, email) as http:
            first, listed = await timed(http)
            steady = [(await timed(http))[0] for _ in range(args.runs)]
            changed = []
            for n in range(args.runs):
                await _one_more_change(settings.database_path, documents[n % len(documents)])
                changed.append((await timed(http))[0])
        restarted = []
        for _ in range(args.runs):
            async with _signed_in(settings, email) as http:
                restarted.append((await timed(http))[0])
        changed_while_down = []
        for n in range(args.runs):
            for k in range(args.changed_while_down):
                document = documents[(n * args.changed_while_down + k) % len(documents)]
                await _one_more_change(settings.database_path, document)
            async with _signed_in(settings, email) as http:
                changed_while_down.append((await timed(http))[0])
    stored = "a snapshot each" if args.snapshots else "no snapshots (changes only)"
    print(f"{listed} plans of {args.changes} changes each, {stored}, SQLite, HTTP")  # noqa: T201
    print(f"{'first ever':>24}: {first:.1f} ms (every document read once)")  # noqa: T201
    for name, values in (
        ("steady", steady),
        ("one changed", changed),
        ("after restart", restarted),
        (f"after restart, {args.changed_while_down} changed", changed_while_down),
    ):
        print(  # noqa: T201
            f"{name:>24}: median {statistics.median(values):.1f} ms"
            f" (min {min(values):.1f}, max {max(values):.1f}, {len(values)} runs)"
        )


@asynccontextmanager
async def _signed_in(settings: Settings, email: str) -> AsyncIterator[httpx.AsyncClient]:
    """A server started on the data directory, and the clinician's signed-in HTTP client."""
    async with (
        live_server(settings, open_access=False) as server,
        httpx.AsyncClient(base_url=server.base_url, headers={"origin": server.base_url}) as http,
    ):
        signed_in = await http.post("/api/session", json={"email": email, "password": PASSWORD})
        signed_in.raise_for_status()
        yield http


async def _one_more_change(path: Path, document_id: str) -> None:
    """A change appended to the log by another connection, as a sync would store it."""
    storage = await open_storage(SqliteLocation(path))
    try:
        stored = await storage.store.load(DocumentId(document_id))
        if stored is None:
            raise SystemExit(f"document {document_id} is not stored")
        doc = Document.load(stored.data)
        before = list(doc.get_heads())
        new_item(doc, "coping", f"late item {os.urandom(2).hex()}")
        await storage.store.append_changes(
            DocumentId(document_id), records(doc, "person-0", int(time.time() * 1000), before)
        )
    finally:
        await storage.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, default=50)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--snapshots", action="store_true", help="a snapshot of each document")
    parser.add_argument(
        "--changed-while-down", type=int, default=10, help="plans changed before a restart"
    )
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
