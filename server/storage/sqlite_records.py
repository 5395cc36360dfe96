"""Accounts, credentials and plans in SQLite, sharing the document store's database.

Writes go through the database's group-commit queue, so each method is one transaction;
checks that must be atomic with the write (an invite used once, a document registered once)
run inside it.
"""

import aiosqlite

from server.roles import Role
from server.storage.records import (
    AccountRow,
    AlreadyMember,
    AuditEntry,
    ChangeRow,
    CredentialRow,
    DeviceRow,
    DocumentRow,
    InviteRow,
    InviteView,
    MemberRow,
    MembershipEventRow,
    PasswordReset,
    PlanRow,
    device_row,
)
from server.storage.sqlite import SqliteDatabase

# A plan's own document is the first one registered with it.
_PLAN_COLUMNS = (
    "SELECT p.id, p.person_id, p.title, (SELECT d.doc_id FROM plan_documents d"
    " WHERE d.plan_id = p.id ORDER BY d.created_at_ms, d.doc_id LIMIT 1),"
    " (SELECT a.display_name FROM accounts a WHERE a.id = p.person_id)"
)
_AUDIT = (
    "INSERT INTO audit_log (plan_id, by_account, action, subject, detail, at_ms)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


_MEMBERSHIP_EVENT = (
    "INSERT INTO membership_events (plan_id, kind, subject_id, by_account, role, previous_role,"
    " at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


async def membership_event(
    db: aiosqlite.Connection,
    plan_id: str,
    kind: str,
    subject: str,
    by: str,
    role: Role,
    now_ms: int,
    previous_role: Role | None = None,
) -> None:
    """Record a change of `members` (in the transaction that makes it)."""
    await db.execute(_MEMBERSHIP_EVENT, (plan_id, kind, subject, by, role, previous_role, now_ms))


async def _audit(db: aiosqlite.Connection, entry: AuditEntry, now_ms: int) -> None:
    await db.execute(
        _AUDIT, (entry.plan_id, entry.by_account, entry.action, entry.subject, entry.detail, now_ms)
    )


class SqliteRecords:
    """AccountRecords and PlanRecords on one SqliteDatabase."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    # -- accounts and credentials

    async def create_account(self, account: AccountRow, now_ms: int) -> bool:
        async def work(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO accounts (id, email, display_name, password_hash,"
                " created_at_ms) VALUES (?, ?, ?, ?, ?)",
                (account.id, account.email, account.display_name, account.password_hash, now_ms),
            )
            return cursor.rowcount == 1

        return await self._db.transact(work)

    async def account_by_email(self, email: str) -> AccountRow | None:
        return self._account(
            await self._db.fetch(
                "SELECT id, email, display_name, password_hash FROM accounts"
                " WHERE email = ? AND deleted_at_ms IS NULL",
                (email,),
            )
        )

    async def account(self, account_id: str) -> AccountRow | None:
        return self._account(
            await self._db.fetch(
                "SELECT id, email, display_name, password_hash FROM accounts"
                " WHERE id = ? AND deleted_at_ms IS NULL",
                (account_id,),
            )
        )

    @staticmethod
    def _account(rows: list[tuple[object, ...]]) -> AccountRow | None:
        if not rows:
            return None
        id_, email, name, hash_ = rows[0]
        return AccountRow(
            id=str(id_), email=str(email), display_name=str(name), password_hash=str(hash_)
        )

    async def create_credential(
        self, credential: CredentialRow, secret_hash: bytes, label: str, now_ms: int
    ) -> None:
        async def write(db: aiosqlite.Connection) -> None:
            if credential.kind == "session":
                await db.execute(
                    "INSERT INTO sessions (secret_hash, id, account_id, label, created_at_ms,"
                    " last_used_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        secret_hash,
                        credential.id,
                        credential.account_id,
                        label,
                        now_ms,
                        now_ms,
                        credential.expires_at_ms,
                    ),
                )
            else:
                await db.execute(
                    "INSERT INTO tokens (id, secret_hash, account_id, label, created_at_ms,"
                    " expires_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        credential.id,
                        secret_hash,
                        credential.account_id,
                        label,
                        now_ms,
                        credential.expires_at_ms,
                    ),
                )

        await self._db.write(write)

    async def credential(self, secret_hash: bytes, now_ms: int) -> CredentialRow | None:
        rows = await self._db.fetch(
            "SELECT id, account_id, 'session', expires_at_ms FROM sessions"
            " WHERE secret_hash = :h AND expires_at_ms > :now"
            " UNION ALL SELECT id, account_id, 'token', expires_at_ms FROM tokens"
            " WHERE secret_hash = :h AND revoked_at_ms IS NULL"
            " AND (expires_at_ms IS NULL OR expires_at_ms > :now)",
            {"h": secret_hash, "now": now_ms},
        )
        if not rows:
            return None
        id_, account_id, kind, expires = rows[0]
        return CredentialRow(
            id=str(id_), account_id=str(account_id), kind=str(kind), expires_at_ms=expires
        )

    async def end_session(self, secret_hash: bytes) -> str | None:
        async def work(db: aiosqlite.Connection) -> str | None:
            rows = list(
                await db.execute_fetchall(
                    "DELETE FROM sessions WHERE secret_hash = ? RETURNING id", (secret_hash,)
                )
            )
            return str(rows[0][0]) if rows else None

        return await self._db.transact(work)

    async def revoke_token(self, token_id: str, account_id: str, now_ms: int) -> bool:
        async def work(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "UPDATE tokens SET revoked_at_ms = ? WHERE id = ? AND account_id = ?"
                " AND revoked_at_ms IS NULL",
                (now_ms, token_id, account_id),
            )
            return cursor.rowcount == 1

        return await self._db.transact(work)

    async def devices(self, account_id: str, now_ms: int) -> list[DeviceRow]:
        rows = await self._db.fetch(
            "SELECT id, 'session', label, created_at_ms, last_used_at_ms, expires_at_ms"
            " FROM sessions WHERE account_id = :a AND expires_at_ms > :now"
            " UNION ALL SELECT id, 'token', label, created_at_ms, last_used_at_ms,"
            " expires_at_ms FROM tokens WHERE account_id = :a AND revoked_at_ms IS NULL"
            " AND (expires_at_ms IS NULL OR expires_at_ms > :now)"
            " ORDER BY 4 DESC, 1",
            {"a": account_id, "now": now_ms},
        )
        return [device_row(row) for row in rows]

    async def end_device(self, account_id: str, credential_id: str, now_ms: int) -> bool:
        async def work(db: aiosqlite.Connection) -> bool:
            ended = await db.execute(
                "DELETE FROM sessions WHERE id = ? AND account_id = ?", (credential_id, account_id)
            )
            if ended.rowcount == 1:
                return True
            revoked = await db.execute(
                "UPDATE tokens SET revoked_at_ms = ? WHERE id = ? AND account_id = ?"
                " AND revoked_at_ms IS NULL",
                (now_ms, credential_id, account_id),
            )
            return revoked.rowcount == 1

        return await self._db.transact(work)

    async def touch_credential(self, credential_id: str, now_ms: int) -> None:
        async def write(db: aiosqlite.Connection) -> None:
            await db.execute(
                "UPDATE sessions SET last_used_at_ms = ? WHERE id = ?", (now_ms, credential_id)
            )
            await db.execute(
                "UPDATE tokens SET last_used_at_ms = ? WHERE id = ?", (now_ms, credential_id)
            )

        await self._db.write(write)

    async def create_password_reset(
        self, token_hash: bytes, account_id: str, now_ms: int, expires_at_ms: int
    ) -> None:
        async def write(db: aiosqlite.Connection) -> None:
            await db.execute(
                "DELETE FROM password_resets WHERE expires_at_ms <= ? OR used_at_ms IS NOT NULL",
                (now_ms,),
            )
            await db.execute(
                "INSERT INTO password_resets (token_hash, account_id, created_at_ms,"
                " expires_at_ms) VALUES (?, ?, ?, ?)",
                (token_hash, account_id, now_ms, expires_at_ms),
            )

        await self._db.write(write)

    async def password_reset_account(self, token_hash: bytes, now_ms: int) -> str | None:
        rows = await self._db.fetch(
            "SELECT r.account_id FROM password_resets r JOIN accounts a ON a.id = r.account_id"
            " WHERE r.token_hash = ? AND r.used_at_ms IS NULL AND r.expires_at_ms > ?"
            " AND a.deleted_at_ms IS NULL",
            (token_hash, now_ms),
        )
        return str(rows[0][0]) if rows else None

    async def reset_password(
        self, token_hash: bytes | None, account_id: str, password_hash: str, now_ms: int
    ) -> PasswordReset | None:
        async def work(db: aiosqlite.Connection) -> PasswordReset | None:
            if token_hash is not None:
                used = await db.execute(
                    "UPDATE password_resets SET used_at_ms = ? WHERE token_hash = ?"
                    " AND account_id = ? AND used_at_ms IS NULL AND expires_at_ms > ?",
                    (now_ms, token_hash, account_id, now_ms),
                )
                if used.rowcount != 1:
                    return None
            emails = list(
                await db.execute_fetchall(
                    "UPDATE accounts SET password_hash = ? WHERE id = ?"
                    " AND deleted_at_ms IS NULL RETURNING email",
                    (password_hash, account_id),
                )
            )
            if not emails:
                return None
            await db.execute(
                "UPDATE password_resets SET used_at_ms = ? WHERE account_id = ?"
                " AND used_at_ms IS NULL",
                (now_ms, account_id),
            )
            sessions = await db.execute_fetchall(
                "DELETE FROM sessions WHERE account_id = ? RETURNING id", (account_id,)
            )
            tokens = await db.execute_fetchall(
                "UPDATE tokens SET revoked_at_ms = ? WHERE account_id = ?"
                " AND revoked_at_ms IS NULL RETURNING id",
                (now_ms, account_id),
            )
            ended = [str(row[0]) for row in [*sessions, *tokens]]
            return PasswordReset(
                account_id=account_id, email=str(emails[0][0]), ended_credential_ids=ended
            )

        return await self._db.transact(work)

    # -- plans

    async def create_plan(self, plan: PlanRow, now_ms: int) -> bool:
        async def work(db: aiosqlite.Connection) -> bool:
            taken = list(
                await db.execute_fetchall(
                    "SELECT 1 FROM plan_documents WHERE doc_id = ?", (plan.document_id,)
                )
            )
            if taken:
                return False
            await db.execute(
                "INSERT INTO plans (id, person_id, title, created_at_ms) VALUES (?, ?, ?, ?)",
                (plan.id, plan.person_id, plan.title, now_ms),
            )
            await db.execute(
                "INSERT INTO plan_documents (doc_id, plan_id, audience, registered_by,"
                " created_at_ms) VALUES (?, ?, 'everyone', ?, ?)",
                (plan.document_id, plan.id, plan.person_id, now_ms),
            )
            await db.execute(
                "INSERT INTO members (plan_id, account_id, role, joined_at_ms) VALUES (?, ?, ?, ?)",
                (plan.id, plan.person_id, Role.PERSON, now_ms),
            )
            await _audit(
                db,
                AuditEntry(
                    plan_id=plan.id,
                    by_account=plan.person_id,
                    action="create-plan",
                    subject=plan.person_id,
                ),
                now_ms,
            )
            return True

        return await self._db.transact(work)

    async def plans_of(self, account_id: str) -> list[tuple[PlanRow, Role]]:
        rows = await self._db.fetch(
            f"{_PLAN_COLUMNS}, m.role FROM plans p JOIN members m ON m.plan_id = p.id"
            " WHERE m.account_id = ? AND m.revoked_at_ms IS NULL ORDER BY p.created_at_ms",
            (account_id,),
        )
        return [(self._plan(r), Role(r[5])) for r in rows]

    async def plan(self, plan_id: str) -> PlanRow | None:
        rows = await self._db.fetch(
            f"{_PLAN_COLUMNS} FROM plans p WHERE p.id = ?",
            (plan_id,),
        )
        return self._plan(rows[0]) if rows else None

    @staticmethod
    def _plan(row: tuple[object, ...]) -> PlanRow:
        return PlanRow(
            id=str(row[0]),
            person_id=str(row[1]),
            title=str(row[2]),
            document_id=str(row[3]),
            person_name=None if row[4] is None else str(row[4]),
        )

    async def role_of(self, plan_id: str, account_id: str) -> Role | None:
        rows = await self._db.fetch(
            "SELECT role FROM members"
            " WHERE plan_id = ? AND account_id = ? AND revoked_at_ms IS NULL",
            (plan_id, account_id),
        )
        return Role(rows[0][0]) if rows else None

    async def register_document(self, document: DocumentRow, by: str, now_ms: int) -> bool:
        async def work(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO plan_documents (doc_id, plan_id, audience, registered_by,"
                " created_at_ms) VALUES (?, ?, ?, ?, ?)",
                (document.document_id, document.plan_id, document.audience, by, now_ms),
            )
            registered = cursor.rowcount == 1
            if registered:
                await _audit(
                    db,
                    AuditEntry(
                        plan_id=document.plan_id,
                        by_account=by,
                        action="register-document",
                        subject=document.document_id,
                        detail=document.audience,
                    ),
                    now_ms,
                )

            return registered

        return await self._db.transact(work)

    async def document(self, document_id: str) -> DocumentRow | None:
        rows = await self._db.fetch(
            "SELECT doc_id, plan_id, audience FROM plan_documents WHERE doc_id = ?", (document_id,)
        )
        return self._document(rows[0]) if rows else None

    async def documents_of(self, plan_id: str) -> list[DocumentRow]:
        rows = await self._db.fetch(
            "SELECT doc_id, plan_id, audience FROM plan_documents WHERE plan_id = ?"
            " ORDER BY created_at_ms, doc_id",
            (plan_id,),
        )
        return [self._document(r) for r in rows]

    @staticmethod
    def _document(row: tuple[object, ...]) -> DocumentRow:
        return DocumentRow(document_id=str(row[0]), plan_id=str(row[1]), audience=str(row[2]))

    async def members(self, plan_id: str) -> list[MemberRow]:
        rows = await self._db.fetch(
            "SELECT m.account_id, a.display_name, m.role FROM members m"
            " JOIN accounts a ON a.id = m.account_id"
            " WHERE m.plan_id = ? AND m.revoked_at_ms IS NULL ORDER BY m.joined_at_ms",
            (plan_id,),
        )
        return [
            MemberRow(account_id=str(r[0]), display_name=str(r[1]), role=Role(r[2])) for r in rows
        ]

    async def create_invite(
        self, code_hash: bytes, plan_id: str, role: Role, by: str, now_ms: int, expires_at_ms: int
    ) -> None:
        async def write(db: aiosqlite.Connection) -> None:
            await db.execute(
                "INSERT INTO invites (code_hash, plan_id, role, created_by, created_at_ms,"
                " expires_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
                (code_hash, plan_id, role, by, now_ms, expires_at_ms),
            )
            await _audit(
                db, AuditEntry(plan_id=plan_id, by_account=by, action="invite", detail=role), now_ms
            )

        await self._db.write(write)

    async def accept_invite(
        self, code_hash: bytes, account_id: str, now_ms: int
    ) -> tuple[str, Role] | AlreadyMember | None:
        async def work(db: aiosqlite.Connection) -> tuple[str, Role] | AlreadyMember | None:
            member = list(
                await db.execute_fetchall(
                    "SELECT m.plan_id, m.role FROM invites i JOIN members m"
                    " ON m.plan_id = i.plan_id AND m.account_id = ? AND m.revoked_at_ms IS NULL"
                    " WHERE i.code_hash = ? AND i.used_by IS NULL AND i.expires_at_ms > ?",
                    (account_id, code_hash, now_ms),
                )
            )
            if member:
                return AlreadyMember(plan_id=str(member[0][0]), role=Role(member[0][1]))
            rows = list(
                await db.execute_fetchall(
                    "UPDATE invites SET used_by = ?, used_at_ms = ?"
                    " WHERE code_hash = ? AND used_by IS NULL AND expires_at_ms > ?"
                    " RETURNING plan_id, role",
                    (account_id, now_ms, code_hash, now_ms),
                )
            )
            if not rows:
                return None
            plan_id, role = str(rows[0][0]), Role(rows[0][1])
            before = list(
                await db.execute_fetchall(
                    "SELECT role FROM members WHERE plan_id = ? AND account_id = ?",
                    (plan_id, account_id),
                )
            )
            # An active member keeps the role they have (the person cannot demote themselves
            # by accepting their own invite); a revoked member comes back with the new role.
            cursor = await db.execute(
                "INSERT INTO members (plan_id, account_id, role, joined_at_ms) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (plan_id, account_id) DO UPDATE SET role = excluded.role,"
                " joined_at_ms = excluded.joined_at_ms, revoked_at_ms = NULL"
                " WHERE members.revoked_at_ms IS NOT NULL",
                (plan_id, account_id, role, now_ms),
            )
            if cursor.rowcount == 1:
                previous = Role(before[0][0]) if before else None
                await membership_event(
                    db,
                    plan_id,
                    "joined",
                    account_id,
                    account_id,
                    role,
                    now_ms,
                    previous_role=None if previous == role else previous,
                )
            await _audit(
                db,
                AuditEntry(
                    plan_id=plan_id,
                    by_account=account_id,
                    action="accept-invite",
                    subject=account_id,
                    detail=role,
                ),
                now_ms,
            )
            current = list(
                await db.execute_fetchall(
                    "SELECT role FROM members WHERE plan_id = ? AND account_id = ?",
                    (plan_id, account_id),
                )
            )
            return plan_id, Role(current[0][0])

        return await self._db.transact(work)

    async def view_invite(
        self, code_hash: bytes, account_id: str, now_ms: int
    ) -> InviteView | None:
        rows = await self._db.fetch(
            "SELECT a.display_name, i.role, i.expires_at_ms, m.role FROM invites i"
            " JOIN plans p ON p.id = i.plan_id JOIN accounts a ON a.id = p.person_id"
            " LEFT JOIN members m ON m.plan_id = i.plan_id AND m.account_id = ?"
            " AND m.revoked_at_ms IS NULL"
            " WHERE i.code_hash = ? AND i.used_by IS NULL AND i.expires_at_ms > ?",
            (account_id, code_hash, now_ms),
        )
        if not rows:
            return None
        r = rows[0]
        return InviteView(
            person_name=str(r[0]),
            role=Role(r[1]),
            expires_at_ms=int(r[2]),
            your_role=None if r[3] is None else Role(r[3]),
        )

    async def pending_invites(self, plan_id: str, now_ms: int) -> list[InviteRow]:
        rows = await self._db.fetch(
            "SELECT code_hash, role, created_at_ms, expires_at_ms FROM invites"
            " WHERE plan_id = ? AND used_by IS NULL AND expires_at_ms > ?"
            " ORDER BY created_at_ms, code_hash",
            (plan_id, now_ms),
        )
        return [
            InviteRow(
                code_hash=bytes(r[0]),
                role=Role(r[1]),
                created_at_ms=int(r[2]),
                expires_at_ms=int(r[3]),
            )
            for r in rows
        ]

    async def cancel_invite(self, plan_id: str, code_hash: bytes, by: str, now_ms: int) -> bool:
        async def work(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "DELETE FROM invites WHERE plan_id = ? AND code_hash = ? AND used_by IS NULL",
                (plan_id, code_hash),
            )
            cancelled = cursor.rowcount == 1
            if cancelled:
                await _audit(
                    db, AuditEntry(plan_id=plan_id, by_account=by, action="cancel-invite"), now_ms
                )
            return cancelled

        return await self._db.transact(work)

    async def revoke_member(self, plan_id: str, account_id: str, by: str, now_ms: int) -> bool:
        async def work(db: aiosqlite.Connection) -> bool:
            roles = list(
                await db.execute_fetchall(
                    "UPDATE members SET revoked_at_ms = ? WHERE plan_id = ? AND account_id = ?"
                    " AND revoked_at_ms IS NULL AND role != ? RETURNING role",
                    (now_ms, plan_id, account_id, Role.PERSON),
                )
            )
            revoked = len(roles) == 1
            if revoked:
                await membership_event(
                    db, plan_id, "removed", account_id, by, Role(roles[0][0]), now_ms
                )
                await _audit(
                    db,
                    AuditEntry(
                        plan_id=plan_id, by_account=by, action="revoke-member", subject=account_id
                    ),
                    now_ms,
                )

            return revoked

        return await self._db.transact(work)

    async def changes(self, document_ids: list[str]) -> list[ChangeRow]:
        return await self._change_rows("c.doc_id IN ({marks})", document_ids)

    async def first_changes_by_actor(self, document_ids: list[str]) -> list[ChangeRow]:
        return await self._change_rows(
            "c.log_id IN (SELECT MIN(log_id) FROM changes WHERE doc_id IN ({marks})"
            " GROUP BY actor)",
            document_ids,
        )

    async def _change_rows(self, where: str, document_ids: list[str]) -> list[ChangeRow]:
        if not document_ids:
            return []
        marks = ",".join("?" * len(document_ids))
        # `where` is one of the constant conditions above; the f-string adds only "?" marks
        # and every value is a parameter. A deleted account (a former member) keeps its id
        # on its changes, and has no name.
        rows = await self._db.fetch(
            "SELECT c.hash, c.doc_id, c.actor, c.seq, c.account_id, a.display_name, c.role,"  # noqa: S608
            " c.change_time_ms, c.received_at_ms FROM changes c"
            " LEFT JOIN accounts a ON a.id = c.account_id AND a.deleted_at_ms IS NULL"
            f" WHERE {where.format(marks=marks)} ORDER BY c.log_id",
            document_ids,
        )
        return [
            ChangeRow(
                hash=bytes(r[0]),
                document_id=str(r[1]),
                actor=bytes(r[2]),
                seq=int(r[3]),
                account_id=r[4],
                display_name=r[5],
                role=None if r[6] is None else Role(r[6]),
                change_time_ms=int(r[7]),
                received_at_ms=int(r[8]),
            )
            for r in rows
        ]

    async def membership_events(self, plan_id: str) -> list[MembershipEventRow]:
        # A deleted account keeps its id on the events, and has no name.
        rows = await self._db.fetch(
            "SELECT e.kind, e.subject_id, s.display_name, e.by_account, b.display_name, e.role,"
            " e.previous_role, e.at_ms FROM membership_events e"
            " LEFT JOIN accounts s ON s.id = e.subject_id AND s.deleted_at_ms IS NULL"
            " LEFT JOIN accounts b ON b.id = e.by_account AND b.deleted_at_ms IS NULL"
            " WHERE e.plan_id = ? ORDER BY e.id",
            (plan_id,),
        )
        return [
            MembershipEventRow(
                kind=str(r[0]),
                subject_id=str(r[1]),
                subject_name=r[2],
                by_id=str(r[3]),
                by_name=r[4],
                role=Role(r[5]),
                previous_role=None if r[6] is None else Role(r[6]),
                at_ms=int(r[7]),
            )
            for r in rows
        ]

    async def audit(self, entry: AuditEntry, now_ms: int) -> None:
        async def write(db: aiosqlite.Connection) -> None:
            await _audit(db, entry, now_ms)

        await self._db.write(write)
