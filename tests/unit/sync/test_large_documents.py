"""Large documents are loaded and snapshotted without stalling other peers (hardening 9.7).

The binding holds the GIL for the whole of `load` and `save`. A document of `WORKER_BYTES`
or more is snapshotted (and read for export) in the document worker process; one of
`LOAD_IN_STEPS_BYTES` or more is taken apart there and the loop applies its changes a slice
at a time, answering other peers in between.
"""

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from automerge.core import Document

from server.crdt import chunks
from server.crdt.engine import SyncDataError
from server.storage.protocol import DocumentStore
from server.storage.sqlite import SqliteDocumentStore
from server.sync.documents import (
    APPLY_BATCH_BYTES,
    WORKER_BYTES,
    DocumentRegistry,
    _batches,
)
from server.sync.worker import DocumentWorker
from tests.support import worker_tasks
from tests.support.automerge_docs import large_document, new_document_id, put, records_of
from tests.support.hub_peer import Peer, hub_on


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[DocumentStore]:
    opened = await SqliteDocumentStore.open(tmp_path / "plans.db")
    yield opened
    await opened.close()


async def test_a_large_document_loads_while_another_documents_peers_are_answered(
    store: DocumentStore,
) -> None:
    large, large_id = large_document(), new_document_id()
    await store.append_changes(large_id, records_of(large))
    hub = hub_on(store)
    small_id = new_document_id()
    writer = Peer(hub, "writer", Document())
    await writer.next_frame()
    try:
        loading = asyncio.ensure_future(hub.documents.get(large_id))  # runs at the next await
        put(writer.doc, "note", "written while a large plan loads")
        await writer.upload(small_id)  # answered while the large document still loads
        assert not loading.done()
        state = await loading
        assert state.doc is not None
        assert sorted(state.doc.heads) == sorted(bytes(h) for h in large.get_heads())
    finally:
        await writer.close()
        await hub.close()


async def test_a_large_document_read_back_from_storage_matches_what_was_written(
    store: DocumentStore,
) -> None:
    large, doc_id = large_document(), new_document_id()
    await store.append_changes(doc_id, records_of(large))
    hub = hub_on(store)
    reader = Peer(hub, "reader")
    await reader.next_frame()
    try:
        await reader.send_sync(doc_id)
        while sorted(reader.doc.get_heads()) != sorted(large.get_heads()):
            reader.apply(await reader.next_frame())
            await reader.send_sync(doc_id)
        assert reader.doc.save() == large.save()
    finally:
        await reader.close()
        await hub.close()


async def test_a_large_document_is_compacted_from_storage_in_the_worker(
    store: DocumentStore,
) -> None:
    hub = hub_on(store, snapshot_every=5)
    doc_id = new_document_id()
    writer = Peer(hub, "writer", large_document(WORKER_BYTES))
    await writer.next_frame()
    try:
        await writer.upload(doc_id)
        for n in range(5):
            put(writer.doc, "later", str(n))
            await writer.upload(doc_id)
        await hub.documents.drain()
        stored = await store.load(doc_id)
        assert stored is not None
        kinds = [c.kind for c in chunks.split(stored.data)]
        assert kinds == [chunks.DOCUMENT]  # one snapshot, every logged change compacted
        assert hub.documents.worker.started  # made in the worker, not by save() on the loop
        again = Document.load(stored.data)
        assert sorted(again.get_heads()) == sorted(writer.doc.get_heads())
    finally:
        await writer.close()
        await hub.close()


async def test_a_large_stored_document_missing_a_dependency_still_loads(
    store: DocumentStore,
) -> None:
    large, doc_id = large_document(), new_document_id()
    before = list(large.get_heads())
    put(large, "lost", "its change was never stored")
    lost = list(large.get_heads())
    put(large, "after", "made on top of the lost change")
    await store.append_changes(doc_id, records_of(large, None)[:-2])
    await store.append_changes(doc_id, records_of(large, lost))
    registry = DocumentRegistry(store, memory_budget=1 << 30, snapshot_every=1000)
    try:
        state = await registry.get(doc_id)
        assert state.doc is not None
        assert sorted(state.doc.heads) == sorted(bytes(h) for h in before)
    finally:
        await registry.close()


async def test_a_task_in_a_worker_that_dies_fails_and_the_next_one_runs() -> None:
    worker = DocumentWorker()
    try:
        with pytest.raises(SyncDataError, match="died"):
            await worker.run(worker_tasks.die, b"")
        assert await worker.run(worker_tasks.echo, b"still here") == b"still here"
    finally:
        await worker.close()
    with pytest.raises(SyncDataError, match="stopped"):
        await worker.run(worker_tasks.echo, b"after close")


def test_changes_are_applied_in_runs_within_the_budget() -> None:
    changes = [b"a" * 10_000, b"b" * 30_000, b"c" * 40_000, b"d" * 1_000, b"e" * 1_000]
    runs = list(_batches(changes, APPLY_BATCH_BYTES))
    assert [c for run in runs for c in run] == changes  # every change, in order
    assert runs == [changes[:1], changes[1:2], changes[2:3], changes[3:]]
    assert all(sum(map(len, run)) <= APPLY_BATCH_BYTES or len(run) == 1 for run in runs)


async def test_reading_stored_bytes_off_the_loop_uses_another_process_only_when_large(
    store: DocumentStore,
) -> None:
    registry = DocumentRegistry(store, memory_budget=1 << 30, snapshot_every=1000)
    try:
        small = await registry.read_off_loop(worker_tasks.process_id, b"x" * 100)
        large = await registry.read_off_loop(worker_tasks.process_id, b"x" * WORKER_BYTES)
    finally:
        await registry.close()
    assert small == os.getpid()  # a thread of this process
    assert large != os.getpid()  # the document worker


async def test_a_stop_signal_to_the_process_group_leaves_the_worker_to_the_server() -> None:
    # Ctrl-C or a service manager signals the whole group: the worker must live until the
    # server, shutting down, has made its last snapshots and closes it.
    worker = DocumentWorker()
    try:
        pid = await worker.run(worker_tasks.process_id, b"")
        os.kill(pid, signal.SIGTERM)
        os.kill(pid, signal.SIGINT)
        assert await worker.run(worker_tasks.process_id, b"") == pid  # the same process
    finally:
        await worker.close()
