"""The document size limit: changes that would grow a document past it are refused."""

import os

import pytest

from server.errors import ProtocolError
from server.storage.memory import MemoryDocumentStore
from tests.support.automerge_docs import document_with, new_document_id, put
from tests.support.hub_peer import Peer, hub_on

LIMIT = 4096


async def test_changes_that_would_grow_a_document_past_the_limit_are_refused() -> None:
    store = MemoryDocumentStore()
    hub = hub_on(store, max_document_bytes=LIMIT)
    doc_id = new_document_id()
    writer = Peer(hub, "writer", document_with({"a": "small"}))
    assert (await writer.next_frame())["type"] == "peer"
    await writer.upload(doc_id)
    stored = await store.load(doc_id)
    put(writer.doc, "b", os.urandom(LIMIT).hex())  # incompressible

    with pytest.raises(ProtocolError, match="reached the server's limit of 4,096 bytes"):
        await writer.send_sync(doc_id)  # carries the change: the peer knows the server's heads

    assert stored is not None
    again = await store.load(doc_id)
    assert again is not None
    assert again.data == stored.data
    await writer.close()


async def test_a_document_stored_over_a_lowered_limit_is_still_served() -> None:
    # Stored when the limit was higher (the default went from 16 MiB to 4 MiB): reading it
    # must still work; only growing it is refused.
    store = MemoryDocumentStore()
    doc_id = new_document_id()
    large = hub_on(store, max_document_bytes=1 << 30)
    writer = Peer(large, "writer", document_with({"a": os.urandom(LIMIT).hex()}))
    await writer.next_frame()
    await writer.upload(doc_id)
    await writer.close()
    await large.close()

    hub = hub_on(store, max_document_bytes=LIMIT)
    reader = Peer(hub, "reader")
    await reader.next_frame()
    await reader.send_sync(doc_id)
    reader.apply(await reader.next_frame())
    assert reader.doc.get_heads() == writer.doc.get_heads()
    await reader.close()
    await hub.close()
