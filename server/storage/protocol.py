"""Ports the sync server needs from persistence. Adapters: sqlite.py, memory.py.

Document data is an append-only log of Automerge change chunks plus at most one snapshot
(`doc.save()`) per document. A snapshot covers every log entry up to a log position; the
bytes of covered entries may be dropped, but their rows (who, when) are never deleted.
"""

from typing import Protocol

import msgspec

from server.ids import DocumentId
from server.roles import Role


class ChangeRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One Automerge change as received, with what the server knows about its origin."""

    hash: bytes
    actor: bytes
    seq: int
    data: bytes
    change_time_ms: int
    """The change's own timestamp: the client's claim, never trusted for ordering."""
    received_at_ms: int
    peer_id: str | None = None
    account_id: str | None = None
    """The verified account whose connection delivered the change (None: no accounts)."""
    role: Role | None = None
    """That account's role in the document's plan when the change arrived."""


class StoredDocument(msgspec.Struct, frozen=True):
    """What `load` returns: bytes `Document.load` accepts, and the log position they reach."""

    data: bytes
    log_position: int


class LoggedChange(msgspec.Struct, frozen=True, kw_only=True):
    """A row of the change log, without the bytes."""

    hash: bytes
    actor: bytes
    seq: int
    change_time_ms: int
    received_at_ms: int
    peer_id: str | None
    account_id: str | None
    role: Role | None = None


class DocumentStore(Protocol):
    """Durable storage of Automerge documents as a change log with snapshots."""

    async def append_changes(self, document_id: DocumentId, changes: list[ChangeRecord]) -> int:
        """Durably append changes; return a log position covering them.

        Returns only once the changes are committed (fsync'd): callers acknowledge a change
        to peers only after this returns. Concurrent calls may be committed together. A
        change whose hash is already logged for the document is ignored.
        """
        ...

    async def load(self, document_id: DocumentId) -> StoredDocument | None:
        """Return the document's snapshot followed by every later change, or None if empty."""
        ...

    async def save_snapshot(self, document_id: DocumentId, data: bytes, log_position: int) -> None:
        """Store `data` (which contains every change up to `log_position`) as the snapshot.

        Compaction: log entries at or below `log_position` may then drop their bytes.
        """
        ...

    async def list_changes(self, document_id: DocumentId) -> list[LoggedChange]:
        """Every logged change of the document, oldest first (compacted ones included)."""
        ...

    async def actor_bindings(self) -> dict[bytes, str]:
        """Every Automerge actor id seen with an account, and that account."""
        ...

    async def snapshotted_documents(self) -> list[DocumentId]:
        """Every document that has a snapshot."""
        ...

    async def quarantine(
        self, document_id: DocumentId, changes: list[tuple[bytes, bytes]], reason: str
    ) -> None:
        """Keep (hash, bytes) of changes taken out of the document, with why, durably."""
        ...

    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...

    async def close(self) -> None: ...
