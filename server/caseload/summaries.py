"""Figures read from documents: waiting suggestions, and the conflicts of the latest digest.

A figure is kept with the number of changes it was read from; `changes` rows are never
deleted, so a figure is current while that number is still the number of rows. Waiting
suggestions are kept in the database (`CaseloadRecords.counts`, every process reads them, and
they outlive a restart); conflicts only in memory: after a restart they wait for the next
digest.
"""

from typing import NamedTuple

from server.crdt.engine import LiveDocument
from server.crdt.patches import ROOT_ID, ObjectRef
from server.review.plan_state import PlanReader


class _Counted(NamedTuple):
    changes: int
    """How many changes the figure was read from."""
    value: int
    review_id: str | None = None


def pending_proposals(reader: PlanReader) -> int:
    """Suggestions in the document that no one has decided or withdrawn."""
    doc = reader.doc
    proposals = doc.fields(ROOT_ID).get("proposals")
    if not isinstance(proposals, ObjectRef):
        return 0
    found = (reader.proposal(e.id) for e in doc.elements(proposals.id) if isinstance(e, ObjectRef))
    return sum(1 for p in found if p is not None and p.decision is None)


def read_document(data: bytes | None) -> PlanReader:
    return PlanReader(LiveDocument.load(data) if data else LiveDocument())


class Summaries:
    """Per plan, the conflicts of its latest digest (in memory)."""

    def __init__(self) -> None:
        self._conflicts: dict[str, _Counted] = {}

    def conflicts(self, plan_id: str, review_id: str | None, changes: int) -> int | None:
        """The latest digest's conflicts, if it covered exactly these changes since that review."""
        found = self._conflicts.get(plan_id)
        if found is None or (found.review_id, found.changes) != (review_id, changes):
            return None
        return found.value

    def conflicts_counted(
        self, plan_id: str, review_id: str | None, changes: int, conflicts: int
    ) -> None:
        """A clinician's digest since the latest review found `conflicts` in `changes`."""
        self._conflicts[plan_id] = _Counted(changes, conflicts, review_id)
