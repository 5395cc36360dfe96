"""Reviews and the digest for a plan's members, from the stored documents and change log.

Documents are read from the DocumentStore (snapshot and later changes), so documents no one
has open are covered too, then the change rows: every change in a loaded document has its
row. Reading Automerge documents is CPU work, done in a worker thread.
"""

import asyncio
from typing import Protocol, cast

import msgspec

from server.auth.policy import Identity
from server.clock import utc
from server.crdt.engine import LiveDocument
from server.errors import NotFound
from server.ids import DocumentId
from server.plans.access import readable
from server.review.digest import DocumentHistory, digest
from server.review.models import Digest, MembershipEvent, MembershipKind, Review
from server.review.plan_state import PlanReader
from server.review.signoffs import signoffs
from server.roles import Role
from server.storage.protocol import DocumentStore
from server.storage.records import (
    ChangeRow,
    DocumentRow,
    MembershipEventRow,
    PlanRecords,
    ReviewRecords,
    ReviewRow,
)

Stored = list[tuple[ReviewRow, str | None]]


class _Plan(msgspec.Struct, frozen=True):
    id: str
    role: str
    documents: list[DocumentRow]
    """The plan's documents the caller may read."""
    readers: dict[str, PlanReader]
    rows: list[ChangeRow]


def _review(row: ReviewRow, reviewer_name: str | None) -> Review:
    return Review(
        id=row.id,
        document_id=row.document_id,
        reviewer_id=row.reviewer_id,
        reviewer_name=reviewer_name,
        note=row.note,
        next_review=row.next_review,
        reviewed_at=utc(row.reviewed_at_ms),
        received_at=utc(row.received_at_ms),
        heads=row.heads,
    )


def _event(row: MembershipEventRow) -> MembershipEvent:
    return MembershipEvent(
        kind=cast(MembershipKind, row.kind),  # the table's CHECK allows only these
        user_id=row.subject_id,
        display_name=row.subject_name,
        role=row.role,
        previous_role=row.previous_role,
        by_id=row.by_id,
        by_name=row.by_name,
        at=utc(row.at_ms),
    )


def _load(stored: dict[str, bytes | None]) -> dict[str, PlanReader]:
    return {
        document_id: PlanReader(LiveDocument.load(data) if data else LiveDocument())
        for document_id, data in stored.items()
    }


def since_id(chosen: tuple[ReviewRow, str | None] | None) -> str | None:
    return None if chosen is None else chosen[0].id


class ConflictCounts(Protocol):
    """Where a Review's conflict count is kept for the caseload (caseload/summaries.py)."""

    def conflicts_counted(
        self, plan_id: str, review_id: str | None, changes: int, conflicts: int
    ) -> None: ...


class ReviewService:
    def __init__(
        self,
        records: PlanRecords,
        reviews: ReviewRecords,
        store: DocumentStore,
        summaries: ConflictCounts | None = None,
    ) -> None:
        self._records = records
        self._reviews = reviews
        self._store = store
        self._summaries = summaries
        """Told each clinician's digest since the latest review: the caseload's conflicts."""

    async def reviews(self, identity: Identity, plan_id: str) -> list[Review]:
        plan = await self._read(identity, plan_id)
        return [_review(row, name) for row, name in await self._mirror(plan)]

    async def digest(self, identity: Identity, plan_id: str, since: str | None) -> Digest:
        plan = await self._read(identity, plan_id)
        stored = await self._mirror(plan)
        if since is not None:
            chosen = next(((r, n) for r, n in stored if r.id == since), None)
            if chosen is None:
                raise NotFound(f"no review {since} in this plan")
        else:
            chosen = stored[-1] if stored else None
        review = None if chosen is None else chosen[0]
        documents = [
            DocumentHistory(
                d,
                reader,
                tuple(bytes.fromhex(h) for h in review.heads.get(d, [])) if review else (),
                (bytes.fromhex(review.change_hash),) if review and review.document_id == d else (),
                review.received_at_ms if review and d not in review.heads else None,
            )
            for d, reader in plan.readers.items()
        ]
        conflicts, people = await asyncio.to_thread(digest, documents, plan.rows)
        if self._summaries is not None and plan.role == Role.CLINICIAN and since is None:
            seen = sum(len(reader.history) for reader in plan.readers.values())
            self._summaries.conflicts_counted(plan.id, since_id(chosen), seen, len(conflicts))
        after = -1 if review is None else review.received_at_ms
        events = await self._records.membership_events(plan.id)
        return Digest(
            since=None if chosen is None else _review(*chosen),
            until={d: [h.hex() for h in r.doc.heads] for d, r in plan.readers.items()},
            conflicts=conflicts,
            people=people,
            membership=[_event(e) for e in events if e.at_ms > after],
        )

    async def membership(self, identity: Identity, plan_id: str) -> list[MembershipEvent]:
        """Everyone who joined or left the plan, oldest first."""
        account_id = identity.account_id or ""
        if await self._records.role_of(plan_id, account_id) is None:
            raise NotFound("no such plan")
        return [_event(e) for e in await self._records.membership_events(plan_id)]

    async def _read(self, identity: Identity, plan_id: str) -> _Plan:
        account_id = identity.account_id or ""
        role = await self._records.role_of(plan_id, account_id)
        if role is None:
            raise NotFound("no such plan")
        documents = readable(await self._records.documents_of(plan_id), role, account_id)
        stored: dict[str, bytes | None] = {}
        for d in documents:
            found = await self._store.load(DocumentId(d.document_id))
            stored[d.document_id] = None if found is None else found.data
        readers = await asyncio.to_thread(_load, stored)
        # After the documents: every change they hold has its row by now.
        rows = await self._records.changes([d.document_id for d in documents])
        return _Plan(plan_id, role, documents, readers, rows)

    async def _mirror(self, plan: _Plan) -> Stored:
        """The plan's sign-offs, after saving those the documents hold now."""
        found: list[ReviewRow] = []
        for d in plan.documents:
            if d.audience == "everyone":
                rows = {r.hash: r for r in plan.rows if r.document_id == d.document_id}
                reader = plan.readers[d.document_id]
                found += await asyncio.to_thread(signoffs, plan.id, d.document_id, reader, rows)
        stored = await self._reviews.reviews(plan.id)
        known = {row.id: row for row, _ in stored}
        changed = [row for row in found if known.get(row.id) != row]
        if not changed:
            return stored
        await self._reviews.save_reviews(changed)
        return await self._reviews.reviews(plan.id)
