"""Changes that wait for a dependency are held for their peer, never in the live document.

Automerge queues a received change whose dependencies it lacks inside the document, and that
queue is copied by `fork()` and written by `save()`. Kept in the live document it would be
stored in snapshots without ever being vetted, make the server ask every peer for the missing
dependency, and let one peer grow every reader's download without limit. An honest client
sends such changes after a bloom-filter false positive; a hostile one sends them on purpose.
"""

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from automerge.core import Document

from server.crdt import chunks, leb128
from server.errors import ProtocolError
from server.ids import DocumentId
from server.storage.sqlite import SqliteDocumentStore
from server.sync.hub import SyncHub
from server.sync.messages import SyncMessage
from tests.support.automerge_docs import add_item, item_texts, new_document_id, plan_document
from tests.support.hub_peer import Peer, RolesPolicy, hub_on

SECTIONS = ["warning-signs", "coping", "safer"]
ROLES = {"person": "person", "carer": "carer", "reader": "carer"}


def carrying(changes: list[bytes], heads: list[bytes]) -> bytes:
    """A sync message with these heads and changes, and nothing else (layout 5.1)."""
    out = bytearray([0x42]) + leb128.encode(len(heads))
    for head in heads:
        out += head
    out += bytes([0, 0]) + leb128.encode(len(changes))  # no need, no have
    for change in changes:
        out += leb128.encode(len(change)) + change
    return bytes(out)


def needs(data: bytes) -> list[bytes]:
    """The `need` list of a sync message."""
    heads, pos = leb128.decode(data, 1)
    pos += 32 * heads
    count, pos = leb128.decode(data, pos)
    return [data[pos + 32 * i : pos + 32 * (i + 1)] for i in range(count)]


def change_chunks(saved: bytes) -> list[bytes]:
    """The change chunks a saved document carries besides its document chunk (its queue)."""
    return [c.hash for c in chunks.split(saved) if c.kind != chunks.DOCUMENT]


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[SyncHub]:
    store = await SqliteDocumentStore.open(tmp_path / "plans.db")
    hub = hub_on(store, policy=RolesPolicy(ROLES), max_document_bytes=64 * 1024)
    try:
        yield hub
    finally:
        await hub.close()
        await store.close()


async def shared_plan(hub: SyncHub) -> tuple[DocumentId, Document]:
    """A plan the person uploaded; returns its id and a copy as the server holds it."""
    doc_id = new_document_id()
    person = Peer(hub, "person-phone", plan_document("everyone", SECTIONS), "person")
    assert (await person.next_frame())["type"] == "peer"
    await person.upload(doc_id)
    await person.close()
    return doc_id, person.doc


def assert_as_uploaded(hub: SyncHub, doc_id: DocumentId, base: Document) -> None:
    """The live document is the person's upload: nothing applied, nothing queued."""
    state = hub.documents.peek(doc_id)
    assert state is not None
    assert state.doc is not None
    assert state.doc.heads == list(base.get_heads())
    assert change_chunks(state.doc.save()) == []


async def send(peer: Peer, doc_id: DocumentId, data: bytes) -> dict[str, object]:
    """Send raw sync bytes; the server's answer, once its commit is done."""
    await peer.hub.handle(
        peer.connection, SyncMessage(sender_id=peer.name, document_id=doc_id, data=data)
    )
    state = peer.hub.documents.peek(doc_id)
    assert state is not None
    await state.durable()
    return await peer.next_frame()


def two_changes(base: Document, first: tuple[str, str], second: tuple[str, str]) -> Document:
    """A carer's copy of `base` with two changes, the second depending on the first."""
    carer = base.fork()
    add_item(carer, *first)
    add_item(carer, *second)
    return carer


async def test_a_change_sent_before_its_dependency_waits_outside_the_document(
    hub: SyncHub,
) -> None:
    doc_id, base = await shared_plan(hub)
    carer_doc = two_changes(base, ("safer", "first"), ("safer", "second"))
    first, second = carer_doc.get_changes(list(base.get_heads()))
    carer = Peer(hub, "carer-phone", account="carer")
    assert (await carer.next_frame())["type"] == "peer"

    # The second change alone, as after a false positive in the server's bloom filter.
    answer = await send(carer, doc_id, carrying([bytes(second.raw_bytes)], [bytes(second.hash)]))
    state = hub.documents.peek(doc_id)
    assert state is not None
    assert state.doc is not None
    live = state.doc.save()
    stored = await hub.documents.store.load(doc_id)

    assert answer["type"] == "sync"
    assert bytes(first.hash) in needs(bytes(answer["data"]))  # type: ignore[arg-type]
    assert change_chunks(live) == []  # no queue in the live document
    assert stored is not None
    assert bytes(second.hash) not in {c.hash for c in chunks.split(stored.data)}
    # Another member is not asked for the carer's missing change.
    reader = Peer(hub, "reader-phone", account="reader")
    assert (await reader.next_frame())["type"] == "peer"
    await reader.send_sync(doc_id)
    offer = await reader.next_frame()
    assert needs(bytes(offer["data"])) == []  # type: ignore[arg-type]
    reader.apply(offer)

    # The dependency arrives: both changes are applied, vetted, stored and relayed.
    await send(carer, doc_id, carrying([bytes(first.raw_bytes)], [bytes(second.hash)]))
    assert state.doc.heads == [bytes(second.hash)]
    stored = await hub.documents.store.load(doc_id)
    assert stored is not None
    assert item_texts(Document.load(stored.data), "safer") == ["first", "second"]
    await reader.send_sync(doc_id)  # the reader is ready for more
    reader.apply(await reader.next_frame())
    assert item_texts(reader.doc, "safer") == ["first", "second"]
    await reader.close()
    await carer.close()


async def test_a_held_change_whose_dependency_is_refused_leaves_no_trace(hub: SyncHub) -> None:
    doc_id, base = await shared_plan(hub)
    # The first change writes where a carer may not; the second, on top of it, is allowed.
    carer_doc = two_changes(base, ("warning-signs", "forbidden"), ("safer", "allowed"))
    first, second = carer_doc.get_changes(list(base.get_heads()))
    carer = Peer(hub, "carer-phone", account="carer")
    assert (await carer.next_frame())["type"] == "peer"
    await send(carer, doc_id, carrying([bytes(second.raw_bytes)], [bytes(second.hash)]))

    with pytest.raises(ProtocolError, match="carer"):
        await hub.handle(
            carer.connection,
            SyncMessage(
                sender_id=carer.name,
                document_id=doc_id,
                data=carrying([bytes(first.raw_bytes)], [bytes(second.hash)]),
            ),
        )
    await carer.close()

    assert_as_uploaded(hub, doc_id, base)
    await hub.close()
    stored = await hub.documents.store.load(doc_id)
    assert stored is not None
    saved = Document.load(stored.data)
    assert item_texts(saved, "safer") == []
    assert item_texts(saved, "warning-signs") == []


async def test_changes_that_wait_for_ever_count_against_the_document_limit(
    hub: SyncHub,
) -> None:
    doc_id, base = await shared_plan(hub)
    carer_doc = base.fork()
    add_item(carer_doc, "safer", "the dependency, never sent")
    for n in range(40):
        add_item(carer_doc, "safer", f"{n} " + "x" * 1900)
    _, *waiting = carer_doc.get_changes(list(base.get_heads()))
    carer = Peer(hub, "carer-phone", account="carer")
    assert (await carer.next_frame())["type"] == "peer"
    heads = [bytes(carer_doc.get_heads()[0])]

    async def send_in_batches() -> None:
        for batch in range(0, len(waiting), 5):
            changes = [bytes(c.raw_bytes) for c in waiting[batch : batch + 5]]
            await send(carer, doc_id, carrying(changes, heads))

    with pytest.raises(ProtocolError, match="limit"):
        await send_in_batches()
    await carer.close()

    assert_as_uploaded(hub, doc_id, base)


async def test_held_changes_stay_held_while_unrelated_changes_arrive(hub: SyncHub) -> None:
    doc_id, base = await shared_plan(hub)
    carer_doc = two_changes(base, ("safer", "first"), ("safer", "second"))
    first, second = carer_doc.get_changes(list(base.get_heads()))
    other = base.fork()
    add_item(other, "safer", "unrelated")
    (unrelated,) = other.get_changes(list(base.get_heads()))
    carer = Peer(hub, "carer-phone", account="carer")
    assert (await carer.next_frame())["type"] == "peer"
    await send(carer, doc_id, carrying([bytes(second.raw_bytes)], [bytes(second.hash)]))
    sync_state = carer.connection.sync_state(doc_id)

    answer = await send(carer, doc_id, carrying([bytes(unrelated.raw_bytes)], []))
    state = hub.documents.peek(doc_id)
    assert state is not None
    assert state.doc is not None

    assert bytes(unrelated.hash) in state.doc.heads  # applied at once
    assert list(sync_state.held) == [bytes(second.hash)]  # still waiting, not re-applied
    assert sync_state.missing == {bytes(first.hash)}
    assert bytes(first.hash) in needs(bytes(answer["data"]))  # type: ignore[arg-type]
    assert change_chunks(state.doc.save()) == []
    await send(carer, doc_id, carrying([bytes(first.raw_bytes)], []))
    assert not sync_state.held
    assert set(state.doc.heads) == {bytes(second.hash), bytes(unrelated.hash)}
    await carer.close()


async def test_changes_waiting_for_too_many_others_are_refused(hub: SyncHub) -> None:
    doc_id, _ = await shared_plan(hub)
    carer = Peer(hub, "carer-phone", account="carer")
    assert (await carer.next_frame())["type"] == "peer"
    # One change chunk that depends on more changes than anyone could be missing.
    author = plan_document("everyone", SECTIONS)
    add_item(author, "safer", "x")
    change = bytes(author.get_last_local_change().raw_bytes)
    forged = forge_dependencies(change, [bytes([i % 256, i // 256]) * 16 for i in range(1_001)])

    with pytest.raises(ProtocolError, match="too many changes wait"):
        await send(carer, doc_id, carrying([forged], []))
    await carer.close()


def forge_dependencies(change: bytes, deps: list[bytes]) -> bytes:
    """The change chunk with its dependencies replaced (its hash and checksum made anew)."""
    (chunk,) = chunks.split(change)
    assert chunk.kind == chunks.CHANGE
    length, start = leb128.decode(change, 9)
    contents = change[start : start + length]
    count, pos = leb128.decode(contents, 0)
    body = leb128.encode(len(deps)) + b"".join(deps) + contents[pos + 32 * count :]
    header = bytes([chunks.CHANGE]) + leb128.encode(len(body))
    checksum = hashlib.sha256(header + body).digest()[:4]
    return chunks.MAGIC + checksum + header + body
