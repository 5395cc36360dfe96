"""Durable before acknowledged, late arrival and eviction, on the hub with in-memory ports."""

import asyncio

from automerge.core import SyncState

from server.auth.attribution import ActorBindings
from server.auth.policy import Access, Grant, Identity, OpenPolicy
from server.ids import DocumentId, PeerId
from server.storage.memory import MemoryDocumentStore
from server.sync.documents import DocumentRegistry
from server.sync.hub import SyncHub
from server.sync.messages import SyncMessage
from tests.support.automerge_docs import document_with, new_document_id, put
from tests.support.fakes import GatedStore
from tests.support.hub_peer import Peer


def advertised_heads(data: bytes) -> list[bytes]:
    """The heads a sync message advertises (a version byte, a count below 128, hashes)."""
    count = data[1]
    assert count < 0x80
    return sorted(data[2 + 32 * i : 2 + 32 * (i + 1)] for i in range(count))


async def upload_held_at_commit(hub: SyncHub, store: GatedStore, doc_id: str) -> Peer:
    """A writer whose upload of a new document has been applied, its commit held."""
    writer = Peer(hub, "writer", document_with({"a": "1"}))
    assert (await writer.next_frame())["type"] == "peer"
    await writer.send_sync(doc_id)
    writer.apply(await writer.next_frame())  # the server asks for the changes
    await writer.send_sync(doc_id)  # the upload
    await asyncio.wait_for(store.append_started.wait(), 5)
    return writer


async def test_no_reply_advertises_a_change_before_it_is_committed(
    gated: tuple[SyncHub, GatedStore],
) -> None:
    hub, store = gated
    doc_id = new_document_id()

    writer = await upload_held_at_commit(hub, store, doc_id)

    assert store.appends_waiting == 1
    assert writer.connection.queued_bytes == 0
    assert len(writer.transport.frames) == 2
    store.gate.set()
    ack = await writer.next_frame()
    writer.apply(ack)
    assert await store.load(doc_id) is not None
    await writer.close()


async def test_a_peer_told_unavailable_gets_the_document_when_it_appears(
    gated: tuple[SyncHub, GatedStore],
) -> None:
    hub, store = gated
    store.gate.set()
    doc_id = new_document_id()
    waiter = Peer(hub, "waiter")
    await waiter.next_frame()
    await waiter.send_sync(doc_id, request=True)
    assert (await waiter.next_frame())["type"] == "doc-unavailable"

    writer = Peer(hub, "writer", document_with({"a": "1"}))
    await writer.next_frame()
    await writer.upload(doc_id)

    pushed = await waiter.next_frame()
    assert pushed["type"] == "sync"
    assert pushed["documentId"] == doc_id
    await waiter.close()
    await writer.close()


async def test_an_idle_document_is_evicted_and_reloaded_with_the_same_heads() -> None:
    store = MemoryDocumentStore()
    registry = DocumentRegistry(store, memory_budget=0, snapshot_every=1000)
    hub = SyncHub(
        registry,
        OpenPolicy(),
        actors=ActorBindings({}),
        server_peer_id=PeerId("server"),
        storage_id="s1",
    )
    doc_id = new_document_id()
    writer = Peer(hub, "writer", document_with({"a": "1"}))
    await writer.next_frame()
    await writer.upload(doc_id)
    await registry.drain()
    assert registry.peek(doc_id) is not None

    await writer.close()
    await registry.drain()

    assert registry.peek(doc_id) is None
    reloaded = await registry.get(doc_id)
    assert reloaded.doc is not None
    assert reloaded.doc.heads == list(writer.doc.get_heads())


async def test_a_document_in_use_is_never_evicted() -> None:
    store = MemoryDocumentStore()
    registry = DocumentRegistry(store, memory_budget=0, snapshot_every=1000)
    hub = SyncHub(
        registry,
        OpenPolicy(),
        actors=ActorBindings({}),
        server_peer_id=PeerId("server"),
        storage_id="s1",
    )
    doc_id = new_document_id()
    reader = Peer(hub, "reader", document_with({"a": "1"}))
    await reader.next_frame()
    await reader.send_sync(doc_id)

    registry.evict_idle()

    assert registry.peek(doc_id) is not None
    put(reader.doc, "a", "2")
    await reader.close()


async def test_an_acknowledgement_held_for_a_commit_is_not_lost_to_a_later_message(
    gated: tuple[SyncHub, GatedStore],
) -> None:
    hub, store = gated
    doc_id = new_document_id()
    writer = await upload_held_at_commit(hub, store, doc_id)
    # A message that advertises exactly the heads the server now has (in memory, not yet
    # durable), with no changes: Automerge takes it as "they know we have these heads".
    echo = writer.doc.generate_sync_message(SyncState())
    assert echo is not None
    second = asyncio.create_task(
        hub.handle(
            writer.connection,
            SyncMessage(sender_id=writer.name, document_id=doc_id, data=bytes(echo.encode())),
        )
    )

    store.gate.set()
    await second
    ack = await writer.next_frame()

    writer.apply(ack)
    assert writer.doc.generate_sync_message(writer.state) is None  # nothing left unacknowledged
    await writer.close()


async def test_a_reader_gets_new_changes_once_it_has_answered_the_last(
    gated: tuple[SyncHub, GatedStore],
) -> None:
    hub, store = gated
    store.gate.set()
    doc_id = new_document_id()
    writer = Peer(hub, "writer", document_with({"a": "1"}))
    reader = Peer(hub, "reader")
    await writer.next_frame()
    await reader.next_frame()
    await writer.upload(doc_id)
    await reader.send_sync(doc_id, request=True)
    first = await reader.next_frame()  # the document, which the reader leaves unanswered
    reader.apply(first)
    frames_before = len(reader.transport.frames)

    heads = writer.doc.get_heads()
    put(writer.doc, "a", "2")
    await writer.upload(doc_id)  # acknowledged: the fan-out has been generated by now
    held_back = (reader.connection.queued_bytes, len(reader.transport.frames))
    await reader.send_sync(doc_id)  # the reader's answer to the first message
    second = await reader.next_frame()
    reader.apply(second)

    assert held_back == (0, frames_before)
    assert [bytes(c.hash) for c in reader.doc.get_changes(heads)] == [
        bytes(c.hash) for c in writer.doc.get_changes(heads)
    ]
    await reader.close()
    await writer.close()


class SwitchablePolicy:
    """A DocumentPolicy whose answers the test sets (a fake behind our own port)."""

    enforced = True

    def __init__(self) -> None:
        self.grants: dict[str | None, Grant] = {}
        self.asked = asyncio.Event()

    async def grant(self, identity: Identity, document_id: DocumentId) -> Grant:
        self.asked.set()
        return self.grants.get(identity.account_id, Grant(Access.NONE))


async def test_a_member_revoked_while_its_message_waits_is_not_served() -> None:
    store = GatedStore()
    policy = SwitchablePolicy()
    policy.grants["alice"] = Grant(Access.WRITE, "carer")
    registry = DocumentRegistry(store, memory_budget=1 << 30, snapshot_every=1000)
    hub = SyncHub(
        registry, policy, actors=ActorBindings({}), server_peer_id=PeerId("server"), storage_id="s"
    )
    doc_id = new_document_id()
    alice = Peer(hub, "alice", document_with({"a": "1"}), account="alice")
    await alice.next_frame()
    await alice.send_sync(doc_id)
    alice.apply(await alice.next_frame())
    await alice.send_sync(doc_id)  # the upload; its commit (and our ack) is held
    await asyncio.wait_for(store.append_started.wait(), 5)
    heads = alice.doc.get_heads()
    put(alice.doc, "a", "2")
    policy.asked.clear()
    second = asyncio.create_task(alice.send_sync(doc_id))
    # The fake answers without suspending, so once it has been asked the message is parked
    # waiting for the held acknowledgement (DocState.settle).
    await policy.asked.wait()

    policy.grants.pop("alice")
    hub.access_revoked("alice", [doc_id])
    store.gate.set()
    await second
    await registry.drain()

    types = [f["type"] for f in alice.transport.frames[2:]]
    assert types == ["doc-unavailable"]
    assert len(await store.list_changes(doc_id)) == len(alice.doc.get_changes([])) - len(
        alice.doc.get_changes(heads)
    )
    await alice.close()


async def test_a_peers_own_changes_are_acknowledged_while_it_digests_ours(
    gated: tuple[SyncHub, GatedStore],
) -> None:
    """A carer's changes are being committed when the person's offline changes arrive (the
    PWA's reconnect). The fan-out of the carer's changes leaves first; the person's message,
    sent before it saw them, must still be acknowledged at once rather than held until the
    person answers that fan-out (flow control must never withhold an acknowledgement)."""
    hub, store = gated
    store.gate.set()
    doc_id = new_document_id()
    carer = Peer(hub, "carer", document_with({"a": "1"}))
    person = Peer(hub, "person")
    await carer.next_frame()
    await person.next_frame()
    await carer.upload(doc_id)
    await person.send_sync(doc_id, request=True)
    person.apply(await person.next_frame())
    answered_at = len(person.transport.frames)
    await person.send_sync(doc_id)  # its answer: the person is ready for more
    await hub.documents.drain()
    for frame in person.transport.frames[answered_at:]:
        person.apply(frame)
    store.gate.clear()
    store.append_started.clear()
    put(carer.doc, "a", "carer's words")
    await carer.send_sync(doc_id)  # applied; its commit (and the fan-out) is held
    await asyncio.wait_for(store.append_started.wait(), 5)
    put(person.doc, "b", "person's words")
    frames_before = len(person.transport.frames)

    answer = asyncio.create_task(person.send_sync(doc_id))
    store.gate.set()
    await answer
    await hub.documents.drain()

    replies = person.transport.frames[frames_before:]
    for frame in replies:
        person.apply(frame)
    assert replies, "the person heard nothing back"
    last = replies[-1]["data"]
    assert isinstance(last, bytes)
    assert advertised_heads(last) == sorted(bytes(h) for h in person.doc.get_heads())
    await person.close()
    await carer.close()
