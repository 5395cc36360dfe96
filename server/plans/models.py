"""HTTP bodies of plans, documents, invites, members and attribution."""

from datetime import datetime

import msgspec

from server.clock import known_time, utc
from server.roles import Role
from server.storage.records import ChangeRow


class PlanCreate(msgspec.Struct, kw_only=True, rename="camel"):
    document_id: str
    title: str


class Plan(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    id: str
    document_id: str
    title: str
    role: Role
    person_name: str | None = None
    """Whose plan it is: the person's display name (in `GET /api/plans`)."""


class PlanDocumentCreate(msgspec.Struct, kw_only=True, rename="camel"):
    document_id: str
    audience: str


class PlanDocument(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    document_id: str
    audience: str


class InviteCreate(msgspec.Struct, kw_only=True, rename="camel"):
    role: Role
    """One of `roles.INVITABLE` (the service refuses "person" with a 400 naming them)."""


class Invite(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    code: str
    role: Role
    expires_at: datetime
    id: str
    """The invite's id in `GET /api/plans/{planId}/invites` (the hex SHA-256 of its code)."""


class PendingInvite(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    """An invite not used yet and not expired. Its code is not stored, so it is not listed."""

    id: str
    role: Role
    created_at: datetime
    expires_at: datetime


class InviteAccept(msgspec.Struct, kw_only=True, rename="camel"):
    code: str
    """As typed: spaces, hyphens and case do not matter."""


class InvitePreview(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    """Whose plan an invite is for, shown before accepting it."""

    person_name: str
    role: Role
    expires_at: datetime
    your_role: Role | None
    """The caller's role in that plan if they are in it already ("person": their own plan)."""


class InviteAccepted(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    plan_id: str
    role: Role


class Member(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    user_id: str
    display_name: str
    role: Role


class Contributor(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    actor_id: str
    user_id: str | None
    display_name: str | None
    role: Role | None


class Change(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    hash: str
    document_id: str
    actor_id: str
    seq: int
    user_id: str | None
    display_name: str | None
    role: Role | None
    change_time: datetime | None
    """The change's own timestamp: the author's device clock, not verified; null when the
    change carries none."""
    received_at: datetime

    @classmethod
    def of(cls, row: ChangeRow) -> "Change":
        return cls(
            hash=row.hash.hex(),
            document_id=row.document_id,
            actor_id=row.actor.hex(),
            seq=row.seq,
            user_id=row.account_id,
            display_name=row.display_name,
            role=row.role,
            change_time=known_time(row.change_time_ms),
            received_at=utc(row.received_at_ms),
        )
