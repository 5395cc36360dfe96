"""Clinicians' sign-offs in PostgreSQL (the `reviews` table), on the shared database."""

import msgspec

from server.storage.postgres import PostgresDatabase, Rows
from server.storage.records import ReviewRow

_UPSERT = """
INSERT INTO reviews (plan_id, id, doc_id, reviewer_id, note, next_review, reviewed_at_ms,
                     received_at_ms, heads, change_hash)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (plan_id, id) DO UPDATE SET
    doc_id = excluded.doc_id, reviewer_id = excluded.reviewer_id, note = excluded.note,
    next_review = excluded.next_review, reviewed_at_ms = excluded.reviewed_at_ms,
    received_at_ms = excluded.received_at_ms, heads = excluded.heads,
    change_hash = excluded.change_hash
"""
_SELECT = """
SELECT r.id, r.plan_id, r.doc_id, r.reviewer_id, r.note, r.next_review, r.reviewed_at_ms,
       r.received_at_ms, r.heads, r.change_hash, a.display_name
FROM reviews r LEFT JOIN accounts a ON a.id = r.reviewer_id AND a.deleted_at_ms IS NULL
WHERE r.plan_id = %s ORDER BY r.reviewed_at_ms, r.received_at_ms, r.id
"""
_HEADS = msgspec.json.Decoder(dict[str, list[str]])


class PostgresReviews:
    """ReviewRecords on a PostgresDatabase."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def save_reviews(self, rows: list[ReviewRow]) -> None:
        if not rows:
            return
        values: Rows = [
            (
                r.plan_id,
                r.id,
                r.document_id,
                r.reviewer_id,
                r.note,
                r.next_review,
                r.reviewed_at_ms,
                r.received_at_ms,
                msgspec.json.encode(r.heads).decode(),
                r.change_hash,
            )
            for r in rows
        ]
        await self._db.insert_many([(_UPSERT, values)])

    async def reviews(self, plan_id: str) -> list[tuple[ReviewRow, str | None]]:
        rows = await self._db.fetch(_SELECT, (plan_id,))
        return [
            (
                ReviewRow(
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
                ),
                r[10],
            )
            for r in rows
        ]
