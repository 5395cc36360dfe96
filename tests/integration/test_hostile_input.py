"""Bad input never harms others: the offender gets `error` and is closed, nothing is stored
from it, and a well-behaved peer on the same document keeps syncing."""

from collections.abc import AsyncIterator, Awaitable, Callable

import cbor2
import pytest

from server.settings import MAX_EPHEMERAL_BYTES, MIB
from tests.support.automerge_docs import new_document_id, put, read
from tests.support.live_server import LiveServer
from tests.support.wire_peer import WirePeer

Attack = Callable[[WirePeer, str], Awaitable[None]]


class Bystander:
    """A peer editing a shared document before, during and after an attack."""

    def __init__(self, peer: WirePeer, doc_id: str) -> None:
        self.peer = peer
        self.doc_id = doc_id
        self.edits = 0

    async def edit_and_sync(self) -> None:
        self.edits += 1
        put(self.peer.doc(self.doc_id), "edit", str(self.edits))
        await self.peer.sync(self.doc_id)


@pytest.fixture
async def bystander(server: LiveServer) -> AsyncIterator[Bystander]:
    peer = await WirePeer.connect(server.url, "bystander")
    bystander = Bystander(peer, new_document_id())
    await bystander.edit_and_sync()
    yield bystander
    await peer.close()


async def _sync_bytes(peer: WirePeer, doc_id: str, data: bytes) -> None:
    await peer.send_sync(doc_id, data)


async def malformed_cbor(peer: WirePeer, doc_id: str) -> None:
    await peer.ws.send(b"\x9f\x9f\x9f\xff garbage")


async def wrong_field_types(peer: WirePeer, doc_id: str) -> None:
    await peer.send({"type": "sync", "senderId": peer.peer_id, "documentId": 42, "data": "x"})


async def not_a_map(peer: WirePeer, doc_id: str) -> None:
    await peer.ws.send(cbor2.dumps(["sync", doc_id]))


async def garbage_sync_bytes(peer: WirePeer, doc_id: str) -> None:
    await _sync_bytes(peer, doc_id, b"\x42\x01" + b"\xff" * 40)


async def invalid_document_id(peer: WirePeer, doc_id: str) -> None:
    await _sync_bytes(peer, doc_id[:-1] + ("1" if doc_id[-1] != "1" else "2"), b"\x42\x00")


async def oversized_frame(peer: WirePeer, doc_id: str) -> None:
    await _sync_bytes(peer, doc_id, b"\x42" + b"\x00" * (1 * MIB + 10))


async def flood(peer: WirePeer, doc_id: str) -> None:
    other = new_document_id()
    for _ in range(400):
        await _sync_bytes(peer, other, bytes.fromhex("42000001000000020284"))


async def text_frames(peer: WirePeer, doc_id: str) -> None:
    for _ in range(5):
        await peer.ws.send("hello")


def _ephemeral(peer: WirePeer, doc_id: str, session_id: str, data: bytes) -> dict[str, object]:
    return {
        "type": "ephemeral",
        "senderId": peer.peer_id,
        "targetId": peer.server_id,
        "documentId": doc_id,
        "sessionId": session_id,
        "count": 1,
        "data": data,
    }


async def large_ephemeral(peer: WirePeer, doc_id: str) -> None:
    await peer.send(_ephemeral(peer, doc_id, "s", b"\xa0" * (MAX_EPHEMERAL_BYTES + 1)))


async def long_session_id(peer: WirePeer, doc_id: str) -> None:
    await peer.send(_ephemeral(peer, doc_id, "s" * 256 * 1024, b"\xa0"))


async def tagged_frame(peer: WirePeer, doc_id: str) -> None:
    # tag 30, a fraction of two big integers: cbor2 alone would spend seconds on it
    numbers = b"\x82" + (b"\xc2\x59\x40\x00" + b"\x07" * 16384) * 2
    frame = cbor2.dumps({"type": "sync", "senderId": peer.peer_id, "documentId": doc_id})
    await peer.ws.send(b"\xa4" + frame[1:] + b"\x61x\xd8\x1e" + numbers)


async def second_join(peer: WirePeer, doc_id: str) -> None:
    await peer.send({"type": "join", "senderId": peer.peer_id})


ATTACKS: dict[str, tuple[Attack, str]] = {
    "malformed CBOR": (malformed_cbor, "not CBOR"),
    "wrong field types": (wrong_field_types, "invalid sync message"),
    "not a map": (not_a_map, "not a map"),
    "garbage sync bytes": (garbage_sync_bytes, "invalid sync message"),
    "invalid document id": (invalid_document_id, "invalid document id"),
    "oversized frame": (oversized_frame, "larger than"),
    "flood": (flood, "too many messages"),
    "second join": (second_join, "join sent twice"),
    "text frames": (text_frames, "text frames are not part of the protocol"),
    "large ephemeral": (large_ephemeral, "ephemeral data larger than"),
    "long session id": (long_session_id, "sessionId"),
    "tagged frame": (tagged_frame, "tag 30"),
}


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
async def test_an_attack_closes_only_the_attacker(
    server: LiveServer, bystander: Bystander, attack: str
) -> None:
    run, complaint = ATTACKS[attack]
    attacker = await WirePeer.connect(server.url, "attacker")
    doc_id = bystander.doc_id

    await run(attacker, doc_id)
    code, messages = await attacker.closed()

    errors = [m for m in messages if m["type"] == "error"]
    assert len(errors) == 1
    assert complaint in errors[0]["message"]
    assert code not in (None, 1000)
    changes = await server.hub.documents.store.list_changes(doc_id)  # type: ignore[arg-type]
    assert {c.peer_id for c in changes} == {"bystander"}
    await bystander.edit_and_sync()
    assert read(bystander.peer.doc(doc_id), "edit") == str(bystander.edits)
    assert len(await server.hub.documents.store.list_changes(doc_id)) == len(changes) + 1  # type: ignore[arg-type]


async def test_a_message_before_join_is_refused(server: LiveServer) -> None:
    peer = await WirePeer.connect(server.url, join=False)

    await peer.send_sync(new_document_id(), bytes.fromhex("42000001000000020284"))
    code, messages = await peer.closed()

    assert [m["type"] for m in messages] == ["error"]
    assert "first message must be join" in messages[0]["message"]
    assert code == 1002


async def test_an_unsupported_protocol_version_is_refused(server: LiveServer) -> None:
    peer = await WirePeer.connect(server.url, join=False)

    reply = await peer.join(versions=["2"])
    code, _ = await peer.closed()

    assert reply["type"] == "error"
    assert reply["message"] == "unsupported protocol version"
    assert reply["targetId"] == peer.peer_id
    assert code is not None


async def test_a_silent_socket_is_closed_after_the_join_timeout(server: LiveServer) -> None:
    peer = await WirePeer.connect(server.url, join=False)

    code, messages = await peer.closed()

    assert [m["message"] for m in messages] == ["no join message received"]
    assert code == 1002


async def test_an_unknown_message_type_is_ignored_and_the_peer_stays(server: LiveServer) -> None:
    peer = await WirePeer.connect(server.url)
    doc_id = new_document_id()

    await peer.send({"type": "from-the-future", "senderId": peer.peer_id, "x": 1})
    put(peer.doc(doc_id), "still", "here")
    await peer.sync(doc_id)

    assert len(await server.hub.documents.store.list_changes(doc_id)) == 1  # type: ignore[arg-type]
    await peer.close()


async def test_a_text_frame_is_refused_as_unsupported_data(server: LiveServer) -> None:
    peer = await WirePeer.connect(server.url)

    await peer.ws.send("hello")
    code, messages = await peer.closed()

    assert [m["message"] for m in messages] == ["text frames are not part of the protocol"]
    assert code == 1003


async def test_a_text_frame_instead_of_join_is_refused(server: LiveServer) -> None:
    peer = await WirePeer.connect(server.url, join=False)

    await peer.ws.send('{"type": "join"}')
    code, messages = await peer.closed()

    assert [m["message"] for m in messages] == ["text frames are not part of the protocol"]
    assert code == 1003
