"""The heads of stored bytes, read from their chunks (`chunks.stored_heads`).

What they name must be exactly what loading the bytes gives, or nothing: a peer is sent the
stored document under these heads before the server has loaded it (hub, "before the load").
"""

import hashlib

from automerge.core import Document

from server.crdt import chunks
from server.crdt.engine import LiveDocument
from tests.support.automerge_docs import document_with, put


def _heads(doc: Document) -> list[bytes]:
    return sorted(bytes(h) for h in doc.get_heads())


def _changes(doc: Document, since: list[bytes]) -> bytes:
    return b"".join(bytes(c.raw_bytes) for c in doc.get_changes(since))


def _loaded_heads(data: bytes) -> list[bytes]:
    return sorted(LiveDocument.load(data).heads)


def test_a_snapshot_alone_names_its_heads() -> None:
    doc = document_with({"a": "1"})
    other = doc.fork()
    put(doc, "b", "2")
    put(other, "c", "3")
    doc.merge(other)  # two heads
    data = bytes(doc.save())
    assert chunks.stored_heads(data) == _heads(doc) == _loaded_heads(data)
    assert len(_heads(doc)) == 2


def test_changes_logged_after_the_snapshot_move_the_heads() -> None:
    doc = document_with({"a": "1"})
    snapshot = bytes(doc.save())
    at = [bytes(h) for h in doc.get_heads()]
    put(doc, "b", "2")
    side = doc.fork()
    put(doc, "c", "3")
    put(side, "d", "4")
    doc.merge(side)
    data = snapshot + _changes(doc, at)
    assert chunks.stored_heads(data) == _heads(doc) == _loaded_heads(data)


def test_changes_without_a_snapshot() -> None:
    doc = document_with({"a": "1"})
    put(doc, "b", "2")
    data = _changes(doc, [])
    assert chunks.stored_heads(data) == _heads(doc) == _loaded_heads(data)


def test_a_change_made_on_an_older_part_of_the_history_is_left_to_the_load() -> None:
    doc = document_with({"a": "1"})
    old = doc.fork()  # knows only the first change
    put(doc, "b", "2")
    snapshot = bytes(doc.save())  # its head is the second change
    put(old, "c", "3")  # depends on the first change, inside the snapshot
    doc.merge(old)
    data = snapshot + bytes(old.get_last_local_change().raw_bytes)
    assert chunks.stored_heads(data) is None
    assert _loaded_heads(data) == _heads(doc)  # loadable, just not read from the chunks


def test_damaged_or_unknown_bytes_name_nothing() -> None:
    doc = document_with({"a": "1"})
    put(doc, "b", "2")
    snapshot = bytes(doc.save())
    change = bytes(doc.get_last_local_change().raw_bytes)
    flipped = bytearray(snapshot)
    flipped[-1] ^= 1
    assert chunks.stored_heads(bytes(flipped)) is None  # the checksum no longer matches
    flipped = bytearray(change)
    flipped[-1] ^= 1
    assert chunks.stored_heads(bytes(flipped)) is None
    assert chunks.stored_heads(b"") is None
    assert chunks.stored_heads(b"not chunks at all") is None
    assert chunks.stored_heads(snapshot[:-3]) is None  # cut short
    assert chunks.stored_heads(change + snapshot) is None  # a snapshot after changes
    # A change whose dependency is not stored at all.
    assert chunks.stored_heads(change) is None


def test_a_hostile_actor_count_is_read_no_further_than_the_chunk() -> None:
    doc = document_with({"a": "1"})
    snapshot = bytearray(doc.save())
    start = 9 + 1  # magic, checksum, type, a one-byte length for this small chunk
    assert snapshot[9] < 0x80
    snapshot[start] = 0x7F  # 127 actors, far more than the chunk holds
    snapshot[4:8] = hashlib.sha256(bytes(snapshot[8:])).digest()[:4]
    assert chunks.stored_heads(bytes(snapshot)) is None
