"""Changes another process committed, carried by the feed's announcement: added without a read.

The hub here has the local feed, whose log read (`changes_after`) finds nothing, so a change
reaches the subscriber only if the announcement's own copy is used. It is used only when it
continues exactly what the document holds (its previous position is the document's); an
announcement after a gap is left to the log read, which here finds nothing.
"""

from automerge.core import Document

from server.ids import DocumentId
from server.storage.memory import MemoryDocumentStore
from server.sync.documents import DocState
from server.sync.hub import SyncHub
from tests.support.automerge_docs import document_with, new_document_id, put, read, records_of
from tests.support.hub_peer import Peer, hub_on


async def loaded(hub: SyncHub, doc: Document) -> tuple[DocumentId, Peer, DocState]:
    doc_id = DocumentId(new_document_id())
    peer = Peer(hub, "reader", doc)
    await peer.next_frame()  # the join's answer
    await peer.upload(doc_id)
    state = hub.documents.peek(doc_id)
    assert state is not None
    await state.durable()
    return doc_id, peer, state


def change_elsewhere(doc: Document, key: str) -> list[bytes]:
    other = doc.fork()
    heads = other.get_heads()
    put(other, key, "from B")
    return [r.data for r in records_of(other, heads)]


async def test_a_carried_change_right_after_the_documents_position_reaches_the_subscriber() -> None:
    hub = hub_on(MemoryDocumentStore())
    doc_id, reader, state = await loaded(hub, document_with({"a": "1"}))
    position = state.log_position

    hub.documents.document_changed(
        doc_id, position + 3, position, own=False, changes=change_elsewhere(reader.doc, "b")
    )

    await reader.receive_until(doc_id, lambda: read(reader.doc, "b") is not None)
    assert read(reader.doc, "b") == "from B"
    assert state.log_position == position + 3
    await reader.close()
    await hub.documents.drain()


async def test_a_carried_change_after_a_gap_is_left_to_the_log() -> None:
    hub = hub_on(MemoryDocumentStore())
    doc_id, reader, state = await loaded(hub, document_with({"a": "1"}))
    position = state.log_position
    assert state.doc is not None
    heads = state.doc.heads

    hub.documents.document_changed(
        doc_id, position + 3, position + 2, own=False, changes=change_elsewhere(reader.doc, "b")
    )
    await hub.documents.drain()  # the catch-up's read (the local log has nothing more)

    assert state.doc.heads == heads
    assert state.log_position == position
    assert reader.transport.frames[reader.seen :] == []
    await reader.close()
