"""Catching up a large document from another process does not stall other documents' peers.

Another process (a second storage on the same PostgreSQL database) adds eight times as much to
a document this one holds, and snapshots it: the rows after this process's position
are compacted, so the log hands back the whole stored document. Its changes are applied in
steps (`apply_in_steps`) while a small plan's edits keep flowing; one binding call for all
of them would hold the GIL (and the loop) for the whole call.
"""

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from automerge.core import Document

from server.crdt.engine import LiveDocument, stored_changes
from server.database_url import PostgresLocation
from server.storage.backends import Storage, open_storage
from server.sync import documents
from server.sync.documents import LOAD_IN_STEPS_BYTES, DocState
from server.sync.messages import SyncMessage
from tests.support.automerge_docs import (
    document_with,
    large_document,
    new_document_id,
    put,
    read,
    records_of,
)
from tests.support.hub_peer import Peer, hub_on
from tests.support.loop_stall import StallMeter

CATCH_UP_TIMEOUT_S = 120.0
MAX_WRITES = 60
"""Writes while a document is caught up (each makes the hub copy the whole document)."""


@pytest.fixture
async def two_storages(postgres_url: str) -> AsyncIterator[tuple[Storage, Storage]]:
    """This process's storage and another process's, on one database."""
    here = await open_storage(PostgresLocation(postgres_url))
    other = await open_storage(PostgresLocation(postgres_url))
    yield here, other
    await other.close()
    await here.close()


def one_call_s(before: bytes, changes: list[bytes]) -> float:
    """How long one binding call adding every change holds the loop (what steps avoid)."""
    doc = LiveDocument.load(before)
    start = time.perf_counter()
    doc.add_changes(changes)
    return time.perf_counter() - start


async def edits_until(
    writer: Peer, small_id: str, large: DocState, caught_up: list[bytes]
) -> list[float]:
    """Edit the small plan, one round trip at a time, until the large one is caught up."""
    took: list[float] = []
    deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
    while large.doc is None or sorted(large.doc.heads) != caught_up:
        assert time.monotonic() < deadline, "the large document was never caught up"
        start = time.perf_counter()
        put(writer.doc, "note", f"edit {len(took)}")
        await writer.upload(small_id)  # returns once the server acknowledged it
        took.append(time.perf_counter() - start)
    return took


async def write_once(writer: Peer, document_id: str, key: str) -> None:
    """One change sent and acknowledged (frames the server sent meanwhile taken in first)."""
    while writer.seen < len(writer.transport.frames):
        writer.apply(await writer.next_frame())
    put(writer.doc, key, "written while it is caught up")
    data = bytes(writer.doc.generate_sync_message(writer.state).encode())
    await writer.hub.handle(
        writer.connection, SyncMessage(sender_id=writer.name, document_id=document_id, data=data)
    )
    writer.apply(await writer.next_frame())  # changes received are always answered


class Held:
    """A document this process loaded, which another process then adds to and compacts."""

    def __init__(self, here: Storage, other: Storage) -> None:
        # Under LOAD_IN_STEPS_BYTES, from a snapshot: loaded at once (`Document.load`), the
        # common case, and the costly one to add to (a document built change by change, or a
        # copy a peer's message made, takes them faster).
        self.doc = large_document(LOAD_IN_STEPS_BYTES // 2)
        """The document as the other process has it."""
        self.loaded = bytes(self.doc.save())
        """The document as this process loaded it."""
        self.document_id = new_document_id()
        self.other = other
        self.position = 0
        """The log position the other process's changes reached."""
        self.hub = hub_on(here.store, feed=here.feed)  # the feed is not started: we catch up

    async def load(self) -> DocState:
        first = await self.other.store.append_changes(self.document_id, records_of(self.doc))
        await self.other.store.save_snapshot(self.document_id, self.loaded, first)
        return await self.hub.documents.get(self.document_id)

    async def added_elsewhere(self, added: int) -> None:
        """The other process adds about `added` bytes and snapshots (compacting the rows)."""
        heads = list(self.doc.get_heads())
        large_document(added // 2, self.doc)
        records = records_of(self.doc, heads)
        self.position = await self.other.store.append_changes(self.document_id, records)
        await self.other.store.save_snapshot(
            self.document_id, bytes(self.doc.save()), self.position
        )


async def test_a_large_catch_up_leaves_a_small_plans_edits_flowing(
    two_storages: tuple[Storage, Storage],
) -> None:
    large = Held(*two_storages)
    hub, state = large.hub, await large.load()
    await large.added_elsewhere(4 * LOAD_IN_STEPS_BYTES)  # eight times as much
    here = two_storages[0]
    after = await here.feed.changes_after(state.document_id, state.log_position)
    assert after.whole is not None  # the rows were compacted: the whole stored document
    caught_up = sorted(bytes(h) for h in large.doc.get_heads())
    one_call = one_call_s(large.loaded, stored_changes(after.whole).changes)

    small_id = new_document_id()
    writer = Peer(hub, "writer", document_with({"note": "first"}))
    await writer.next_frame()
    meter = StallMeter()
    try:
        await writer.upload(small_id)
        meter.reset()
        hub.documents.catch_up_all()  # as the feed does when it may have missed notices
        took = await edits_until(writer, small_id, state, caught_up)
        worst = meter.worst
    finally:
        await meter.stop()
        await writer.close()
        await hub.close()

    assert state.log_position == after.log_position
    assert len(took) >= 3  # edits went through while it caught up
    # Shared, loaded machine: a bound well below one call, not a tight one. (An edit's round
    # trip is no measure of the stall: it takes a dozen turns, each may wait out a slice.)
    assert worst < one_call / 3, (worst, one_call)


async def test_a_peer_writing_the_document_while_it_is_caught_up_loses_nothing(
    two_storages: tuple[Storage, Storage], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each accepted message replaces the live document with a copy: no step goes astray."""
    # A pause after every step: the writer's messages come between steps for certain (a
    # document a peer has synced is a copy the binding adds to fast: few slices otherwise).
    monkeypatch.setattr(documents, "APPLY_SLICE_S", 0.0)
    large = Held(*two_storages)
    hub, state = large.hub, await large.load()
    document_id = state.document_id
    writer = Peer(hub, "writer")
    await writer.next_frame()
    try:
        async with asyncio.timeout(CATCH_UP_TIMEOUT_S):
            await writer.send_sync(document_id)
            while sorted(writer.doc.get_heads()) != sorted(large.doc.get_heads()):
                writer.apply(await writer.next_frame())
                await writer.send_sync(document_id)
            # Only now: the writer can hand this process none of the other's changes.
            await large.added_elsewhere(2 * LOAD_IN_STEPS_BYTES)
            hub.documents.catch_up_all()
            catching_up = next(
                t for t in asyncio.all_tasks() if t.get_name() == f"catch up {document_id}"
            )
            during = 0
            while not catching_up.done() and during < MAX_WRITES:
                await write_once(writer, document_id, f"late {during}")
                during += 1
            await catching_up
            await state.durable()
        stored = await two_storages[0].store.load(document_id)
    finally:
        await writer.close()
        await hub.close()

    expected = Document.load(bytes(large.doc.save()))
    expected.merge(writer.doc)
    assert during >= 3  # the writer's messages came between the steps
    assert state.doc is not None
    assert sorted(state.doc.heads) == sorted(bytes(h) for h in expected.get_heads())
    assert stored is not None
    assert sorted(Document.load(stored.data).get_heads()) == sorted(expected.get_heads())
    assert [read(Document.load(stored.data), f"late {n}") for n in range(during)] == [
        "written while it is caught up"
    ] * during
