"""The Automerge engine wrapper: what a sync message added, and refusing it cleanly."""

import base64

import pytest
from automerge.core import Document, Message, SyncState

from server.crdt.engine import (
    LiveDocument,
    PeerSyncState,
    ReceivedChange,
    SyncDataError,
    has_empty_heads,
)
from tests.support.automerge_docs import document_with, put, read

REQUEST_PAYLOAD = bytes.fromhex("42000001000000020284")  # what find() sends (spec 4.1)


def upload(
    client: Document, server: LiveDocument, state: PeerSyncState
) -> tuple[LiveDocument, list[ReceivedChange]]:
    """Run the sync protocol until quiet, accepting everything as the hub does (the copy
    becomes the live document); return the live document and every change it received."""
    client_state = SyncState()
    received: list[ReceivedChange] = []
    for _ in range(10):
        outgoing = client.generate_sync_message(client_state)
        if outgoing is not None:
            result = server.receive(state, bytes(outgoing.encode()))
            server = result.document
            received += result.changes
        reply = server.generate(state)
        if reply is not None:
            client.receive_sync_message(client_state, Message.decode(reply))
        if outgoing is None and reply is None:
            break
    return server, received


def download(server: LiveDocument) -> Document:
    """A fresh peer's copy of the server's document, through the sync protocol."""
    viewer, viewer_state, state = Document(), SyncState(), PeerSyncState()
    for _ in range(10):
        reply = server.generate(state)
        if reply is not None:
            viewer.receive_sync_message(viewer_state, Message.decode(reply))
        outgoing = viewer.generate_sync_message(viewer_state)
        if outgoing is not None:
            assert server.receive(state, bytes(outgoing.encode())).changes == []
        if reply is None and outgoing is None:
            break
    return viewer


def test_receive_returns_each_new_change_with_its_author() -> None:
    client = document_with({"a": "1", "b": "2"}, actor=b"\x07" * 16)

    server, changes = upload(client, LiveDocument(), PeerSyncState())

    assert server.heads == list(client.get_heads())
    assert [(c.actor, c.seq) for c in changes] == [(b"\x07" * 16, 1), (b"\x07" * 16, 2)]


def test_written_heads_are_the_writers_own_without_the_servers_concurrent_changes() -> None:
    base = document_with({"a": "1"}, actor=b"\x01" * 16)
    server = LiveDocument.load(bytes(base.save()))
    writer = Document(actor_id=b"\x02" * 16)
    writer.merge(base)
    put(writer, "b", "2")
    put(writer, "c", "3")
    with_concurrent = Document(actor_id=b"\x03" * 16)
    with_concurrent.merge(base)
    put(with_concurrent, "d", "4")
    server = LiveDocument.load(server.save() + bytes(with_concurrent.save()))
    state, writer_state = PeerSyncState(), SyncState()

    written: list[bytes] = []
    for _ in range(10):
        outgoing = writer.generate_sync_message(writer_state)
        if outgoing is None:
            break
        received = server.receive(state, bytes(outgoing.encode()))
        written = written or received.written
        server = received.document
        reply = server.generate(state)
        if reply is not None:
            writer.receive_sync_message(writer_state, Message.decode(reply))

    assert written == [bytes(writer.get_last_local_change().hash)]
    assert len(server.heads) == 2  # the server's document holds both branches


def test_a_second_upload_of_the_same_changes_adds_nothing() -> None:
    client = document_with({"a": "1"})
    server, _ = upload(client, LiveDocument(), PeerSyncState())

    assert upload(client, server, PeerSyncState())[1] == []


def test_garbage_sync_bytes_are_refused_and_change_nothing() -> None:
    server, _ = upload(document_with({"a": "1"}), LiveDocument(), PeerSyncState())
    heads = server.heads

    with pytest.raises(SyncDataError):
        server.receive(PeerSyncState(), b"\x42\x05garbage")

    assert server.heads == heads


def test_a_received_message_changes_only_the_copy_until_the_copy_is_taken() -> None:
    client = document_with({"a": "1"})
    server, _ = upload(client, LiveDocument(), PeerSyncState())
    heads = server.heads
    put(client, "a", "2")
    state = PeerSyncState()
    client_state = SyncState()
    server.receive(state, bytes(client.generate_sync_message(client_state).encode()))
    reply = server.generate(state)
    assert reply is not None
    client.receive_sync_message(client_state, Message.decode(reply))

    received = server.receive(state, bytes(client.generate_sync_message(client_state).encode()))

    assert [c.seq for c in received.changes] == [2]
    assert received.heads_before == heads
    assert received.document.heads == list(client.get_heads())
    assert server.heads == heads
    assert read(Document.load(server.save()), "a") == "1"


def test_refusing_after_two_authors_took_turns_leaves_the_live_document_whole() -> None:
    # The history on which the binding's fork_at panicked (MissingOps): two actors taking
    # turns on one document, then a third change by one of them to be refused.
    person = document_with({"start": "1"}, actor=b"\x01" * 16)
    carer = Document(actor_id=b"\x02" * 16)
    server = LiveDocument()
    for turn in range(4):
        put(person, f"p{turn}", "x")
        server, _ = upload(person, server, PeerSyncState())
        carer.merge(person)
        put(carer, f"c{turn}", "y")
        server, _ = upload(carer, server, PeerSyncState())
        person.merge(carer)
    heads = server.heads
    put(carer, "forbidden", "z")
    carer_state = SyncState()
    state = PeerSyncState()
    received = None
    for _ in range(5):
        outgoing = carer.generate_sync_message(carer_state)
        if outgoing is None:
            break
        received = server.receive(state, bytes(outgoing.encode()))
        if received.changes:
            break
        reply = server.generate(state)
        if reply is not None:
            carer.receive_sync_message(carer_state, Message.decode(reply))

    assert received is not None
    assert [c.actor for c in received.changes] == [b"\x02" * 16]
    assert server.heads == heads  # refusing is not taking the copy
    reloaded = Document.load(server.save())
    assert read(reloaded, "forbidden") is None
    assert read(reloaded, "c3") == "y"
    viewer = download(server)
    assert list(viewer.get_heads()) == heads
    assert read(viewer, "forbidden") is None


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


# Six changes of one document made by the official JS library (@automerge/automerge 3.5.0,
# tests/interop/node_modules) with `A.change(d, {time: t}, ...)` for t = 1768999999 (the
# default: whole seconds now, here 2026-01-21T12:53:19Z), 0 (no time), -5, 1e15,
# 253402300799 (the last second of year 9999) and 253402300800.
JS_TIMES = (
    "hW9Kg1Bb8QMA2gEBEAoKCgoKCgoKCgoKCgoKCgoBWoOc4lge4SUrCTWbzFQXRhuEqe0508pqFsA02vbBIUQHAQID"
    "AhMCIx1ABEMEVgIIFUIhAiMHNAFCAlYCVwaAAQIGAAYBBgF6v5jDywbB57y0eXuFgJqm6q/jAf+Ct9nF15x+AX8A"
    "BQF/AAQBBgd6A3QtNQJ0MBF0MTAwMDAwMDAwMDAwMDAwMAt0MTc2ODk5OTk5OQ10MjUzNDAyMzAwNzk5DXQyNTM0"
    "MDIzMDA4MDAGAHoDfwJ9BAEGBgEGFAEBAQEBAQYABQ=="
)
JS_TIMES_MS = [1_768_999_999_000, 0, 0, 0, 253_402_300_799_000, 0]


def test_change_times_are_automerge_seconds_in_milliseconds_and_0_when_none_is_true() -> None:
    """Automerge records seconds; the binding reads them as ms (January 1970 for now)."""
    client = Document.load(base64.b64decode(JS_TIMES))

    _, received = upload(client, LiveDocument(), PeerSyncState())

    assert [c.change_time_ms for c in received] == JS_TIMES_MS
    assert [c.time_ms for c in LiveDocument(client).history()] == JS_TIMES_MS


def test_a_change_of_the_python_binding_has_no_time() -> None:
    """Its transactions record time 0: "unknown", never the epoch."""
    _, received = upload(document_with({"a": "1"}), LiveDocument(), PeerSyncState())

    assert [c.change_time_ms for c in received] == [0]
