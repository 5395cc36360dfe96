"""In-memory DocumentStore: the fake for tests; passes the same contract suite as SQLite."""

import msgspec

from server.ids import DocumentId
from server.storage.protocol import ChangeRecord, LoggedChange, StoredDocument


class _Row(msgspec.Struct):
    position: int
    record: ChangeRecord
    data: bytes | None


class MemoryDocumentStore:
    def __init__(self) -> None:
        self._position = 0
        self._logs: dict[DocumentId, list[_Row]] = {}
        self._hashes: dict[DocumentId, set[bytes]] = {}
        self._snapshots: dict[DocumentId, tuple[bytes, int]] = {}
        self._meta: dict[str, str] = {}
        self._actors: dict[bytes, str] = {}
        self._closed = False
        self.quarantined: dict[DocumentId, dict[bytes, tuple[bytes, str]]] = {}

    async def append_changes(self, document_id: DocumentId, changes: list[ChangeRecord]) -> int:
        self._check_open()
        log = self._logs.setdefault(document_id, [])
        seen = self._hashes.setdefault(document_id, set())
        for change in changes:
            if change.account_id is not None:
                self._actors.setdefault(change.actor, change.account_id)
            if change.hash not in seen:
                seen.add(change.hash)
                self._position += 1
                log.append(_Row(self._position, change, change.data))
        return self._position

    async def load(self, document_id: DocumentId) -> StoredDocument | None:
        self._check_open()
        snapshot, covered = self._snapshots.get(document_id, (b"", 0))
        rows = [r for r in self._logs.get(document_id, []) if r.position > covered]
        data = snapshot + b"".join(r.data for r in rows if r.data is not None)
        if not data:
            return None
        return StoredDocument(data, max([covered, *(r.position for r in rows)]))

    async def save_snapshot(self, document_id: DocumentId, data: bytes, log_position: int) -> None:
        self._check_open()
        _, covered = self._snapshots.get(document_id, (b"", 0))
        if log_position < covered:
            return  # an older snapshot arriving late must not replace a newer one
        self._snapshots[document_id] = (data, log_position)
        for row in self._logs.get(document_id, []):
            if row.position <= log_position:
                row.data = None

    async def list_changes(self, document_id: DocumentId) -> list[LoggedChange]:
        self._check_open()
        return [
            LoggedChange(
                hash=r.record.hash,
                actor=r.record.actor,
                seq=r.record.seq,
                change_time_ms=r.record.change_time_ms,
                received_at_ms=r.record.received_at_ms,
                peer_id=r.record.peer_id,
                account_id=r.record.account_id,
                role=r.record.role,
            )
            for r in self._logs.get(document_id, [])
        ]

    async def actor_bindings(self) -> dict[bytes, str]:
        self._check_open()
        return dict(self._actors)

    async def snapshotted_documents(self) -> list[DocumentId]:
        self._check_open()
        return sorted(self._snapshots)

    async def quarantine(
        self, document_id: DocumentId, changes: list[tuple[bytes, bytes]], reason: str
    ) -> None:
        self._check_open()
        kept = self.quarantined.setdefault(document_id, {})
        for hash_, data in changes:
            kept.setdefault(hash_, (data, reason))

    async def get_meta(self, key: str) -> str | None:
        self._check_open()
        return self._meta.get(key)

    async def set_meta(self, key: str, value: str) -> None:
        self._check_open()
        self._meta[key] = value

    async def close(self) -> None:
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("store is closed")
