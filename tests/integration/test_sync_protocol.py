"""The protocol over real sockets: availability, late arrival, reconnects, ephemeral relay,
and acknowledgements that only ever name changes already in the SQLite file."""

import sqlite3

from automerge.core import Message

from tests.support.automerge_docs import new_document_id, put, read
from tests.support.live_server import LiveServer
from tests.support.wire_peer import WirePeer

REQUEST_PAYLOAD = bytes.fromhex("42000001000000020284")


def _hashes_on_disk(server: LiveServer, doc_id: str) -> set[bytes]:
    # A separate connection to the file: what a restarted process would find.
    with sqlite3.connect(server.settings.database_path) as db:
        rows = db.execute("SELECT hash FROM changes WHERE doc_id = ?", (doc_id,)).fetchall()
    return {bytes(r[0]) for r in rows}


async def test_a_request_for_an_unknown_document_is_answered_unavailable(
    server: LiveServer,
) -> None:
    peer = await WirePeer.connect(server.url)
    doc_id = new_document_id()

    await peer.send_sync(doc_id, REQUEST_PAYLOAD, "request")
    reply = await peer.recv()

    assert reply == {
        "type": "doc-unavailable",
        "senderId": peer.server_id,
        "targetId": peer.peer_id,
        "documentId": doc_id,
    }
    assert _hashes_on_disk(server, doc_id) == set()
    await peer.close()


async def test_every_acknowledged_change_is_already_on_disk(server: LiveServer) -> None:
    peer = await WirePeer.connect(server.url)
    doc_id = new_document_id()
    doc = peer.doc(doc_id)
    state = peer.states[doc_id]

    for i in range(5):
        put(doc, "n", str(i))
        outgoing = doc.generate_sync_message(state)
        while outgoing is not None:
            await peer.send_sync(doc_id, bytes(outgoing.encode()))
            reply = await peer.recv_for(doc_id)
            on_disk_when_it_arrived = _hashes_on_disk(server, doc_id)
            doc.receive_sync_message(state, Message.decode(reply["data"]))
            outgoing = doc.generate_sync_message(state)
        # Nothing left to send: the last reply acknowledged every change we have.
        assert {bytes(c.hash) for c in doc.get_changes([])} <= on_disk_when_it_arrived

    assert {bytes(c.hash) for c in doc.get_changes([])} == _hashes_on_disk(server, doc_id)
    await peer.close()


async def test_a_waiting_peer_gets_the_document_when_it_is_uploaded(server: LiveServer) -> None:
    waiter = await WirePeer.connect(server.url, "waiter")
    writer = await WirePeer.connect(server.url, "writer")
    doc_id = new_document_id()
    await waiter.send_sync(doc_id, REQUEST_PAYLOAD, "request")
    assert (await waiter.recv())["type"] == "doc-unavailable"

    put(writer.doc(doc_id), "plan", "call Alex")
    await writer.sync(doc_id)
    await waiter.receive_until(doc_id, lambda doc: read(doc, "plan") == "call Alex")

    assert read(waiter.doc(doc_id), "plan") == "call Alex"
    await waiter.close()
    await writer.close()


async def test_a_reconnect_with_the_same_peer_id_replaces_the_old_socket(
    server: LiveServer,
) -> None:
    old = await WirePeer.connect(server.url, "phone")
    doc_id = new_document_id()
    put(old.doc(doc_id), "a", "1")
    await old.sync(doc_id)

    new = await WirePeer.connect(server.url, "phone")
    code, _ = await old.closed()
    put(new.doc(doc_id), "b", "2")
    await new.sync(doc_id)

    assert code == 1000
    assert list(server.hub.peers) == [(None, "phone")]
    assert read(new.doc(doc_id), "a") == "1"
    await new.close()


async def test_ephemeral_messages_reach_other_peers_once_and_never_loop(
    server: LiveServer,
) -> None:
    alice = await WirePeer.connect(server.url, "alice")
    bob = await WirePeer.connect(server.url, "bob")
    doc_id = new_document_id()
    put(alice.doc(doc_id), "a", "1")
    await alice.sync(doc_id)
    await bob.receive_until(doc_id, lambda doc: read(doc, "a") == "1", request=True)
    ephemeral = {
        "type": "ephemeral",
        "senderId": "alice",
        "targetId": alice.server_id,
        "documentId": doc_id,
        "sessionId": "s1",
        "count": 1,
        "data": b"\xa1aaa1",
    }

    await alice.send(ephemeral)
    relayed = await bob.recv_type("ephemeral")
    await bob.send({**relayed, "targetId": bob.server_id})  # what a client does: forward it
    await alice.send(ephemeral)  # a duplicate count
    await alice.send({**ephemeral, "count": 2})
    second = await bob.recv_type("ephemeral")

    assert relayed == {**ephemeral, "targetId": "bob"}
    assert second["count"] == 2
    await alice.send({"type": "leave", "senderId": "alice"})
    put(alice.doc(doc_id), "b", "2")
    await alice.sync(doc_id)  # alice received no echo: her next frame is her sync reply
    await alice.close()
    await bob.close()


async def test_the_upgrade_is_accepted_on_any_path(server: LiveServer) -> None:
    base = server.url.removesuffix("/sync")
    for path in ("", "/", "/sync", "/sync/", "/a/b?x=1"):
        peer = await WirePeer.connect(base + path)

        assert peer.server_id.startswith("sync-server-")
        await peer.close()


async def test_a_corrupt_stored_document_fails_only_the_peer_asking_for_it(
    server: LiveServer,
) -> None:
    doc_id = new_document_id()
    with sqlite3.connect(server.settings.database_path) as db:
        db.execute(
            "INSERT INTO changes (doc_id, hash, actor, seq, change_time_ms, received_at_ms, bytes)"
            " VALUES (?, ?, ?, 1, 0, 0, ?)",
            (doc_id, b"\x01" * 32, b"\x02" * 16, b"\x85\x6f\x4a\x83 not a change"),
        )
    asker = await WirePeer.connect(server.url, "asker")
    other = await WirePeer.connect(server.url, "other")

    await asker.send_sync(doc_id, REQUEST_PAYLOAD, "request")
    code, messages = await asker.closed()
    fine = new_document_id()
    put(other.doc(fine), "a", "1")
    await other.sync(fine)

    assert code == 1011
    assert "could not read a document" in messages[-1]["message"]
    assert len(_hashes_on_disk(server, fine)) == 1
    await other.close()
