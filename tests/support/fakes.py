"""Fakes behind our own ports: a socket transport, and stores whose commits or loads a test
releases."""

import asyncio
from collections.abc import Callable

import cbor2

from server.ids import DocumentId
from server.storage.memory import MemoryDocumentStore
from server.storage.protocol import ChangeRecord, StoredDocument


class RecordingTransport:
    """A Transport that keeps every frame; `received` wakes waiters on each one."""

    def __init__(self) -> None:
        self.frames: list[dict[str, object]] = []
        self.observe: Callable[[], object] | None = None
        """Called as each frame is handed over; its answers go to `observed`."""
        self.observed: list[object] = []
        self.closed: tuple[int, str] | None = None
        self.aborted = False
        self.received = asyncio.Condition()

    async def send_bytes(self, data: bytes) -> None:
        # Recorded before the lock is taken: a frame the connection has dequeued is always
        # visible in `frames`, even while a reader holds the lock (tests infer "nothing is
        # coming" from an empty outbox and no unseen frame).
        self.frames.append(cbor2.loads(data))
        if self.observe is not None:
            self.observed.append(self.observe())
        async with self.received:
            self.received.notify_all()

    async def close(self, code: int, reason: str) -> None:
        async with self.received:
            self.closed = (code, reason)
            self.received.notify_all()

    def abort(self) -> None:
        self.aborted = True

    async def wait_for(self, count: int) -> list[dict[str, object]]:
        async with self.received:
            await asyncio.wait_for(self.received.wait_for(lambda: len(self.frames) >= count), 5)
        return self.frames


class GatedStore(MemoryDocumentStore):
    """A MemoryDocumentStore whose appends wait until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.appends_waiting = 0
        self.append_started = asyncio.Event()

    async def append_changes(self, document_id: DocumentId, changes: list[ChangeRecord]) -> int:
        self.appends_waiting += 1
        self.append_started.set()
        await self.gate.wait()
        self.appends_waiting -= 1
        return await super().append_changes(document_id, changes)


class LoadGatedStore(MemoryDocumentStore):
    """A MemoryDocumentStore whose loads wait until the test opens the gate; `loads` counts
    them."""

    def __init__(self) -> None:
        super().__init__()
        self.load_gate = asyncio.Event()
        self.load_started = asyncio.Event()
        self.loads = 0

    async def load(self, document_id: DocumentId) -> StoredDocument | None:
        self.loads += 1
        self.load_started.set()
        await self.load_gate.wait()
        return await super().load(document_id)
