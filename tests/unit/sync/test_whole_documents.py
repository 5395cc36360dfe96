"""A peer that holds nothing of a large document gets it from storage, with no `save()`.

The binding answers such a peer with the whole document saved anew (`save()`, a second or
more on the event loop for a few megabytes, per peer). The stored bytes, a snapshot and the
changes logged since, are that document once everything is durable: they are sent instead.
"""

import asyncio
import base64
import os

from automerge.core import Document

from server.auth.policy import Access, Grant
from server.crdt.engine import carries_changes, message_changes
from server.roles import Role
from server.storage.memory import MemoryDocumentStore
from server.sync.documents import WHOLE_FROM_STORAGE_BYTES
from tests.support.automerge_docs import document_with, new_document_id, put
from tests.support.fakes import GatedStore, LoadGatedStore
from tests.support.hub_peer import Peer, SwitchablePolicy, hub_on

# Random text: Automerge compresses what repeats, and the threshold counts stored bytes.
LARGE = {
    f"entry {n}": base64.b64encode(os.urandom(1_500)).decode()
    for n in range(WHOLE_FROM_STORAGE_BYTES // 1_000)
}


async def test_a_peer_holding_nothing_gets_the_stored_document() -> None:
    store = MemoryDocumentStore()
    hub = hub_on(store, snapshot_every=3)
    doc_id = new_document_id()
    writer = Peer(hub, "writer", document_with(LARGE))
    await writer.next_frame()
    await writer.upload(doc_id)
    for n in range(5):  # a snapshot and changes logged after it
        put(writer.doc, "later", str(n))
        await writer.upload(doc_id)
    await hub.documents.drain()
    stored = await store.load(doc_id)
    assert stored is not None

    reader = Peer(hub, "reader")
    await reader.next_frame()
    await reader.send_sync(doc_id)
    whole = await reader.next_frame()
    reader.apply(whole)

    data = whole["data"]
    assert isinstance(data, bytes)
    assert data[0] == 0x43  # a v2 message
    assert message_changes(data) == [stored.data]  # the stored bytes, not a new save()
    assert reader.doc.get_heads() == writer.doc.get_heads()
    # Its answer needs nothing more: no change is sent twice.
    await reader.send_sync(doc_id)
    await hub.documents.drain()
    assert not any(carries_changes(f["data"]) for f in reader.transport.frames[reader.seen :])  # type: ignore[arg-type]
    await reader.close()
    await writer.close()
    await hub.close()


async def test_while_a_commit_is_in_flight_the_ordinary_path_serves_it() -> None:
    store = GatedStore()
    hub = hub_on(store)
    doc_id = new_document_id()
    store.gate.set()
    writer = Peer(hub, "writer", document_with(LARGE))
    await writer.next_frame()
    await writer.upload(doc_id)
    store.gate.clear()
    store.append_started.clear()
    put(writer.doc, "later", "not durable yet")
    await writer.send_sync(doc_id)
    await asyncio.wait_for(store.append_started.wait(), 5)

    reader = Peer(hub, "reader")
    await reader.next_frame()
    await reader.send_sync(doc_id)
    assert reader.connection.queued_bytes == 0  # nothing advertised before it is durable
    store.gate.set()
    reader.apply(await reader.next_frame())

    assert reader.doc.get_heads() == writer.doc.get_heads()
    await reader.close()
    await writer.close()
    await hub.close()


async def _stored_large_document(store: MemoryDocumentStore) -> tuple[str, Document]:
    """A large document stored by a server that has since stopped: a snapshot and changes."""
    hub = hub_on(store, snapshot_every=3)
    doc_id = new_document_id()
    writer = Peer(hub, "writer", document_with(LARGE))
    await writer.next_frame()
    await writer.upload(doc_id)
    for n in range(5):
        put(writer.doc, "later", str(n))
        await writer.upload(doc_id)
    await writer.close()
    await hub.close()
    return doc_id, writer.doc


async def test_a_document_not_in_memory_is_sent_from_storage_before_it_loads() -> None:
    store = LoadGatedStore()
    store.load_gate.set()
    doc_id, written = await _stored_large_document(store)
    stored = await store.load(doc_id)
    assert stored is not None
    hub = hub_on(store)  # restarted: nothing in memory

    reader = Peer(hub, "reader")
    await reader.next_frame()
    reader.transport.observe = lambda: hub.documents.peek(doc_id) is None
    store.loads = 0
    await reader.send_sync(doc_id)
    whole = await reader.next_frame()
    assert reader.transport.observed == [True]  # handed to its socket before the load ended
    assert store.loads == 1  # one read, for the send and the load
    data = whole["data"]
    assert isinstance(data, bytes)
    assert message_changes(data) == [stored.data]
    reader.apply(whole)
    assert reader.doc.get_heads() == written.get_heads()

    # A writer changes it once it has loaded; the reader, answering, gets only that change.
    writer = Peer(hub, "writer", written.fork())
    await writer.next_frame()
    put(writer.doc, "after", "the load")
    await writer.upload(doc_id)
    await hub.documents.drain()
    # Nothing until it answers (flow control, as after any whole document).
    assert reader.connection.queued_bytes == 0
    assert reader.transport.frames[reader.seen :] == []
    await reader.send_sync(doc_id)
    later = await reader.next_frame()
    assert len(message_changes(later["data"])) == 1  # type: ignore[arg-type]
    reader.apply(later)
    assert reader.doc.get_heads() == writer.doc.get_heads()
    await reader.close()
    await writer.close()
    await hub.close()


async def test_peers_asking_at_the_same_moment_share_one_read() -> None:
    store = LoadGatedStore()
    store.load_gate.set()
    doc_id, written = await _stored_large_document(store)
    hub = hub_on(store)
    store.loads = 0
    phones = [Peer(hub, f"phone {n}") for n in range(3)]
    for phone in phones:
        await phone.next_frame()
    await asyncio.gather(*(phone.send_sync(doc_id) for phone in phones))
    for phone in phones:
        phone.apply(await phone.next_frame())
        assert phone.doc.get_heads() == written.get_heads()
    assert store.loads == 1  # one read, for all three sends and the load
    for phone in phones:
        await phone.close()
    await hub.close()


async def test_a_peer_without_access_is_sent_nothing_before_the_load() -> None:
    store = LoadGatedStore()
    store.load_gate.set()
    doc_id, _ = await _stored_large_document(store)
    hub = hub_on(store, policy=SwitchablePolicy())  # grants nothing
    stranger = Peer(hub, "stranger", account="stranger")
    await stranger.next_frame()
    await stranger.send_sync(doc_id)
    assert [f["type"] for f in await stranger.transport.wait_for(2)] == ["peer", "doc-unavailable"]
    await hub.documents.drain()
    assert len(stranger.transport.frames) == 2
    await stranger.close()
    await hub.close()


async def test_a_member_revoked_while_the_load_reads_is_sent_nothing_before_it() -> None:
    store = LoadGatedStore()
    store.load_gate.set()
    doc_id, _ = await _stored_large_document(store)
    policy = SwitchablePolicy()
    policy.grants["bob"] = Grant(Access.READ, Role.CARER)
    hub = hub_on(store, policy=policy)
    store.load_gate.clear()
    store.load_started.clear()
    bob = Peer(hub, "bob", account="bob")
    await bob.next_frame()
    asking = asyncio.create_task(bob.send_sync(doc_id))
    await asyncio.wait_for(store.load_started.wait(), 5)  # access granted, storage being read

    policy.grants.pop("bob")
    hub.access_revoked("bob", [doc_id])
    store.load_gate.set()
    await asking
    frames = await bob.transport.wait_for(3)
    assert [f["type"] for f in frames[1:]] == ["error", "doc-unavailable"]
    await hub.documents.drain()
    assert bob.connection.queued_bytes == 0
    assert len(bob.transport.frames) == 3  # and never the plan
    await bob.close()
    await hub.close()
