"""HTTP bodies of the review API (docs/review-api.md)."""

from datetime import datetime
from typing import Literal

import msgspec

from server.roles import Role

EntryKind = Literal[
    "added",
    "edited",
    "removed",
    "restored",
    "proposed",
    "proposal-edited",
    "accepted",
    "declined",
    "withdrawn",
    "reviewed",
]
ConflictKind = Literal["concurrent-edits", "edit-and-removal"]
MembershipKind = Literal["joined", "removed", "left"]


class Review(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    id: str
    """The review-log item id."""
    document_id: str
    reviewer_id: str | None
    reviewer_name: str | None
    note: str
    next_review: str | None
    reviewed_at: datetime
    """signoff.at: the reviewer's clock."""
    received_at: datetime
    """When the server stored the sign-off."""
    heads: dict[str, list[str]]


class Text(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    text: str
    phone: str | None


class Entry(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    kind: EntryKind
    document_id: str
    section_id: str
    section_title: str
    item_id: str
    """The proposal id for proposals."""
    before: Text | None
    after: Text | None
    change_time: datetime | None
    """The change's own time: the author's device clock; null if it carries none."""
    received_at: datetime
    hash: str


class Version(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    user_id: str | None
    display_name: str | None
    role: Role | None
    text: Text | None
    removed: bool
    change_time: datetime | None
    """As Entry.change_time: null if the change carries no time."""
    received_at: datetime
    hash: str


class Conflict(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    kind: ConflictKind
    document_id: str
    section_id: str
    section_title: str
    item_id: str
    base: Text | None
    versions: list[Version]
    merged: Text
    removed: bool


class PersonChanges(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    user_id: str | None
    display_name: str | None
    role: Role | None
    entries: list[Entry]


class MembershipEvent(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    """Someone joined or left the plan: it changed who saw it."""

    kind: MembershipKind
    """joined (accepted an invitation), removed (by the person), left (deleted their
    account)."""
    user_id: str
    display_name: str | None
    """None once their account is deleted."""
    role: Role
    """Their role from then on (joined), or until then (removed, left)."""
    previous_role: Role | None
    """joined: the role they had before they were last removed, if it was another."""
    by_id: str
    by_name: str | None
    at: datetime
    """The server's clock."""


class Digest(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    since: Review | None
    until: dict[str, list[str]]
    """The current heads: what a sign-off of this digest covers."""
    conflicts: list[Conflict]
    people: list[PersonChanges]
    membership: list[MembershipEvent]
    """Who joined or left since the review (by the server's clock: after it stored the
    sign-off), oldest first."""
