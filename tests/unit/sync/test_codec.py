"""The CBOR codec: reads what the JS client writes, refuses what no client writes."""

import struct
import time
import tracemalloc

import cbor2
import pytest

from server.sync import codec
from server.sync.messages import (
    MAX_ID_LENGTH,
    EphemeralMessage,
    JoinMessage,
    PeerMessage,
    PeerMetadata,
    RemoteHeadsChangedMessage,
    SyncMessage,
    UnknownMessage,
)
from tests.support.hostile_frames import (
    HOSTILE,
    byte_string,
    head,
    hostile_frame,
    message_with,
    tag,
    text,
)

# A join exactly as cbor-x writes it (sync-protocol.md 1.1, 7): 16-bit map headers even for
# small maps, and `undefined` (0xf7) for the storageId of a client without storage.
JS_JOIN = bytes.fromhex(
    "b90004"
    "6474797065"
    "646a6f696e"  # "type": "join"
    "6873656e6465724964"
    "68636c69656e742d41"  # "senderId": "client-A"
    "6c706565724d65746164617461"
    "b90002"  # "peerMetadata": {
    "6973746f726167654964"
    "f7"  # "storageId": undefined
    "6b6973457068656d6572616c"
    "f5"  # "isEphemeral": true }
    "78197375707075727465645072"
    "6f746f636f6c56657273696f6e73"
    "81"
    "6131"  # versions ["1"]
)


def test_a_join_as_the_js_client_writes_it_decodes() -> None:
    message = codec.decode(JS_JOIN)

    assert message == JoinMessage(
        sender_id="client-A",
        peer_metadata=PeerMetadata(storage_id=None, is_ephemeral=True),
        supported_protocol_versions=["1"],
    )


def test_a_sync_message_keeps_its_bytes() -> None:
    frame = cbor2.dumps(
        {"type": "sync", "senderId": "a", "targetId": "s", "documentId": "d", "data": b"\x42\x00"}
    )

    assert codec.decode(frame) == SyncMessage(
        sender_id="a", target_id="s", document_id="d", data=b"\x42\x00"
    )


def test_an_unknown_type_is_reported_not_refused() -> None:
    assert codec.decode(cbor2.dumps({"type": "presence-v9", "x": 1})) == UnknownMessage(
        "presence-v9"
    )


def test_unknown_fields_are_ignored() -> None:
    frame = cbor2.dumps({"type": "leave", "senderId": "a", "futureField": [1, 2]})

    assert codec.decode(frame) is not None


@pytest.mark.parametrize(
    ("frame", "complaint"),
    [
        (b"\xff\x00", "not CBOR"),
        (b"", "not CBOR"),
        (cbor2.dumps([1, 2]), "not a map"),
        (cbor2.dumps({"senderId": "a"}), "no text `type`"),
        (cbor2.dumps({"type": 7}), "no text `type`"),
        (cbor2.dumps({"type": "sync", "senderId": "a", "documentId": "d", "data": "text"}), "sync"),
        (cbor2.dumps({"type": "sync", "senderId": "a", "documentId": 5, "data": b""}), "sync"),
        (cbor2.dumps({"type": "ephemeral", "senderId": "a", "documentId": "d"}), "ephemeral"),
        (cbor2.dumps({"type": "join", "senderId": None}), "join"),
    ],
)
def test_malformed_frames_raise_a_decode_error(frame: bytes, complaint: str) -> None:
    with pytest.raises(codec.DecodeError, match=complaint):
        codec.decode(frame)


def test_hostile_nesting_is_refused() -> None:
    nested: object = "x"
    for _ in range(50):
        nested = {"k": nested}
    frame = cbor2.dumps({"type": "join", "senderId": "a", "peerMetadata": nested})

    with pytest.raises(codec.DecodeError):
        codec.decode(frame)


def test_encoded_messages_are_plain_maps_with_byte_strings() -> None:
    frame = codec.encode(
        EphemeralMessage(
            sender_id="a", target_id="b", document_id="d", session_id="s", count=3, data=b"\x01"
        )
    )

    assert frame[0] == 0xA7  # a 7-entry map, no tags
    assert cbor2.loads(frame) == {
        "type": "ephemeral",
        "senderId": "a",
        "targetId": "b",
        "documentId": "d",
        "sessionId": "s",
        "count": 3,
        "data": b"\x01",
    }


def test_peer_advertises_a_persistent_storage() -> None:
    frame = codec.encode(
        PeerMessage(
            sender_id="server",
            target_id="client-A",
            selected_protocol_version="1",
            peer_metadata=PeerMetadata(storage_id="store-1", is_ephemeral=False),
        )
    )

    assert cbor2.loads(frame)["peerMetadata"] == {"storageId": "store-1", "isEphemeral": False}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_frames_are_refused_quickly_and_small(name: str) -> None:
    frame = hostile_frame(name)

    started = time.perf_counter()
    with pytest.raises(codec.DecodeError):
        codec.decode(frame)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    try:
        with pytest.raises(codec.DecodeError):
            codec.decode(frame)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Refused in well under 50 ms here (scripts/measure_decode.py); the bound leaves room
    # for a busy CI machine and still catches the seconds cbor2 spends on tags.
    assert elapsed < 0.25, f"{name}: {elapsed * 1000:.0f} ms"
    # A small multiple of the frame, plus the exception's own few hundred bytes.
    assert peak < 8 * len(frame) + 16_384, f"{name}: {peak} bytes for a {len(frame)}-byte frame"


@pytest.mark.parametrize(
    ("item", "complaint"),
    [
        (tag(1, head(0, 0)), "tag 1"),  # a datetime: cbor-x never writes tags
        (tag(64, byte_string(b"\x42")), "tag 64"),  # a tagged Uint8Array, never sent
        (b"\x5f\x41\x00\xff", "indefinite length"),
        (b"\x9f\x00\xff", "indefinite length"),
        (b"\xf8\x20", "simple value 32"),
        (b"\xf0", "simple value 16"),
        (b"\xa1\x01\x02", "map key is not text"),
        (b"\x82\x00", "runs past"),
        (b"\x19\x01", "ends inside an item"),
        (b"\x5a\x00\x01\x00\x00", "runs past"),
        (b"\x81" * 8 + b"\x00", "nests too deeply"),
        (head(4, 1100) + b"\x00" * 1100, "more than 1024 items"),
    ],
)
def test_what_no_client_writes_is_refused(item: bytes, complaint: str) -> None:
    with pytest.raises(codec.DecodeError, match=complaint):
        codec.decode(message_with(item))


def test_bytes_after_the_message_are_refused() -> None:
    with pytest.raises(codec.DecodeError, match="bytes follow"):
        codec.decode(cbor2.dumps({"type": "leave", "senderId": "a"}) + b"\x00")


def test_every_header_form_floats_and_undefined_are_accepted() -> None:
    # Non-shortest headers of every width (cbor-x writes 16-bit map headers), float16/32/64,
    # `undefined`, and gossip's four levels of nesting, as remote-heads-changed has them.
    frame = (
        b"\xba\x00\x00\x00\x05"  # a map of 5 with a 32-bit header
        + text("type") + text("remote-heads-changed")
        + b"\x7b" + (8).to_bytes(8, "big") + b"senderId" + text("gossip-A")
        + text("documentId") + text("9b5NhKeccU4zyPV6KrK2p5UvyWP")
        + text("unused") + b"\x9b" + (4).to_bytes(8, "big")
        + b"\xf9\x3c\x00" + b"\xfa\x3f\x80\x00\x00" + b"\xf7" + b"\x1b" + (1).to_bytes(8, "big")
        + text("newHeads") + b"\xb9\x00\x01" + text("store")
        + b"\xb9\x00\x02" + text("heads") + b"\x98\x01" + text("uK2sijVW3ZsKBrxhvurLvjk")
        + text("timestamp") + b"\xfb" + struct.pack(">d", 1795699516305.0)
    )  # fmt: skip

    assert codec.decode(frame) == RemoteHeadsChangedMessage(sender_id="gossip-A")


def test_identifiers_are_bounded() -> None:
    def ephemeral(sender: str, session: str) -> bytes:
        return cbor2.dumps(
            {
                "type": "ephemeral",
                "senderId": sender,
                "documentId": "2jpe17LWLWpWWr3fAPY5bjnk8YRD",
                "sessionId": session,
                "count": 1,
                "data": b"\xa0",
            }
        )

    longest = "s" * MAX_ID_LENGTH
    assert isinstance(codec.decode(ephemeral(longest, longest)), EphemeralMessage)
    with pytest.raises(codec.DecodeError, match="sessionId"):
        codec.decode(ephemeral("a", longest + "s"))
    with pytest.raises(codec.DecodeError, match="senderId"):
        codec.decode(ephemeral(longest + "s", "s"))
    with pytest.raises(codec.DecodeError, match="senderId"):
        codec.decode(cbor2.dumps({"type": "join", "senderId": "p" * 300_000}))


@pytest.mark.parametrize("bad", ["x\nERROR: forged", "x\r", "tab\there", "x\x00", "x\u2028y"])
def test_identifiers_with_control_characters_are_refused(bad: str) -> None:
    # Ids are logged: a line break in one would let a client write lines into the log.
    join = {"type": "join", "senderId": bad}
    session = {
        "type": "ephemeral",
        "senderId": "peer-1",
        "documentId": "2jpe17LWLWpWWr3fAPY5bjnk8YRD",
        "sessionId": bad,
        "count": 1,
        "data": b"\xa0",
    }

    with pytest.raises(codec.DecodeError, match="senderId"):
        codec.decode(cbor2.dumps(join))
    with pytest.raises(codec.DecodeError, match="sessionId"):
        codec.decode(cbor2.dumps(session))
    assert isinstance(codec.decode(cbor2.dumps({**join, "senderId": "peer-ü 1"})), JoinMessage)
