"""The caseload's figures in PostgreSQL, on the shared database (CaseloadRecords)."""

from server.storage.postgres import PostgresDatabase
from server.storage.records import DocumentActivity, DocumentCounts, DocumentRow, ReviewRow
from server.storage.sqlite_caseload import counts_row, review_row

_DOCUMENTS = "SELECT doc_id, plan_id, audience FROM plan_documents WHERE plan_id = ANY(%s)"
_LATEST = """
SELECT id, plan_id, doc_id, reviewer_id, note, next_review, reviewed_at_ms, received_at_ms,
       heads, change_hash
FROM (SELECT r.*, ROW_NUMBER() OVER (
          PARTITION BY plan_id ORDER BY reviewed_at_ms DESC, received_at_ms DESC, id DESC
      ) AS n
      FROM reviews r WHERE plan_id = ANY(%s)) latest
WHERE n = 1
"""
_ACTIVITY = """
SELECT w.doc_id, COUNT(*), COUNT(*) FILTER (WHERE c.received_at_ms > w.after_ms),
       MAX(c.received_at_ms)
FROM unnest(%s::text[], %s::bigint[]) AS w (doc_id, after_ms)
JOIN changes c ON c.doc_id = w.doc_id
GROUP BY w.doc_id
"""
_COUNTS = "SELECT doc_id, changes, pending_suggestions FROM document_counts WHERE doc_id = ANY(%s)"
# As in SQLite: figures read from fewer rows than those kept (by any process) lose.
_SAVE_COUNTS = """
INSERT INTO document_counts (doc_id, changes, pending_suggestions) VALUES (%s, %s, %s)
ON CONFLICT (doc_id) DO UPDATE SET
    changes = excluded.changes, pending_suggestions = excluded.pending_suggestions
WHERE excluded.changes >= document_counts.changes
"""


class PostgresCaseload:
    """CaseloadRecords on a PostgresDatabase."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def documents_of_plans(self, plan_ids: list[str]) -> list[DocumentRow]:
        rows = await self._db.fetch(_DOCUMENTS, (plan_ids,))
        return [
            DocumentRow(document_id=str(r[0]), plan_id=str(r[1]), audience=str(r[2])) for r in rows
        ]

    async def latest_reviews(self, plan_ids: list[str]) -> dict[str, ReviewRow]:
        rows = await self._db.fetch(_LATEST, (plan_ids,))
        return {row.plan_id: row for row in map(review_row, rows)}

    async def activity(self, after_ms: dict[str, int]) -> list[DocumentActivity]:
        if not after_ms:
            return []
        rows = await self._db.fetch(_ACTIVITY, (list(after_ms), list(after_ms.values())))
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
        rows = await self._db.fetch(_COUNTS, (document_ids,))
        return {c.document_id: c for c in map(counts_row, rows)}

    async def save_counts(self, counts: list[DocumentCounts]) -> None:
        if counts:
            values = [(c.document_id, c.changes, c.pending_suggestions) for c in counts]
            await self._db.insert_many([(_SAVE_COUNTS, values)])
