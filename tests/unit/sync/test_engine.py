"""The Automerge engine wrapper: what a sync message added, and refusing it cleanly."""

import pytest
from automerge.core import Document, Message, SyncState

from server.sync.engine import LiveDocument, PeerSyncState, SyncDataError, has_empty_heads
from tests.support.automerge_docs import document_with, put, read

REQUEST_PAYLOAD = bytes.fromhex("42000001000000020284")  # what find() sends (spec 4.1)


def upload(client: Document, server: LiveDocument, state: PeerSyncState) -> list[object]:
    """Run the sync protocol until quiet; return every change the server received."""
    client_state = SyncState()
    received: list[object] = []
    for _ in range(10):
        outgoing = client.generate_sync_message(client_state)
        if outgoing is not None:
            received += server.receive(state, bytes(outgoing.encode()))
        reply = server.generate(state)
        if reply is not None:
            client.receive_sync_message(client_state, Message.decode(reply))
        if outgoing is None and reply is None:
            break
    return received


def test_receive_returns_each_new_change_with_its_author() -> None:
    client = document_with({"a": "1", "b": "2"}, actor=b"\x07" * 16)
    server = LiveDocument()

    changes = upload(client, server, PeerSyncState())

    assert server.heads == list(client.get_heads())
    assert [(c.actor, c.seq) for c in changes] == [(b"\x07" * 16, 1), (b"\x07" * 16, 2)]  # type: ignore[attr-defined]


def test_a_second_upload_of_the_same_changes_adds_nothing() -> None:
    client = document_with({"a": "1"})
    server = LiveDocument()
    upload(client, server, PeerSyncState())

    assert upload(client, server, PeerSyncState()) == []


def test_garbage_sync_bytes_are_refused_and_change_nothing() -> None:
    server = LiveDocument()
    upload(document_with({"a": "1"}), server, PeerSyncState())
    heads = server.heads

    with pytest.raises(SyncDataError):
        server.receive(PeerSyncState(), b"\x42\x05garbage")

    assert server.heads == heads


def test_restore_drops_what_a_message_added() -> None:
    client = document_with({"a": "1"})
    server = LiveDocument()
    upload(client, server, PeerSyncState())
    heads = server.heads
    put(client, "a", "2")
    upload(client, server, PeerSyncState())

    server.restore(heads)

    assert server.heads == heads
    assert read(Document.load(server.save()), "a") == "1"


def test_a_document_survives_save_and_load() -> None:
    server = LiveDocument()
    upload(document_with({"a": "1"}), server, PeerSyncState())

    assert LiveDocument.load(server.save()).heads == server.heads


def test_loading_garbage_is_a_sync_data_error() -> None:
    with pytest.raises(SyncDataError):
        LiveDocument.load(b"\x85\x6f\x4a\x83 not a document")


def test_empty_heads_are_recognised_in_both_versions() -> None:
    assert has_empty_heads(REQUEST_PAYLOAD)
    assert has_empty_heads(bytes.fromhex("4300000100000000"))
    with_heads = document_with({"a": "1"}).generate_sync_message(SyncState())
    assert with_heads is not None
    assert not has_empty_heads(bytes(with_heads.encode()))
    assert not has_empty_heads(b"")
    assert not has_empty_heads(b"\x99\x00")
