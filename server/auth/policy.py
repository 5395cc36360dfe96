"""The access policy every sync message naming a document passes, and access events.

The sync hub asks `grant()` for every message that names a document, before anything is
applied, stored or relayed. `OpenPolicy` (no accounts) allows everything and says so
(`enforced = False`): the server then binds to loopback only. Changes a grant lets its holder
write still pass `ChangeRules` (the plan template's write and shape rules, implemented in
`plans/change_rules.py`), so the sync hub never imports the plans feature.
"""

import enum
from collections.abc import Awaitable, Callable
from typing import Protocol

import msgspec

from server.crdt.engine import LiveDocument
from server.crdt.patches import Touch
from server.ids import DocumentId
from server.roles import Role


class Access(enum.IntEnum):
    NONE = 0
    READ = 1
    WRITE = 2


class Identity(msgspec.Struct, frozen=True):
    """Who is on the other end of a connection, as established when it was opened."""

    account_id: str | None = None
    credential_id: str | None = None
    """The session or device token it used: revoking that closes the connection."""
    expires_at_ms: int | None = None
    """When that credential ends (None: never); the connection is closed then."""


class Grant(msgspec.Struct, frozen=True):
    access: Access
    role: Role | None = None
    """The account's role in the document's plan (recorded with each change it sends)."""
    audience: str | None = None
    """The document's audience: its plan's write rules apply (None: no plans, no rules)."""


NO_ACCESS = Grant(Access.NONE)


class DocumentPolicy(Protocol):
    @property
    def enforced(self) -> bool:
        """False while the policy admits anyone: the server must not leave loopback then."""
        ...

    async def grant(self, identity: Identity, document_id: DocumentId) -> Grant:
        """What `identity` may do with the document now. Unknown documents: NO_ACCESS."""
        ...


class WrittenChanges(msgspec.Struct, frozen=True, kw_only=True):
    """A sync message's new changes, as the hub hands them to `ChangeRules`."""

    account_id: str | None
    """The writer's account."""
    document: LiveDocument
    """The document with the changes applied (a copy: the live one is untouched yet)."""
    touches: list[Touch]
    """Where they wrote (`LiveDocument.touched(heads_before)`)."""
    heads_before: list[bytes]
    """The document's heads before them (empty: the changes make a new document)."""
    written: list[bytes]
    """The heads of the changes alone: the document as their writer left it."""
    owns: Callable[[bytes], bool]
    """Is this actor id the writer's?"""
    document_id: DocumentId | None = None
    """The document written to (what happens after acceptance is keyed by it)."""
    stored: Callable[[], Awaitable[bool]] | None = None
    """Once accepted: waits for the changes' commit; False if it failed (nothing is stored)."""


class ChangeRules(Protocol):
    def refusal(self, grant: Grant, changes: WrittenChanges) -> str | None:
        """Why the document's rules refuse `changes` from the holder of `grant`, or None.

        Asked only for a grant with an audience (a plan document) and WRITE access.
        """
        ...


class AccessEvents(Protocol):
    """What the sync side must hear about at once (implemented by the sync hub)."""

    async def document_registered(self, document_id: DocumentId) -> None:
        """Peers that already asked for it and may now read it are synced."""
        ...

    def access_revoked(self, account_id: str, document_ids: list[DocumentId]) -> None:
        """The account's connections stop receiving these documents immediately."""
        ...

    def credential_revoked(self, credential_id: str, *, account_deleted: bool = False) -> None:
        """Connections opened with this session or token are closed, told why."""
        ...

    async def documents_deleted(self, document_ids: list[DocumentId]) -> None:
        """Every connection leaves these documents now and nothing of them stays in memory.

        Returns once the writes already under way for them are done.
        """
        ...


class OpenPolicy:
    """Everyone may read and write everything: the sync-server-only stage (no accounts)."""

    enforced = False

    async def grant(self, identity: Identity, document_id: DocumentId) -> Grant:
        return Grant(Access.WRITE)
