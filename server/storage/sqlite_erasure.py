"""Deleting an account in SQLite: one transaction through the group-commit queue.

A deleted plan takes with it every row of every table that names the plan (`plan_id`) or one
of its documents (`doc_id`), found in the schema itself, so tables added later (reviews) are
covered without changes here. Parents go last, so no foreign key is ever violated.
"""

import aiosqlite
import msgspec

from server.roles import Role
from server.storage.erasure import ErasedAccount
from server.storage.sqlite import SqliteDatabase
from server.storage.sqlite_records import membership_event

# Deleted after every other table naming a plan, in this order (children first).
_PARENTS = ("invites", "members", "plan_documents")
_TABLES_WITH = (
    "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c"
    " WHERE m.type = 'table' AND c.name = ? ORDER BY m.name"
)
# The compact change log (migration 0008) names documents by `documents.id`, not `doc_id`:
# its rows are deleted here, before `_delete_naming` deletes the `documents` rows themselves.
# A binding goes when the last change by its actor goes (the rows by that actor elsewhere
# are found through change_origins_by_actor: claims make them the bound account's).
_RELEASE_ACTORS = (
    "DELETE FROM actors WHERE actor IN (SELECT o.actor FROM change_log c"
    " JOIN change_origins o ON o.id = c.origin"
    " WHERE c.doc IN (SELECT id FROM documents WHERE doc_id IN ({docs})))"
    " AND NOT EXISTS (SELECT 1 FROM change_origins o JOIN change_log c ON c.origin = o.id"
    " WHERE o.account_id = actors.account_id AND o.actor = actors.actor"
    " AND c.doc NOT IN (SELECT id FROM documents WHERE doc_id IN ({docs}))) RETURNING actor"
)
_COUNT_CHANGES = (
    "SELECT COUNT(*) FROM change_log"
    " WHERE doc IN (SELECT id FROM documents WHERE doc_id IN ({docs}))"
)
_DELETE_LOG = (
    "DELETE FROM change_bytes WHERE doc IN (SELECT id FROM documents WHERE doc_id IN ({docs}))",
    "DELETE FROM change_log WHERE doc IN (SELECT id FROM documents WHERE doc_id IN ({docs}))",
    # Who delivered which change, as whom: gone with the last change that says so.
    "DELETE FROM change_origins WHERE NOT EXISTS"
    " (SELECT 1 FROM change_log c WHERE c.origin = change_origins.id)",
)
_AUDIT = (
    "INSERT INTO audit_log (plan_id, by_account, action, subject, detail, at_ms)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
_TOMBSTONE = (
    "UPDATE accounts SET email = 'deleted:' || id, display_name = '', password_hash = '',"
    " deleted_at_ms = ? WHERE id = ?"
)


def _marks(values: list[str]) -> str:
    return ",".join("?" * len(values))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _column(db: aiosqlite.Connection, sql: str, params: tuple[object, ...]) -> list[object]:
    return [r[0] for r in await db.execute_fetchall(sql, params)]


async def _delete_naming(db: aiosqlite.Connection, column: str, values: list[str]) -> None:
    """Delete every row, in every table with `column`, whose `column` is one of `values`."""
    if not values:
        return
    tables = [str(t) for t in await _column(db, _TABLES_WITH, (column,))]
    ordered = [t for t in tables if t not in _PARENTS] + [t for t in _PARENTS if t in tables]
    for table in ordered:
        # Table and column names come from the schema itself; every value is a parameter.
        await db.execute(
            f"DELETE FROM {_quoted(table)} WHERE {_quoted(column)} IN ({_marks(values)})",  # noqa: S608
            values,
        )


class SqliteErasure:
    """ErasureRecords on a SqliteDatabase."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def erase_account(self, account_id: str, now_ms: int) -> ErasedAccount | None:
        async def work(db: aiosqlite.Connection) -> ErasedAccount | None:
            live = await _column(
                db, "SELECT 1 FROM accounts WHERE id = ? AND deleted_at_ms IS NULL", (account_id,)
            )
            if not live:
                return None
            plans = [
                str(p)
                for p in await _column(
                    db, "SELECT id FROM plans WHERE person_id = ? ORDER BY id", (account_id,)
                )
            ]
            erased = await self._delete_plans(db, account_id, plans)
            memberships = await self._leave(db, account_id, now_ms)
            credentials = [
                str(c)
                for sql in (
                    "DELETE FROM sessions WHERE account_id = ? RETURNING id",
                    "DELETE FROM tokens WHERE account_id = ? RETURNING id",
                )
                for c in await _column(db, sql, (account_id,))
            ]
            # Its browsers get no more notifications (the endpoints are its devices').
            await db.execute("DELETE FROM push_subscriptions WHERE account_id = ?", (account_id,))
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
    async def _delete_plans(
        db: aiosqlite.Connection, account_id: str, plans: list[str]
    ) -> ErasedAccount:
        if not plans:
            return ErasedAccount(
                plan_ids=[],
                document_ids=[],
                changes=0,
                former_members=[],
                memberships=[],
                credential_ids=[],
                actors=[],
            )
        marks = _marks(plans)
        documents = [
            str(d)
            for d in await _column(
                db,
                f"SELECT doc_id FROM plan_documents WHERE plan_id IN ({marks})",  # noqa: S608
                tuple(plans),
            )
        ]
        members = await db.execute_fetchall(
            f"SELECT plan_id, account_id FROM members WHERE plan_id IN ({marks})"  # noqa: S608
            " AND account_id != ? AND revoked_at_ms IS NULL",
            (*plans, account_id),
        )
        changes = 0
        actors: list[bytes] = []
        if documents:
            docs = _marks(documents)
            counted = await _column(
                db,
                _COUNT_CHANGES.format(docs=docs),
                tuple(documents),
            )
            changes = int(str(counted[0]))
            released = await _column(
                db, _RELEASE_ACTORS.format(docs=docs), (*documents, *documents)
            )
            actors = [bytes(a) for a in released if isinstance(a, bytes)]
            for sql in _DELETE_LOG:
                await db.execute(sql.format(docs=docs), tuple(documents) * sql.count("{docs}"))
        await _delete_naming(db, "doc_id", documents)
        await _delete_naming(db, "plan_id", plans)
        await db.execute(f"DELETE FROM plans WHERE id IN ({marks})", plans)  # noqa: S608
        return ErasedAccount(
            plan_ids=plans,
            document_ids=documents,
            changes=changes,
            former_members=[(str(r[0]), str(r[1])) for r in members],
            memberships=[],
            credential_ids=[],
            actors=actors,
        )

    @staticmethod
    async def _leave(db: aiosqlite.Connection, account_id: str, now_ms: int) -> list[str]:
        """End the account's memberships of others' plans, as a revocation does."""
        left = list(
            await db.execute_fetchall(
                "UPDATE members SET revoked_at_ms = ? WHERE account_id = ?"
                " AND revoked_at_ms IS NULL RETURNING plan_id, role",
                (now_ms, account_id),
            )
        )
        plans = [str(r[0]) for r in left]
        for plan_id, role in left:
            await db.execute(
                _AUDIT, (plan_id, account_id, "leave", account_id, "account deleted", now_ms)
            )
            await membership_event(
                db, str(plan_id), "left", account_id, account_id, Role(role), now_ms
            )
        return sorted(plans)
