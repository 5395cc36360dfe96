"""Catching up a large document from another process does not stall other documents' peers.

Another process (a second storage on the same PostgreSQL database) adds eight times as much to
a document this one holds, and snapshots it: the rows after this process's position
are compacted, so the log hands back the whole stored document. Its changes are applied in
steps (`apply_in_steps`) while a small plan's edits keep flowing; one binding call for all
of them would hold the GIL (and the loop) for the whole call.
"""

import time
from collections.abc import AsyncIterator

import pytest

from server.crdt.engine import LiveDocument, stored_changes
from server.database_url import PostgresLocation
from server.storage.backends import Storage, open_storage
from server.sync.documents import LOAD_IN_STEPS_BYTES, DocState
from tests.support.automerge_docs import (
    document_with,
    large_document,
    new_document_id,
    put,
    records_of,
)
from tests.support.hub_peer import Peer, hub_on
from tests.support.loop_stall import StallMeter

CATCH_UP_TIMEOUT_S = 120.0


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


async def test_a_large_catch_up_leaves_a_small_plans_edits_flowing(
    two_storages: tuple[Storage, Storage],
) -> None:
    here, other = two_storages
    # Under LOAD_IN_STEPS_BYTES, from a snapshot: loaded at once (`Document.load`), the common
    # case, and the costly one to add to (a document built change by change takes them faster).
    large, large_id = large_document(LOAD_IN_STEPS_BYTES // 2), new_document_id()
    first = await other.store.append_changes(large_id, records_of(large))
    await other.store.save_snapshot(large_id, bytes(large.save()), first)  # as servers leave it
    hub = hub_on(here.store, feed=here.feed)  # its feed is not started: the catch-up is ours
    state = await hub.documents.get(large_id)
    loaded = bytes(large.save())
    heads = list(large.get_heads())
    large_document(4 * LOAD_IN_STEPS_BYTES, large)  # eight times as much again
    position = await other.store.append_changes(large_id, records_of(large, heads))
    await other.store.save_snapshot(large_id, bytes(large.save()), position)
    after = await here.feed.changes_after(large_id, state.log_position)
    assert after.whole is not None  # the rows were compacted: the whole stored document
    caught_up = sorted(bytes(h) for h in large.get_heads())
    one_call = one_call_s(loaded, stored_changes(after.whole).changes)

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

    assert state.log_position == position
    assert len(took) >= 3  # edits went through while it caught up
    # Shared, loaded machine: a bound well below one call, not a tight one. (An edit's round
    # trip is no measure of the stall: it takes a dozen turns, each may wait out a slice.)
    assert worst < one_call / 3, (worst, one_call)
