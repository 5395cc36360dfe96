"""The review digest (pure, no I/O): who changed what since a review, and what conflicts.

A change is in the digest if it is neither one of the review's heads nor an ancestor of one,
nor the sign-off's own change.
Each such change is judged by its own effect: the items and proposals it touched, read at its
deps and at [its hash] (`PlanReader.effects`). Conflicts: conflicts.py.
"""

from typing import NamedTuple

from server.clock import known_time, utc
from server.crdt.engine import ChangeInfo
from server.review.conflicts import Write, conflict, text_of, title_of
from server.review.graph import ChangeGraph
from server.review.models import Conflict, Entry, EntryKind, PersonChanges
from server.review.plan_state import Effect, ItemState, PlanReader, ProposalState, State
from server.roles import Role
from server.storage.records import ChangeRow

REVIEW_LOG = "review-log"
_DECISIONS: dict[str | None, EntryKind] = {
    "accepted": "accepted",
    "declined": "declined",
    "withdrawn": "withdrawn",
}


class DocumentHistory(NamedTuple):
    document_id: str
    reader: PlanReader
    since: tuple[bytes, ...]
    """The review's heads for this document; empty: its whole history."""
    reviewed: tuple[bytes, ...] = ()
    """Changes left out besides those (the sign-off's own change)."""
    received_by: int | None = None
    """For a document the review's heads do not cover (one the reviewer cannot read, such as
    the person's own): changes the server had received by then (ms) count as reviewed."""


def digest(
    documents: list[DocumentHistory], rows: list[ChangeRow]
) -> tuple[list[Conflict], list[PersonChanges]]:
    """Conflicts (ordered by their first version) and each person's entries.

    Entries are in the order the changes were stored (`rows`: the change log of these
    documents, oldest first).
    """
    by_id = {d.document_id: d for d in documents}
    pending: dict[tuple[str, bytes], ChangeInfo] = {}
    graphs: dict[str, ChangeGraph] = {}
    logged = {(r.document_id, r.hash): r for r in rows}
    for d in documents:
        graph = graphs[d.document_id] = ChangeGraph(d.reader.history)
        since = d.since
        if d.received_by is not None:
            since += tuple(
                c.hash
                for c in d.reader.history
                if (row := logged.get((d.document_id, c.hash))) is not None
                and row.received_at_ms <= d.received_by
            )
        reviewed = graph.closure(since) | set(d.reviewed)
        for c in d.reader.history:
            if c.hash not in reviewed:
                pending[(d.document_id, c.hash)] = c
    order = [k for k in logged if k in pending] + [k for k in pending if k not in logged]
    builder = _Builder()
    for document_id, change_hash in order:
        change = pending[(document_id, change_hash)]
        row = logged.get((document_id, change_hash)) or _unlogged(document_id, change)
        builder.add(document_id, row, by_id[document_id].reader.effects(change))
    conflicts: list[tuple[int, Conflict]] = []
    for (document_id, _), writes in builder.writes.items():
        if len(writes) < 2:
            continue
        item = (
            next(w.after for w in writes if w.after is not None) or builder.items[writes[0].order]
        )
        found = conflict(document_id, by_id[document_id].reader, graphs[document_id], item, writes)
        if found is not None:
            conflicts.append((writes[0].order, found))
    return [c for _, c in sorted(conflicts, key=lambda p: p[0])], list(builder.people.values())


def _unlogged(document_id: str, change: ChangeInfo) -> ChangeRow:
    # A change with no row (not expected: rows are read after the documents) is shown with
    # no author and its own time as the time received.
    return ChangeRow(
        hash=change.hash,
        document_id=document_id,
        actor=change.actor,
        seq=change.seq,
        account_id=None,
        display_name=None,
        role=None,
        change_time_ms=change.time_ms,
        received_at_ms=change.time_ms,
    )


def item_kinds(
    before: ItemState | None, after: ItemState | None, reviewer: bool
) -> list[EntryKind]:
    """What a change did to an item; a sign-off is "reviewed" only by a clinician."""
    if after is None:  # deleted outright, not soft-removed
        return ["removed"] if before is not None and not before.removed else []
    signed = reviewer and after.section == REVIEW_LOG and after.signoff is not None
    if before is None:
        return ["reviewed" if signed else "added"]
    kinds: list[EntryKind] = []
    if signed and after.signoff != before.signoff:
        kinds.append("reviewed")
    if text_of(before) != text_of(after):
        kinds.append("edited")
    if before.removed != after.removed:
        kinds.append("removed" if after.removed else "restored")
    return kinds


def proposal_kinds(before: ProposalState | None, after: ProposalState | None) -> list[EntryKind]:
    if after is None:
        return []
    if before is None:
        return ["proposed"]
    if before.decision is None and after.decision in _DECISIONS:
        return [_DECISIONS[after.decision]]
    changed = (before.text, before.phone) != (after.text, after.phone)
    return ["proposal-edited"] if changed else []


class _Builder:
    def __init__(self) -> None:
        self.people: dict[tuple[str | None, str | None], PersonChanges] = {}
        self.writes: dict[tuple[str, bytes], list[Write]] = {}
        self.items: list[ItemState] = []
        """The item of each write, by its order."""

    def add(self, document_id: str, row: ChangeRow, effects: list[Effect]) -> None:
        accepted: dict[str | None, ItemState] = {
            e.after.from_proposal: e.after
            for e in effects
            if isinstance(e.after, ItemState) and e.before is None and e.after.from_proposal
        }
        for e in effects:
            if isinstance(e.after, ProposalState) and not isinstance(e.before, ItemState):
                for kind in proposal_kinds(e.before, e.after):
                    after = accepted.get(e.after.id, e.after) if kind == "accepted" else e.after
                    self._entry(kind, document_id, row, e.before, after, e.after)
            elif not isinstance(e.before, ProposalState) and not isinstance(e.after, ProposalState):
                self._item(document_id, row, e.before, e.after, accepted)

    def _item(
        self,
        document_id: str,
        row: ChangeRow,
        before: ItemState | None,
        after: ItemState | None,
        accepted: dict[str | None, ItemState],
    ) -> None:
        kinds = item_kinds(before, after, row.role == Role.CLINICIAN)
        if after is not None and before is None and accepted.get(after.from_proposal) is after:
            return  # shown as the proposal's "accepted" entry
        for kind in kinds:
            self._entry(kind, document_id, row, before, after, after or before)
        if before is not None and ("edited" in kinds or "removed" in kinds):
            order = len(self.items)
            self.items.append(before)
            write = Write(order, row, "edited" in kinds, "removed" in kinds, after)
            self.writes.setdefault((document_id, before.obj), []).append(write)

    def _entry(
        self,
        kind: EntryKind,
        document_id: str,
        row: ChangeRow,
        before: State | None,
        after: State | None,
        subject: State | None,
    ) -> None:
        assert subject is not None  # noqa: S101 - an effect has a state on one side at least
        key = (row.account_id, row.role)
        if key not in self.people:
            self.people[key] = PersonChanges(
                user_id=row.account_id, display_name=row.display_name, role=row.role, entries=[]
            )
        self.people[key].entries.append(
            Entry(
                kind=kind,
                document_id=document_id,
                section_id=subject.section,
                section_title=title_of(subject.section),
                item_id=subject.id,
                before=text_of(before),
                after=text_of(after),
                change_time=known_time(row.change_time_ms),
                received_at=utc(row.received_at_ms),
                hash=row.hash.hex(),
            )
        )
