"""Deleting an account in PostgreSQL: one transaction through the group-commit queue.

As sqlite_erasure.py: a deleted plan takes with it every row of every table that names the
plan (`plan_id`) or one of its documents (`doc_id`), found in the schema itself
(information_schema), so tables added later are covered without changes here. Parents go
last, so no foreign key is ever violated.
"""

import msgspec
from psycopg import sql
from psycopg.abc import Params

from server.roles import Role
from server.storage.erasure import ErasedAccount
from server.storage.postgres import Connection, PostgresDatabase
from server.storage.postgres_records import membership_event

# Deleted after every other table naming a plan, in this order (children first).
_PARENTS = ("invites", "members", "plan_documents")
_TABLES_WITH = (
    "SELECT c.table_name FROM information_schema.columns c"
    " JOIN information_schema.tables t"
    " ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
    " WHERE c.table_schema = current_schema() AND c.column_name = %s"
    " AND t.table_type = 'BASE TABLE' ORDER BY c.table_name"
)
# A binding goes when the last change by its actor goes (the rows by that actor elsewhere
# are found through changes_by_account: claims make them the bound account's).
_RELEASE_ACTORS = (
    "DELETE FROM actors WHERE actor IN (SELECT actor FROM changes WHERE doc_id = ANY(%(docs)s))"
    " AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.account_id = actors.account_id"
    " AND c.actor = actors.actor AND NOT c.doc_id = ANY(%(docs)s)) RETURNING actor"
)
_AUDIT = (
    "INSERT INTO audit_log (plan_id, by_account, action, subject, detail, at_ms)"
    " VALUES (%s, %s, %s, %s, %s, %s)"
)
_TOMBSTONE = (
    "UPDATE accounts SET email = 'deleted:' || id, display_name = '', password_hash = '',"
    " deleted_at_ms = %s WHERE id = %s"
)


async def _column(db: Connection, query: str, params: Params) -> list[object]:
    cursor = await db.execute(query, params)
    return [r[0] for r in await cursor.fetchall()]


async def _delete_naming(db: Connection, column: str, values: list[str]) -> None:
    """Delete every row, in every table with `column`, whose `column` is one of `values`."""
    if not values:
        return
    tables = [str(t) for t in await _column(db, _TABLES_WITH, (column,))]
    ordered = [t for t in tables if t not in _PARENTS] + [t for t in _PARENTS if t in tables]
    for table in ordered:
        # Table and column names come from the schema itself; the values are one parameter.
        await db.execute(
            sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(
                sql.Identifier(table), sql.Identifier(column)
            ),
            (values,),
        )


def _nothing_erased() -> ErasedAccount:
    return ErasedAccount(
        plan_ids=[],
        document_ids=[],
        changes=0,
        former_members=[],
        memberships=[],
        credential_ids=[],
        actors=[],
    )


class PostgresErasure:
    """ErasureRecords on a PostgresDatabase."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def erase_account(self, account_id: str, now_ms: int) -> ErasedAccount | None:
        async def work(db: Connection) -> ErasedAccount | None:
            # FOR UPDATE: a deletion racing on another process waits, then finds no live row.
            live = await _column(
                db,
                "SELECT 1 FROM accounts WHERE id = %s AND deleted_at_ms IS NULL FOR UPDATE",
                (account_id,),
            )
            if not live:
                return None
            plans = [
                str(p)
                for p in await _column(
                    db, "SELECT id FROM plans WHERE person_id = %s ORDER BY id", (account_id,)
                )
            ]
            erased = await self._delete_plans(db, account_id, plans)
            memberships = await self._leave(db, account_id, now_ms)
            credentials = [
                str(c)
                for query in (
                    "DELETE FROM sessions WHERE account_id = %s RETURNING id",
                    "DELETE FROM tokens WHERE account_id = %s RETURNING id",
                )
                for c in await _column(db, query, (account_id,))
            ]
            # Its browsers get no more notifications (the endpoints are its devices').
            await db.execute("DELETE FROM push_subscriptions WHERE account_id = %s", (account_id,))
            await db.execute(_TOMBSTONE, (now_ms, account_id))
            result = msgspec.structs.replace(
                erased, memberships=memberships, credential_ids=credentials
            )
            detail = (
                f"plans={len(result.plan_ids)} documents={len(result.document_ids)}"
                f" changes={result.changes} memberships={len(memberships)}"
            )
            await db.execute(
                _AUDIT, (None, account_id, "delete-account", account_id, detail, now_ms)
            )
            return result

        return await self._db.transact(work)

    @staticmethod
    async def _delete_plans(db: Connection, account_id: str, plans: list[str]) -> ErasedAccount:
        if not plans:
            return _nothing_erased()
        documents = [
            str(d)
            for d in await _column(
                db, "SELECT doc_id FROM plan_documents WHERE plan_id = ANY(%s)", (plans,)
            )
        ]
        cursor = await db.execute(
            "SELECT plan_id, account_id FROM members WHERE plan_id = ANY(%s)"
            " AND account_id != %s AND revoked_at_ms IS NULL",
            (plans, account_id),
        )
        members = await cursor.fetchall()
        changes = 0
        actors: list[bytes] = []
        if documents:
            counted = await _column(
                db, "SELECT COUNT(*) FROM changes WHERE doc_id = ANY(%s)", (documents,)
            )
            changes = int(str(counted[0]))
            released = await _column(db, _RELEASE_ACTORS, {"docs": documents})
            actors = [bytes(a) for a in released if isinstance(a, bytes)]
        await _delete_naming(db, "doc_id", documents)
        await _delete_naming(db, "plan_id", plans)
        await db.execute("DELETE FROM plans WHERE id = ANY(%s)", (plans,))
        return msgspec.structs.replace(
            _nothing_erased(),
            plan_ids=plans,
            document_ids=documents,
            changes=changes,
            former_members=[(str(r[0]), str(r[1])) for r in members],
            actors=actors,
        )

    @staticmethod
    async def _leave(db: Connection, account_id: str, now_ms: int) -> list[str]:
        """End the account's memberships of others' plans, as a revocation does."""
        cursor = await db.execute(
            "UPDATE members SET revoked_at_ms = %s WHERE account_id = %s"
            " AND revoked_at_ms IS NULL RETURNING plan_id, role",
            (now_ms, account_id),
        )
        left = await cursor.fetchall()
        plans = [str(r[0]) for r in left]
        for plan_id, role in left:
            await db.execute(
                _AUDIT, (plan_id, account_id, "leave", account_id, "account deleted", now_ms)
            )
            await membership_event(
                db, str(plan_id), "left", account_id, account_id, Role(str(role)), now_ms
            )
        return sorted(plans)
