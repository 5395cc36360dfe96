"""The caseload's figures in SQLite, on the shared database (CaseloadRecords)."""

import msgspec

from server.storage.records import DocumentActivity, DocumentCounts, DocumentRow, ReviewRow
from server.storage.sqlite import Row, SqliteDatabase

_HEADS = msgspec.json.Decoder(dict[str, list[str]])
# The "?" marks are built from the number of values; every value is a parameter.
_DOCUMENTS = "SELECT doc_id, plan_id, audience FROM plan_documents WHERE plan_id IN ({marks})"
_LATEST = """
SELECT id, plan_id, doc_id, reviewer_id, note, next_review, reviewed_at_ms, received_at_ms,
       heads, change_hash
FROM (SELECT r.*, ROW_NUMBER() OVER (
          PARTITION BY plan_id ORDER BY reviewed_at_ms DESC, received_at_ms DESC, id DESC
      ) AS n
      FROM reviews r WHERE plan_id IN ({marks}))
WHERE n = 1
"""
_ACTIVITY = """
WITH wanted (doc_id, after_ms) AS (VALUES {values})
SELECT w.doc_id, COUNT(*), SUM(c.received_at_ms > w.after_ms), MAX(c.received_at_ms)
FROM wanted w JOIN changes c ON c.doc_id = w.doc_id
GROUP BY w.doc_id
"""
_COUNTS = (
    "SELECT doc_id, changes, pending_suggestions FROM document_counts WHERE doc_id IN ({marks})"
)
# Figures read from fewer rows than those kept lose: two readers (processes) racing never
# put an older reading back.
_SAVE_COUNTS = """
INSERT INTO document_counts (doc_id, changes, pending_suggestions) VALUES (?, ?, ?)
ON CONFLICT (doc_id) DO UPDATE SET
    changes = excluded.changes, pending_suggestions = excluded.pending_suggestions
WHERE excluded.changes >= document_counts.changes
"""


def counts_row(r: Row) -> DocumentCounts:
    """A `document_counts` row (doc_id, changes, pending_suggestions), as both adapters read."""
    return DocumentCounts(document_id=str(r[0]), changes=int(r[1]), pending_suggestions=int(r[2]))


def review_row(r: Row) -> ReviewRow:
    """A `reviews` row in the column order of _LATEST (both adapters)."""
    return ReviewRow(
        id=str(r[0]),
        plan_id=str(r[1]),
        document_id=str(r[2]),
        reviewer_id=str(r[3]),
        note=str(r[4]),
        next_review=r[5],
        reviewed_at_ms=int(r[6]),
        received_at_ms=int(r[7]),
        heads=_HEADS.decode(r[8]),
        change_hash=str(r[9]),
    )


class SqliteCaseload:
    """CaseloadRecords on a SqliteDatabase."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def documents_of_plans(self, plan_ids: list[str]) -> list[DocumentRow]:
        if not plan_ids:
            return []
        rows = await self._db.fetch(
            _DOCUMENTS.format(marks=",".join("?" * len(plan_ids))), plan_ids
        )
        return [
            DocumentRow(document_id=str(r[0]), plan_id=str(r[1]), audience=str(r[2])) for r in rows
        ]

    async def latest_reviews(self, plan_ids: list[str]) -> dict[str, ReviewRow]:
        if not plan_ids:
            return {}
        rows = await self._db.fetch(_LATEST.format(marks=",".join("?" * len(plan_ids))), plan_ids)
        return {row.plan_id: row for row in map(review_row, rows)}

    async def activity(self, after_ms: dict[str, int]) -> list[DocumentActivity]:
        if not after_ms:
            return []
        values = ",".join(["(?, ?)"] * len(after_ms))
        params: list[object] = [v for pair in after_ms.items() for v in pair]
        rows = await self._db.fetch(_ACTIVITY.format(values=values), params)
        return [
            DocumentActivity(
                document_id=str(r[0]),
                changes=int(r[1]),
                changes_after=int(r[2]),
                last_received_ms=None if r[3] is None else int(r[3]),
            )
            for r in rows
        ]

    async def counts(self, document_ids: list[str]) -> dict[str, DocumentCounts]:
        if not document_ids:
            return {}
        marks = ",".join("?" * len(document_ids))
        rows = await self._db.fetch(_COUNTS.format(marks=marks), document_ids)
        return {c.document_id: c for c in map(counts_row, rows)}

    async def save_counts(self, counts: list[DocumentCounts]) -> None:
        if counts:
            values = [(c.document_id, c.changes, c.pending_suggestions) for c in counts]
            await self._db.insert_many([(_SAVE_COUNTS, values)])
