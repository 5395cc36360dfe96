"""Deleted documents leave the hub at once, and copies hold only what is stored."""

import asyncio

from automerge.core import Document

from server.crdt.engine import LiveDocument
from server.ids import DocumentId
from server.storage.memory import MemoryDocumentStore
from server.sync.documents import DocumentRegistry
from server.sync.hub import SyncHub
from tests.support.automerge_docs import document_with, new_document_id, put, read, records_of
from tests.support.fakes import GatedStore, LoadGatedStore
from tests.support.hub_peer import hub_on, upload_held_at_commit


async def test_a_deleted_document_leaves_memory_and_its_commit_in_flight_finishes_first(
    gated: tuple[SyncHub, GatedStore],
) -> None:
    hub, store = gated
    doc_id = new_document_id()
    writer = await upload_held_at_commit(hub, store, doc_id)
    state = hub.documents.peek(doc_id)
    assert state is not None

    deleting = asyncio.create_task(hub.documents_deleted([doc_id]))
    # Runs after the deletion's first step (scheduled before it): an implementation that
    # did not wait for the held commit would already be done, with the commit still held.
    asyncio.get_running_loop().call_soon(store.gate.set)
    await deleting

    assert store.appends_waiting == 0
    assert len(await store.list_changes(doc_id)) == 1
    assert hub.documents.peek(doc_id) is None
    assert state.dropped
    assert not state.subscribers
    assert doc_id not in writer.connection.subscriptions
    assert doc_id not in writer.connection.sync_states
    await writer.close()


class SnapshotRecordingStore(GatedStore):
    def __init__(self) -> None:
        super().__init__()
        self.snapshotted: list[DocumentId] = []

    async def save_snapshot(self, document_id: DocumentId, data: bytes, log_position: int) -> None:
        self.snapshotted.append(document_id)
        await super().save_snapshot(document_id, data, log_position)


async def test_a_dropped_document_is_never_snapshotted() -> None:
    store = SnapshotRecordingStore()
    store.gate.set()
    hub = hub_on(store)
    registry = hub.documents
    doc_id = new_document_id()
    writer = await upload_held_at_commit(hub, store, doc_id)
    await registry.drain()
    state = registry.peek(doc_id)
    assert state is not None
    assert state.unsnapshotted == 1

    await hub.documents_deleted([doc_id])
    state.snapshot()
    registry.snapshot_all()
    await registry.drain()

    assert store.snapshotted == []
    await writer.close()


async def test_a_document_deleted_while_it_loads_is_not_registered_afterwards() -> None:
    store = LoadGatedStore()
    registry = DocumentRegistry(store, memory_budget=1 << 30, snapshot_every=1000)
    doc_id = new_document_id()
    loading = asyncio.create_task(registry.get(doc_id))
    await store.load_started.wait()

    registry.drop(doc_id)
    store.load_gate.set()
    state = await loading

    assert state.dropped
    assert registry.peek(doc_id) is None
    assert len(registry) == 0


async def test_a_copy_waits_for_the_commit_and_holds_what_was_just_received(
    gated: tuple[SyncHub, GatedStore],
) -> None:
    hub, store = gated
    doc_id = new_document_id()
    writer = await upload_held_at_commit(hub, store, doc_id)

    copying = asyncio.create_task(hub.stored_document(doc_id))
    asyncio.get_running_loop().call_soon(store.gate.set)  # after the copy's first step
    data = await copying

    assert store.appends_waiting == 0
    assert data is not None
    copy = LiveDocument.load(data)
    assert copy.heads == list(writer.doc.get_heads())
    assert copy.to_json() == {"a": "1"}
    await writer.close()


async def test_a_copy_of_a_document_not_in_memory_comes_from_storage() -> None:
    store = MemoryDocumentStore()
    registry = DocumentRegistry(store, memory_budget=1 << 30, snapshot_every=1000)
    source = document_with({"a": "1"})
    put(source, "b", "2")
    doc_id = new_document_id()
    await store.append_changes(doc_id, records_of(source))

    data = await registry.stored(doc_id)
    nothing = await registry.stored(new_document_id())

    assert data is not None
    copy = LiveDocument.load(data)
    assert copy.heads == list(source.get_heads())
    assert copy.change_hashes() == {bytes(c.hash) for c in source.get_changes([])}
    assert read(Document.load(data), "b") == "2"
    assert nothing is None
    assert len(registry) == 0
