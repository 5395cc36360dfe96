"""Ports the sync server needs from persistence. Adapters: sqlite.py, memory.py, postgres*.py.

Document data is an append-only log of Automerge change chunks plus at most one snapshot
(`doc.save()`) per document. A snapshot covers every log entry up to a log position; the
bytes of covered entries may be dropped, but their rows (who, when) are never deleted.
"""

from typing import Protocol

import msgspec

from server.errors import StorageError
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


class ActorTaken(StorageError):
    """A change's actor id is bound to another account in the database: nothing was stored.

    Raised by `append_changes` where several processes share the database (each one's
    bindings in memory may lag behind the others'): the database decides, and the loser
    of a race is refused.
    """

    def __init__(self, owners: dict[bytes, str]) -> None:
        super().__init__("a change is signed by an actor id that belongs to another account")
        self.owners = owners
        """Every actor of the refused changes and the account the database binds it to."""


class ChangesAfter(msgspec.Struct, frozen=True):
    """What `ChangeFeed.changes_after` returns: what the document gained after a position."""

    changes: list[bytes]
    """Change chunks logged after the position, oldest first."""
    log_position: int
    """The position they reach (the given one if there are none)."""
    whole: bytes | None = None
    """Instead of `changes`: the stored document (snapshot and later changes), when a
    snapshot newer than the position compacted the rows after it."""


class FeedListener(Protocol):
    """What a change feed tells the process (implemented in server/sync/cluster.py)."""

    def document_changed(
        self,
        document_id: DocumentId,
        log_position: int,
        previous: int,
        own: bool,
        changes: list[bytes] | None = None,
    ) -> None:
        """Committed changes of the document reach `log_position` now.

        `previous`: the document's position before that commit; `own`: this process made it;
        `changes`: the change chunks logged between the two positions, when the feed carries
        them (None: read them, `ChangeFeed.changes_after`).
        """
        ...

    def access_changed(self, event: bytes) -> None:
        """Another process published an access event (`ChangeFeed.publish_access`)."""
        ...

    def resumed(self) -> None:
        """The feed was interrupted and may have missed events: catch up from the log."""
        ...


class ChangeFeed(Protocol):
    """Committed changes and access events of the processes sharing the database."""

    @property
    def shared(self) -> bool:
        """Other processes may write the same documents: positions come from the feed."""
        ...

    async def start(self, listener: FeedListener) -> None:
        """Listen from now on (returns once listening)."""
        ...

    async def changes_after(self, document_id: DocumentId, log_position: int) -> ChangesAfter:
        """Everything committed for the document after `log_position`."""
        ...

    async def publish_access(self, event: bytes) -> None:
        """Tell every other process (`FeedListener.access_changed`)."""
        ...

    def state(self) -> str | None:
        """None while listening; otherwise why not."""
        ...

    async def close(self) -> None: ...
