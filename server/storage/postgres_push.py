"""Web Push's records in PostgreSQL (PushRecords), shared by every process."""

from server.storage.postgres import Connection, PostgresDatabase
from server.storage.push import PlanOfDocument, ReviewDue, SubscriptionRow
from server.storage.sqlite_push import subscription_row

_LATEST_DUE = """
SELECT r.plan_id, m.account_id
FROM (SELECT plan_id, next_review, ROW_NUMBER() OVER (
          PARTITION BY plan_id ORDER BY reviewed_at_ms DESC, received_at_ms DESC, id DESC
      ) AS n
      FROM reviews) r
JOIN members m ON m.plan_id = r.plan_id
WHERE r.n = 1 AND r.next_review = %s AND m.role = 'clinician' AND m.revoked_at_ms IS NULL
ORDER BY r.plan_id, m.account_id
"""


class PostgresPush:
    """PushRecords on a PostgresDatabase."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def vapid_key(self, candidate: str, now_ms: int) -> str:
        async def work(db: Connection) -> str:
            await db.execute(
                "INSERT INTO push_vapid (id, private_key, created_at_ms) VALUES (1, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (candidate, now_ms),
            )
            cursor = await db.execute("SELECT private_key FROM push_vapid WHERE id = 1")
            row = await cursor.fetchone()
            assert row is not None  # noqa: S101 - inserted just above if it was not there
            return str(row[0])

        return await self._db.transact(work)

    async def subscribe(self, row: SubscriptionRow, now_ms: int) -> None:
        async def work(db: Connection) -> None:
            await db.execute(
                "INSERT INTO push_subscriptions"
                " (endpoint, account_id, p256dh, auth, kinds, created_at_ms)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (endpoint) DO UPDATE SET"
                " account_id = excluded.account_id, p256dh = excluded.p256dh,"
                " auth = excluded.auth, kinds = excluded.kinds",
                (row.endpoint, row.account_id, row.p256dh, row.auth, ",".join(row.kinds), now_ms),
            )

        await self._db.write(work)

    async def unsubscribe(self, account_id: str, endpoint: str) -> bool:
        async def work(db: Connection) -> bool:
            cursor = await db.execute(
                "DELETE FROM push_subscriptions WHERE endpoint = %s AND account_id = %s",
                (endpoint, account_id),
            )
            return cursor.rowcount == 1

        return await self._db.transact(work)

    async def subscriptions(self, account_ids: list[str]) -> list[SubscriptionRow]:
        rows = await self._db.fetch(
            "SELECT endpoint, account_id, p256dh, auth, kinds FROM push_subscriptions"
            " WHERE account_id = ANY(%s) ORDER BY endpoint",
            (account_ids,),
        )
        return [subscription_row(r) for r in rows]

    async def drop(self, endpoint: str) -> None:
        async def work(db: Connection) -> None:
            await db.execute("DELETE FROM push_subscriptions WHERE endpoint = %s", (endpoint,))

        await self._db.write(work)

    async def claim(self, key: str, plan_id: str, now_ms: int) -> bool:
        async def work(db: Connection) -> bool:
            cursor = await db.execute(
                "INSERT INTO push_sent (key, plan_id, sent_at_ms) VALUES (%s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (key, plan_id, now_ms),
            )
            return cursor.rowcount == 1

        return await self._db.transact(work)

    async def forget_sent(self, before_ms: int) -> int:
        async def work(db: Connection) -> int:
            cursor = await db.execute("DELETE FROM push_sent WHERE sent_at_ms < %s", (before_ms,))
            return cursor.rowcount

        return await self._db.transact(work)

    async def plan_of_document(self, document_id: str) -> PlanOfDocument | None:
        rows = await self._db.fetch(
            "SELECT d.plan_id, p.person_id, d.audience FROM plan_documents d"
            " JOIN plans p ON p.id = d.plan_id WHERE d.doc_id = %s",
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
        rows = await self._db.fetch("SELECT person_id FROM plans WHERE id = %s", (plan_id,))
        return next((str(r[0]) for r in rows), None)

    async def reviews_due(self, date: str) -> list[ReviewDue]:
        rows = await self._db.fetch(_LATEST_DUE, (date,))
        return [ReviewDue(plan_id=str(r[0]), clinician_id=str(r[1])) for r in rows]
