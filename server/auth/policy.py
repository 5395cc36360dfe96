"""The access policy every document-naming sync message passes through.

The sync hub asks `allows()` before anything is applied, stored or relayed (READ), and again
once it knows a message carries changes (WRITE). Until accounts exist, `OpenPolicy` allows
everything and says so (`enforced = False`): the server then binds to loopback only.
"""

import enum
from typing import Protocol

import msgspec

from server.ids import DocumentId


class Access(enum.Enum):
    READ = "read"
    WRITE = "write"


class Identity(msgspec.Struct, frozen=True):
    """Who is on the other end of a connection, as established when it was opened."""

    account_id: str | None = None


class DocumentPolicy(Protocol):
    @property
    def enforced(self) -> bool:
        """False while the policy admits anyone: the server must not leave loopback then."""
        ...

    async def allows(self, identity: Identity, document_id: DocumentId, access: Access) -> bool:
        """May `identity` read (sync, fetch, receive ephemeral) or write this document?"""
        ...


class OpenPolicy:
    """Everyone may read and write everything: the sync-server-only stage (no accounts yet)."""

    enforced = False

    async def allows(self, identity: Identity, document_id: DocumentId, access: Access) -> bool:
        return True
