"""A clinician's caseload: every plan they review, in figures, from a few queries.

Nothing here computes a digest. Counts of changes come from the change log (rows, by the
server's clock); the next review from the mirrored sign-offs; waiting suggestions from a
table, kept with the number of change rows they were read from, and read again from a
document only when it has more rows now; conflicts from the latest digest a clinician
opened, only while no change has arrived since (docs/decisions.md 36).
"""

import asyncio
from collections.abc import Callable
from zoneinfo import ZoneInfo

from server.auth.policy import Identity
from server.caseload.models import Caseload, CaseloadPlan
from server.caseload.summaries import Summaries, pending_proposals, read_document
from server.clock import local_date, now_ms, utc
from server.ids import DocumentId
from server.plans.access import readable
from server.review.plan_state import PlanReader
from server.review.signoffs import signoffs
from server.roles import Role
from server.storage.protocol import DocumentStore
from server.storage.records import (
    CaseloadRecords,
    ChangeRow,
    DocumentActivity,
    DocumentCounts,
    DocumentRow,
    PlanRecords,
    PlanRow,
    ReviewRecords,
    ReviewRow,
)

ROLE = Role.CLINICIAN
"""The caseload lists the plans the caller is a clinician of, and nothing else."""


class _Figures:
    """What the queries returned, for building the entries."""

    def __init__(
        self,
        documents: list[DocumentRow],
        latest: dict[str, ReviewRow],
        activity: dict[str, DocumentActivity],
        counts: dict[str, DocumentCounts],
        summaries: Summaries,
    ) -> None:
        self.latest = latest
        self.activity = activity
        self.counts = counts
        self.summaries = summaries
        self.by_plan: dict[str, list[DocumentRow]] = {}
        for d in documents:
            self.by_plan.setdefault(d.plan_id, []).append(d)

    def entry(self, plan: PlanRow) -> CaseloadPlan:
        documents = self.by_plan.get(plan.id, [])
        review = self.latest.get(plan.id)
        active = [a for d in documents if (a := self.activity.get(d.document_id)) is not None]
        received = [a.last_received_ms for a in active if a.last_received_ms is not None]
        return CaseloadPlan(
            plan_id=plan.id,
            title=plan.title,
            person_name=plan.person_name,
            changes_since_review=sum(a.changes_after for a in active),
            conflicts=self.summaries.conflicts(
                plan.id, None if review is None else review.id, sum(a.changes for a in active)
            ),
            waiting_suggestions=self._suggestions(documents),
            next_review=None if review is None else review.next_review,
            last_review_at=None if review is None else utc(review.reviewed_at_ms),
            last_changed_at=utc(max(received)) if received else None,
        )

    def stale(self, document_id: str) -> bool:
        """Changed since its figures were kept (or never counted); one with no change is not."""
        active = self.activity.get(document_id)
        kept = self.counts.get(document_id)
        return active is not None and (kept is None or kept.changes != active.changes)

    def _suggestions(self, documents: list[DocumentRow]) -> int | None:
        total = 0
        for d in documents:
            if d.audience != "everyone" or d.document_id not in self.activity:
                continue  # proposals live in the everyone document; one with no change has none
            counted = self.counts.get(d.document_id)
            if counted is None:
                return None
            total += counted.pending_suggestions
        return total


def _by_due_then_changes(today: str) -> Callable[[CaseloadPlan], tuple[str, int, str]]:
    """Next review first (none set: due today), then the most unreviewed changes."""
    return lambda e: (e.next_review or today, -e.changes_since_review, e.title)


class CaseloadService:
    def __init__(
        self,
        records: PlanRecords,
        caseload: CaseloadRecords,
        reviews: ReviewRecords,
        store: DocumentStore,
        summaries: Summaries,
        time_zone: ZoneInfo,
    ) -> None:
        self._records = records
        self._zone = time_zone  # whose "today" orders the caseload
        self._caseload = caseload
        self._reviews = reviews
        self._store = store
        self._summaries = summaries

    async def caseload(self, identity: Identity) -> Caseload:
        account_id = identity.account_id or ""
        answered = now_ms()
        plans = [p for p, role in await self._records.plans_of(account_id) if role == ROLE]
        ids = [p.id for p in plans]
        # Documents of many plans at once: the filter reads each row's own audience.
        documents = readable(await self._caseload.documents_of_plans(ids), ROLE, account_id)
        figures = await self._figures(ids, documents)
        if await self._recount(documents, figures):
            figures = await self._figures(ids, documents)  # a sign-off was new
        today = local_date(answered, self._zone).isoformat()
        entries = sorted((figures.entry(p) for p in plans), key=_by_due_then_changes(today))
        return Caseload(as_of=utc(answered), plans=entries)

    async def _figures(self, ids: list[str], documents: list[DocumentRow]) -> _Figures:
        latest = await self._caseload.latest_reviews(ids)
        after = {
            d.document_id: latest[d.plan_id].received_at_ms if d.plan_id in latest else -1
            for d in documents
        }
        activity = {a.document_id: a for a in await self._caseload.activity(after)}
        counts = await self._caseload.counts(list(activity))
        return _Figures(documents, latest, activity, counts, self._summaries)

    async def _recount(self, documents: list[DocumentRow], figures: _Figures) -> bool:
        """Read the everyone documents changed since they were last counted.

        Their sign-offs are mirrored (as the Review does), then their waiting suggestions
        are kept (in `figures` and the table): kept last, so a crash in between leaves them
        stale, to be read again. True if a sign-off was new.
        """
        activity = figures.activity
        stale = [d for d in documents if d.audience == "everyone" and figures.stale(d.document_id)]
        if not stale:
            return False
        stored: dict[str, bytes | None] = {}
        for d in stale:
            found = await self._store.load(DocumentId(d.document_id))
            stored[d.document_id] = None if found is None else found.data
        readers = await asyncio.to_thread(lambda: {k: read_document(v) for k, v in stored.items()})
        # After the documents: every change they hold has its row by now.
        rows: dict[str, dict[bytes, ChangeRow]] = {d: {} for d in stored}
        for row in await self._records.changes(list(stored)):
            rows[row.document_id][row.hash] = row
        new = False
        counted = []
        for d in stale:
            reader = readers[d.document_id]
            found_rows, pending = await asyncio.to_thread(_read, d, reader, rows[d.document_id])
            new = await self._mirror(d.plan_id, found_rows) or new
            # The rows counted before the document was read: never more than it holds, so
            # a change stored meanwhile makes it stale again, not wrongly current.
            counted.append(
                DocumentCounts(
                    document_id=d.document_id,
                    changes=activity[d.document_id].changes,
                    pending_suggestions=pending,
                )
            )
        await self._caseload.save_counts(counted)
        figures.counts.update((c.document_id, c) for c in counted)
        return new

    async def _mirror(self, plan_id: str, found: list[ReviewRow]) -> bool:
        if not found:
            return False
        known = {row.id: row for row, _ in await self._reviews.reviews(plan_id)}
        changed = [row for row in found if known.get(row.id) != row]
        if changed:
            await self._reviews.save_reviews(changed)
        return bool(changed)


def _read(
    document: DocumentRow, reader: PlanReader, rows: dict[bytes, ChangeRow]
) -> tuple[list[ReviewRow], int]:
    found = signoffs(document.plan_id, document.document_id, reader, rows)
    return found, pending_proposals(reader)
