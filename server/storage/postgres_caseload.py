"""The caseload's figures in PostgreSQL, on the shared database (CaseloadRecords)."""

from server.storage.postgres import PostgresDatabase
from server.storage.records import DocumentActivity, DocumentRow, ReviewRow
from server.storage.sqlite_caseload import review_row

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
