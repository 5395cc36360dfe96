"""Ports for accounts, credentials and plans (adapter: sqlite_records.py).

Rows are plain Structs; the rules (who may do what) live in the feature services.
"""

from typing import Protocol

import msgspec

from server.roles import Role


class AccountRow(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    email: str
    display_name: str
    password_hash: str


class CredentialRow(msgspec.Struct, frozen=True, kw_only=True):
    """A live session or device token: whose it is, and which one (to revoke connections)."""

    id: str
    account_id: str
    kind: str  # "session" | "token"
    expires_at_ms: int | None


class DeviceRow(msgspec.Struct, frozen=True, kw_only=True):
    """A live session or device token as "My devices" lists it."""

    id: str
    kind: str  # "session" | "token"
    label: str | None
    """A token's label; a session's browser (None for sessions made before migration 10)."""
    created_at_ms: int
    last_used_at_ms: int | None
    expires_at_ms: int | None


def device_row(row: tuple[object, ...]) -> DeviceRow:
    """A DeviceRow from (id, kind, label, created, last used, expires), as both adapters read."""
    id_, kind, label, created, last_used, expires = row
    return DeviceRow(
        id=str(id_),
        kind=str(kind),
        label=None if label is None else str(label),
        created_at_ms=int(str(created)),
        last_used_at_ms=None if last_used is None else int(str(last_used)),
        expires_at_ms=None if expires is None else int(str(expires)),
    )


class PasswordReset(msgspec.Struct, frozen=True, kw_only=True):
    """A password reset made: the account, and the credentials it ended (to close sockets)."""

    account_id: str
    email: str
    ended_credential_ids: list[str]


class PlanRow(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    person_id: str
    title: str
    document_id: str
    """The plan's first document (audience "everyone"), registered with the plan."""
    person_name: str | None = None
    """The person's display name (read only; not written by `create_plan`)."""


class DocumentRow(msgspec.Struct, frozen=True, kw_only=True):
    document_id: str
    plan_id: str
    audience: str


class MemberRow(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    display_name: str
    role: Role


class ChangeRow(msgspec.Struct, frozen=True, kw_only=True):
    hash: bytes
    document_id: str
    actor: bytes
    seq: int
    account_id: str | None
    display_name: str | None
    role: Role | None
    change_time_ms: int
    received_at_ms: int


class ReviewRow(msgspec.Struct, frozen=True, kw_only=True):
    """A clinician's sign-off (docs/plan-document.md), as mirrored from the document."""

    id: str
    plan_id: str
    document_id: str
    reviewer_id: str
    note: str
    next_review: str | None
    reviewed_at_ms: int
    received_at_ms: int
    heads: dict[str, list[str]]
    change_hash: str
    """The change that made the sign-off (hex): reviewed along with what `heads` cover."""


class MembershipEventRow(msgspec.Struct, frozen=True, kw_only=True):
    """Someone joined or left a plan (table membership_events, migration 0007)."""

    kind: str
    """"joined", "removed" (by the person) or "left" (the account was deleted)."""
    subject_id: str
    subject_name: str | None
    """None once the account is deleted."""
    by_id: str
    by_name: str | None
    role: Role
    """Their role from then on (joined), or until then (removed, left)."""
    previous_role: Role | None
    """joined: the role they had before they were last removed, if it was another."""
    at_ms: int


class InviteRow(msgspec.Struct, frozen=True, kw_only=True):
    """A pending invite (unused, unexpired); the code itself is never stored, only its hash."""

    code_hash: bytes
    role: Role
    created_at_ms: int
    expires_at_ms: int


class InviteView(msgspec.Struct, frozen=True, kw_only=True):
    """What an invite's holder may know before accepting it."""

    person_name: str
    role: Role
    expires_at_ms: int
    your_role: Role | None
    """The asking account's role in the plan now, if it is a member already."""


class AlreadyMember(msgspec.Struct, frozen=True, kw_only=True):
    """Accepting was refused: the account is an active member of the invite's plan already."""

    plan_id: str
    role: Role


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    plan_id: str
    by_account: str
    action: str
    subject: str | None = None
    detail: str | None = None


class AccountRecords(Protocol):
    async def create_account(self, account: AccountRow, now_ms: int) -> bool:
        """False if the email is taken (case-insensitively)."""
        ...

    async def account_by_email(self, email: str) -> AccountRow | None: ...

    async def account(self, account_id: str) -> AccountRow | None: ...

    async def create_credential(
        self, credential: CredentialRow, secret_hash: bytes, label: str, now_ms: int
    ) -> None: ...

    async def credential(self, secret_hash: bytes, now_ms: int) -> CredentialRow | None:
        """The live (unexpired, unrevoked) credential with this secret, if any."""
        ...

    async def end_session(self, secret_hash: bytes) -> str | None:
        """Delete the session; return its id if it existed."""
        ...

    async def revoke_token(self, token_id: str, account_id: str, now_ms: int) -> bool: ...

    async def devices(self, account_id: str, now_ms: int) -> list[DeviceRow]:
        """The account's live sessions and device tokens, most recently made first."""
        ...

    async def end_device(self, account_id: str, credential_id: str, now_ms: int) -> bool:
        """End the account's session (deleted) or token (revoked); False if it has no such."""
        ...

    async def touch_credential(self, credential_id: str, now_ms: int) -> None:
        """Note that the session or token was used now."""
        ...

    async def create_password_reset(
        self, token_hash: bytes, account_id: str, now_ms: int, expires_at_ms: int
    ) -> None: ...

    async def password_reset_account(self, token_hash: bytes, now_ms: int) -> str | None:
        """The account of an unused, unexpired reset token, if any (nothing is changed)."""
        ...

    async def reset_password(
        self, token_hash: bytes | None, account_id: str, password_hash: str, now_ms: int
    ) -> PasswordReset | None:
        """Set the password and end every session and token of the account, at once.

        With a token: only if it is the account's, unused and unexpired; it is used up, and
        so is every other pending reset of the account. None if it is not (or the account
        is gone). Without (an operator's reset): every pending reset is used up too.
        """
        ...


class PlanRecords(Protocol):
    async def create_plan(self, plan: PlanRow, now_ms: int) -> bool:
        """Create the plan, its first document and its person. False if the doc is taken."""
        ...

    async def plans_of(self, account_id: str) -> list[tuple[PlanRow, Role]]:
        """Plans the account is an active member of, with its role in each."""
        ...

    async def plan(self, plan_id: str) -> PlanRow | None: ...

    async def role_of(self, plan_id: str, account_id: str) -> Role | None:
        """The account's active role in the plan, None if not (or no longer) a member."""
        ...

    async def register_document(self, document: DocumentRow, by: str, now_ms: int) -> bool: ...

    async def document(self, document_id: str) -> DocumentRow | None: ...

    async def documents_of(self, plan_id: str) -> list[DocumentRow]: ...

    async def members(self, plan_id: str) -> list[MemberRow]: ...

    async def create_invite(
        self, code_hash: bytes, plan_id: str, role: Role, by: str, now_ms: int, expires_at_ms: int
    ) -> None: ...

    async def accept_invite(
        self, code_hash: bytes, account_id: str, now_ms: int
    ) -> tuple[str, Role] | AlreadyMember | None:
        """Use the invite once: make the account a member. (plan id, role), or None.

        An active member of the plan (its person included) does not use it: AlreadyMember.
        """
        ...

    async def view_invite(
        self, code_hash: bytes, account_id: str, now_ms: int
    ) -> InviteView | None:
        """A pending invite, as its holder sees it; None if unknown, used or expired."""
        ...

    async def pending_invites(self, plan_id: str, now_ms: int) -> list[InviteRow]:
        """The plan's unused, unexpired invites, oldest first."""
        ...

    async def cancel_invite(self, plan_id: str, code_hash: bytes, by: str, now_ms: int) -> bool:
        """Delete a pending invite of the plan; False if there is none with that hash."""
        ...

    async def revoke_member(self, plan_id: str, account_id: str, by: str, now_ms: int) -> bool: ...

    async def changes(self, document_ids: list[str]) -> list[ChangeRow]:
        """Every logged change of these documents, oldest first, with who sent it."""
        ...

    async def first_changes_by_actor(self, document_ids: list[str]) -> list[ChangeRow]:
        """Each actor's first logged change in these documents: who the actor is."""
        ...

    async def membership_events(self, plan_id: str) -> list[MembershipEventRow]:
        """Who joined and left the plan, oldest first (the person's own start is not one)."""
        ...

    async def audit(self, entry: AuditEntry, now_ms: int) -> None: ...


class ReviewRecords(Protocol):
    async def save_reviews(self, rows: list[ReviewRow]) -> None:
        """Insert or replace these sign-offs (keyed by plan and id); none is ever deleted."""
        ...

    async def reviews(self, plan_id: str) -> list[tuple[ReviewRow, str | None]]:
        """The plan's sign-offs with the reviewer's display name, oldest first."""
        ...


class Records(AccountRecords, PlanRecords, Protocol):
    """Both, as each database adapter offers them on one object."""


class DocumentActivity(msgspec.Struct, frozen=True, kw_only=True):
    """A document's change log in figures: read from the `changes` table, never the bytes."""

    document_id: str
    changes: int
    """Every change row of the document (rows are never deleted: a version of it)."""
    changes_after: int
    """Rows received after the given time (the latest review's)."""
    last_received_ms: int | None


class DocumentCounts(msgspec.Struct, frozen=True, kw_only=True):
    """Figures read from a document, with the number of its change rows they were read from."""

    document_id: str
    changes: int
    """Its change rows, counted before the document was read: the figures are current while
    it has exactly this many (rows are never deleted), stale as soon as one more is stored."""
    pending_suggestions: int


class CaseloadRecords(Protocol):
    """A clinician's caseload in a few queries, whatever the number of plans.

    Adapters: sqlite_caseload.py, postgres_caseload.py.
    """

    async def documents_of_plans(self, plan_ids: list[str]) -> list[DocumentRow]: ...

    async def latest_reviews(self, plan_ids: list[str]) -> dict[str, ReviewRow]:
        """Each plan's latest sign-off (in the order `ReviewRecords.reviews` lists them)."""
        ...

    async def activity(self, after_ms: dict[str, int]) -> list[DocumentActivity]:
        """For each document (id: time in ms), its change rows; those with none are left out."""
        ...

    async def counts(self, document_ids: list[str]) -> dict[str, DocumentCounts]:
        """The figures kept for these documents, by id; those never counted are left out."""
        ...

    async def save_counts(self, counts: list[DocumentCounts]) -> None:
        """Keep these figures, unless those kept for a document were read from more rows."""
        ...
