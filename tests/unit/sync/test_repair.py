"""Stored documents an older server left wrong load again, with what was wrong quarantined."""

import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from automerge.core import Document, Message, SyncState

from server.crdt import chunks, leb128
from server.ids import DocumentId
from server.storage.memory import MemoryDocumentStore
from server.storage.protocol import DocumentStore
from server.storage.sqlite import SqliteDocumentStore
from server.sync import repair
from server.sync.documents import DocumentRegistry
from tests.support.automerge_docs import document_with, new_document_id, put, read, records_of


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DocumentStore]:
    opened: DocumentStore = (
        MemoryDocumentStore()
        if request.param == "memory"
        else await SqliteDocumentStore.open(tmp_path / "plans.db")
    )
    yield opened
    await opened.close()


def quarantined(store: DocumentStore, tmp_path: Path, doc_id: DocumentId) -> set[bytes]:
    if isinstance(store, MemoryDocumentStore):
        return set(store.quarantined.get(doc_id, {}))
    with sqlite3.connect(tmp_path / "plans.db") as db:
        rows = db.execute("SELECT hash FROM quarantined_changes WHERE doc_id = ?", (doc_id,))
        return {bytes(r[0]) for r in rows}


def history() -> tuple[Document, Document, Document]:
    """The person's accepted change; a refused change R on it; a change C made on top of R."""
    person = document_with({"coping": "a bath"}, actor=b"\x01" * 16)
    refused = Document(actor_id=b"\x02" * 16)
    refused.merge(person)
    put(refused, "forbidden", "written where the carer may not")
    later = Document(actor_id=b"\x01" * 16)
    later.merge(refused)
    put(later, "after", "built on the refused change")
    return person, refused, later


async def test_a_snapshot_holding_a_change_the_log_never_accepted_is_repaired_once(
    store: DocumentStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # What a server killed by SIGTERM after a failed fork_at undo stored: the snapshot has R
    # (never logged) and C on top of it (logged: a peer sent it after R was relayed to them).
    person, refused, later = history()
    doc_id = new_document_id()
    await store.append_changes(doc_id, records_of(person))
    position = await store.append_changes(doc_id, records_of(later, list(refused.get_heads())))
    await store.save_snapshot(doc_id, bytes(later.save()), position)

    with caplog.at_level(logging.ERROR, logger="server.sync.repair"):
        assert await repair.scan_snapshots(store) == 1
    assert await repair.scan_snapshots(store) == 0  # once per database
    stored = await store.load(doc_id)

    assert stored is not None
    repaired = Document.load(stored.data)
    assert read(repaired, "coping") == "a bath"
    assert read(repaired, "forbidden") is None
    assert read(repaired, "after") is None
    assert quarantined(store, tmp_path, doc_id) == {
        bytes(c.hash) for c in later.get_changes(list(person.get_heads()))
    }
    assert f"stored document {doc_id} repaired: 2 change(s)" in caplog.text


async def test_a_logged_change_whose_dependency_was_never_stored_no_longer_stops_the_load(
    store: DocumentStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # What a server killed by SIGKILL stored: no snapshot yet, R never logged, C (on R) logged.
    person, refused, later = history()
    doc_id = new_document_id()
    await store.append_changes(doc_id, records_of(person))
    await store.append_changes(doc_id, records_of(later, list(refused.get_heads())))
    registry = DocumentRegistry(store, memory_budget=1 << 30, snapshot_every=1000)

    with caplog.at_level(logging.ERROR, logger="server.sync.repair"):
        state = await registry.get(doc_id)
    again = DocumentRegistry(store, memory_budget=1 << 30, snapshot_every=1000)
    reloaded = await again.get(doc_id)

    assert state.doc is not None
    assert state.doc.heads == list(person.get_heads())
    assert reloaded.doc is not None
    assert reloaded.doc.heads == list(person.get_heads())
    assert quarantined(store, tmp_path, doc_id) == {bytes(later.get_last_local_change().hash)}
    assert "its dependencies are not stored" in caplog.text


def test_chunks_give_each_change_its_hash_and_dependencies() -> None:
    doc = document_with({"a": "1", "b": "x" * 5000})  # the second change is large
    changes = doc.get_changes([])

    found = chunks.split(b"".join(bytes(c.raw_bytes) for c in changes))

    assert [c.hash for c in found] == [bytes(c.hash) for c in changes]
    assert [c.deps for c in found] == [tuple(bytes(d) for d in c.deps) for c in changes]


def test_bytes_that_are_not_chunks_are_refused() -> None:
    with pytest.raises(chunks.ChunkError):
        chunks.split(b"\x85\x6f\x4a\x83" + b"\x00" * 4 + b"\x01\xff\xff\xff\x0f")
    with pytest.raises(chunks.ChunkError):
        chunks.split(b"not a chunk at all")


async def test_a_snapshot_saved_with_changes_waiting_for_a_dependency_is_repaired(
    store: DocumentStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # What an older server snapshotted: a change whose dependency never arrived, queued in
    # the live document by the binding and written by save() after the document chunk.
    person = document_with({"coping": "a bath"}, actor=b"\x01" * 16)
    carer = Document(actor_id=b"\x02" * 16)
    carer.merge(person)
    put(carer, "first", "never sent")
    put(carer, "second", "sent alone")
    waiting = carer.get_last_local_change()
    held = Document.load(bytes(person.save()))
    held.receive_sync_message(SyncState(), Message.decode(carrying(bytes(waiting.raw_bytes))))
    doc_id = new_document_id()
    position = await store.append_changes(doc_id, records_of(person))
    await store.save_snapshot(doc_id, bytes(held.save()), position)

    with caplog.at_level(logging.ERROR, logger="server.sync.repair"):
        assert await repair.scan_snapshots(store) == 1
    stored = await store.load(doc_id)

    assert stored is not None
    assert [c.kind for c in chunks.split(stored.data)] == [chunks.DOCUMENT]
    assert read(Document.load(stored.data), "coping") == "a bath"
    assert quarantined(store, tmp_path, doc_id) == {bytes(waiting.hash)}
    assert "waited in the snapshot for changes the server never received" in caplog.text


def carrying(change: bytes) -> bytes:
    """A sync message that carries one change and nothing else."""
    return bytes([0x42, 0, 0, 0, 1]) + leb128.encode(len(change)) + change
