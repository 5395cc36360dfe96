"""Web Push's records in SQLite (PushRecords)."""

import aiosqlite

from server.storage.push import PlanOfDocument, ReviewDue, SubscriptionRow
from server.storage.sqlite import Row, SqliteDatabase

_LATEST_DUE = """
SELECT r.plan_id, m.account_id
FROM (SELECT plan_id, next_review, ROW_NUMBER() OVER (
          PARTITION BY plan_id ORDER BY reviewed_at_ms DESC, received_at_ms DESC, id DESC
      ) AS n
      FROM reviews) r
JOIN members m ON m.plan_id = r.plan_id
WHERE r.n = 1 AND r.next_review = ? AND m.role = 'clinician' AND m.revoked_at_ms IS NULL
ORDER BY r.plan_id, m.account_id
"""
_SUBSCRIPTIONS = (
    "SELECT endpoint, account_id, p256dh, auth, kinds FROM push_subscriptions"
    " WHERE account_id IN ({marks}) ORDER BY endpoint"
)


def subscription_row(r: Row) -> SubscriptionRow:
    """A push_subscriptions row (both adapters)."""
    return SubscriptionRow(
        endpoint=str(r[0]),
        account_id=str(r[1]),
        p256dh=str(r[2]),
        auth=str(r[3]),
        kinds=tuple(k for k in str(r[4]).split(",") if k),
    )


class SqlitePush:
    """PushRecords on a SqliteDatabase."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def vapid_key(self, candidate: str, now_ms: int) -> str:
        async def work(db: aiosqlite.Connection) -> str:
            await db.execute(
                "INSERT OR IGNORE INTO push_vapid (id, private_key, created_at_ms)"
                " VALUES (1, ?, ?)",
                (candidate, now_ms),
            )
            rows = await db.execute_fetchall("SELECT private_key FROM push_vapid WHERE id = 1")
            return str(next(iter(rows))[0])

        return await self._db.transact(work)

    async def subscribe(self, row: SubscriptionRow, now_ms: int) -> None:
        async def work(db: aiosqlite.Connection) -> None:
            await db.execute(
                "INSERT INTO push_subscriptions"
                " (endpoint, account_id, p256dh, auth, kinds, created_at_ms)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (endpoint) DO UPDATE SET"
                " account_id = excluded.account_id, p256dh = excluded.p256dh,"
                " auth = excluded.auth, kinds = excluded.kinds",
                (row.endpoint, row.account_id, row.p256dh, row.auth, ",".join(row.kinds), now_ms),
            )

        await self._db.write(work)

    async def unsubscribe(self, account_id: str, endpoint: str) -> bool:
        async def work(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "DELETE FROM push_subscriptions WHERE endpoint = ? AND account_id = ?",
                (endpoint, account_id),
            )
            return cursor.rowcount == 1

        return await self._db.transact(work)

    async def subscriptions(self, account_ids: list[str]) -> list[SubscriptionRow]:
        if not account_ids:
            return []
        marks = ",".join("?" * len(account_ids))
        rows = await self._db.fetch(_SUBSCRIPTIONS.format(marks=marks), account_ids)
        return [subscription_row(r) for r in rows]

    async def drop(self, endpoint: str) -> None:
        async def work(db: aiosqlite.Connection) -> None:
            await db.execute("DELETE FROM push_subscriptions WHERE endpoint = ?", (endpoint,))

        await self._db.write(work)

    async def claim(self, key: str, plan_id: str, now_ms: int) -> bool:
        async def work(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO push_sent (key, plan_id, sent_at_ms) VALUES (?, ?, ?)",
                (key, plan_id, now_ms),
            )
            return cursor.rowcount == 1

        return await self._db.transact(work)

    async def forget_sent(self, before_ms: int) -> int:
        async def work(db: aiosqlite.Connection) -> int:
            cursor = await db.execute("DELETE FROM push_sent WHERE sent_at_ms < ?", (before_ms,))
            return cursor.rowcount

        return await self._db.transact(work)

    async def plan_of_document(self, document_id: str) -> PlanOfDocument | None:
        rows = await self._db.fetch(
            "SELECT d.plan_id, p.person_id, d.audience FROM plan_documents d"
            " JOIN plans p ON p.id = d.plan_id WHERE d.doc_id = ?",
            (document_id,),
        )
        return next(
            (
                PlanOfDocument(plan_id=str(r[0]), person_id=str(r[1]), audience=str(r[2]))
                for r in rows
            ),
            None,
        )

    async def person_of_plan(self, plan_id: str) -> str | None:
        rows = await self._db.fetch("SELECT person_id FROM plans WHERE id = ?", (plan_id,))
        return next((str(r[0]) for r in rows), None)

    async def reviews_due(self, date: str) -> list[ReviewDue]:
        rows = await self._db.fetch(_LATEST_DUE, (date,))
        return [ReviewDue(plan_id=str(r[0]), clinician_id=str(r[1])) for r in rows]
