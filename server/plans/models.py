"""HTTP bodies of plans, documents, invites, members and attribution."""

from datetime import datetime

import msgspec


class PlanCreate(msgspec.Struct, kw_only=True, rename="camel"):
    document_id: str
    title: str


class Plan(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    id: str
    document_id: str
    title: str
    role: str


class PlanDocumentCreate(msgspec.Struct, kw_only=True, rename="camel"):
    document_id: str
    audience: str


class PlanDocument(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    document_id: str
    audience: str


class InviteCreate(msgspec.Struct, kw_only=True, rename="camel"):
    role: str


class Invite(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    code: str
    role: str
    expires_at: datetime


class InviteAccepted(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    plan_id: str
    role: str


class Member(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    user_id: str
    display_name: str
    role: str


class Contributor(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    actor_id: str
    user_id: str | None
    display_name: str | None
    role: str | None


class Change(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    hash: str
    document_id: str
    actor_id: str
    seq: int
    user_id: str | None
    display_name: str | None
    role: str | None
    change_time: datetime
    """The change's own timestamp: the author's device clock, not verified."""
    received_at: datetime
