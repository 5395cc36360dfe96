"""The CBOR codec: reads what the JS client writes, refuses what no client writes."""

import cbor2
import pytest

from server.sync import codec
from server.sync.messages import (
    EphemeralMessage,
    JoinMessage,
    PeerMessage,
    PeerMetadata,
    SyncMessage,
    UnknownMessage,
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
